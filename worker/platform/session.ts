import { and, eq, getTableColumns, inArray, isNull, like, lte, ne, or, type SQL, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";
import type { Context, MiddlewareHandler } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { serialize } from "hono/utils/cookie";
import { accountLinks, globalSessions, subscribers } from "../db/schema/global";
import { accountHolders, sessionLinks as linkCopies, sessions, subscriberLinks } from "../db/schema/region";
import type { AppEnv } from "../env";
import { randomToken, sha256Hex, timingSafeEqual } from "./crypto";
import { type DataAccess, type GlobalDb, globalWrites, isShardBinding, type RegionDb, type ShardBinding } from "./db";
import { AppError } from "./errors";
import { type HomeRow, homeRowsOf, type LinksFilter, type LinksHolder, linksOf, type SubscriberLink, withDirectory } from "./links";
import { errorText, log } from "./log";
import { type Place, placesOf } from "./places";
import { COPY_CHANGE_WINDOW_MS, LINKS_COPY_TTL_MS } from "./session-links";

export const SESSION_COOKIE = "kab_session";
/**
 * A companion cookie readable by the page, holding no secret: it only tells
 * the app that a session cookie exists, so that a visitor who never logged in
 * is not sent to `/api/v1/me` for a 401 on every start.
 */
export const SESSION_HINT_COOKIE = "kab_in";
/** A session ends after this long without use… */
export const IDLE_TIMEOUT_MS = 7 * 24 * 60 * 60 * 1000;
/** …and this long after login, whatever the use. */
export const ABSOLUTE_TIMEOUT_MS = 30 * 24 * 60 * 60 * 1000;
/** A step-up (fresh SMS code) authorises money operations for this long. */
export const STEP_UP_TTL_MS = 5 * 60 * 1000;
/** The cookie's "last used" stamp is renewed at most this often (a Set-Cookie, no database write). */
const TOUCH_EVERY_MS = 5 * 60 * 1000;
/** A stamp from a clock this far ahead is still taken (isolates' clocks differ a little). */
const CLOCK_SKEW_MS = 60 * 1000;

/** An account the subscriber may see (own or a relative's), with where its data lives. */
export interface SessionLink {
  accountNo: string;
  role: "owner" | "payer" | "viewer";
  lowBalanceKop: number | null;
  region: string;
  shard: string;
}

/** What the cabinet shows of the subscriber, as their sessions keep it with the links (never the password's hash). */
export interface SessionProfile {
  id: string;
  displayName: string;
  phone: string | null;
  email: string | null;
  login: string | null;
  hasPassword: boolean;
}

/** What a session reads of its subscriber's global data: the links and the profile (null: no such subscriber). */
export interface SessionCopy {
  links: SessionLink[];
  profile: SessionProfile | null;
}

/**
 * Where a session's row is kept: its subscriber's home shard (every session opened now), or null: the global table,
 * where an older deployment opened it (honoured until it expires, ends or is rotated into the home shard).
 */
export type SessionStore = ShardBinding | null;

export interface SessionInfo {
  idHash: string;
  /** Where the session's row is (the cookie says so). */
  store: SessionStore;
  subscriberId: string;
  createdAt: Date;
  stepUpAt: Date | null;
  expiresAt: Date;
  /** The subscriber's account links, read with the session in the same round trip. */
  links: SessionLink[];
  /** The subscriber's home shard (their inbox and delivery records), read with the session in the same round trip. */
  homeShard: ShardBinding;
  /** A cookie value with a fresh "last used" stamp, when the browser's is due for renewal. */
  renewedCookie: string | null;
}

export type AuthMethod = "password" | "code" | "passkey" | `oidc:${string}`;

/** A store's database and table. The global table has the shards' columns (db/schema/global.ts): the same statements serve it. */
function storeOf(data: DataAccess, store: SessionStore): { db: RegionDb; table: typeof sessions } {
  return store
    ? { db: data.shard(store), table: sessions }
    : { db: data.global as unknown as RegionDb, table: globalSessions as unknown as typeof sessions };
}

/**
 * Where a subscriber's new session goes: their home shard, unless this deployment keeps new sessions in the global
 * table (`SESSION_STORE = "global"`: the release that first brings the shards' table). A home shard this Worker is
 * not bound to (a configuration error: home shards are never removed) falls back to the global table, so that
 * logging in still works, and says so.
 */
function homeStore(data: DataAccess, homeShard: string): SessionStore {
  if (data.sessionStore === "global") return null;
  if (data.hasShard(homeShard)) return homeShard;
  log("error", "session.home_shard_unbound", { shard: homeShard });
  return null;
}

/** The subscriber's home shard when this Worker is bound to it (where their sessions may be), else null. */
function boundHome(data: DataAccess, homeShard: string): ShardBinding | null {
  return data.hasShard(homeShard) ? homeShard : null;
}

/**
 * What the cookie holds before its stamp: `<home shard>.<subscriber id>.<token>`, so that a request reads the
 * session and the subscriber's links (the shard's copy) in the shard, and global data, when a route reads any, side by
 * side. Neither name is a secret (the token is the credential), and a session is taken only where its row has that
 * subscriber.
 */
function cookieOf(store: SessionStore, subscriberId: string, token: string): string {
  return store ? `${store}.${subscriberId}.${token}` : token;
}

/** Opens a session in the subscriber's home shard: a random token in the cookie, only its SHA-256 in the database. */
export async function openSession(
  data: DataAccess,
  subscriber: { id: string; homeShard: string },
  method: AuthMethod,
  userAgent: string | null,
  now = new Date(),
): Promise<{ token: string; idHash: string }> {
  const token = randomToken(32);
  const idHash = await sha256Hex(token);
  const store = homeStore(data, subscriber.homeShard);
  const { db, table } = storeOf(data, store);
  await db.insert(table).values({
    idHash,
    subscriberId: subscriber.id,
    createdAt: now,
    lastSeenAt: now,
    expiresAt: new Date(now.getTime() + ABSOLUTE_TIMEOUT_MS),
    userAgent: userAgent?.slice(0, 300) ?? null,
    authMethod: method,
    stampKey: randomToken(32),
  });
  return { token: cookieOf(store, subscriber.id, token), idHash };
}

const b64url = (buf: ArrayBuffer) =>
  btoa(String.fromCharCode(...new Uint8Array(buf)))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");

/** HMAC-SHA-256 of the session's id and a time, keyed by the session's own stamp key. */
async function stampMac(stampKey: string, idHash: string, at: number): Promise<string> {
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(stampKey), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return b64url(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(`${idHash}.${at}`)));
}

