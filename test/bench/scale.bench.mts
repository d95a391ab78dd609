/**
 * One branch at operator scale (issue 20, item 6): the Moscow branch with SCALE_ACCOUNTS accounts × SCALE_MONTHS
 * months of money history over two shards (DB_MOSCOW and DB_MOSCOW_2, bound by a bench-only copy of
 * wrangler.toml), the latest month closed by the real cron path, and the subscriber's screens measured through
 * real HTTP on `wrangler dev` — first on the demo data, then on the big data, with the ratio.
 *
 * 1. Demo phase: the demo state (`prepareLocalDatabases`), DB_MOSCOW_2 migrated and added to the shard map
 *    through the operators' API (closed for new accounts), one hourly cron tick (what `npm start` does at start),
 *    then p50/p99 of home, history (first page, a month 30 months ago), the usage screen for last month and a
 *    one-month report (ordered through the API and awaited) for anna's Moscow accounts.
 * 2. Generation, straight into the SQLite files Miniflare persists (node:sqlite, one transaction per chunk of
 *    accounts, prepared statements): accounts and their services; closed months in the form the period close
 *    leaves them (one roll-up charge per service, the month's payment, a `ledger_periods` row with the carried
 *    balance); last month and this month as daily charge rows; one payment a month; per-day usage totals of
 *    the mobile accounts (SCALE_MOBILE_SHARE of them) for the last SCALE_USAGE_MONTHS months, and month rows (one per
 *    category and direction, as the 15-minute fold leaves them) for every older month of the history; the global
 *    directory row of each. anna's two Moscow links move to two generated accounts of the same shape (one on
 *    each shard, 36 months of history; the mobile one with usage objects in R2 as the ingest writes them), so
 *    home has the same 4 accounts in both phases.
 * 3. Big phase: the region's close progress set back one month, one hourly cron tick closes last month for every
 *    account through the `billing` queue (timed); the ledger invariant is checked on sampled accounts; the same
 *    measurements; a table with both phases and the ratio at p99 (goal ≤ 1.5×); the shard files against the
 *    capacity model's bytes per row (docs/capacity.md).
 *
 *   npm run bench:scale
 *   SCALE_ACCOUNTS (200000), SCALE_MONTHS (36), SCALE_MOBILE_SHARE (0.2), SCALE_USAGE_MONTHS (8),
 *   SCALE_REQUESTS (1000 per route and phase: the p99 of 200 is their second-slowest, of 1,000 their tenth),
 *   SCALE_CONCURRENCY (4), SCALE_REPORTERS (40 bench-only subscribers who own the measured mobile account, as anna
 *   does, each ordering SCALE_REPORTS (5) reports a phase: the quota is 10 an hour per subscriber; 200 a phase makes
 *   the p99 their second-slowest, as for the routes), SCALE_SAMPLE (2000 accounts checked), BENCH_PORT (8851), SCALE_KEEP=1 keeps
 *   the state folder (.e2e/scale-state) for a look afterwards.
 */
import { spawn } from "node:child_process";
import { createHash, createHmac } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { mkdir, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { Agent, fetch } from "undici";
import { getPlatformProxy } from "wrangler";
import { prepareLocalDatabases } from "../../scripts/local-db.mts";
import { type SeedBucket, seedUsageMonth, seedUsageMonths, usageFor } from "../../worker/db/seed/usage.seed.ts";
import { monthName } from "../../worker/platform/dates.ts";
import { makeAccountNo } from "../../worker/platform/ids.ts";

const ROOT = new URL("../..", import.meta.url).pathname;
const env = (k: string, d: number) => Number(process.env[k] ?? d);
const ACCOUNTS = env("SCALE_ACCOUNTS", 200_000);
const MONTHS = env("SCALE_MONTHS", 36);
const MOBILE_SHARE = env("SCALE_MOBILE_SHARE", 0.2);
/** Months of per-day usage totals (the newest: the screen's six, this one and one before the fold); older months get month rows. */
const USAGE_MONTHS = env("SCALE_USAGE_MONTHS", 8);
const REQUESTS = env("SCALE_REQUESTS", 1000);
const CONCURRENCY = env("SCALE_CONCURRENCY", 4);
const REPORTS = env("SCALE_REPORTS", 5);
const REPORTERS = env("SCALE_REPORTERS", 40);
/** The reporters' logins: bench-only subscribers with anna's password and home shard, owners of the measured mobile account. */
const reporterLogins = Array.from({ length: REPORTERS }, (_, i) => `bench-reporter-${String(i + 1).padStart(2, "0")}`);
const SAMPLE = env("SCALE_SAMPLE", 2000);
const PORT = env("BENCH_PORT", 8851);
const KEEP = process.env.SCALE_KEEP === "1";

const REGION = "msk";
const SECOND = "DB_MOSCOW_2";
const SECOND_ID = "00000000-0000-4000-8000-000000000102";
const TZ_OFFSET_MS = 3 * 3_600_000; // Moscow: UTC+3 all year
const origin = `http://msk.kabinet.localhost:${PORT}`;
const OPS = { authorization: "Bearer dev-only-operator-token", "content-type": "application/json" };
const state = join(ROOT, ".e2e/scale-state");
const d1Dir = join(state, "v3/d1/miniflare-D1DatabaseObject");
const dispatcher = new Agent({
  connections: CONCURRENCY + 2,
  connect: {
    lookup: (_h, opts, cb) =>
      (opts as { all?: boolean }).all ? cb(null, [{ address: "127.0.0.1", family: 4 }]) : cb(null, "127.0.0.1", 4),
  },
});
const t0 = performance.now();
const say = (line: string) => console.log(`[${((performance.now() - t0) / 1000).toFixed(0).padStart(4)} s] ${line}`);

/** The file Miniflare keeps a local D1 database in: its Durable Object id for the database id (idFromName). */
function d1File(databaseId: string): string {
  const key = createHash("sha256").update("miniflare-D1DatabaseObject").digest();
  const nameHmac = createHmac("sha256", key).update(databaseId).digest().subarray(0, 16);
  const hmac = createHmac("sha256", key).update(nameHmac).digest().subarray(0, 16);
  return join(d1Dir, `${Buffer.concat([nameHmac, hmac]).toString("hex")}.sqlite`);
}
const FILE = {
  DB: d1File("00000000-0000-4000-8000-000000000000"),
  DB_MOSCOW: d1File("00000000-0000-4000-8000-000000000002"),
  [SECOND]: d1File(SECOND_ID),
};

// ─── configuration: wrangler.toml plus a second Moscow shard ─────────────────────────────────────────────────

async function writeConfigs(): Promise<{ full: string; dbOnly: string }> {
  const toml = (await readFile(join(ROOT, "wrangler.toml"), "utf8"))
    .replace(/^main = "/m, 'main = "../')
    .replace(/^directory = "\.\//m, 'directory = "../')
    .replace(
      /^\[\[r2_buckets\]\]/m,
      `[[d1_databases]]\nbinding = "${SECOND}"\ndatabase_name = "kabinet-moscow-2"\ndatabase_id = "${SECOND_ID}"\nmigrations_dir = "../migrations/region"\n\n[[r2_buckets]]`,
    );
  const full = join(ROOT, ".wrangler/scale.wrangler.toml");
  const dbOnly = join(ROOT, ".wrangler/scale.db.wrangler.toml");
  await mkdir(dirname(full), { recursive: true });
  await writeFile(full, toml);
  const sections = toml.split(/^(?=\[)/m).filter((s) => !/^\[\[(durable_objects\.bindings|migrations)\]\]/.test(s));
  await writeFile(dbOnly, sections.join(""));
  return { full, dbOnly };
}

type ProxyD1 = { prepare(q: string): { bind(...v: unknown[]): { run(): Promise<unknown> }; run(): Promise<unknown> } };

/** Applies the region migrations to the new shard through the local D1 (as `wrangler d1 migrations apply` would). */
async function migrateSecond(dbOnly: string) {
  const proxy = await getPlatformProxy<Record<string, ProxyD1>>({ configPath: dbOnly, persist: { path: join(state, "v3") } });
  try {
    const db = proxy.env[SECOND] as ProxyD1;
    await db
      .prepare(
        "CREATE TABLE IF NOT EXISTS d1_migrations (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT UNIQUE, applied_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP NOT NULL)",
      )
      .run();
    const dir = join(ROOT, "migrations/region");
    for (const name of (await readdir(dir)).filter((f) => f.endsWith(".sql")).sort()) {
      for (const q of (await readFile(join(dir, name), "utf8")).split("--> statement-breakpoint")) if (q.trim()) await db.prepare(q).run();
      await db.prepare("INSERT INTO d1_migrations (name) VALUES (?)").bind(name).run();
    }
  } finally {
    await proxy.dispose();
  }
}

// ─── the server ───────────────────────────────────────────────────────────────────────────────────────────────

async function startServer(config: string) {
  const server = spawn(
    join(ROOT, "node_modules/.bin/wrangler"),
    ["dev", "--config", config, "--port", String(PORT), "--ip", "127.0.0.1", "--persist-to", state, "--test-scheduled"],
    { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, WRANGLER_SEND_METRICS: "false" } },
  );
  let errors = "";
  server.stderr?.on("data", (c: Buffer) => {
    errors = (errors + c.toString()).slice(-4000);
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`wrangler dev did not start: ${errors}`)), 120_000);
    server.stdout?.on("data", (c: Buffer) => {
      if (/Ready on/.test(c.toString())) {
        clearTimeout(timer);
        resolve();
      }
    });
    server.on("exit", (code) => reject(new Error(`wrangler dev exited (${code}): ${errors}`)));
  });
  return {
    async stop() {
      if (server.exitCode !== null) return;
      const gone = new Promise((r) => server.once("exit", r));
      server.kill("SIGINT");
      await Promise.race([gone, new Promise((r) => setTimeout(r, 15_000))]);
      if (server.exitCode === null) server.kill("SIGKILL");
    },
  };
}

