import { and, between, desc, eq, inArray, lt, sql, sum } from "drizzle-orm";
import { subscribers } from "../../db/schema/global";
import { accountServices, accounts, tariffs, type UsageCategory, usageDailyTotals, usageReports } from "../../db/schema/region";
import { settledHere } from "../../platform/arriving";
import { type GlobalDb, inList, type RegionDb, rawBatch } from "../../platform/db";
import type { DailyAggregate } from "./usage.store";

/** What a detail view or report selects: one account, a region-local period, optionally one service, some categories. */
export interface UsageFilter {
  accountNo: string;
  fromDay: string;
  toDay: string;
  serviceId: string | null;
  categories: readonly UsageCategory[];
}

/** Keyset position in the (local_day, started_at, id) order of the records: pages never skip or repeat a row. */
export interface UsageCursor {
  day: string;
  at: number;
  id: string;
}

/** Count, duration, volume and cost per category over the whole filter, from the daily totals. */
export function selectUsageTotals(db: RegionDb, f: UsageFilter) {
  const t = usageDailyTotals;
  return db
    .select({
      category: t.category,
      count: sum(t.count).mapWith(Number),
      durationSec: sum(t.durationSec).mapWith(Number),
      volumeKb: sum(t.volumeKb).mapWith(Number),
      costKop: sum(t.costKop).mapWith(Number),
    })
    .from(t)
    .where(
      and(
        eq(t.accountNo, f.accountNo),
        between(t.localDay, f.fromDay, f.toDay),
        f.serviceId ? eq(t.serviceId, f.serviceId) : undefined,
        inArray(t.category, [...f.categories]),
      ),
    )
    .groupBy(t.category)
    .all();
}

/**
 * Replaces the totals of some of an account's days (all in one month) with
 * these, computed from the month object: a day with no rows left loses its
 * old ones. One D1 transaction; rows in statements of ≤ 100 bound parameters.
 */
export function replaceDayTotals(db: RegionDb, accountNo: string, days: readonly string[], rows: DailyAggregate[]) {
  const t = usageDailyTotals;
  // The days as one JSON value: one statement whatever their number.
  const deleted = db
    .delete(t)
    .where(and(eq(t.accountNo, accountNo), sql`${t.localDay} IN (SELECT value FROM json_each(${JSON.stringify(days)}))`));
  return db.batch([deleted, ...insertTotals(db, rows)]);
}

/** Totals rows one statement inserts, bound as one JSON value (a month of a busy number is a few hundred). */
const TOTALS_PER_STATEMENT = 500;

/**
 * Inserts of totals rows, `TOTALS_PER_STATEMENT` a statement as one JSON value: D1 counts each statement of a batch
 * against an invocation's 1,000 queries, so a month's totals are one or two, not one per 9 rows (100 bound values).
 */
function insertTotals(db: RegionDb, rows: DailyAggregate[]) {
  const field = (name: keyof DailyAggregate) => sql`json_extract(j.value, ${`$.${name}`})`;
  const inserts = [];
  for (let i = 0; i < rows.length; i += TOTALS_PER_STATEMENT) {
    const json = JSON.stringify(rows.slice(i, i + TOTALS_PER_STATEMENT));
    // Columns in the table's order: account_no, local_day, service_id, category, direction, count, duration_sec,
    // minutes, volume_kb, cost_kop.
    inserts.push(
      db.insert(usageDailyTotals).select(
        sql`SELECT ${field("accountNo")}, ${field("localDay")}, ${field("serviceId")}, ${field("category")}, ${field("direction")},
            ${field("count")}, ${field("durationSec")}, ${field("minutes")}, ${field("volumeKb")}, ${field("costKop")}
          FROM json_each(${json}) j WHERE true`,
      ),
    );
  }
  return inserts;
}

/**
 * Replaces an account-month's totals with its month rows (`local_day` = the month, YYYY-MM), computed from its
 * whole object: its day rows and month rows go, these come, in one D1 transaction (a month past the screen's, whose
 * late records came in: usage.limits.ts `firstDailyMonth`).
 */
export function replaceMonthTotals(db: RegionDb, accountNo: string, month: string, rows: DailyAggregate[]) {
  const t = usageDailyTotals;
  return db.batch([
    db.delete(t).where(and(eq(t.accountNo, accountNo), sql`${t.localDay} BETWEEN ${month} AND ${`${month}-31`}`)),
    ...insertTotals(db, rows),
  ]);
}

