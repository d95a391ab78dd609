import { and, eq, sql } from "drizzle-orm";
import { accountDirectory, accountLinks, subscribers } from "../db/schema/global";
import { accountHolders, type HOLDER_ROLES } from "../db/schema/region";
import { type DataAccess, d1Of, inList, isShardBinding, type ShardBinding } from "./db";
import { dropHomeLinks, type HomeLink, homeRowsOf, setHomeLowBalance, writeHomeLinks } from "./links";
import { errorText, log } from "./log";
import { placeOf, placesOf } from "./places";
import { type CopyHolder, closesWindow, forgetSessionCopy, markCopyChanging } from "./session";

/**
 * Who holds an account, by account, in the account's shard (region `account_holders`; issue 20: the links by account
 * leave the global database). With the subscriber's own link in their home shard (platform/links.ts) it is the link;
 * the global `account_links` is written too only while `GLOBAL_LINKS = "keep"` (a release before may still run).
 *
 * - **Writes** go holder first: a new link's row here is written `adding` (an owner's meets any other owner of the
 *   account in this database's unique index: two registrations of one contract at once), then the global link (kept),
 *   then the row is settled: its home link written, then the row. A removal marks the row `removing`, deletes the global
 *   link (kept), then the home link, then the row. A low-balance alert is written here first, then at home (and globally).
 * - **Readers by account** (an outage's fan-out, the balance alerts, a payment's or a bank credit's notice, a shard
 *   move's forgetting) count settled rows only. A change that stopped half-way leaves a row not settled, which
 *   housekeeping settles or deletes, after `HOLDER_SETTLE_MS` (`reconcileHolders`): by whether the global link is
 *   there while they are kept, as the releases before; else by whether its settle wrote the home link.
 * - **Rollout** (`HOLDERS_STORE`): under "global" the readers by account read the global links as before, while every
 *   write keeps the rows here and a backfill's chain (features/accounts/holders.backfill.ts) copies an older release's;
 *   under "shard" (the default) they read the rows here.
 */

export type HolderRole = (typeof HOLDER_ROLES)[number];

/** A holder of an account, as the readers by account use it. */
export interface Holder {
  accountNo: string;
  subscriberId: string;
  role: HolderRole;
  lowBalanceKop: number | null;
  homeShard: string;
}

/** How long a change of a link may take between its row here and its global write before housekeeping looks at it. */
export const HOLDER_SETTLE_MS = 10 * 60 * 1000;

/**
 * Rows housekeeping looks at a shard a run (`reconcileHolders`): a page, four queries, and three a holder whose home
 * link it writes or deletes (the link, and their copy of their links forgotten before and after).
 */
export const RECONCILE_PAGE = 50;

/**
 * Home links the sweep looks at in a shard a run (`sweepHomeLinks`): a page after its cursor, three reads (two of them
 * their accounts' places: platform/places.ts) and a write, and
 * three writes a subscriber whose link it deletes (rare: a change that stopped half-way, or raced another). A shard's
 * 14,000 links are gone over in about three days.
 */
export const SWEEP_PAGE = 50;

/**
 * SQL condition on `account_holders` rows: their account is this shard's own, as the directory says (neither one a move
 * is still copying here nor one moved off it and not yet cleaned up); one frozen for a move still here is.
 */
const OWN_HERE = `NOT EXISTS (SELECT 1 FROM arriving_accounts a WHERE a.account_no = account_holders.account_no)
  AND NOT EXISTS (SELECT 1 FROM account_freezes f WHERE f.account_no = account_holders.account_no AND f.state = 'moved')`;

/**
 * The settled holders of these accounts of one shard: its rows (those whose account is the shard's own, when `here`),
 * or under "global" the global links of those the directory puts on that shard (all of them, without `here`).
 */
export async function holdersOn(
  data: DataAccess,
  shard: ShardBinding,
  accountNos: readonly string[],
  opts: { here?: boolean } = {},
): Promise<Holder[]> {
  if (accountNos.length === 0) return [];
  if (data.holdersStore === "global") {
    return withoutShard((await globalHolders(data, accountNos)).filter((r) => !opts.here || r.shard === shard));
  }
  return data
    .shard(shard)
    .select({
      accountNo: accountHolders.accountNo,
      subscriberId: accountHolders.subscriberId,
      role: accountHolders.role,
      lowBalanceKop: accountHolders.lowBalanceKop,
      homeShard: accountHolders.homeShard,
    })
    .from(accountHolders)
    .where(
      and(inList(accountHolders.accountNo, accountNos), sql`${accountHolders.state} IS NULL`, opts.here ? sql.raw(OWN_HERE) : undefined),
    )
    .all();
}