async function call(path: string, init: { method?: string; headers?: Record<string, string>; body?: unknown } = {}) {
  const res = await fetch(origin + path, {
    dispatcher,
    method: init.method ?? "GET",
    headers: { origin, "sec-fetch-site": "same-origin", ...init.headers },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, json: () => JSON.parse(text) as Record<string, unknown>, text };
}

/**
 * Reads one local database while the server may have it open (WAL: a reader never blocks the writer). A reader
 * opening it while the writer checkpoints or recovers the WAL is told SQLITE_BUSY (5, or 261 "locked" in recovery):
 * it waits for that, as SQLite's busy timeout does, and reads again.
 */
function peek<T>(file: string, q: string, ...params: (string | number)[]): T[] {
  for (let attempt = 1; ; attempt++) {
    const db = new DatabaseSync(file, { readOnly: true, timeout: 5_000 });
    try {
      return db.prepare(q).all(...params) as T[];
    } catch (e) {
      const code = (e as { errcode?: number }).errcode ?? 0;
      if ((code & 0xff) !== 5 || attempt >= 20) throw e;
    } finally {
      db.close();
    }
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 250);
  }
}

/**
 * The tick's scheduled time: now, or today's 10:05 Moscow time if that is later. A region's month closes once its
 * balance alerts have run for the month after (their hour is 10:00 local), so a bench run earlier in the day would
 * wait for them; the tick says the time, as the platform's own scheduled time does.
 */
const tickTime = () => Math.max(Date.now(), Date.parse(`${TODAY}T10:05:00+03:00`));

