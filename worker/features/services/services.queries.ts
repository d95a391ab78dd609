import { and, eq, inArray, lte, ne, sql } from "drizzle-orm";
import {
  accountOptions,
  accountServices,
  accounts,
  coverage,
  payments,
  serviceOptions,
  type TariffKind,
  tariffChanges,
  tariffs,
  usageDailyTotals,
  voluntaryBlocks,
} from "../../db/schema/region";
import type { RegionDb } from "../../platform/db";

/** One service of an account with its tariff. */
export function selectService(db: RegionDb, accountNo: string, serviceId: string) {
  return db
    .select({ service: accountServices, tariff: tariffs, account: accounts })
    .from(accountServices)
    .innerJoin(tariffs, eq(tariffs.id, accountServices.tariffId))
    .innerJoin(accounts, eq(accounts.accountNo, accountServices.accountNo))
    .where(and(eq(accountServices.id, serviceId), eq(accountServices.accountNo, accountNo)))
    .get();
}

/** The card the account's last successful card payment came from (a refund on termination goes back to it). */
export function selectLastPaymentCard(db: RegionDb, accountNo: string) {
  return db
    .select({ last4: payments.cardLast4, brand: payments.cardBrand })
    .from(payments)
    .where(and(eq(payments.accountNo, accountNo), eq(payments.status, "succeeded"), sql`${payments.cardLast4} IS NOT NULL`))
    .orderBy(sql`${payments.createdAt} DESC`, sql`${payments.id} DESC`)
    .limit(1)
    .get();
}

export type ServiceRow = NonNullable<Awaited<ReturnType<typeof selectService>>>;

/** The services of an account (not ended) with tariffs. */
export function selectServices(db: RegionDb, accountNo: string) {
  return db
    .select({ service: accountServices, tariff: tariffs })
    .from(accountServices)
    .innerJoin(tariffs, eq(tariffs.id, accountServices.tariffId))
    .where(and(eq(accountServices.accountNo, accountNo), ne(accountServices.status, "ended")))
    .orderBy(accountServices.startedAt, accountServices.id)
    .all();
}

export function selectRegionTariffs(db: RegionDb, region: string, kind?: TariffKind) {
  return db
    .select()
    .from(tariffs)
    .where(and(eq(tariffs.region, region), eq(tariffs.active, true), kind ? eq(tariffs.kind, kind) : undefined))
    .orderBy(tariffs.sort)
    .all();
}

export function selectTariff(db: RegionDb, id: string) {
  return db.select().from(tariffs).where(eq(tariffs.id, id)).get();
}

export function selectPendingChange(db: RegionDb, serviceId: string) {
  return db
    .select()
    .from(tariffChanges)
    .where(and(eq(tariffChanges.serviceId, serviceId), inArray(tariffChanges.status, ["scheduled", "waiting"])))
    .get();
}

/** Replaces a service's pending change (at most one: a partial unique index) with this one, in one transaction. */
export function replacePendingChange(db: RegionDb, row: typeof tariffChanges.$inferInsert) {
  return db.batch([
    db
      .update(tariffChanges)
      .set({ status: "cancelled" })
      .where(and(eq(tariffChanges.serviceId, row.serviceId), inArray(tariffChanges.status, ["scheduled", "waiting"]))),
    db.insert(tariffChanges).values(row),
  ]);
}

export function cancelPendingChange(db: RegionDb, serviceId: string) {
  return db
    .update(tariffChanges)
    .set({ status: "cancelled" })
    .where(and(eq(tariffChanges.serviceId, serviceId), eq(tariffChanges.status, "scheduled")))
    .returning({ id: tariffChanges.id })
    .all();
}

/** Scheduled changes of a region due by `day`. */
export function selectDueChanges(db: RegionDb, region: string, day: string) {
  return db
    .select({ change: tariffChanges })
    .from(tariffChanges)
    .innerJoin(accounts, eq(accounts.accountNo, tariffChanges.accountNo))
    .where(and(eq(accounts.region, region), eq(tariffChanges.status, "scheduled"), lte(tariffChanges.effectiveDay, day)))
    .all();
}

/** Outgoing minutes, data and paid SMS per month of one service, for the advisor (from the usage feature's daily totals). */
export function selectMonthlyUsage(db: RegionDb, serviceId: string, fromDay: string, toDay: string) {
  const u = usageDailyTotals;
  return db
    .select({
      month: sql<string>`substr(${u.localDay}, 1, 7)`,
      category: u.category,
      direction: sql<"in" | "out" | null>`nullif(${u.direction}, 'none')`,
      minutes: sql<number>`coalesce(sum(${u.minutes}), 0)`,
      volumeKb: sql<number>`coalesce(sum(${u.volumeKb}), 0)`,
      count: sql<number>`coalesce(sum(${u.count}), 0)`,
    })
    .from(u)
    .where(and(eq(u.serviceId, serviceId), sql`${u.localDay} BETWEEN ${fromDay} AND ${toDay}`))
    .groupBy(sql`1`, u.category, u.direction)
    .all();
}