/** The global links of these accounts, with their holders' home shards and the accounts' shards: one global read. */
function globalHolders(data: DataAccess, accountNos: readonly string[]) {
  return data.global
    .select({
      accountNo: accountLinks.accountNo,
      subscriberId: accountLinks.subscriberId,
      role: accountLinks.role,
      lowBalanceKop: accountLinks.lowBalanceKop,
      homeShard: subscribers.homeShard,
      shard: accountDirectory.shard,
    })
    .from(accountLinks)
    .innerJoin(accountDirectory, eq(accountDirectory.accountNo, accountLinks.accountNo))
    .innerJoin(subscribers, eq(subscribers.id, accountLinks.subscriberId))
    .where(inList(accountLinks.accountNo, accountNos))
    .all();
}

/**
 * The settled holders of accounts on any shards (`[accountNo, shard]` as the directory has them): a read a shard, side
 * by side, or one global read under "global". An account whose shard is not bound here is passed over, logged.
 */
export async function holdersOfAccounts(data: DataAccess, accounts: readonly { accountNo: string; shard: string }[]): Promise<Holder[]> {
  if (data.holdersStore === "global") return withoutShard(await globalHolders(data, [...new Set(accounts.map((a) => a.accountNo))]));
  const bound = [...byShardOf(accounts)].filter(([shard]) => {
    const ok = isShardBinding(shard) && data.hasShard(shard);
    if (!ok) log("error", "holders.shard_unbound", { shard });
    return ok;
  });
  return (await Promise.all(bound.map(([shard, nos]) => holdersOn(data, shard, nos)))).flat();
}

const withoutShard = (rows: Awaited<ReturnType<typeof globalHolders>>): Holder[] => rows.map(({ shard: _, ...h }) => h);

/** Where these accounts are: account number → shard (platform/places.ts; an account that does not exist is absent). */
export async function directoryShards(data: DataAccess, accountNos: readonly string[]): Promise<Map<string, string>> {
  return new Map([...(await placesOf(data, accountNos)).values()].map((d) => [d.accountNo, d.shard]));
}

/** The settled holders of accounts known by number alone: their shards (platform/places.ts), then a read a shard. */
export async function holdersByNumber(data: DataAccess, accountNos: readonly string[]): Promise<Holder[]> {
  return (await holdersWithin(data, accountNos, Number.POSITIVE_INFINITY)).holders;
}

/**
 * `holdersByNumber` for an invocation that counts its queries: the holders of the accounts on the first `maxShards` of
 * their shards (by the directory), and the accounts on the others (a bank transfer's hundreds), for the caller to hand on
 * (a `holders` message a shard, features/notifications). Under "global", all of them from the global links in one read.
 */
export async function holdersWithin(
  data: DataAccess,
  accountNos: readonly string[],
  maxShards: number,
): Promise<{ holders: Holder[]; beyond: { accountNo: string; shard: ShardBinding }[] }> {
  if (accountNos.length === 0) return { holders: [], beyond: [] };
  if (data.holdersStore === "global") return { holders: withoutShard(await globalHolders(data, accountNos)), beyond: [] };
  const dir = [...(await directoryShards(data, accountNos))].map(([accountNo, shard]) => ({ accountNo, shard }));
  const shards = [...new Set(dir.map((d) => d.shard))];
  const within = new Set(shards.slice(0, maxShards));
  const beyond = dir.flatMap((d) =>
    within.has(d.shard) || !isShardBinding(d.shard) ? [] : [{ accountNo: d.accountNo, shard: d.shard as ShardBinding }],
  );
  if (beyond.length > 0) log("info", "holders.handed_on", { accounts: beyond.length });
  return {
    holders: await holdersOfAccounts(
      data,
      dir.filter((d) => within.has(d.shard)),
    ),
    beyond,
  };
}

