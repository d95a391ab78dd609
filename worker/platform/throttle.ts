import { eq, inArray } from "drizzle-orm";
import { authThrottle } from "../db/schema/global";
import { sha256Hex } from "./crypto";
import type { GlobalDb } from "./db";
import { AppError } from "./errors";

/**
 * Abuse limits for logins and codes, kept in the global D1 so that they hold
 * across all of Cloudflare's locations (the Rate Limiting binding counts per
 * location and only in 10 s / 60 s windows).
 *
 * Per identifier: after 3 failures each next attempt waits 2^(n-3) s, and 10
 * failures lock it for 15 minutes. Per client address: 50 failures lock it
 * for an hour, and so do 20 codes sent at its request (any identifiers).
 * Failures older than the lock window are forgotten.
 */
export const POLICY = {
  identifier: { freeFailures: 3, lockAfter: 10, lockMs: 15 * 60 * 1000 },
  address: { freeFailures: 20, lockAfter: 50, lockMs: 60 * 60 * 1000 },
  /** Codes sent at one client's request, whatever the identifiers: against SMS pumping. */
  codes: { freeFailures: 20, lockAfter: 20, lockMs: 60 * 60 * 1000 },
  /** Support chats visitors (no login) start from one client address. */
  chats: { freeFailures: 5, lockAfter: 5, lockMs: 60 * 60 * 1000 },
  /** Feedback forms sent from one client address. */
  feedback: { freeFailures: 10, lockAfter: 10, lockMs: 60 * 60 * 1000 },
} as const;

type Scope = keyof typeof POLICY;

export async function throttleKey(scope: Scope, value: string): Promise<string> {
  return `${scope}:${await sha256Hex(`throttle:${scope}:${value}`)}`;
}

function waitMs(scope: Scope, failures: number, last: Date | null, lockedUntil: Date | null, now: number): number {
  if (lockedUntil && lockedUntil.getTime() > now) return lockedUntil.getTime() - now;
  const p = POLICY[scope];
  if (!last || failures <= p.freeFailures) return 0;
  const delay = 1000 * 2 ** Math.min(failures - p.freeFailures, 10);
  return Math.max(0, last.getTime() + delay - now);
}

/** Refuses with 429 and Retry-After while any of the keys must wait. */
export async function assertNotThrottled(db: GlobalDb, keys: { scope: Scope; key: string }[], now = Date.now()) {
  const rows = await db
    .select()
    .from(authThrottle)
    .where(
      inArray(
        authThrottle.key,
        keys.map((k) => k.key),
      ),
    )
    .all();
  let wait = 0;
  for (const row of rows) {
    const scope = keys.find((k) => k.key === row.key)?.scope ?? "identifier";
    if (
      row.lastFailureAt &&
      now - row.lastFailureAt.getTime() > POLICY[scope].lockMs &&
      !(row.lockedUntil && row.lockedUntil.getTime() > now)
    ) {
      continue; // stale failures are forgotten
    }
    wait = Math.max(wait, waitMs(scope, row.failures, row.lastFailureAt, row.lockedUntil, now));
  }
  if (wait > 0) {
    const seconds = Math.ceil(wait / 1000);
    throw new AppError(429, "rate_limited", { seconds }, [], { "retry-after": String(seconds) });
  }
}

/** Counts a failure against each key; locks a key that reached its limit. */
export async function recordFailure(db: GlobalDb, keys: { scope: Scope; key: string }[], now = Date.now()) {
  for (const { scope, key } of keys) {
    const row = await db.select().from(authThrottle).where(eq(authThrottle.key, key)).get();
    const stale = !row?.lastFailureAt || now - row.lastFailureAt.getTime() > POLICY[scope].lockMs;
    const failures = stale ? 1 : (row?.failures ?? 0) + 1;
    const lockedUntil = failures >= POLICY[scope].lockAfter ? new Date(now + POLICY[scope].lockMs) : (row?.lockedUntil ?? null);
    await db
      .insert(authThrottle)
      .values({ key, failures, lastFailureAt: new Date(now), lockedUntil })
      .onConflictDoUpdate({ target: authThrottle.key, set: { failures, lastFailureAt: new Date(now), lockedUntil } });
  }
}

/** A success clears the identifier's failures (not the address's). */
export async function clearFailures(db: GlobalDb, key: string) {
  await db.delete(authThrottle).where(eq(authThrottle.key, key));
}

/** Counts one code sent at this client's request; the 21st within an hour is refused with 429. */
export function guardCodeRequest(db: GlobalDb, address: string) {
  return guardCount(db, "codes", address);
}

/** Counts one use of a scope by this client address; past the scope's limit within its window, 429. */
export async function guardCount(db: GlobalDb, scope: "codes" | "chats" | "feedback", address: string) {
  const key = await throttleKey(scope, address);
  await assertNotThrottled(db, [{ scope, key }]);
  await recordFailure(db, [{ scope, key }]);
}
