import { and, eq, inArray, lte, type SQL, sql } from "drizzle-orm";
import { accountServices, voluntaryBlocks } from "../../db/schema/region";
import { type AccountScope, settledHere } from "../../platform/arriving";
import { type RegionDb, rawBatch } from "../../platform/db";
import type { RawStatement } from "../billing/ledger.service";

/** A drizzle statement as one of `rawBatch`'s, to share a transaction with the ledger's conditional entry. */
function raw(query: { toSQL(): { sql: string; params: unknown[] } }): RawStatement {
  const { sql: text, params } = query.toSQL();
  return [text, ...params];
}

export type Block = typeof voluntaryBlocks.$inferSelect;

export function selectServiceBlocks(db: RegionDb, serviceId: string) {
  return db
    .select()
    .from(voluntaryBlocks)
    .where(and(eq(voluntaryBlocks.serviceId, serviceId), inArray(voluntaryBlocks.status, ["scheduled", "active", "ended"])))
    .orderBy(voluntaryBlocks.fromDay)
    .all();
}

export function selectAccountBlocks(db: RegionDb, accountNo: string) {
  return db
    .select()
    .from(voluntaryBlocks)
    .where(and(eq(voluntaryBlocks.accountNo, accountNo), inArray(voluntaryBlocks.status, ["scheduled", "active"])))
    .orderBy(voluntaryBlocks.fromDay)
    .all();
}

/**
 * Writes a new scheduled block unless another block of the service, scheduled or under way, overlaps its days, or
 * the days the service's blocks take in a year the new one touches are no longer `used` (what its terms, the yearly
 * allowance and the fee, were worked out from): the checks and the write in one statement, so requests at the same
 * moment cannot both pass. True when it was written.
 */
export async function claimBlock(
  db: RegionDb,
  b: {
    id: string;
    accountNo: string;
    serviceId: string;
    region: string;
    fromDay: string;
    toDay: string;
    feeKop: number;
    applicationId: string;
    createdAt: Date;
  },
  used: ReadonlyMap<string, number>,
) {
  // A block's days in year Y: from the later of its first day and Y-01-01 to the earlier of its last and Y-12-31
  // (none when that is empty). Cancelled blocks took no day; ended ones took theirs (as `selectServiceBlocks` reads).
  const years = [...used];
  const yearChecks = years.map(
    () => `AND (SELECT COALESCE(SUM(MAX(0, CAST(julianday(MIN(to_day, ?)) - julianday(MAX(from_day, ?)) AS INTEGER) + 1)), 0)
         FROM voluntary_blocks WHERE service_id = ? AND status IN ('scheduled', 'active', 'ended')) = ?`,
  );
  const yearParams = years.flatMap(([year, days]) => [`${year}-12-31`, `${year}-01-01`, b.serviceId, days]);
  const [done] = await rawBatch(db, [
    [
      `INSERT INTO voluntary_blocks (id, account_no, service_id, region, from_day, to_day, status, fee_kop, application_id, created_at)
       SELECT ?, ?, ?, ?, ?, ?, 'scheduled', ?, ?, ?
       WHERE NOT EXISTS (
         SELECT 1 FROM voluntary_blocks WHERE service_id = ? AND status IN ('scheduled', 'active') AND from_day <= ? AND to_day >= ?
       )
       ${yearChecks.join("\n       ")}`,
      b.id,
      b.accountNo,
      b.serviceId,
      b.region,
      b.fromDay,
      b.toDay,
      b.feeKop,
      b.applicationId,
      b.createdAt.getTime(),
      b.serviceId,
      b.toDay,
      b.fromDay,
      ...yearParams,
    ],
  ]);
  return (done?.meta.changes ?? 0) === 1;
}

/** Takes back a block claimed for an application that was not made (only while it is still scheduled). */
export function dropClaimedBlock(db: RegionDb, id: string) {
  return db
    .delete(voluntaryBlocks)
    .where(and(eq(voluntaryBlocks.id, id), eq(voluntaryBlocks.status, "scheduled")))
    .run();
}

export function selectBlock(db: RegionDb, id: string) {
  return db.select().from(voluntaryBlocks).where(eq(voluntaryBlocks.id, id)).get();
}