/** Which of these accounts of one shard have an owner here, settled or not (a registration under way counts). */
export async function ownedOn(data: DataAccess, shard: ShardBinding, accountNos: readonly string[]): Promise<string[]> {
  if (accountNos.length === 0) return [];
  const rows = await data
    .shard(shard)
    .select({ accountNo: accountHolders.accountNo })
    .from(accountHolders)
    .where(and(inList(accountHolders.accountNo, accountNos), eq(accountHolders.role, "owner")))
    .all();
  return rows.map((r) => r.accountNo);
}

/** A link to be made: its holder row. */
export interface NewHolder {
  accountNo: string;
  shard: ShardBinding;
  subscriberId: string;
  role: HolderRole;
  homeShard: string;
}

// A new link's row, `adding`; one already there is kept as it is, unless a removal or an add that stopped half-way left it
// unsettled, which this add takes over with its role (an owner's stays the owner's: a registration whose settle failed,
// its owner then linking the account as a relative, keeps the account) and date (a link made anew: its home shard's row is dated so, and a
// backfill's copy of the link that was removed is not taken for it, features/accounts/links.backfill.ts). An owner of the account other than this subscriber fails the
// statement (the unique index): the caller's refusal.
const ADD_SQL = `INSERT INTO account_holders (account_no, subscriber_id, role, low_balance_kop, home_shard, created_at, state, changed_at)
  SELECT json_extract(value, '$[0]'), ?1, json_extract(value, '$[1]'), NULL, ?2, ?3, 'adding', ?3 FROM json_each(?4) WHERE true
  ON CONFLICT (account_no, subscriber_id) DO UPDATE SET state = 'adding', changed_at = excluded.changed_at,
    role = CASE WHEN account_holders.role = 'owner' THEN 'owner' ELSE excluded.role END, created_at = excluded.created_at
  WHERE account_holders.state IS NOT NULL`;

/** Account numbers grouped by their shard (as the directory names it). */
export function byShardOf(rows: readonly { accountNo: string; shard: string }[]): Map<ShardBinding, string[]> {
  const m = new Map<ShardBinding, string[]>();
  for (const r of rows) m.set(r.shard as ShardBinding, [...(m.get(r.shard as ShardBinding) ?? []), r.accountNo]);
  return m;
}

/**
 * Writes one subscriber's new links' rows, `adding`, before their global write: one statement a shard, side by side.
 * Throws what a shard throws (an account's other owner: `UNIQUE constraint failed: account_holders.account_no`; a
 * frozen account: `account_moving`), after deleting the rows this call wrote on the other shards.
 */
export async function addHolders(data: DataAccess, rows: readonly NewHolder[], at: Date): Promise<void> {
  if (rows.length === 0) return;
  const first = rows[0] as NewHolder;
  const groups = [...byShardOf(rows)].map(([shard, nos]) => ({
    shard,
    nos: nos.map((n) => [n, rows.find((r) => r.accountNo === n)?.role]),
  }));
  const results = await Promise.allSettled(
    groups.map((g) =>
      d1Of(data.shard(g.shard)).prepare(ADD_SQL).bind(first.subscriberId, first.homeShard, at.getTime(), JSON.stringify(g.nos)).run(),
    ),
  );
  const failed = results.find((r) => r.status === "rejected");
  if (!failed) return;
  await dropHolders(
    data,
    groups
      .filter((_, i) => results[i]?.status === "fulfilled")
      .flatMap((g) => g.nos.map(([n]) => ({ accountNo: n as string, shard: g.shard }))),
    first.subscriberId,
    "adding",
  ).catch((e: unknown) => log("warn", "holders.undo_failed", { error: String(e) }));
  throw (failed as PromiseRejectedResult).reason;
}

/**
 * The rows settled once their global links are written (those still `adding`): their links written in the holder's
 * home shard first (platform/links.ts), then the rows settled. A failure between leaves rows `adding`, which
 * housekeeping settles, writing the links again. Two queries a shard and one the home shard.
 */
