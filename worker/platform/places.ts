import { and, eq, isNull, or } from "drizzle-orm";
import { accountDirectory } from "../db/schema/global";
import { accountPlaces } from "../db/schema/identity";
import { type DataAccess, inList } from "./db";
import { AppError } from "./errors";
import { accountKey, byIdentityStore } from "./identity-stores";
import { errorText, log } from "./log";

/**
 * Where an account is — its region and the shard that holds it — read from the identity stores (`account_places`, the
 * store its key `account:<number>` hashes to) instead of the global directory (issue 20): a visit's links, a login by
 * account number, access to an account, the notices of a payment or an outage, a bank credit each asked the one global
 * database, whose directory does not fit it at the target.
 *
 * The stores keep a copy; the global directory stays the truth of where an account is, and of a shard move's switch
 * (one global write with the move's step, features/shards/move.service.ts). So a copy is trusted only when it is not
 * marked `moving`: a move marks it just before its switch and settles it to the new shard just after (and again
 * before anything of the source is deleted); an abandon clears the mark. An account with no copy yet (made by an
 * older release, or whose copy's write failed: the backfill copies it), or marked, is read in the directory, in one
 * query for all of them. Once the directory's rows nothing needs are deleted (`DIRECTORY_ROWS`, the places' backfill), a
 * never-moved private account's copy is its record, with its own row in its shard (features/shards/rebuild.service.ts
 * writes copies again from those): a store that does not answer then makes such an account unknown, a 503, never absent.
 */

/** An account's region and shard. */
export interface Place {
  accountNo: string;
  region: string;
  shard: string;
}

/** Whether this deployment reads the copies (`ACCOUNT_PLACES`, and identity stores bound). */
const readsCopies = (data: DataAccess) => data.placesStore === "identity" && data.identities.all.length > 0;

/**
 * The places of the accounts (any number of them: one query a store they hash to, side by side, and one global query
 * for those with no copy to trust); an account that does not exist is not in the map. A store that fails leaves its
 * accounts to the directory (logged), and one the directory does not have either is refused with a 503 (`known`).
 */
export async function placesOf(data: DataAccess, accountNos: readonly string[]): Promise<Map<string, Place>> {
  const nos = [...new Set(accountNos)];
  if (nos.length === 0) return new Map();
  if (readsCopies(data)) {
    const copied = await copiesOf(data, nos);
    return known(
      data,
      nos,
      addFrom(
        copied,
        await directoryOf(
          data,
          nos.filter((no) => !copied.has(no)),
        ),
      ),
      copied.failed,
    );
  }
  // Under ACCOUNT_PLACES = "global" the directory, and the copies only for an account whose row housekeeping deleted
  // (its copy is where it is: it was never moved, platform/places.ts) before the deployment went back to "global".
  const found = await directoryOf(data, nos);
  const rest = nos.filter((no) => !found.has(no));
  if (data.identities.all.length === 0 || rest.length === 0) return found;
  const copied = await copiesOf(data, rest);
  return known(data, nos, addFrom(found, copied), copied.failed);
}

/**
 * The places found, unless an account a failed store holds is in neither place (or any account, while the copies are
 * written again: `placesRebuilding`): with the directory's rows nothing needs deleted, its absence says nothing, and a
 * caller must not take it for an account that does not exist (a sweep would delete its links, a creation would make
 * it twice) — a 503 to retry instead.
 */
function known(data: DataAccess, nos: readonly string[], found: Map<string, Place>, failed: Set<string> | undefined): Map<string, Place> {
  // Only where rows may be gone: with every directory row there, an account neither place has does not exist.
  if (!data.rowsMayBeGone) return found;
  const unknown = (data.placesRebuilding ? nos : [...(failed ?? [])]).filter((no) => !found.has(no));
  if (unknown.length > 0) {
    log("error", "places.unknown", { accounts: unknown.length, rebuilding: data.placesRebuilding });
    throw new AppError(503, "places_unavailable", { seconds: PLACES_RETRY_S }, [], { "retry-after": String(PLACES_RETRY_S) });
  }
  return found;
}

const addFrom = (to: Map<string, Place>, from: Map<string, Place>) => {
  for (const [k, v] of from) to.set(k, v);
  return to;
};

/** The directory's rows of these accounts: one global query (none for no account). */
async function directoryOf(data: DataAccess, nos: readonly string[]): Promise<Map<string, Place>> {
  if (nos.length === 0) return new Map();
  const rows = await data.global
    .select({ accountNo: accountDirectory.accountNo, region: accountDirectory.region, shard: accountDirectory.shard })
    .from(accountDirectory)
    .where(inList(accountDirectory.accountNo, nos))
    .all();
  return new Map(rows.map((r) => [r.accountNo, r]));
}

/** Seconds a request refused for a store that did not answer asks to be retried after. */
export const PLACES_RETRY_S = 30;

