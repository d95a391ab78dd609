import { and, eq, sql } from "drizzle-orm";
import { accountDirectory, accountLinks } from "../db/schema/global";
import { subscriberLinks } from "../db/schema/region";
import { type DataAccess, d1Of, inList, noteChange, type ShardBinding } from "./db";
import type { HolderRole } from "./holders";
import { log } from "./log";
import { placesOf, placesQueries } from "./places";

/**
 * The links by subscriber, in their home shards (region `subscriber_links`; issue 20: the links leave the global
 * database). A subscriber's link to an account is written there when the account's holder row is settled and deleted
 * before that row is (platform/holders.ts), so the two agree once housekeeping has looked at a change that stopped
 * half-way. The account's region and shard are the directory's, read with the links (a shard move changes nothing here).
 *
 * - **Readers by subscriber** (the sessions' copy of the links, the accounts' pages and access to an account, the
 *   notification settings' accounts, support's role check, an outage's "their other accounts in the region", the
 *   sign-ins' backfill) read `linksOf`: a read a home shard, side by side, then their accounts' places (platform/places.ts).
 * - **Rollout** (`LINKS_STORE`): under "global" they read the global links as before, while every change writes the
 *   rows here and a backfill's chain (features/accounts/links.backfill.ts) copies an older release's.
 */

/** A subscriber's link, with its account's region and shard as the directory has them. */
export interface SubscriberLink {
  subscriberId: string;
  accountNo: string;
  role: HolderRole;
  lowBalanceKop: number | null;
  region: string;
  shard: string;
  /** When the link was made (ms): the accounts are listed in this order. */
  createdAt: number;
}

/** A subscriber whose links are read: their id and home shard. */
export interface LinksHolder {
  id: string;
  homeShard: string;
}

/** Which of a subscriber's links `linksOf` reads: those of some accounts, of a region, of a role. */
export interface LinksFilter {
  accountNos?: readonly string[];
  region?: string;
  role?: HolderRole;
}

/**
 * D1 queries `linksOf` makes for these subscribers at most: one a home shard and the accounts' places' (one an identity
 * store and the directory's, platform/places.ts), or one global.
 */
export function linksQueries(data: DataAccess, who: readonly LinksHolder[]): number {
  return data.linksStore === "global" ? 1 : new Set(who.map((w) => w.homeShard)).size + placesQueries(data);
}

const byMade = (a: SubscriberLink, b: SubscriberLink) =>
  a.createdAt - b.createdAt || (a.accountNo < b.accountNo ? -1 : a.accountNo > b.accountNo ? 1 : 0);

/**
 * The links of these subscribers (all, or those `filter` picks), in the order they were made: their home shards' rows
 * (a read a shard, side by side; a subscriber whose home shard is not bound here is passed over, logged) and their
 * accounts' region and shard (platform/places.ts; a link whose account is not there is left out), or under
 * "global" the global links in one read.
 */
export async function linksOf(data: DataAccess, who: readonly LinksHolder[], filter: LinksFilter = {}): Promise<SubscriberLink[]> {
  if (who.length === 0 || filter.accountNos?.length === 0) return [];
  if (data.linksStore === "global") return (await globalLinks(data, who, filter)).sort(byMade);
  const rows = await homeRowsOf(data, who, filter);
  if (rows.length === 0) return [];
  const places = await placesOf(
    data,
    rows.map((r) => r.accountNo),
  );
  return withDirectory(
    rows,
    [...places.values()].filter((p) => !filter.region || p.region === filter.region),
  );
}

/** A subscriber's link as their home shard keeps it. */
export type HomeRow = typeof subscriberLinks.$inferSelect;

/** The home shards' rows of these subscribers' links (those `filter` picks but for the region): a read a home shard, side by side. */
export async function homeRowsOf(data: DataAccess, who: readonly LinksHolder[], filter: LinksFilter = {}): Promise<HomeRow[]> {
  return (
    await Promise.all(
      [...byHome(data, who)].map(([shard, list]) => {
        const ids = [...new Set(list.map((w) => w.id))];
        return data
          .shard(shard)
          .select()
          .from(subscriberLinks)
          .where(
            and(
              ids.length === 1 ? eq(subscriberLinks.subscriberId, ids[0] as string) : inList(subscriberLinks.subscriberId, ids),
              filter.accountNos ? inList(subscriberLinks.accountNo, filter.accountNos) : undefined,
              filter.role ? eq(subscriberLinks.role, filter.role) : undefined,
            ),
          )
          .all();
      }),
    )
  ).flat();
}

/**
 * Home rows with their accounts' region and shard from the directory's rows (a row whose account they lack is left
 * out), in the order the links were made.
 */
export function withDirectory(
  rows: readonly HomeRow[],
  dir: readonly { accountNo: string; region: string; shard: string }[],
): SubscriberLink[] {
  const at = new Map(dir.map((d) => [d.accountNo, d]));
  return rows
    .flatMap((r) => {
      const d = at.get(r.accountNo);
      return d
        ? [
            {
              subscriberId: r.subscriberId,
              accountNo: r.accountNo,
              role: r.role,
              lowBalanceKop: r.lowBalanceKop,
              region: d.region,
              shard: d.shard,
              createdAt: r.createdAt.getTime(),
            },
          ]
        : [];
    })
    .sort(byMade);
}

