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
 *   ATTEMPTS, RATE, IDENTIFIERS, FLOOD_RATE, ADDRESSES, HOME_RATE, QUIET_S, FLOOR_S, FLOOD_S, TIMEOUT_S change the load;
 *   STORM_WORKER=same sends the attempts to the home requests' Worker process instead of a second one;
 *   STORM_PIN=1 keeps the attackers to a core of their own; STORM_NICE sets their priority.
 *
 * By default the attempts (and the floor's trivial requests) go to a second `wrangler dev` of the same code over the
 * same persisted D1 files, from a client process of their own, both at nice 19: in
 * production a storm is served by other isolates on other machines than the subscribers' requests, and what it can
 * slow for them is the data they share (the global database, the shards, the Throttle objects). The local D1 files
 * are shared for real: a session opened on one process is read by the other.
 *
 * The home requests and the attempts are sent on a schedule (open loop), not
 * one after another's answer, so a slow server is measured, not waited for.
 */
import { execFile, execFileSync, spawn } from "node:child_process";
import { createWriteStream } from "node:fs";
import { rm } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { solveChallenge } from "altcha-lib";
import { deriveKey } from "altcha-lib/algorithms/web/pbkdf2";
import type { Challenge } from "altcha-lib/types";
import { Agent, fetch } from "undici";
import { prepareLocalDatabases } from "../../scripts/local-db.mts";

const run = promisify(execFile);
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

/**
 * Where the attempts go. `separate` (the default): a second local Worker — the same code on its own port, with its
 * own workerd — over the same persisted D1 files, as in production, where a storm's requests are served by other
 * isolates on other machines than a subscriber's and share with them only the data (D1 and the Durable Objects).
 * `same`: the attempts and the home requests share one local workerd, and so its one thread.
 */
const STORM_WORKER = process.env.STORM_WORKER === "same" ? "same" : "separate";
const STORM_PORT = STORM_WORKER === "same" ? PORT : PORT + 1;
/**
 * The attackers' priority on this machine (`nice`, 0–19), for their Worker process and their client process: 19 by
 * default when they have a Worker of their own, so that this machine's two cores serve the subscribers first, as the
 * storm's own machines would be other machines in production. `STORM_NICE=0` shares the cores evenly.
 */
const STORM_NICE = num("STORM_NICE", STORM_WORKER === "same" ? 0 : 19);
/**
 * `STORM_PIN=1` also gives the attackers (their Worker and client) a core of their own on a machine with more than
 * one: the last one, and this process and the subscribers' Worker the others (`taskset`). By default every process
 * may use every core, the attackers' at their lower priority.
 */
const CORES = availableParallelism();
const PIN = STORM_WORKER === "separate" && CORES > 1 && process.env.STORM_PIN === "1";
const ATTACKER_CORES = String(CORES - 1);
const SUBSCRIBER_CORES = `0-${CORES - 2}`;
/** A command line run at the attackers' priority and on their cores. */
const asAttackers = (command: string[]) => [
  ...(PIN ? ["taskset", "-c", ATTACKER_CORES] : []),
  ...(STORM_NICE ? ["nice", "-n", String(STORM_NICE)] : []),
  ...command,
];
/**
 * Set in a child of this process: the attackers' phase it sends ("floor", "flood" or "storm"), or "subscriber" for
 * a subscriber's login during the storm, whose proof of work would otherwise stop this process's clock (the home
 * requests' timing) while it is solved.
 */
const ROLE = process.env.STORM_ROLE as "floor" | "flood" | "storm" | "subscriber" | undefined;
const state = join(ROOT, ".e2e/storm-state");
/**
 * Where the attempts go. `separate` (the default): a second local Worker — the same code on its own port, with its
 * own workerd — over the same persisted D1 files, as in production, where a storm's requests are served by other
 * isolates on other machines than a subscriber's and share with them only the data (D1 and the Durable Objects).
 * `same`: the attempts and the home requests share one local workerd, and so its one thread.
 */
// The dev servers' own output, to explain any answer that is neither 401 nor 429.
const serverLog = ROLE ? null : createWriteStream(join(ROOT, ".e2e/storm-wrangler.log"));
function startServer(port: number, attackers = false) {
  const args = ["dev", "--port", String(port), "--inspector-port", String(port + 1000), "--ip", "127.0.0.1", "--persist-to", state];
  // Each dev server needs an inspector port of its own (wrangler's default, 9229, is taken by the first).
  const [command, ...rest] = attackers
    ? asAttackers([join(ROOT, "node_modules/.bin/wrangler"), ...args])
    : [join(ROOT, "node_modules/.bin/wrangler"), ...args];
  const child = spawn(command as string, rest, {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
  });
  if (serverLog) {
    child.stdout?.pipe(serverLog, { end: false });
    child.stderr?.pipe(serverLog, { end: false });
  }
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("wrangler dev did not start")), 90_000);
    child.stdout?.on("data", (c: Buffer) => {
      if (/Ready on/.test(c.toString())) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  return { child, ready };
}
/** The home requests' Worker, and the attackers' when it is another process. */
const servers: ReturnType<typeof startServer>[] = [];
if (!ROLE) {
  // This process and what it starts from here on (the subscribers' Worker) keep off the attackers' core.
  if (PIN) execFileSync("taskset", ["-a", "-c", "-p", SUBSCRIBER_CORES, String(process.pid)], { stdio: "ignore" });
  await rm(state, { recursive: true, force: true });
  await prepareLocalDatabases(state, () => {});
  // The dev servers go with this process, however it ends.
  process.on("exit", () => {
    for (const s of servers) s.child.kill("SIGINT");
  });
  servers.push(startServer(PORT));
  if (STORM_PORT !== PORT) servers.push(startServer(STORM_PORT, true));
  await Promise.all(servers.map((s) => s.ready));
}

const origin = `http://msk.kabinet.localhost:${PORT}`;
const stormOrigin = `http://msk.kabinet.localhost:${STORM_PORT}`;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const sameOrigin = (site: string) => ({ "content-type": "application/json", origin: site, "sec-fetch-site": "same-origin" });
const addressOf = (n: number) => `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;

/** A login attempt, to the storm's Worker unless `site` says otherwise. */
function login(identifier: string, password: string, address: string, captcha?: string, site = stormOrigin) {
  return fetch(`${site}/api/v1/auth/login`, {
    dispatcher: stormAgent,
    method: "POST",
    headers: { ...sameOrigin(site), "cf-connecting-ip": address },
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
  const challenge = (await (await fetch(`${stormOrigin}/api/v1/auth/captcha`, { dispatcher: homeAgent })).json()) as Challenge;
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

/** What the attackers' process reports: its phase's attempts (none for the floor). */
interface AttackReport {
  sent: number;
  byStatus: [number, number][];
  challenged: number;
  answerMs: number[];
  unexpected: [string, string][];
}

/** Sends one phase's load as the attackers do; runs in their own process (see `attackers`). */
async function attack(phase: "floor" | "flood" | "storm"): Promise<Tally> {
  const t = tally();
  if (phase === "floor") {
    // What the storm's number of requests a second costs here when each is the cheapest the Worker answers
    // (GET /api/v1/region, no database), so the storm's rows can be read against what the server itself costs.
    const floorRate = RATE + FLOOD_RATE;
    await paced(FLOOR_S * floorRate, floorRate, async () => {
      const res = await fetch(`${stormOrigin}/api/v1/region`, { dispatcher: stormAgent });
      await res.arrayBuffer();
    });
  } else if (phase === "flood") {
    await paced(FLOOD_S * FLOOD_RATE, FLOOD_RATE, (i) =>
      attempt(t, FLOOD_SPELLINGS[i % 3] as string, `flood-${i}`, addressOf(100_000 + (i % ADDRESSES))),
    );
  } else {
    await Promise.all([
      // Round robin over the identifiers: each is tried every IDENTIFIERS/RATE seconds, as a list is worked through.
      paced(ATTEMPTS, RATE, (i) => attempt(t, stormIdentifier(i % IDENTIFIERS), `guess-${i}`, addressOf(i % ADDRESSES))),
      paced(Math.round((ATTEMPTS / RATE) * FLOOD_RATE), FLOOD_RATE, (i) =>
        attempt(t, FLOOD_SPELLINGS[i % 3] as string, `storm-${i}`, addressOf(200_000 + (i % ADDRESSES))),
      ),
    ]);
  }
  return t;
}

/**
 * Runs a phase's attackers in a process of their own (at STORM_NICE), so that sending and reading their thousands of
 * answers does not delay the home requests' clock in this one: `started` resolves when they begin, `done` with
 * their tally when every attempt is answered.
 */
function attackers(phase: "floor" | "flood" | "storm") {
  const [command, ...args] = asAttackers([join(ROOT, "node_modules/.bin/tsx"), new URL(import.meta.url).pathname]);
  const child = spawn(command as string, args, {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "inherit"],
    env: { ...process.env, STORM_ROLE: phase, STORM_WORKER, BENCH_PORT: String(PORT) },
  });
  let out = "";
  let markStarted: () => void = () => {};
  const started = new Promise<void>((resolve) => {
    markStarted = resolve;
  });
  child.stdout?.on("data", (c: Buffer) => {
    out += c.toString();
    if (out.includes("started\n")) markStarted();
  });
  const done = new Promise<Tally>((resolve, reject) =>
    child.on("exit", (code) => {
      markStarted();
      const line = out.split("\n").find((l) => l.startsWith("{"));
      if (code !== 0 || !line) return reject(new Error(`the ${phase} attackers' process ended with ${code}`));
      const r = JSON.parse(line) as AttackReport;
      for (const [k, v] of r.unexpected) if (!unexpected.has(k)) unexpected.set(k, v);
      resolve({ sent: r.sent, byStatus: new Map(r.byStatus), challenged: r.challenged, answerMs: r.answerMs });
    }),
  );
  return { started, done };
}

