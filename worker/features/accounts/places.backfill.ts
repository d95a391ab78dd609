import { sql } from "drizzle-orm";
import { ACCOUNT_PLACES_BACKFILL } from "../../data/limits.data";
import { accountDirectory } from "../../db/schema/global";
import { type DataAccess, d1Of } from "../../platform/db";
import { accountKey, byIdentityStore } from "../../platform/identity-stores";
import { errorText, log } from "../../platform/log";
import { endPage, holdsPass, isPassMessageOf, type Pass, type PassMessage, passCursor, startPass } from "../../platform/passes";

/**
 * The backfill of the accounts' places (platform/places.ts) for the accounts an older release made: each directory row
 * copied into the identity store its number's key hashes to. A copy there is replaced only when it is not marked by a
 * move and is older than the page's read (`as_of`): a move's mark and settle, made after the read, always win, and a
 * copy from before the read (an older release's move left it behind) takes the directory's shard.
 *
 * Under `DIRECTORY_ROWS = "drop"` (the default) the pass then deletes the directory rows of the page that nothing needs
 * any more (issue 20: the directory was a quarter of the global database's fixed part, one row an account): a row whose
 * copy, read back, names the same shard and no move; a day old (a creation's retry finds its copy anyway); with no
 * contacts on it (the contracts' contacts' backfill empties them); and that no foreign key names — no global link, no
 * organisation's account, no older deployment's invoice or payment line, and no shard move (a move's row names it, and
 * a move makes the row again from the copy when it starts: features/shards/move.service.ts; an organisation's
 * registration too: features/business/business.service.ts). Each condition is checked in the delete itself, so a move
 * or an organisation that names the row meanwhile keeps it. The cursor stops before the first row not a day old (rows
 * are added in rowid order), so every row is looked at once it may go.
 *
 * A chain of messages on the billing queue, one at a time under a lease, each a page of the directory in rowid order
 * from a cursor of its own for each mode (`drain_cursors`, plans `account_places` under `ACCOUNT_PLACES = "global"`,
 * `account_places.identity` after it, `account_places.drop` under "drop", so the pass goes over every account again
 * once the copies are read, and once more when rows may go, then again once a round is a week old where it stops), started
 * by the hourly cron while rows past the cursor are left. Its page and lease: `ACCOUNT_PLACES_BACKFILL`.
 */
const LEASE = "account_places.backfill";
/** How much older than a page's read a copy must be for the page to replace it (its clock and a move's may differ). */
export const CLOCK_MARGIN_MS = 5 * 60_000;
/** How old a directory row must be before the pass deletes it. */
export const DIRECTORY_ROW_MIN_AGE_MS = 24 * 60 * 60_000;
const cursorOf = (data: DataAccess) =>
  data.directoryRows === "drop" ? "account_places.drop" : data.placesStore === "identity" ? "account_places.identity" : "account_places";

/** The billing queue's message of the backfill's chain. */
export type PlacesBackfillMessage = PassMessage<"account_places.backfill">;

export const isPlacesBackfillMessage = isPassMessageOf("account_places.backfill");

// A store's copies of a page ([account, region, shard]), read at ?2: over a copy no move marks and older than the read
// by more than ?3 (the Workers' clocks may differ: a move's settle just after the read, on a clock behind this one's, must
// still count as newer). Then what the store holds for them, read back.
const COPY_SQL = `INSERT INTO account_places (account_no, region, shard, moving, as_of)
  SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), json_extract(value, '$[2]'), NULL, ?2 FROM json_each(?1) WHERE true
  ON CONFLICT (account_no) DO UPDATE SET region = excluded.region, shard = excluded.shard, as_of = excluded.as_of
  WHERE account_places.moving IS NULL AND account_places.as_of < excluded.as_of - ?3
    AND (account_places.shard IS NOT excluded.shard OR account_places.region IS NOT excluded.region)`;
const HELD_SQL = `SELECT account_no AS accountNo, region, shard, moving FROM account_places
  WHERE account_no IN (SELECT json_extract(value, '$[0]') FROM json_each(?1))`;

// The directory rows ([account, region, shard]) whose copies name the same and no move, deleted where nothing needs them.
const DROP_SQL = `DELETE FROM account_directory
  WHERE (account_no, region, shard) IN (SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), json_extract(value, '$[2]') FROM json_each(?1))
    AND created_at < ?2 AND contact_phone IS NULL AND contact_email IS NULL
    AND NOT EXISTS (SELECT 1 FROM account_links l WHERE l.account_no = account_directory.account_no)
    AND NOT EXISTS (SELECT 1 FROM org_accounts o WHERE o.account_no = account_directory.account_no)
    AND NOT EXISTS (SELECT 1 FROM shard_moves m WHERE m.account_no = account_directory.account_no)
    AND NOT EXISTS (SELECT 1 FROM invoice_lines i WHERE i.account_no = account_directory.account_no)
    AND NOT EXISTS (SELECT 1 FROM org_payment_lines p WHERE p.account_no = account_directory.account_no)`;

/** The pass under the deployment's `ACCOUNT_PLACES` and `DIRECTORY_ROWS` (platform/passes.ts). */
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
 * and the lease given back at the end. What it did: directory rows read, copies written (new or replaced), directory
 * rows deleted.
 */
