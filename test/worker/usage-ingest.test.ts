import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { strFromU8, unzipSync } from "fflate";
import { describe, expect, it } from "vitest";
import { demoPeriods } from "../../worker/db/seed/seed";
import { ingestBatch, ingestCalls, UsageBatch, type UsageBatchRecord } from "../../worker/features/usage/usage.ingest";
import { readMonth } from "../../worker/features/usage/usage.records";
import { decodeMonth, monthKey } from "../../worker/features/usage/usage.store";
import worker from "../../worker/index";
import { createDataAccess, d1Of, queriesUsed } from "../../worker/platform/db";
import { makeAccountNo } from "../../worker/platform/ids";
import { addDays, localDay } from "../../worker/platform/region";
import { runTick } from "./cron";
import { api, json, login } from "./helpers";

const ANNA_MOBILE = makeAccountNo("20100000002"); // msk (Moscow time), mobile service `${ANNA_MOBILE}-1`
const SERVICE = `${ANNA_MOBILE}-1`;
const ANNA_MSK = makeAccountNo("20100000001");

// Months before the demo usage starts but within the screen's six: empty until a test sends batches.
const { usageFrom } = demoPeriods();
/** The month `n` months before `month` (after it when n < 0). */
const monthBefore = (month: string, n: number) => {
  const [y, m] = month.split("-").map(Number) as [number, number];
  return new Date(Date.UTC(y, m - 1 - n, 1)).toISOString().slice(0, 7);
};
const EMPTY1 = monthBefore(usageFrom.slice(0, 7), 1);
const EMPTY2 = monthBefore(usageFrom.slice(0, 7), 2);
const EMPTY3 = monthBefore(usageFrom.slice(0, 7), 3);

type View = {
  items: { id: string; category: string; peer: string | null; costKop: number; startedAt: string; durationSec: number | null }[];
  totals: { category: string; count: number; durationSec: number; costKop: number }[];
  total: { records: number; costKop: number; callSec: number };
  nextCursor: string | null;
};

/** A call of `sec` seconds on day `d` of `month` at hh:mm Moscow time, costing `costKop`. */
function call(month: string, d: number, hhmm: string, sec: number, costKop: number, peer = "+7916***4567"): UsageBatchRecord {
  return {
    at: `${month}-${String(d).padStart(2, "0")}T${hhmm}:00+03:00`,
    category: "call_mobile",
    direction: "out",
    peer,
    quantity: sec,
    unit: "sec",
    costKop,
  };
}

const batch = (batchId: string, records: UsageBatchRecord[], accountNo = ANNA_MOBILE, serviceId = SERVICE) => ({
  kind: "usage_batch" as const,
  batchId,
  accountNo,
  serviceId,
  number: "+79000000002",
  records,
});

/** Delivers messages to the Worker's `usage` queue consumer; returns the ids it acked. */
async function deliver(...bodies: unknown[]) {
  const messages = bodies.map((body, i) => ({ id: `m${i}-${Math.random()}`, timestamp: new Date(), attempts: 1, body }));
  const b = createMessageBatch("kabinet-usage", messages);
  const ctx = createExecutionContext();
  await worker.queue(b, env, ctx);
  const result = await getQueueResult(b, ctx);
  return { acked: result.explicitAcks, retried: result.retryMessages.map((m) => m.msgId), ids: messages.map((m) => m.id) };
}

/** Every record of a month on the screen, page by page, and the totals. */
async function screen(cookie: string, month: string, limit = 50) {
  const from = `${month}-01`;
  const to = addDays(`${monthBefore(month, -1)}-01`, -1);
  const first = await json<View>(await api(cookie, `/accounts/${ANNA_MOBILE}/usage?from=${from}&to=${to}&limit=${limit}`));
  const items = [...first.items];
  let cursor = first.nextCursor;
  while (cursor) {
    const page = await json<View>(
      await api(cookie, `/accounts/${ANNA_MOBILE}/usage?from=${from}&to=${to}&limit=${limit}&cursor=${cursor}`),
    );
    items.push(...page.items);
    cursor = page.nextCursor;
  }
  return { items, totals: first.totals, total: first.total };
}

