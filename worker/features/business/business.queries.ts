import { and, asc, count, desc, eq, gt, inArray, isNull, lt, type SQL, sql, sum } from "drizzle-orm";
import {
  accountDirectory,
  orgAccounts,
  orgAudit,
  organisations,
  orgInvites,
  orgMembers,
  orgSites,
  subscribers,
} from "../../db/schema/global";
import { accountServices, accounts, tariffs } from "../../db/schema/region";
import type { GlobalDb, RegionDb } from "../../platform/db";
import { type SessionSubscriber, subscriberIs } from "../../platform/session";
import { selectBalances } from "../billing/ledger.service";

/** A person: their id, or the session's subscriber as a subquery (a read made in the session's batch). */
export type Who = string | SessionSubscriber;

/**
 * The accounts a membership is limited to, as a JSON array of account numbers (NULL: every account): those of its
 * account scope and those now at the sites of its site scope (a site's accounts follow it).
 */
export const effectiveScope = sql<
  string | null
>`CASE WHEN ${orgMembers.siteScope} IS NULL THEN ${orgMembers.accountScope} ELSE (SELECT json_group_array(${orgAccounts.accountNo}) FROM ${orgAccounts} WHERE ${orgAccounts.orgId} = ${orgMembers.orgId} AND (${orgAccounts.siteId} IN (SELECT value FROM json_each(${orgMembers.siteScope})) OR ${orgAccounts.accountNo} IN (SELECT value FROM json_each(coalesce(${orgMembers.accountScope}, '[]'))))) END`;

/**
 * The person's membership of the organisation (empty when none): read in the same batch as what the route shows.
 * `accountScope` is the effective one: the accounts of the member's sites are in it.
 */
export function selectMember(db: GlobalDb, orgId: string, who: Who) {
  return db
    .select({ role: orgMembers.role, accountScope: effectiveScope })
    .from(orgMembers)
    .where(and(eq(orgMembers.orgId, orgId), subscriberIs(orgMembers.subscriberId, who)));
}

/** Every organisation the person belongs to, with their role, by name. */
export function selectMyOrganisations(db: GlobalDb, who: Who) {
  return db
    .select({ id: organisations.id, name: organisations.name, kind: organisations.kind, inn: organisations.inn, role: orgMembers.role })
    .from(orgMembers)
    .innerJoin(organisations, eq(organisations.id, orgMembers.orgId))
    .where(subscriberIs(orgMembers.subscriberId, who))
    .orderBy(asc(organisations.name));
}

export function selectOrganisation(db: GlobalDb, orgId: string) {
  return db.select().from(organisations).where(eq(organisations.id, orgId));
}

/**
 * The accounts the member may see: all of the organisation's, or only those of their scope (JSON arrays of accounts
 * and of sites on the membership, read by the same statement, so this goes in one batch with the membership check).
 */
export function inMemberScope(orgId: string, who: Who): SQL {
  const of = (column: typeof orgMembers.accountScope | typeof orgMembers.siteScope) =>
    sql`(SELECT ${column} FROM ${orgMembers} WHERE ${orgMembers.orgId} = ${orgId} AND ${subscriberIs(orgMembers.subscriberId, who)})`;
  const accounts = of(orgMembers.accountScope);
  const sites = of(orgMembers.siteScope);
  return sql`((${accounts} IS NULL AND ${sites} IS NULL) OR ${orgAccounts.accountNo} IN (SELECT value FROM json_each(${accounts})) OR ${orgAccounts.siteId} IN (SELECT value FROM json_each(${sites})))`;
}

export function countScopedAccounts(db: GlobalDb, orgId: string, who: Who) {
  return db
    .select({ n: count() })
    .from(orgAccounts)
    .where(and(eq(orgAccounts.orgId, orgId), inMemberScope(orgId, who)));
}

/** A page of the member's accounts by number, after `after`, with each one's region and shard. */
export function selectScopedAccounts(db: GlobalDb, orgId: string, who: Who, after: string | null, limit: number) {
  return db
    .select({ accountNo: orgAccounts.accountNo, region: accountDirectory.region, shard: accountDirectory.shard })
    .from(orgAccounts)
    .innerJoin(accountDirectory, eq(accountDirectory.accountNo, orgAccounts.accountNo))
    .where(and(eq(orgAccounts.orgId, orgId), inMemberScope(orgId, who), after ? gt(orgAccounts.accountNo, after) : undefined))
    .orderBy(asc(orgAccounts.accountNo))
    .limit(limit + 1);
}

/** D1 binds at most 100 values to one statement: account numbers go in lists this long. */
const BIND_CHUNK = 90;

/** `list` in pieces of at most `size`. */
export function chunks<T>(list: readonly T[], size = BIND_CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}

/**
 * Which of these numbers are the organisation's accounts, and which belong to any organisation: one batch, the numbers
 * in lists D1 can bind (whether they exist at all: their places, platform/places.ts).
 */
export async function selectAccountFacts(db: GlobalDb, orgId: string, accountNos: string[]) {
  const parts = chunks(accountNos);
  if (parts.length === 0) return { ofOrg: [], taken: [] };
  const statements = parts.flatMap((nos) => [
    db
      .select({ accountNo: orgAccounts.accountNo })
      .from(orgAccounts)
      .where(and(eq(orgAccounts.orgId, orgId), inArray(orgAccounts.accountNo, nos))),
    db.select({ accountNo: orgAccounts.accountNo }).from(orgAccounts).where(inArray(orgAccounts.accountNo, nos)),
  ]);
  const [first, ...rest] = statements;
  if (!first) return { ofOrg: [], taken: [] };
  const results = (await db.batch([first, ...rest])) as { accountNo: string }[][];
  const pick = (k: number) => results.filter((_, i) => i % 2 === k).flat();
  return { ofOrg: pick(0), taken: pick(1) };
}

