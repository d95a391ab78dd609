import { sql } from "drizzle-orm";
import { HOLDERS_BACKFILL } from "../../data/limits.data";
import { accountDirectory, accountLinks, subscribers } from "../../db/schema/global";
import { type DataAccess, d1Of, isShardBinding, type ShardBinding } from "../../platform/db";
import { globalLinksOf, linkKey } from "../../platform/holders";
import { log } from "../../platform/log";
import { endPage, holdsPass, isPassMessageOf, type Pass, type PassMessage, passCursor, startPass } from "../../platform/passes";

/**
 * The backfill of the accounts' holder rows (platform/holders.ts) for the links an older release made: each global link
 * copied to its account's shard as a settled row, where none is there (a row a live change wrote is its own). A chain of
 * messages on the billing queue, one at a time under a lease, each a page of `account_links` in rowid order from its
 * cursor (`drain_cursors`, plan `account_holders`), started by the hourly cron while links past the cursor are left.
 *
 * A copy is written `adding`, dated as the page read its links, and settled only after the page has read them again
 * (with their role and alert as they are then), or deleted where the link has gone since (removed while the page was
 * on its way, when the removal found no row to mark): a page that dies between the two leaves rows no reader counts,
 * which housekeeping settles or deletes by the global link (platform/holders.ts `reconcileHolders`). A row already
 * there (a live change's, or the pass's before) is left as it is. An account frozen for a shard move takes no write
 * (its rows are copied as they are): the page stops before it, and the next hourly cron comes back to it. Its page and
 * lease: `HOLDERS_BACKFILL`.
 */
const LEASE = "account_holders.backfill";

/** The billing queue's message of the backfill's chain. */
export type HoldersBackfillMessage = PassMessage<"account_holders.backfill">;

export const isHoldersBackfillMessage = isPassMessageOf("account_holders.backfill");

const PASS: Pass<HoldersBackfillMessage> = {
  lease: LEASE,
  plan: "account_holders",
  table: accountLinks,
  staleMs: HOLDERS_BACKFILL.staleMs,
  message: (run) => ({ kind: "account_holders.backfill", run }),
};

/** Cron (hourly): the backfill's chain, when links past its cursor are left and no run holds the lease. */
export async function startHoldersBackfill(data: DataAccess, queue: Queue<unknown>, now = new Date()): Promise<boolean> {
  // Only while the readers still read the global links (HOLDERS_STORE = "global"): once they read the rows every change
  // writes, there is nothing left to copy, and without global links (GLOBAL_LINKS = "drop", which needs that) a copy
  // would bring back a link a Worker that no longer deletes them removed.
  if (data.holdersStore !== "global") return false;
  return startPass(data, queue, PASS, now);
}

// The page's rows of one shard ([account, subscriber, role, low balance, home shard, created]), written `adding` and dated
// as the page's read (?2) where none is and the account is not frozen, and the page's frozen accounts named (one batch
// of two statements a shard).
const NOT_FROZEN = "NOT EXISTS (SELECT 1 FROM account_freezes f WHERE f.account_no = json_extract(value, '$[0]'))";
const COPY_SQL = `INSERT INTO account_holders (account_no, subscriber_id, role, low_balance_kop, home_shard, created_at, state, changed_at)
  SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), json_extract(value, '$[2]'), json_extract(value, '$[3]'),
    json_extract(value, '$[4]'), json_extract(value, '$[5]'), 'adding', ?2 FROM json_each(?1) WHERE ${NOT_FROZEN}
  ON CONFLICT DO NOTHING`;
const FROZEN_SQL = `SELECT json_extract(value, '$[0]') AS accountNo FROM json_each(?1) WHERE NOT ${NOT_FROZEN}`;
// The page's own copies ([account, subscriber, ...], `adding` and dated ?2), settled with the links' role and alert as
// read again ([account, subscriber, role, low balance]), or deleted where the link has gone ([account, subscriber]).
const OWN = `state = 'adding' AND changed_at = ?2 AND EXISTS (SELECT 1 FROM json_each(?1)
  WHERE json_extract(value, '$[0]') = account_holders.account_no AND json_extract(value, '$[1]') = account_holders.subscriber_id)`;
const FIELD = (i: number) =>
  `(SELECT json_extract(value, '$[${i}]') FROM json_each(?1) WHERE json_extract(value, '$[0]') = account_holders.account_no AND json_extract(value, '$[1]') = account_holders.subscriber_id)`;
const SETTLE_SQL = `UPDATE account_holders SET state = NULL, changed_at = NULL, role = ${FIELD(2)}, low_balance_kop = ${FIELD(3)} WHERE ${OWN}`;
const GONE_SQL = `DELETE FROM account_holders WHERE ${OWN}`;

