import { env } from "cloudflare:workers";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { accountServices, accounts, tariffs } from "../../worker/db/schema/region";
import {
  ARCHIVE_AFTER_MONTHS,
  type ArchiveOptions,
  archivableYear,
  archiveKey,
  archiveMoney,
  historyWithArchive,
  paymentYear,
  readYear,
} from "../../worker/features/billing/archive.service";
import { appendEntry, balanceOf, type HistoryFilter, selectReconciliation } from "../../worker/features/billing/ledger.service";
import { closeMonthPart } from "../../worker/features/billing/period-close.service";
import { selectShardBalances } from "../../worker/features/business/business.queries";
import { checkPeriod } from "../../worker/features/business/reconciliation.service";
import { createDataAccess, shardOfRegion } from "../../worker/platform/db";
import { makeAccountNo, newId } from "../../worker/platform/ids";
import { api, dropLink, forgetLinksOf, holdersFromLinks, json, login } from "./helpers";
import { type MoneyEvent, writeMoneyEvents } from "./money-events";

/**
 * The money archive (billing/archive.service.ts): years of an account's money older than 36 months leave D1 for R2,
 * and everything a subscriber reads of them reads the same. The accounts here live in 2010–2016, in regions of their
 * own on the Moscow shard, archived as of a `now` in 2017–2019: no demo account or other test's is touched.
 */

const data = () => createDataAccess(env);
const SHARD = shardOfRegion("msk") ?? "DB_MOSCOW";
const db = () => data().shard(SHARD);
const d1 = () => (db() as unknown as { $client: D1Database }).$client;
const files = () => env.FILES;

let made = 0;
async function freshAccount(region: string) {
  made++;
  const accountNo = makeAccountNo(`2010${String((Date.now() + made * 7919) % 10_000_000).padStart(7, "0")}`);
  await db()
    .insert(accounts)
    .values({ accountNo, region, holderName: "Архив", address: "Москва", status: "active", createdAt: new Date() });
  const tariff = await db().select({ id: tariffs.id }).from(tariffs).limit(1).get();
  if (!tariff) throw new Error("no tariff seeded");
  const serviceId = `svc-${accountNo}`;
  await db()
    .insert(accountServices)
    .values({ id: serviceId, accountNo, tariffId: tariff.id, status: "active", startedAt: new Date("2010-01-01T00:00:00Z") });
  return { accountNo, serviceId };
}

/** The months from one to another (YYYY-MM), both included. */
function months(from: string, to: string): string[] {
  const out: string[] = [];
  const [y0, m0] = from.split("-").map(Number) as [number, number];
  for (let i = 0; ; i++) {
    const month = new Date(Date.UTC(y0, m0 - 1 + i, 1)).toISOString().slice(0, 7);
    if (month > to) return out;
    out.push(month);
  }
}

type Event = MoneyEvent;

/** Money events written as the features write them (test/worker/money-events.ts), in the day's working hours. */
const write = (accountNo: string, serviceId: string, events: Event[]) =>
  writeMoneyEvents(db(), accountNo, serviceId, events, "arch", (i) => 8 + (i % 12));

/** A succeeded card payment of the account made at `at`, with its ledger entry, two events and a receipt. */
async function payment(accountNo: string, at: Date, kop: number, status: "succeeded" | "failed" | "pending" = "succeeded") {
  const id = newId(at.getTime());
  await d1()
    .prepare(
      `INSERT INTO payments (id, account_no, payer_id, idempotency_key, request_hash, purpose, amount_kop, method, status, save_card, created_at, updated_at)
       VALUES (?, ?, 'demo-olga', ?, 'h', 'topup', ?, 'card', ?, 0, ?, ?)`,
    )
    .bind(id, accountNo, `idem-${id}`, kop, status, at.getTime(), at.getTime() + 60_000)
    .run();
  await d1()
    .prepare(
      "INSERT INTO payment_events (id, payment_id, source, from_status, to_status, applied, at) VALUES (?, ?, 'client', NULL, 'pending', 1, ?), (?, ?, 'webhook', 'pending', ?, 1, ?)",
    )
    .bind(`${id}-e1`, id, at.getTime(), `${id}-e2`, id, status, at.getTime() + 60_000)
    .run();
  if (status === "succeeded") {
    await d1()
      .prepare("INSERT INTO receipts (payment_id, account_no, number, issued_at, body) VALUES (?, ?, ?, ?, ?)")
      .bind(id, accountNo, `R-${id}`, at.getTime() + 60_000, JSON.stringify({ number: `R-${id}`, totalKop: kop, items: [] }))
      .run();
    const day = new Date(at.getTime() + 3 * 3600_000).toISOString().slice(0, 10);
    await appendEntry(db(), {
      accountNo,
      kind: "payment",
      amountKop: kop,
      occurredAt: at,
      localDay: day,
      descriptionRu: "Оплата картой",
      descriptionEn: "Card payment",
      idempotencyKey: `payment:${id}`,
    });
  }
  return id;
}

