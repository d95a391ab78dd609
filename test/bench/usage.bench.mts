/// <reference path="./workers-globals.d.ts" />
/**
 * Usage detail at mobile scale (issue 20, part 5), on the local platform
 * (Miniflare's R2 and D1 through wrangler's platform proxy, the same storage
 * `wrangler dev` uses), with the Worker's own ingest and read code:
 *
 * 1. Ingest: batches of 100 records of one heavy number through `ingestBatch`
 *    one after another (what one queue consumer does), in records/s, against
 *    writing the same batches to R2 as plain objects (one put each, no merge,
 *    no totals): the ratio is what the merge and the D1 totals cost.
 * 2. The screen of one month of that number (≥ 3,000 records): the first page
 *    (50 records) and the month's totals, as the new path reads them (R2 month
 *    object + D1 daily totals) against today's path before this change (the
 *    same page and totals by SQL over a usage_records table with its indexes).
 *
 *   npm run bench:usage   (PER_DAY=… to change the number's volume, ITER=… the screen's repetitions)
 */
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { getPlatformProxy } from "wrangler";
import { prepareLocalDatabases } from "../../scripts/local-db.mts";
import { toBatchRecords, type UsageRow, usageFor } from "../../worker/db/seed/usage.seed.ts";
import { ingestBatch } from "../../worker/features/usage/usage.ingest.ts";
import { selectUsageTotals, type UsageFilter } from "../../worker/features/usage/usage.queries.ts";
import { forgetMonths, selectRecords } from "../../worker/features/usage/usage.records.ts";
import { createDataAccess } from "../../worker/platform/db.ts";
import { makeAccountNo } from "../../worker/platform/ids.ts";

const ROOT = new URL("../..", import.meta.url).pathname;
const PER_DAY = Number(process.env.PER_DAY ?? 10);
const ITER = Number(process.env.ITER ?? 200);
const BATCH = 100;
const PAGE = 50;

const state = join(ROOT, ".e2e/bench-usage-state");
await rm(state, { recursive: true, force: true });
await prepareLocalDatabases(state, () => {});
// The file prepareLocalDatabases wrote: the Worker's bindings without its Durable Objects.
const proxy = await getPlatformProxy<Env>({
  configPath: join(ROOT, ".wrangler/local-db.wrangler.toml"),
  persist: { path: join(state, "v3") },
});
const env = proxy.env;
// The data access needs only the D1 bindings, which the proxy has.
const data = createDataAccess(env);

const accountNo = makeAccountNo("20100000002"); // anna's mobile account, Moscow
const found = await data.shardForAccount(accountNo);
if (!found) throw new Error("demo account missing");
const d1 = (found.db as unknown as { $client: D1Database }).$client;
const serviceId = `${accountNo}-bench`;
await d1
  .prepare("INSERT OR IGNORE INTO account_services (id, account_no, tariff_id, status, started_at) VALUES (?, ?, 'msk-mob-l', 'active', 0)")
  .bind(serviceId, accountNo)
  .run();

// A month the demo data leaves empty: four months back.
const now = new Date();
const month = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 4, 1)).toISOString().slice(0, 7);
const last = new Date(Date.UTC(Number(month.slice(0, 4)), Number(month.slice(5, 7)), 0)).toISOString().slice(0, 10);
const rows: UsageRow[] = usageFor(accountNo, "msk", { id: serviceId, kind: "mobile", code: "mob-l" }, `${month}-01`, last, PER_DAY);
const records = toBatchRecords(rows);
const batches = Array.from({ length: Math.ceil(records.length / BATCH) }, (_, i) => records.slice(i * BATCH, (i + 1) * BATCH));

// 1a. Raw R2 writes of the same batches (gzip NDJSON, one object each): the floor the ingest is compared with.
const gzip = async (text: string) =>
  new Uint8Array(await new Response(new Response(text).body?.pipeThrough(new CompressionStream("gzip"))).arrayBuffer());
let t = performance.now();
for (const [i, b] of batches.entries())
  await env.FILES.put(`bench-raw/${i}.ndjson.gz`, await gzip(b.map((r) => JSON.stringify(r)).join("\n")));
const rawMs = performance.now() - t;

// 1b. The ingest, one batch after another as one consumer takes them.
t = performance.now();
for (const [i, b] of batches.entries())
  await ingestBatch({ data, files: env.FILES }, { kind: "usage_batch", batchId: `bench-${i}`, accountNo, serviceId, records: b });
const ingestMs = performance.now() - t;
// And again: every batch a duplicate (a redelivery), which changes nothing.
t = performance.now();
for (const [i, b] of batches.entries())
  await ingestBatch({ data, files: env.FILES }, { kind: "usage_batch", batchId: `bench-${i}`, accountNo, serviceId, records: b });
const redeliverMs = performance.now() - t;

