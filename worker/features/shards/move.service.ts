import { and, eq, ne } from "drizzle-orm";
import type { SQLiteTable } from "drizzle-orm/sqlite-core";
import { accountDirectory, type ShardMoveStep, shardMoves, shards } from "../../db/schema/global";
import {
  accountOptions,
  accountServices,
  accounts,
  autopay,
  bonusLedger,
  bonusMembers,
  bonusRedemptions,
  corporateNumbers,
  ledgerEntries,
  ledgerPeriods,
  paymentEvents,
  payments,
  promisedPayments,
  receipts,
  tariffChanges,
  usageDailyTotals,
  usageReports,
  voluntaryBlocks,
} from "../../db/schema/region";
import { type DataAccess, d1Of, type RegionDb, rawBatch, type ShardBinding } from "../../platform/db";
import { AppError } from "../../platform/errors";
import { newId } from "../../platform/ids";
import { log } from "../../platform/log";
import { branchOfRegion, copyRows } from "../../platform/shard-map";

const BY_ACCOUNT = "account_no = ?";

/**
 * Every regional table that holds an account's rows, parents first (the order rows are copied in; deleted in
 * the reverse one). Region-wide data (catalogue, applications, support, cron progress) stays on the home shard.
 */
export const ACCOUNT_TABLES: readonly { table: SQLiteTable; name: string; where: string }[] = [
  { table: accounts, name: "accounts", where: BY_ACCOUNT },
  { table: accountServices, name: "account_services", where: BY_ACCOUNT },
  { table: payments, name: "payments", where: BY_ACCOUNT },
  { table: paymentEvents, name: "payment_events", where: "payment_id IN (SELECT id FROM payments WHERE account_no = ?)" },
  { table: receipts, name: "receipts", where: BY_ACCOUNT },
  { table: ledgerEntries, name: "ledger_entries", where: BY_ACCOUNT },
  { table: ledgerPeriods, name: "ledger_periods", where: BY_ACCOUNT },
  { table: autopay, name: "autopay", where: BY_ACCOUNT },
  { table: promisedPayments, name: "promised_payments", where: BY_ACCOUNT },
  { table: bonusMembers, name: "bonus_members", where: BY_ACCOUNT },
  { table: bonusLedger, name: "bonus_ledger", where: BY_ACCOUNT },
  { table: bonusRedemptions, name: "bonus_redemptions", where: BY_ACCOUNT },
  { table: usageDailyTotals, name: "usage_daily_totals", where: BY_ACCOUNT },
  { table: usageReports, name: "usage_reports", where: BY_ACCOUNT },
  { table: tariffChanges, name: "tariff_changes", where: BY_ACCOUNT },
  { table: accountOptions, name: "account_options", where: BY_ACCOUNT },
  { table: voluntaryBlocks, name: "voluntary_blocks", where: BY_ACCOUNT },
  { table: corporateNumbers, name: "corporate_numbers", where: BY_ACCOUNT },
];

/** Rows deleted per statement when the source is cleaned up. */
const DELETE_PAGE = 500;

/**
 * How long the source keeps a moved account's rows after the switch: a request that read the directory just
 * before it still finds them (a D1 query ends within 30 s).
 */
export const CLEANUP_GRACE_MS = 30_000;

/** What an account is on one shard: rows per table and the money sums, to compare source with copy. */
export type Figures = Record<string, number>;

/** Rows per table, the ledger's sum, the bonus points' sum and the payments' sum of an account on one shard: one query. */
export async function accountFigures(db: RegionDb, accountNo: string): Promise<Figures> {
  const parts = [
    ...ACCOUNT_TABLES.map(({ name, where }) => `(SELECT count(*) FROM ${name} WHERE ${where.replace("?", "?1")}) AS ${name}`),
    "(SELECT coalesce(sum(amount_kop), 0) FROM ledger_entries WHERE account_no = ?1) AS ledger_kop",
    "(SELECT coalesce(sum(points), 0) FROM bonus_ledger WHERE account_no = ?1) AS bonus_points",
    "(SELECT coalesce(sum(amount_kop), 0) FROM payments WHERE account_no = ?1) AS payments_kop",
  ];
  const row = await d1Of(db)
    .prepare(`SELECT ${parts.join(", ")}`)
    .bind(accountNo)
    .first<Figures>();
  return row ?? {};
}