/** Closes the region's months in order, as the region's daily work does. */
async function closeThrough(region: string, from: string, to: string) {
  for (const month of months(from, to)) await closeMonthPart(db(), region, month, "", 100, new Date(`${month}-28T00:00:00Z`), 200);
}

/** Runs the shard's archive pass for `now` to its end, from the first account. */
async function archiveAll(now: Date) {
  return (await pass(now)).reduce((t, r) => t + r.archived, 0);
}

/**
 * The shard's archive pass for `now` called until it is done, from the first account (or from where the last pass got
 * to, `fromStart` false): what each call did.
 */
async function pass(now: Date, opts: ArchiveOptions = {}, fromStart = true) {
  if (fromStart) await d1().prepare("DELETE FROM archive_progress").run();
  const calls: Awaited<ReturnType<typeof archiveMoney>>[] = [];
  for (let i = 0; i < 2_000; i++) {
    calls.push(await archiveMoney(data(), files(), SHARD, now, { page: 500, ...opts }));
    if (calls.at(-1)?.done) return calls;
  }
  throw new Error("the archive pass did not end");
}

/** Every page of the history with this filter: each line's id, amount, day and the running balance shown. */
async function walk(accountNo: string, filter: Omit<HistoryFilter, "limit" | "before"> = {}, limit = 7, bucket: R2Bucket = files()) {
  const lines: { id: string; amountKop: number; localDay: string; balanceAfter: number | null }[] = [];
  let before: HistoryFilter["before"];
  for (let page = 0; page < 2_000; page++) {
    const { rows, balanceAfterFirst } = await historyWithArchive(db(), bucket, accountNo, { ...filter, before, limit });
    let running = balanceAfterFirst;
    for (const r of rows.slice(0, limit)) {
      lines.push({ id: r.id, amountKop: r.amountKop, localDay: r.localDay, balanceAfter: running });
      running -= r.amountKop;
    }
    const last = rows[Math.min(rows.length, limit) - 1];
    if (rows.length <= limit || !last) return lines;
    before = { at: last.occurredAt.getTime(), id: last.id };
  }
  throw new Error("history did not end");
}

const counts = async (accountNo: string) =>
  (await d1()
    .prepare(
      `SELECT (SELECT count(*) FROM ledger_entries WHERE account_no = ?1) AS entries,
              (SELECT count(*) FROM ledger_periods WHERE account_no = ?1) AS periods,
              (SELECT count(*) FROM payments WHERE account_no = ?1) AS payments,
              (SELECT count(*) FROM payment_events WHERE payment_id IN (SELECT id FROM payments WHERE account_no = ?1)) AS events,
              (SELECT count(*) FROM receipts WHERE account_no = ?1) AS receipts`,
    )
    .bind(accountNo)
    .first<{ entries: number; periods: number; payments: number; events: number; receipts: number }>()) ?? {
    entries: 0,
    periods: 0,
    payments: 0,
    events: 0,
    receipts: 0,
  };

let regions = 0;
const newRegion = () => `ar${Date.now() % 100_000}x${++regions}`;

/** An account with 2011–2016 of money: daily charges on some days, payments, a refund, bonuses; months closed through 2016-06. */
async function accountWithYears() {
  const region = newRegion();
  const a = await freshAccount(region);
  const events: Event[] = [];
  for (const [i, month] of months("2011-03", "2016-06").entries()) {
    for (const day of [1, 9, 17, 25]) events.push({ month, day, kind: "daily", kop: 1_000 + ((i * 37 + day) % 900) });
    if (i % 5 === 0) events.push({ month, day: 12, kind: "bonus", kop: 500 + i });
    if (i % 11 === 3) events.push({ month, day: 20, kind: "refund", kop: 700 + i });
    if (i % 13 === 6) events.push({ month, day: 21, kind: "adjustment", kop: 301 + i });
  }
  await write(a.accountNo, a.serviceId, events);
  const paid: string[] = [];
  for (const month of months("2011-03", "2016-06").filter((_, i) => i % 2 === 0))
    paid.push(await payment(a.accountNo, new Date(`${month}-05T10:00:00+03:00`), 15_000));
  const failed = await payment(a.accountNo, new Date("2013-07-08T10:00:00+03:00"), 5_000, "failed");
  // A payment made late on 31 December in Moscow belongs to the next year (it is past 12:00 UTC).
  const lateDecember = await payment(a.accountNo, new Date("2013-12-31T20:00:00+03:00"), 7_000);
  await closeThrough(region, "2011-03", "2016-06");
  return { ...a, region, paid, failed, lateDecember };
}

