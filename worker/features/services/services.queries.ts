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
} from "../../db/schema/region";
import { type AccountScope, settledHere } from "../../platform/arriving";
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
/** Writes a service's new pending change in place of any other; gives back the applications of those it cancelled. */
export async function replacePendingChange(db: RegionDb, row: typeof tariffChanges.$inferInsert): Promise<string[]> {
  const [cancelled] = await db.batch([
    db
      .update(tariffChanges)
      .set({ status: "cancelled" })
      .where(and(eq(tariffChanges.serviceId, row.serviceId), inArray(tariffChanges.status, ["scheduled", "waiting"])))
      .returning({ applicationId: tariffChanges.applicationId }),
    db.insert(tariffChanges).values(row),
  ]);
  return cancelled.flatMap((c) => (c.applicationId ? [c.applicationId] : []));
}

export function cancelPendingChange(db: RegionDb, serviceId: string) {
  return db
    .update(tariffChanges)
    .set({ status: "cancelled" })
    .where(and(eq(tariffChanges.serviceId, serviceId), eq(tariffChanges.status, "scheduled")))
    .returning({ id: tariffChanges.id })
    .all();
}

export type TariffChange = typeof tariffChanges.$inferSelect;

/** One account's scheduled changes due by `day` (a day its region's run passed it by while a shard move had it). */
export function selectAccountDueChanges(db: RegionDb, accountNo: string, day: string, taken: AccountScope = settledHere) {
  return db
    .select({ change: tariffChanges })
    .from(tariffChanges)
    .where(
      and(
        eq(tariffChanges.accountNo, accountNo),
        eq(tariffChanges.status, "scheduled"),
        lte(tariffChanges.effectiveDay, day),
        taken(tariffChanges.accountNo),
      ),
    )
    .all();
}

/** Scheduled changes of a region due by `day`, at most `limit`. */
export function selectDueChanges(db: RegionDb, region: string, day: string, limit = -1) {
  return db
    .select({ change: tariffChanges })
    .from(tariffChanges)
    .innerJoin(accounts, eq(accounts.accountNo, tariffChanges.accountNo))
    .where(
      and(
        eq(accounts.region, region),
        eq(tariffChanges.status, "scheduled"),
        lte(tariffChanges.effectiveDay, day),
        settledHere(accounts.accountNo),
      ),
    )
    .limit(limit)
    .all();
}

/**
 * Carries out a scheduled change, once, in one transaction: the old service
 * ends, the new one starts (`startedAt`), the old one's active options move to
 * it and the change is applied. Each step holds only while the change is still
 * scheduled, so a second run changes nothing. How many services were started (1 or 0).
 */
export async function applyScheduledChange(db: RegionDb, change: TariffChange, startedAt: Date): Promise<number> {
  const changeId = change.id;
  const due = sql`EXISTS (SELECT 1 FROM ${tariffChanges} WHERE ${tariffChanges.id} = ${changeId} AND ${tariffChanges.status} = 'scheduled')`;
  const [, started] = await db.batch([
    db
      .update(accountServices)
      .set({ status: "ended" })
      .where(and(eq(accountServices.id, change.serviceId), due)),
    db
      .insert(accountServices)
      // The row is read from the change only to hold its condition: the values are the change's, as scheduled.
      .select(
        db
          .select({
            id: sql<string>`${change.newServiceId}`.as("id"),
            accountNo: sql<string>`${change.accountNo}`.as("account_no"),
            tariffId: sql<string>`${change.toTariffId}`.as("tariff_id"),
            status: sql<"active">`'active'`.as("status"),
            startedAt: sql<Date>`${startedAt.getTime()}`.as("started_at"),
          })
          .from(tariffChanges)
          .where(and(eq(tariffChanges.id, changeId), eq(tariffChanges.status, "scheduled"))),
      )
      .onConflictDoNothing(),
    db
      .update(accountOptions)
      .set({ serviceId: sql`${change.newServiceId}` })
      .where(and(eq(accountOptions.serviceId, change.serviceId), eq(accountOptions.status, "active"), due)),
    db
      .update(tariffChanges)
      .set({ status: "applied" })
      .where(and(eq(tariffChanges.id, changeId), eq(tariffChanges.status, "scheduled"))),
  ]);
  return started.meta.changes ?? 0;
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