export interface MoveView {
  id: string;
  accountNo: string;
  fromShard: string;
  toShard: string;
  step: ShardMoveStep;
  verified: Figures | null;
  startedAt: string;
  switchedAt: string | null;
}

type MoveRow = typeof shardMoves.$inferSelect;

function view(m: MoveRow): MoveView {
  return {
    id: m.id,
    accountNo: m.accountNo,
    fromShard: m.fromShard,
    toShard: m.toShard,
    step: m.step,
    verified: m.verified ? (JSON.parse(m.verified) as Figures) : null,
    startedAt: m.startedAt.toISOString(),
    switchedAt: m.switchedAt?.toISOString() ?? null,
  };
}

export interface MoveOptions {
  now?: Date;
  graceMs?: number;
  /** Tests: stop as if the Worker died right after this step was recorded. */
  crashAfter?: ShardMoveStep;
}

/** The account's unfinished move, if any. */
async function openMove(data: DataAccess, accountNo: string) {
  return data.global
    .select()
    .from(shardMoves)
    .where(and(eq(shardMoves.accountNo, accountNo), ne(shardMoves.step, "done")))
    .get();
}

/** Starts the account's move to `toShard`, or finds the one under way; checks the target is a shard of its branch. */
async function startMove(data: DataAccess, accountNo: string, toShard: string, now: Date): Promise<MoveRow> {
  const open = await openMove(data, accountNo);
  if (open) {
    if (open.toShard !== toShard) throw new AppError(409, "shard_move_in_progress", { shard: open.toShard });
    return open;
  }
  const dir = await data.global.select().from(accountDirectory).where(eq(accountDirectory.accountNo, accountNo)).get();
  if (!dir) throw new AppError(404, "not_found");
  const target = await data.global.select().from(shards).where(eq(shards.binding, toShard)).get();
  if (!target || !data.shards.includes(toShard as ShardBinding)) throw new AppError(404, "shard_not_found", { shard: toShard });
  if (target.branch !== branchOfRegion(dir.region)) throw new AppError(409, "shard_other_branch", { shard: toShard });
  if (dir.shard === toShard) throw new AppError(409, "shard_move_same", { shard: toShard });
  const row: MoveRow = {
    id: newId(now.getTime()),
    accountNo,
    fromShard: dir.shard,
    toShard,
    step: "started",
    verified: null,
    startedAt: now,
    updatedAt: now,
    switchedAt: null,
  };
  // The partial unique index keeps one unfinished move per account: a parallel start finds the other one.
  await data.global.insert(shardMoves).values(row).onConflictDoNothing();
  const made = await openMove(data, accountNo);
  if (!made || made.toShard !== toShard) throw new AppError(409, "shard_move_in_progress", { shard: made?.toShard ?? toShard });
  return made;
}

/** Records that a move got from one step to the next (compare-and-set: a parallel runner's record stands). */
async function advance(data: DataAccess, move: MoveRow, to: ShardMoveStep, now: Date, extra: Partial<MoveRow> = {}) {
  await data.global
    .update(shardMoves)
    .set({ step: to, updatedAt: now, ...extra })
    .where(and(eq(shardMoves.id, move.id), eq(shardMoves.step, move.step)));
  const again = await data.global.select().from(shardMoves).where(eq(shardMoves.id, move.id)).get();
  return again as MoveRow;
}

function freeze(db: RegionDb, accountNo: string, moveId: string, state: "frozen" | "moved", now: Date) {
  return rawBatch(db, [
    [
      `INSERT INTO account_freezes (account_no, move_id, state, updated_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (account_no) DO UPDATE SET move_id = excluded.move_id, state = excluded.state, updated_at = excluded.updated_at`,
      accountNo,
      moveId,
      state,
      now.getTime(),
    ],
  ]);
}

async function deleteAccountRows(db: RegionDb, accountNo: string) {
  for (const { name, where } of [...ACCOUNT_TABLES].reverse()) {
    for (;;) {
      const res = await d1Of(db)
        .prepare(`DELETE FROM ${name} WHERE rowid IN (SELECT rowid FROM ${name} WHERE ${where} LIMIT ${DELETE_PAGE})`)
        .bind(accountNo)
        .run();
      if ((res.meta.changes ?? 0) < DELETE_PAGE) break;
    }
  }
}

