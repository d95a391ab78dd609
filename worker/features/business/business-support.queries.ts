import { and, desc, eq } from "drizzle-orm";
import { accountDirectory, orgAccounts, orgManagers, subscribers } from "../../db/schema/global";
import { homeOrgTickets } from "../../db/schema/region";
import type { GlobalDb, RegionDb } from "../../platform/db";

/** How many of an organisation's latest requests its list shows. */
export const ORG_TICKETS_LISTED = 50;
/** Entries read beyond the list: an entry whose request was never written (its run died between) must not push a real one off. */
export const ORG_TICKETS_SLACK = 10;

export const selectManager = (db: GlobalDb, orgId: string) =>
  db
    .select({ name: orgManagers.name, phone: orgManagers.phone, email: orgManagers.email })
    .from(orgManagers)
    .where(eq(orgManagers.orgId, orgId));

/** One of the organisation's accounts with its region; empty for any other account. */
export const selectOrgAccount = (db: GlobalDb, orgId: string, accountNo: string) =>
  db
    .select({ accountNo: orgAccounts.accountNo, region: accountDirectory.region })
    .from(orgAccounts)
    .innerJoin(accountDirectory, eq(accountDirectory.accountNo, orgAccounts.accountNo))
    .where(and(eq(orgAccounts.orgId, orgId), eq(orgAccounts.accountNo, accountNo)));

export const selectPersonName = (db: GlobalDb, subscriberId: string) =>
  db.select({ name: subscribers.displayName }).from(subscribers).where(eq(subscribers.id, subscriberId));

/**
 * The organisation's latest requests' entries (their shard rows are read after): on its home shard (issue 20), or in the
 * global table an older deployment wrote (read as a home shard: same name and columns, `legacyOf`).
 */
export const selectOrgTicketEntries = (db: RegionDb, orgId: string, limit = ORG_TICKETS_LISTED + ORG_TICKETS_SLACK) =>
  db
    .select()
    .from(homeOrgTickets)
    .where(eq(homeOrgTickets.orgId, orgId))
    .orderBy(desc(homeOrgTickets.createdAt), desc(homeOrgTickets.id))
    .limit(limit);

/**
 * An organisation's entry, where new ones go: its home shard, or the global table (read as a home shard: same name and
 * columns) while the deployment keeps them there (`ORG_TICKETS_STORE`).
 */
export const insertOrgTicket = (db: RegionDb, row: typeof homeOrgTickets.$inferInsert) => db.insert(homeOrgTickets).values(row).run();
/** Takes back an organisation's entry whose request was surely not written. */
export const deleteOrgTicket = (db: RegionDb, orgId: string, id: string) =>
  db
    .delete(homeOrgTickets)
    .where(and(eq(homeOrgTickets.orgId, orgId), eq(homeOrgTickets.id, id)))
    .run();

export const upsertManager = (db: GlobalDb, row: typeof orgManagers.$inferInsert) =>
  db
    .insert(orgManagers)
    .values(row)
    .onConflictDoUpdate({
      target: orgManagers.orgId,
      set: { name: row.name, phone: row.phone, email: row.email, updatedAt: row.updatedAt },
    });

export const deleteManager = (db: GlobalDb, orgId: string) =>
  db.delete(orgManagers).where(eq(orgManagers.orgId, orgId)).returning({ orgId: orgManagers.orgId });
