import { DurableObject } from "cloudflare:workers";
import { POLICY } from "../data/limits.data";

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

  /** The end of the window: the row counts nothing any more and is deleted (a later attempt may have moved it on). */
  override async alarm(): Promise<void> {
    const row = this.row();
    if (!row || Date.now() >= expiresAt(row)) await this.forget();
    else await this.ctx.storage.setAlarm(expiresAt(row));
  }
}
