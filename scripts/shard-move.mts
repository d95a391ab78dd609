/**
 * `npm run shard:move -- <accountNo> <shard>`: moves an account to another shard of its branch through the
 * operators' API of a running Worker (`npm start` locally; `KABINET_URL` and `OPERATOR_TOKEN` for another), and
 * resumes a move that stopped. It calls again while the source waits out its grace period, then prints the move.
 * `npm run shard:move -- --list` prints the shard map.
 */
import { lookup as dnsLookup } from "node:dns";
import { Agent, fetch } from "undici";

const base = (process.env.KABINET_URL ?? `http://kabinet.localhost:${process.env.PORT ?? 8787}`).replace(/\/$/, "");
// The development token of wrangler.toml; production's is a secret, given here by OPERATOR_TOKEN.
const token = process.env.OPERATOR_TOKEN ?? "dev-only-operator-token";

/** Node's fetch cannot resolve *.localhost: this agent sends them to loopback. */
const dispatcher = new Agent({
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

async function ops(path: string, init: { method?: string; body?: unknown } = {}) {
  const res = await fetch(`${base}/ops/v1${path}`, {
    method: init.method ?? "GET",
    dispatcher,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json", "accept-language": "en" },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const body = (await res.json().catch(() => ({}))) as Record<string, unknown>;
  return { status: res.status, body, retryAfter: Number(res.headers.get("retry-after") ?? 0) };
}

const [accountNo, toShard] = process.argv.slice(2).filter((a) => a !== "--");
if (accountNo === "--list") {
  const { status, body } = await ops("/shards");
  if (status !== 200) throw new Error(`GET /ops/v1/shards: ${status} ${JSON.stringify(body)}`);
  console.table(body.items);
  process.exit(0);
}
if (!accountNo || !toShard) {
  console.error("usage: npm run shard:move -- <accountNo> <shard>   (e.g. DB_MOSCOW_2)\n       npm run shard:move -- --list");
  process.exit(2);
}

for (;;) {
  const { status, body, retryAfter } = await ops("/shard-moves", { method: "POST", body: { accountNo, toShard } });
  if (status === 200) {
    console.log(`✓ ${accountNo}: ${body.fromShard} → ${body.toShard}, move ${body.id}`);
    console.log("  verified on both shards:", JSON.stringify(body.verified));
    break;
  }
  if (status === 202 || status === 503) {
    const waitS = status === 202 ? 31 : Math.max(retryAfter, 1);
    console.log(
      `… ${status === 202 ? `switched to ${body.toShard}; the source is cleaned up after its grace period` : "busy"}: again in ${waitS} s`,
    );
    await new Promise((r) => setTimeout(r, waitS * 1000));
    continue;
  }
  console.error(`✗ ${status} ${body.title ?? ""}${body.detail ? `: ${body.detail}` : ""}`);
  process.exit(1);
}