/** Up to `limit` accounts with day rows of a month (YYYY-MM): what folding it takes next, along the day index. */
export function selectAccountsWithDays(db: RegionDb, month: string, limit: number) {
  const t = usageDailyTotals;
  return db
    .selectDistinct({ accountNo: t.accountNo })
    .from(t)
    .where(and(sql`${t.localDay} BETWEEN ${`${month}-01`} AND ${`${month}-31`}`, settledHere(t.accountNo)))
    .limit(limit)
    .all();
}

/**
 * The oldest month (YYYY-MM) from `fromMonth` on and before `beforeMonth` with day rows, or null: seeks along the
 * day index, one a month that has month rows only (they sort before their days), `maxSeeks` at most.
 */
export async function oldestDayMonth(db: RegionDb, fromMonth: string, beforeMonth: string, maxSeeks: number): Promise<string | null> {
  const t = usageDailyTotals;
  let from = fromMonth;
  for (let seeks = 0; seeks < maxSeeks; seeks++) {
    const row = await db
      .select({ day: t.localDay })
      .from(t)
      .where(and(sql`${t.localDay} >= ${from}`, lt(t.localDay, beforeMonth)))
      .orderBy(t.localDay)
      .limit(1)
      .get();
    if (!row) return null;
    if (row.day.length === 10) return row.day.slice(0, 7);
    from = `${row.day}-01`;
  }
  return null;
}

/**
 * Folds these accounts' day rows of a month into month rows, in one D1 transaction: the month's totals per service,
 * category and direction, unless it has month rows already (the ingest wrote them from the whole object when late
 * records came, and a day row beside them is one a batch wrote as the month turned: already in them), then the day
 * rows go. A repeat changes nothing.
 */
export function foldMonth(db: RegionDb, accountNos: readonly string[], month: string) {
  const list = "(SELECT value FROM json_each(?))";
  const accounts = JSON.stringify(accountNos);
  const [first, last] = [`${month}-01`, `${month}-31`];
  return rawBatch(db, [
    [
      `INSERT INTO usage_daily_totals (account_no, local_day, service_id, category, direction, count, duration_sec, minutes, volume_kb, cost_kop)
       SELECT d.account_no, ?, d.service_id, d.category, d.direction, sum(d.count), sum(d.duration_sec), sum(d.minutes), sum(d.volume_kb), sum(d.cost_kop)
       FROM usage_daily_totals d
       WHERE d.account_no IN ${list} AND d.local_day BETWEEN ? AND ?
         AND NOT EXISTS (SELECT 1 FROM usage_daily_totals m WHERE m.account_no = d.account_no AND m.local_day = ?)
       GROUP BY d.account_no, d.service_id, d.category, d.direction
       ON CONFLICT DO NOTHING`,
      month,
      accounts,
      first,
      last,
      month,
    ],
    [`DELETE FROM usage_daily_totals WHERE account_no IN ${list} AND local_day BETWEEN ? AND ?`, accounts, first, last],
  ]);
}

/**
 * Up to `limit` accounts with totals of months before `beforeDay` (a month's first day), and each one's such months
 * (what retention removes): day rows and month rows alike, compared by month (a month row, YYYY-MM, sorts before its
 * own first day).
 */
export async function selectExpiredMonths(db: RegionDb, beforeDay: string, limit: number) {
  const t = usageDailyTotals;
  const beforeMonth = beforeDay.slice(0, 7);
  const accounts = await db
    .selectDistinct({ accountNo: t.accountNo })
    .from(t)
    .where(and(lt(t.localDay, beforeMonth), settledHere(t.accountNo)))
    .limit(limit)
    .all();
  if (accounts.length === 0) return [];
  return db
    .select({ accountNo: t.accountNo, month: sql<string>`substr(${t.localDay}, 1, 7)` })
    .from(t)
    .where(
      and(
        lt(t.localDay, beforeMonth),
        inArray(
          t.accountNo,
          accounts.map((a) => a.accountNo),
        ),
      ),
    )
    .groupBy(t.accountNo, sql`2`)
    .all();
}

/** Deletes these accounts' totals of months before `beforeDay` (a month's first day): day rows and month rows. */
export function deleteTotalsBefore(db: RegionDb, accountNos: string[], beforeDay: string) {
  const t = usageDailyTotals;
  return db
    .delete(t)
    .where(and(lt(t.localDay, beforeDay.slice(0, 7)), inList(t.accountNo, accountNos)))
    .run();
}

