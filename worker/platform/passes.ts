import { type SQL, sql } from "drizzle-orm";
import type { SQLiteTable } from "drizzle-orm/sqlite-core";
import { drainCursors } from "../db/schema/global";
import type { DataAccess } from "./db";
import { beat, release, startChain } from "./lease";

/**
 * A pass over a global table in rowid order (the sign-in rows' backfill, the contracts' contacts'): a chain of messages
 * on a queue, one at a time under a lease (platform/lease.ts), each a page from a cursor kept in `drain_cursors` under
 * the pass's plan. The hourly cron starts one while rows past the cursor are left; a page moves the cursor after its
 * writes (a message that fails is retried from the same page), and a full page hands on to the next message.
 */
export interface Pass<M> {
  /** The lease's name: one run at a time. */
  lease: string;
  /** The cursor's plan in `drain_cursors` (a pass of its own for each mode that needs one). */
  plan: string;
  /** The global table it goes over. */
  table: SQLiteTable;
  /** How long a quiet chain keeps its lease before the next cron takes it over. */
  staleMs: number;
  /** The chain's next message. */
  message: (run: string) => M;
}

/** A pass's message on its queue: its kind, and the run of the chain it belongs to (its lease's holder). */
export interface PassMessage<K extends string> {
  kind: K;
  run: string;
}

/** Whether a queue message is a pass's of this kind (with a run as the lease names one). */
export function isPassMessageOf<K extends string>(kind: K) {
  return (body: unknown): body is PassMessage<K> => {
    const m = body as Partial<PassMessage<K>> | null;
    return m?.kind === kind && typeof m.run === "string" && m.run.length > 0 && m.run.length <= 60;
  };
}

/** Where the pass is: the rowid its last page ended at (0 before its first). */
export async function passCursor(data: DataAccess, plan: string): Promise<number> {
  const row = await data.global.select({ after: drainCursors.after }).from(drainCursors).where(sql`${drainCursors.plan} = ${plan}`).get();
  return row?.after ?? 0;
}

/** Cron: the pass's chain, when rows past its cursor are left and no run holds its lease. Whether it started. */
export async function startPass<M>(data: DataAccess, queue: Queue<unknown>, pass: Pass<M>, now: Date): Promise<boolean> {
  const [after, last] = await Promise.all([
    passCursor(data, pass.plan),
    data.global
      .select({ max: sql<number | null>`max(rowid)` as SQL<number | null> })
      .from(pass.table)
      .get(),
  ]);
  if ((last?.max ?? 0) <= after) return false;
  const run = await startChain(data.global, pass.lease, now, pass.staleMs, (r) => queue.send(pass.message(r)));
  return run !== null;
}

/** Whether a message of the chain may take its page: its run still holds the lease (a message of one taken over may not). */
export function holdsPass<M>(data: DataAccess, pass: Pass<M>, run: string | undefined, now: Date): Promise<boolean> {
  return run === undefined ? Promise.resolve(true) : beat(data.global, pass.lease, run, now);
}

/**
 * After a page's writes: the cursor moved to `lastRowid` (never back), and with `run` (a message of the chain) the next
 * message sent when `more`, or the lease given back. Whether it handed on.
 */
export async function endPage<M>(
  data: DataAccess,
  pass: Pass<M>,
  page: { lastRowid: number | undefined; more: boolean; run: string | undefined; queue: Queue<unknown> | null },
  now: Date,
): Promise<boolean> {
  if (page.lastRowid !== undefined) {
    await data.global
      .insert(drainCursors)
      .values({ plan: pass.plan, after: page.lastRowid, updatedAt: now })
      .onConflictDoUpdate({
        target: drainCursors.plan,
        set: { after: page.lastRowid, updatedAt: now },
        setWhere: sql`${drainCursors.after} < ${page.lastRowid}`,
      });
  }
  if (page.run === undefined) return false;
  if (page.more && page.queue) {
    await page.queue.send(pass.message(page.run));
    return true;
  }
  await release(data.global, pass.lease, page.run);
  return false;
}
