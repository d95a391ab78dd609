import { POLICY } from "../data/limits.data";
import { sha256Hex } from "./crypto";
import { type GlobalDb, type RegionDb, rawBatch } from "./db";
import { AppError } from "./errors";

/**
 * Abuse limits, kept in D1 so that they hold across all of Cloudflare's
 * locations (the Rate Limiting binding counts per location and only in
 * 10 s / 60 s windows).
 *
 * Every guarded attempt is *taken* before the secret is checked, by one
 * conditional UPSERT per key that both checks the key's allowance and counts
 * the attempt (`INSERT … ON CONFLICT DO UPDATE … WHERE <allowed now>
 * RETURNING`). SQLite runs one statement at a time on a database, so N
 * concurrent attempts can never get more than the allowance checked; an
 * attempt whose statement returns no row is refused with 429 before anything
 * secret is looked at. A success gives its attempt back (`succeeded`).
 *
 * Per person (the subscriber behind any identifier, else the identifier as
 * typed): 3 free attempts, then each next waits 2^(n-3) s after the previous
 * one, and the 10th locks for 15 minutes. Per client address: 20 free, then
 * the same doubling, the 50th locks for an hour. Quotas (codes sent, visitor
 * chats, feedback, applications, requests, reports, chat messages) allow
 * `lockAfter` uses in a fixed window from the first use. Counts older than
 * the window are forgotten.
 */
export { POLICY };

export type Scope = keyof typeof POLICY;
export interface Guard {
  scope: Scope;
  key: string;
  /** The problem type of a refusal by this key (default `rate_limited`). */
  problem?: string;
}

type Db = GlobalDb | RegionDb;

/** The global limits live in `auth_throttle`; a shard's own (reports, chat messages, line checks) in its `rate_limits`: same columns. */
const SHARD_SCOPES: ReadonlySet<Scope> = new Set(["reports", "messages", "line_checks"]);
const tableOf = (scope: Scope) => (SHARD_SCOPES.has(scope) ? "rate_limits" : "auth_throttle");

export async function throttleKey(scope: Scope, value: string): Promise<string> {
  return `${scope}:${await sha256Hex(`throttle:${scope}:${value}`)}`;
}

/** How long a key must wait, from its row (0: an attempt may go now). Mirrors the SQL condition of `takeStatement`. */
function waitMs(scope: Scope, row: Row, now: number) {
  const p = POLICY[scope];
  if (isQuota(scope)) {
    if (!row.lastFailureAt || now - row.lastFailureAt > p.lockMs || row.failures < p.lockAfter) return 0;
    return Math.max(0, row.lastFailureAt + p.lockMs - now);
  }
  if (row.lockedUntil && row.lockedUntil > now) return row.lockedUntil - now;
  if (!row.lastFailureAt || now - row.lastFailureAt > p.lockMs) return 0; // forgotten
  if (row.failures < p.lockAfter && row.failures <= p.freeFailures) return 0;
  if (row.failures >= p.lockAfter) return Math.max(0, row.lastFailureAt + p.lockMs - now);
  const delay = 1000 * 2 ** Math.min(row.failures - p.freeFailures, 10);
  return Math.max(0, row.lastFailureAt + delay - now);
}

/** A quota allows `lockAfter` uses in a fixed window from its first use; the other scopes slow down, then lock. */
const isQuota = (scope: Scope) => POLICY[scope].freeFailures === POLICY[scope].lockAfter;

/**
 * One statement that counts an attempt against `key` only if the key allows
 * one at `now`, and returns the new count (no row: refused). The WHERE of the
 * DO UPDATE is the whole check; the SET computes from the row as it was.
 *
 * A quota's `last_failure_at` is the start of its window (set when a use
 * finds the window over); the others' is their last attempt (the doubling
 * delay runs from it) and their `locked_until` the end of a lock.
 */
function takeStatement({ scope, key }: Guard, now: number): [string, ...unknown[]] {
  const p = POLICY[scope];
  const stale = `(last_failure_at IS NULL OR ?2 - last_failure_at > ${p.lockMs})`;
  const next = `(CASE WHEN ${stale} THEN 1 ELSE failures + 1 END)`;
  if (isQuota(scope)) {
    return [
      `INSERT INTO ${tableOf(scope)} (key, failures, last_failure_at, locked_until) VALUES (?1, 1, ?2, NULL)
       ON CONFLICT (key) DO UPDATE SET
         failures = ${next},
         last_failure_at = CASE WHEN ${stale} THEN ?2 ELSE last_failure_at END
       WHERE ${stale} OR failures < ${p.lockAfter}
       RETURNING failures`,
      key,
      now,
    ];
  }
  return [
    `INSERT INTO ${tableOf(scope)} (key, failures, last_failure_at, locked_until)
     VALUES (?1, 1, ?2, ${1 >= p.lockAfter ? `?2 + ${p.lockMs}` : "NULL"})
     ON CONFLICT (key) DO UPDATE SET
       failures = ${next},
       last_failure_at = ?2,
       locked_until = CASE WHEN ${next} >= ${p.lockAfter} THEN ?2 + ${p.lockMs} ELSE locked_until END
     WHERE coalesce(locked_until, 0) <= ?2
       AND (${stale}
         OR (failures < ${p.lockAfter} AND (failures <= ${p.freeFailures}
           OR ?2 >= last_failure_at + 1000 * (1 << min(failures - ${p.freeFailures}, 10)))))
     RETURNING failures`,
    key,
    now,
  ];
}

interface Row {
  failures: number;
  lastFailureAt: number | null;
  lockedUntil: number | null;
}