// 2. Today's path before this change: the records in D1 (the 0004 table and indexes), the same filter and page.
await d1.batch([
  d1.prepare(`CREATE TABLE IF NOT EXISTS usage_records (id text PRIMARY KEY NOT NULL, account_no text NOT NULL, service_id text NOT NULL,
    category text NOT NULL, direction text, peer text, started_at integer NOT NULL, local_day text NOT NULL, duration_sec integer,
    volume_kb integer, cost_kop integer NOT NULL, title_ru text, title_en text)`),
  d1.prepare("CREATE INDEX IF NOT EXISTS usage_account_day_idx ON usage_records (account_no, local_day, started_at, id)"),
  d1.prepare("CREATE INDEX IF NOT EXISTS usage_service_day_idx ON usage_records (service_id, local_day)"),
]);
const cols = [
  "id",
  "account_no",
  "service_id",
  "category",
  "direction",
  "peer",
  "started_at",
  "local_day",
  "duration_sec",
  "volume_kb",
  "cost_kop",
  "title_ru",
  "title_en",
] as const;
for (let i = 0; i < rows.length; i += 7) {
  const chunk = rows.slice(i, i + 7); // 13 columns × 7 rows ≤ 100 bound parameters
  await d1
    .prepare(
      `INSERT OR IGNORE INTO usage_records (${cols.join(",")}) VALUES ${chunk.map(() => `(${cols.map(() => "?").join(",")})`).join(",")}`,
    )
    .bind(...chunk.flatMap((r) => cols.map((c) => r[c])))
    .run();
}
const filter: UsageFilter = {
  accountNo,
  fromDay: `${month}-01`,
  toDay: last,
  serviceId: null,
  categories: ["call_in", "call_local", "call_long_distance", "call_mobile", "call_international", "sms", "internet", "option"],
};
const inList = filter.categories.map(() => "?").join(",");
async function oldScreen() {
  const [page, totals] = await Promise.all([
    d1
      .prepare(
        `SELECT * FROM usage_records WHERE account_no = ? AND local_day BETWEEN ? AND ? AND category IN (${inList}) ORDER BY local_day, started_at, id LIMIT ?`,
      )
      .bind(accountNo, filter.fromDay, filter.toDay, ...filter.categories, PAGE + 1)
      .all(),
    d1
      .prepare(
        `SELECT category, count(*) n, sum(duration_sec) d, sum(volume_kb) v, sum(cost_kop) c FROM usage_records WHERE account_no = ? AND local_day BETWEEN ? AND ? AND category IN (${inList}) GROUP BY category`,
      )
      .bind(accountNo, filter.fromDay, filter.toDay, ...filter.categories)
      .all(),
  ]);
  return [page.results.length, totals.results.length];
}
async function newScreen() {
  const [page, totals] = await Promise.all([
    selectRecords(env.FILES, filter, null, PAGE + 1),
    selectUsageTotals(found?.db ?? (data.global as never), filter),
  ]);
  return [page.length, totals.length];
}
const [a, b] = [await oldScreen(), await newScreen()];
if (JSON.stringify(a) !== JSON.stringify(b)) throw new Error(`the two paths disagree: ${a} vs ${b}`);

const pct = (xs: number[], p: number) => [...xs].sort((x, y) => x - y)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] ?? 0;
async function time(fn: () => Promise<unknown>) {
  const out: number[] = [];
  for (let i = 0; i < ITER; i++) {
    const s = performance.now();
    await fn();
    out.push(performance.now() - s);
  }
  return out;
}
// Interleaved warm-up, then each path on its own.
for (let i = 0; i < 10; i++) await Promise.all([oldScreen(), newScreen()]);
const oldMs = await time(oldScreen);
const newMs = await time(newScreen);
// Cold: the isolate has not decoded the month before (a subscriber's first view of it).
const coldMs = await time(() => {
  forgetMonths();
  return newScreen();
});
const obj = await env.FILES.head(`usage/${accountNo}/${month}.ndjson.gz`);

const f = (n: number, d = 1) => n.toFixed(d);
console.log(`\nUsage detail, one heavy number: ${rows.length} records in ${month} (${f(rows.length / 30, 0)} a day), batches of ${BATCH}`);
console.log(`month object in R2: ${f((obj?.size ?? 0) / 1024)} KB gzip NDJSON (${f((obj?.size ?? 0) / rows.length)} bytes a record)\n`);
console.log("| ingest (one consumer)               | records/s | ms per batch | ratio to raw R2 |");
console.log("| ----------------------------------- | --------: | -----------: | --------------: |");
const rate = (ms: number) => (rows.length / ms) * 1000;
console.log(
  `| raw R2 put of each batch            | ${f(rate(rawMs), 0).padStart(9)} | ${f(rawMs / batches.length, 2).padStart(12)} | ${"1.00".padStart(15)} |`,
);
console.log(
  `| ingestBatch (merge + D1 totals)     | ${f(rate(ingestMs), 0).padStart(9)} | ${f(ingestMs / batches.length, 2).padStart(12)} | ${f(rawMs / ingestMs, 2).padStart(15)} |`,
);
console.log(
  `| ingestBatch, every batch redelivered | ${f(rate(redeliverMs), 0).padStart(8)} | ${f(redeliverMs / batches.length, 2).padStart(12)} | ${f(rawMs / redeliverMs, 2).padStart(15)} |`,
);
console.log(`\n| one-month screen (page of ${PAGE} + totals) | p50 ms | p99 ms |`);
console.log("| ---------------------------------------- | -----: | -----: |");
console.log(`| today's path: usage_records in D1        | ${f(pct(oldMs, 50), 2).padStart(6)} | ${f(pct(oldMs, 99), 2).padStart(6)} |`);
const row = (label: string, ms: number[]) =>
  console.log(`| ${label.padEnd(40)} | ${f(pct(ms, 50), 2).padStart(6)} | ${f(pct(ms, 99), 2).padStart(6)} |`);
const ratio = (label: string, ms: number[]) =>
  console.log(
    `| ${label.padEnd(40)} | ${f(pct(ms, 50) / pct(oldMs, 50), 2).padStart(6)} | ${f(pct(ms, 99) / pct(oldMs, 99), 2).padStart(6)} |`,
  );
row("new path, month decoded in this isolate", newMs);
row("new path, cold (download + gunzip)", coldMs);
ratio("ratio new (warm) / today", newMs);
ratio("ratio new (cold) / today", coldMs);
await proxy.dispose();
