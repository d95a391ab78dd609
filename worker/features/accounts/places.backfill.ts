import { sql } from "drizzle-orm";
import { ACCOUNT_PLACES_BACKFILL } from "../../data/limits.data";
import { accountDirectory } from "../../db/schema/global";
import { type DataAccess, d1Of } from "../../platform/db";
import { accountKey, identityStoreIndex } from "../../platform/identity-stores";
import { endPage, holdsPass, isPassMessageOf, type Pass, type PassMessage, passCursor, startPass } from "../../platform/passes";

/**
 * The backfill of the accounts' places (platform/places.ts) for the accounts an older release made: each directory row
 * copied into the identity store its number's key hashes to. A copy there is replaced only when it is not marked by a
 * move and is older than the page's read (`as_of`): a move's mark and settle, made after the read, always win, and a
 * copy from before the read (an older release's move left it behind) takes the directory's shard. A chain of messages
 * on the billing queue, one at a time under a lease, each a page of the directory in rowid order from a cursor of its
 * own for each mode (`drain_cursors`, plans `account_places` under `ACCOUNT_PLACES = "global"` and
 * `account_places.identity` after it, so the pass goes over every account again once the copies are read), started by
 * the hourly cron while rows past the cursor are left. Its page and lease: `ACCOUNT_PLACES_BACKFILL`.
 */
const LEASE = "account_places.backfill";
/** How much older than a page's read a copy must be for the page to replace it (its clock and a move's may differ). */
export const CLOCK_MARGIN_MS = 5 * 60_000;
const cursorOf = (data: DataAccess) => (data.placesStore === "identity" ? "account_places.identity" : "account_places");

/** The billing queue's message of the backfill's chain. */
export type PlacesBackfillMessage = PassMessage<"account_places.backfill">;

export const isPlacesBackfillMessage = isPassMessageOf("account_places.backfill");

// A store's copies of a page ([account, region, shard]), read at ?2: over a copy no move marks and older than the read
// by more than ?3 (the Workers' clocks may differ: a move's settle just after the read, on a clock behind this one's, must
// still count as newer).
const COPY_SQL = `INSERT INTO account_places (account_no, region, shard, moving, as_of)
  SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), json_extract(value, '$[2]'), NULL, ?2 FROM json_each(?1) WHERE true
  ON CONFLICT (account_no) DO UPDATE SET region = excluded.region, shard = excluded.shard, as_of = excluded.as_of
  WHERE account_places.moving IS NULL AND account_places.as_of < excluded.as_of - ?3
    AND (account_places.shard IS NOT excluded.shard OR account_places.region IS NOT excluded.region)`;

/** The pass under the deployment's `ACCOUNT_PLACES` (platform/passes.ts). */
const passOf = (data: DataAccess): Pass<PlacesBackfillMessage> => ({
  lease: LEASE,
  plan: cursorOf(data),
  table: accountDirectory,
  staleMs: ACCOUNT_PLACES_BACKFILL.staleMs,
  message: (run) => ({ kind: "account_places.backfill", run }),
});

/** Cron (hourly): the backfill's chain, when directory rows past its cursor are left and no run holds the lease. */
export async function startPlacesBackfill(data: DataAccess, queue: Queue<unknown>, now = new Date()): Promise<boolean> {
  if (data.identities.all.length === 0) return false;
  return startPass(data, queue, passOf(data), now);
}

/**
 * One page of the backfill from its cursor; with `m.run` (a message of the chain), the next message after a full page
 * and the lease given back at the end. What it did: directory rows read, copies written (new or replaced).
 */
export async function backfillPlaces(
  data: DataAccess,
  now = new Date(),
  m: { run?: string } = {},
  queue: Queue<unknown> | null = null,
  page: number = ACCOUNT_PLACES_BACKFILL.page,
): Promise<{ read: number; copied: number; handedOn: boolean }> {
  const done = { read: 0, copied: 0, handedOn: false };
  const pass = passOf(data);
  if (!(await holdsPass(data, pass, m.run, now))) return done;
  const after = await passCursor(data, pass.plan);
  // The read's time, taken before it: a move's mark or settle dated after it is newer than what the page read.
  const readAt = now.getTime();
  const rows = await data.global
    .select({
      rowid: sql<number>`rowid`,
      accountNo: accountDirectory.accountNo,
      region: accountDirectory.region,
      shard: accountDirectory.shard,
    })
    .from(accountDirectory)
    .where(sql`rowid > ${after}`)
    .orderBy(sql`rowid`)
    .limit(page)
    .all();
  done.read = rows.length;
  const stores = data.identities.all.length;
  const byStore = new Map<number, [string, string, string][]>();
  for (const r of rows) {
    const i = identityStoreIndex(accountKey(r.accountNo), stores);
    byStore.set(i, [...(byStore.get(i) ?? []), [r.accountNo, r.region, r.shard]]);
  }
  const written = await Promise.all(
    [...byStore].map(([i, triples]) =>
      d1Of(data.identities.all[i] as (typeof data.identities.all)[number])
        .prepare(COPY_SQL)
        .bind(JSON.stringify(triples), readAt, CLOCK_MARGIN_MS)
        .run(),
    ),
  );
  done.copied = written.reduce((n, r) => n + (r.meta.changes ?? 0), 0);
  done.handedOn = await endPage(data, pass, { lastRowid: rows.at(-1)?.rowid, more: rows.length === page, run: m.run, queue }, now);
  return done;
}