async function readRows(db: Db, guards: Guard[]): Promise<Map<string, Row>> {
  const out = new Map<string, Row>();
  if (guards.length === 0) return out;
  const results = await rawBatch(
    db,
    guards.map((g) => [
      `SELECT key, failures, last_failure_at AS lastFailureAt, locked_until AS lockedUntil FROM ${tableOf(g.scope)} WHERE key = ?1`,
      g.key,
    ]),
  );
  for (const r of results) for (const row of (r.results ?? []) as (Row & { key: string })[]) out.set(row.key, row);
  return out;
}

function refuse(seconds: number, type = "rate_limited"): never {
  const s = Math.max(1, Math.ceil(seconds));
  throw new AppError(429, type, { seconds: s }, [], { "retry-after": String(s) });
}

/** A counted attempt: on success the person's count is cleared and the address's lowered by one. */
export interface Attempt {
  succeeded(): Promise<void>;
  /** The secret was right but something else was refused (a taken login, a weak password): the attempt is given back to every key. */
  giveBack(): Promise<void>;
}

/**
 * Takes one attempt from every key in one D1 batch (a transaction), or
 * refuses with 429 and Retry-After. Keys that counted when another refused
 * are given back (the attempt was never checked), except the address's.
 */
export async function takeAttempt(db: Db, guards: Guard[], now = Date.now()): Promise<Attempt> {
  const results = await rawBatch(
    db,
    guards.map((g) => takeStatement(g, now)),
  );
  const counted = guards.filter((_, i) => (results[i]?.results?.length ?? 0) > 0);
  const refused = guards.filter((_, i) => (results[i]?.results?.length ?? 0) === 0);
  if (refused.length > 0) {
    // A refused attempt still costs its address (probing locked people is not free); other keys get theirs back.
    await giveBack(
      db,
      counted.filter((g) => g.scope !== "address"),
    );
    // A key refused with no row left is one a concurrent success just cleared: a second's wait.
    const { wait, problem } = longestWait(refused, await readRows(db, refused), now, 1000);
    refuse(wait / 1000, problem);
  }
  return {
    async succeeded() {
      const personal = guards.filter((g) => g.scope !== "address");
      const shared = guards.filter((g) => g.scope === "address");
      await rawBatch(db, [
        ...personal.map((g): [string, ...unknown[]] => [`DELETE FROM ${tableOf(g.scope)} WHERE key = ?1`, g.key]),
        ...shared.map(giveBackStatement),
      ]);
    },
    giveBack: () => giveBack(db, guards),
  };
}

/** One attempt back; a lock that attempt set is lifted with it (a counted take means the key was not locked before). */
const giveBackStatement = (g: Guard): [string, ...unknown[]] => [
  isQuota(g.scope)
    ? `UPDATE ${tableOf(g.scope)} SET failures = max(failures - 1, 0) WHERE key = ?1`
    : `UPDATE ${tableOf(g.scope)} SET failures = max(failures - 1, 0),
         locked_until = CASE WHEN failures - 1 < ${POLICY[g.scope].lockAfter} THEN NULL ELSE locked_until END
       WHERE key = ?1`,
  g.key,
];

async function giveBack(db: Db, guards: Guard[]) {
  if (guards.length > 0) await rawBatch(db, guards.map(giveBackStatement));
}

/**
 * Refuses with 429 while any of the keys must wait, without counting: for the
 * steps that reveal nothing (sending a code); what checks a secret uses
 * `takeAttempt`.
 */
export async function assertNotThrottled(db: Db, guards: Guard[], now = Date.now()) {
  const { wait, problem } = longestWait(guards, await readRows(db, guards), now, 0);
  if (wait > 0) refuse(wait / 1000, problem);
}

/** The longest wait among the keys (a key without a row waits `missing`), with the problem type of the key that sets it. */
function longestWait(guards: Guard[], rows: Map<string, Row>, now: number, missing: number) {
  let wait = 0;
  let problem = "rate_limited";
  for (const g of guards) {
    const row = rows.get(g.key);
    const w = row ? waitMs(g.scope, row, now) : missing;
    if (w >= wait) [wait, problem] = [w, g.problem ?? "rate_limited"];
  }
  return { wait, problem };
}

/** Counts one use of a quota: past its limit within its window, 429 (one atomic statement, so parallel requests cannot slip past). */
export async function guardCount(
  db: Db,
  scope: Exclude<Scope, "identifier" | "address" | "step_up" | "confirm">,
  subject: string,
  now = Date.now(),
) {
  await takeAttempt(db, [{ scope, key: await throttleKey(scope, subject) }], now);
}

/** The longest window of any scope: a row untouched for longer (and not locked) counts nothing. */
const LONGEST_WINDOW_MS = Math.max(...Object.values(POLICY).map((p) => p.lockMs));

/**
 * Deletes the counts that no longer count (housekeeping cron): a row per
 * active subject stays at most a day after its last attempt. `table`: the
 * global database's `auth_throttle` or a shard's `rate_limits`.
 */
export async function forgetStaleLimits(db: Db, table: "auth_throttle" | "rate_limits", now = Date.now()): Promise<number> {
  const [r] = await rawBatch(db, [
    [`DELETE FROM ${table} WHERE last_failure_at < ?1 AND coalesce(locked_until, 0) < ?2`, now - LONGEST_WINDOW_MS, now],
  ]);
  return r?.meta.changes ?? 0;
}

/** The keys of a logged-in subscriber's code confirmation (relatives' account linking, a new phone or email): the subscriber and the address. */
export async function confirmGuards(subscriberId: string, address: string): Promise<Guard[]> {
  return [
    { scope: "confirm", key: await throttleKey("confirm", subscriberId) },
    { scope: "address", key: await throttleKey("address", address) },
  ];
}
