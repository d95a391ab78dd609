import { sql } from "drizzle-orm";
import { accountDirectory, drainCursors } from "../../db/schema/global";
import { type DataAccess, d1Of, inList, type ShardBinding } from "../../platform/db";
import { AppError } from "../../platform/errors";
import { accountKey, byIdentityStore } from "../../platform/identity-stores";
import { passCursor } from "../../platform/passes";

/**
 * The accounts' places written again from a shard's own rows (issue 20, platform/places.ts): once the directory's rows
 * nothing needs are deleted (`DIRECTORY_ROWS = "drop"`), a never-moved private account's place is only its copy in the
 * identity stores — and its row in the one shard that holds it. A store restored to an earlier point, or a change of
 * the stores' count, leaves some of those without a copy; this writes them back, a page of the shard's `accounts` in
 * rowid order from a cursor of its own (`drain_cursors`, plan `account_places.rebuild.<shard>`; a call with `restart`
 * starts it over), until the operator's calls reach the end (docs/operations.md). An account the directory has a row for is left to it (an organisation's,
 * or a moved one, whose source may still hold its rows in the grace period): the directory is its truth. A copy there
 * already is kept (a never-moved account has one shard), and a move that starts meanwhile makes the directory row
 * again and marks the copy over whatever this writes.
 */

/** Accounts a call reads: one read, one global look-up and a statement an identity store. */
export const REBUILD_PAGE = 1_000;

const COPY_SQL = `INSERT OR IGNORE INTO account_places (account_no, region, shard, moving, as_of)
  SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), ?2, NULL, ?3 FROM json_each(?1)`;

/** One page of the shard's accounts: their places written where neither a copy nor the directory has them. */
export async function rebuildPlaces(
  data: DataAccess,
  shard: string,
  opts: { restart?: boolean; now?: Date; page?: number } = {},
): Promise<{ read: number; copied: number; done: boolean }> {
  const { now = new Date(), page = REBUILD_PAGE } = opts;
  if (!data.hasShard(shard)) throw new AppError(404, "shard_not_found", { shard });
  if (data.identities.all.length === 0) return { read: 0, copied: 0, done: true };
  const plan = `account_places.rebuild.${shard}`;
  // A new rebuild (another restore, another change of the count) starts from the shard's first account.
  if (opts.restart) await data.global.delete(drainCursors).where(sql`${drainCursors.plan} = ${plan}`);
  const after = await passCursor(data, plan);
  const rows = (
    await d1Of(data.shard(shard as ShardBinding))
      .prepare("SELECT rowid AS r, account_no AS accountNo, region FROM accounts WHERE rowid > ? ORDER BY rowid LIMIT ?")
      .bind(after, page)
      .all<{ r: number; accountNo: string; region: string }>()
  ).results;
  const kept = new Set(
    rows.length === 0
      ? []
      : (
          await data.global
            .select({ accountNo: accountDirectory.accountNo })
            .from(accountDirectory)
            .where(
              inList(
                accountDirectory.accountNo,
                rows.map((r) => r.accountNo),
              ),
            )
            .all()
        ).map((d) => d.accountNo),
  );
  const written = await Promise.all(
    byIdentityStore(
      data.identities.all,
      rows.filter((r) => !kept.has(r.accountNo)),
      (r) => accountKey(r.accountNo),
    ).map(({ db, items }) =>
      d1Of(db)
        .prepare(COPY_SQL)
        .bind(JSON.stringify(items.map((r) => [r.accountNo, r.region])), shard, now.getTime())
        .run(),
    ),
  );
  const last = rows.at(-1);
  if (last)
    await data.global
      .insert(drainCursors)
      .values({ plan, after: last.r, updatedAt: now })
      .onConflictDoUpdate({
        target: drainCursors.plan,
        set: { after: last.r, updatedAt: now },
        setWhere: sql`${drainCursors.after} < ${last.r}`,
      });
  return { read: rows.length, copied: written.reduce((n, w) => n + (w.meta.changes ?? 0), 0), done: rows.length < page };
}