const SUBSCRIBER_ID = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * The cookie is `<home shard>.<subscriber>.<token>` as issued at login (`<token>` alone for a session an older
 * deployment opened in the global table), followed by `.<last use, ms in base 36>.<mac>` once renewed. The token
 * alone is the credential; the stamp only proves when it was last used.
 */
function parseCookie(value: string): {
  token: string;
  store: SessionStore;
  subscriberId: string | null;
  stamp: { at: number; mac: string } | null;
} | null {
  const parts = value.split(".");
  const located = (parts.length === 3 || parts.length === 5) && isShardBinding(parts[0] ?? "");
  if (located && !SUBSCRIBER_ID.test(parts[1] ?? "")) return null;
  const [token = "", at, mac] = located ? parts.slice(2) : parts;
  if (!token) return null;
  const ms = at ? Number.parseInt(at, 36) : Number.NaN;
  return {
    token,
    store: located ? (parts[0] as ShardBinding) : null,
    subscriberId: located ? (parts[1] as string) : null,
    stamp: mac && Number.isSafeInteger(ms) ? { at: ms, mac } : null,
  };
}

/**
 * The subscriber's profile, with their links under `LINKS_STORE = "global"` (`globalLinks`: the links as a JSON array,
 * ordered in `copyOf`), in one global query: what the home shard's copy keeps, and what a route that reads global data
 * reads with its session. Under the default `LINKS_STORE` the links are their home shard's (platform/links.ts), their
 * accounts' places read apart (platform/places.ts), and this reads the profile alone; under `ACCOUNT_PLACES = "global"`
 * with the directory's rows of those accounts (`directoryOf`, their numbers), in the same query.
 */
function selectSessionCopy(db: GlobalDb, who: SessionSubscriber, globalLinks: boolean, directoryOf: readonly string[] = []) {
  return db
    .select({
      id: subscribers.id,
      displayName: subscribers.displayName,
      phone: subscribers.phone,
      email: subscribers.email,
      login: subscribers.login,
      hasPassword: sql<number>`${subscribers.passwordHash} IS NOT NULL`,
      // Written out with the tables' names: drizzle leaves a column of a one-table select unqualified.
      links: globalLinks
        ? sql<string>`(SELECT json_group_array(json_object('accountNo', l.account_no, 'role', l.role, 'lowBalanceKop', l.low_balance_kop, 'region', d.region, 'shard', d.shard, 'createdAt', l.created_at)) FROM account_links l JOIN account_directory d ON d.account_no = l.account_no WHERE l.subscriber_id = subscribers.id)`
        : sql<string>`'[]'`,
      directory:
        directoryOf.length === 0
          ? sql<string>`'[]'`
          : sql<string>`(SELECT json_group_array(json_object('accountNo', d.account_no, 'region', d.region, 'shard', d.shard)) FROM account_directory d WHERE d.account_no IN (SELECT value FROM json_each(${JSON.stringify(directoryOf)})))`,
    })
    .from(subscribers)
    .where(subscriberIs(subscribers.id, who));
}

/**
 * The profile and the links (in the order the links were made) from `selectSessionCopy`'s rows: its links, or the home
 * shard's rows (`home`) with their accounts' places (`places`), or links read apart (`links`).
 */
function copyOf(
  rows: Awaited<ReturnType<typeof selectSessionCopy>>,
  from: { home?: readonly HomeRow[]; places?: ReadonlyMap<string, Place>; links?: readonly SubscriberLink[] } = {},
): SessionCopy {
  const row = rows[0];
  if (!row) return { links: [], profile: null };
  const made =
    from.links ??
    (from.home
      ? withDirectory(
          from.home,
          from.places ? [...from.places.values()] : (JSON.parse(row.directory) as { accountNo: string; region: string; shard: string }[]),
        )
      : (JSON.parse(row.links) as (SessionLink & { createdAt: number })[]));
  const links = [...made]
    .sort((a, b) => a.createdAt - b.createdAt || (a.accountNo < b.accountNo ? -1 : a.accountNo > b.accountNo ? 1 : 0))
    .map((l) => ({ accountNo: l.accountNo, role: l.role, lowBalanceKop: l.lowBalanceKop, region: l.region, shard: l.shard }));
  const { links: __, directory: ___, hasPassword, ...profile } = row;
  return { links, profile: { ...profile, hasPassword: Boolean(hasPassword) } };
}

/** A legacy session's subscriber id as a subquery: what a read in its batch filters on (its id is not known yet). */
function legacySessionSubscriber(db: GlobalDb, idHash: string) {
  return db.select({ id: globalSessions.subscriberId }).from(globalSessions).where(eq(globalSessions.idHash, idHash));
}
/**
 * Who a read in the session's batch is for: the subscriber the cookie names (checked against the session's row
 * before anything read is used), or, for a legacy session, its subscriber as a subquery.
 */
export type SessionSubscriber = string | ReturnType<typeof legacySessionSubscriber>;

