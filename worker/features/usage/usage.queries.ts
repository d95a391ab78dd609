import { and, between, count, desc, eq, inArray, lt, sql, sum } from "drizzle-orm";
import { subscribers } from "../../db/schema/global";
import { accountServices, accounts, tariffs, type UsageCategory, usageRecords, usageReports } from "../../db/schema/region";
import type { GlobalDb, RegionDb } from "../../platform/db";

/** What a detail view or report selects: one account, a region-local period, optionally one service, some categories. */
export interface UsageFilter {
  accountNo: string;
  fromDay: string;
  toDay: string;
  serviceId: string | null;
  categories: readonly UsageCategory[];
}

/** Keyset position in the (local_day, started_at, id) order of the index: pages never skip or repeat a row. */
export interface UsageCursor {
  day: string;
  at: number;
  id: string;
}

function where(f: UsageFilter, after: UsageCursor | null) {
  return and(
    eq(usageRecords.accountNo, f.accountNo),
    between(usageRecords.localDay, f.fromDay, f.toDay),
    f.serviceId ? eq(usageRecords.serviceId, f.serviceId) : undefined,
    inArray(usageRecords.category, [...f.categories]),
    after
      ? sql`(${usageRecords.localDay}, ${usageRecords.startedAt}, ${usageRecords.id}) > (${after.day}, ${after.at}, ${after.id})`
      : undefined,
  );
}

/** Records in time order after `after`, at most `limit` (the index order: no sort). */
export function selectUsage(db: RegionDb, f: UsageFilter, after: UsageCursor | null, limit: number) {
  return db
    .select()
    .from(usageRecords)
    .where(where(f, after))
    .orderBy(usageRecords.localDay, usageRecords.startedAt, usageRecords.id)
    .limit(limit)
    .all();
}

export type UsageRecord = Awaited<ReturnType<typeof selectUsage>>[number];

/** Count, duration, volume and cost per category over the whole filter. */
export function selectUsageTotals(db: RegionDb, f: UsageFilter) {
  return db
    .select({
      category: usageRecords.category,
      count: count(),
      durationSec: sum(usageRecords.durationSec).mapWith(Number),
      volumeKb: sum(usageRecords.volumeKb).mapWith(Number),
      costKop: sum(usageRecords.costKop).mapWith(Number),
    })
    .from(usageRecords)
    .where(where(f, null))
    .groupBy(usageRecords.category)
    .all();
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
    .where(and(eq(usageReports.status, "ready"), lt(usageReports.expiresAt, now)))
    .orderBy(usageReports.expiresAt)
    .limit(limit)
    .all();
}

export function markExpired(db: RegionDb, ids: string[]) {
  return db.update(usageReports).set({ status: "expired", fileKey: null }).where(inArray(usageReports.id, ids)).run();
}

/** The subscriber's own email: where a report goes when no other address is given. */
export async function selectSubscriberEmail(db: GlobalDb, subscriberId: string) {
  const row = await db.select({ email: subscribers.email }).from(subscribers).where(eq(subscribers.id, subscriberId)).get();
  return row?.email ?? null;
}