describe("the money archive", () => {
  it("keeps 37 to 48 months in D1: the year it may archive follows the month", () => {
    expect(ARCHIVE_AFTER_MONTHS).toBe(36);
    expect(archivableYear(new Date("2026-12-05T00:00:00Z"))).toBe(2022);
    expect(archivableYear(new Date("2027-01-01T00:00:00Z"))).toBe(2023);
    expect(archivableYear(new Date("2026-01-31T00:00:00Z"))).toBe(2022);
    expect(archivableYear(new Date("2025-12-31T00:00:00Z"))).toBe(2021);
    expect(paymentYear(new Date("2013-12-31T11:59:59Z").getTime())).toBe(2013);
    expect(paymentYear(new Date("2013-12-31T12:00:00Z").getTime())).toBe(2014);
  });

  it("moves old years to R2 and the balance, every history page, its running balance and filters read the same", async () => {
    const a = await accountWithYears();
    const filters: Omit<HistoryFilter, "limit" | "before">[] = [
      {},
      { kinds: ["payment"] },
      { kinds: ["refund", "adjustment"] },
      { from: "2012-02-01", to: "2012-02-29" },
      { from: "2013-11-15", to: "2014-02-10" },
      { serviceId: a.serviceId, from: "2012-12-01" },
    ];
    const balance = await balanceOf(db(), a.accountNo);
    const before = await Promise.all(filters.map((f) => walk(a.accountNo, f)));
    const rowsBefore = await counts(a.accountNo);

    // As of June 2018, 2014 is the last year more than 36 months back: 2011–2014 go.
    expect(await archiveAll(new Date("2018-06-10T00:00:00Z"))).toBeGreaterThanOrEqual(1);
    const rowsAfter = await counts(a.accountNo);
    expect(rowsAfter.entries).toBeLessThan(rowsBefore.entries / 2);
    expect(rowsAfter.periods).toBe(18); // 2015-01 … 2016-06
    const left = await d1()
      .prepare("SELECT min(local_day) AS d FROM ledger_entries WHERE account_no = ?")
      .bind(a.accountNo)
      .first<{ d: string }>();
    expect((left?.d ?? "") >= "2015-01-01").toBe(true);
    const record = await d1()
      .prepare("SELECT * FROM money_archives WHERE account_no = ?")
      .bind(a.accountNo)
      .first<Record<string, number>>();
    expect(record).toMatchObject({ first_year: 2011, through_year: 2014 });
    for (const year of [2011, 2012, 2013, 2014]) expect(await files().head(archiveKey(a.accountNo, year))).not.toBeNull();

    expect(await balanceOf(db(), a.accountNo)).toBe(balance);
    const after = await Promise.all(filters.map((f) => walk(a.accountNo, f)));
    for (const [i, lines] of after.entries()) expect(lines, JSON.stringify(filters[i])).toEqual(before[i]);
    // The last line of the whole history is the account's first entry: the balance after it is its own amount.
    const all = after[0] ?? [];
    expect(all.at(-1)?.balanceAfter).toBe(all.at(-1)?.amountKop);
    expect(all[0]?.balanceAfter).toBe(balance);

    // The payment made on the evening of 31 December 2013 went with 2014, the failed one with 2013, each with its events.
    const y2013 = await readYear(files(), a.accountNo, 2013);
    const y2014 = await readYear(files(), a.accountNo, 2014);
    expect(y2013?.payments.map((p) => p.id)).toContain(a.failed);
    expect(y2014?.payments.map((p) => p.id)).toContain(a.lateDecember);
    expect(y2014?.paymentEvents.filter((e) => e.paymentId === a.lateDecember)).toHaveLength(2);
    expect(y2014?.receipts.map((r) => r.paymentId)).toContain(a.lateDecember);
    expect(y2013?.openingKop).toBe((await readYear(files(), a.accountNo, 2012))?.closingKop);
    expect(y2014?.closingKop).toBe(record?.closing_kop);

    // A second pass, and the next year's, change nothing more than the next year.
    const snapshot = await counts(a.accountNo);
    expect(await archiveAll(new Date("2018-06-10T00:00:00Z"))).toBe(0);
    expect(await counts(a.accountNo)).toEqual(snapshot);
    await archiveAll(new Date("2019-01-10T00:00:00Z"));
    expect((await counts(a.accountNo)).periods).toBe(6);
    expect(await balanceOf(db(), a.accountNo)).toBe(balance);
    expect(await walk(a.accountNo)).toEqual(before[0]);
  }, 120_000);

  it("archives nothing of an account whose year is not closed, or that has no later month to carry its balance", async () => {
    const region = newRegion();
    const a = await freshAccount(region);
    await write(a.accountNo, a.serviceId, [
      { month: "2012-05", day: 3, kind: "daily", kop: 1_000 },
      { month: "2012-06", day: 3, kind: "payment", kop: 9_000 },
    ]);
    // As of June 2018 the year to go is 2014: closed through 2012 only, nothing goes.
    await closeThrough(region, "2012-05", "2012-12");
    const before = await counts(a.accountNo);
    await archiveAll(new Date("2018-06-10T00:00:00Z"));
    expect(await counts(a.accountNo)).toEqual(before);
    // Closed through December 2014, but no month after it carries the balance yet: nothing goes.
    await closeThrough(region, "2013-01", "2014-12");
    const closed = await counts(a.accountNo);
    await archiveAll(new Date("2018-06-10T00:00:00Z"));
    expect(await counts(a.accountNo)).toEqual(closed);
    // January 2015 closed: 2012–2014 go, and the balance stays.
    await closeThrough(region, "2015-01", "2015-01");
    await archiveAll(new Date("2018-06-10T00:00:00Z"));
    expect(await counts(a.accountNo)).toMatchObject({ entries: 0, periods: 1 });
    expect(await balanceOf(db(), a.accountNo)).toBe(8_000);
    expect((await walk(a.accountNo)).map((l) => [l.amountKop, l.balanceAfter])).toEqual([
      [9_000, 8_000],
      [-1_000, -1_000],
    ]);
  }, 60_000);

  it("deletes nothing when a payment changes between reading and recording (a refund), nor after a crash; the next pass does it", async () => {
    const a = await accountWithYears();
    const before = await counts(a.accountNo);
    const history = await walk(a.accountNo);
    const refunded = a.paid[3] as string;
    await d1().prepare("DELETE FROM archive_progress").run();
    const raced = await archiveMoney(data(), files(), SHARD, new Date("2018-06-10T00:00:00Z"), {
      page: 500,
      afterObjects: async () => {
        await d1().prepare("UPDATE payments SET status = 'refunded', updated_at = updated_at + 1 WHERE id = ?").bind(refunded).run();
      },
    });
    expect(raced.objects).toBeGreaterThan(0);
    expect(await counts(a.accountNo)).toEqual(before);
    await d1().prepare("DELETE FROM archive_progress").run();
    await expect(
      archiveMoney(data(), files(), SHARD, new Date("2018-06-10T00:00:00Z"), {
        page: 500,
        afterObjects: () => {
          throw new Error("injected crash");
        },
      }),
    ).rejects.toThrow("injected crash");
    expect(await counts(a.accountNo)).toEqual(before);
    await archiveAll(new Date("2018-06-10T00:00:00Z"));
    expect((await counts(a.accountNo)).payments).toBeLessThan(before.payments);
    // The fourth payment, of September 2011, is in R2 as it is now: refunded.
    const inR2 = (await readYear(files(), a.accountNo, 2011))?.payments.find((p) => p.id === refunded);
    expect(inR2?.status).toBe("refunded");
    expect(await walk(a.accountNo)).toEqual(history);
  }, 120_000);

  it("writes at most its objects a call: a shard's first pass over years of history goes on over several ticks", async () => {
    const accs = [await accountWithYears(), await accountWithYears(), await accountWithYears()];
    const balances = await Promise.all(accs.map((a) => balanceOf(db(), a.accountNo)));
    const calls = (await pass(new Date("2018-06-10T00:00:00Z"), { objects: 5 })).map((r) => r.objects);
    // Each account has four years to go (2011–2014): one account a call, never more than the limit of five.
    expect(Math.max(...calls)).toBeLessThanOrEqual(5);
    expect(calls.filter((n) => n > 0).length).toBeGreaterThanOrEqual(3);
    for (const [i, a] of accs.entries()) {
      expect((await counts(a.accountNo)).periods).toBe(18);
      expect(await balanceOf(db(), a.accountNo)).toBe(balances[i]);
    }
  }, 120_000);

  it("reads a bounded batch a call: a page stops at the account that would take it past its rows (the first always goes)", async () => {
    const accs = [await accountWithYears(), await accountWithYears(), await accountWithYears()];
    const archived = (await pass(new Date("2018-06-10T00:00:00Z"), { rows: 1 })).map((r) => r.archived);
    expect(Math.max(...archived)).toBe(1);
    expect(archived.filter((n) => n === 1).length).toBeGreaterThanOrEqual(3);
    for (const a of accs) expect((await counts(a.accountNo)).periods).toBe(18);
  }, 120_000);

  it("a page takes as many accounts as its rows allow, each counted by its own rows only", async () => {
    const accs = [await accountWithYears(), await accountWithYears(), await accountWithYears()];
    // What the pass of June 2018 archives of each (the year 2014 and before), all three within one call's rows.
    const own = await Promise.all(
      accs.map((a) =>
        d1()
          .prepare("SELECT count(*) AS n FROM ledger_entries WHERE account_no = ? AND local_day <= '2014-12-31'")
          .bind(a.accountNo)
          .first<number>("n"),
      ),
    );
    const rows = own.reduce<number>((t, n) => t + Number(n), 0);
    expect(rows).toBeGreaterThan(0);
    const calls = await pass(new Date("2018-06-10T00:00:00Z"), { rows });
    expect(calls.find((c) => c.archived > 0)?.archived).toBe(3);
    for (const a of accs) expect((await counts(a.accountNo)).periods).toBe(18);
  }, 120_000);

  it("skips an account a shard move holds, and takes it on the pass made again a month later", async () => {
    const a = await accountWithYears();
    const before = await counts(a.accountNo);
    await d1()
      .prepare("INSERT INTO account_freezes (account_no, move_id, state, updated_at) VALUES (?, 'test-move', 'frozen', 0)")
      .bind(a.accountNo)
      .run();
    try {
      await archiveAll(new Date("2018-06-10T00:00:00Z"));
      expect(await counts(a.accountNo)).toEqual(before);
    } finally {
      await d1().prepare("DELETE FROM account_freezes WHERE account_no = ?").bind(a.accountNo).run();
    }
    // The pass is done for 2014: a day later nothing runs; a month later it runs again and takes the account.
    expect(await archiveMoney(data(), files(), SHARD, new Date("2018-06-11T00:00:00Z"), { page: 500 })).toMatchObject({
      done: true,
      objects: 0,
    });
    expect(await counts(a.accountNo)).toEqual(before);
    await pass(new Date("2018-07-20T00:00:00Z"), {}, false);
    expect((await counts(a.accountNo)).periods).toBe(18);
  }, 120_000);

  it("two passes at once archive each year once and lose nothing", async () => {
    const a = await accountWithYears();
    const balance = await balanceOf(db(), a.accountNo);
    const history = await walk(a.accountNo);
    await d1().prepare("DELETE FROM archive_progress").run();
    const now = new Date("2018-06-10T00:00:00Z");
    // One pass at a time on a shard: a second one, started while the first has written its objects and not yet
    // recorded them (a tick redelivered), finds the lease taken and does nothing.
    let second: Awaited<ReturnType<typeof archiveMoney>> | undefined;
    const first = await archiveMoney(data(), files(), SHARD, now, {
      page: 500,
      afterObjects: async () => {
        second = await archiveMoney(data(), files(), SHARD, now, { page: 500 });
      },
    });
    expect(first.objects).toBeGreaterThan(0);
    expect(second).toEqual({ archived: 0, objects: 0, done: false });
    await archiveAll(now);
    expect(await balanceOf(db(), a.accountNo)).toBe(balance);
    expect(await walk(a.accountNo)).toEqual(history);
    expect(await walk(a.accountNo, {}, 3)).toEqual(history);
  }, 120_000);

  it("keeps every balance and every history line over random years of money (property)", async () => {
    const event = fc.record<Event>({
      month: fc.constantFrom(...months("2012-01", "2015-03")),
      day: fc.integer({ min: 1, max: 28 }),
      kind: fc.constantFrom("daily", "daily", "payment", "refund", "bonus", "adjustment"),
      kop: fc.integer({ min: 1, max: 300_000 }),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(event, { minLength: 10, maxLength: 60, size: "max" }),
        fc.integer({ min: 2, max: 9 }),
        async (events, limit) => {
          const region = newRegion();
          const a = await freshAccount(region);
          // Something in the months that stay, so that pages run from D1 into R2.
          await write(a.accountNo, a.serviceId, [...events, { month: "2015-02", day: 10, kind: "payment", kop: 12_345 }]);
          await closeThrough(region, "2012-01", "2015-03");
          const balance = await balanceOf(db(), a.accountNo);
          const history = await walk(a.accountNo, {}, limit);
          const payments = await walk(a.accountNo, { kinds: ["payment"] }, limit);
          // As of 2018-06, 2014 may go; 2015-01 … 2015-03 stay.
          await archiveAll(new Date("2018-06-10T00:00:00Z"));
          expect(await balanceOf(db(), a.accountNo)).toBe(balance);
          expect(await walk(a.accountNo, {}, limit)).toEqual(history);
          expect(await walk(a.accountNo, { kinds: ["payment"] }, limit)).toEqual(payments);
          const inD1 = await d1()
            .prepare("SELECT coalesce(sum(amount_kop), 0) AS s FROM ledger_entries WHERE account_no = ?")
            .bind(a.accountNo)
            .first<{ s: number }>();
          const record = await d1()
            .prepare("SELECT closing_kop AS c FROM money_archives WHERE account_no = ?")
            .bind(a.accountNo)
            .first<{ c: number }>();
          // The ledger invariant across D1 and R2: the balance is the sum of everything that ever happened.
          expect((record?.c ?? 0) + (inD1?.s ?? 0)).toBe(balance);
        },
      ),
      { seed: 20_261_205, numRuns: 8 },
    );
  }, 300_000);

  it("shows the same balance after every entry when entries were booked late across the archived years' end", async () => {
    const region = newRegion();
    const a = await freshAccount(region);
    const events: Event[] = [];
    for (const month of months("2013-10", "2015-03"))
      for (const day of [2, 11, 20, 28]) events.push({ month, day, kind: "daily", kop: 900 + day });
    await write(a.accountNo, a.serviceId, events);
    await payment(a.accountNo, new Date("2014-12-30T10:00:00+03:00"), 20_000);
    // The charge of 31 December run at five in the morning of 1 January.
    await appendEntry(db(), {
      accountNo: a.accountNo,
      kind: "charge",
      amountKop: -777,
      occurredAt: new Date("2015-01-01T05:00:00+03:00"),
      localDay: "2014-12-31",
      serviceId: a.serviceId,
      descriptionRu: "Абонентская плата: Тест",
      descriptionEn: "Subscription fee: Test",
      idempotencyKey: `charge:${a.serviceId}:2014-12-31`,
    });
    await closeThrough(region, "2013-10", "2014-12");
    // A refund dated 20 December written after December was closed: booked on 1 January 2015, its date kept.
    await appendEntry(db(), {
      accountNo: a.accountNo,
      kind: "refund",
      amountKop: 3_333,
      occurredAt: new Date("2014-12-20T12:00:00+03:00"),
      localDay: "2014-12-20",
      descriptionRu: "Возврат",
      descriptionEn: "Refund",
      idempotencyKey: `arch:late-refund:${a.accountNo}`,
    });
    await closeThrough(region, "2015-01", "2015-03");
    const pages = [1, 2, 5];
    const before = await Promise.all(pages.map((limit) => walk(a.accountNo, {}, limit)));
    const refunds = await walk(a.accountNo, { kinds: ["refund", "payment"] }, 1);
    const bounded = [{ to: "2014-12-31" }, { from: "2015-01-01" }, { from: "2014-12-01", to: "2015-01-31" }];
    const boundedBefore = await Promise.all(bounded.map((f) => walk(a.accountNo, f, 1)));
    expect(before[0]?.find((l) => l.amountKop === 3_333)?.localDay).toBe("2015-01-01");
    await archiveAll(new Date("2018-06-10T00:00:00Z"));
    expect((await counts(a.accountNo)).periods).toBe(3);
    // A page of one line is a page starting at every line: each balance is worked out from its own first entry.
    for (const [i, limit] of pages.entries()) expect(await walk(a.accountNo, {}, limit), `limit ${limit}`).toEqual(before[i]);
    expect(await walk(a.accountNo, { kinds: ["refund", "payment"] }, 1)).toEqual(refunds);
    for (const [i, f] of bounded.entries()) expect(await walk(a.accountNo, f, 1), JSON.stringify(f)).toEqual(boundedBefore[i]);
    // And with 2015 archived too: the late refund is in 2015's object, older than the end of 2014's.
    await closeThrough(region, "2015-04", "2016-01");
    await archiveAll(new Date("2019-06-10T00:00:00Z"));
    expect((await counts(a.accountNo)).entries).toBe(0);
    for (const [i, limit] of pages.entries()) expect(await walk(a.accountNo, {}, limit), `limit ${limit}`).toEqual(before[i]);
    for (const [i, f] of bounded.entries()) expect(await walk(a.accountNo, f, 1), JSON.stringify(f)).toEqual(boundedBefore[i]);
  }, 120_000);

  it("never writes an archived year's object again: a payment of that year finished later stays in D1", async () => {
    const a = await accountWithYears();
    const stuck = await payment(a.accountNo, new Date("2013-03-03T10:00:00+03:00"), 4_000, "pending");
    await archiveAll(new Date("2018-06-10T00:00:00Z"));
    const y2013 = await readYear(files(), a.accountNo, 2013);
    expect(y2013?.payments.map((p) => p.id)).not.toContain(stuck);
    // Years later the acquirer says it failed; the next years' passes leave 2013's object as it was.
    await d1().prepare("UPDATE payments SET status = 'failed', updated_at = ? WHERE id = ?").bind(Date.parse("2019-01-05"), stuck).run();
    await archiveAll(new Date("2019-01-10T00:00:00Z"));
    await archiveAll(new Date("2020-01-10T00:00:00Z"));
    expect(await readYear(files(), a.accountNo, 2013)).toEqual(y2013);
    // The account's next year went all the same (2016 has no closed month after it to go).
    const record = await d1()
      .prepare("SELECT through_year AS y FROM money_archives WHERE account_no = ?")
      .bind(a.accountNo)
      .first<{ y: number }>();
    expect(record?.y).toBe(2015);
    const { results } = await d1().prepare("SELECT id FROM payments WHERE account_no = ?").bind(a.accountNo).all<{ id: string }>();
    expect(results.map((r) => r.id)).toContain(stuck);
  }, 120_000);

  it("keeps what it read when a payment gets an event between reading and recording", async () => {
    const a = await accountWithYears();
    const before = await counts(a.accountNo);
    await d1().prepare("DELETE FROM archive_progress").run();
    await archiveMoney(data(), files(), SHARD, new Date("2018-06-10T00:00:00Z"), {
      page: 500,
      afterObjects: async () => {
        await d1()
          .prepare(
            "INSERT INTO payment_events (id, payment_id, source, from_status, to_status, applied, at) VALUES (?, ?, 'webhook', 'succeeded', 'succeeded', 0, ?)",
          )
          .bind(`late-${a.paid[0]}`, a.paid[0], Date.parse("2018-06-10"))
          .run();
      },
    });
    expect(await counts(a.accountNo)).toEqual({ ...before, events: before.events + 1 });
    await archiveAll(new Date("2018-06-10T00:00:00Z"));
    const inR2 = (await readYear(files(), a.accountNo, 2011))?.paymentEvents.filter((e) => e.paymentId === a.paid[0]);
    expect(inR2).toHaveLength(3);
  }, 120_000);

  it("answers 503 rather than a history or a balance without a year whose object is missing", async () => {
    const a = await accountWithYears();
    const all = await walk(a.accountNo, {}, 5);
    await archiveAll(new Date("2018-06-10T00:00:00Z"));
    expect(await walk(a.accountNo, {}, 5)).toEqual(all);
    const without2013 = {
      get: (key: string) => (key === archiveKey(a.accountNo, 2013) ? Promise.resolve(null) : files().get(key)),
    } as unknown as R2Bucket;
    await expect(walk(a.accountNo, {}, 5, without2013)).rejects.toMatchObject({ status: 503 });
    await expect(walk(a.accountNo, { from: "2013-06-01", to: "2013-06-30" }, 5, without2013)).rejects.toMatchObject({ status: 503 });
    // Years the page does not reach are not read: the newest pages still come.
    const firstPage = await historyWithArchive(db(), without2013, a.accountNo, { limit: 5 });
    expect(firstPage.rows.map((r) => r.id)).toEqual(all.slice(0, 6).map((l) => l.id));
  }, 120_000);

  it("opens an act of reconciliation that starts right after the archived years with their closing balance, and organisations see the balance", async () => {
    const a = await accountWithYears();
    const [[openingBefore]] = await db().batch(selectReconciliation(db(), [a.accountNo], "2015-01-01", "2015-12-31"));
    const balance = await balanceOf(db(), a.accountNo);
    await archiveAll(new Date("2018-06-10T00:00:00Z"));
    const [[openingAfter], charges, entries] = await db().batch(selectReconciliation(db(), [a.accountNo], "2015-01-01", "2015-12-31"));
    expect(openingAfter).toEqual(openingBefore);
    expect(openingAfter?.openingKop).not.toBe(0);
    expect(charges.length).toBeGreaterThan(0);
    expect(entries.length).toBeGreaterThan(0);
    const { balances } = await selectShardBalances(db(), [a.accountNo]);
    expect(balances).toEqual([{ accountNo: a.accountNo, balanceKop: balance }]);
  }, 120_000);

  it("refuses an act of reconciliation that starts in an archived year, with a clear error", () => {
    const now = new Date("2026-12-05T00:00:00Z");
    expect(() => checkPeriod("2022-12-31", "2023-06-30", now)).toThrow();
    expect(checkPeriod("2023-01-01", "2025-12-31", now)).toEqual({ from: "2023-01-01", to: "2025-12-31" });
    expect(() => checkPeriod("2022-06-01", "2023-01-31", now)).toThrow(
      expect.objectContaining({ status: 400, fields: [expect.objectContaining({ field: "from", message: "field.reconArchived" })] }),
    );
  });
});

