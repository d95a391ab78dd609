/**
 * A login storm on the local server (wrangler dev, local D1 and Durable
 * Objects) while other subscribers use the home screen: their home API's
 * p50/p95/p99 when all is quiet, under a flood on one identifier that has
 * used its free attempts (nearly all refused: what refusals cost), and under
 * the storm of issue 21 (10,000 wrong passwords at 200/s spread over 1,000
 * identifiers, plus the flood on one identifier), and what every attempt
 * was answered. Each attempt must be a 401 (its password was checked) or a
 * 429 (refused before any hash: by a throttle, or by storm mode because it
 * came without a solved proof of work, as a bot's do); none a 5xx. During
 * the storm a subscriber logs in as the web app does: refused for want of a
 * solution, solves the challenge, logs in.
 *
 *   npm run bench:storm
 *   ATTEMPTS, RATE, IDENTIFIERS, FLOOD_RATE, ADDRESSES, HOME_RATE, QUIET_S, FLOOR_S, FLOOD_S, TIMEOUT_S change the load.
 *
 * The home requests and the attempts are sent on a schedule (open loop), not
 * one after another's answer, so a slow server is measured, not waited for.
 */
import { spawn } from "node:child_process";
import { createWriteStream } from "node:fs";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { solveChallenge } from "altcha-lib";
import { deriveKey } from "altcha-lib/algorithms/web/pbkdf2";
import type { Challenge } from "altcha-lib/types";
import { Agent, fetch } from "undici";
import { prepareLocalDatabases } from "../../scripts/local-db.mts";

const ROOT = new URL("../..", import.meta.url).pathname;
const PORT = Number(process.env.BENCH_PORT ?? 8798);
const num = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const ATTEMPTS = num("ATTEMPTS", 10_000);
const RATE = num("RATE", 200);
const IDENTIFIERS = num("IDENTIFIERS", 1_000);
/** Extra attempts a second on one person (a real subscriber, by three spellings), during the flood and the storm. */
const FLOOD_RATE = num("FLOOD_RATE", 50);
/** Client addresses the attempts come from (a botnet: each sends a few, below the per-address limit). */
const ADDRESSES = num("ADDRESSES", 5_000);
const HOME_RATE = num("HOME_RATE", 20);
const QUIET_S = num("QUIET_S", 30);
const FLOOD_S = num("FLOOD_S", 20);
/** How long the trivial route is sent at the storm's rate (the floor: what that many requests cost here anyway); as long as the storm. */
const FLOOR_S = num("FLOOR_S", ATTEMPTS / RATE);
/** How long an answer is waited for before it counts as none. */
const TIMEOUT_S = num("TIMEOUT_S", 900);

const origin = `http://msk.kabinet.localhost:${PORT}`;
const agent = (connections: number) =>
  new Agent({
    connections,
    headersTimeout: TIMEOUT_S * 1000,
    bodyTimeout: TIMEOUT_S * 1000,
    connect: {
      lookup: (_h, opts, cb) =>
        (opts as { all?: boolean }).all ? cb(null, [{ address: "127.0.0.1", family: 4 }]) : cb(null, "127.0.0.1", 4),
    },
  });
// Separate pools: the home requests never queue behind the attempts in the client.
const homeAgent = agent(64);
const stormAgent = agent(256);