describe("usage ingest", () => {
  it("stores a redelivered or duplicated batch once: the same records and totals", async () => {
    const anna = await login("anna");
    const b = batch("dup-1", [call(EMPTY1, 3, "10:00", 61, 100), call(EMPTY1, 3, "11:00", 30, 50), call(EMPTY1, 4, "09:15", 600, 1000)]);
    const once = await deliver(b);
    expect(once.acked).toEqual(once.ids);
    const first = await screen(anna, EMPTY1);
    expect(first.items.map((i) => i.costKop)).toEqual([100, 50, 1000]);
    expect(first.total).toMatchObject({ records: 3, costKop: 1150, callSec: 691 });
    // The queue delivers it again, and the billing side sends it a second time in the same invocation.
    const again = await deliver(b, b);
    expect(again.acked).toEqual(again.ids);
    const second = await screen(anna, EMPTY1);
    expect(second).toEqual(first);
    // The tariff advisor and packages read the same totals: a second delivery adds no minutes (61 s + 30 s + 600 s = 2 + 1 + 10).
    const d1 = (await createDataAccess(env).shardForAccount(ANNA_MOBILE))?.db as unknown as { $client: D1Database };
    const row = await d1.$client
      .prepare("SELECT sum(count) n, sum(minutes) m FROM usage_daily_totals WHERE account_no = ? AND local_day LIKE ?")
      .bind(ANNA_MOBILE, `${EMPTY1}-%`)
      .first<{ n: number; m: number }>();
    expect(row).toEqual({ n: 3, m: 13 });
  });

  it("takes batches in any order: the screen lists records by time and the totals add all of them", async () => {
    const anna = await login("anna");
    // The later day arrives first; a batch crossing the month's end puts each record in its own month.
    const late = batch("order-2", [call(EMPTY2, 20, "08:00", 120, 200), call(EMPTY2, 28, "23:30", 60, 100)]);
    const early = batch("order-1", [call(EMPTY2, 2, "12:00", 90, 300), call(EMPTY2, 20, "07:59", 45, 0)]);
    const cross = batch("order-3", [call(EMPTY2, 1, "00:10", 10, 10), call(EMPTY1, 28, "12:00", 10, 7)]);
    expect((await deliver(late)).acked).toHaveLength(1);
    expect((await deliver(cross)).acked).toHaveLength(1);
    expect((await deliver(early)).acked).toHaveLength(1);
    const { items, total } = await screen(anna, EMPTY2, 2);
    const times = items.map((i) => i.startedAt);
    expect(times).toEqual([...times].sort());
    expect(items.map((i) => i.costKop)).toEqual([10, 300, 0, 200, 100]);
    expect(total).toMatchObject({ records: 5, costKop: 610 });
    // 00:10 Moscow time on the 1st is still the previous month in UTC: the region's calendar decides.
    expect(items[0]?.startedAt.slice(0, 7)).not.toBe(EMPTY2);
    expect((await screen(anna, EMPTY1)).items.some((i) => i.costKop === 7)).toBe(true);
  });

  it("loses nothing when batches of one account-month land at the same time", async () => {
    const anna = await login("anna");
    const deps = { data: createDataAccess(env), files: env.FILES };
    const batches = Array.from({ length: 8 }, (_, k) =>
      batch(
        `conc-${k}`,
        Array.from({ length: 25 }, (_, i) =>
          call(EMPTY3, 1 + ((k * 25 + i) % 27), `${String(8 + k).padStart(2, "0")}:${String(i * 2).padStart(2, "0")}`, 60, k + 1),
        ),
      ),
    );
    await Promise.all(batches.map((b) => ingestBatch(deps, b)));
    const obj = await env.FILES.get(monthKey(ANNA_MOBILE, EMPTY3));
    const stored = obj ? await decodeMonth(obj.body) : null;
    expect(stored?.batches.slice().sort()).toEqual(batches.map((b) => b.batchId).sort());
    expect(stored?.records).toHaveLength(200);
    const { items, total } = await screen(anna, EMPTY3, 100);
    expect(items).toHaveLength(200);
    expect(total).toMatchObject({ records: 200, costKop: 25 * (1 + 2 + 3 + 4 + 5 + 6 + 7 + 8), callSec: 200 * 60 });
  });

  it("takes a large batch as NDJSON in R2, and acks a malformed or foreign one without storing it", async () => {
    const anna = await login("anna");
    const month = EMPTY3;
    const lines = Array.from({ length: 3000 }, (_, i) =>
      JSON.stringify({ ...call(month, 15, "03:00", 1, 0), at: `${month}-15T03:${String(i % 60).padStart(2, "0")}:00+03:00`, id: `n${i}` }),
    );
    await env.FILES.put("usage-inbox/big-1.ndjson", lines.join("\n"));
    const { records: _, ...head } = batch("big-1", []);
    const res = await deliver(
      { ...head, ndjsonKey: "usage-inbox/big-1.ndjson" },
      { ...head, batchId: "bad-1", records: [{ ...call(month, 16, "10:00", 60, 100), category: "telegram" }] },
      // Anna's Moscow account with the mobile account's service: not its service.
      batch("foreign-1", [call(month, 16, "10:00", 60, 100)], ANNA_MSK, SERVICE),
    );
    expect(res.acked).toEqual(res.ids);
    expect(await env.FILES.head("usage-inbox/big-1.ndjson")).toBeNull();
    // An upload spanning four months would pass the calls counted for it: refused whole and acked; the upload stays
    // (call records the law keeps) for the billing side to mend and send again.
    const spread = [EMPTY3, EMPTY2, EMPTY1, monthBefore(EMPTY3, 1)].map((m, i) =>
      JSON.stringify({ ...call(m, 10, "10:00", 60, 7), id: `w${i}` }),
    );
    await env.FILES.put("usage-inbox/wide-1.ndjson", spread.join("\n"));
    const wide = await deliver({ ...head, batchId: "wide-1", ndjsonKey: "usage-inbox/wide-1.ndjson" });
    expect(wide.acked).toEqual(wide.ids);
    expect(await env.FILES.head("usage-inbox/wide-1.ndjson")).not.toBeNull();
    expect(await readMonth(env.FILES, ANNA_MOBILE, monthBefore(EMPTY3, 1))).toBeNull();
    const { total } = await screen(anna, month, 200);
    expect(total.records).toBe(200 + 3000);
    const msk = await json<View>(await api(anna, `/accounts/${ANNA_MSK}/usage?from=${month}-16&to=${month}-16`));
    expect(msk.total.records).toBe(0);
  });

  it("is the holder's alone: another subscriber gets 404 for the account, and never its records", async () => {
    const petr = await login("petr");
    const res = await api(petr, `/accounts/${ANNA_MOBILE}/usage?from=${EMPTY1}-01&to=${EMPTY1}-10`);
    expect(res.status).toBe(404);
    expect(res.headers.get("content-type")).toContain("application/problem+json");
    expect(await res.text()).not.toContain("+7916");
  });

  it("makes reports from the records in R2", async () => {
    const anna = await login("anna");
    const from = `${EMPTY1}-01`;
    const to = `${EMPTY1}-10`;
    const res = await api(anna, `/accounts/${ANNA_MOBILE}/usage/reports`, {
      method: "POST",
      body: JSON.stringify({ from, to, format: "xlsx" }),
    });
    expect(res.status).toBe(202);
    const id = (await json<{ id: string }>(res)).id;
    let r = { status: "queued", rowCount: 0, totalCostKop: 0, downloadUrl: "" };
    for (let i = 0; i < 200 && r.status !== "ready" && r.status !== "failed"; i++) {
      await new Promise((ok) => setTimeout(ok, 100));
      r = await json(await api(anna, `/accounts/${ANNA_MOBILE}/usage/reports/${id}`));
    }
    expect(r).toMatchObject({ status: "ready", rowCount: 3, totalCostKop: 1150 });
    const file = await api(anna, r.downloadUrl.replace("/api/v1", ""));
    const zip = unzipSync(new Uint8Array(await file.arrayBuffer()));
    const text =
      strFromU8(zip["xl/sharedStrings.xml"] ?? new Uint8Array()) + strFromU8(zip["xl/worksheets/sheet1.xml"] ?? new Uint8Array());
    expect(text).toContain("+7916***4567");
  });
});