const sameFigures = (a: Figures, b: Figures) => Object.keys(a).length > 0 && Object.keys(a).every((k) => Number(a[k]) === Number(b[k]));

/**
 * Moves an account to another shard of its branch, online and exactly once, or resumes its move from the step
 * it got to: freeze the account on the source (its writes get a 503 and are retried), copy every row, verify
 * rows and money sums on both sides, switch the directory row (one global write: reads follow it), then, after
 * a grace period for requests that read the directory before the switch, delete the source rows. Each step is
 * idempotent and recorded once done. Returns the move at the step it reached (`switched` while the grace runs).
 */
export async function moveAccount(data: DataAccess, accountNo: string, toShard: string, opts: MoveOptions = {}): Promise<MoveView> {
  const now = opts.now ?? new Date();
  const graceMs = opts.graceMs ?? CLEANUP_GRACE_MS;
  let move = await startMove(data, accountNo, toShard, now);
  if (move.step === "started" && opts.crashAfter === "started") throw new Error("injected crash after started");
  const source = data.shard(move.fromShard as ShardBinding);
  const target = data.shard(move.toShard as ShardBinding);
  const crash = (step: ShardMoveStep) => {
    if (opts.crashAfter === step) throw new Error(`injected crash after ${step}`);
  };
  for (;;) {
    switch (move.step) {
      case "started":
        // A tombstone left on the target by an earlier move away from it would refuse the copy.
        await rawBatch(target, [["DELETE FROM account_freezes WHERE account_no = ?", accountNo]]);
        await freeze(source, accountNo, move.id, "frozen", now);
        move = await advance(data, move, "frozen", now);
        break;
      case "frozen":
        for (const { table, where } of ACCOUNT_TABLES) await copyRows(source, target, table, where, accountNo);
        move = await advance(data, move, "copied", now);
        break;
      case "copied": {
        const [before, after] = await Promise.all([accountFigures(source, accountNo), accountFigures(target, accountNo)]);
        if (!sameFigures(before, after)) {
          log("error", "shard.move_mismatch", { moveId: move.id });
          await advance(data, move, "frozen", now);
          throw new AppError(409, "shard_move_mismatch");
        }
        move = await advance(data, move, "verified", now, { verified: JSON.stringify(before) });
        break;
      }
      case "verified":
        // One global write: the directory row, both shards' counts and the step, together or not at all.
        await rawBatch(data.global, [
          ["UPDATE account_directory SET shard = ? WHERE account_no = ? AND shard = ?", move.toShard, accountNo, move.fromShard],
          [
            "UPDATE shards SET accounts = max(accounts + CASE binding WHEN ? THEN changes() ELSE -changes() END, 0) WHERE binding IN (?, ?)",
            move.toShard,
            move.fromShard,
            move.toShard,
          ],
          [
            "UPDATE shard_moves SET step = 'switched', switched_at = ?, updated_at = ? WHERE id = ? AND step = 'verified'",
            now.getTime(),
            now.getTime(),
            move.id,
          ],
        ]);
        move = (await data.global.select().from(shardMoves).where(eq(shardMoves.id, move.id)).get()) as MoveRow;
        log("info", "shard.move_switched", { moveId: move.id, from: move.fromShard, to: move.toShard });
        break;
      case "switched":
        if (now.getTime() < (move.switchedAt?.getTime() ?? 0) + graceMs) return view(move);
        await freeze(source, accountNo, move.id, "moved", now);
        await deleteAccountRows(source, accountNo);
        move = await advance(data, move, "done", now);
        log("info", "shard.move_done", { moveId: move.id });
        break;
      case "done":
        return view(move);
    }
    crash(move.step);
  }
}

/** A move by its id (operators' API). */
export async function getMove(data: DataAccess, id: string): Promise<MoveView> {
  const row = await data.global.select().from(shardMoves).where(eq(shardMoves.id, id)).get();
  if (!row) throw new AppError(404, "not_found");
  return view(row);
}
