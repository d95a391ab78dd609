import { and, eq, inArray, or, type SQL, type SQLWrapper, sql } from "drizzle-orm";
import { orgAccounts, orgMembers } from "../../db/schema/global";
import { corporateNumbers } from "../../db/schema/region";
import type { GlobalDb, RegionDb } from "../../platform/db";
import type { RawStatement } from "../billing/ledger.service";
import { chunks } from "./business.queries";

export type NumberRow = typeof corporateNumbers.$inferSelect;

/** A drizzle statement as one of `rawBatch`'s, to share a transaction with the ledger's conditional entry. */
export function raw(query: { toSQL(): { sql: string; params: unknown[] } }): RawStatement {
  const q = query.toSQL();
  return [q.sql, ...q.params];
}

/** The corporate numbers of these accounts of one shard: one round trip, the accounts in lists D1 can bind. */
export async function selectNumbersOf(db: RegionDb, accountNos: string[]): Promise<NumberRow[]> {
  const statements = chunks(accountNos).map((nos) => db.select().from(corporateNumbers).where(inArray(corporateNumbers.accountNo, nos)));
  const [first, ...rest] = statements;
  if (!first) return [];
  return ((await db.batch([first, ...rest])) as NumberRow[][]).flat();
}

export function selectNumber(db: RegionDb, msisdn: string) {
  return db.select().from(corporateNumbers).where(eq(corporateNumbers.msisdn, msisdn)).get();
}

/** The number is served (charged) this month: no person's block, no limit block for `month`. */
export function servedIn(month: string): SQL {
  return sql`${corporateNumbers.status} = 'active' AND (${corporateNumbers.limitBlockedMonth} IS NULL OR ${corporateNumbers.limitBlockedMonth} <> ${month})`;
}

/** The month's spend as stored: another month's counts as nothing yet. */
const spendIn = (month: string) => sql`(CASE WHEN ${corporateNumbers.spendMonth} = ${month} THEN ${corporateNumbers.spendKop} ELSE 0 END)`;

/**
 * Adds a charge to the number's spend of `month`, if it is served and the charge's key is not in the ledger yet:
 * the first statement of the charge's batch; the ledger entry that follows is written on `changes() = 1`.
 */
export function addSpend(
  db: RegionDb,
  msisdn: string,
  accountNo: string,
  month: string,
  amountKop: number,
  ledgerKeyAbsent: SQL,
  now: Date,
) {
  return db
    .update(corporateNumbers)
    .set({ spendKop: sql`${spendIn(month)} + ${amountKop}`, spendMonth: month, updatedAt: now })
    .where(and(eq(corporateNumbers.msisdn, msisdn), eq(corporateNumbers.accountNo, accountNo), servedIn(month), ledgerKeyAbsent));
}

/**
 * What the number's spend of `month` has crossed, each made once: the limit block (if chosen) and the 80 % and
 * 100 % notices. Conditional updates in the batch of the change that moved the spend or the limit, so of
 * concurrent charges exactly one sees a threshold newly crossed (D1 runs batches one at a time).
 */
export function thresholdStatements(db: RegionDb, msisdn: string, month: string, now: Date) {
  const mine = eq(corporateNumbers.msisdn, msisdn);
  const spent = sql`${corporateNumbers.spendMonth} = ${month} AND ${corporateNumbers.limitKop} > 0`;
  const notYet = (col: SQLWrapper) => sql`(${col} IS NULL OR ${col} <> ${month})`;
  const crossed = { spendKop: corporateNumbers.spendKop, limitKop: corporateNumbers.limitKop };
  return [
    db
      .update(corporateNumbers)
      .set({ limitBlockedMonth: month, updatedAt: now })
      .where(
        and(
          mine,
          spent,
          eq(corporateNumbers.blockAtLimit, true),
          sql`${corporateNumbers.spendKop} >= ${corporateNumbers.limitKop}`,
          notYet(corporateNumbers.limitBlockedMonth),
        ),
      )
      .returning({ msisdn: corporateNumbers.msisdn }),
    db
      .update(corporateNumbers)
      .set({ alert80Month: month })
      .where(
        and(
          mine,
          spent,
          sql`${corporateNumbers.spendKop} * 100 >= ${corporateNumbers.limitKop} * 80`,
          notYet(corporateNumbers.alert80Month),
        ),
      )
      .returning(crossed),
    db
      .update(corporateNumbers)
      .set({ alert100Month: month })
      .where(and(mine, spent, sql`${corporateNumbers.spendKop} >= ${corporateNumbers.limitKop}`, notYet(corporateNumbers.alert100Month)))
      .returning(crossed),
  ] as const;
}