if (ROLE === "subscriber") {
  const result = await loginAsTheApp("+7 900 000-00-03", "Kabinet2026", "192.0.2.50");
  await stormAgent.close();
  await new Promise<void>((resolve) => process.stdout.write(`${JSON.stringify(result)}\n`, () => resolve()));
  process.exit(0);
}
if (ROLE) {
  const phase = ROLE;
  process.stdout.write("started\n");
  const t = await attack(phase);
  await stormAgent.close();
  const report: AttackReport = {
    sent: t.sent,
    byStatus: [...t.byStatus],
    challenged: t.challenged,
    answerMs: t.answerMs.map((ms) => Math.round(ms)),
    unexpected: [...unexpected],
  };
  // Written whole before the process ends (an exit right after a large write to a pipe loses its tail).
  await new Promise<void>((resolve) => process.stdout.write(`${JSON.stringify(report)}\n`, () => resolve()));
  process.exit(0);
}

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

  // The floor: the storm's rate of the cheapest route (see `attack`).
  const floorRate = RATE + FLOOD_RATE;
  const floorSend = attackers("floor");
  await floorSend.started;
  const floorHome = await homeLoad(cookies, floorSend.done);

  // The flooded person has had their free attempts (as a flood's first seconds would give them): from here on the
  // throttle lets one through after each doubling delay, so this phase shows what refusals cost everyone else.
  for (let i = 0; i < 5; i++) await (await login(FLOOD_SPELLINGS[i % 3] as string, `prime-${i}`, addressOf(300_000 + i))).arrayBuffer();
  const floodSend = attackers("flood");
  await floodSend.started;
  const floodHome = await homeLoad(cookies, floodSend.done);
  const flood = await floodSend.done;

  const stormSend = attackers("storm");
  await stormSend.started;
  const stormStarted = performance.now();
  const stormSeconds = ATTEMPTS / RATE;
  // Halfway through the storm, a subscriber (olga, not a home one) logs in as the web app does.
  const subscriberLogin = sleep((stormSeconds / 2) * 1000).then(async () => {
    // In a process of its own (see ROLE).
    // A subscriber's device is not the server: on the attackers' core when they have one, ahead of them there.
    const tsx = [join(ROOT, "node_modules/.bin/tsx"), new URL(import.meta.url).pathname];
    const [command, ...args] = PIN ? ["taskset", "-c", ATTACKER_CORES, ...tsx] : tsx;
    const { stdout } = await run(command as string, args, {
      cwd: ROOT,
      env: { ...process.env, STORM_ROLE: "subscriber", STORM_WORKER, BENCH_PORT: String(PORT) },
    });
    return JSON.parse(stdout.trim().split("\n").pop() as string) as { asked: boolean; status: number; ms: number };
  });
  const stormHome = await homeLoad(cookies, stormSend.done);
  const storm = await stormSend.done;
  const stormWall = (performance.now() - stormStarted) / 1000;
  const during = await subscriberLogin;

  const row = (name: string, h: { latencies: number[]; failures: number[] }) =>
    `${name.padEnd(44)}${String(h.latencies.length).padStart(6)}${pct(h.latencies, 50).toFixed(1).padStart(9)}${pct(h.latencies, 95)
      .toFixed(1)
      .padStart(
        9,
      )}${pct(h.latencies, 99).toFixed(1).padStart(9)}${`×${(pct(h.latencies, 99) / pct(quiet.latencies, 99)).toFixed(2)}`.padStart(9)}${String(h.failures.length).padStart(8)}`;
  console.log(
    `\nHome API (GET /api/v1/accounts) at ${HOME_RATE}/s from 3 subscribers, local wrangler dev (local D1 and Durable Objects); ` +
      (STORM_WORKER === "same"
        ? "the attempts and the trivial requests go to the same Worker process (STORM_WORKER=same)\n"
        : `the attempts and the trivial requests go to a second Worker process over the same D1 files (port ${STORM_PORT}), both on this machine's ${CORES} cores; ` +
          `the attackers' Worker and client run at nice ${STORM_NICE}${PIN ? ` on core ${ATTACKER_CORES}, the subscribers' Worker and this client on ${SUBSCRIBER_CORES}` : ""}\n`),
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
      `storm/floor (the same number of trivial requests): ×${(pct(stormHome.latencies, 99) / pct(floorHome.latencies, 99)).toFixed(2)}; ` +
      `p95 storm/quiet ×${(pct(stormHome.latencies, 95) / pct(quiet.latencies, 95)).toFixed(2)}`,
  );
} finally {
  for (const s of servers) s.child.kill("SIGINT");
  await Promise.all([homeAgent.close(), stormAgent.close()]);
}