describe("the money archive through the API", () => {
  it("shows an archived payment, its receipt, the statement of an archived month and the old history to the holder only", async () => {
    const a = await accountWithYears();
    await env.DB.prepare("INSERT INTO account_directory (account_no, region, shard, created_at) VALUES (?, 'msk', ?, 0)")
      .bind(a.accountNo, SHARD)
      .run();
    await env.DB.prepare("INSERT INTO account_links (subscriber_id, account_no, role, created_at) VALUES ('demo-olga', ?, 'owner', 0)")
      .bind(a.accountNo)
      .run();
    await holdersFromLinks();
    await forgetLinksOf("demo-olga");
    try {
      await archiveAll(new Date("2018-06-10T00:00:00Z"));
      const olga = await login("olga");
      const paymentId = a.paid[1] as string;
      const p = await api(olga, `/accounts/${a.accountNo}/payments/${paymentId}`);
      expect(p.status).toBe(200);
      expect(await json(p)).toMatchObject({ id: paymentId, status: "succeeded", amountKop: 15_000, receiptNumber: `R-${paymentId}` });
      const r = await api(olga, `/accounts/${a.accountNo}/payments/${paymentId}/receipt`);
      expect(r.status).toBe(200);
      expect(await json(r)).toMatchObject({ number: `R-${paymentId}`, totalKop: 15_000 });
      const pdf = await api(olga, `/accounts/${a.accountNo}/statements/2012-05/pdf`);
      expect(pdf.status).toBe(200);
      expect(pdf.headers.get("content-type")).toBe("application/pdf");
      expect((await pdf.arrayBuffer()).byteLength).toBeGreaterThan(1_000);
      const h = await json<{ items: { kind: string; amountKop: number; localDay: string; description: { ru: string } }[] }>(
        await api(olga, `/accounts/${a.accountNo}/history?from=2012-05-01&to=2012-05-31&limit=50`),
      );
      // May 2012 as the subscriber saw it before: its charges rolled up into one line, and the month's payment.
      expect(h.items.every((i) => i.localDay.startsWith("2012-05"))).toBe(true);
      expect(h.items.filter((i) => i.description.ru.startsWith("Абонентская плата за май 2012"))).toHaveLength(1);
      expect(h.items.filter((i) => i.kind === "payment").map((i) => i.amountKop)).toEqual([15_000]);
      // Someone else's archived payment, receipt and statement are a 404, as in D1.
      const petr = await login("petr");
      for (const path of [
        `/payments/${paymentId}`,
        `/payments/${paymentId}/receipt`,
        "/statements/2012-05/pdf",
        "/history?from=2012-05-01",
      ])
        expect((await api(petr, `/accounts/${a.accountNo}${path}`)).status).toBe(404);
      // An id that is in no year: 404, not a 500.
      expect((await api(olga, `/accounts/${a.accountNo}/payments/${newId(Date.parse("2012-01-01"))}`)).status).toBe(404);
    } finally {
      await dropLink("demo-olga", a.accountNo);
      await forgetLinksOf("demo-olga");
    }
  }, 120_000);
});
