/**
 * Usage-detail reports for a heavy user: the same PDF and XLSX writers the
 * `reports` consumer runs, over 5,000 and 50,000 records of one month, fed
 * in the consumer's chunks of 5,000, each in a process of its own. Reports
 * time, CPU, peak memory and the smallest JavaScript heap each completes in,
 * the 50k/5k ratios, and the 50k figures as shares of the Workers limits (30 s
 * of CPU by default for a queue consumer, 128 MB of memory per isolate).
 * The worker suite makes the same 50,000-record reports inside workerd.
 *
 *   npm run bench:reports   (RECORDS=… to change the large size)
 */
import { readFile } from "node:fs/promises";
import { USAGE_CATEGORIES } from "../../worker/db/schema/region.ts";
import { usageFor } from "../../worker/db/seed/usage.seed.ts";
import {
  type CategoryTotal,
  type ReportHead,
  reportPdf,
  reportXlsx,
  type ReportRecord as UsageRecord,
} from "../../worker/features/usage/usage.report.ts";

const ROOT = new URL("../..", import.meta.url).pathname;
const LARGE = Number(process.env.RECORDS ?? 50_000);

const font = (p: string) =>
  readFile(`${ROOT}node_modules/@expo-google-fonts/pt-sans/${p}`).then(
    (b) => b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer,
  );
const fonts = { regular: await font("400Regular/PTSans_400Regular.ttf"), bold: await font("700Bold/PTSans_700Bold.ttf") };

/** Records as D1 gives them to the consumer (drizzle maps timestamps to Dates), made a day at a time. */
function* days(n: number): Generator<UsageRecord[]> {
  const perDay = Math.ceil(n / 31 / 11); // a mobile line makes about 12.5 records a day per unit
  let left = n;
  for (let d = 1; d <= 31 && left > 0; d++) {
    const day = `2026-10-${String(d).padStart(2, "0")}`;
    const rows = usageFor("201000000020", "msk", { id: "bench-1", kind: "mobile", code: "mob-l" }, day, day, perDay).slice(0, left);
    left -= rows.length;
    yield rows.map((r) => ({
      id: r.id,
      accountNo: r.account_no,
      serviceId: r.service_id,
      category: r.category,
      direction: r.direction,
      peer: r.peer,
      startedAt: new Date(r.started_at),
      localDay: r.local_day,
      durationSec: r.duration_sec,
      volumeKb: r.volume_kb,
      costKop: r.cost_kop,
      titleRu: r.title_ru,
      titleEn: r.title_en,
    }));
  }
}

/** The consumer's chunks of 5,000: only one chunk (and one day) of records is alive at a time, as with D1. */
async function* chunks(n: number): AsyncGenerator<UsageRecord[]> {
  let chunk: UsageRecord[] = [];
  for (const rows of days(n)) {
    chunk.push(...rows);
    while (chunk.length >= 5000) {
      yield chunk.slice(0, 5000);
      chunk = chunk.slice(5000);
    }
  }
  if (chunk.length) yield chunk;
}

/** The header and the totals per category (the consumer gets them from one GROUP BY). */
function head(n: number): ReportHead {
  const by = new Map<UsageRecord["category"], CategoryTotal>();
  let count = 0;
  for (const rows of days(n))
    for (const r of rows) {
      const t = by.get(r.category) ?? { category: r.category, count: 0, durationSec: 0, volumeKb: 0, costKop: 0 };
      t.count++;
      t.durationSec += r.durationSec ?? 0;
      t.volumeKb += r.volumeKb ?? 0;
      t.costKop += r.costKop;
      by.set(r.category, t);
      count++;
    }
  if (count !== n) throw new Error(`made ${count} records, not ${n}`);
  return {
    lang: "ru",
    tz: "Europe/Moscow",
    accountNo: "201000000020",
    holderName: "Анна Иванова",
    address: "Москва, ул. Профсоюзная, д. 12, кв. 45",
    serviceName: "Мобильная связь L",
    fromDay: "2026-10-01",
    toDay: "2026-10-31",
    categories: USAGE_CATEGORIES,
    generatedAt: new Date("2026-11-01T09:00:00Z"),
    totals: USAGE_CATEGORIES.flatMap((c) => by.get(c) ?? []),
  };
}