describe("usage ingest within an invocation's calls", () => {
  it("writes a month's totals in two statements however many days it touches (D1 counts each statement of a batch)", async () => {
    // A month the screen keeps per day, whose other tests (above) are done with it.
    const month = EMPTY3;
    const sums = async () =>
      (await d1Of(createDataAccess(env).shard("DB_MOSCOW"))
        .prepare(
          "SELECT count(*) AS n, coalesce(sum(count), 0) AS calls, coalesce(sum(duration_sec), 0) AS sec, coalesce(sum(minutes), 0) AS min, coalesce(sum(cost_kop), 0) AS kop FROM usage_daily_totals WHERE account_no = ? AND local_day LIKE ? AND category = 'call_mobile' AND direction = 'out'",
        )
        .bind(ANNA_MOBILE, `${month}-%`)
        .first<{ n: number; calls: number; sec: number; min: number; kop: number }>()) ?? { n: 0, calls: 0, sec: 0, min: 0, kop: 0 };
    const before = await sums();
    const data = createDataAccess(env);
    // Calls on 28 days: 28 totals rows (9 a statement before: a delete and 4 inserts).
    const stored = await ingestBatch(
      { data, files: env.FILES },
      batch(
        "statements-28",
        Array.from({ length: 28 }, (_, d) => call(month, d + 1, "12:00", 60, 100)),
      ),
    );
    expect(stored).toEqual({ records: 28, months: 1, duplicate: false });
    // The directory, the account with its services (a batch of two), the totals' delete and insert.
    expect(queriesUsed(data.stats)).toBeLessThanOrEqual(5);
    // The days' rows hold the calls' figures, in their columns: a call of a minute, 1 ₽, each day.
    const after = await sums();
    expect(after.n).toBeGreaterThanOrEqual(28);
    expect({
      calls: after.calls - before.calls,
      sec: after.sec - before.sec,
      min: after.min - before.min,
      kop: after.kop - before.kop,
    }).toEqual({
      calls: 28,
      sec: 28 * 60,
      min: 28,
      kop: 28 * 100,
    });
  });

  it("works the head of a full batch that would pass 1,000 calls and hands the rest on, each stored once", async () => {
    // Months no other test of this file reads: 20 to 22 months before this one, each batch spanning all three.
    const months = [20, 21, 22].map((n) => monthBefore(localDay("Europe/Moscow").slice(0, 7), n));
    const bodies = Array.from({ length: 100 }, (_, i) =>
      batch(
        `budget-${i}`,
        months.map((m, k) => call(m, 10 + k, `1${k}:${String(i % 60).padStart(2, "0")}`, 60, 100, `+7900000${String(i).padStart(4, "0")}`)),
      ),
    );
    expect(ingestCalls(UsageBatch.parse(bodies[0]))).toBe(3 + 3 * 5);
    const handedOn: unknown[] = [];
    const usageQueue = { sendBatch: async (ms: { body: unknown }[]) => void handedOn.push(...ms.map((m) => m.body)) } as unknown as Queue;
    const deliverVia = async (list: unknown[]) => {
      const messages = list.map((body, i) => ({ id: `b${i}-${Math.random()}`, timestamp: new Date(), attempts: 1, body }));
      const b = createMessageBatch("kabinet-usage", messages);
      const ctx = createExecutionContext();
      await worker.queue(b, { ...env, USAGE: usageQueue } as Env, ctx);
      return (await getQueueResult(b, ctx)).explicitAcks.length;
    };
    expect(await deliverVia(bodies)).toBe(100);
    // 18 calls a batch against 840: 46 worked, 54 handed on (acked here, sent again).
    const fit = Math.floor(840 / ingestCalls(UsageBatch.parse(bodies[0])));
    expect(fit).toBe(46);
    expect(handedOn).toHaveLength(100 - fit);
    expect(handedOn).toEqual(bodies.slice(fit));
    expect(await deliverVia(handedOn.splice(0))).toBe(100 - fit);
    // Of those 54, 46 worked again and 8 handed on once more.
    expect(handedOn).toEqual(bodies.slice(2 * fit));
    expect(await deliverVia(handedOn.splice(0))).toBe(100 - 2 * fit);
    expect(handedOn).toEqual([]);
    for (const m of months) {
      const obj = await readMonth(env.FILES, ANNA_MOBILE, m);
      expect(obj?.batches.filter((id) => id.startsWith("budget-")).sort()).toEqual(bodies.map((b) => b.batchId).sort());
      expect(obj?.records.filter((r) => r.id.startsWith("budget-"))).toHaveLength(100);
    }
  });
});