/** A filter on a subscriber id column: a known id, or the session's subscriber (in the session's batch). */
export function subscriberIs(column: SQLiteColumn, who: SessionSubscriber): SQL {
  return typeof who === "string" ? eq(column, who) : inArray(column, who);
}

/**
 * A route's own read of global data that goes into the session's global batch (with the links, beside the session's
 * read in the home shard), built for the subscriber the cookie names, or for a legacy session's subscriber as a
 * subquery. Made by `readWithSession`; its result is taken with `preread`.
 */
export interface SessionRead<T> {
  /** `c` is the request, when the read depends on it (the site's region); the pages' reads get none. */
  build(db: GlobalDb, subscriber: SessionSubscriber, c?: Context<AppEnv>): BatchItem<"sqlite"> & PromiseLike<T>;
}

const routeReads: { method: string; path: RegExp; read: SessionRead<unknown> }[] = [];

/**
 * Declares what routes read of the subscriber's global data (`["GET /api/v1/me/sessions"]`: the subscriber's
 * sessions): the session middleware puts it in the session's batch for those routes, and the handler takes it with
 * `preread` (falling back to its own query when there is no preloaded result). Paths as in Hono (`:param`); a read
 * for no route is passed to `findSession` by its caller (the pages).
 */
export function readWithSession<T>(routes: readonly string[], build: SessionRead<T>["build"]): SessionRead<T> {
  const read: SessionRead<T> = { build };
  for (const route of routes) {
    const [method = "", pattern = ""] = route.split(" ");
    const path = new RegExp(`^${pattern.replace(/[.*+?^${}()|[\]\\]/g, "\\$&").replace(/:\w+/g, "[^/]+")}/?$`);
    routeReads.push({ method, path, read });
  }
  return read;
}

/** The reads declared for a request's method and path. */
export function readsForRoute(method: string, path: string): SessionRead<unknown>[] {
  return routeReads.filter((r) => r.method === method && r.path.test(path)).map((r) => r.read);
}

/** What was read with a request's session, per request (its GlobalDb handle), for the handlers to reuse. */
const preloaded = new WeakMap<
  GlobalDb,
  {
    subscriberId: string;
    links: SessionLink[];
    profile: SessionProfile | null;
    reads: Map<SessionRead<unknown>, unknown>;
    writes: number;
  }
>();

/** Whose session a request's GlobalDb handle read, and their home shard (which no write of the request changes). */
const sessionHomes = new WeakMap<GlobalDb, LinksHolder>();

/**
 * The subscriber whose links are to be read or written, with their home shard: the request's session's, or from their
 * global row (one read) when the request has no session of theirs.
 */
export async function linksHolderOf(data: DataAccess, subscriberId: string): Promise<LinksHolder> {
  const known = sessionHomes.get(data.global);
  if (known?.id === subscriberId) return known;
  const row = await data.global
    .select({ homeShard: subscribers.homeShard })
    .from(subscribers)
    .where(eq(subscribers.id, subscriberId))
    .get();
  return { id: subscriberId, homeShard: row?.homeShard ?? "" };
}

/**
 * The subscriber's links as they are now (their home shard's and the directory's, or the global ones under "global"):
 * all, or those `filter` picks, in the order they were made. What a request reads when its session's are not current.
 */
export async function readLinks(data: DataAccess, subscriberId: string, filter: LinksFilter = {}): Promise<SessionLink[]> {
  // Under `LINKS_STORE = "global"` no home shard is needed.
  const who = data.linksStore === "global" ? { id: subscriberId, homeShard: "" } : await linksHolderOf(data, subscriberId);
  const links = await linksOf(data, [who], filter);
  return links.map((l) => ({ accountNo: l.accountNo, role: l.role, lowBalanceKop: l.lowBalanceKop, region: l.region, shard: l.shard }));
}

/** Whether what was read with the session is still current: same subscriber, and no global write since. */
function current(db: GlobalDb, subscriberId: string) {
  const p = preloaded.get(db);
  return p?.subscriberId === subscriberId && p.writes === globalWrites(db) ? p : undefined;
}

/**
 * The subscriber's links as read with this request's session, or undefined: no session read on this handle, or
 * the request has written global data since (a link made or removed), so the caller reads them afresh.
 */
export function sessionLinks(db: GlobalDb, subscriberId: string): SessionLink[] | undefined {
  return current(db, subscriberId)?.links;
}

/**
 * The subscriber's profile as read with this request's session (the home shard's copy, or with the route's global
 * reads), or undefined: no session read on this handle, no such subscriber, or the request has written global data since.
 */
export function sessionProfile(db: GlobalDb, subscriberId: string): SessionProfile | undefined {
  return current(db, subscriberId)?.profile ?? undefined;
}

/**
 * A read's result as made in this request's session batch, or undefined (not declared for this route, another
 * subscriber, or the request has written global data since): the caller then runs its own query.
 */
export function preread<T>(db: GlobalDb, subscriberId: string, read: SessionRead<T>): T | undefined {
  const reads = current(db, subscriberId)?.reads;
  return reads?.has(read) ? (reads.get(read) as T) : undefined;
}

/**
 * Which release made a copy: this one stamps `v: COPY_VERSION` in the profile it keeps. A copy without it was made by
 * a release that did not forget copies before a change (nor refuse to keep them while one is under way): trusted for
 * `LEGACY_COPY_TTL_MS` only, as that release trusted it, so one kept beside a change it did not see outlives no more.
 */
const COPY_VERSION = 2;
const LEGACY_COPY_TTL_MS = 10 * 60 * 1000;

/**
 * The home shard's copy of the links and profile, when it has both and was made within `LINKS_COPY_TTL_MS` (ten
 * minutes for a copy an older release made) and not inside a change's window (one an older release kept while a
 * change was under way: its `filled_at` is before the window's end); a copy made before the profile was kept has none,
 * and is read again.
 */
