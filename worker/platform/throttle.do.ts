import { DurableObject } from "cloudflare:workers";
import { LOGIN_STORM, POLICY } from "../data/limits.data";

export type Scope = keyof typeof POLICY;

/** One key's count. A quota's `lastFailureAt` is the start of its window; the others' is their last attempt. */
interface Row {
  scope: Scope;
  failures: number;
  lastFailureAt: number;
  lockedUntil: number | null;
}

/** What a `take` answers: counted, or refused with how long the key must wait. */
export type Take = { ok: true } | { ok: false; waitMs: number };

/** A quota allows `lockAfter` uses in a fixed window from its first use; the other scopes slow down, then lock. */
export const isQuota = (scope: Scope) => POLICY[scope].freeFailures === POLICY[scope].lockAfter;

/** A row older than its scope's window (and not locked) counts nothing. */
const isStale = (row: Row, now: number) => now - row.lastFailureAt > POLICY[row.scope].lockMs;

/** How long the key must wait before its next attempt (0: it may go now). */
export function waitMs(row: Row | undefined, now: number): number {
  if (!row) return 0;
  const p = POLICY[row.scope];
  if (isQuota(row.scope)) {
    if (isStale(row, now) || row.failures < p.lockAfter) return 0;
    return Math.max(0, row.lastFailureAt + p.lockMs - now);
  }
  if (row.lockedUntil && row.lockedUntil > now) return row.lockedUntil - now;
  if (isStale(row, now)) return 0; // forgotten
  if (row.failures < p.lockAfter && row.failures <= p.freeFailures) return 0;
  if (row.failures >= p.lockAfter) return Math.max(0, row.lastFailureAt + p.lockMs - now);
  const delay = 1000 * 2 ** Math.min(row.failures - p.freeFailures, 10);
  return Math.max(0, row.lastFailureAt + delay - now);
}

/** When the row stops counting: past its window and its lock. */
const expiresAt = (row: Row) => Math.max(row.lastFailureAt + POLICY[row.scope].lockMs, row.lockedUntil ?? 0) + 1;

const ROW = "row";
const STORM = "storm";
/** A one-time token's object: until when it stays spent (ms). */
const SPENT = "spent";

/** A site's failed logins in `LOGIN_STORM.bucketMs` steps ([bucket start, count], oldest first) and whether storm mode is on. */
export interface StormRow {
  on: boolean;
  buckets: [number, number][];
}

/** What a site's object answers about its failed logins: storm mode, and how many failed within the window. */
export interface Weather {
  on: boolean;
  failures: number;
}

/**
 * Adds `failures` at `now` to a site's count and answers the state after it:
 * on at `onAt` failures within the window, off again below `offBelow`
 * (hysteresis, so a storm that keeps up keeps the mode on). Buckets outside
 * the window (or ahead of `now`) are dropped.
 */
export function nextWeather(row: StormRow | undefined, failures: number, now: number): StormRow {
  const { windowMs, bucketMs, onAt, offBelow } = LOGIN_STORM;
  const start = now - (now % bucketMs);
  const buckets = (row?.buckets ?? []).filter(([at]) => at > now - windowMs && at <= now);
  if (failures > 0) {
    const last = buckets.at(-1);
    if (last && last[0] === start) last[1] += failures;
    else buckets.push([start, failures]);
  }
  const total = buckets.reduce((n, [, c]) => n + c, 0);
  return { on: row?.on ? total >= offBelow : total >= onAt, buckets };
}

/**
 * One throttle key's allowance (a SQLite-backed Durable Object per key,
 * addressed by `idFromName(key)`; the key is a hash of scope and subject).
 *
 * Each method reads and writes the one row with the synchronous KV API and
 * no `await` in between, so a `take` checks and counts in one step: the
 * object runs one call at a time, and N concurrent attempts can never get
 * more than the allowance. An alarm at the end of the window deletes the
 * row, so an idle key keeps no storage.
 */
export class Throttle extends DurableObject<Env> {
  private row(): Row | undefined {
    return this.ctx.storage.kv.get<Row>(ROW);
  }

  private async save(row: Row) {
    this.ctx.storage.kv.put(ROW, row);
    await this.ctx.storage.setAlarm(expiresAt(row));
  }

  private async forget() {
    this.ctx.storage.kv.delete(ROW);
    await this.ctx.storage.deleteAlarm();
  }

  /** Counts one attempt at `now` if the key allows one, else answers how long it must wait (nothing counted). */
  async take(scope: Scope, now: number): Promise<Take> {
    const row = this.row();
    const wait = waitMs(row, now);
    if (wait > 0) return { ok: false, waitMs: wait };
    const p = POLICY[scope];
    const fresh = !row || isStale(row, now);
    const failures = fresh ? 1 : row.failures + 1;
    const next: Row = isQuota(scope)
      ? { scope, failures, lastFailureAt: fresh ? now : row.lastFailureAt, lockedUntil: null }
      : { scope, failures, lastFailureAt: now, lockedUntil: failures >= p.lockAfter ? now + p.lockMs : null };
    await this.save(next);
    return { ok: true };
  }

  /** How long the key must wait at `now`, without counting (0: an attempt may go). */
  wait(now: number): number {
    return waitMs(this.row(), now);
  }

  /** One attempt back; a lock that attempt set is lifted with it (a counted take means the key was not locked before). */
  async giveBack(): Promise<void> {
    const row = this.row();
    if (!row) return;
    const lockedUntil = !isQuota(row.scope) && row.failures - 1 < POLICY[row.scope].lockAfter ? null : row.lockedUntil;
    await this.save({ ...row, failures: Math.max(row.failures - 1, 0), lockedUntil });
  }

  /** A person's success: their count is cleared. */
  async clear(): Promise<void> {
    await this.forget();
  }

  /**
   * A site's failed password logins (this object is the site's storm key): adds
   * the `failures` an isolate saw since it last asked, answers storm mode and
   * the window's count. One call, no `await` between read and write.
   */
  weather(failures: number, now: number): Weather {
    const next = nextWeather(this.ctx.storage.kv.get<StormRow>(STORM), failures, now);
    if (next.buckets.length || next.on) this.ctx.storage.kv.put(STORM, next);
    else this.ctx.storage.kv.delete(STORM);
    return { on: next.on, failures: next.buckets.reduce((n, [, c]) => n + c, 0) };
  }

  /**
   * A one-time token's object (a solved captcha's, addressed by its signature): true the first time, false while it
   * stays spent, until `until`, when its alarm forgets it. One call, no `await` between read and write: two uses at
   * the same moment cannot both be the first.
   */
  async spend(until: number): Promise<boolean> {
    if (this.ctx.storage.kv.get<number>(SPENT) !== undefined) return false;
    this.ctx.storage.kv.put(SPENT, until);
    await this.ctx.storage.setAlarm(until);
    return true;
  }

  /** The end of the window: the row counts nothing any more and is deleted (a later attempt may have moved it on). */
  override async alarm(): Promise<void> {
    const spent = this.ctx.storage.kv.get<number>(SPENT);
    if (spent !== undefined) {
      if (Date.now() >= spent) this.ctx.storage.kv.delete(SPENT);
      else await this.ctx.storage.setAlarm(spent);
      return;
    }
    const row = this.row();
    if (!row || Date.now() >= expiresAt(row)) await this.forget();
    else await this.ctx.storage.setAlarm(expiresAt(row));
  }
}