describe("usage retention (126-ФЗ: three years)", () => {
  it("deletes months older than 36 months from R2 and D1 on the 15-minute cron, and keeps the rest", async () => {
    const now = new Date();
    const thisMonth = localDay("Europe/Moscow", now).slice(0, 7);
    const monthsAgo = (n: number) => monthBefore(thisMonth, n);
    const old = monthsAgo(37);
    const kept = monthsAgo(36);
    const deps = { data: createDataAccess(env), files: env.FILES };
    await ingestBatch(deps, batch("ret-old", [call(old, 10, "10:00", 60, 100)]));
    await ingestBatch(deps, batch("ret-kept", [call(kept, 1, "10:00", 60, 100)]));
    expect(await env.FILES.head(monthKey(ANNA_MOBILE, old))).not.toBeNull();
    await runTick("*/15 * * * *", now.getTime());
    expect(await env.FILES.head(monthKey(ANNA_MOBILE, old))).toBeNull();
    expect(await env.FILES.head(monthKey(ANNA_MOBILE, kept))).not.toBeNull();
    const d1 = (await createDataAccess(env).shardForAccount(ANNA_MOBILE))?.db as unknown as { $client: D1Database };
    const days = await d1.$client
      .prepare(
        "SELECT substr(local_day, 1, 7) m, sum(count) n FROM usage_daily_totals WHERE account_no = ? AND local_day < ? GROUP BY 1 ORDER BY 1",
      )
      .bind(ANNA_MOBILE, `${monthsAgo(35)}-01`)
      .all<{ m: string; n: number }>();
    expect(days.results).toEqual([{ m: kept, n: 1 }]);
    // The demo's recent usage is untouched.
    expect(await env.FILES.head(monthKey(ANNA_MOBILE, usageFrom.slice(0, 7)))).not.toBeNull();
  });
});