function trustedCopy(copy: typeof linkCopies.$inferSelect | undefined, now: Date): SessionCopy | null {
  if (!copy?.links || !copy.profile || !copy.filledAt) return null;
  if (copy.pendingUntil && copy.filledAt.getTime() < copy.pendingUntil.getTime()) return null;
  try {
    const links: unknown = JSON.parse(copy.links);
    const kept: unknown = JSON.parse(copy.profile);
    if (!Array.isArray(links) || !kept || typeof kept !== "object") return null;
    const { at, v, ...profile } = kept as SessionProfile & { at?: unknown; v?: unknown };
    const ttl = v === COPY_VERSION ? LINKS_COPY_TTL_MS : LEGACY_COPY_TTL_MS;
    if (now.getTime() - copy.filledAt.getTime() >= ttl) return null;
    return at === copy.filledAt.getTime() ? { links: links as SessionLink[], profile } : null;
  } catch {
    return null;
  }
}

/**
 * Whether the subscriber's home-shard copy of their links, trusted as a session trusts it (made within
 * `LINKS_COPY_TTL_MS`, forgotten by every change of the account's holders), names them the account's owner; null when
 * there is no trusted copy. A login by account number trusts its key only when this says so
 * (features/auth/sign-ins.service.ts).
 */
export async function ownerByCopy(home: RegionDb, subscriberId: string, accountNo: string, now = new Date()): Promise<boolean | null> {
  const copy = trustedCopy(await home.select().from(linkCopies).where(eq(linkCopies.subscriberId, subscriberId)).get(), now);
  return copy ? copy.links.some((l) => l.accountNo === accountNo && l.role === "owner") : null;
}

/**
 * Keeps links and a profile read from the global database as the home shard's copy, unless a change has forgotten
 * the copy since `gen` was read (before they were) or one is under way (`pending_until`): a copy of what was read
 * before a change is never written after it, even when the forget after the change is lost.
 */
export async function keepSessionCopy(home: RegionDb, subscriberId: string, gen: number, copy: SessionCopy, now: Date) {
  if (!copy.profile) return;
  // The profile carries its own fill time: trusted only beside the same `filled_at` (a release before it re-stamped
  // `filled_at` with the links alone, and would leave an older profile beside them during a deployment).
  const profile = JSON.stringify({ ...copy.profile, at: now.getTime(), v: COPY_VERSION });
  await home
    .insert(linkCopies)
    .values({ subscriberId, gen: 0, links: JSON.stringify(copy.links), profile, filledAt: now })
    .onConflictDoUpdate({
      target: linkCopies.subscriberId,
      set: { links: sql`excluded.links`, profile: sql`excluded.profile`, filledAt: sql`excluded.filled_at` },
      setWhere: and(eq(linkCopies.gen, gen), or(isNull(linkCopies.pendingUntil), lte(linkCopies.pendingUntil, now))),
    });
}

/**
 * The subscriber's profile and links as they are: from the global database in one query under `LINKS_STORE =
 * "global"`; otherwise the links' rows from the home shard, then the profile (one global query) and their accounts'
 * places (platform/places.ts) side by side.
 */
async function readCopy(data: DataAccess, who: LinksHolder): Promise<SessionCopy> {
  if (data.linksStore === "global") return copyOf(await selectSessionCopy(data.global, who.id, true));
  const home = await homeRowsOf(data, [who]);
  return readProfileAndPlaces(data, who.id, home);
}

/**
 * The profile (one global query) and the places of the links' accounts (platform/places.ts) side by side, as the copy
 * keeps them; under `ACCOUNT_PLACES = "global"` the directory's rows in the profile's query instead.
 */
async function readProfileAndPlaces(data: DataAccess, subscriberId: string, home: readonly HomeRow[]): Promise<SessionCopy> {
  const numbers = home.map((r) => r.accountNo);
  if (data.placesStore === "global") {
    const rows = await selectSessionCopy(data.global, subscriberId, false, numbers);
    const places = new Map(
      (JSON.parse(rows[0]?.directory ?? "[]") as Place[]).map((d) => [
        d.accountNo,
        { accountNo: d.accountNo, region: d.region, shard: d.shard },
      ]),
    );
    // An account whose directory row housekeeping deleted (before the deployment went back to "global"): its copy.
    const missing = numbers.filter((n) => !places.has(n));
    if (missing.length > 0) for (const [n, p] of await placesOf(data, missing)) places.set(n, p);
    return copyOf(rows, { home, places });
  }
  const [rows, places] = await Promise.all([selectSessionCopy(data.global, subscriberId, false), placesOf(data, numbers)]);
  return copyOf(rows, { home, places });
}

/** The subscriber's links and profile as they are (`readCopy`), kept as the home shard's copy (`gen`: the copy's, read first). */
async function readAndKeepCopy(
  data: DataAccess,
  who: { id: string; homeShard: ShardBinding },
  gen: number,
  now: Date,
): Promise<SessionCopy> {
  return keepQuietly(data.shard(who.homeShard), who.id, gen, await readCopy(data, who), now);
}

/** Keeps a copy read as the home shard's; one not kept (logged) is read again by the next request. */
async function keepQuietly(home: RegionDb, subscriberId: string, gen: number, copy: SessionCopy, now: Date): Promise<SessionCopy> {
  try {
    await keepSessionCopy(home, subscriberId, gen, copy, now);
  } catch (e) {
    // The request has what it read: a copy not kept is read again by the next one.
    log("warn", "session.links_copy_not_kept", { error: errorText(e) });
  }
  return copy;
}

/** A subscriber whose copy a change concerns: their id and home shard. */
export interface CopyHolder {
  id: string;
  homeShard: string;
}

