import { sql } from "drizzle-orm";
import { LINKS_BACKFILL } from "../../data/limits.data";
import { accountLinks, subscribers } from "../../db/schema/global";
import { type DataAccess, d1Of, type ShardBinding } from "../../platform/db";
import { globalLinksOf, linkKey } from "../../platform/holders";
import { byHome as homesOf } from "../../platform/links";
import { endPage, holdsPass, isPassMessageOf, type Pass, type PassMessage, passCursor, startPass } from "../../platform/passes";
import { forgetSessionCopy } from "../../platform/session";

/**
 * The backfill of the subscribers' links in their home shards (platform/links.ts) for the links an older release made:
 * each global link copied to its subscriber's home shard, where none is there (a link a live change wrote is its own).
 * A chain of messages on the billing queue, one at a time under a lease, each a page of `account_links` in rowid order
 * from its cursor (`drain_cursors`, plan `subscriber_links`), started by the hourly cron while links past the cursor are
 * left.
 *
 * After its copies the page reads its links again: the rows of those still there take the role and alert they have
 * now, and the copies of those gone since (removed while the page was on its way, after the removal had deleted the
 * home row) are deleted: only a row as the page wrote it (its `created_at`, the link's), so a link made again since
 * keeps its own. A page that dies between the two leaves such a copy until the
 * next pass over it (docs/operations.md: the rollout runs the pass again once no older Worker is left). Its page and
 * lease: `LINKS_BACKFILL`.
 */
const LEASE = "subscriber_links.backfill";

/** The billing queue's message of the backfill's chain. */
export type LinksBackfillMessage = PassMessage<"subscriber_links.backfill">;

export const isLinksBackfillMessage = isPassMessageOf("subscriber_links.backfill");

const PASS: Pass<LinksBackfillMessage> = {
  lease: LEASE,
  plan: "subscriber_links",
  table: accountLinks,
  staleMs: LINKS_BACKFILL.staleMs,
  message: (run) => ({ kind: "subscriber_links.backfill", run }),
};

/** Cron (hourly): the backfill's chain, when links past its cursor are left and no run holds the lease. */
export async function startLinksBackfill(data: DataAccess, queue: Queue<unknown>, now = new Date()): Promise<boolean> {
  // Only while the readers still read the global links (LINKS_STORE = "global"): once they read the rows every change
  // writes, there is nothing left to copy, and without global links (GLOBAL_LINKS = "drop", which needs that) a copy
  // would bring back a link a Worker that no longer deletes them removed.
  if (data.linksStore !== "global") return false;
  return startPass(data, queue, PASS, now);
}

// The page's links of one home shard ([subscriber, account, role, low balance, created]), written where none is: the
// subscribers of those written.
const COPY_SQL = `INSERT INTO subscriber_links (subscriber_id, account_no, role, low_balance_kop, created_at)
  SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), json_extract(value, '$[2]'), json_extract(value, '$[3]'),
    json_extract(value, '$[4]') FROM json_each(?1) WHERE true
  ON CONFLICT DO NOTHING RETURNING subscriber_id AS s`;
// The page's links as read again ([subscriber, account, created, role, low balance]): their rows given the role and
// alert they have now (one changed while the page was on its way found no row here to change).
const MATCHES = `json_extract(value, '$[0]') = subscriber_links.subscriber_id AND json_extract(value, '$[1]') = subscriber_links.account_no
  AND json_extract(value, '$[2]') = subscriber_links.created_at`;
const REFRESH_SQL = `UPDATE subscriber_links SET
  role = (SELECT json_extract(value, '$[3]') FROM json_each(?1) WHERE ${MATCHES}),
  low_balance_kop = (SELECT json_extract(value, '$[4]') FROM json_each(?1) WHERE ${MATCHES})
  WHERE (subscriber_id, account_no) IN (SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(?1))
    AND EXISTS (SELECT 1 FROM json_each(?1) WHERE ${MATCHES})`;