/**
 * One page of the backfill from its cursor; with `m.run` (a message of the chain), the next message after a full page
 * and the lease given back at the end. What it did: links read, rows copied, rows of links removed meanwhile deleted.
 */
export async function backfillHolders(
  data: DataAccess,
  now = new Date(),
  m: { run?: string } = {},
  queue: Queue<unknown> | null = null,
  page: number = HOLDERS_BACKFILL.page,
): Promise<{ read: number; copied: number; settled: number; gone: number; handedOn: boolean }> {
  const done = { read: 0, copied: 0, settled: 0, gone: 0, handedOn: false };
  // A page queued before the readers moved does nothing (above).
  if (data.holdersStore !== "global" || !(await holdsPass(data, PASS, m.run, now))) return done;
  const after = await passCursor(data, PASS.plan);
  // The page's copies are dated as its read (distinct from any live change's, which are dated by their own clock).
  const readAt = Date.now();
  const rows = await data.global
    .select({
      rowid: sql<number>`${accountLinks}.rowid`,
      accountNo: accountLinks.accountNo,
      subscriberId: accountLinks.subscriberId,
      role: accountLinks.role,
      lowBalanceKop: accountLinks.lowBalanceKop,
      createdAt: sql<number>`${accountLinks.createdAt}`,
      shard: accountDirectory.shard,
      homeShard: subscribers.homeShard,
    })
    .from(accountLinks)
    .innerJoin(accountDirectory, sql`${accountDirectory.accountNo} = ${accountLinks.accountNo}`)
    .innerJoin(subscribers, sql`${subscribers.id} = ${accountLinks.subscriberId}`)
    .where(sql`${accountLinks}.rowid > ${after}`)
    .orderBy(sql`${accountLinks}.rowid`)
    .limit(page)
    .all();
  done.read = rows.length;
  const byShard = new Map<ShardBinding, typeof rows>();
  for (const r of rows) {
    // A link whose account's shard is not bound here is passed over (logged): it keeps no row.
    if (!isShardBinding(r.shard) || !data.hasShard(r.shard)) {
      log("error", "holders.backfill_shard_unbound", { shard: r.shard });
      continue;
    }
    byShard.set(r.shard, [...(byShard.get(r.shard) ?? []), r]);
  }
  const frozen = new Set<string>();
  const copiedOn = new Set<ShardBinding>();
  await Promise.all(
    [...byShard].map(async ([shard, list]) => {
      const tuples = JSON.stringify(list.map((r) => [r.accountNo, r.subscriberId, r.role, r.lowBalanceKop, r.homeShard, r.createdAt]));
      const db = d1Of(data.shard(shard));
      const [copy, read] = await db.batch([db.prepare(COPY_SQL).bind(tuples, readAt), db.prepare(FROZEN_SQL).bind(tuples)]);
      done.copied += copy?.meta.changes ?? 0;
      if ((copy?.meta.changes ?? 0) > 0) copiedOn.add(shard);
      for (const f of (read?.results ?? []) as { accountNo: string }[]) frozen.add(f.accountNo);
    }),
  );
  // The page's links read again: its copies settled with them as they are now, or deleted where they have gone (a row a
  // live change wrote is that change's: its date is not the page's).
  if (done.copied > 0) {
    const now = await globalLinksOf(data, rows);
    await Promise.all(
      [...byShard]
        .filter(([shard]) => copiedOn.has(shard))
        .map(async ([shard, list]) => {
          const settle = list.flatMap((r) => {
            const l = now.get(linkKey(r));
            return l ? [[r.accountNo, r.subscriberId, l.role, l.lowBalanceKop]] : [];
          });
          const gone = list.filter((r) => !now.has(linkKey(r))).map((r) => [r.accountNo, r.subscriberId]);
          const db = d1Of(data.shard(shard));
          const out = await db.batch([
            db.prepare(SETTLE_SQL).bind(JSON.stringify(settle), readAt),
            db.prepare(GONE_SQL).bind(JSON.stringify(gone), readAt),
          ]);
          done.settled += out[0]?.meta.changes ?? 0;
          done.gone += out[1]?.meta.changes ?? 0;
        }),
    );
  }
  // The cursor stops before a link of an account frozen for a move: the chain ends there, logged, and the next hourly
  // cron comes back to it. A move stuck frozen holds the pass up.
  const firstFrozen = rows.findIndex((r) => frozen.has(r.accountNo));
  if (firstFrozen >= 0) log("warn", "holders.backfill_frozen", { accounts: frozen.size });
  const upTo = firstFrozen >= 0 ? rows.slice(0, firstFrozen) : rows;
  done.handedOn = await endPage(
    data,
    PASS,
    { lastRowid: upTo[upTo.length - 1]?.rowid, more: firstFrozen < 0 && rows.length === page, run: m.run, queue },
    now,
  );
  return done;
}