/**
 * Forgets a subscriber's copy in their home shard: `gen` raised, links and profile cleared. The change's window is
 * written as `fresh` for a subscriber with no row yet, and moved by `window` (SQL on the row as it was) otherwise.
 */
function clearCopy(
  home: RegionDb,
  subscriberId: string,
  fresh: { pendingUntil: Date | null; pendingChanges: number },
  window: { pendingUntil?: SQL; pendingChanges?: SQL },
) {
  return home
    .insert(linkCopies)
    .values({ subscriberId, gen: 1, links: null, profile: null, filledAt: null, ...fresh })
    .onConflictDoUpdate({
      target: linkCopies.subscriberId,
      set: { gen: sql`${linkCopies.gen} + 1`, links: null, profile: null, filledAt: null, ...window },
    });
}

/**
 * Before a change of subscribers' links or profile (its global write): forgets their copies and opens the change's
 * window (`COPY_CHANGE_WINDOW_MS`), in which no request keeps a copy. Fails loudly, before anything is changed: the
 * change is then not made (and is asked again). With the forget after the change (`forgetSessionCopy`), which closes
 * the window, no copy of what was read before a change outlives it, even when that forget is lost.
 */
export async function markCopyChanging(data: DataAccess, holders: readonly CopyHolder[], now = new Date()): Promise<number> {
  const at = Math.max(now.getTime(), Date.now());
  const until = new Date(at + COPY_CHANGE_WINDOW_MS);
  // A holder whose home shard this Worker does not reach could not be told: the change is not made.
  const lost = holders.find((h) => !data.hasShard(h.homeShard));
  if (lost) throw new Error(`session copy: home shard ${lost.homeShard} is not reachable`);
  await Promise.all(
    holders.map((h) =>
      clearCopy(
        data.shard(h.homeShard as ShardBinding),
        h.id,
        { pendingUntil: until, pendingChanges: 1 },
        {
          // Another change under way (its window not lapsed) is counted beside this one; a lapsed one no more.
          pendingChanges: sql`CASE WHEN coalesce(${linkCopies.pendingUntil}, 0) > ${at} THEN ${linkCopies.pendingChanges} + 1 ELSE 1 END`,
          pendingUntil: sql`max(coalesce(${linkCopies.pendingUntil}, 0), ${until.getTime()})`,
        },
      ),
    ),
  );
  return until.getTime();
}

/**
 * A change of one subscriber's links or profile between the two forgets of their copy. Done, or refused (an
 * `AppError`: a wrong code, a throttle, a 404, a taken contact, where nothing was written), the forget after it closes
 * the window; a wrong code no longer keeps every request of theirs reading the global database for the window's 10
 * minutes. Any other failure (the database lost on the way) may have written yet: the window is left to lapse.
 */
export async function whileCopyChanging<T>(data: DataAccess, holder: CopyHolder, change: () => Promise<T>): Promise<T> {
  const until = await markCopyChanging(data, [holder]);
  let outcome: "done" | "refused" | "unknown" = "unknown";
  try {
    const done = await change();
    outcome = "done";
    return done;
  } catch (e) {
    if (e instanceof AppError) outcome = "refused";
    throw e;
  } finally {
    await forgetSessionCopy(data, holder, { quiet: true, closes: outcome !== "unknown" && closesWindow(until) });
  }
}

/**
 * Whether the forget after a change may close its window: only while that window (`until`, what `markCopyChanging`
 * answered) is still open. A change that outlived it (it lapsed) closes nothing, or it could close the window a newer
 * change opened since.
 */
export function closesWindow(until: number): boolean {
  return Date.now() < until;
}

/**
 * Forgets the home shard's copy of a subscriber's links and profile and closes the change's window: called after every
 * change of their links (made, removed, a threshold set), of a linked account's shard (a move's switch) and of what the
 * profile shows (a contact, the password), each opened by `markCopyChanging`, so that their next request reads them
 * afresh. Raising `gen` also refuses the copy a request is about to write from what it read before the change.
 */
export async function forgetSessionCopy(data: DataAccess, subscriber: CopyHolder, opts: { quiet?: boolean; closes?: boolean } = {}) {
  if (!data.hasShard(subscriber.homeShard)) return;
  // `closes` (the default): this forget ends one change under way, and the window with the last of them. A forget
  // repeated for a change already forgotten after (a move's retried switch) closes nothing.
  const closes = opts.closes !== false;
  try {
    await clearCopy(
      data.shard(subscriber.homeShard),
      subscriber.id,
      { pendingUntil: null, pendingChanges: 0 },
      closes
        ? {
            // Both read the row as it was: the window ends with the last change under way.
            pendingUntil: sql`CASE WHEN ${linkCopies.pendingChanges} <= 1 THEN NULL ELSE ${linkCopies.pendingUntil} END`,
            pendingChanges: sql`max(${linkCopies.pendingChanges} - 1, 0)`,
          }
        : {},
    );
  } catch (e) {
    // `quiet`: the change itself is made and is not answered as failed (a one-time code already used up); its window,
    // opened before it, lapses within COPY_CHANGE_WINDOW_MS and the next request reads the change. Otherwise the
    // caller fails and is retried (a shard move's switch, which must be seen at once).
    if (!opts.quiet) throw e;
    log("error", "session.copy_not_forgotten", { error: errorText(e) });
  }
}

/**
 * Every subscriber who holds the account (owner, payer, viewer), with their home shards, settled or not (a link being
 * made or removed may have a copy too): the account's holder rows on `shard` (platform/holders.ts), or the global links
 * under `HOLDERS_STORE = "global"`. One read.
 */
