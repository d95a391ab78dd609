import { and, asc, count, eq, type SQLWrapper, sql, sum } from "drizzle-orm";
import { accountDirectory, orgAccounts, orgSites } from "../../db/schema/global";
import { accountServices, tariffs } from "../../db/schema/region";
import type { GlobalDb, RegionDb } from "../../platform/db";
import { selectAccountBalancesIn } from "../billing/ledger.service";
import { inMemberScope, type Who } from "./business.queries";

/** A list of values bound as one JSON array (`IN (SELECT value FROM json_each(?))`): one bound value however long. */
export const inJson = (column: SQLWrapper, values: readonly string[]) =>
  sql`${column} IN (SELECT value FROM json_each(${JSON.stringify(values)}))`;

/** Every account the member may see, with its region, shard and site: the global half of the accounts list. */
export function selectScopedAccountRows(db: GlobalDb, orgId: string, who: Who) {
  return db
    .select({
      accountNo: orgAccounts.accountNo,
      region: accountDirectory.region,
      shard: accountDirectory.shard,
      siteId: orgAccounts.siteId,
      siteName: orgSites.name,
      siteAddress: orgSites.address,
    })
    .from(orgAccounts)
    .innerJoin(accountDirectory, eq(accountDirectory.accountNo, orgAccounts.accountNo))
    .leftJoin(orgSites, eq(orgSites.id, orgAccounts.siteId))
    .where(and(eq(orgAccounts.orgId, orgId), inMemberScope(orgId, who)))
    .orderBy(asc(orgAccounts.accountNo));
}

/** The organisation's sites, by name, each with how many of the member's accounts are there. */
export function selectScopedSites(db: GlobalDb, orgId: string, who: Who) {
  const visible = db
    .select({ siteId: orgAccounts.siteId, n: count().as("n") })
    .from(orgAccounts)
    .where(and(eq(orgAccounts.orgId, orgId), inMemberScope(orgId, who)))
    .groupBy(orgAccounts.siteId)
    .as("visible");
  return db
    .select({ id: orgSites.id, name: orgSites.name, address: orgSites.address, accounts: sql<number>`coalesce(${visible.n}, 0)` })
    .from(orgSites)
    .leftJoin(visible, eq(visible.siteId, orgSites.id))
    .where(eq(orgSites.orgId, orgId))
    .orderBy(asc(orgSites.name));
}

/** One site of the organisation (empty when it is not the organisation's). */
export function selectSite(db: GlobalDb, orgId: string, siteId: string) {
  return db
    .select({ id: orgSites.id, name: orgSites.name, address: orgSites.address })
    .from(orgSites)
    .where(and(eq(orgSites.orgId, orgId), eq(orgSites.id, siteId)));
}

/** One account of the organisation with its site (empty when it is not the organisation's). */
export function selectOrgAccount(db: GlobalDb, orgId: string, accountNo: string) {
  return db
    .select({ accountNo: orgAccounts.accountNo, siteId: orgAccounts.siteId })
    .from(orgAccounts)
    .where(and(eq(orgAccounts.orgId, orgId), eq(orgAccounts.accountNo, accountNo)));
}

/**
 * Address, status, balance and the active services' monthly fees of many accounts of one shard: two statements in
 * one batch (one round trip), the numbers bound as one JSON array each, so any count stays within D1's 100 bound
 * values.
 */
export async function selectShardFigures(db: RegionDb, accountNos: readonly string[]) {
  const [rows, fees] = await db.batch([
    selectAccountBalancesIn(db, accountNos),
    db
      .select({ accountNo: accountServices.accountNo, monthlyKop: sum(tariffs.priceKop).mapWith(Number) })
      .from(accountServices)
      .innerJoin(tariffs, eq(tariffs.id, accountServices.tariffId))
      .where(and(inJson(accountServices.accountNo, accountNos), eq(accountServices.status, "active")))
      .groupBy(accountServices.accountNo),
  ]);
  return { rows, fees };
}
