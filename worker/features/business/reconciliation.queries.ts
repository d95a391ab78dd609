import { and, asc, eq, inArray, lt, sql } from "drizzle-orm";
import { accountDirectory, orgAccounts, orgMembers } from "../../db/schema/global";
import { homeReconciliations as reconciliations } from "../../db/schema/region";
import type { GlobalDb, RegionDb } from "../../platform/db";
import { subscriberIs } from "../../platform/session";
import type { Who } from "./business.queries";

/**
 * Every account of the organisation the member may see (their scope, or all), with its region and shard, by
 * number: what an act covers when no accounts are chosen.
 */
export function selectScopeAccounts(db: GlobalDb, orgId: string, who: Who) {
  const scope = sql`(SELECT ${orgMembers.accountScope} FROM ${orgMembers} WHERE ${orgMembers.orgId} = ${orgId} AND ${subscriberIs(orgMembers.subscriberId, who)})`;
  return db
    .select({ accountNo: orgAccounts.accountNo, region: accountDirectory.region, shard: accountDirectory.shard })
    .from(orgAccounts)
    .innerJoin(accountDirectory, eq(accountDirectory.accountNo, orgAccounts.accountNo))
    .where(
      and(eq(orgAccounts.orgId, orgId), sql`(${scope} IS NULL OR ${orgAccounts.accountNo} IN (SELECT value FROM json_each(${scope})))`),
    )
    .orderBy(asc(orgAccounts.accountNo));
}

/** The region and shard of each of these accounts (the list bound once, as JSON). */
export function selectDirectory(db: GlobalDb, accountNos: string[]) {
  return db
    .select({ accountNo: accountDirectory.accountNo, region: accountDirectory.region, shard: accountDirectory.shard })
    .from(accountDirectory)
    .where(sql`${accountDirectory.accountNo} IN (SELECT value FROM json_each(${JSON.stringify(accountNos)}))`);
}

/**
 * The act's row, where it is: the organisation's home shard its id names, or the global table an older deployment kept
 * (read as a home shard: the same name and columns, features/business/org-home.ts `reconciliationStore`).
 */
export function selectReconciliationRow(db: RegionDb, orgId: string, id: string) {
  return db
    .select()
    .from(reconciliations)
    .where(and(eq(reconciliations.orgId, orgId), eq(reconciliations.id, id)));
}

/**
 * Takes a queued (or interrupted) act for making: one more attempt, status running; nothing when it is ready or
 * failed already, or out of attempts.
 */
export function claimReconciliation(db: RegionDb, id: string, maxAttempts: number) {
  return db
    .update(reconciliations)
    .set({ status: "running", attempts: sql`${reconciliations.attempts} + 1` })
    .where(
      and(eq(reconciliations.id, id), inArray(reconciliations.status, ["queued", "running"]), lt(reconciliations.attempts, maxAttempts)),
    )
    .returning();
}

/** An act being made (a later share of its read goes on only while it is). */
export function selectRunningReconciliation(db: RegionDb, id: string) {
  return db
    .select()
    .from(reconciliations)
    .where(and(eq(reconciliations.id, id), eq(reconciliations.status, "running")))
    .all();
}

export function finishReconciliation(
  db: RegionDb,
  id: string,
  done: { openingKop: number; debitKop: number; creditKop: number; closingKop: number; pdfKey: string; xlsxKey: string; readyAt: Date },
) {
  return db
    .update(reconciliations)
    .set({ ...done, status: "ready", error: null })
    .where(and(eq(reconciliations.id, id), eq(reconciliations.status, "running")))
    .returning({ id: reconciliations.id });
}

export function failReconciliation(db: RegionDb, id: string, error: string) {
  return db
    .update(reconciliations)
    .set({ status: "failed", error })
    .where(and(eq(reconciliations.id, id), inArray(reconciliations.status, ["queued", "running"])));
}
