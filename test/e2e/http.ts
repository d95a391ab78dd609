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

/**
 * The newest one-time code the dev outbox shows for `to` (polls: delivery goes through the queue). Other messages to
 * the same contact (an invitation, an outage, an announcement another file sends at the same time) are passed over:
 * the newest *code* counts, and while it is still `notBefore` the one asked for has not arrived yet.
 */
export async function codeFromOutbox(outboxUrl: string, to: string, notBefore: string | null = null, timeoutMs = 15_000): Promise<string> {
  const { fetch } = await import("undici");
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const html = await (await fetch(outboxUrl, { dispatcher: localhostAgent })).text();
    for (const row of html.split("<tr>").slice(2)) {
      if (!row.includes(`<td>${to}</td>`)) continue;
      const code = /(\d{6})\. Действует/.exec(row)?.[1];
      if (!code) continue;
      if (code !== notBefore) return code;
      break;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`no code for ${to} in the outbox`);
}

/** The invitation code the dev outbox shows for `to` (polls: delivery goes through the queue). */
export async function inviteCodeFromOutbox(outboxUrl: string, to: string): Promise<string> {
  const { fetch } = await import("undici");
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    const html = await (await fetch(outboxUrl, { dispatcher: localhostAgent })).text();
    for (const row of html.split("<tr>").slice(2)) {
      if (!row.includes(`<td>${to}</td>`)) continue;
      const code = /Код приглашения: ([A-Z0-9]{10})/.exec(row)?.[1];
      if (code) return code;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`no invitation for ${to} in the outbox`);
}