export function holdersOf(data: DataAccess, accountNo: string, shard: ShardBinding): Promise<CopyHolder[]> {
  if (data.holdersStore === "shard")
    return data
      .shard(shard)
      .select({ id: accountHolders.subscriberId, homeShard: accountHolders.homeShard })
      .from(accountHolders)
      .where(eq(accountHolders.accountNo, accountNo));
  return data.global
    .select({ id: subscribers.id, homeShard: subscribers.homeShard })
    .from(accountLinks)
    .innerJoin(subscribers, eq(subscribers.id, accountLinks.subscriberId))
    .where(eq(accountLinks.accountNo, accountNo));
}

/**
 * Forgets the copies of every subscriber who holds the account, in their home shards, side by side: after the
 * account's shard changed (a move's switch, whose window `markCopyChanging` opened for the same holders). One global
 * read and a write per holder.
 */
export async function forgetHoldersLinks(data: DataAccess, accountNo: string, shard: ShardBinding, opts: { closes?: boolean } = {}) {
  const holders = await holdersOf(data, accountNo, shard);
  await Promise.all(holders.map((h) => forgetSessionCopy(data, h, opts)));
  return holders.length;
}

/** A session's row as read, with the home shard it belongs to. */
type FoundRow = Omit<typeof sessions.$inferSelect, "stampKey"> & { stampKey: string | null; homeShard: string };

/**
 * The session's row, the subscriber's links and profile, and the route's reads. A session in a home shard: its row
 * there, with the shard's copy of the links and profile when the route reads nothing global (them from the global
 * database only when there is no copy to trust, then kept: a function `findSession` calls once the session is found
 * alive, so an expired or idle one costs no global read); with them and the route's reads in the global database for the subscriber the
 * cookie names, side by side (one round trip's time), when it does. The row must have that subscriber, or nothing read
 * is used. A legacy session: all in one global batch, as before.
 */
async function readSession(
  data: DataAccess,
  parsed: NonNullable<ReturnType<typeof parseCookie>>,
  idHash: string,
  reads: readonly SessionRead<unknown>[],
  c: Context<AppEnv> | undefined,
  now: Date,
): Promise<{ row: FoundRow; copy: SessionCopy | (() => Promise<SessionCopy>); results: unknown[] } | null> {
  const db = data.global;
  const { store, subscriberId } = parsed;
  if (store && subscriberId) {
    if (!data.hasShard(store)) return null;
    const home = data.shard(store);
    if (reads.length === 0) {
      // Nothing global to read but the links and profile: the session and the home shard's copy of them, and the
      // global ones only when there is no copy to trust (then kept for the next requests).
      const [rows, copies] = await home.batch([
        home.select().from(sessions).where(eq(sessions.idHash, idHash)),
        home.select().from(linkCopies).where(eq(linkCopies.subscriberId, subscriberId)),
      ]);
      const row = rows[0];
      if (row?.subscriberId !== subscriberId) return null;
      const copy = copies[0];
      // Read globally (and kept) only for a session found alive: `findSession` calls it after its checks.
      const kept = trustedCopy(copy, now) ?? (() => readAndKeepCopy(data, { id: subscriberId, homeShard: store }, copy?.gen ?? 0, now));
      return { row: { ...row, homeShard: store }, copy: kept, results: [] };
    }
    if (data.linksStore === "home") {
      // The route's reads and the profile in one global batch, beside the session, the copy of the links and the links
      // themselves in the home shard; the links' accounts' places read only when the copy is not to be trusted.
      const [[rows, copies, mine], [read, ...results]] = await Promise.all([
        home.batch([
          home.select().from(sessions).where(eq(sessions.idHash, idHash)),
          home.select().from(linkCopies).where(eq(linkCopies.subscriberId, subscriberId)),
          home.select().from(subscriberLinks).where(eq(subscriberLinks.subscriberId, subscriberId)),
        ]),
        db.batch([selectSessionCopy(db, subscriberId, false), ...reads.map((r) => r.build(db, subscriberId, c))]),
      ]);
      const row = rows[0];
      if (row?.subscriberId !== subscriberId) return null;
      const profile = copyOf(read).profile;
      const trusted = trustedCopy(copies[0], now);
      const copy = trusted
        ? { links: trusted.links, profile }
        : async () => {
            // One who holds no account (an organisation's employee) has no links to look up: the batch's profile, no copy
            // kept (a request that reads no global data of its own keeps it).
            if (mine.length === 0) return { links: [], profile };
            // The profile again, read after the copy's `gen` (the profile the global batch read beside it may be older than
            // a change that gen already counts), with the links' accounts' places beside it.
            return keepQuietly(home, subscriberId, copies[0]?.gen ?? 0, await readProfileAndPlaces(data, subscriberId, mine), now);
          };
      return { row: { ...row, homeShard: store }, copy, results };
    }
    // The route reads global data too: its reads and the links and profile in one global batch, beside the session's read.
    const [rows, [read, ...results]] = await Promise.all([
      home.select().from(sessions).where(eq(sessions.idHash, idHash)),
      db.batch([selectSessionCopy(db, subscriberId, true), ...reads.map((r) => r.build(db, subscriberId, c))]),
    ]);
    const row = rows[0];
    return row?.subscriberId === subscriberId ? { row: { ...row, homeShard: store }, copy: copyOf(read), results } : null;
  }
  const [rows, read, ...results] = await db.batch([
    // The subscriber's home shard with the session's row (one primary-key join): no round trip of its own.
    db
      .select({ ...getTableColumns(globalSessions), homeShard: subscribers.homeShard })
      .from(globalSessions)
      .innerJoin(subscribers, eq(subscribers.id, globalSessions.subscriberId))
      .where(eq(globalSessions.idHash, idHash)),
    // The links too under "global"; otherwise the profile alone (the links are the home shard's, read after).
    selectSessionCopy(db, legacySessionSubscriber(db, idHash), data.linksStore === "global"),
    ...reads.map((r) => r.build(db, legacySessionSubscriber(db, idHash), c)),
  ]);
  const row = rows[0];
  if (!row) return null;
  // Under "home" the links are the home shard's: read (once the session is found alive) with their accounts' places.
  const copy =
    data.linksStore === "global"
      ? copyOf(read)
      : async () => copyOf(read, { links: await linksOf(data, [{ id: row.subscriberId, homeShard: row.homeShard }]) });
  return { row, copy, results };
}

