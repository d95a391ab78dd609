import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { strFromU8, unzipSync } from "fflate";
import { PDFDocument } from "pdf-lib";
import { describe, expect, it } from "vitest";
import { demoPeriods } from "../../worker/db/seed/seed";
import { toBatchRecords, usageFor } from "../../worker/db/seed/usage.seed";
import { makeReport } from "../../worker/features/usage/usage.consumer";
import { ingestBatch } from "../../worker/features/usage/usage.ingest";
import { monthsBetween } from "../../worker/features/usage/usage.records";
import { expireReports } from "../../worker/features/usage/usage.service";
import { decodeMonth, monthKey, type StoredRecord } from "../../worker/features/usage/usage.store";
import worker, { reportDeps } from "../../worker/index";
import { createDataAccess, SHARDS } from "../../worker/platform/db";
import { makeAccountNo } from "../../worker/platform/ids";
import { daysInMonth } from "../../worker/platform/money";
import { addDays } from "../../worker/platform/region";
import { api, call, json, login, shardRows } from "./helpers";

const { usageFrom, usageTo } = demoPeriods();
// The last whole month of the demo usage (the month before yesterday's), and its last day.
const MONTH = addDays(`${usageTo.slice(0, 8)}01`, -1).slice(0, 7);
const M = (d: number) => `${MONTH}-${String(d).padStart(2, "0")}`;
const M_END = M(daysInMonth(M(1)));
/** "01.10.2026" for a day of MONTH. */
const ruDate = (day: string) => day.split("-").reverse().join(".");

const ANNA_MOBILE = makeAccountNo("20100000002");
const ANNA_MSK = makeAccountNo("20100000001");
const ANNA_NSK = makeAccountNo("60700000003");
const MARIA_SPB = makeAccountNo("30200000004");

type View = {
  items: { id: string; category: string; costKop: number; local: string; durationSec: number | null; peer: string | null }[];
  totals: { category: string; count: number; durationSec: number; volumeKb: number; costKop: number }[];
  nextCursor: string | null;
  services: { id: string; categories: string[] }[];
  categories: string[];
};
type Report = {
  id: string;
  status: string;
  progress: number;
  rowCount: number | null;
  totalCostKop: number | null;
  downloadUrl: string | null;
};

const shardDb = async (no: string) => {
  const s = await createDataAccess(env).shardForAccount(no);
  if (!s) throw new Error(`no shard for ${no}`);
  return (s.db as unknown as { $client: D1Database }).$client;
};

/** The records as stored in R2 (the month objects read directly, not through the API), of days [from, to]. */
async function stored(no: string, from: string, to: string): Promise<StoredRecord[]> {
  const out: StoredRecord[] = [];
  for (const m of monthsBetween(from, to)) {
    const obj = await env.FILES.get(monthKey(no, m));
    if (obj) out.push(...(await decodeMonth(obj.body)).records.filter((r) => r.localDay >= from && r.localDay <= to));
  }
  return out;
}

async function waitReady(cookie: string, no: string, id: string, timeoutMs = 30_000): Promise<Report> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await json<Report>(await api(cookie, `/accounts/${no}/usage/reports/${id}`));
    if (r.status === "ready" || r.status === "failed") return r;
    if (Date.now() > deadline) throw new Error(`report ${id} still ${r.status}`);
    await new Promise((res) => setTimeout(res, 100));
  }
}

const order = (cookie: string, no: string, body: Record<string, unknown>) =>
  api(cookie, `/accounts/${no}/usage/reports`, { method: "POST", body: JSON.stringify(body) });