/** One report in this process: time, CPU, file size, and the process's peak resident memory. */
async function run(format: "pdf" | "xlsx" | "none", n: number) {
  const h = head(n);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const bytes =
    format === "pdf" ? await reportPdf(fonts, h, chunks(n)) : format === "xlsx" ? await reportXlsx(h, chunks(n)) : new Uint8Array();
  const cpu = process.cpuUsage(cpu0);
  return {
    ms: performance.now() - t0,
    cpuMs: (cpu.user + cpu.system) / 1000,
    sizeKb: bytes.byteLength / 1024,
    maxRssMb: process.resourceUsage().maxRSS / 1024,
  };
}

// A child measures one report: `--max-old-space-size=128` caps its JavaScript heap at a Worker isolate's 128 MB,
// so finishing at all says the report fits; the peak resident memory over an idle child's is its cost.
if (process.env.BENCH_CHILD) {
  const [format, n] = process.env.BENCH_CHILD.split(":") as ["pdf" | "xlsx" | "none", string];
  if (format !== "none") await run(format, 5000); // warm-up: fonts parsed, code optimised
  console.log(JSON.stringify(await run(format, Number(n))));
  process.exit(0);
}

const { spawnSync } = await import("node:child_process");
type Result = { ms: number; cpuMs: number; sizeKb: number; maxRssMb: number };
function child(format: string, n: number, heapMb = 128): Result | null {
  const r = spawnSync(process.execPath, [`--max-old-space-size=${heapMb}`, "--import", "tsx", new URL(import.meta.url).pathname], {
    env: { ...process.env, BENCH_CHILD: `${format}:${n}` },
    encoding: "utf8",
  });
  if (r.status !== 0) return null;
  return JSON.parse(r.stdout.trim().split("\n").at(-1) ?? "{}") as Result;
}
const must = (r: Result | null, what: string): Result => {
  if (!r) throw new Error(`${what} did not complete with a 128 MB heap`);
  return r;
};
/** The smallest JavaScript heap (of these steps) the report completes in. */
function smallestHeap(format: string, n: number): number | null {
  for (const mb of [32, 48, 64, 80, 96, 112, 128]) if (child(format, n, mb)) return mb;
  return null;
}

const SMALL = 5000;
const lines: string[] = [];
const idle = must(child("none", SMALL), "idle").maxRssMb;
for (const format of ["pdf", "xlsx"] as const) {
  const a = must(child(format, SMALL), `${format} ${SMALL}`);
  const b = must(child(format, LARGE), `${format} ${LARGE}`);
  const heap = smallestHeap(format, LARGE);
  lines.push(
    `| ${format.toUpperCase()} | ${SMALL.toLocaleString("en")} | ${a.ms.toFixed(0)} | ${a.cpuMs.toFixed(0)} | ${(a.maxRssMb - idle).toFixed(0)} | — | ${a.sizeKb.toFixed(0)} |`,
  );
  lines.push(
    `| ${format.toUpperCase()} | ${LARGE.toLocaleString("en")} | ${b.ms.toFixed(0)} | ${b.cpuMs.toFixed(0)} | ${(b.maxRssMb - idle).toFixed(0)} | ${heap ?? "> 128"} | ${b.sizeKb.toFixed(0)} |`,
  );
  lines.push(
    `| | ×${LARGE / SMALL} records | ×${(b.ms / a.ms).toFixed(1)} time | CPU ${((b.cpuMs / 30_000) * 100).toFixed(0)} % of 30 s | | heap ${heap ? ((heap / 128) * 100).toFixed(0) : "> 100"} % of 128 MB | ×${(b.sizeKb / a.sizeKb).toFixed(1)} size |`,
  );
}
console.log("Each run in its own Node process; records arrive 5,000 at a time, as from D1.");
console.log("RSS: peak resident memory above an idle process. Heap: the smallest --max-old-space-size (steps of 16 MB) it completes in.\n");
console.log("| format | records | ms | CPU ms | RSS MB | heap MB | file KB |\n| --- | --- | --- | --- | --- | --- | --- |");
console.log(lines.join("\n"));
