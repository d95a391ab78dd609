import { and, eq, sql } from "drizzle-orm";
import { SQLiteAsyncDialect } from "drizzle-orm/sqlite-core";
import { accountDirectory, accountLinks } from "../../db/schema/global";
import { accountServices, accounts, bonusLedger, bonusMembers, type TariffKind, tariffs } from "../../db/schema/region";
import { d1Of, type GlobalDb, type RegionDb } from "../../platform/db";
import { balanceSql } from "../billing/ledger.service";

/**
 * The subscriber's global link to an account, with its region and shard: whether a link's global write found it made
 * (the links the subscriber's pages read are their home shard's: platform/links.ts).
 */
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

/** What the subscriber sees of one account: its contract, balance, «Бонус» points and services not ended. */
export interface AccountSummary {
  accountNo: string;
  holderName: string;
  address: string;
  status: (typeof accounts.$inferSelect)["status"];
  balanceKop: number;
  /** Null when the account is not in the programme. */
  bonusPoints: number | null;
  services: {
    id: string;
    tariffId: string;
    kind: TariffKind;
    nameRu: string;
    nameEn: string;
    priceKop: number;
    status: "active" | "suspended";
    startedAt: Date;
  }[];
}

type ServiceTuple = [string, string, TariffKind, string, string, number, "active" | "suspended", number];

/**
 * The SQL of `selectAccountSummaries`, made once per isolate from the drizzle tables: one row per account, its
 * services as one JSON array (in the order they were added, as `ORDER BY rowid` keeps them: an aggregate over an
 * ordered subquery keeps its order), the account numbers bound as one JSON array (`inList`'s way).
 */
let summarySql: string | undefined;
function accountSummarySql(): string {
  if (summarySql) return summarySql;
  const s = accountServices;
  const t = tariffs;
  const services = sql`(SELECT json_group_array(json_array(x.id, x.tariff_id, x.kind, x.name_ru, x.name_en, x.price_kop, x.status, x.started_at))
    FROM (SELECT ${s.id} id, ${s.tariffId} tariff_id, ${t.kind} kind, ${t.nameRu} name_ru, ${t.nameEn} name_en, ${t.priceKop} price_kop,
      ${s.status} status, ${s.startedAt} started_at
      FROM ${s} INNER JOIN ${t} ON ${t.id} = ${s.tariffId}
      WHERE ${s.accountNo} = ${accounts.accountNo} AND ${s.status} <> 'ended' ORDER BY ${s}.rowid) x)`;
  const points = sql`CASE WHEN EXISTS (SELECT 1 FROM ${bonusMembers} WHERE ${bonusMembers.accountNo} = ${accounts.accountNo} AND ${bonusMembers.status} = 'active')
    THEN coalesce((SELECT sum(${bonusLedger.points}) FROM ${bonusLedger} WHERE ${bonusLedger.accountNo} = ${accounts.accountNo}), 0) END`;
  const query = new SQLiteAsyncDialect().sqlToQuery(
    sql`SELECT ${accounts.accountNo}, ${accounts.holderName}, ${accounts.address}, ${accounts.status}, ${balanceSql(accounts.accountNo)}, ${points}, ${services}
      FROM ${accounts} WHERE ${accounts.accountNo} IN (SELECT value FROM json_each(${sql.placeholder("accountNos")}))`,
  );
  // The account numbers are its one parameter: every other value is a column or a constant.
  if (query.params.length !== 1) throw new Error(`account summaries: ${query.params.length} parameters`);
  summarySql = query.sql;
  return summarySql;
}

/**
 * The home screen's read of one shard: accounts, balances, «Бонус» points and services not ended, in one statement
 * (one round trip, one row per account, nothing the screen does not show). Its SQL is built once per isolate.
 */
export async function selectAccountSummaries(db: RegionDb, accountNos: readonly string[]): Promise<AccountSummary[]> {
  const rows = await d1Of(db)
    .prepare(accountSummarySql())
    .bind(JSON.stringify(accountNos))
    .raw<[string, string, string, AccountSummary["status"], number, number | null, string]>();
  return rows.map(([accountNo, holderName, address, status, balanceKop, bonusPoints, services]) => ({
    accountNo,
    holderName,
    address,
    status,
    balanceKop: Number(balanceKop),
    bonusPoints: bonusPoints === null ? null : Number(bonusPoints),
    services: (JSON.parse(services) as ServiceTuple[]).map(([id, tariffId, kind, nameRu, nameEn, priceKop, status, startedAt]) => ({
      id,
      tariffId,
      kind,
      nameRu,
      nameEn,
      priceKop,
      status,
      startedAt: new Date(startedAt),
    })),
  }));
}
