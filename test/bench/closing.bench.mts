/**
 * One month's closing documents for an organisation with 500 accounts (3 services each: 1,500 lines): the same
 * code the `reports` consumer runs after its reads (the lines and the VAT split, the printed УПД, the ФНС XML 5.03
 * in windows-1251), in a Node process whose JavaScript heap is capped like a Worker isolate's (128 MB). Reports
 * time, CPU, peak memory above an idle process, the smallest heap it completes in, file sizes, the 500/50 ratios
 * and the CPU as a share of a queue consumer's default 30 s. The D1 side is counted, not timed: one read of the
 * organisation's accounts, one per region for the charge's progress, one per 90 accounts of a shard for the
 * charges, and one batch of a few statements to write the document.
 *
 *   npm run bench:closing   (ACCOUNTS=… to change the large size)
 */
import { readFile } from "node:fs/promises";
import { type ChargeLine, type ClosingDoc, totalsOf, updLines } from "../../worker/features/business/closing.document.ts";
import { closingPdf } from "../../worker/features/business/closing.pdf.ts";
import { encodeWindows1251, updXml } from "../../worker/features/business/closing.xml.ts";
import { vatPercentOn } from "../../worker/platform/vat.ts";

const ROOT = new URL("../..", import.meta.url).pathname;
const LARGE = Number(process.env.ACCOUNTS ?? 500);
const SMALL = 50;
const SERVICES = ["Интернет 300 Мбит/с", "Телефония безлимит", "Мобильный «Бизнес L»"];

const font = (p: string) =>
  readFile(`${ROOT}node_modules/@expo-google-fonts/pt-sans/${p}`).then(
    (b) => b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer,
  );

/** A month of charges as the ledger gives them: every account, every service, a few hundred roubles each. */
function charges(accounts: number): ChargeLine[] {
  const out: ChargeLine[] = [];
  for (let a = 0; a < accounts; a++)
    for (const [i, name] of SERVICES.entries())
      out.push({
        accountNo: String(201900000000 + a),
        region: a % 3 === 0 ? "spb" : "msk",
        serviceId: `svc-${a}-${i}`,
        name,
        kop: 30_000 + ((a * 7919 + i * 104_729) % 120_000),
      });
  return out;
}

async function run(accounts: number) {
  const fonts = { regular: await font("400Regular/PTSans_400Regular.ttf"), bold: await font("700Bold/PTSans_700Bold.ttf") };
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const lines = updLines(charges(accounts), vatPercentOn("2026-11"));
  const doc: ClosingDoc = {
    id: "bench",
    kind: "upd",
    number: "УПД-2026-000001",
    period: "2026-11",
    docDate: "2026-11-30",
    ...totalsOf(lines),
    parties: {
      seller: {
        name: "ПАО «Кабинет Телеком»",
        inn: "7703123457",
        kpp: "770301001",
        address: "123112, г. Москва, Пресненская наб., д. 12",
        edoId: "2KB-7703123457770301001",
      },
      buyer: {
        name: "ООО «Северный ветер»",
        inn: "7704123450",
        kpp: "770401001",
        address: "119034, Москва, ул. Остоженка, д. 10, офис 5",
        kind: "legal",
      },
      signer: { position: "Главный бухгалтер", lastName: "Соколова", firstName: "Ирина", middleName: "Викторовна" },
      contract: { number: "org-demo-veter", date: "2026-01-15" },
    },
    fileGuid: "0b6c3a3e-6a0e-4f59-9d1d-1c2f0e4a7b11",
    createdAt: new Date("2026-12-01T06:00:00Z"),
    lines,
  };
  const pdf = await closingPdf(fonts, doc);
  const xml = encodeWindows1251(updXml(doc));
  const cpu = process.cpuUsage(cpu0);
  return {
    lines: lines.length,
    ms: performance.now() - t0,
    cpuMs: (cpu.user + cpu.system) / 1000,
    pdfKb: pdf.byteLength / 1024,
    xmlKb: xml.byteLength / 1024,
    maxRssMb: process.resourceUsage().maxRSS / 1024,
  };
}

if (process.env.BENCH_CHILD) {
  const n = Number(process.env.BENCH_CHILD);
  if (n > 0) await run(SMALL); // warm-up: fonts parsed, code optimised
  console.log(
    JSON.stringify(
      n > 0 ? await run(n) : { lines: 0, ms: 0, cpuMs: 0, pdfKb: 0, xmlKb: 0, maxRssMb: process.resourceUsage().maxRSS / 1024 },
    ),
  );
  process.exit(0);
}

const { spawnSync } = await import("node:child_process");
type Result = { lines: number; ms: number; cpuMs: number; pdfKb: number; xmlKb: number; maxRssMb: number };
function child(n: number, heapMb = 128): Result | null {
  const r = spawnSync(process.execPath, [`--max-old-space-size=${heapMb}`, "--import", "tsx", new URL(import.meta.url).pathname], {
    env: { ...process.env, BENCH_CHILD: String(n) },
    encoding: "utf8",
  });
  if (r.status !== 0) return null;
  return JSON.parse(r.stdout.trim().split("\n").at(-1) ?? "{}") as Result;
}
const must = (r: Result | null, what: string): Result => {
  if (!r) throw new Error(`${what} did not complete with a 128 MB heap`);
  return r;
};
function smallestHeap(n: number): number | null {
  for (const mb of [16, 32, 48, 64, 96, 128]) if (child(n, mb)) return mb;
  return null;
}

const idle = must(child(0), "idle").maxRssMb;
const a = must(child(SMALL), `${SMALL} accounts`);
const b = must(child(LARGE), `${LARGE} accounts`);
const heap = smallestHeap(LARGE);
const shards = 2;
const d1 = 1 + 2 + shards * Math.ceil(LARGE / shards / 90) + 1 + 1;
console.log("Each run in its own Node process with the JavaScript heap capped; a warm-up month of 50 accounts first.");
console.log("RSS: peak resident memory above an idle process. Heap: the smallest --max-old-space-size it completes in.\n");
console.log("| accounts | lines | ms | CPU ms | RSS MB | heap MB | PDF KB | XML KB |\n| --- | --- | --- | --- | --- | --- | --- | --- |");
for (const [n, r, h] of [
  [SMALL, a, "—"],
  [LARGE, b, heap ?? "> 128"],
] as const)
  console.log(
    `| ${n} | ${r.lines} | ${r.ms.toFixed(0)} | ${r.cpuMs.toFixed(0)} | ${(r.maxRssMb - idle).toFixed(0)} | ${h} | ${r.pdfKb.toFixed(0)} | ${r.xmlKb.toFixed(0)} |`,
  );
console.log(
  `\n${LARGE} accounts: ×${(b.cpuMs / a.cpuMs).toFixed(1)} the CPU of ${SMALL} (×${LARGE / SMALL} lines); CPU ${((b.cpuMs / 30_000) * 100).toFixed(1)} % of a queue consumer's 30 s; heap ${heap ? ((heap / 128) * 100).toFixed(0) : "> 100"} % of 128 MB; about ${d1} D1 queries (of 1,000) for accounts on ${shards} shards.`,
);