describe("usage days past the screen's months, folded into months", () => {
  const now = new Date();
  const thisMonth = localDay("Europe/Moscow", now).slice(0, 7);
  const monthsAgo = (n: number) => monthBefore(thisMonth, n);
  const shardDb = async () => {
    const found = await createDataAccess(env).shardForAccount(ANNA_MOBILE);
    if (!found) throw new Error("anna's mobile account has no shard");
    return d1Of(found.db);
  };
  type Row = { day: string; category: string; direction: string; count: number; sec: number; minutes: number; kop: number };
  const rows = async (month: string) =>
    (
      await (
        await shardDb()
      )
        .prepare(
          `SELECT local_day AS day, category, direction, count, duration_sec AS sec, minutes, cost_kop AS kop FROM usage_daily_totals
           WHERE account_no = ? AND local_day BETWEEN ? AND ? ORDER BY local_day, category, direction`,
        )
        .bind(ANNA_MOBILE, month, `${month}-31`)
        .all<Row>()
    ).results;
  /** Day rows as an older release's ingest (or the demo) left them. */
  const dayRow = (day: string, category: string, direction: string, count: number, sec: number, kop: number) =>
    `INSERT INTO usage_daily_totals (account_no, local_day, service_id, category, direction, count, duration_sec, minutes, volume_kb, cost_kop)
     VALUES ('${ANNA_MOBILE}', '${day}', '${SERVICE}', '${category}', '${direction}', ${count}, ${sec}, ${Math.ceil(sec / 60) * count}, 0, ${kop})`;

  it("folds the day rows of a month older than the screen's into one row per category and direction on the 15-minute cron, sums kept, once", async () => {
    const old = monthsAgo(9);
    const older = monthsAgo(20);
    const shown = monthsAgo(6); // the screen's oldest month: its days stay
    const margin = monthsAgo(7); // and the month before it, until the next month comes
    const db = await shardDb();
    const clear = (month: string) =>
      `DELETE FROM usage_daily_totals WHERE account_no = '${ANNA_MOBILE}' AND local_day BETWEEN '${month}' AND '${month}-31'`;
    await db.batch(
      [
        clear(old),
        clear(older),
        dayRow(`${old}-03`, "call_mobile", "out", 2, 120, 300),
        dayRow(`${old}-04`, "call_mobile", "out", 1, 60, 150),
        dayRow(`${old}-04`, "call_mobile", "in", 3, 90, 0),
        dayRow(`${old}-28`, "sms", "out", 5, 0, 250),
        dayRow(`${older}-15`, "sms", "out", 1, 0, 50),
        dayRow(`${shown}-02`, "sms", "out", 4, 0, 200).replace("INSERT INTO", "INSERT OR IGNORE INTO"),
        dayRow(`${margin}-02`, "sms", "out", 4, 0, 200).replace("INSERT INTO", "INSERT OR IGNORE INTO"),
      ].map((s) => db.prepare(s)),
    );
    await runTick("*/15 * * * *", now.getTime());
    expect(await rows(old)).toEqual([
      { day: old, category: "call_mobile", direction: "in", count: 3, sec: 90, minutes: 6, kop: 0 },
      { day: old, category: "call_mobile", direction: "out", count: 3, sec: 180, minutes: 5, kop: 450 },
      { day: old, category: "sms", direction: "out", count: 5, sec: 0, minutes: 0, kop: 250 },
    ]);
    expect(await rows(older)).toEqual([{ day: older, category: "sms", direction: "out", count: 1, sec: 0, minutes: 0, kop: 50 }]);
    // The screen's oldest month keeps its days (the demo's among them, if it reaches that far).
    const kept = await rows(shown);
    expect(kept.map((r) => r.day)).toContain(`${shown}-02`);
    expect(kept.every((r) => r.day.length === 10)).toBe(true);
    const notYet = await rows(margin);
    expect(notYet.map((r) => r.day)).toContain(`${margin}-02`);
    expect(notYet.every((r) => r.day.length === 10)).toBe(true);
    // Again: nothing changes; a day row beside the month rows (a batch that reckoned the month a moment before it
    // turned, already in them) goes without being added twice.
    await db.prepare(dayRow(`${old}-28`, "sms", "out", 5, 0, 250)).run();
    await runTick("*/15 * * * *", now.getTime() + 15 * 60_000);
    expect((await rows(old)).map((r) => [r.category, r.direction, r.count, r.kop])).toEqual([
      ["call_mobile", "in", 3, 0],
      ["call_mobile", "out", 3, 450],
      ["sms", "out", 5, 250],
    ]);
  });

  it("keeps a late batch of an old month as month rows from its whole object: redelivered once, any order, the R2 object whole", async () => {
    const old = monthsAgo(8);
    const deps = { data: createDataAccess(env), files: env.FILES };
    await ingestBatch(deps, batch("late-a", [call(old, 5, "10:00", 61, 100), call(old, 6, "11:00", 30, 50)]));
    await ingestBatch(deps, batch("late-b", [call(old, 20, "09:00", 600, 1000)]));
    await ingestBatch(deps, batch("late-a", [call(old, 5, "10:00", 61, 100), call(old, 6, "11:00", 30, 50)]));
    expect(await rows(old)).toEqual([{ day: old, category: "call_mobile", direction: "out", count: 3, sec: 691, minutes: 13, kop: 1150 }]);
    const object = await readMonth(env.FILES, ANNA_MOBILE, old);
    expect(object?.records.map((r) => r.costKop).sort((a, b) => a - b)).toEqual([50, 100, 1000]);
    // The screen still refuses a month that old (its detail is in the object, for the three years of 126-ФЗ).
    const anna = await login("anna");
    const res = await api(anna, `/accounts/${ANNA_MOBILE}/usage?from=${old}-01&to=${old}-28`);
    expect(res.status).toBe(400);
  });
});