/**
 * A new assignment, limit and block choice. A changed limit forgets the month's notices and limit block the new
 * limit is not reached for (they come again when it is), and keeps those it is.
 */
export function updateSettings(
  db: RegionDb,
  msisdn: string,
  month: string,
  set: {
    assigneeKind: "employee" | "device";
    assigneeName: string;
    assigneeSubscriberId: string | null;
    limitKop: number | null;
    blockAtLimit: boolean;
  },
  now: Date,
) {
  const limit = set.limitKop;
  const reached = (pct: number) =>
    limit === null ? sql`0` : sql`(${corporateNumbers.spendMonth} = ${month} AND ${corporateNumbers.spendKop} * 100 >= ${limit * pct})`;
  return db
    .update(corporateNumbers)
    .set({
      ...set,
      alert80Month: sql`CASE WHEN ${reached(80)} THEN ${corporateNumbers.alert80Month} ELSE NULL END`,
      alert100Month: sql`CASE WHEN ${reached(100)} THEN ${corporateNumbers.alert100Month} ELSE NULL END`,
      limitBlockedMonth: set.blockAtLimit ? sql`CASE WHEN ${reached(100)} THEN ${corporateNumbers.limitBlockedMonth} ELSE NULL END` : null,
      updatedAt: now,
    })
    .where(eq(corporateNumbers.msisdn, msisdn))
    .returning();
}

/** A person's block of the number (a lost SIM) or its end; the row as it is after, if it changed. */
export function setBlocked(db: RegionDb, msisdn: string, blocked: boolean, now: Date) {
  return db
    .update(corporateNumbers)
    .set({ status: blocked ? "blocked" : "active", updatedAt: now })
    .where(and(eq(corporateNumbers.msisdn, msisdn), eq(corporateNumbers.status, blocked ? "active" : "blocked")))
    .returning();
}

/**
 * Who hears of a number's limit: the administrators of the organisation of the account, and the assignee if they
 * are its member; with the organisation's id (for the link).
 */
export function selectLimitRecipients(db: GlobalDb, accountNo: string, assigneeId: string | null) {
  const orgOfAccount = db.select({ id: orgAccounts.orgId }).from(orgAccounts).where(eq(orgAccounts.accountNo, accountNo));
  return db
    .select({ orgId: orgMembers.orgId, subscriberId: orgMembers.subscriberId })
    .from(orgMembers)
    .where(
      and(
        inArray(orgMembers.orgId, orgOfAccount),
        or(eq(orgMembers.role, "administrator"), assigneeId ? eq(orgMembers.subscriberId, assigneeId) : undefined),
      ),
    )
    .all();
}

/** The operator's record of the ЕСИА confirmation of the number's user. */
export function setEsia(db: RegionDb, msisdn: string, accountNo: string, confirmed: boolean, now: Date) {
  return db
    .update(corporateNumbers)
    .set({ esiaConfirmed: confirmed, updatedAt: now })
    .where(and(eq(corporateNumbers.msisdn, msisdn), eq(corporateNumbers.accountNo, accountNo)))
    .returning();
}

export function selectOrgOfAccount(db: GlobalDb, accountNo: string) {
  return db.select({ orgId: orgAccounts.orgId }).from(orgAccounts).where(eq(orgAccounts.accountNo, accountNo));
}