// The page's copies of links gone since ([subscriber, account, created]), deleted as the page wrote them.
const GONE_SQL = `DELETE FROM subscriber_links WHERE (subscriber_id, account_no, created_at) IN
  (SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), json_extract(value, '$[2]') FROM json_each(?1))`;

/**
 * One page of the backfill from its cursor; with `m.run` (a message of the chain), the next message after a full page
 * and the lease given back at the end. What it did: links read, rows copied, copies of links removed meanwhile deleted.
 */
export async function backfillLinks(
  data: DataAccess,
  now = new Date(),
  m: { run?: string } = {},
  queue: Queue<unknown> | null = null,
  page: number = LINKS_BACKFILL.page,
): Promise<{ read: number; copied: number; gone: number; handedOn: boolean }> {
  const done = { read: 0, copied: 0, gone: 0, handedOn: false };
  // A page queued before the readers moved does nothing (above).
  if (data.linksStore !== "global" || !(await holdsPass(data, PASS, m.run, now))) return done;
  const after = await passCursor(data, PASS.plan);
  const rows = await data.global
    .select({
      rowid: sql<number>`${accountLinks}.rowid`,
      accountNo: accountLinks.accountNo,
      subscriberId: accountLinks.subscriberId,
      role: accountLinks.role,
      lowBalanceKop: accountLinks.lowBalanceKop,
      createdAt: sql<number>`${accountLinks.createdAt}`,
      homeShard: subscribers.homeShard,
    })
    .from(accountLinks)
    .innerJoin(subscribers, sql`${subscribers.id} = ${accountLinks.subscriberId}`)
    .where(sql`${accountLinks}.rowid > ${after}`)
    .orderBy(sql`${accountLinks}.rowid`)
    .limit(page)
    .all();
  done.read = rows.length;
  // A subscriber whose home shard is not bound here is passed over (logged): their links stay global only.
  const byHome = homesOf(data, rows);
  const copiedOn = new Set<ShardBinding>();
  const copiedFor = new Map<string, ShardBinding>();
  await Promise.all(
    [...byHome].map(async ([shard, list]) => {
      const tuples = JSON.stringify(list.map((r) => [r.subscriberId, r.accountNo, r.role, r.lowBalanceKop, r.createdAt]));
      const copy = (await d1Of(data.shard(shard)).prepare(COPY_SQL).bind(tuples).all<{ s: string }>()).results;
      done.copied += copy.length;
      if (copy.length > 0) copiedOn.add(shard);
      for (const c of copy) copiedFor.set(c.s, shard);
    }),
  );
  // The page's links read again: the copies of those gone since are deleted (a live removal deleted its home row
  // before the page's copy may have landed).
  if (done.copied > 0) {
    const linked = await globalLinksOf(data, rows);
    await Promise.all(
      [...byHome]
        .filter(([shard]) => copiedOn.has(shard))
        .map(async ([shard, list]) => {
          const gone = list.filter((r) => !linked.has(linkKey(r))).map((r) => [r.subscriberId, r.accountNo, r.createdAt]);
          const kept = list.flatMap((r) => {
            const l = linked.get(linkKey(r));
            return l ? [[r.subscriberId, r.accountNo, r.createdAt, l.role, l.lowBalanceKop]] : [];
          });
          const db = d1Of(data.shard(shard));
          const [, out] = await db.batch([
            db.prepare(REFRESH_SQL).bind(JSON.stringify(kept)),
            db.prepare(GONE_SQL).bind(JSON.stringify(gone)),
          ]);
          done.gone += out?.meta.changes ?? 0;
        }),
    );
    // The copies of their links the subscribers' sessions keep are forgotten: one kept between this page's copy and its
    // delete of a link removed meanwhile would hold that link for the copy's 30 days (platform/session.ts). A page that
    // dies before this leaves its copy to housekeeping's sweep, which forgets it too.
    await Promise.all([...copiedFor].map(([id, homeShard]) => forgetSessionCopy(data, { id, homeShard }, { quiet: true, closes: false })));
  }
  done.handedOn = await endPage(data, PASS, { lastRowid: rows.at(-1)?.rowid, more: rows.length === page, run: m.run, queue }, now);
  return done;
}