/**
 * The live session for a cookie value, or null (unknown, expired or idle too long), read with the subscriber's
 * account links and profile in one round trip's time (three when their copy must be made again: the home shard's links,
 * then the profile and their accounts' places side by side), and never written: the last use is proven by the cookie's signed stamp,
 * which is renewed by a Set-Cookie (`renewedCookie`) at most every five minutes. An idle session is not deleted here
 * (an old copy of a cookie must not end the session its owner still uses); housekeeping removes it at expiry.
 */
export async function findSession(
  data: DataAccess,
  cookie: string,
  now = new Date(),
  reads: readonly SessionRead<unknown>[] = [],
  c?: Context<AppEnv>,
): Promise<SessionInfo | null> {
  const parsed = parseCookie(cookie);
  if (!parsed) return null;
  const { token, stamp, store } = parsed;
  const idHash = await sha256Hex(token);
  const found = await readSession(data, parsed, idHash, reads, c, now);
  if (!found) return null;
  const { row, results } = found;
  const db = data.global;
  if (row.expiresAt <= now) {
    const { db: at, table } = storeOf(data, store);
    await at.delete(table).where(eq(table.idHash, idHash));
    return null;
  }
  let lastUse = row.lastSeenAt.getTime();
  if (
    stamp &&
    row.stampKey &&
    stamp.at > lastUse &&
    stamp.at <= now.getTime() + CLOCK_SKEW_MS &&
    timingSafeEqual(stamp.mac, await stampMac(row.stampKey, idHash, stamp.at))
  ) {
    lastUse = stamp.at;
  }
  if (lastUse + IDLE_TIMEOUT_MS <= now.getTime()) return null;
  const { links, profile } = typeof found.copy === "function" ? await found.copy() : found.copy;
  const renewedCookie =
    row.stampKey && now.getTime() - lastUse > TOUCH_EVERY_MS
      ? `${cookieOf(store, row.subscriberId, token)}.${now.getTime().toString(36)}.${await stampMac(row.stampKey, idHash, now.getTime())}`
      : null;
  sessionHomes.set(db, { id: row.subscriberId, homeShard: row.homeShard });
  preloaded.set(db, {
    subscriberId: row.subscriberId,
    links,
    profile,
    reads: new Map(reads.map((r, i) => [r, results[i]])),
    writes: globalWrites(db),
  });
  return {
    idHash,
    store,
    subscriberId: row.subscriberId,
    createdAt: row.createdAt,
    stepUpAt: row.stepUpAt,
    expiresAt: row.expiresAt,
    links,
    homeShard: row.homeShard as ShardBinding,
    renewedCookie,
  };
}

/**
 * Replaces the session's token (privilege change: after a step-up or a password change), keeping its login time and
 * absolute expiry. In one store the new row is copied from the old one and the old one deleted in one batch, so a
 * session ended meanwhile (a recovery, "end the others") has no row to copy and stays ended (401). A legacy session
 * moves to the home shard (unless this deployment keeps new sessions global, `SESSION_STORE`): the new row first, then the old one deleted, and the new one removed again if the old was
 * gone; a failure in between leaves a session the person has no cookie for, ended by the next "end the others".
 */
export async function rotateSession(data: DataAccess, session: SessionInfo, patch: { stepUpAt?: Date }, now = new Date()) {
  const token = randomToken(32);
  const idHash = await sha256Hex(token);
  const store = session.store ?? homeStore(data, session.homeShard);
  const from = storeOf(data, session.store);
  const to = storeOf(data, store);
  const fresh = { idHash, lastSeenAt: now, stampKey: randomToken(32) };
  if (store === session.store) {
    const { db, table } = from;
    const copy = db.insert(table).select(
      db
        .select({
          idHash: sql<string>`${fresh.idHash}`.as("id_hash"),
          subscriberId: table.subscriberId,
          createdAt: table.createdAt,
          lastSeenAt: sql<number>`${now.getTime()}`.as("last_seen_at"),
          expiresAt: table.expiresAt,
          userAgent: table.userAgent,
          authMethod: table.authMethod,
          stepUpAt: patch.stepUpAt ? sql<number>`${patch.stepUpAt.getTime()}`.as("step_up_at") : table.stepUpAt,
          stampKey: sql<string>`${fresh.stampKey}`.as("stamp_key"),
        })
        .from(table)
        .where(eq(table.idHash, session.idHash)),
    );
    const [copied] = await db.batch([
      copy.returning({ subscriberId: table.subscriberId }),
      db.delete(table).where(eq(table.idHash, session.idHash)),
    ]);
    const row = copied[0];
    if (!row) throw new AppError(401, "unauthorized");
    return { token: cookieOf(store, row.subscriberId, token), idHash };
  }
  const old = await from.db.select().from(from.table).where(eq(from.table.idHash, session.idHash)).get();
  if (!old) throw new AppError(401, "unauthorized");
  await to.db.insert(to.table).values({ ...old, ...fresh, stepUpAt: patch.stepUpAt ?? old.stepUpAt });
  const [gone] = await from.db.delete(from.table).where(eq(from.table.idHash, session.idHash)).returning({ idHash: from.table.idHash });
  if (!gone) {
    await to.db.delete(to.table).where(eq(to.table.idHash, idHash));
    throw new AppError(401, "unauthorized");
  }
  return { token: cookieOf(store, old.subscriberId, token), idHash };
}