export async function settleHolders(data: DataAccess, rows: readonly { accountNo: string; shard: ShardBinding }[], subscriberId: string) {
  const adding = (nos: string[]) =>
    and(inList(accountHolders.accountNo, nos), eq(accountHolders.subscriberId, subscriberId), eq(accountHolders.state, "adding"));
  const groups = [...byShardOf(rows)];
  const found = await Promise.all(groups.map(([shard, nos]) => data.shard(shard).select().from(accountHolders).where(adding(nos)).all()));
  await writeHomeLinks(data, found.flat().map(homeLinkOf));
  await Promise.all(
    groups.map(([shard, nos]) => data.shard(shard).update(accountHolders).set({ state: null, changedAt: null }).where(adding(nos))),
  );
}

/** A holder row's link, as the holder's home shard keeps it. */
const homeLinkOf = (r: typeof accountHolders.$inferSelect): HomeLink => ({
  subscriberId: r.subscriberId,
  accountNo: r.accountNo,
  role: r.role,
  lowBalanceKop: r.lowBalanceKop,
  createdAt: r.createdAt.getTime(),
  homeShard: r.homeShard,
});

/**
 * Writes a holder's row where the caller's copy of the links says the account is; a row not there (the copy named a
 * shard the account has since left) is written on the shard the directory names now, where it is. The shard written.
 */
async function onItsShard(
  data: DataAccess,
  row: { accountNo: string; shard: ShardBinding },
  write: (shard: ShardBinding) => Promise<unknown[]>,
): Promise<ShardBinding> {
  if ((await write(row.shard)).length > 0 || data.holdersStore === "global") return row.shard;
  const now = await placeOf(data, row.accountNo);
  if (!now || now.shard === row.shard || !isShardBinding(now.shard) || !data.hasShard(now.shard)) return row.shard;
  await write(now.shard);
  return now.shard;
}

/**
 * A link's row marked `removing` before its global delete: no reader by account counts it from now on. The shard it is
 * on (the directory's, where the caller's copy named another), for the delete after.
 */
export function markRemoving(data: DataAccess, row: { accountNo: string; shard: ShardBinding }, subscriberId: string, at: Date) {
  return onItsShard(data, row, (shard) =>
    data
      .shard(shard)
      .update(accountHolders)
      .set({ state: "removing", changedAt: at })
      .where(and(eq(accountHolders.accountNo, row.accountNo), eq(accountHolders.subscriberId, subscriberId)))
      .returning({ n: accountHolders.accountNo }),
  );
}

/**
 * Rows deleted: an add's undone (only while still `adding`, and with `markedAt` only as that add wrote them: not one
 * another add of the same link took over since), or a removal's after its global delete (`removing`, or
 * settled, or `adding` since before the mark at `markedAt`: a backfill's copy of the link, read before the removal,
 * may have landed after the mark, and been settled or not).
 */
export async function dropHolders(
  data: DataAccess,
  rows: readonly { accountNo: string; shard: ShardBinding }[],
  subscriberId: string,
  state: "adding" | "removing",
  markedAt?: Date,
) {
  const which = (nos: string[]) =>
    and(
      inList(accountHolders.accountNo, nos),
      eq(accountHolders.subscriberId, subscriberId),
      state === "adding"
        ? and(eq(accountHolders.state, "adding"), markedAt ? eq(accountHolders.changedAt, markedAt) : undefined)
        : sql`(coalesce(${accountHolders.state}, 'removing') = 'removing' OR (${accountHolders.state} = 'adding' AND ${accountHolders.changedAt} <= ${markedAt?.getTime() ?? 0}))`,
    );
  // Their links in the holder's home shard go first: a failure between leaves a row housekeeping deletes (its global
  // link gone), never a link the subscriber still sees without its row.
  const groups = [...byShardOf(rows)];
  const found = await Promise.all(
    groups.map(([shard, nos]) =>
      data
        .shard(shard)
        .select({ accountNo: accountHolders.accountNo, homeShard: accountHolders.homeShard, createdAt: accountHolders.createdAt })
        .from(accountHolders)
        .where(which(nos))
        .all(),
    ),
  );
  await dropHomeLinks(
    data,
    found.flat().map((r) => ({ ...r, subscriberId })),
  );
  await Promise.all(groups.map(([shard, nos]) => data.shard(shard).delete(accountHolders).where(which(nos))));
  return found.flat().length;
}