/**
 * Accounts, balances and the active services' monthly fees of many accounts in one shard: one round trip (a D1
 * batch), the numbers split into lists D1 can bind.
 */
export async function selectShardBalances(db: RegionDb, accountNos: string[]) {
  const statements = chunks(accountNos).flatMap((nos) => [
    db
      .select({ accountNo: accounts.accountNo, address: accounts.address, status: accounts.status })
      .from(accounts)
      .where(inArray(accounts.accountNo, nos)),
    // The balance as everywhere (billing/ledger.service.ts): the last closed month's closing plus the later
    // entries; a sum of the entries alone misses the years archived to R2.
    selectBalances(db, nos),
    db
      .select({ accountNo: accountServices.accountNo, monthlyKop: sum(tariffs.priceKop).mapWith(Number) })
      .from(accountServices)
      .innerJoin(tariffs, eq(tariffs.id, accountServices.tariffId))
      .where(and(inArray(accountServices.accountNo, nos), eq(accountServices.status, "active")))
      .groupBy(accountServices.accountNo),
  ]);
  const [first, ...rest] = statements;
  if (!first) return { accounts: [], balances: [], fees: [] };
  const results = (await db.batch([first, ...rest])) as unknown[][];
  return {
    accounts: results.filter((_, i) => i % 3 === 0).flat() as {
      accountNo: string;
      address: string;
      status: "active" | "blocked" | "closed";
    }[],
    balances: results.filter((_, i) => i % 3 === 1).flat() as { accountNo: string; balanceKop: number | null }[],
    fees: results.filter((_, i) => i % 3 === 2).flat() as { accountNo: string; monthlyKop: number | null }[],
  };
}

/** Which of these site ids are the organisation's (the list bound as one JSON value). */
export function selectSitesOf(db: GlobalDb, orgId: string, siteIds: string[]) {
  return db
    .select({ id: orgSites.id })
    .from(orgSites)
    .where(and(eq(orgSites.orgId, orgId), sql`${orgSites.id} IN (SELECT value FROM json_each(${JSON.stringify(siteIds)}))`))
    .all();
}

export function selectMembers(db: GlobalDb, orgId: string) {
  return db
    .select({
      subscriberId: orgMembers.subscriberId,
      name: subscribers.displayName,
      phone: subscribers.phone,
      email: subscribers.email,
      role: orgMembers.role,
      accountScope: orgMembers.accountScope,
      siteScope: orgMembers.siteScope,
      since: orgMembers.createdAt,
    })
    .from(orgMembers)
    .innerJoin(subscribers, eq(subscribers.id, orgMembers.subscriberId))
    .where(eq(orgMembers.orgId, orgId))
    .orderBy(asc(subscribers.displayName));
}

export function selectPendingInvites(db: GlobalDb, orgId: string, now: Date) {
  return db
    .select({
      id: orgInvites.id,
      contact: orgInvites.contact,
      channel: orgInvites.channel,
      role: orgInvites.role,
      accountScope: orgInvites.accountScope,
      siteScope: orgInvites.siteScope,
      expiresAt: orgInvites.expiresAt,
    })
    .from(orgInvites)
    .where(and(eq(orgInvites.orgId, orgId), isNull(orgInvites.acceptedAt), gt(orgInvites.expiresAt, now)))
    .orderBy(desc(orgInvites.createdAt));
}

/** A page of the audit log, newest first, older than `before` (an entry id: ids are time-ordered). */
/** Which audit entries to show: a kind of action (the actions' prefixes), a person, a period of Moscow days. */
export interface AuditFilter {
  kind?: AuditKind;
  actor?: string;
  from?: string;
  to?: string;
}
export const AUDIT_KINDS = {
  people: ["org.", "member.", "invite."],
  money: ["payment.", "invoice."],
  numbers: ["number."],
  sites: ["site.", "account."],
  documents: ["reconciliation.", "closing.", "accounts.exported", "audit.exported"],
  support: ["support.", "manager."],
} as const;
export type AuditKind = keyof typeof AUDIT_KINDS;

/** A Moscow calendar day's first and last millisecond (the cabinet's dates in the log are Moscow's). */
const moscowDay = (day: string, end: boolean) => new Date(`${day}T${end ? "23:59:59.999" : "00:00:00.000"}+03:00`);

function auditWhere(orgId: string, before: string | null, f: AuditFilter): SQL {
  const prefixes = f.kind ? AUDIT_KINDS[f.kind] : [];
  return and(
    eq(orgAudit.orgId, orgId),
    before ? lt(orgAudit.id, before) : undefined,
    prefixes.length
      ? sql`(${sql.join(
          prefixes.map((p) => (p.endsWith(".") ? sql`${orgAudit.action} LIKE ${`${p}%`}` : sql`${orgAudit.action} = ${p}`)),
          sql` OR `,
        )})`
      : undefined,
    f.actor ? eq(orgAudit.actorId, f.actor) : undefined,
    f.from ? sql`${orgAudit.createdAt} >= ${moscowDay(f.from, false).getTime()}` : undefined,
    f.to ? sql`${orgAudit.createdAt} <= ${moscowDay(f.to, true).getTime()}` : undefined,
  ) as SQL;
}

/** A page of the audit from the global table or from the home shard's (the same columns: db/schema/region.ts). */
export function selectAudit(db: GlobalDb | RegionDb, orgId: string, before: string | null, limit: number, f: AuditFilter = {}) {
  return db
    .select()
    .from(orgAudit)
    .where(auditWhere(orgId, before, f))
    .orderBy(desc(orgAudit.id))
    .limit(limit + 1);
}

export { type AuditEntry, insertAudit, insertAuditNamed } from "./audit.writer";