/** Ends one session, where it is kept. */
export async function endSession(data: DataAccess, session: { idHash: string; store: SessionStore }) {
  const { db, table } = storeOf(data, session.store);
  await db.delete(table).where(eq(table.idHash, session.idHash));
}

/**
 * Deletes the subscriber's sessions that `which` picks, in every store they may be in (their home shard where bound,
 * and the global table), side by side; returns the ids of those deleted.
 */
async function endSubscriberSessions(
  data: DataAccess,
  subscriber: { id: string; homeShard: string },
  which: (table: typeof sessions) => SQL | undefined,
): Promise<string[]> {
  const ended = await Promise.all(
    [...new Set([boundHome(data, subscriber.homeShard), null])].map((store) => {
      const { db, table } = storeOf(data, store);
      return db
        .delete(table)
        .where(and(eq(table.subscriberId, subscriber.id), which(table)))
        .returning({ idHash: table.idHash });
    }),
  );
  return ended.flat().map((r) => r.idHash);
}

/** Ends every session of a subscriber, or every one but `keep`: in their home shard and any left in the global table. */
export async function endAllSessions(data: DataAccess, subscriber: { id: string; homeShard: string }, keep?: string) {
  await endSubscriberSessions(data, subscriber, (table) => (keep ? ne(table.idHash, keep) : undefined));
}

/**
 * Ends the subscriber's session with this public id (16 hex digits, a prefix of its hash), wherever it is kept; its
 * hash, or null when the subscriber has none such (another subscriber's is never touched).
 */
export async function endSessionByPublicId(data: DataAccess, subscriber: { id: string; homeShard: string }, publicId: string) {
  if (!/^[0-9a-f]{16}$/.test(publicId)) return null;
  const [idHash] = await endSubscriberSessions(data, subscriber, (table) => like(table.idHash, `${publicId}%`));
  return idHash ?? null;
}

/** The session cookie and its readable hint, kept by the browser for `maxAgeMs` (the session's absolute expiry). */
function sessionCookies(c: Context<AppEnv>, value: string, maxAgeMs: number) {
  const common = {
    domain: c.env.BASE_DOMAIN,
    path: "/",
    secure: new URL(c.req.url).protocol === "https:",
    sameSite: "Lax",
    maxAge: Math.max(1, Math.floor(maxAgeMs / 1000)),
  } as const;
  return [
    [SESSION_COOKIE, value, { ...common, httpOnly: true }],
    [SESSION_HINT_COOKIE, "1", common],
  ] as const;
}

/**
 * Cookie for every regional subdomain: HttpOnly, SameSite=Lax, Secure over HTTPS, for the base domain; kept by the
 * browser until the session's absolute expiry (`maxAgeMs`, 30 days for a new one).
 */
export function setSessionCookie(c: Context<AppEnv>, token: string, maxAgeMs = ABSOLUTE_TIMEOUT_MS) {
  for (const [name, value, options] of sessionCookies(c, token, maxAgeMs)) setCookie(c, name, value, options);
}

/**
 * `Set-Cookie` values renewing a session's proof of use, for a response built outside the context (a page with
 * its boot data); none when the cookie is not due for renewal.
 */
export function renewedSessionCookies(c: Context<AppEnv>, session: SessionInfo | null, now = Date.now()): string[] {
  if (!session?.renewedCookie) return [];
  return sessionCookies(c, session.renewedCookie, session.expiresAt.getTime() - now).map(([name, value, options]) =>
    serialize(name, value, options),
  );
}

export function clearSessionCookie(c: Context<AppEnv>) {
  const options = { domain: c.env.BASE_DOMAIN, path: "/", secure: new URL(c.req.url).protocol === "https:" };
  deleteCookie(c, SESSION_COOKIE, options);
  deleteCookie(c, SESSION_HINT_COOKIE, options);
}

/** Reads the session cookie (if any) into `c.var.session`. */
export const sessionMiddleware: MiddlewareHandler<AppEnv> = async (c, next) => {
  const cookie = getCookie(c, SESSION_COOKIE);
  const session = cookie ? await findSession(c.get("data"), cookie, new Date(), readsForRoute(c.req.method, c.req.path), c) : null;
  c.set("session", session);
  await next();
  // The handler's own session cookie (a login, a rotation, a logout) wins over anything said here.
  if (c.res.headers.getSetCookie().some((v) => v.startsWith(`${SESSION_COOKIE}=`))) return;
  // An expired or ended session: the browser forgets its cookies.
  if (cookie && !session) clearSessionCookie(c);
  // A session in use: the browser keeps the proof of this use (the idle timeout counts from it).
  else if (session?.renewedCookie) renewSessionCookie(c, session);
};

/** Sets the renewed stamp of a session still in use, if it has one (for routes outside the session middleware). */
export function renewSessionCookie(c: Context<AppEnv>, session: SessionInfo, now = Date.now()) {
  if (session.renewedCookie) setSessionCookie(c, session.renewedCookie, session.expiresAt.getTime() - now);
}

/** The session of the request, or a 401 problem. */
export function requireSession(c: Context<AppEnv>): SessionInfo {
  const session = c.get("session");
  if (!session) throw new AppError(401, "unauthorized");
  return session;
}

/**
 * Guard for money operations: the session must have confirmed a fresh SMS
 * code within the last five minutes, else 403 step_up_required (the client
 * then runs the step-up flow and retries).
 */
export function requireStepUp(c: Context<AppEnv>, now = Date.now()): SessionInfo {
  const session = requireSession(c);
  if (!session.stepUpAt || now - session.stepUpAt.getTime() > STEP_UP_TTL_MS) throw new AppError(403, "step_up_required");
  return session;
}