export async function backfillPlaces(
  data: DataAccess,
  now = new Date(),
  m: { run?: string } = {},
  queue: Queue<unknown> | null = null,
  page: number = ACCOUNT_PLACES_BACKFILL.page,
): Promise<{ read: number; copied: number; dropped: number; handedOn: boolean; restarted: boolean }> {
  const done = { read: 0, copied: 0, dropped: 0, handedOn: false, restarted: false };
  const pass = passOf(data);
  if (!(await holdsPass(data, pass, m.run, now))) return done;
  const drop = data.directoryRows === "drop";
  const after = await passCursor(data, pass.plan);
  // The read's time, taken before it: a move's mark or settle dated after it is newer than what the page read.
  const readAt = now.getTime();
  const read = await data.global
    .select({
      rowid: sql<number>`rowid`,
      accountNo: accountDirectory.accountNo,
      region: accountDirectory.region,
      shard: accountDirectory.shard,
      createdAt: accountDirectory.createdAt,
    })
    .from(accountDirectory)
    .where(sql`rowid > ${after}`)
    .orderBy(sql`rowid`)
    .limit(page)
    .all();
  // Where rows may go, the page ends before the first row not a day old: the pass comes back to it once it is.
  const young = drop ? read.findIndex((r) => r.createdAt.getTime() >= readAt - DIRECTORY_ROW_MIN_AGE_MS) : -1;
  const rows = young >= 0 ? read.slice(0, young) : read;
  done.read = rows.length;
  const written = await Promise.all(
    byIdentityStore(data.identities.all, rows, (r) => accountKey(r.accountNo)).map(async ({ db: store, items }) => {
      const db = d1Of(store);
      const json = JSON.stringify(items.map((r) => [r.accountNo, r.region, r.shard]));
      const [copy, held] = await db.batch([db.prepare(COPY_SQL).bind(json, readAt, CLOCK_MARGIN_MS), db.prepare(HELD_SQL).bind(json)]);
      return {
        changes: copy?.meta.changes ?? 0,
        held: (held?.results ?? []) as { accountNo: string; region: string; shard: string; moving: string | null }[],
      };
    }),
  );
  done.copied = written.reduce((n, w) => n + w.changes, 0);
  if (drop) {
    // The rows whose copies, as read back, name their region and shard and no move: deleted where nothing needs them.
    const seen = new Map(rows.map((r) => [r.accountNo, r]));
    const pairs = written.flatMap((w) =>
      w.held
        .filter((h) => h.moving === null && seen.get(h.accountNo)?.shard === h.shard && seen.get(h.accountNo)?.region === h.region)
        .map((h) => [h.accountNo, h.region, h.shard]),
    );
    if (pairs.length > 0) {
      try {
        const out = await d1Of(data.global)
          .prepare(DROP_SQL)
          .bind(JSON.stringify(pairs), readAt - DIRECTORY_ROW_MIN_AGE_MS)
          .run();
        done.dropped = out.meta.changes ?? 0;
      } catch (err) {
        // Nothing deleted (one statement); the cursor stays, and the page is tried again.
        log("error", "places.directory_not_dropped", { error: errorText(err) });
        throw err;
      }
    }
  }
  const last = rows.at(-1);
  const more = young < 0 && read.length === page;
  // The deleting pass's round ends where it stops (the directory's end, or its first row not a day old, which new
  // accounts always make): a week after the round began, its cursor goes back to the start — here, while this chain
  // holds the lease, so no page in flight moves it on after — and a row kept for a passing reason (a global link
  // housekeeping had not emptied yet, contacts the contracts' pass had not, a copy within the clocks' margin, a reused
  // rowid behind the cursor) is looked at again. After the first round the directory holds few rows: a round is cheap.
  if (drop && !more && (await roundDue(data, pass.plan, now))) {
    const db = d1Of(data.global);
    await db.batch([
      db.prepare("UPDATE drain_cursors SET after = 0, updated_at = ? WHERE plan = ?").bind(now.getTime(), pass.plan),
      db
        .prepare("UPDATE drain_cursors SET after = ?, updated_at = ? WHERE plan = ?")
        .bind(now.getTime(), now.getTime(), `${pass.plan}.round`),
    ]);
    log("info", "places.drop_round", {});
    done.restarted = true;
  }
  done.handedOn = await endPage(data, pass, { lastRowid: done.restarted ? undefined : last?.rowid, more, run: m.run, queue }, now);
  return done;
}

/** How often the deleting pass goes over the directory again. */
export const DROP_ROUND_MS = 7 * 24 * 60 * 60_000;

/** Whether the deleting pass's round began a week ago or more (its start kept beside its cursor; the first is recorded). */
async function roundDue(data: DataAccess, plan: string, now: Date): Promise<boolean> {
  const round = `${plan}.round`;
  const began = await passCursor(data, round);
  if (began === 0) {
    await d1Of(data.global)
      .prepare("INSERT OR IGNORE INTO drain_cursors (plan, after, updated_at) VALUES (?, ?, ?)")
      .bind(round, now.getTime(), now.getTime())
      .run();
    return false;
  }
  return now.getTime() - began >= DROP_ROUND_MS;
}