/** Blocks to start at `day` (scheduled, begun by then) and to end (active, over before it), among those `which` picks. */
function blocksDue(db: RegionDb, which: SQL, day: string, taken: AccountScope, limit = -1) {
  return db.batch([
    db
      .select()
      .from(voluntaryBlocks)
      .where(and(which, eq(voluntaryBlocks.status, "scheduled"), lte(voluntaryBlocks.fromDay, day), taken(voluntaryBlocks.accountNo)))
      .limit(limit),
    db
      .select()
      .from(voluntaryBlocks)
      .where(and(which, eq(voluntaryBlocks.status, "active"), sql`${voluntaryBlocks.toDay} < ${day}`, taken(voluntaryBlocks.accountNo)))
      .limit(limit),
  ]);
}

/** Blocks of a region to start at `day` and to end, on the accounts settled on this shard: at most `limit` of each. */
export function selectBlocksDue(db: RegionDb, region: string, day: string, limit = -1) {
  return blocksDue(db, eq(voluntaryBlocks.region, region), day, settledHere, limit);
}

/** One account's blocks to start at `day` and to end (a shard move's catch-up: the account in the move's scope). */
export function selectAccountBlocksDue(db: RegionDb, accountNo: string, day: string, taken: AccountScope) {
  return blocksDue(db, eq(voluntaryBlocks.accountNo, accountNo), day, taken);
}

/** A scheduled block leaves `scheduled` for `to` (cancelled before it starts, or ended unstarted); nothing if it has moved on. */
export function closeScheduledBlock(db: RegionDb, id: string, to: "cancelled" | "ended") {
  return db
    .update(voluntaryBlocks)
    .set({ status: to })
    .where(and(eq(voluntaryBlocks.id, id), eq(voluntaryBlocks.status, "scheduled")))
    .run();
}

/** An SQL condition: the block is active now (as a statement later in the same batch sees it). */
export function blockIsActive(id: string): SQL {
  return sql`EXISTS (SELECT 1 FROM ${voluntaryBlocks} WHERE ${voluntaryBlocks.id} = ${id} AND ${voluntaryBlocks.status} = 'active')`;
}

/**
 * Starts a scheduled block, once, in one transaction: the block becomes
 * active, its service is suspended (only by the run that activated it), and
 * `fee` (the ledger's conditional entry) is written. True for the run that started it.
 */
export async function startBlock(db: RegionDb, block: Block, fee: RawStatement, now: Date): Promise<boolean> {
  const [claimed] = await rawBatch(db, [
    raw(
      db
        .update(voluntaryBlocks)
        // The holder's notice is owed from the same transaction (cleared once given).
        // (The clock's time when the run's own is behind it: a late run's notice gets its grace all the same.)
        .set({ status: "active", notice: "start", noticeAt: new Date(Math.max(now.getTime(), Date.now())) })
        .where(and(eq(voluntaryBlocks.id, block.id), eq(voluntaryBlocks.status, "scheduled"))),
    ),
    raw(
      db
        .update(accountServices)
        .set({ status: "suspended" })
        .where(and(eq(accountServices.id, block.serviceId), eq(accountServices.status, "active"), sql`changes() = 1`)),
    ),
    fee,
  ]);
  return (claimed?.meta.changes ?? 0) === 1;
}

/** Ends an active block and puts its service back, once, in one transaction. True for the run that ended it. */
export async function finishActiveBlock(db: RegionDb, block: Block, now: Date): Promise<boolean> {
  const [ended] = await db.batch([
    db
      .update(voluntaryBlocks)
      .set({ status: "ended", notice: "end", noticeAt: new Date(Math.max(now.getTime(), Date.now())) })
      .where(and(eq(voluntaryBlocks.id, block.id), eq(voluntaryBlocks.status, "active"))),
    db
      .update(accountServices)
      .set({ status: "active" })
      .where(and(eq(accountServices.id, block.serviceId), eq(accountServices.status, "suspended"), sql`changes() = 1`)),
  ]);
  return (ended.meta.changes ?? 0) === 1;
}

/** The holder's notice of this phase given: nothing owed any more (a later phase's notice is left alone). */
export function clearBlockNotice(db: RegionDb, id: string, phase: "start" | "end") {
  return db
    .update(voluntaryBlocks)
    .set({ notice: null, noticeAt: null })
    .where(and(eq(voluntaryBlocks.id, id), eq(voluntaryBlocks.notice, phase)));
}

/** Blocks whose notice has been owed since before `before` (their run died in between), oldest first; settled accounts only. */
export function selectOwedNotices(db: RegionDb, before: Date, limit: number) {
  return db
    .select()
    .from(voluntaryBlocks)
    .where(and(sql`${voluntaryBlocks.notice} IS NOT NULL`, lte(voluntaryBlocks.noticeAt, before), settledHere(voluntaryBlocks.accountNo)))
    .orderBy(voluntaryBlocks.noticeAt)
    .limit(limit);
}
