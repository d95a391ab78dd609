import { and, eq, ne } from "drizzle-orm";
import type { Context, MiddlewareHandler } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { sessions } from "../db/schema/global";
import type { AppEnv } from "../env";
import { randomToken, sha256Hex } from "./crypto";
import type { GlobalDb } from "./db";
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
/** `last_seen_at` is written at most this often, so reads stay reads. */
const TOUCH_EVERY_MS = 5 * 60 * 1000;

export interface SessionInfo {
  idHash: string;
  subscriberId: string;
  createdAt: Date;
  stepUpAt: Date | null;
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
  });
  return { token, idHash };
}

/** The live session for a token, or null (unknown, expired or idle too long). */
export async function findSession(db: GlobalDb, token: string, now = new Date()): Promise<SessionInfo | null> {
  const idHash = await sha256Hex(token);
  const row = await db.select().from(sessions).where(eq(sessions.idHash, idHash)).get();
  if (!row) return null;
  if (row.expiresAt <= now || row.lastSeenAt.getTime() + IDLE_TIMEOUT_MS <= now.getTime()) {
    await db.delete(sessions).where(eq(sessions.idHash, idHash));
    return null;
  }
  if (now.getTime() - row.lastSeenAt.getTime() > TOUCH_EVERY_MS) {
    await db.update(sessions).set({ lastSeenAt: now }).where(eq(sessions.idHash, idHash));
  }
  return { idHash, subscriberId: row.subscriberId, createdAt: row.createdAt, stepUpAt: row.stepUpAt };
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
    db.insert(sessions).values({ ...row, idHash, lastSeenAt: now, stepUpAt: patch.stepUpAt ?? row.stepUpAt }),
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

/** Cookie for every regional subdomain: HttpOnly, SameSite=Lax, Secure over HTTPS, for the base domain. */
export function setSessionCookie(c: Context<AppEnv>, token: string) {
  setCookie(c, SESSION_COOKIE, token, {
    domain: c.env.BASE_DOMAIN,
    path: "/",
    httpOnly: true,
    secure: new URL(c.req.url).protocol === "https:",
    sameSite: "Lax",
    maxAge: ABSOLUTE_TIMEOUT_MS / 1000,
  });
  setCookie(c, SESSION_HINT_COOKIE, "1", {
    domain: c.env.BASE_DOMAIN,
    path: "/",
    secure: new URL(c.req.url).protocol === "https:",
    sameSite: "Lax",
    maxAge: ABSOLUTE_TIMEOUT_MS / 1000,
  });
}

export function clearSessionCookie(c: Context<AppEnv>) {
  const options = { domain: c.env.BASE_DOMAIN, path: "/", secure: new URL(c.req.url).protocol === "https:" };
  deleteCookie(c, SESSION_COOKIE, options);
  deleteCookie(c, SESSION_HINT_COOKIE, options);
}

/** Reads the session cookie (if any) into `c.var.session`. */
export const sessionMiddleware: MiddlewareHandler<AppEnv> = async (c, next) => {
  const token = getCookie(c, SESSION_COOKIE);
  const session = token ? await findSession(c.get("data").global, token) : null;
  c.set("session", session);
  await next();
  // An expired or ended session: the browser forgets its cookies (unless the handler already set new ones).
  if (token && !session && !c.res.headers.getSetCookie().some((v) => v.startsWith(`${SESSION_COOKIE}=`))) clearSessionCookie(c);
};

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
