import { and, desc, eq, inArray, lt, or, sql, sum } from "drizzle-orm";
import { accountDirectory, accountLinks } from "../../db/schema/global";
import { accountServices, accounts, bonusMembers, type LedgerKind, ledgerEntries, tariffs } from "../../db/schema/region";
import type { GlobalDb, RegionDb } from "../../platform/db";

const linkColumns = {
  accountNo: accountLinks.accountNo,
  role: accountLinks.role,
  lowBalanceKop: accountLinks.lowBalanceKop,
  region: accountDirectory.region,
  shard: accountDirectory.shard,
};

/** The accounts a subscriber may see, with their shard, in one query. */
export function selectLinkedAccounts(db: GlobalDb, subscriberId: string) {
  return db
    .select(linkColumns)
    .from(accountLinks)
    .innerJoin(accountDirectory, eq(accountDirectory.accountNo, accountLinks.accountNo))
    .where(eq(accountLinks.subscriberId, subscriberId))
    .orderBy(accountLinks.createdAt, accountLinks.accountNo)
    .all();
}

export function selectLink(db: GlobalDb, subscriberId: string, accountNo: string) {
  return db
    .select({
      role: accountLinks.role,
      lowBalanceKop: accountLinks.lowBalanceKop,
      region: accountDirectory.region,
      shard: accountDirectory.shard,
    })
    .from(accountLinks)
    .innerJoin(accountDirectory, eq(accountDirectory.accountNo, accountLinks.accountNo))
    .where(and(eq(accountLinks.subscriberId, subscriberId), eq(accountLinks.accountNo, accountNo)))
    .get();
}

/** Accounts, balances and services of many accounts in one shard: one round trip (a D1 batch). */
export function selectShardSummaries(db: RegionDb, accountNos: string[]) {
  return db.batch([
    db.select().from(accounts).where(inArray(accounts.accountNo, accountNos)),
    db
      .select({ accountNo: ledgerEntries.accountNo, balanceKop: sum(ledgerEntries.amountKop).mapWith(Number) })
      .from(ledgerEntries)
      .where(inArray(ledgerEntries.accountNo, accountNos))
      .groupBy(ledgerEntries.accountNo),
    db
      .select({
        id: accountServices.id,
        accountNo: accountServices.accountNo,
        status: accountServices.status,
        startedAt: accountServices.startedAt,
        tariffId: accountServices.tariffId,
        kind: tariffs.kind,
        nameRu: tariffs.nameRu,
        nameEn: tariffs.nameEn,
        priceKop: tariffs.priceKop,
      })
      .from(accountServices)
      .innerJoin(tariffs, eq(tariffs.id, accountServices.tariffId))
      .where(inArray(accountServices.accountNo, accountNos)),
    // «Бонус» points of the accounts in the programme.
    db
      .select({
        accountNo: bonusMembers.accountNo,
        points: sql<number>`coalesce((SELECT sum(points) FROM bonus_ledger b WHERE b.account_no = ${bonusMembers.accountNo}), 0)`,
      })
      .from(bonusMembers)
      .where(and(inArray(bonusMembers.accountNo, accountNos), eq(bonusMembers.status, "active"))),
  ]);
}

export interface HistoryFilter {
  from?: string;
  to?: string;
  kinds?: LedgerKind[];
  serviceId?: string;
  /** Entries strictly older than this (occurredAt ms, id). */
  before?: { at: number; id: string };
  limit: number;
}

/** A page of entries, newest first, plus the balance after the page's first entry. */
export async function selectHistory(db: RegionDb, accountNo: string, f: HistoryFilter) {
  const conds = [eq(ledgerEntries.accountNo, accountNo)];
  if (f.from) conds.push(sql`${ledgerEntries.localDay} >= ${f.from}`);
  if (f.to) conds.push(sql`${ledgerEntries.localDay} <= ${f.to}`);
  if (f.kinds?.length) conds.push(inArray(ledgerEntries.kind, f.kinds));
  if (f.serviceId) conds.push(eq(ledgerEntries.serviceId, f.serviceId));
  if (f.before) {
    const at = new Date(f.before.at);
    const older = or(lt(ledgerEntries.occurredAt, at), and(eq(ledgerEntries.occurredAt, at), lt(ledgerEntries.id, f.before.id)));
    if (older) conds.push(older);
  }
  const rows = await db
    .select()
    .from(ledgerEntries)
    .where(and(...conds))
    .orderBy(desc(ledgerEntries.occurredAt), desc(ledgerEntries.id))
    .limit(f.limit + 1)
    .all();
  const first = rows[0];
  // Running balance: the sum of every entry up to and including the page's newest one.
  const balanceAfterFirst = first
    ? ((
        await db
          .select({ s: sum(ledgerEntries.amountKop).mapWith(Number) })
          .from(ledgerEntries)
          .where(
            and(
              eq(ledgerEntries.accountNo, accountNo),
              or(
                lt(ledgerEntries.occurredAt, first.occurredAt),
                and(eq(ledgerEntries.occurredAt, first.occurredAt), sql`${ledgerEntries.id} <= ${first.id}`),
              ),
            ),
          )
          .get()
      )?.s ?? 0)
    : 0;
  return { rows, balanceAfterFirst };
}

/** Spending (charges) per month and service over the last months, and the charges of the last 30 days. */
export function selectSpending(db: RegionDb, accountNo: string, sinceDay: string) {
  return db.batch([
    db
      .select({
        month: sql<string>`substr(${ledgerEntries.localDay}, 1, 7)`,
        serviceId: ledgerEntries.serviceId,
        description: ledgerEntries.descriptionRu,
        descriptionEn: ledgerEntries.descriptionEn,
        spentKop: sql<number>`-sum(${ledgerEntries.amountKop})`,
      })
      .from(ledgerEntries)
      .where(and(eq(ledgerEntries.accountNo, accountNo), eq(ledgerEntries.kind, "charge"), sql`${ledgerEntries.localDay} >= ${sinceDay}`))
      .groupBy(sql`substr(${ledgerEntries.localDay}, 1, 7)`, ledgerEntries.serviceId),
    db
      .select({ s: sum(ledgerEntries.amountKop).mapWith(Number) })
      .from(ledgerEntries)
      .where(eq(ledgerEntries.accountNo, accountNo)),
  ]);
}