/** The account and its services (with tariff kind and name), for filters and report headers. */
export function selectAccountWithServices(db: RegionDb, accountNo: string) {
  return db.batch([
    db.select().from(accounts).where(eq(accounts.accountNo, accountNo)),
    db
      .select({
        id: accountServices.id,
        status: accountServices.status,
        kind: tariffs.kind,
        nameRu: tariffs.nameRu,
        nameEn: tariffs.nameEn,
      })
      .from(accountServices)
      .innerJoin(tariffs, eq(tariffs.id, accountServices.tariffId))
      .where(eq(accountServices.accountNo, accountNo))
      .orderBy(accountServices.startedAt, accountServices.id),
  ]);
}

export type NewReport = typeof usageReports.$inferInsert;
export type Report = typeof usageReports.$inferSelect;

export function insertReport(db: RegionDb, row: NewReport) {
  return db.insert(usageReports).values(row).run();
}

/** The subscriber's reports of an account, newest first. */
export function selectReports(db: RegionDb, accountNo: string, subscriberId: string, limit = 20) {
  return db
    .select()
    .from(usageReports)
    .where(and(eq(usageReports.accountNo, accountNo), eq(usageReports.subscriberId, subscriberId)))
    .orderBy(desc(usageReports.createdAt), desc(usageReports.id))
    .limit(limit)
    .all();
}

export function selectReport(db: RegionDb, accountNo: string, id: string) {
  return db
    .select()
    .from(usageReports)
    .where(and(eq(usageReports.id, id), eq(usageReports.accountNo, accountNo)))
    .get();
}

/**
 * Claims a report for generation: queued (or running, when an earlier attempt
 * died) → running, one attempt more. Returns the row, or nothing when it is
 * already finished (a redelivered message).
 */
export function claimReport(db: RegionDb, id: string, maxAttempts: number) {
  return db
    .update(usageReports)
    .set({ status: "running", attempts: sql`${usageReports.attempts} + 1`, progress: 0 })
    .where(and(eq(usageReports.id, id), inArray(usageReports.status, ["queued", "running"]), lt(usageReports.attempts, maxAttempts)))
    .returning()
    .get();
}

export function setProgress(db: RegionDb, id: string, progress: number) {
  return db
    .update(usageReports)
    .set({ progress })
    .where(and(eq(usageReports.id, id), eq(usageReports.status, "running")))
    .run();
}

export function finishReport(
  db: RegionDb,
  id: string,
  done: { rowCount: number; totalCostKop: number; sizeBytes: number; fileKey: string; readyAt: Date; expiresAt: Date },
) {
  return db
    .update(usageReports)
    .set({ ...done, status: "ready", progress: 100, error: null })
    .where(and(eq(usageReports.id, id), eq(usageReports.status, "running")))
    .returning({ id: usageReports.id })
    .get();
}

/** Marks an unfinished report failed (only a running one when `only` says so). */
export function failReport(db: RegionDb, id: string, error: string, only?: "running") {
  return db
    .update(usageReports)
    .set({ status: "failed", error })
    .where(and(eq(usageReports.id, id), inArray(usageReports.status, only ? [only] : ["queued", "running"])))
    .run();
}

/** Ready reports past their expiry, oldest first. */
export function selectExpiredReports(db: RegionDb, now: Date, limit = 100) {
  return db
    .select({ id: usageReports.id, fileKey: usageReports.fileKey })
    .from(usageReports)
    .where(and(eq(usageReports.status, "ready"), lt(usageReports.expiresAt, now), settledHere(usageReports.accountNo)))
    .orderBy(usageReports.expiresAt)
    .limit(limit)
    .all();
}

/** Marks the reports expired: the ids go as one parameter (a page of 100 bound one by one, with the two set, were 102). */
export function markExpired(db: RegionDb, ids: string[]) {
  return db.update(usageReports).set({ status: "expired", fileKey: null }).where(inList(usageReports.id, ids)).run();
}

/** The subscriber's own email: where a report goes when no other address is given. */
export async function selectSubscriberEmail(db: GlobalDb, subscriberId: string) {
  const row = await db.select({ email: subscribers.email }).from(subscribers).where(eq(subscribers.id, subscriberId)).get();
  return row?.email ?? null;
}