/** Fires the hourly cron (the region day messages) and waits until the region's close has reached `month`. */
async function closeThrough(month: string, timeoutMs: number): Promise<number> {
  const started = performance.now();
  // Miniflare's own route takes the time (wrangler's `/__scheduled` drops it).
  const res = await fetch(`http://127.0.0.1:${PORT}/cdn-cgi/handler/scheduled?cron=0+*+*+*+*&time=${tickTime()}`, {
    dispatcher,
    redirect: "manual",
  });
  if (res.status !== 200) throw new Error(`/__scheduled answered ${res.status}`);
  await res.arrayBuffer();
  const last = `${month}-${String(daysIn(month)).padStart(2, "0")}`;
  for (;;) {
    const done = peek<{ done_day: string }>(
      FILE.DB_MOSCOW,
      "SELECT done_day FROM cron_progress WHERE job = 'close' AND region = ?",
      REGION,
    )[0];
    if (done && done.done_day >= last) return performance.now() - started;
    if (performance.now() - started > timeoutMs) throw new Error(`the close of ${month} did not finish in ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** CPU ticks (user + system, USER_HZ) of every workerd process: the server's Worker, its local D1 and queues, its proxy. */
function workerdTicks(): number {
  let ticks = 0;
  for (const pid of readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
    try {
      if (!readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("workerd")) continue;
      // proc(5): after "(comm)", fields 14 and 15 are the user and system time.
      const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // gone meanwhile
    }
  }
  return ticks;
}

/**
 * Waits until the server is idle — under 5 % of a core for three seconds running — so that what a phase measures is
 * the routes, not the queue work its cron tick left behind (a close, and whatever of the region's day is due after
 * it: the day's points and alerts have run in the demo phase, before the accounts are generated). Returns the seconds
 * waited.
 */
async function quiet(timeoutMs = 600_000): Promise<number> {
  const started = performance.now();
  let calm = 0;
  let last = workerdTicks();
  while (calm < 3) {
    await new Promise((r) => setTimeout(r, 1_000));
    const now = workerdTicks();
    calm = now - last < 5 ? calm + 1 : 0;
    last = now;
    if (performance.now() - started > timeoutMs) break;
  }
  return (performance.now() - started) / 1000;
}

// ─── measuring ────────────────────────────────────────────────────────────────────────────────────────────────

interface Stat {
  p50: number;
  p99: number;
  n: number;
  d1: string;
}

function stats(latencies: number[], d1 = ""): Stat {
  const s = latencies.toSorted((a, b) => a - b);
  const pct = (p: number) => s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? 0;
  return { p50: pct(50), p99: pct(99), n: s.length, d1 };
}

async function timed(path: string, cookie: string): Promise<Stat> {
  const latencies: number[] = [];
  let d1 = "";
  for (let i = 0; i < 5; i++) await (await fetch(origin + path, { dispatcher, headers: { cookie } })).arrayBuffer(); // warm-up
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < REQUESTS) {
        next++;
        const t = performance.now();
        const res = await fetch(origin + path, { dispatcher, headers: { cookie } });
        await res.arrayBuffer();
        if (res.status !== 200) throw new Error(`${path} answered ${res.status}`);
        latencies.push(performance.now() - t);
        d1 = res.headers.get("server-timing") ?? d1;
      }
    }),
  );
  const queries = [...d1.matchAll(/d1-[A-Z_0-9]+;desc="([^"]*)"/g)].map((m) => m[1]).join(" ");
  return stats(latencies, queries || (/desc="([^"]+)"/.exec(d1)?.[1] ?? ""));
}

/**
 * Makes the reporters (once) and links each to `accountNo` as its owner, in the global database's file while the
 * server is stopped: copies of anna's subscriber row (her password hash and home shard) under their own ids and logins.
 * A usage report is the owner's, and a subscriber orders 10 an hour, so the bench's 200 orders a phase need 40 owners
 * of one account: the bench's own state drops the one-owner index (global migration 0031) for them. Their links are
 * written in their home shard too (anna's, `home`: platform/links.ts), where their sessions read them.
 */
function addReporters(global: DatabaseSync, home: DatabaseSync, accountNo: string) {
  const now = Date.now();
  global.exec("DROP INDEX IF EXISTS account_links_one_owner_uq");
  const subscriber = global.prepare(
    `INSERT OR IGNORE INTO subscribers (id, display_name, login, password_hash, locale, created_at, home_shard)
     SELECT ?, 'Бенч ' || ?, ?, password_hash, 'ru', ?, home_shard FROM subscribers WHERE id = 'demo-anna'`,
  );
  const link = global.prepare(
    "INSERT OR IGNORE INTO account_links (subscriber_id, account_no, role, low_balance_kop, created_at) VALUES (?, ?, 'owner', NULL, ?)",
  );
  const homeLink = home.prepare(
    "INSERT OR IGNORE INTO subscriber_links (subscriber_id, account_no, role, low_balance_kop, created_at) VALUES (?, ?, 'owner', NULL, ?)",
  );
  for (const login of reporterLogins) {
    subscriber.run(login, login, login, now);
    link.run(login, accountNo, now);
    homeLink.run(login, accountNo, now);
  }
}

/** A session cookie for a login with the demo password. */
async function signIn(identifier: string): Promise<string> {
  const login = await call("/api/v1/auth/login", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: { identifier, password: "Kabinet2026" },
  });
  const cookie = /kab_session=[^;]+/.exec(login.headers.get("set-cookie") ?? "")?.[0];
  if (!cookie) throw new Error(`login of ${identifier} failed: ${login.status} ${login.text}`);
  return cookie;
}

/** One-month reports ordered through the API by every reporter in turn ({@link REPORTS} each), each awaited: order to ready. */
async function reports(accountNo: string, month: string): Promise<Stat> {
  const latencies: number[] = [];
  for (const login of reporterLogins) {
    const cookie = await signIn(login);
    latencies.push(...(await reportsOf(accountNo, month, cookie)).latencies);
  }
  return stats(latencies);
}

/** Orders a one-month report through the API and waits until it is ready: order to ready, each. */
async function reportsOf(accountNo: string, month: string, cookie: string): Promise<{ latencies: number[] }> {
  const latencies: number[] = [];
  for (let i = 0; i < REPORTS; i++) {
    const t = performance.now();
    const order = await call(`/api/v1/accounts/${accountNo}/usage/reports`, {
      method: "POST",
      headers: { cookie, "content-type": "application/json" },
      body: { from: `${month}-01`, to: `${month}-${daysIn(month)}`, format: i % 2 === 0 ? "pdf" : "xlsx" },
    });
    if (order.status !== 202) throw new Error(`report order answered ${order.status}: ${order.text}`);
    const id = String(order.json().id);
    for (;;) {
      const r = await call(`/api/v1/accounts/${accountNo}/usage/reports/${id}`, { headers: { cookie } });
      const status = String(r.json().status);
      if (status === "ready") break;
      if (status === "failed" || status === "expired") throw new Error(`report ${id} ${status}`);
      if (performance.now() - t > 120_000) throw new Error(`report ${id} not ready in 120 s`);
      // Polled every 20 ms: at 100 ms the wait for the next poll was most of the difference between two reports.
      await new Promise((res) => setTimeout(res, 20));
    }
    latencies.push(performance.now() - t);
  }
  return { latencies };
}

interface Measured {
  [route: string]: Stat;
}

async function measure(fixedNo: string, mobileNo: string, oldMonth: string): Promise<{ stats: Measured; balances: Map<string, number> }> {
  const cookie = await signIn("+7 900 000-00-01");
  const home = await call("/api/v1/accounts", { headers: { cookie } });
  const listed = (home.json().accounts ?? home.json().items ?? []) as { accountNo: string; balanceKop: number }[];
  const balances = new Map(listed.map((a) => [a.accountNo, a.balanceKop]));
  for (const no of [fixedNo, mobileNo]) if (!balances.has(no)) throw new Error(`home does not list ${no}: ${home.text.slice(0, 300)}`);
  const m30 = oldMonth;
  const last = addMonths(CURRENT, -1);
  const old = await call(`/api/v1/accounts/${fixedNo}/history?from=${m30}-01&to=${m30}-${daysIn(m30)}`, { headers: { cookie } });
  say(`  history of ${m30} for ${fixedNo}: ${(old.json().items as unknown[]).length} entries`);
  await timed("/api/v1/region", cookie); // warm-up
  const stats: Measured = {
    "home GET /api/v1/accounts (4 accounts)": await timed("/api/v1/accounts", cookie),
    "history, first page": await timed(`/api/v1/accounts/${fixedNo}/history`, cookie),
    "history of an old month (demo: its oldest; big: 30 months ago)": await timed(
      `/api/v1/accounts/${fixedNo}/history?from=${m30}-01&to=${m30}-${daysIn(m30)}`,
      cookie,
    ),
    [`usage screen, ${last}`]: await timed(`/api/v1/accounts/${mobileNo}/usage?from=${last}-01&to=${last}-${daysIn(last)}`, cookie),
    [`one-month report ${last} (order → ready)`]: await reports(mobileNo, last),
  };
  return { stats, balances };
}

// ─── calendar ─────────────────────────────────────────────────────────────────────────────────────────────────

const TODAY = new Date(Date.now() + TZ_OFFSET_MS).toISOString().slice(0, 10); // Moscow's calendar
const CURRENT = TODAY.slice(0, 7);
function addMonths(month: string, n: number): string {
  const [y, m] = month.split("-").map(Number) as [number, number];
  return new Date(Date.UTC(y, m - 1 + n, 1)).toISOString().slice(0, 7);
}
function daysIn(month: string): number {
  const [y, m] = month.split("-").map(Number) as [number, number];
  return new Date(Date.UTC(y, m, 0)).getUTCDate();
}
const localMidnight = (day: string) => Date.parse(`${day}T00:00:00Z`) - TZ_OFFSET_MS;
const dayOf = (month: string, d: number) => `${month}-${String(d).padStart(2, "0")}`;

// ─── generation ───────────────────────────────────────────────────────────────────────────────────────────────

/** Deterministic PRNG (mulberry32). */
function prng(seed: number) {
  let a = seed | 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Tariff {
  id: string;
  kind: string;
  name_ru: string;
  name_en: string;
  price_kop: number;
}

interface GenResult {
  rows: Record<string, number>;
  expected: Map<string, number>;
  seconds: number;
  fixedNo: string;
  mobileNo: string;
  mobileService: string;
}

/**
 * Writes the branch's accounts. `chargedTo` is the last local day the daily charge has done (cron_progress):
 * every month before last is closed, last month and this one up to `chargedTo` are daily rows. Accounts and
 * services are written row by row (prepared statements, one transaction per chunk); the history is derived from
 * them by INSERT … SELECT over small calendar tables inside SQLite (one statement per kind of row and shard), with
 * the secondary indexes of the two big tables dropped first and built again after: ~5× faster than row by row.
 */
function generate(chargedTo: string): GenResult {
  const started = performance.now();
  const lastMonth = addMonths(CURRENT, -1);
  const firstMonth = addMonths(CURRENT, -MONTHS); // MONTHS whole months: firstMonth … last month
  const closed = Array.from({ length: MONTHS - 1 }, (_, i) => addMonths(firstMonth, i)); // all but last month
  const usageFrom = dayOf(addMonths(CURRENT, -(USAGE_MONTHS - 1)), 1);
  const created = localMidnight(dayOf(firstMonth, 1));
  const PAY_DAY = 5;
  const openDays: { day: string; d: number; days: number; month: string }[] = [];
  for (const month of [lastMonth, CURRENT])
    for (let d = 1; d <= daysIn(month); d++)
      if (dayOf(month, d) <= chargedTo) openDays.push({ day: dayOf(month, d), d, days: daysIn(month), month });
  const openPayMonths = [lastMonth, CURRENT].filter((m) => dayOf(m, PAY_DAY) <= chargedTo);
  const home = new DatabaseSync(FILE.DB_MOSCOW, { enableForeignKeyConstraints: false });
  const shardsDb: Record<string, DatabaseSync> = {
    DB_MOSCOW: home,
    [SECOND]: new DatabaseSync(FILE[SECOND], { enableForeignKeyConstraints: false }),
  };
  const global = new DatabaseSync(FILE.DB, { enableForeignKeyConstraints: false });
  const tariffs = new Map(
    (home.prepare("SELECT id, kind, name_ru, name_en, price_kop FROM tariffs WHERE region = ?").all(REGION) as unknown as Tariff[]).map(
      (t) => [t.id, t],
    ),
  );
  const tariff = (id: string) => {
    const t = tariffs.get(id);
    if (!t) throw new Error(`no tariff ${id}`);
    return t;
  };
  const rows: Record<string, number> = {};
  const count = (table: string, n: number | bigint) => {
    rows[table] = (rows[table] ?? 0) + Number(n);
  };
  const expected = new Map<string, number>();
  const sampleEvery = Math.max(1, Math.floor(ACCOUNTS / SAMPLE));
  const shardNames = Object.keys(shardsDb);
  const prepared = Object.fromEntries(
    Object.entries(shardsDb).map(([name, db]) => {
      db.exec("PRAGMA synchronous = OFF; PRAGMA cache_size = -131072; PRAGMA temp_store = MEMORY;");
      db.exec(
        "CREATE TEMP TABLE acc (account_no TEXT PRIMARY KEY, n INTEGER NOT NULL, monthly INTEGER NOT NULL, pay INTEGER NOT NULL, mobile INTEGER NOT NULL)",
      );
      return [
        name,
        {
          db,
          account: db.prepare(
            "INSERT INTO accounts (account_no, region, holder_name, address, status, created_at) VALUES (?, ?, ?, ?, 'active', ?)",
          ),
          service: db.prepare("INSERT INTO account_services (id, account_no, tariff_id, status, started_at) VALUES (?, ?, ?, 'active', ?)"),
          acc: db.prepare("INSERT INTO acc (account_no, n, monthly, pay, mobile) VALUES (?, ?, ?, ?, ?)"),
        },
      ];
    }),
  );
  global.exec("PRAGMA synchronous = OFF");
  const directory = global.prepare(
    "INSERT INTO account_directory (account_no, region, shard, contact_phone, contact_email, created_at) VALUES (?, ?, ?, NULL, NULL, ?)",
  );
  const FIXED = ["msk-inet-100", "msk-inet-300", "msk-inet-300", "msk-inet-500", "msk-inet-1000", "msk-bundle-it", "msk-bundle-all"];
  const MOBILE = ["msk-mob-s", "msk-mob-m", "msk-mob-m", "msk-mob-l"];
  const TV = ["msk-tv-base", "msk-tv-opt", "msk-tv-max"];
  const PHONE = ["msk-phone-time", "msk-phone-unlim"];
  const pick = <T,>(r: () => number, xs: readonly T[]) => xs[Math.floor(r() * xs.length)] as T;
  let fixedNo = "";
  let mobileNo = "";
  let mobileService = "";
  const all = [...Object.values(shardsDb), global];
  for (const db of all) db.exec("BEGIN");
  for (let i = 0; i < ACCOUNTS; i++) {
    if (i > 0 && i % 20_000 === 0) {
      for (const db of all) db.exec("COMMIT");
      say(`  ${i.toLocaleString("en")} accounts and their services written`);
      for (const db of all) db.exec("BEGIN");
    }
    const r = prng(i + 1);
    const shard = shardNames[i % shardNames.length] as string;
    const p = prepared[shard] as (typeof prepared)[string];
    const accountNo = makeAccountNo(`7${String(i).padStart(10, "0")}`);
    // The two measured accounts: the shapes of anna's two Moscow demo accounts, one on each shard.
    const mobile = i === 1 || (i !== 0 && r() < MOBILE_SHARE);
    let ids: string[];
    if (i === 0) ids = ["msk-bundle-it", "msk-phone-unlim"];
    else if (i === 1) ids = ["msk-mob-m"];
    else if (mobile) ids = [pick(r, MOBILE)];
    else {
      ids = [pick(r, FIXED)];
      if (r() < 0.35) ids.push(pick(r, PHONE));
      if (!ids[0]?.startsWith("msk-bundle") && r() < 0.2) ids.push(pick(r, TV));
    }
    const services = ids.map((t, k) => ({ id: `${accountNo}-${k + 1}`, t: tariff(t) }));
    if (i === 0) fixedNo = accountNo;
    if (i === 1) {
      mobileNo = accountNo;
      mobileService = services[0]?.id ?? "";
    }
    p.account.run(accountNo, REGION, `Абонент ${i + 1}`, `Москва, ул. Тестовая, д. ${(i % 200) + 1}, кв. ${(i % 97) + 1}`, created);
    directory.run(accountNo, REGION, shard, created);
    for (const s of services) p.service.run(s.id, accountNo, s.t.id, created);
    count("accounts", 1);
    count("account_directory", 1);
    count("account_services", services.length);
    const monthly = services.reduce((n, s) => n + s.t.price_kop, 0);
    // Most pay a little more than the month's charges, some less; the same each month.
    const pay = Math.ceil((monthly * (0.9 + r() * 0.3)) / 10_000) * 10_000;
    // The measured mobile account gets real usage records below, not generated totals.
    p.acc.run(accountNo, i, monthly, pay, mobile && i !== 1 ? 1 : 0);
    if (i < 2 || i % sampleEvery === 0) {
      let balance = closed.length * (pay - monthly) + openPayMonths.length * pay;
      for (const o of openDays)
        for (const s of services) balance -= Math.floor((s.t.price_kop * o.d) / o.days) - Math.floor((s.t.price_kop * (o.d - 1)) / o.days);
      expected.set(accountNo, balance);
    }
  }
  for (const db of all) db.exec("COMMIT");
  say(`  ${ACCOUNTS.toLocaleString("en")} accounts written; deriving their history`);

  const BIG = ["ledger_entries", "usage_daily_totals"];
  for (const [name, db] of Object.entries(shardsDb)) {
    const t = performance.now();
    db.exec("BEGIN");
    // Calendar tables: the closed months, the open days, the pay days of the open months, the usage days.
    db.exec(
      "CREATE TEMP TABLE months (k INTEGER PRIMARY KEY, month TEXT, last_day TEXT, at INTEGER, closed_at INTEGER, name_ru TEXT, name_en TEXT, pay_day TEXT, pay_at INTEGER)",
    );
    const month = db.prepare("INSERT INTO months VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
    for (const [k, m] of closed.entries()) {
      const last = dayOf(m, daysIn(m));
      const payDay = dayOf(m, PAY_DAY);
      month.run(
        k,
        m,
        last,
        localMidnight(last),
        localMidnight(dayOf(addMonths(m, 1), 1)) + 3_600_000,
        monthName(m, "ru"),
        monthName(m, "en"),
        payDay,
        localMidnight(payDay) + 12 * 3_600_000,
      );
    }
    db.exec("CREATE TEMP TABLE days (day TEXT PRIMARY KEY, d INTEGER, days INTEGER, at INTEGER)");
    const day = db.prepare("INSERT INTO days VALUES (?, ?, ?, ?)");
    for (const o of openDays) day.run(o.day, o.d, o.days, localMidnight(o.day));
    db.exec("CREATE TEMP TABLE paydays (month TEXT PRIMARY KEY, day TEXT, at INTEGER)");
    const payday = db.prepare("INSERT INTO paydays VALUES (?, ?, ?)");
    for (const m of openPayMonths) payday.run(m, dayOf(m, PAY_DAY), localMidnight(dayOf(m, PAY_DAY)) + 12 * 3_600_000);
    db.exec("CREATE TEMP TABLE udays (n INTEGER PRIMARY KEY, day TEXT)");
    const uday = db.prepare("INSERT INTO udays VALUES (?, ?)");
    for (let t = Date.parse(`${usageFrom}T00:00:00Z`), n = 0; new Date(t).toISOString().slice(0, 10) < TODAY; t += 86_400_000, n++)
      uday.run(n, new Date(t).toISOString().slice(0, 10));
    // The older months of the history, folded: one row per month, category and direction.
    db.exec("CREATE TEMP TABLE umonths (n INTEGER PRIMARY KEY, month TEXT)");
    const umonth = db.prepare("INSERT INTO umonths VALUES (?, ?)");
    for (let m = firstMonth, n = 0; m < usageFrom.slice(0, 7); m = addMonths(m, 1), n++) umonth.run(n, m);
    // The big tables' secondary indexes, built again after the load (a sorted build beats row-by-row upkeep).
    const indexes = db
      .prepare(
        `SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN (${BIG.map(() => "?").join(", ")})`,
      )
      .all(...BIG) as { name: string; sql: string }[];
    for (const ix of indexes) db.exec(`DROP INDEX ${ix.name}`);
    const ins = (table: string, q: string) => count(table, db.prepare(q).run().changes);
    const entry =
      "INSERT INTO ledger_entries (id, account_no, kind, amount_kop, occurred_at, local_day, service_id, description_ru, description_en, idempotency_key, created_at)";
    // Closed months as the close leaves them: the month's payment, one roll-up charge per service, the period row.
    ins(
      "ledger_entries",
      `${entry} SELECT 'pay-' || a.account_no || '-' || m.month, a.account_no, 'payment', a.pay, m.pay_at, m.pay_day, NULL,
        'Оплата банковской картой', 'Card payment', 'scale:pay:' || a.account_no || ':' || m.month, m.pay_at
       FROM acc a JOIN months m ORDER BY a.account_no, m.k`,
    );
    ins(
      "ledger_entries",
      `${entry} SELECT 'rollup-' || s.account_no || '-' || m.month || '-' || s.id, s.account_no, 'charge', -t.price_kop, m.at, m.last_day, s.id,
        'Абонентская плата за ' || m.name_ru || ': ' || t.name_ru, 'Subscription fee for ' || m.name_en || ': ' || t.name_en,
        'rollup:' || s.account_no || ':' || m.month || ':' || s.id, m.closed_at
       FROM acc a JOIN account_services s ON s.account_no = a.account_no JOIN tariffs t ON t.id = s.tariff_id JOIN months m
       ORDER BY s.account_no, m.k, s.id`,
    );
    ins(
      "ledger_periods",
      `INSERT INTO ledger_periods (account_no, month, opening_kop, closing_kop, charges_kop, payments_kop, refunds_kop, adjustments_kop, promised_kop, bonus_kop, closed_at)
       SELECT a.account_no, m.month, m.k * (a.pay - a.monthly), (m.k + 1) * (a.pay - a.monthly), -a.monthly, a.pay, 0, 0, 0, 0, m.closed_at
       FROM acc a JOIN months m ORDER BY a.account_no, m.k`,
    );
    // Last month and this one: the payment and one charge row per service and day, as the daily charge writes them.
    ins(
      "ledger_entries",
      `${entry} SELECT 'pay-' || a.account_no || '-' || p.month, a.account_no, 'payment', a.pay, p.at, p.day, NULL,
        'Оплата банковской картой', 'Card payment', 'scale:pay:' || a.account_no || ':' || p.month, p.at
       FROM acc a JOIN paydays p ORDER BY a.account_no, p.month`,
    );
    ins(
      "ledger_entries",
      `${entry} SELECT 'chg-' || s.id || '-' || d.day, s.account_no, 'charge', -((t.price_kop * d.d) / d.days - (t.price_kop * (d.d - 1)) / d.days), d.at, d.day, s.id,
        'Абонентская плата: ' || t.name_ru, 'Subscription fee: ' || t.name_en, 'charge:' || s.id || ':' || d.day, d.at
       FROM acc a JOIN account_services s ON s.account_no = a.account_no JOIN tariffs t ON t.id = s.tariff_id JOIN days d
       ORDER BY s.id, d.day`,
    );
    // A mobile number's usage totals (what the ingest keeps in D1): calls in and out, SMS, internet — per day for
    // the newest months, and a month's worth in one row per category and direction for the older ones (the fold's).
    // Each category's count, seconds and KB of a day, from a mix `x` of the account and the day (a month row: 30 of them).
    const categories: [string, string, (x: string) => string, (x: string) => string, (x: string) => string][] = [
      ["call_in", "in", (x) => `1 + ${x} % 5`, (x) => `(1 + ${x} % 5) * (30 + ${x} % 150)`, () => "0"],
      ["call_mobile", "out", (x) => `1 + ${x} % 6`, (x) => `(1 + ${x} % 6) * (30 + ${x} % 151)`, () => "0"],
      ["sms", "out", (x) => `${x} % 4`, () => "0", () => "0"],
      ["internet", "none", (x) => `2 + ${x} % 10`, () => "0", (x) => `100000 + ${x} % 900000`],
    ];
    const x = "((a.n * 2654435761 + c.n * 40503) % 1000003)";
    for (const [calendar, at, times] of [
      ["udays", "day", 1],
      ["umonths", "month", 30],
    ] as const)
      for (const [category, direction, cnt, sec, kb] of categories)
        ins(
          "usage_daily_totals",
          `INSERT INTO usage_daily_totals (account_no, local_day, service_id, category, direction, count, duration_sec, minutes, volume_kb, cost_kop)
           SELECT a.account_no, c.${at}, s.id, '${category}', '${direction}', ${times} * (${cnt(x)}), ${times} * (${sec(x)}),
             ${times} * ((${sec(x)} + 59) / 60 + ${cnt(x)}), ${times} * (${kb(x)}), 0
           FROM acc a JOIN account_services s ON s.account_no = a.account_no JOIN ${calendar} c WHERE a.mobile = 1
           ORDER BY a.account_no, c.${at}`,
        );
    for (const ix of indexes) db.exec(ix.sql);
    db.exec("COMMIT");
    say(`  ${name}: history written and indexed in ${((performance.now() - t) / 1000).toFixed(0)} s`);
  }
  // The shard map's counts, as placement and the move keep them.
  const perShard = Math.floor(ACCOUNTS / shardNames.length);
  for (const [k, name] of shardNames.entries())
    global
      .prepare("UPDATE shards SET accounts = accounts + ? WHERE binding = ?")
      .run(perShard + (k < ACCOUNTS % shardNames.length ? 1 : 0), name);
  // anna's two Moscow accounts become two generated ones of the same shape (linked as the seed links: owner).
  const dropped = (
    global
      .prepare(
        "DELETE FROM account_links WHERE subscriber_id = 'demo-anna' AND account_no IN (SELECT account_no FROM account_directory WHERE region = ? AND account_no NOT LIKE '7%') RETURNING account_no AS a",
      )
      .all(REGION) as { a: string }[]
  ).map((r) => r.a);
  const link = global.prepare(
    "INSERT INTO account_links (subscriber_id, account_no, role, low_balance_kop, created_at) VALUES ('demo-anna', ?, 'owner', NULL, ?)",
  );
  for (const no of [fixedNo, mobileNo]) link.run(no, created);
  // The same in her home shard (Moscow), where her sessions read her links (platform/links.ts).
  home
    .prepare("DELETE FROM subscriber_links WHERE subscriber_id = 'demo-anna' AND account_no IN (SELECT value FROM json_each(?))")
    .run(JSON.stringify(dropped));
  const homeLink = home.prepare(
    "INSERT INTO subscriber_links (subscriber_id, account_no, role, low_balance_kop, created_at) VALUES ('demo-anna', ?, 'owner', NULL, ?)",
  );
  for (const no of [fixedNo, mobileNo]) homeLink.run(no, created);
  // The reporters own the generated mobile account too (they keep their demo link: home is not measured for them).
  addReporters(global, home, mobileNo);
  // Links changed by hand: the sessions' copies of them in the home shards are forgotten, as docs/operations.md says
  // (raise gen), or a session would read the demo links for up to 10 minutes.
  for (const db of Object.values(shardsDb)) db.exec("UPDATE session_links SET gen = gen + 1, links = NULL");
  // The region's close goes back to the month before last: the cron closes last month on the big data.
  home
    .prepare("UPDATE cron_progress SET done_day = ? WHERE job = 'close' AND region = ?")
    .run(dayOf(addMonths(lastMonth, -1), daysIn(addMonths(lastMonth, -1))), REGION);
  for (const db of all) {
    db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
    db.close();
  }
  return { rows, expected, seconds: (performance.now() - started) / 1000, fixedNo, mobileNo, mobileService };
}

/** The measured mobile account's usage as the ingest stores it: R2 month objects and their daily totals. */
async function measuredUsage(dbOnly: string, accountNo: string, serviceId: string) {
  const proxy = await getPlatformProxy<Record<string, ProxyD1> & { FILES: SeedBucket }>({
    configPath: dbOnly,
    persist: { path: join(state, "v3") },
  });
  try {
    const from = dayOf(addMonths(CURRENT, -(USAGE_MONTHS - 1)), 1);
    const yesterday = new Date(Date.parse(`${TODAY}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
    const rows = usageFor(accountNo, REGION, { id: serviceId, kind: "mobile", code: "mob-m" }, from, yesterday);
    const db = proxy.env[SECOND] as ProxyD1;
    for (const m of seedUsageMonths(accountNo, rows, `scale:${serviceId}`))
      for (const q of await seedUsageMonth(proxy.env.FILES, m)) await db.prepare(q).run();
    return rows.length;
  } finally {
    await proxy.dispose();
  }
}

/** The ledger invariant on sampled accounts: the generated sum = every entry ever = last closing + the open entries. */
function checkInvariant(expected: Map<string, number>) {
  let checked = 0;
  const bad: string[] = [];
  for (const [name, file] of [
    ["DB_MOSCOW", FILE.DB_MOSCOW],
    [SECOND, FILE[SECOND]],
  ] as const) {
    const db = new DatabaseSync(file, { readOnly: true });
    const sum = db.prepare("SELECT coalesce(sum(amount_kop), 0) AS s FROM ledger_entries WHERE account_no = ?");
    const lastPeriod = db.prepare("SELECT month, closing_kop FROM ledger_periods WHERE account_no = ? ORDER BY month DESC LIMIT 1");
    const after = db.prepare("SELECT coalesce(sum(amount_kop), 0) AS s FROM ledger_entries WHERE account_no = ? AND local_day > ?");
    const has = db.prepare("SELECT 1 AS x FROM accounts WHERE account_no = ?");
    for (const [no, want] of expected) {
      if (!has.get(no)) continue;
      const all = Number((sum.get(no) as { s: number }).s);
      const p = lastPeriod.get(no) as { month: string; closing_kop: number } | undefined;
      const carried = p ? Number(p.closing_kop) + Number((after.get(no, `${p.month}-31`) as { s: number }).s) : all;
      checked++;
      if (all !== want || carried !== want) bad.push(`${name} ${no}: generated ${want}, ledger ${all}, closing + open ${carried}`);
    }
    db.close();
  }
  return { checked, bad };
}

// ─── sizes against the model ──────────────────────────────────────────────────────────────────────────────────

async function fileBytes(file: string) {
  let n = 0;
  for (const f of [file, `${file}-wal`])
    n += await stat(f).then(
      (s) => s.size,
      () => 0,
    );
  return n;
}

/** Bytes per row, indexes included, as `npm run capacity` measured them (docs/capacity.md, section 1). */
async function modelBytesPerRow(): Promise<Record<string, number>> {
  const doc = await readFile(join(ROOT, "docs/capacity.md"), "utf8");
  const out: Record<string, number> = {};
  for (const m of doc.matchAll(/^\| shard\s+\| `([a-z_]+)`[^|]*\|[^|]*\|[^|]*\|[^|]*\|[^|]*\| \*\*([\d,]+)\*\*/gm))
    out[m[1] as string] = Number((m[2] as string).replace(/,/g, ""));
  const total = /An average account then takes \*\*([\d,]+) bytes after 36 months\*\*/.exec(doc)?.[1];
  if (total) out["per account after 36 months (bounded design)"] = Number(total.replace(/,/g, ""));
  return out;
}

// ─── the run ──────────────────────────────────────────────────────────────────────────────────────────────────

const fmt = (n: number) => n.toFixed(1).padStart(9);
const n0 = (n: number) => Math.round(n).toLocaleString("en");

await rm(state, { recursive: true, force: true });
const { full, dbOnly } = await writeConfigs();
let server: Awaited<ReturnType<typeof startServer>> | undefined;
try {
  say(`demo data into ${state}`);
  await prepareLocalDatabases(state, () => {});
  await migrateSecond(dbOnly);
  {
    const global = new DatabaseSync(FILE.DB, { enableForeignKeyConstraints: false });
    const home = new DatabaseSync(FILE.DB_MOSCOW, { enableForeignKeyConstraints: false });
    addReporters(global, home, "201000000020");
    for (const db of [global, home]) {
      db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
      db.close();
    }
  }
  server = await startServer(full);
  const put = await call(`/ops/v1/shards/${SECOND}`, { method: "PUT", headers: OPS, body: { branch: "moscow", open: false } });
  if (put.status !== 200) throw new Error(`adding ${SECOND} answered ${put.status}: ${put.text}`);
  const demoClose = await closeThrough(addMonths(CURRENT, -1), 300_000);
  say(
    `demo: ${SECOND} added to the map (closed); the first cron tick caught up and closed through ${addMonths(CURRENT, -1)} in ${(demoClose / 1000).toFixed(1)} s`,
  );
  const demoAccounts = peek<{ account_no: string; tariff_id: string }>(
    FILE.DB_MOSCOW,
    "SELECT s.account_no, s.tariff_id FROM account_services s WHERE s.account_no IN ('201000000012', '201000000020') ORDER BY 1",
  );
  if (demoAccounts.length < 3) throw new Error("anna's Moscow demo accounts are not where the bench expects them");
  say(`demo: the server was idle after ${(await quiet()).toFixed(0)} s`);
  say(`demo: measuring (${REQUESTS} requests per route, ${CONCURRENCY} at a time, ${REPORTERS} × ${REPORTS} reports)`);
  const demoOldest =
    peek<{ m: string }>(FILE.DB_MOSCOW, "SELECT substr(min(local_day), 1, 7) AS m FROM ledger_entries WHERE account_no = '201000000012'")[0]
      ?.m ?? addMonths(CURRENT, -1);
  const { stats: demo } = await measure("201000000012", "201000000020", demoOldest);
  const demoSizes = { DB_MOSCOW: await fileBytes(FILE.DB_MOSCOW), [SECOND]: await fileBytes(FILE[SECOND]) };
  await server.stop();
  server = undefined;

  const chargedTo = peek<{ done_day: string }>(
    FILE.DB_MOSCOW,
    "SELECT done_day FROM cron_progress WHERE job = 'midnight' AND region = ?",
    REGION,
  )[0]?.done_day;
  if (!chargedTo) throw new Error("no daily charge progress for msk");
  say(
    `generating ${n0(ACCOUNTS)} accounts × ${MONTHS} months over DB_MOSCOW and ${SECOND} (mobile ${Math.round(MOBILE_SHARE * 100)} %, usage totals for ${USAGE_MONTHS} month(s), charged to ${chargedTo})`,
  );
  const gen = generate(chargedTo);
  const totalRows = Object.values(gen.rows).reduce((a, b) => a + b, 0);
  say(
    `generated ${n0(totalRows)} rows in ${gen.seconds.toFixed(0)} s (${n0(totalRows / gen.seconds)} rows/s): ${JSON.stringify(gen.rows)}`,
  );
  const records = await measuredUsage(dbOnly, gen.mobileNo, gen.mobileService);
  say(`measured mobile account ${gen.mobileNo}: ${n0(records)} usage records into R2 month objects and their daily totals`);

  server = await startServer(full);
  const last = addMonths(CURRENT, -1);
  say(`big: closing ${last} for ${n0(ACCOUNTS)} accounts through the hourly cron (billing queue)`);
  const closeMs = await closeThrough(last, 1_800_000);
  const periods = peek<{ n: number }>(FILE.DB_MOSCOW, "SELECT count(*) AS n FROM ledger_periods WHERE month = ?", last)[0]?.n ?? 0;
  const periods2 = peek<{ n: number }>(FILE[SECOND], "SELECT count(*) AS n FROM ledger_periods WHERE month = ?", last)[0]?.n ?? 0;
  const dailyLeft =
    (peek<{ n: number }>(
      FILE.DB_MOSCOW,
      "SELECT count(*) AS n FROM ledger_entries WHERE idempotency_key LIKE 'charge:%' AND local_day LIKE ?",
      `${last}-%`,
    )[0]?.n ?? 0) +
    (peek<{ n: number }>(
      FILE[SECOND],
      "SELECT count(*) AS n FROM ledger_entries WHERE idempotency_key LIKE 'charge:%' AND local_day LIKE ?",
      `${last}-%`,
    )[0]?.n ?? 0);
  const invariant = checkInvariant(gen.expected);
  say(
    `big: ${last} closed in ${(closeMs / 1000).toFixed(1)} s (${n0(((periods + periods2) / closeMs) * 1000)} accounts/s): ${n0(periods + periods2)} period rows, ${n0(dailyLeft)} daily charge rows of ${last} left`,
  );
  say(
    `ledger invariant on ${n0(invariant.checked)} sampled accounts: ${invariant.bad.length === 0 ? "holds" : `${invariant.bad.length} differ`}`,
  );
  for (const b of invariant.bad.slice(0, 10)) say(`  ${b}`);
  say(`big: the server was idle after ${(await quiet()).toFixed(0)} s (the tick's queue work done)`);
  say(`big: measuring (${REQUESTS} requests per route, ${CONCURRENCY} at a time, ${REPORTERS} × ${REPORTS} reports)`);
  const { stats: big, balances } = await measure(gen.fixedNo, gen.mobileNo, addMonths(CURRENT, -30));
  // The measured accounts' balances as home shows them, against what was generated.
  for (const no of [gen.fixedNo, gen.mobileNo])
    if (balances.get(no) !== gen.expected.get(no))
      invariant.bad.push(`home shows ${no} at ${balances.get(no)}, generated ${gen.expected.get(no)}`);
  say(`big: home shows the measured accounts' balances as generated: ${invariant.bad.length === 0 ? "yes" : "NO"}`);
  await server.stop();
  server = undefined;

  const bigSizes = { DB_MOSCOW: await fileBytes(FILE.DB_MOSCOW), [SECOND]: await fileBytes(FILE[SECOND]) };
  console.log(
    `\n## bench:scale — Moscow branch, ${n0(ACCOUNTS)} accounts × ${MONTHS} months on 2 shards vs the demo data (local wrangler dev, ${CONCURRENCY} concurrent, ${REQUESTS} requests a route, ${REPORTERS} × ${REPORTS} reports)\n`,
  );
  console.log(`| route | demo p50 ms | demo p99 ms | big p50 ms | big p99 ms | ratio p99 (goal ≤ 1.5) |`);
  console.log(`| --- | ---: | ---: | ---: | ---: | ---: |`);
  for (const [route, d] of Object.entries(demo)) {
    const b = Object.values(big)[Object.keys(demo).indexOf(route)] as Stat;
    console.log(`| ${route} | ${fmt(d.p50)} | ${fmt(d.p99)} | ${fmt(b.p50)} | ${fmt(b.p99)} | ×${(b.p99 / d.p99).toFixed(2)} |`);
  }
  console.log(
    `\nClose of ${last} (cron → billing queue, ${n0(periods + periods2)} accounts): ${(closeMs / 1000).toFixed(1)} s; ledger invariant (generated balance = sum of every entry = last closing + open entries) on ${n0(invariant.checked)} sampled accounts: ${invariant.bad.length === 0 ? "holds" : `${invariant.bad.length} DIFFER`}.`,
  );
  console.log(`Generation: ${n0(totalRows)} rows in ${gen.seconds.toFixed(0)} s.\n`);
  const model = await modelBytesPerRow();
  const byRow: Record<string, string> = {
    accounts: "accounts",
    account_services: "account_services",
    ledger_entries: "ledger_entries",
    ledger_periods: "ledger_periods",
    usage_daily_totals: "usage_daily_totals",
  };
  let predicted = 0;
  console.log(`| shard rows generated | rows | model bytes/row | model bytes |`);
  console.log(`| --- | ---: | ---: | ---: |`);
  for (const [table, n] of Object.entries(gen.rows)) {
    const key = byRow[table];
    if (!key) continue;
    const b = model[key] ?? 0;
    predicted += n * b;
    console.log(`| \`${table}\` | ${n0(n)} | ${n0(b)} | ${n0(n * b)} |`);
  }
  const measuredBytes = (bigSizes.DB_MOSCOW ?? 0) + (bigSizes[SECOND] ?? 0) - (demoSizes.DB_MOSCOW ?? 0) - (demoSizes[SECOND] ?? 0);
  console.log(
    `\n| shard file | demo bytes | big bytes |\n| --- | ---: | ---: |\n| DB_MOSCOW | ${n0(demoSizes.DB_MOSCOW ?? 0)} | ${n0(bigSizes.DB_MOSCOW ?? 0)} |\n| ${SECOND} | ${n0(demoSizes[SECOND] ?? 0)} | ${n0(bigSizes[SECOND] ?? 0)} |`,
  );
  console.log(
    `\nGrowth of the two shard files: ${n0(measuredBytes)} bytes (${(measuredBytes / 1e9).toFixed(2)} GB, ${n0(measuredBytes / ACCOUNTS)} per account); the model's bytes per row × the rows generated: ${n0(predicted)} bytes (measured/model ×${(measuredBytes / predicted).toFixed(2)}).`,
  );
  const perAccount = model["per account after 36 months (bounded design)"];
  if (perAccount)
    console.log(
      `The model's whole account after 36 months (bounded design, every table incl. payments, receipts, support): ${n0(perAccount)} bytes → ${((perAccount * ACCOUNTS) / 1e9).toFixed(2)} GB for ${n0(ACCOUNTS)} accounts; the bench generates only the money history, services and usage totals.`,
    );
  if (invariant.bad.length > 0) process.exitCode = 1;
} finally {
  await server?.stop();
  await dispatcher.close();
  if (!KEEP) await rm(state, { recursive: true, force: true });
}