/** A holder's low-balance alert, written here, then on their link in their home shard, before the global link's. */
export async function setHolderLowBalance(
  data: DataAccess,
  row: { accountNo: string; shard: ShardBinding },
  subscriberId: string,
  kop: number | null,
) {
  const homes = new Set<string>();
  await onItsShard(data, row, async (shard) => {
    const written = await data
      .shard(shard)
      .update(accountHolders)
      .set({ lowBalanceKop: kop })
      .where(and(eq(accountHolders.accountNo, row.accountNo), eq(accountHolders.subscriberId, subscriberId)))
      .returning({ homeShard: accountHolders.homeShard });
    for (const w of written) homes.add(w.homeShard);
    return written;
  });
  for (const homeShard of homes) await setHomeLowBalance(data, { subscriberId, accountNo: row.accountNo, homeShard }, kop);
}

/** A link's key in `globalLinksOf`'s map. */
export const linkKey = (l: { subscriberId: string; accountNo: string }) => `${l.subscriberId} ${l.accountNo}`;

/** The global links of these (subscriber, account) pairs as they are now, by `linkKey`: one global read. */
export async function globalLinksOf(data: DataAccess, pairs: readonly { subscriberId: string; accountNo: string }[]) {
  const json = JSON.stringify(pairs.map((r) => [r.subscriberId, r.accountNo]));
  const links = await data.global
    .select({
      subscriberId: accountLinks.subscriberId,
      accountNo: accountLinks.accountNo,
      role: accountLinks.role,
      lowBalanceKop: accountLinks.lowBalanceKop,
      createdAt: sql<number>`${accountLinks.createdAt}`,
    })
    .from(accountLinks)
    .where(
      sql`(${accountLinks.subscriberId}, ${accountLinks.accountNo}) IN (SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(${json}))`,
    )
    .all();
  return new Map(links.map((l) => [linkKey(l), l]));
}

/**
 * Housekeeping, a shard: rows left unsettled for `HOLDER_SETTLE_MS` (a change that stopped half-way) are settled where
 * the global link is there (its role and alert taken; under "drop": a row `adding` whose home link its settle wrote, or
 * whose change `madeElsewhere` finds made), and deleted where it is not (a removal finished), each only if unchanged
 * since it was read, their links in the holders' home shards written or deleted first; an account frozen for a move, or
 * one a move is copying here, is left for later. Five queries (two of them global), and a read and two writes a home
 * shard, at most. What it did.
 */