/** `linksOf` under "global": the global links with the directory, one read. */
function globalLinks(data: DataAccess, who: readonly LinksHolder[], filter: LinksFilter): Promise<SubscriberLink[]> {
  const ids = [...new Set(who.map((w) => w.id))];
  return data.global
    .select({
      subscriberId: accountLinks.subscriberId,
      accountNo: accountLinks.accountNo,
      role: accountLinks.role,
      lowBalanceKop: accountLinks.lowBalanceKop,
      region: accountDirectory.region,
      shard: accountDirectory.shard,
      createdAt: sql<number>`${accountLinks.createdAt}`,
    })
    .from(accountLinks)
    .innerJoin(accountDirectory, eq(accountDirectory.accountNo, accountLinks.accountNo))
    .where(
      and(
        ids.length === 1 ? eq(accountLinks.subscriberId, ids[0] as string) : inList(accountLinks.subscriberId, ids),
        filter.accountNos ? inList(accountLinks.accountNo, filter.accountNos) : undefined,
        filter.role ? eq(accountLinks.role, filter.role) : undefined,
        filter.region ? eq(accountDirectory.region, filter.region) : undefined,
      ),
    )
    .all();
}

/** One subscriber's link to one account, or undefined (a stranger's account, or none such). */
export async function linkOf(data: DataAccess, who: LinksHolder, accountNo: string): Promise<SubscriberLink | undefined> {
  return (await linksOf(data, [who], { accountNos: [accountNo] }))[0];
}

/** A link as its holder row has it, to be written in the holder's home shard. */
export interface HomeLink {
  subscriberId: string;
  accountNo: string;
  role: HolderRole;
  lowBalanceKop: number | null;
  createdAt: number;
  homeShard: string;
}

/** Groups rows by their home shard, passing over (logged) those whose home shard is not bound here. */
export function byHome<T extends { homeShard: string }>(data: DataAccess, rows: readonly T[]): Map<ShardBinding, T[]> {
  const m = new Map<ShardBinding, T[]>();
  for (const r of rows) {
    if (!data.hasShard(r.homeShard)) {
      log("error", "links.home_unbound", { shard: r.homeShard });
      continue;
    }
    m.set(r.homeShard as ShardBinding, [...(m.get(r.homeShard as ShardBinding) ?? []), r]);
  }
  return m;
}

// The links as their holder rows have them ([subscriber, account, role, low balance, created]), written or rewritten.
const WRITE_SQL = `INSERT INTO subscriber_links (subscriber_id, account_no, role, low_balance_kop, created_at)
  SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), json_extract(value, '$[2]'), json_extract(value, '$[3]'),
    json_extract(value, '$[4]') FROM json_each(?1) WHERE true
  ON CONFLICT (subscriber_id, account_no) DO UPDATE SET role = excluded.role, low_balance_kop = excluded.low_balance_kop,
    created_at = excluded.created_at`;
// The links ([subscriber, account, created or null]) deleted: only as dated, where a date is given (a link made again since
// is dated anew, and is not the one its holder row's removal meant).
const DROP_SQL = `DELETE FROM subscriber_links WHERE (subscriber_id, account_no) IN
  (SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(?1))
  AND created_at = coalesce((SELECT json_extract(value, '$[2]') FROM json_each(?1)
    WHERE json_extract(value, '$[0]') = subscriber_links.subscriber_id AND json_extract(value, '$[1]') = subscriber_links.account_no), created_at)`;

/** Writes links in their holders' home shards (a statement a home shard, side by side), as their holder rows have them. */
export async function writeHomeLinks(data: DataAccess, rows: readonly HomeLink[]): Promise<void> {
  if (rows.length > 0) noteChange(data.global);
  await Promise.all(
    [...byHome(data, rows)].map(([shard, list]) =>
      d1Of(data.shard(shard))
        .prepare(WRITE_SQL)
        .bind(JSON.stringify(list.map((r) => [r.subscriberId, r.accountNo, r.role, r.lowBalanceKop, r.createdAt])))
        .run(),
    ),
  );
}

/**
 * Deletes links from their holders' home shards (a statement a home shard, side by side): those made at `createdAt` (ms),
 * where it is given (their holder rows'), any otherwise.
 */
export async function dropHomeLinks(
  data: DataAccess,
  rows: readonly { subscriberId: string; accountNo: string; homeShard: string; createdAt?: number | Date }[],
) {
  if (rows.length > 0) noteChange(data.global);
  await Promise.all(
    [...byHome(data, rows)].map(([shard, list]) =>
      d1Of(data.shard(shard))
        .prepare(DROP_SQL)
        .bind(
          JSON.stringify(
            list.map((r) => [
              r.subscriberId,
              r.accountNo,
              r.createdAt === undefined ? null : r.createdAt instanceof Date ? r.createdAt.getTime() : r.createdAt,
            ]),
          ),
        )
        .run(),
    ),
  );
}

/** A holder's low-balance alert on their link in their home shard (written after the holder row's, before the global link's). */
export async function setHomeLowBalance(
  data: DataAccess,
  row: { subscriberId: string; accountNo: string; homeShard: string },
  kop: number | null,
) {
  if (!data.hasShard(row.homeShard)) return;
  noteChange(data.global);
  await data
    .shard(row.homeShard)
    .update(subscriberLinks)
    .set({ lowBalanceKop: kop })
    .where(and(eq(subscriberLinks.subscriberId, row.subscriberId), eq(subscriberLinks.accountNo, row.accountNo)));
}