/**
 * The unmarked copies of these accounts: a query a store they hash to, side by side; a store that fails is logged, and
 * its accounts are in `failed` (the directory may not have them: its rows nothing needs are deleted).
 */
async function copiesOf(data: DataAccess, nos: readonly string[]): Promise<Map<string, Place> & { failed?: Set<string> }> {
  const found: Map<string, Place> & { failed?: Set<string> } = new Map<string, Place>();
  if (nos.length === 0) return found;
  const groups = byIdentityStore(data.identities.all, nos, accountKey);
  const read = await Promise.allSettled(
    groups.map(({ db, items: list }) =>
      db
        .select({
          accountNo: accountPlaces.accountNo,
          region: accountPlaces.region,
          shard: accountPlaces.shard,
          moving: accountPlaces.moving,
        })
        .from(accountPlaces)
        .where(inList(accountPlaces.accountNo, list))
        .all(),
    ),
  );
  for (const [k, r] of read.entries()) {
    if (r.status === "rejected") {
      log("warn", "places.store_failed", { error: errorText(r.reason) });
      found.failed = new Set([...(found.failed ?? []), ...(groups[k]?.items ?? [])]);
      continue;
    }
    for (const p of r.value) if (p.moving === null) found.set(p.accountNo, { accountNo: p.accountNo, region: p.region, shard: p.shard });
  }
  return found;
}

/** One account's place, or undefined when it does not exist. */
export async function placeOf(data: DataAccess, accountNo: string): Promise<Place | undefined> {
  return (await placesOf(data, [accountNo])).get(accountNo);
}

/**
 * A new account's copy, written after its directory row (a retried creation's too: a copy there is kept). Quietly: a
 * failure leaves the directory to answer for it until the backfill copies it.
 */
export async function keepPlace(data: DataAccess, place: Place, now: Date): Promise<void> {
  if (data.identities.all.length === 0) return;
  await data.identities
    .forKey(accountKey(place.accountNo))
    .insert(accountPlaces)
    .values({ ...place, moving: null, asOf: now })
    .onConflictDoNothing()
    .catch((e: unknown) => log("warn", "places.keep_failed", { error: errorText(e) }));
}

/**
 * Before a move's switch: the account's copy says the move may be switching it (made, naming the source, if there is
 * none), so readers ask the directory until `settlePlace`. Not quietly: the switch must not go ahead without it. A copy
 * another move has marked is taken over only once that move has ended (`ended`: a runner of it that stalled past its
 * end left its mark), never from a move under way: then this refuses (409), and the switch does not go ahead.
 */
export async function markMoving(
  data: DataAccess,
  place: Place,
  moveId: string,
  now: Date,
  ended: (otherMoveId: string) => Promise<boolean>,
): Promise<void> {
  if (data.identities.all.length === 0) return;
  const store = data.identities.forKey(accountKey(place.accountNo));
  const marked = await store
    .insert(accountPlaces)
    .values({ ...place, moving: moveId, asOf: now })
    .onConflictDoUpdate({
      target: accountPlaces.accountNo,
      set: { shard: place.shard, moving: moveId, asOf: now },
      setWhere: or(isNull(accountPlaces.moving), eq(accountPlaces.moving, moveId)),
    })
    .returning({ accountNo: accountPlaces.accountNo });
  if (marked.length > 0) return;
  const other = (
    await store.select({ moving: accountPlaces.moving }).from(accountPlaces).where(eq(accountPlaces.accountNo, place.accountNo)).get()
  )?.moving;
  if (other && (await ended(other))) {
    const taken = await store
      .update(accountPlaces)
      .set({ shard: place.shard, moving: moveId, asOf: now })
      .where(and(eq(accountPlaces.accountNo, place.accountNo), eq(accountPlaces.moving, other)))
      .returning({ accountNo: accountPlaces.accountNo });
    if (taken.length > 0) return;
  }
  log("warn", "places.marked_by_another_move", { moveId });
  throw new AppError(409, "shard_move_in_progress", { shard: place.shard });
}

/**
 * After the move's switch (`shard`, its target) or its abandon (`shard`, its source), or a runner's switch that did not
 * happen (`shard`, where the directory says the account is): the copy marked by this move names it, and is trusted
 * again. A copy this move did not mark is left as it is (a repeat, or another move's mark). Not quietly: the source's
 * clean-up waits for it.
 */
export async function settlePlace(data: DataAccess, accountNo: string, moveId: string, shard: string, now = new Date()): Promise<void> {
  if (data.identities.all.length === 0) return;
  await data.identities
    .forKey(accountKey(accountNo))
    .update(accountPlaces)
    .set({ shard, moving: null, asOf: now })
    .where(and(eq(accountPlaces.accountNo, accountNo), eq(accountPlaces.moving, moveId)));
}

/** D1 queries `placesOf` makes at most: one an identity store it reads, and the directory's. */
export const placesQueries = (data: DataAccess): number => data.identities.all.length + 1;