export async function reconcileHolders(data: DataAccess, shard: ShardBinding, now: Date, page = RECONCILE_PAGE) {
  const done = { settled: 0, deleted: 0 };
  const db = data.shard(shard);
  const rows = await db
    .select()
    .from(accountHolders)
    .where(
      and(
        sql`${accountHolders.state} IS NOT NULL`,
        sql`${accountHolders.changedAt} < ${now.getTime() - HOLDER_SETTLE_MS}`,
        // Written out with the table's name: drizzle leaves a column of a one-table select unqualified, which the
        // subqueries would read as their own.
        sql.raw("NOT EXISTS (SELECT 1 FROM account_freezes f WHERE f.account_no = account_holders.account_no)"),
        sql.raw("NOT EXISTS (SELECT 1 FROM arriving_accounts a WHERE a.account_no = account_holders.account_no)"),
      ),
    )
    .orderBy(accountHolders.changedAt)
    .limit(page)
    .all();
  if (rows.length === 0) return done;
  // What each row's change reached: the global link while they are kept (GLOBAL_LINKS = "keep", as the releases before
  // decide), else the home link the row's settle writes, with the row's date (below, a home shard at a time): a row
  // `adding` whose home link is there is settled, with its own role and alert; any other is deleted (a removal that
  // stopped half-way is finished).
  const keep = data.globalLinks === "keep";
  const linked = await madeElsewhere(data, rows, keep);
  // The links in the holders' home shards first (platform/links.ts), a home shard at a time: written as the global link
  // has them for a row to be settled, deleted (as the row dates them) for one to be deleted. Their copies of their links
  // are forgotten around it, as for any change of a link (platform/session.ts): a copy made from the home link as it was
  // is not trusted after. A home shard that fails leaves its holders' rows as they are, for the next run; the others go
  // on (a row whose home shard is not bound here has no home link to keep: it is settled or deleted alone).
  const byHomeShard = new Map<string, typeof rows>();
  for (const r of rows) byHomeShard.set(r.homeShard, [...(byHomeShard.get(r.homeShard) ?? []), r]);
  const homes = await Promise.allSettled(
    [...byHomeShard].map(async ([homeShard, list]) => {
      // No home link can have been written there: decided by what else there is, as the rows of a shard that is bound.
      if (!data.hasShard(homeShard)) {
        log("error", "links.home_unbound", { shard: homeShard });
        return list;
      }
      // A row `adding` whose settle wrote its home link (with the row's date) was made, in either mode: under "keep"
      // only a Worker without global links beside it (the flip) writes one without the global link.
      const adding = list.filter((r) => r.state === "adding" && !linked.has(linkKey(r)));
      if (adding.length > 0) {
        const made = await homeRowsOf(
          data,
          adding.map((r) => ({ id: r.subscriberId, homeShard })),
          { accountNos: [...new Set(adding.map((r) => r.accountNo))] },
        );
        const dated = new Set(made.map((h) => `${linkKey(h)} ${h.createdAt.getTime()}`));
        for (const r of adding)
          if (dated.has(`${linkKey(r)} ${r.createdAt.getTime()}`)) linked.set(linkKey(r), { role: r.role, lowBalanceKop: r.lowBalanceKop });
      }
      const holders = [...new Set(list.map((r) => r.subscriberId))].map((id) => ({ id, homeShard }));
      await whileCopiesChange(data, holders, async () => {
        await writeHomeLinks(
          data,
          list.flatMap((r) => {
            const l = linked.get(linkKey(r));
            return l ? [{ ...homeLinkOf(r), role: l.role, lowBalanceKop: l.lowBalanceKop }] : [];
          }),
        );
        await dropHomeLinks(
          data,
          list.filter((r) => !linked.has(linkKey(r))),
        );
      });
      return list;
    }),
  );
  for (const h of homes) if (h.status === "rejected") log("warn", "holders.home_unreachable", { shard, error: errorText(h.reason) });
  const ready = homes.flatMap((h) => (h.status === "fulfilled" ? h.value : []));
  const settle = ready.flatMap((r) => {
    const l = linked.get(linkKey(r));
    return l ? [[r.accountNo, r.subscriberId, r.state, r.changedAt?.getTime() ?? null, l.role, l.lowBalanceKop]] : [];
  });
  const drop = ready.flatMap((r) =>
    linked.has(linkKey(r)) ? [] : [[r.accountNo, r.subscriberId, r.state, r.changedAt?.getTime() ?? null]],
  );
  if (settle.length + drop.length === 0) return done;
  const d1 = d1Of(db);
  // By the table's key first (a correlated EXISTS alone would test every row of the shard's table).
  const MATCH = `(account_no, subscriber_id) IN (SELECT json_extract(j.value, '$[0]'), json_extract(j.value, '$[1]') FROM json_each(?1) j)
    AND EXISTS (SELECT 1 FROM json_each(?1) j WHERE json_extract(j.value, '$[0]') = account_holders.account_no AND json_extract(j.value, '$[1]') = account_holders.subscriber_id AND json_extract(j.value, '$[2]') IS account_holders.state AND json_extract(j.value, '$[3]') IS account_holders.changed_at)`;
  const statements = [
    d1
      .prepare(
        `UPDATE account_holders SET state = NULL, changed_at = NULL,
          role = (SELECT json_extract(j.value, '$[4]') FROM json_each(?1) j WHERE json_extract(j.value, '$[0]') = account_holders.account_no AND json_extract(j.value, '$[1]') = account_holders.subscriber_id),
          low_balance_kop = (SELECT json_extract(j.value, '$[5]') FROM json_each(?1) j WHERE json_extract(j.value, '$[0]') = account_holders.account_no AND json_extract(j.value, '$[1]') = account_holders.subscriber_id)
         WHERE ${MATCH}`,
      )
      .bind(JSON.stringify(settle)),
    d1.prepare(`DELETE FROM account_holders WHERE ${MATCH}`).bind(JSON.stringify(drop)),
  ].filter((_, i) => (i === 0 ? settle : drop).length > 0);
  const results = await d1.batch(statements);
  done.settled = settle.length > 0 ? (results[0]?.meta.changes ?? 0) : 0;
  done.deleted = drop.length > 0 ? (results[settle.length > 0 ? 1 : 0]?.meta.changes ?? 0) : 0;
  if (done.settled + done.deleted > 0) log("info", "holders.reconciled", { shard, ...done });
  return done;
}

