import { lookup as dnsLookup } from "node:dns";
import { Agent } from "undici";

/** Node's fetch cannot resolve *.localhost: this agent sends them to loopback. */
export const localhostAgent = new Agent({
  connect: {
    lookup(hostname, options, callback) {
      if (hostname === "localhost" || hostname.endsWith(".localhost")) {
        if ((options as { all?: boolean }).all) return callback(null, [{ address: "127.0.0.1", family: 4 }]);
        return callback(null, "127.0.0.1", 4);
      }
      return dnsLookup(hostname, options, callback);
    },
  },
});
