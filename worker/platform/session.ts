import { and, eq, getTableColumns, inArray, ne, type SQL } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";
import type { Context, MiddlewareHandler } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { serialize } from "hono/utils/cookie";
import { accountDirectory, accountLinks, sessions, subscribers } from "../db/schema/global";
import type { AppEnv } from "../env";
import { randomToken, sha256Hex, timingSafeEqual } from "./crypto";
import { type GlobalDb, globalWrites, type ShardBinding } from "./db";
import { AppError } from "./errors";

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

export interface SessionInfo {
  idHash: string;
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

/** Opens a session: a random token in the cookie, only its SHA-256 in the database. */
export async function openSession(
  db: GlobalDb,
  subscriberId: string,
  method: AuthMethod,
  userAgent: string | null,
  now = new Date(),
): Promise<{ token: string; idHash: string }> {
  const token = randomToken(32);
  const idHash = await sha256Hex(token);
  await db.insert(sessions).values({
    idHash,
    subscriberId,
    createdAt: now,
    lastSeenAt: now,
    expiresAt: new Date(now.getTime() + ABSOLUTE_TIMEOUT_MS),
    userAgent: userAgent?.slice(0, 300) ?? null,
    authMethod: method,
    stampKey: randomToken(32),
  });
  return { token, idHash };
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

/**
 * The cookie is `<token>` as issued at login, or `<token>.<last use, ms in base 36>.<mac>` once renewed.
 * The token alone is the credential; the stamp only proves when it was last used.
 */
function parseCookie(value: string): { token: string; stamp: { at: number; mac: string } | null } {
  const [token = "", at, mac] = value.split(".");
  const ms = at ? Number.parseInt(at, 36) : Number.NaN;
  return { token, stamp: mac && Number.isSafeInteger(ms) ? { at: ms, mac } : null };
}

/** The accounts a subscriber may see, found through the session's own row (so it goes in the session's batch). */
function selectSessionLinks(db: GlobalDb, idHash: string) {
  return db
    .select({
      accountNo: accountLinks.accountNo,
      role: accountLinks.role,
      lowBalanceKop: accountLinks.lowBalanceKop,
      region: accountDirectory.region,
      shard: accountDirectory.shard,
    })
    .from(accountLinks)
    .innerJoin(accountDirectory, eq(accountDirectory.accountNo, accountLinks.accountNo))
    .where(inArray(accountLinks.subscriberId, db.select({ id: sessions.subscriberId }).from(sessions).where(eq(sessions.idHash, idHash))))
    .orderBy(accountLinks.createdAt, accountLinks.accountNo);
}

/** The session's subscriber id as a subquery: what a read in the session's batch filters on (its id is not known yet). */
function sessionSubscriber(db: GlobalDb, idHash: string) {
  return db.select({ id: sessions.subscriberId }).from(sessions).where(eq(sessions.idHash, idHash));
}
export type SessionSubscriber = ReturnType<typeof sessionSubscriber>;

/** A filter on a subscriber id column: a known id, or the session's subscriber (in the session's batch). */
export function subscriberIs(column: SQLiteColumn, who: string | SessionSubscriber): SQL {
  return typeof who === "string" ? eq(column, who) : inArray(column, who);
}

/**
 * A route's own read of global data that goes into the session's batch (one round trip for both), built from the
 * session's subscriber as a subquery. Made by `readWithSession`; its result is taken with `preread`.
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
  { subscriberId: string; links: SessionLink[]; reads: Map<SessionRead<unknown>, unknown>; writes: number }
>();

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
 * A read's result as made in this request's session batch, or undefined (not declared for this route, another
 * subscriber, or the request has written global data since): the caller then runs its own query.
 */
export function preread<T>(db: GlobalDb, subscriberId: string, read: SessionRead<T>): T | undefined {
  const reads = current(db, subscriberId)?.reads;
  return reads?.has(read) ? (reads.get(read) as T) : undefined;
}

/**
 * The live session for a cookie value, or null (unknown, expired or idle too long), read with the subscriber's
 * account links in one round trip, and never written: the last use is proven by the cookie's signed stamp, which
 * is renewed by a Set-Cookie (`renewedCookie`) at most every five minutes. An idle session is not deleted here
 * (an old copy of a cookie must not end the session its owner still uses); housekeeping removes it at expiry.
 */
export async function findSession(
  db: GlobalDb,
  cookie: string,
  now = new Date(),
  reads: readonly SessionRead<unknown>[] = [],
  c?: Context<AppEnv>,
): Promise<SessionInfo | null> {
  const { token, stamp } = parseCookie(cookie);
  if (!token) return null;
  const idHash = await sha256Hex(token);
  const subscriber = sessionSubscriber(db, idHash);
  const [rows, links, ...results] = await db.batch([
    // The subscriber's home shard with the session's row (one primary-key join): no round trip of its own.
    db
      .select({ ...getTableColumns(sessions), homeShard: subscribers.homeShard })
      .from(sessions)
      .innerJoin(subscribers, eq(subscribers.id, sessions.subscriberId))
      .where(eq(sessions.idHash, idHash)),
    selectSessionLinks(db, idHash),
    ...reads.map((r) => r.build(db, subscriber, c)),
  ]);
  const row = rows[0];
  if (!row) return null;
  if (row.expiresAt <= now) {
    await db.delete(sessions).where(eq(sessions.idHash, idHash));
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
  const renewedCookie =
    row.stampKey && now.getTime() - lastUse > TOUCH_EVERY_MS
      ? `${token}.${now.getTime().toString(36)}.${await stampMac(row.stampKey, idHash, now.getTime())}`
      : null;
  preloaded.set(db, {
    subscriberId: row.subscriberId,
    links,
    reads: new Map(reads.map((r, i) => [r, results[i]])),
    writes: globalWrites(db),
  });
  return {
    idHash,
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
 * Replaces the session's token (privilege change: after a step-up or a
 * password change), keeping its login time and absolute expiry.
 */
export async function rotateSession(db: GlobalDb, session: SessionInfo, patch: { stepUpAt?: Date }, now = new Date()) {
  const row = await db.select().from(sessions).where(eq(sessions.idHash, session.idHash)).get();
  if (!row) throw new AppError(401, "unauthorized");
  const token = randomToken(32);
  const idHash = await sha256Hex(token);
  await db.batch([
    db.insert(sessions).values({
      ...row,
      idHash,
      lastSeenAt: now,
      stepUpAt: patch.stepUpAt ?? row.stepUpAt,
      stampKey: randomToken(32),
    }),
    db.delete(sessions).where(eq(sessions.idHash, session.idHash)),
  ]);
  return { token, idHash };
}

export function endSession(db: GlobalDb, idHash: string) {
  return db.delete(sessions).where(eq(sessions.idHash, idHash));
}

/** Ends every session of a subscriber, or every one but `keep`. */
export function endAllSessions(db: GlobalDb, subscriberId: string, keep?: string) {
  return db
    .delete(sessions)
    .where(keep ? and(eq(sessions.subscriberId, subscriberId), ne(sessions.idHash, keep)) : eq(sessions.subscriberId, subscriberId));
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
  const session = cookie ? await findSession(c.get("data").global, cookie, new Date(), readsForRoute(c.req.method, c.req.path), c) : null;
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
