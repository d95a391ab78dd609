import { and, eq, lt } from "drizzle-orm";
import { jobLeases } from "../db/schema/global";
import type { GlobalDb } from "./db.types";
import { newId } from "./ids";

/**
 * A lease on a global job's chain of queue messages (the closing documents' pages, the bank statement's pending
 * lines, the organisations' payments to reconcile). The hourly cron starts a chain only by taking the lease: while
 * the last run still reports (`beat`) within `staleMs`, it starts none, so chains never pile up an hour over
 * another. Each message of a run reports before its work, and stops when another run took the lease; the last one
 * gives it back (`release`). A run that died (its message dead-lettered) is taken over once it went quiet.
 * One statement each, atomic in D1: two crons at once cannot both take it.
 */
export async function takeLease(db: GlobalDb, name: string, now: Date, staleMs: number): Promise<string | null> {
  const run = newId(now.getTime());
  const row = await db
    .insert(jobLeases)
    .values({ name, run, beatAt: now })
    .onConflictDoUpdate({
      target: jobLeases.name,
      set: { run, beatAt: now },
      setWhere: lt(jobLeases.beatAt, new Date(now.getTime() - staleMs)),
    })
    .returning({ run: jobLeases.run })
    .get();
  return row?.run === run ? run : null;
}

/**
 * Starts a job's chain: takes its lease, then `start(run)` sends the chain's first message; when that fails, the
 * lease goes back (the next try starts it at once, not once it has gone quiet) and the error is thrown. Null: a run
 * holds the lease, nothing is started.
 */
export async function startChain(
  db: GlobalDb,
  name: string,
  now: Date,
  staleMs: number,
  start: (run: string) => Promise<unknown>,
): Promise<string | null> {
  const run = await takeLease(db, name, now, staleMs);
  if (run === null) return null;
  try {
    await start(run);
  } catch (e) {
    await release(db, name, run);
    throw e;
  }
  return run;
}

/** A run's report that it goes on: false when the lease is another run's (this one was taken over and stops). */
export async function beat(db: GlobalDb, name: string, run: string, now: Date): Promise<boolean> {
  const r = await db
    .update(jobLeases)
    .set({ beatAt: now })
    .where(and(eq(jobLeases.name, name), eq(jobLeases.run, run)))
    .run();
  return (r.meta.changes ?? 0) === 1;
}

/** The run is over: the next cron may start another at once. */
export async function release(db: GlobalDb, name: string, run: string): Promise<void> {
  await db
    .update(jobLeases)
    .set({ beatAt: new Date(0) })
    .where(and(eq(jobLeases.name, name), eq(jobLeases.run, run)))
    .run();
}