describe("usage detail on screen", () => {
  it("shows a period's records in time order, page by page, with totals equal to the stored records'", async () => {
    const anna = await login("anna");
    const records = await stored(ANNA_MOBILE, M(1), M_END);
    const byCategory = new Map<string, { category: string; n: number; cost: number; dur: number }>();
    for (const r of records) {
      const e = byCategory.get(r.category) ?? { category: r.category, n: 0, cost: 0, dur: 0 };
      e.n++;
      e.cost += r.costKop;
      e.dur += r.durationSec ?? 0;
      byCategory.set(r.category, e);
    }
    const expected = { results: [...byCategory.values()] };
    expect(expected.results.length).toBeGreaterThan(3);
    const first = await json<View>(await api(anna, `/accounts/${ANNA_MOBILE}/usage?from=${M(1)}&to=${M_END}&limit=200`));
    for (const e of expected.results) {
      const t = first.totals.find((x) => x.category === e.category);
      expect(t).toMatchObject({ count: e.n, costKop: e.cost, durationSec: e.dur ?? 0 });
    }
    // Every page after the first, by cursor: all records once, in order.
    const seen = [...first.items];
    let cursor = first.nextCursor;
    while (cursor) {
      const page = await json<View>(await api(anna, `/accounts/${ANNA_MOBILE}/usage?from=${M(1)}&to=${M_END}&limit=200&cursor=${cursor}`));
      seen.push(...page.items);
      cursor = page.nextCursor;
    }
    const total = expected.results.reduce((t, e) => t + e.n, 0);
    expect(seen).toHaveLength(total);
    expect(new Set(seen.map((s) => s.id)).size).toBe(total);
    const key = (l: string) => l.replace(/(\d\d)\.(\d\d)\.(\d{4}) (.*)/, "$3$2$1 $4");
    expect(seen.map((s) => key(s.local))).toEqual(seen.map((s) => key(s.local)).sort());
    expect(seen[0]?.local.startsWith(ruDate(M(1)))).toBe(true);
    expect(seen.at(-1)?.local.startsWith(ruDate(M_END))).toBe(true);
  });

  it("adds up «Всего» per unit: call time of calls only, data volume, SMS in pieces, equal to the stored records'", async () => {
    const anna = await login("anna");
    const range = [
      ["2026-10-01", "2026-10-31", ""],
      ["2026-11-01", "2026-11-10", "&categories=call_in,call_mobile,sms,internet"],
    ] as const;
    for (const [from, to, categories] of range) {
      const only = categories ? categories.slice(12).split(",") : null;
      const rows = (await stored(ANNA_MOBILE, from, to)).filter((r) => !only || only.includes(r.category));
      const add = (f: (r: StoredRecord) => number) => rows.reduce((t, r) => t + f(r), 0);
      const sql = {
        records: rows.length,
        callSec: add((r) => (r.category.startsWith("call_") ? (r.durationSec ?? 0) : 0)),
        sessionSec: add((r) => (r.category === "internet" ? (r.durationSec ?? 0) : 0)),
        dataKb: add((r) => (r.category === "internet" ? (r.volumeKb ?? 0) : 0)),
        smsCount: add((r) => (r.category === "sms" ? 1 : 0)),
        costKop: add((r) => r.costKop),
      };
      // Internet sessions have a duration too: it is not call time.
      expect(sql?.sessionSec).toBeGreaterThan(0);
      expect(sql?.callSec).toBeGreaterThan(0);
      expect(sql?.smsCount).toBeGreaterThan(0);
      const view = await json<View & { total: unknown }>(
        await api(anna, `/accounts/${ANNA_MOBILE}/usage?from=${from}&to=${to}${categories}&limit=10`),
      );
      expect(view.total).toEqual({
        records: sql?.records,
        callSec: sql?.callSec,
        dataKb: sql?.dataKb,
        smsCount: sql?.smsCount,
        costKop: sql?.costKop,
      });
    }
  });

  it("filters by category the way the seed lists them (incoming, outgoing local, SMS, …)", async () => {
    const anna = await login("anna");
    const view = await json<View>(
      await api(anna, `/accounts/${ANNA_MOBILE}/usage?from=${M(1)}&to=${M(10)}&categories=call_in,sms&limit=200`),
    );
    expect(view.items.length).toBeGreaterThan(0);
    expect(new Set(view.items.map((i) => i.category))).toEqual(new Set(["call_in", "sms"]));
    expect(view.totals.map((t) => t.category).sort()).toEqual(["call_in", "sms"]);
    // A service of the account narrows it, and offers only the categories its kind has.
    const home = await json<View>(await api(anna, `/accounts/${ANNA_MSK}/usage?from=${M(1)}&to=${M_END}`));
    const landline = home.services.find((s) => s.categories.includes("call_local"));
    const bundle = home.services.find((s) => !s.categories.includes("call_local"));
    expect(landline && bundle).toBeTruthy();
    const onlyLandline = await json<View>(
      await api(anna, `/accounts/${ANNA_MSK}/usage?from=${M(1)}&to=${M_END}&service=${landline?.id}&limit=200`),
    );
    expect(onlyLandline.categories).toEqual(landline?.categories);
    expect(onlyLandline.items.every((i) => i.category.startsWith("call_") || i.category === "option")).toBe(true);
  });

  it("refuses impossible periods with field errors in the user's language", async () => {
    const anna = await login("anna");
    const bad = async (qs: string, field: string, lang = "ru") => {
      const res = await api(anna, `/accounts/${ANNA_MOBILE}/usage?${qs}&lang=${lang}`);
      expect(res.status).toBe(400);
      expect(res.headers.get("content-type")).toContain("application/problem+json");
      const p = await json<{ title: string; errors: { field: string; message: string }[] }>(res);
      expect(p.errors.map((e) => e.field)).toContain(field);
      return p;
    };
    expect((await bad(`from=${M(10)}&to=${M(1)}`, "from")).errors[0]?.message).toBe("Начало периода позже его конца");
    await bad(`from=${M(1)}&to=2099-01-01`, "to");
    expect((await bad("from=2025-01-01&to=2025-01-31", "from", "en")).errors[0]?.message).toBe("Detail is kept for the last 6 months");
    // More than 93 days, all within the last six months.
    await bad(`from=${addDays(M_END, -93)}&to=${M_END}`, "to");
    await bad("from=2026-02-30&to=2026-03-01", "from");
    await bad(`from=${M(1)}&to=${M(2)}&service=nope`, "serviceId");
    const res = await api(anna, `/accounts/${ANNA_MOBILE}/usage?categories=calls`);
    expect(res.status).toBe(400);
  });

  it("is the contract holder's alone: a relative who pays gets 403, a stranger 404, nobody logged in 401", async () => {
    const anna = await login("anna");
    const petr = await login("petr");
    // Maria shares her account with anna as "can pay": detail stays Maria's.
    const relative = await api(anna, `/accounts/${MARIA_SPB}/usage`);
    expect(relative.status).toBe(403);
    expect((await json<{ title: string }>(relative)).title).toBe("Детализацию получает владелец договора");
    expect((await api(petr, `/accounts/${ANNA_MOBILE}/usage`)).status).toBe(404);
    expect((await api(petr, `/accounts/000000000000/usage`)).status).toBe(404);
    expect((await call("msk", `/api/v1/accounts/${ANNA_MOBILE}/usage`)).status).toBe(401);
    expect((await order(petr, ANNA_MOBILE, { from: M(1), to: M(10), format: "pdf" })).status).toBe(404);
    expect((await order(anna, MARIA_SPB, { from: M(1), to: M(10), format: "pdf" })).status).toBe(403);
  });
});