/**
 * The rows whose change was made, by what else than a home link shows it (by key, with the role and alert to settle
 * them with): while the global links are kept, the global link, as the releases before decide (a row `removing`
 * whose link is still there is settled back); without them, a row `adding` whose global link a Worker that kept them
 * wrote with or after the row (a change left half-way just before the flip; an older one is a link removed whose
 * global delete failed). Either way, a registration's owner row dated as its subscriber's row (the registration stands:
 * its settle failed, or its answer was lost). Two global reads, side by side.
 */
async function madeElsewhere(data: DataAccess, rows: readonly (typeof accountHolders.$inferSelect)[], keep: boolean) {
  const made = new Map<string, { role: HolderRole; lowBalanceKop: number | null }>();
  const adding = rows.filter((r) => r.state === "adding");
  const owners = adding.filter((r) => r.role === "owner");
  const [links, registered] = await Promise.all([
    keep || adding.length > 0 ? globalLinksOf(data, keep ? rows : adding) : new Map<string, never>(),
    owners.length === 0
      ? []
      : data.global
          .select({ id: subscribers.id, createdAt: sql<number>`${subscribers.createdAt}` })
          .from(subscribers)
          .where(inList(subscribers.id, [...new Set(owners.map((r) => r.subscriberId))]))
          .all(),
  ]);
  const since = new Map(registered.map((s) => [s.id, Number(s.createdAt)]));
  for (const r of rows) {
    const l = links.get(linkKey(r));
    if (l && (keep || (r.state === "adding" && Number(l.createdAt) >= r.createdAt.getTime())))
      made.set(linkKey(r), { role: l.role, lowBalanceKop: l.lowBalanceKop });
    else if (r.state === "adding" && r.role === "owner" && since.get(r.subscriberId) === r.createdAt.getTime())
      made.set(linkKey(r), { role: r.role, lowBalanceKop: r.lowBalanceKop });
  }
  return made;
}

/**
 * A change of these subscribers' home links between the two forgets of their copies of their links (platform/session.ts
 * `markCopyChanging`, `forgetSessionCopy`): the window it opens closes after it, or lapses if the change failed.
 */
async function whileCopiesChange(data: DataAccess, holders: readonly CopyHolder[], change: () => Promise<void>) {
  if (holders.length === 0) return change();
  const until = await markCopyChanging(data, holders);
  await change();
  await Promise.all(holders.map((h) => forgetSessionCopy(data, h, { quiet: true, closes: closesWindow(until) })));
}

/**
 * Of these home links, those whose account's shard has no holder row for them, in any state (a link removed while a
 * change that stopped half-way, or a backfill's page that died, left its home row): the accounts' shards from the
 * places (platform/places.ts), a read a shard, side by side, and their places once more for those found (an account a
 * move switched and cleaned up in between is not taken for one without its row). An account that does not exist has
 * no rows; one whose shard is not bound here, or does not answer, is passed over.
 */
async function withoutHolderRows<T extends { subscriberId: string; accountNo: string }>(
  data: DataAccess,
  rows: readonly T[],
): Promise<T[]> {
  if (rows.length === 0) return [];
  const dir = await directoryShards(
    data,
    rows.map((r) => r.accountNo),
  );
  const byShard = new Map<ShardBinding, T[]>();
  const orphans: T[] = [];
  for (const r of rows) {
    const shard = dir.get(r.accountNo);
    if (shard === undefined) orphans.push(r);
    else if (isShardBinding(shard) && data.hasShard(shard)) byShard.set(shard, [...(byShard.get(shard) ?? []), r]);
    else log("error", "holders.shard_unbound", { shard });
  }
  const read = await Promise.allSettled(
    [...byShard].map(async ([shard, list]) => {
      const held = await d1Of(data.shard(shard))
        .prepare(
          `SELECT subscriber_id AS s, account_no AS a FROM account_holders WHERE (account_no, subscriber_id) IN
            (SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(?1))`,
        )
        .bind(JSON.stringify(list.map((r) => [r.accountNo, r.subscriberId])))
        .all<{ s: string; a: string }>();
      const has = new Set(held.results.map((h) => linkKey({ subscriberId: h.s, accountNo: h.a })));
      return list.filter((r) => !has.has(linkKey(r))).map((r) => ({ r, shard }));
    }),
  );
  for (const x of read) if (x.status === "rejected") log("warn", "links.sweep_shard_failed", { error: errorText(x.reason) });
  const missing = read.flatMap((x) => (x.status === "fulfilled" ? x.value : []));
  if (missing.length === 0) return orphans;
  const now = await directoryShards(
    data,
    missing.map((m) => m.r.accountNo),
  );
  return [...orphans, ...missing.filter((m) => now.get(m.r.accountNo) === m.shard).map((m) => m.r)];
}

