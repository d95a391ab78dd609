/**
 * `npm run shard:move -- <accountNo> <shard>`: moves an account to another shard of its branch through the
 * operators' API of a running Worker (`npm start` locally; `KABINET_URL` and `OPERATOR_TOKEN` for another), and
 * resumes a move that stopped. A large account moves over many calls (each within D1's queries per invocation): it
 * calls again until the move is done, printing the step and rows done after each call, waits out the source's
 * grace period after the switch, then prints the move.
 * `npm run shard:move -- --list` prints the shard map.
 * `npm run shard:move -- --abandon <accountNo>` gives up the account's move before the directory switch (the copy on
 * the target deleted, the source unfrozen); after the switch it is refused: the move must complete.
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
if (accountNo === "--abandon") {
  const abandonNo = toShard;
  if (!abandonNo) {
    console.error("usage: npm run shard:move -- --abandon <accountNo>");
    process.exit(2);
  }
  // A large copy is deleted over several calls (202): call again until the move is abandoned.
  for (;;) {
    const { status, body, retryAfter } = await ops("/shard-moves/abandon", { method: "POST", body: { accountNo: abandonNo } });
    if (status === 200) {
      console.log(
        `✓ ${abandonNo}: move ${body.id} (${body.fromShard} → ${body.toShard}) abandoned; the account stays on ${body.fromShard}`,
      );
      process.exit(0);
    }
    if (status === 202 || status === 503) {
      console.log("… deleting the copy on the target");
      await new Promise((r) => setTimeout(r, Math.max(retryAfter, 1) * 1000));
      continue;
    }
    console.error(`✗ ${status} ${body.title ?? ""}${body.detail ? `: ${body.detail}` : ""}`);
    process.exit(1);
  }
}
if (!accountNo || !toShard) {
  console.error(
    "usage: npm run shard:move -- <accountNo> <shard>   (e.g. DB_MOSCOW_2)\n       npm run shard:move -- --abandon <accountNo>\n       npm run shard:move -- --list",
  );
  process.exit(2);
}

/** The move as the API answers it (the ShardMove schema). */
interface Move {
  id: string;
  fromShard: string;
  toShard: string;
  step: string;
  verified: Record<string, number> | null;
  progress?: { table: string | null; rows: number };
  resumeAt?: string | null;
}

const STEP_TEXT: Record<string, string> = {
  started: "starting",
  frozen: "copying",
  copied: "verifying",
  verified: "switching",
  switched: "switched; cleaning up the source",
  abandoning: "being abandoned",
};

// Each call does a bounded part of the move (D1's queries per invocation) and answers 202 with where it got to and
// when to call again: at once, or after the source's grace period. A stopped tool resumes the same move.
let calls = 0;
for (;;) {
  const { status, body, retryAfter } = await ops("/shard-moves", { method: "POST", body: { accountNo, toShard } });
  calls++;
  const move = body as unknown as Move;
  if (status === 200) {
    console.log(`✓ ${accountNo}: ${move.fromShard} → ${move.toShard}, move ${move.id}, ${calls} call(s)`);
    console.log("  verified on both shards:", JSON.stringify(move.verified));
    break;
  }
  if (status === 202) {
    const waitMs = Math.max(0, Date.parse(move.resumeAt ?? "") - Date.now() || 0);
    const where = move.progress?.table ? ` ${move.progress.table},` : "";
    const rows = move.progress ? ` ${move.progress.rows} rows` : "";
    console.log(`… ${STEP_TEXT[move.step] ?? move.step}:${where}${rows}${waitMs > 0 ? `; again in ${Math.ceil(waitMs / 1000)} s` : ""}`);
    if (waitMs > 0) await new Promise((r) => setTimeout(r, waitMs + 500));
    continue;
  }
  if (status === 503) {
    const waitS = Math.max(retryAfter, 1);
    console.log(`… busy: again in ${waitS} s`);
    await new Promise((r) => setTimeout(r, waitS * 1000));
    continue;
  }
  console.error(`✗ ${status} ${body.title ?? ""}${body.detail ? `: ${body.detail}` : ""}`);
  process.exit(1);
}