/**
 * What each service of an account used of a monthly package between two
 * region-local days, in one aggregate: outgoing minutes (each call rounded up
 * to a whole minute; international calls are charged apart), outgoing SMS and
 * data in KB. Read from the daily totals by their primary key (account, day).
 */
export function selectPackageUsage(db: RegionDb, accountNo: string, fromDay: string, toDay: string) {
  const u = usageDailyTotals;
  return db
    .select({
      serviceId: u.serviceId,
      minutes: sql<number>`coalesce(sum(CASE WHEN ${u.category} IN ('call_local', 'call_mobile', 'call_long_distance') AND ${u.direction} IN ('out', 'none') THEN ${u.minutes} ELSE 0 END), 0)`,
      sms: sql<number>`coalesce(sum(CASE WHEN ${u.category} = 'sms' AND ${u.direction} = 'out' THEN ${u.count} ELSE 0 END), 0)`,
      dataKb: sql<number>`coalesce(sum(CASE WHEN ${u.category} = 'internet' THEN ${u.volumeKb} ELSE 0 END), 0)`,
    })
    .from(u)
    .where(and(eq(u.accountNo, accountNo), sql`${u.localDay} BETWEEN ${fromDay} AND ${toDay}`))
    .groupBy(u.serviceId)
    .all();
}

export function selectRegionOptions(db: RegionDb, region: string) {
  return db.select().from(serviceOptions).where(eq(serviceOptions.region, region)).orderBy(serviceOptions.sort).all();
}

export function selectActiveOptions(db: RegionDb, accountNo: string) {
  return db
    .select()
    .from(accountOptions)
    .where(and(eq(accountOptions.accountNo, accountNo), eq(accountOptions.status, "active")))
    .all();
}

export function insertOption(db: RegionDb, row: typeof accountOptions.$inferInsert) {
  return db.insert(accountOptions).values(row).onConflictDoNothing().returning({ id: accountOptions.id }).all();
}

export function endOption(db: RegionDb, serviceId: string, optionId: string, at: Date) {
  return db
    .update(accountOptions)
    .set({ status: "ended", endedAt: at })
    .where(and(eq(accountOptions.serviceId, serviceId), eq(accountOptions.optionId, optionId), eq(accountOptions.status, "active")))
    .returning({ id: accountOptions.id })
    .all();
}

/** Coverage rows of a street in a region. */
export function selectCoverage(db: RegionDb, region: string, streetKey: string) {
  return db
    .select()
    .from(coverage)
    .where(and(eq(coverage.region, region), eq(coverage.streetKey, streetKey)))
    .all();
}

/** Street names of a region starting with (or containing) the typed text. */
export function selectStreets(db: RegionDb, region: string, key: string, limit = 10) {
  return db
    .selectDistinct({ street: coverage.street })
    .from(coverage)
    .where(and(eq(coverage.region, region), sql`${coverage.streetKey} LIKE ${`%${key.replace(/[%_]/g, "")}%`}`))
    .orderBy(coverage.street)
    .limit(limit)
    .all();
}

export type Block = typeof voluntaryBlocks.$inferSelect;

export function selectServiceBlocks(db: RegionDb, serviceId: string) {
  return db
    .select()
    .from(voluntaryBlocks)
    .where(and(eq(voluntaryBlocks.serviceId, serviceId), inArray(voluntaryBlocks.status, ["scheduled", "active", "ended"])))
    .orderBy(voluntaryBlocks.fromDay)
    .all();
}

export function selectAccountBlocks(db: RegionDb, accountNo: string) {
  return db
    .select()
    .from(voluntaryBlocks)
    .where(and(eq(voluntaryBlocks.accountNo, accountNo), inArray(voluntaryBlocks.status, ["scheduled", "active"])))
    .orderBy(voluntaryBlocks.fromDay)
    .all();
}

export function insertBlock(db: RegionDb, row: typeof voluntaryBlocks.$inferInsert) {
  return db.insert(voluntaryBlocks).values(row).run();
}

export function selectBlock(db: RegionDb, id: string) {
  return db.select().from(voluntaryBlocks).where(eq(voluntaryBlocks.id, id)).get();
}

/** Blocks of a region to start at `day` (scheduled, begun by then) and to end (active, over before it). */
export function selectBlocksDue(db: RegionDb, region: string, day: string) {
  return db.batch([
    db
      .select()
      .from(voluntaryBlocks)
      .where(and(eq(voluntaryBlocks.region, region), eq(voluntaryBlocks.status, "scheduled"), lte(voluntaryBlocks.fromDay, day))),
    db
      .select()
      .from(voluntaryBlocks)
      .where(and(eq(voluntaryBlocks.region, region), eq(voluntaryBlocks.status, "active"), sql`${voluntaryBlocks.toDay} < ${day}`)),
  ]);
}