/**
 * Housekeeping, a home shard: a page of its subscribers' links after where the last run got to (`sweep_cursors`; past
 * the end, from the start again), each checked against its account's holder row (and while they are kept, first
 * against the global link: only one without it is looked for); one with neither (a link removed while a change that
 * stopped half-way, or a backfill's page that died, left its home row) is deleted, only as it was read (a link made
 * again since is dated anew), the subscriber's copy of their links forgotten around it. A run: the cursor, the page,
 * their accounts' places (under "keep", the global links instead, and those only for a link without one), a read an account's
 * shard (most are this one), the places again for a link found without its row (rare), a write of the cursor; and
 * three a subscriber whose link it deletes (rare). What it deleted.
 */
export async function sweepHomeLinks(data: DataAccess, shard: ShardBinding, page = SWEEP_PAGE, now = new Date()): Promise<number> {
  const d1 = d1Of(data.shard(shard));
  const cursor = await d1
    .prepare("SELECT after_subscriber AS s, after_account AS a FROM sweep_cursors WHERE sweep = 'home_links'")
    .first<{ s: string; a: string }>();
  const rows = (
    await d1
      .prepare(
        `SELECT subscriber_id AS subscriberId, account_no AS accountNo, created_at AS createdAt FROM subscriber_links
         WHERE (subscriber_id, account_no) > (?1, ?2) ORDER BY subscriber_id, account_no LIMIT ?3`,
      )
      .bind(cursor?.s ?? "", cursor?.a ?? "", page)
      .all<{ subscriberId: string; accountNo: string; createdAt: number }>()
  ).results;
  // The end of the table: the next run starts again from its beginning.
  const last = rows.length < page ? { subscriberId: "", accountNo: "" } : (rows.at(-1) as { subscriberId: string; accountNo: string });
  const moveOn = () =>
    d1
      .prepare(
        `INSERT INTO sweep_cursors (sweep, after_subscriber, after_account, updated_at) VALUES ('home_links', ?1, ?2, ?3)
         ON CONFLICT (sweep) DO UPDATE SET after_subscriber = excluded.after_subscriber, after_account = excluded.after_account, updated_at = excluded.updated_at`,
      )
      .bind(last.subscriberId, last.accountNo, now.getTime())
      .run();
  if (rows.length === 0) {
    if (cursor) await moveOn();
    return 0;
  }
  // Under "keep" those with no global link (rare) are the candidates; under "drop" all of them.
  const keep = data.globalLinks === "keep";
  const linked = keep ? await globalLinksOf(data, rows) : new Map();
  const gone = await withoutHolderRows(
    data,
    rows.filter((r) => !linked.has(linkKey(r))),
  );
  if (gone.length === 0) {
    await moveOn();
    return 0;
  }
  const holders = [...new Set(gone.map((r) => r.subscriberId))].map((id) => ({ id, homeShard: shard }));
  let deleted = 0;
  await whileCopiesChange(data, holders, async () => {
    const out = await d1
      .prepare(
        `DELETE FROM subscriber_links WHERE (subscriber_id, account_no, created_at) IN
          (SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), json_extract(value, '$[2]') FROM json_each(?1))`,
      )
      .bind(JSON.stringify(gone.map((r) => [r.subscriberId, r.accountNo, r.createdAt])))
      .run();
    deleted = out.meta.changes ?? 0;
  });
  await moveOn();
  if (deleted > 0) log("warn", "links.swept", { shard, deleted });
  return deleted;
}