describe("usage detail reports", () => {
  it("makes a PDF in the reports queue, with progress, and lets only its orderer download it", async () => {
    const anna = await login("anna");
    const res = await order(anna, ANNA_MOBILE, { from: M(1), to: M_END, format: "pdf" });
    expect(res.status).toBe(202);
    const queued = await json<Report>(res);
    expect(queued.status).toBe("queued");
    const ready = await waitReady(anna, ANNA_MOBILE, queued.id);
    expect(ready).toMatchObject({ status: "ready", progress: 100 });
    const records = await stored(ANNA_MOBILE, M(1), M_END);
    const sums = { n: records.length, cost: records.reduce((t, r) => t + r.costKop, 0) };
    expect(ready.rowCount).toBe(sums?.n);
    expect(ready.totalCostKop).toBe(sums?.cost);
    const file = await api(anna, ready.downloadUrl?.replace("/api/v1", "") ?? "");
    expect(file.status).toBe(200);
    expect(file.headers.get("content-type")).toBe("application/pdf");
    expect(file.headers.get("content-disposition")).toMatch(new RegExp(`^attachment; filename="usage-\\d{12}-${M(1)}-${M_END}\\.pdf"`));
    const bytes = new Uint8Array(await file.arrayBuffer());
    const pdf = await PDFDocument.load(bytes);
    // About 68 rows a page, the header on the first, the totals at the end.
    expect(pdf.getPageCount()).toBeGreaterThanOrEqual(Math.ceil((sums?.n ?? 0) / 70));
    expect(pdf.getTitle()).toContain(ANNA_MOBILE);
    // Someone else, with the same id: the same 404 as a report that does not exist.
    const petr = await login("petr");
    expect((await api(petr, `/accounts/${ANNA_MOBILE}/usage/reports/${ready.id}/file`)).status).toBe(404);
    expect((await api(petr, `/accounts/${ANNA_MOBILE}/usage/reports/${ready.id}`)).status).toBe(404);
    expect((await call("msk", `/api/v1/accounts/${ANNA_MOBILE}/usage/reports/${ready.id}/file`)).status).toBe(401);
    expect((await api(anna, `/accounts/${ANNA_MSK}/usage/reports/${ready.id}/file`)).status).toBe(404);
    // In the list, and the subscriber was told (in the inbox, by its title).
    const list = await json<{ items: Report[] }>(await api(anna, `/accounts/${ANNA_MOBILE}/usage/reports`));
    expect(list.items.map((r) => r.id)).toContain(ready.id);
    const deadline = Date.now() + 10_000;
    let inbox: { title: string; url: string }[] = [];
    while (Date.now() < deadline) {
      inbox = (await json<{ items: { title: string; url: string }[] }>(await api(anna, "/notifications"))).items;
      if (inbox.some((m) => m.url.includes(ready.id))) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(inbox.find((m) => m.url.includes(ready.id))?.title).toBe(`Детализация по счёту …${ANNA_MOBILE.slice(-4)} готова`);
  });

  it("makes an XLSX with typed columns, a frozen header and totals", async () => {
    const anna = await login("anna");
    const queued = await json<Report>(
      await order(anna, ANNA_MOBILE, {
        from: M(1),
        to: M(15),
        format: "xlsx",
        categories: ["call_in", "call_mobile", "internet"],
      }),
    );
    const ready = await waitReady(anna, ANNA_MOBILE, queued.id);
    expect(ready.status).toBe("ready");
    const file = await api(anna, ready.downloadUrl?.replace("/api/v1", "") ?? "");
    expect(file.headers.get("content-type")).toBe("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
    const zip = unzipSync(new Uint8Array(await file.arrayBuffer()));
    const sheet = strFromU8(zip["xl/worksheets/sheet1.xml"] ?? new Uint8Array());
    expect(sheet).toMatch(/<pane [^>]*ySplit="1"[^>]*state="frozen"/);
    // Header + records + blank + totals.
    expect(sheet.match(/<row /g)?.length).toBe((ready.rowCount ?? 0) + 3);
    const styles = strFromU8(zip["xl/styles.xml"] ?? new Uint8Array());
    expect(styles).toContain("dd.mm.yyyy hh:mm:ss");
    expect(styles).toContain("[h]:mm:ss");
    // The totals row: the time of calls only (sessions have a duration too), the volume of data.
    const chosen = (await stored(ANNA_MOBILE, "2026-11-01", "2026-11-15")).filter((r) =>
      ["call_in", "call_mobile", "internet"].includes(r.category),
    );
    const sums = {
      callSec: chosen.reduce((t, r) => t + (r.category.startsWith("call_") ? (r.durationSec ?? 0) : 0), 0),
      dataKb: chosen.reduce((t, r) => t + (r.category === "internet" ? (r.volumeKb ?? 0) : 0), 0),
    };
    const lastRow = sheet.match(/<row [^>]*>.*?<\/row>/gs)?.at(-1) ?? "";
    const cell = (col: string) => Number(new RegExp(`<c r="${col}\\d+"[^>]*>(?:<f>.*?</f>)?<v>([^<]*)</v>`).exec(lastRow)?.[1]);
    expect(Math.round(cell("D") * 86_400)).toBe(sums?.callSec);
    expect(cell("E")).toBe(Math.round(((sums?.dataKb ?? 0) / 1024) * 100) / 100);
  });

  it("emails a signed link that opens the file without a session, and refuses a forged or expired one", async () => {
    const anna = await login("anna");
    const since = Date.now();
    const queued = await json<Report>(
      await order(anna, ANNA_MOBILE, {
        from: M(1),
        to: M(5),
        format: "pdf",
        delivery: "email",
        email: "accountant@example.com",
      }),
    );
    await waitReady(anna, ANNA_MOBILE, queued.id);
    const deadline = Date.now() + 10_000;
    let body = "";
    while (Date.now() < deadline && !body) {
      const row = await env.DB.prepare("SELECT body FROM outbox WHERE recipient = ? AND created_at >= ? ORDER BY created_at DESC LIMIT 1")
        .bind("accountant@example.com", since)
        .first<{ body: string }>();
      body = row?.body ?? "";
      if (!body) await new Promise((r) => setTimeout(r, 100));
    }
    const link = /https?:\/\/\S+\/files\/reports\/\S+/.exec(body)?.[0];
    expect(link).toBeTruthy();
    const path = new URL(link ?? "").pathname;
    const file = await call("msk", path);
    expect(file.status).toBe(200);
    expect(new TextDecoder().decode((await file.arrayBuffer()).slice(0, 5))).toBe("%PDF-");
    const [no, id, exp, sig] = path.slice("/files/reports/".length).split(".");
    expect((await call("msk", `/files/reports/${no}.${id}.${Number(exp) + 1}.${sig}`)).status).toBe(404);
    expect((await call("msk", `/files/reports/${no}.${id}.${exp}.${sig?.slice(0, -2)}xx`)).status).toBe(404);
    expect((await call("msk", `/files/reports/${ANNA_MSK}.${id}.${exp}.${sig}`)).status).toBe(404);
    // Not a second email to the subscriber's own address for the same report.
    const own = await env.DB.prepare("SELECT count(*) n FROM outbox WHERE recipient = ? AND created_at >= ? AND body LIKE ?")
      .bind("anna.ivanova@example.com", since, `%${queued.id}%`)
      .first<{ n: number }>();
    expect(own?.n).toBe(0);
  });

  it("makes each report once however often its message is delivered", async () => {
    const anna = await login("anna");
    const queued = await json<Report>(await order(anna, ANNA_MOBILE, { from: usageFrom, to: addDays(usageFrom, 2), format: "xlsx" }));
    await waitReady(anna, ANNA_MOBILE, queued.id);
    const body = { kind: "usage_report", reportId: queued.id, accountNo: ANNA_MOBILE, shard: "DB_MOSCOW" };
    // What the deliveries below put on the notifications queue (a second «готова» would be a duplicate in the inbox).
    const notified: unknown[] = [];
    const watched = {
      ...env,
      NOTIFICATIONS: {
        send: async (m: unknown) => void notified.push(m),
        sendBatch: async (ms: Iterable<MessageSendRequest>) => void notified.push(...[...ms].map((m) => m.body)),
      } as unknown as Queue,
    } as Env;
    const batch = createMessageBatch("kabinet-reports", [{ id: "again", timestamp: new Date(), attempts: 1, body }]);
    const ctx = createExecutionContext();
    await worker.queue(batch, watched, ctx);
    expect((await getQueueResult(batch, ctx)).explicitAcks).toEqual(["again"]);
    expect(await makeReport(reportDeps(watched), body as never)).toBe("skipped");
    expect(notified).toEqual([]);
    const inboxed = async () => (await shardRows("SELECT 1 FROM inbox WHERE event_id = ?", `report:${queued.id}`)).length;
    await expect.poll(inboxed, { timeout: 10_000 }).toBe(1);
  });

  it("removes expired files and says so (410), not 500", async () => {
    const anna = await login("anna");
    const queued = await json<Report>(
      await order(anna, ANNA_MOBILE, { from: addDays(usageFrom, 3), to: addDays(usageFrom, 4), format: "pdf" }),
    );
    const ready = await waitReady(anna, ANNA_MOBILE, queued.id);
    const removed = await expireReports(createDataAccess(env), env.FILES, SHARDS, new Date(Date.now() + 8 * 24 * 3600_000));
    expect(removed).toBeGreaterThanOrEqual(1);
    const res = await api(anna, ready.downloadUrl?.replace("/api/v1", "") ?? `/accounts/${ANNA_MOBILE}/usage/reports/${ready.id}/file`);
    expect(res.status).toBe(410);
    expect((await json<{ title: string }>(res)).title).toBe("Срок хранения отчёта истёк");
    expect(await env.FILES.head(`reports/${ANNA_MOBILE}/${ready.id}.pdf`)).toBeNull();
  });

  it("limits how many reports one subscriber orders an hour", async () => {
    const olga = await login("olga");
    const no = makeAccountNo("90700000009");
    const codes: number[] = [];
    for (let i = 0; i < 11; i++) codes.push((await order(olga, no, { from: M(1), to: M(1), format: "xlsx" })).status);
    expect(codes.slice(0, 10).every((c) => c === 202)).toBe(true);
    expect(codes[10]).toBe(429);
  });
});

describe("a heavy user's month", () => {
  it("fits 50,000 records into a PDF and an XLSX", { timeout: 120_000 }, async () => {
    // Anna's Novosibirsk account gets a heavy mobile line: about 50,000 records in a month.
    const db = await shardDb(ANNA_NSK);
    const service = { id: `${ANNA_NSK}-heavy`, kind: "mobile" as const, code: "mob-l" };
    await db
      .prepare("INSERT INTO account_services (id, account_no, tariff_id, status, started_at) VALUES (?, ?, 'nsk-mob-l', 'active', 0)")
      .bind(service.id, ANNA_NSK)
      .run();
    const rows = usageFor(ANNA_NSK, "nsk", service, M(1), M_END, 160);
    expect(rows.length).toBeGreaterThanOrEqual(50_000);
    // Through the ingest, as the billing side sends it: batches of 2,000 records on the usage queue.
    const records = toBatchRecords(rows);
    for (let i = 0; i < records.length; i += 2000)
      await ingestBatch(
        { data: createDataAccess(env), files: env.FILES },
        { kind: "usage_batch", batchId: `heavy-${i}`, accountNo: ANNA_NSK, serviceId: service.id, records: records.slice(i, i + 2000) },
      );
    const anna = await login("anna");
    for (const format of ["pdf", "xlsx"]) {
      const queued = await json<Report>(await order(anna, ANNA_NSK, { from: M(1), to: M_END, format, serviceId: service.id }));
      const ready = await waitReady(anna, ANNA_NSK, queued.id, 100_000);
      expect(ready).toMatchObject({ status: "ready", rowCount: rows.length, totalCostKop: rows.reduce((t, r) => t + r.cost_kop, 0) });
    }
  });
});

// The demo's usage period is what the seed says (a guard for the e2e tests and the README).
it("demo usage covers the seed's period", async () => {
  const days = (await stored(ANNA_MOBILE, usageFrom, usageTo)).map((r) => r.localDay).sort();
  expect({ a: days[0], b: days.at(-1) }).toEqual({ a: usageFrom, b: usageTo });
  // And the daily totals in the shard cover the same days.
  const db = await shardDb(ANNA_MOBILE);
  const r = await db
    .prepare("SELECT min(local_day) a, max(local_day) b FROM usage_daily_totals WHERE account_no = ?")
    .bind(ANNA_MOBILE)
    .first<{ a: string; b: string }>();
  expect(r).toEqual({ a: usageFrom, b: usageTo });
});