const state = join(ROOT, ".e2e/storm-state");
await rm(state, { recursive: true, force: true });
await prepareLocalDatabases(state, () => {});
const server = spawn(
  join(ROOT, "node_modules/.bin/wrangler"),
  ["dev", "--port", String(PORT), "--ip", "127.0.0.1", "--persist-to", state],
  { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, WRANGLER_SEND_METRICS: "false" } },
);
// The dev server's own output, to explain any answer that is neither 401 nor 429.
const serverLog = createWriteStream(join(ROOT, ".e2e/storm-wrangler.log"));
server.stdout?.pipe(serverLog);
server.stderr?.pipe(serverLog);
await new Promise<void>((resolve, reject) => {
  const timer = setTimeout(() => reject(new Error("wrangler dev did not start")), 90_000);
  server.stdout?.on("data", (c: Buffer) => {
    if (/Ready on/.test(c.toString())) {
      clearTimeout(timer);
      resolve();
    }
  });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const SAME_ORIGIN = { "content-type": "application/json", origin, "sec-fetch-site": "same-origin" };
const addressOf = (n: number) => `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;

function login(identifier: string, password: string, address: string, captcha?: string) {
  return fetch(`${origin}/api/v1/auth/login`, {
    dispatcher: stormAgent,
    method: "POST",
    headers: { ...SAME_ORIGIN, "cf-connecting-ip": address },
    body: JSON.stringify({ identifier, password, ...(captcha ? { captcha } : {}) }),
  });
}

const CHALLENGE_REQUIRED = "urn:kabinet:problem:challenge-required";

/** A subscriber's login as the web app makes it: without a solution; if storm mode asks, solve a challenge and again. */
async function loginAsTheApp(identifier: string, password: string, address: string) {
  const started = performance.now();
  const first = await login(identifier, password, address);
  const asked = first.status === 429 && ((await first.json()) as { type?: string }).type === CHALLENGE_REQUIRED;
  if (!asked) return { asked, status: first.status, ms: performance.now() - started };
  const challenge = (await (await fetch(`${origin}/api/v1/auth/captcha`, { dispatcher: homeAgent })).json()) as Challenge;
  const solution = await solveChallenge({ challenge, deriveKey });
  const second = await login(identifier, password, address, btoa(JSON.stringify({ challenge, solution })));
  await second.arrayBuffer();
  return { asked, status: second.status, ms: performance.now() - started };
}

/** Sends `count` requests at `rate` a second on schedule, each answered or not; resolves when all are settled. */
async function paced<T>(count: number, rate: number, send: (i: number) => Promise<T>): Promise<T[]> {
  const started = performance.now();
  const pending: Promise<T>[] = [];
  for (let i = 0; i < count; i++) {
    const due = started + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await sleep(wait);
    pending.push(send(i));
  }
  return Promise.all(pending);
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;

/** Home requests at HOME_RATE a second until `until` resolves: their latencies (ms) and any that were not 200. */
async function homeLoad(cookies: string[], until: Promise<unknown>) {
  let done = false;
  void until.finally(() => {
    done = true;
  });
  const latencies: number[] = [];
  const failures: number[] = [];
  const pending: Promise<void>[] = [];
  const started = performance.now();
  for (let i = 0; !done; i++) {
    const wait = started + (i * 1000) / HOME_RATE - performance.now();
    if (wait > 1) await sleep(wait);
    if (done) break;
    const cookie = cookies[i % cookies.length] as string;
    pending.push(
      (async () => {
        const t = performance.now();
        try {
          const res = await fetch(`${origin}/api/v1/accounts`, { dispatcher: homeAgent, headers: { cookie } });
          const body = await res.text();
          if (res.status === 200) latencies.push(performance.now() - t);
          else {
            failures.push(res.status);
            noteUnexpected("home", res.status, body, res.headers.get("content-type"));
          }
        } catch (e) {
          failures.push(0);
          noteUnexpected("home", 0, String(e), null);
        }
      })(),
    );
  }
  await Promise.all(pending);
  return { latencies: latencies.sort((a, b) => a - b), failures };
}

interface Tally {
  sent: number;
  byStatus: Map<number, number>;
  /** The 429s that storm mode answered (no solved proof of work). */
  challenged: number;
  answerMs: number[];
}
const tally = (): Tally => ({ sent: 0, byStatus: new Map(), challenged: 0, answerMs: [] });
/** The first answer of each unexpected status (its body's start), to print. */
const unexpected = new Map<string, string>();
const noteUnexpected = (what: string, status: number, body: string, ct: string | null) => {
  const key = `${what} ${status}`;
  if (!unexpected.has(key)) unexpected.set(key, `${ct ?? "no content-type"}: ${body.slice(0, 300).replace(/\s+/g, " ")}`);
};
async function attempt(t: Tally, identifier: string, password: string, address: string) {
  t.sent++;
  const at = performance.now();
  let status = 0; // 0: no answer in TIMEOUT_S
  try {
    const res = await login(identifier, password, address);
    const body = await res.text();
    status = res.status;
    if (status !== 401 && status !== 429) noteUnexpected("attempt", status, body, res.headers.get("content-type"));
    if (status === 429 && body.includes(CHALLENGE_REQUIRED)) t.challenged++;
  } catch (e) {
    noteUnexpected("attempt", 0, String(e), null);
  }
  t.answerMs.push(performance.now() - at);
  t.byStatus.set(status, (t.byStatus.get(status) ?? 0) + 1);
}

// The flood's person (maria, three spellings) is not one of the home subscribers.
const FLOOD_SPELLINGS = ["+7 900 000-00-04", "maria", "maria.ivanova@example.com"];
const stormIdentifier = (i: number) =>
  `+7 903 ${String(Math.floor(i / 10_000) % 1000).padStart(3, "0")}-${String(i % 10_000).padStart(4, "0")}`;

try {
  // The home subscribers, each logged in once from an address of its own.
  const cookies: string[] = [];
  for (const [i, identifier] of ["+7 900 000-00-01", "+7 900 000-00-02", "+7 900 000-00-03"].entries()) {
    const res = await login(identifier, "Kabinet2026", `192.0.2.${i + 1}`);
    const cookie = /kab_session=[^;]+/.exec(res.headers.get("set-cookie") ?? "")?.[0];
    if (!cookie) throw new Error(`login of ${identifier} failed: ${res.status}`);
    cookies.push(cookie);
  }
  // Warm up (the first requests compile and load data), then what one checked password costs here.
  await homeLoad(cookies, sleep(3000));
  const single: number[] = [];
  for (let i = 0; i < 8; i++) {
    const t = performance.now();
    const res = await login(`+7 901 000-00-${String(i).padStart(2, "0")}`, "wrong", `198.51.100.${i + 1}`);
    await res.arrayBuffer();
    single.push(performance.now() - t);
  }
  single.sort((a, b) => a - b);

  const quiet = await homeLoad(cookies, sleep(QUIET_S * 1000));

  // The floor: what the storm's number of requests a second costs here when each is the cheapest the Worker answers
  // (GET /api/v1/region, no database), so the storm's rows can be read against what the server itself costs.
  const floorRate = RATE + FLOOD_RATE;
  const floorSend = paced(FLOOR_S * floorRate, floorRate, async () => {
    const res = await fetch(`${origin}/api/v1/region`, { dispatcher: stormAgent });
    await res.arrayBuffer();
  });
  const floorHome = await homeLoad(cookies, floorSend);

  // The flooded person has had their free attempts (as a flood's first seconds would give them): from here on the
  // throttle lets one through after each doubling delay, so this phase shows what refusals cost everyone else.
  for (let i = 0; i < 5; i++) await (await login(FLOOD_SPELLINGS[i % 3] as string, `prime-${i}`, addressOf(300_000 + i))).arrayBuffer();
  const flood = tally();
  const floodSend = paced(FLOOD_S * FLOOD_RATE, FLOOD_RATE, (i) =>
    attempt(flood, FLOOD_SPELLINGS[i % 3] as string, `flood-${i}`, addressOf(100_000 + (i % ADDRESSES))),
  );
  const floodHome = await homeLoad(cookies, floodSend);

  const storm = tally();
  const stormStarted = performance.now();
  const stormSeconds = ATTEMPTS / RATE;
  const stormSend = Promise.all([
    // Round robin over the identifiers: each is tried every IDENTIFIERS/RATE seconds, as a list is worked through.
    paced(ATTEMPTS, RATE, (i) => attempt(storm, stormIdentifier(i % IDENTIFIERS), `guess-${i}`, addressOf(i % ADDRESSES))),
    paced(Math.round(stormSeconds * FLOOD_RATE), FLOOD_RATE, (i) =>
      attempt(storm, FLOOD_SPELLINGS[i % 3] as string, `storm-${i}`, addressOf(200_000 + (i % ADDRESSES))),
    ),
  ]);
  // Halfway through the storm, a subscriber (olga, not a home one) logs in as the web app does.
  const subscriberLogin = sleep((stormSeconds / 2) * 1000).then(() => loginAsTheApp("+7 900 000-00-03", "Kabinet2026", "192.0.2.50"));
  const stormHome = await homeLoad(cookies, stormSend);
  const stormWall = (performance.now() - stormStarted) / 1000;
  const during = await subscriberLogin;

  const row = (name: string, h: { latencies: number[]; failures: number[] }) =>
    `${name.padEnd(44)}${String(h.latencies.length).padStart(6)}${pct(h.latencies, 50).toFixed(1).padStart(9)}${pct(h.latencies, 95)
      .toFixed(1)
      .padStart(
        9,
      )}${pct(h.latencies, 99).toFixed(1).padStart(9)}${`×${(pct(h.latencies, 99) / pct(quiet.latencies, 99)).toFixed(2)}`.padStart(9)}${String(h.failures.length).padStart(8)}`;
  console.log(
    `\nHome API (GET /api/v1/accounts) at ${HOME_RATE}/s from 3 subscribers, local wrangler dev (local D1 and Durable Objects)\n`,
  );
  console.log(
    `${"phase".padEnd(44)}${"n".padStart(6)}${"p50 ms".padStart(9)}${"p95 ms".padStart(9)}${"p99 ms".padStart(9)}${"p99 ×".padStart(9)}${"not 200".padStart(8)}`,
  );
  console.log(row("quiet", quiet));
  console.log(row(`floor: ${floorRate}/s of a trivial route, ${FLOOR_S} s`, floorHome));
  console.log(row(`flood: ${FLOOD_RATE}/s on one person, ${FLOOD_S} s`, floodHome));
  console.log(row(`storm: ${RATE}/s over ${IDENTIFIERS} ids + flood ${FLOOD_RATE}/s`, stormHome));

  const describe = (name: string, t: Tally) => {
    const s = (code: number) => t.byStatus.get(code) ?? 0;
    const other = [...t.byStatus.entries()].filter(([c]) => c !== 401 && c !== 429);
    const sorted = [...t.answerMs].sort((a, b) => a - b);
    console.log(
      `${name.padEnd(8)} ${t.sent} attempts: 401 ${s(401)} (password checked: ${((100 * s(401)) / t.sent).toFixed(1)}%), 429 ${s(429)} (refused before any hash; ${t.challenged} of them for want of a proof of work), ` +
        `other ${other.length ? other.map(([c, n]) => `${c === 0 ? "no answer" : c} ×${n}`).join(", ") : "none"}; answered in p50 ${pct(sorted, 50).toFixed(0)} ms, p99 ${pct(sorted, 99).toFixed(0)} ms`,
    );
    return s(401);
  };
  console.log("");
  describe("flood", flood);
  const hashed = describe("storm", storm);
  const hashMs = pct(single, 50);
  console.log(
    `\nOne checked password (a wrong one, alone): ${hashMs.toFixed(0)} ms here, i.e. ${(1000 / hashMs).toFixed(1)}/s one at a time. ` +
      `The storm's ${hashed} checked passwords ask ${((hashed * hashMs) / 1000 / stormSeconds).toFixed(1)} s of that per second ` +
      `of its ${stormSeconds.toFixed(0)} s; the server answered every attempt in ${stormWall.toFixed(0)} s ` +
      `(${(hashed / stormWall).toFixed(1)} checked passwords/s).`,
  );
  console.log(
    `A subscriber's login during the storm, as the web app makes it: ${during.asked ? "asked for a proof of work, solved it, then " : ""}` +
      `${during.status} in ${during.ms.toFixed(0)} ms.`,
  );
  for (const [what, body] of unexpected) console.log(`first ${what}: ${body}`);
  console.log(
    `ratio home p99 storm/quiet: ×${(pct(stormHome.latencies, 99) / pct(quiet.latencies, 99)).toFixed(2)} (goal ≤ 1.5); ` +
      `storm/floor (the same number of trivial requests): ×${(pct(stormHome.latencies, 99) / pct(floorHome.latencies, 99)).toFixed(2)}`,
  );
} finally {
  server.kill("SIGINT");
  await Promise.all([homeAgent.close(), stormAgent.close()]);
}
