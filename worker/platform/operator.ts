import { and, eq, gt } from "drizzle-orm";
import type { Context, MiddlewareHandler } from "hono";
import { bearerAuth } from "hono/bearer-auth";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { operatorSessions, operators } from "../db/schema/global";
import type { AppEnv } from "../env";
import { randomToken, sha256Hex, timingSafeEqual } from "./crypto";
import { csrfGuard } from "./csrf";
import type { GlobalDb } from "./db";
import { AppError } from "./errors";
import { log } from "./log";

/** Every refusal of the operators' token is the same 401 problem, logged; the challenge names the scheme (RFC 6750 §3). */
function refuse(c: Context<AppEnv>, challenge: string): never {
  log("warn", "operator.unauthorized", { requestId: c.get("requestId") });
  throw new AppError(401, "unauthorized", {}, [], { "www-authenticate": challenge });
}

/**
 * Operators' API: `Authorization: Bearer <OPERATOR_TOKEN>` (Hono's bearerAuth
 * parses the header); the token is compared in constant time (of the hashes),
 * and with no OPERATOR_TOKEN configured nothing passes.
 */
export const operatorAuth: MiddlewareHandler<AppEnv> = bearerAuth<AppEnv>({
  verifyToken: async (given, c) => {
    const expected = c.env.OPERATOR_TOKEN;
    return Boolean(expected) && timingSafeEqual(await sha256Hex(given), await sha256Hex(expected));
  },
  noAuthenticationHeader: { message: (c) => refuse(c as Context<AppEnv>, 'Bearer realm="ops"') },
  invalidAuthenticationHeader: { message: (c) => refuse(c as Context<AppEnv>, 'Bearer error="invalid_request"') },
  invalidToken: { message: (c) => refuse(c as Context<AppEnv>, 'Bearer error="invalid_token"') },
});

/** A signed-in support operator and the regions they serve. */
export interface OperatorInfo {
  id: string;
  login: string;
  name: string;
  regions: string[];
  sessionHash: string;
}

export const OPERATOR_COOKIE = "kab_ops";
/** A console session lasts one working shift. */
export const OPERATOR_SESSION_MS = 12 * 60 * 60 * 1000;

export async function openOperatorSession(db: GlobalDb, operatorId: string, now = new Date()): Promise<string> {
  const token = randomToken();
  await db.insert(operatorSessions).values({
    idHash: await sha256Hex(token),
    operatorId,
    expiresAt: new Date(now.getTime() + OPERATOR_SESSION_MS),
    createdAt: now,
  });
  return token;
}

export async function findOperatorSession(db: GlobalDb, token: string, now = new Date()): Promise<OperatorInfo | null> {
  const idHash = await sha256Hex(token);
  const row = await db
    .select({ id: operators.id, login: operators.login, name: operators.displayName, regions: operators.regions })
    .from(operatorSessions)
    .innerJoin(operators, eq(operators.id, operatorSessions.operatorId))
    .where(and(eq(operatorSessions.idHash, idHash), gt(operatorSessions.expiresAt, now)))
    .get();
  return row ? { ...row, regions: row.regions.split(",").filter(Boolean), sessionHash: idHash } : null;
}

export function endOperatorSession(db: GlobalDb, idHash: string) {
  return db.delete(operatorSessions).where(eq(operatorSessions.idHash, idHash)).run();
}

/** Only for the console's own pages and API: HttpOnly, SameSite=Strict, this host only. */
export function setOperatorCookie(c: Context<AppEnv>, token: string) {
  setCookie(c, OPERATOR_COOKIE, token, {
    path: "/",
    httpOnly: true,
    secure: new URL(c.req.url).protocol === "https:",
    sameSite: "Strict",
    maxAge: OPERATOR_SESSION_MS / 1000,
  });
}

export function clearOperatorCookie(c: Context<AppEnv>) {
  deleteCookie(c, OPERATOR_COOKIE, { path: "/", secure: new URL(c.req.url).protocol === "https:" });
}

/**
 * The console's guard: a valid operator session cookie (else 401), and for
 * state changes the same own-origin check as the subscribers' API (CSRF).
 */
export const operatorSession: MiddlewareHandler<AppEnv> = async (c, next) => {
  const token = getCookie(c, OPERATOR_COOKIE);
  const operator = token ? await findOperatorSession(c.get("data").global, token) : null;
  if (!operator) throw new AppError(401, "unauthorized");
  c.set("operator", operator);
  return csrfGuard(c, next);
};

export function requireOperator(c: Context<AppEnv>): OperatorInfo {
  const operator = c.get("operator");
  if (!operator) throw new AppError(401, "unauthorized");
  return operator;
}
