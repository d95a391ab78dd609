import { and, eq, sql } from "drizzle-orm";
import { accountDirectory, accountLinks } from "../../db/schema/global";
import { accountServices, accounts, bonusMembers, tariffs } from "../../db/schema/region";
import { type GlobalDb, inList, type RegionDb } from "../../platform/db";
import { selectBalances } from "../billing/ledger.service";

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
    db.select().from(accounts).where(inList(accounts.accountNo, accountNos)),
    selectBalances(db, accountNos),
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
      .where(inList(accountServices.accountNo, accountNos)),
    // «Бонус» points of the accounts in the programme.
    db
      .select({
        accountNo: bonusMembers.accountNo,
        points: sql<number>`coalesce((SELECT sum(points) FROM bonus_ledger b WHERE b.account_no = ${bonusMembers.accountNo}), 0)`,
      })
      .from(bonusMembers)
      .where(and(inList(bonusMembers.accountNo, accountNos), eq(bonusMembers.status, "active"))),
  ]);
}
