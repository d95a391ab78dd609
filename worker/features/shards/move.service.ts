import { and, desc, eq, isNull, notInArray } from "drizzle-orm";
import type { SQLiteTable } from "drizzle-orm/sqlite-core";
import { accountDirectory, type ShardMoveStep, shardMoves, shards } from "../../db/schema/global";
import {
  accountHolders,
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
  moneyArchives,
  paymentEvents,
  payments,
  promisedPayments,
  receipts,
  tariffChanges,
  usageDailyTotals,
  usageReports,
  voluntaryBlocks,
} from "../../db/schema/region";
import { arrivedStatement, arrivingStatement, writableHere } from "../../platform/arriving";
import { type DataAccess, d1Of, queriesUsed, type RegionDb, rawBatch, roomIn, type ShardBinding } from "../../platform/db";
import { AppError } from "../../platform/errors";
import { newId } from "../../platform/ids";
import { log } from "../../platform/log";
import { markMoving, placeOf, settlePlace } from "../../platform/places";
import { addDays, localDay, regionTz } from "../../platform/region";
import { closesWindow, forgetHoldersLinks, holdersOf, markCopyChanging } from "../../platform/session";
import { branchOfRegion, copyPage, type KeyValue, readPage } from "../../platform/shard-map";
import { type CatchUpOptions, catchUpAccount, type RegionBillingDone, regionBillingDone } from "../billing/catch-up.service";
import { monthDays } from "../billing/ledger.service";
import { lastClosableMonth, nextMonth } from "../billing/period-close.service";
import { EARN_HOUR, earnForAccountDay } from "../bonus/bonus.service";
import { dueDay } from "../cron/daily.service";
import type { Notify } from "../services/applications.service";
import { applyAccountBlocks } from "../services/blocks.service";
import { applyAccountTariffChanges } from "../services/tariff-change.service";

const BY_ACCOUNT = "account_no = ?";

/** A regional table that holds an account's rows, and how the move pages through them. */
export interface AccountTable {
  table: SQLiteTable;
  name: string;
  /** The account's rows (one `?`). */
  where: string;
  /**
   * The keyset a page follows: columns unique among the account's rows, in the order of an index that starts with
   * `account_no` (every index ends with the rowid), so a page reads its own rows only. Default `rowid`.
   */
  key?: readonly string[];
  /** The money column the verification sums, and its name among the figures. */
  sum?: { column: string; as: string };
  /** The columns that name a row, for a table WITHOUT ROWID (which has no rowid). Default `rowid`. */
  id?: readonly string[];
}

/**
 * Every regional table that holds an account's rows, parents first (the order rows are copied in; deleted in
 * the reverse one). Region-wide data (catalogue, applications, support, cron progress) stays on the home shard.
 */
export const ACCOUNT_TABLES: readonly AccountTable[] = [
  { table: accounts, name: "accounts", where: BY_ACCOUNT },
  { table: accountServices, name: "account_services", where: BY_ACCOUNT },
  {
    table: payments,
    name: "payments",
    where: BY_ACCOUNT,
    key: ["created_at", "rowid"],
    sum: { column: "amount_kop", as: "payments_kop" },
  },
  { table: paymentEvents, name: "payment_events", where: "payment_id IN (SELECT id FROM payments WHERE account_no = ?)" },
  { table: receipts, name: "receipts", where: BY_ACCOUNT, key: ["issued_at", "rowid"] },
  {
    table: ledgerEntries,
    name: "ledger_entries",
    where: BY_ACCOUNT,
    key: ["occurred_at", "id"],
    sum: { column: "amount_kop", as: "ledger_kop" },
  },
  { table: ledgerPeriods, name: "ledger_periods", where: BY_ACCOUNT, key: ["month"] },
  // Which years of the account are in R2 (their objects are named by the account, not the shard: they stay).
  { table: moneyArchives, name: "money_archives", where: BY_ACCOUNT },
  { table: autopay, name: "autopay", where: BY_ACCOUNT },
  { table: promisedPayments, name: "promised_payments", where: BY_ACCOUNT },
  { table: bonusMembers, name: "bonus_members", where: BY_ACCOUNT },
  {
    table: bonusLedger,
    name: "bonus_ledger",
    where: BY_ACCOUNT,
    key: ["created_at", "rowid"],
    sum: { column: "points", as: "bonus_points" },
  },
  { table: bonusRedemptions, name: "bonus_redemptions", where: BY_ACCOUNT, key: ["idempotency_key"] },
  {
    table: usageDailyTotals,
    name: "usage_daily_totals",
    where: BY_ACCOUNT,
    key: ["local_day", "service_id", "category", "direction"],
  },
  { table: usageReports, name: "usage_reports", where: BY_ACCOUNT, key: ["subscriber_id", "created_at", "rowid"] },
  { table: tariffChanges, name: "tariff_changes", where: BY_ACCOUNT },
  { table: accountOptions, name: "account_options", where: BY_ACCOUNT },
  { table: voluntaryBlocks, name: "voluntary_blocks", where: BY_ACCOUNT },
  { table: corporateNumbers, name: "corporate_numbers", where: BY_ACCOUNT },
  // Who holds it (platform/holders.ts): a table WITHOUT ROWID, paged by its key. Last, so that a move under way across
  // the release that brought it keeps the tables its cursor names (they are by position).
  { table: accountHolders, name: "account_holders", where: BY_ACCOUNT, key: ["subscriber_id"], id: ["account_no", "subscriber_id"] },
];

const keyOf = (t: AccountTable) => t.key ?? ["rowid"];

/** One statement that deletes a page of the account's rows of a table (one `?`, the account's number). */
function deletePageSql(t: AccountTable): string {
  const id = (t.id ?? ["rowid"]).join(", ");
  return `DELETE FROM ${t.name} WHERE (${id}) IN (SELECT ${id} FROM ${t.name} WHERE ${t.where} LIMIT ${DELETE_PAGE})`;
}

/** Rows deleted per statement when the source is cleaned up. */
const DELETE_PAGE = 500;

/** Rows read per statement by the verification (their keys and money column only). */
const VERIFY_PAGE = 1000;

/**
 * D1 queries one call of `moveAccount` may reach (the request's own included) before it stops and leaves the rest
 * to the next call: half of D1's 1,000 per invocation. A page costs at most three (read, write, cursor).
 */
export const MOVE_QUERY_BUDGET = 500;

/** Queries kept for what a call does besides pages: a step's record, the switch, the freeze. */
const RESERVE = 10;

/** What a call that starts at the switch has spent before it (the move's reads, its holders'): it switches whatever they number. */
const SWITCH_ALONE = 6;

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
    ...ACCOUNT_TABLES.flatMap(({ name, where, sum }) =>
      sum ? [`(SELECT coalesce(sum(${sum.column}), 0) FROM ${name} WHERE ${where.replace("?", "?1")}) AS ${sum.as}`] : [],
    ),
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
  /** Where the step got to: the table it is on (null between tables or when done) and the rows it has done. */
  progress: { table: string | null; rows: number };
  /** When a call can go on: now, or once the source's grace period is over; null when the move is done. */
  resumeAt: string | null;
}

type MoveRow = typeof shardMoves.$inferSelect;

/** Steps a move ends at: it moved, or it was given up before the switch. */
const FINAL: readonly ShardMoveStep[] = ["done", "abandoned"];
/** Steps before the directory switch: a move there may be abandoned. */
const BEFORE_SWITCH: readonly ShardMoveStep[] = ["started", "frozen", "copied", "verified"];
const isAbandon = (step: ShardMoveStep) => step === "abandoning" || step === "abandoned";

/**
 * The tables a step pages through, in its order: verification reads each table on the source, then the target;
 * the source's clean-up after the switch and the target's after an abandon delete children first.
 */
function tableAt(step: ShardMoveStep, i: number): AccountTable | undefined {
  if (step === "frozen") return ACCOUNT_TABLES[i];
  if (step === "copied") return ACCOUNT_TABLES[i >> 1];
  if (step === "switched" || step === "abandoning") return ACCOUNT_TABLES[ACCOUNT_TABLES.length - 1 - i];
  return undefined;
}

function view(m: MoveRow, now: Date, graceMs: number, catchingUp = false): MoveView {
  // A switched move still catching up the account goes on at once; one waiting for the source's grace period, after it.
  const graceEnd = m.step === "switched" && !catchingUp ? (m.switchedAt?.getTime() ?? 0) + graceMs : 0;
  return {
    id: m.id,
    accountNo: m.accountNo,
    fromShard: m.fromShard,
    toShard: m.toShard,
    step: m.step,
    verified: m.verified ? (JSON.parse(m.verified) as Figures) : null,
    startedAt: m.startedAt.toISOString(),
    switchedAt: m.switchedAt?.toISOString() ?? null,
    progress: { table: tableAt(m.step, m.cursorTable)?.name ?? null, rows: m.cursorRows },
    resumeAt: FINAL.includes(m.step) ? null : new Date(Math.max(now.getTime(), graceEnd)).toISOString(),
  };
}

export interface MoveOptions {
  now?: Date;
  graceMs?: number;
  /** D1 queries this call may reach, its request's included (default `MOVE_QUERY_BUDGET`). */
  maxQueries?: number;
  /** Tests: stop as if the Worker died right after this step was recorded. */
  crashAfter?: ShardMoveStep;
  /** Tests: stop as if the Worker died after this call's n-th page of a step, before its cursor was saved. */
  crashAtPage?: { step: "frozen" | "copied" | "switched"; page: number };
  /** Where the catch-up's notices go (a block that started or ended while the account was frozen); none: dropped, logged. */
  notify?: Notify;
}

/** A notice of the catch-up's with nowhere to go (a caller that gave no `notify`): logged, not sent. */
const dropNotice: Notify = async (m) => {
  log("warn", "shard.move_notice_dropped", { kind: "kind" in m ? m.kind : m.channel });
};

/** The account's unfinished move, if any. */
async function openMove(data: DataAccess, accountNo: string) {
  return data.global
    .select()
    .from(shardMoves)
    .where(and(eq(shardMoves.accountNo, accountNo), notInArray(shardMoves.step, [...FINAL])))
    .get();
}

/** The account's region, from the directory (where the region's jobs keep their progress). */
async function regionOf(data: DataAccess, accountNo: string): Promise<string> {
  const dir = await data.global
    .select({ region: accountDirectory.region })
    .from(accountDirectory)
    .where(eq(accountDirectory.accountNo, accountNo))
    .get();
  if (!dir) throw new AppError(404, "not_found");
  return dir.region;
}

/** How far the region's charge and close had got just before the move froze the account (recorded with the freeze). */
function doneAtFreeze(move: MoveRow): RegionBillingDone {
  return { chargedTo: move.chargedTo ?? "", closedTo: move.closedTo ?? "", bonusTo: move.bonusTo ?? "" };
}

/**
 * D1 calls one day of a catch-up may take: the tariff changes due and their application (four each; two on one day
 * are already rare), the blocks due (their query, then about 11 for a block that starts — the start's batch, its
 * application's transition, the holder — and 10 for one that ends), the day's charge of services and of options, and
 * a bonus member's earning (its check, charges, autopay, up to three earnings, the expiry). A day starts only while a
 * call has this much room left (and the call's reserve beyond it).
 */
const CATCH_UP_DAY_CALLS = 40;

/**
 * What the region's charge and month close did while the move had the account frozen (from how far they had got at
 * the freeze, or how far an earlier call caught the account up, to how far they have got now), done for it on the
 * shard that holds it now (`db`): its tariff changes due by each missed day first, as the region's run applies them.
 * Within `opts.more` (the call's query budget): how far it got is saved on the move (`charged_to`, `bonus_to`,
 * `closed_to`, only ever moved on), and the next call goes on from there until `done`.
 */
async function catchUpMoved(
  data: DataAccess,
  db: RegionDb,
  move: MoveRow,
  region: string,
  callNow: Date,
  opts: CatchUpOptions & { notify?: Notify } = {},
) {
  // By the clock, not only the call's `now`: a call begun before local midnight (or the bonus run's hour) may read
  // the region's progress after it. Every day due, charge time and earning below is reckoned from this.
  const now = new Date(Math.max(callNow.getTime(), Date.now()));
  const since = doneAtFreeze(move);
  const tz = regionTz(region);
  const recorded = await regionBillingDone(data, region);
  // Days are charged up to the one after the last the region has recorded done, when that one is due: a region's day
  // is charged shard by shard (over several messages for a big branch) and recorded done at the end, so at the switch
  // it may be under way, its target shard already past the account (then arriving) and its source's having skipped it
  // frozen, and its blocks and tariff changes applied at its start without it. Charged here, with its blocks and
  // tariff changes first, the region's own charge later finds the day's keys. A region that never charged: as before.
  const dueNow = localDay(tz, now);
  const underWay = recorded.chargedTo === "" ? "" : ([addDays(recorded.chargedTo, 1), dueNow].sort()[0] ?? "");
  // So are months closed up to the one after the last the region has recorded closed, when every daily job is past
  // it (as the region's close decides): its close too goes shard by shard and is recorded at the end. A region that
  // never closed may be at its first close, which goes from its first entry's month up to the last closable one.
  const closable = lastClosableMonth([recorded.chargedTo, recorded.bonusTo, recorded.alertsTo].map((d) => d || undefined));
  const closing = recorded.closedTo === "" ? closable : nextMonth(recorded.closedTo.slice(0, 7));
  const until: RegionBillingDone = {
    ...recorded,
    chargedTo: [underWay, recorded.chargedTo].sort().at(-1) ?? "",
    closedTo: closing !== null && closable !== null && closing <= closable ? monthDays(closing).last : recorded.closedTo,
  };
  // The first day or month of a call is always done, so that a call whose budget is nearly spent still moves on.
  let started = false;
  const more = () => {
    const go = !started || (opts.more?.() ?? true);
    started = true;
    return go;
  };
  // The region's bonus runs since the freeze, after the charges they earn on and before the months they earn on are
  // closed (a close rolls a month's daily charges up into one line on its last day, which would earn the whole month
  // on that day and nothing on the others): each day's points for the account, once by their keys. Up to the run due
  // now, not only to the last one recorded done: a day's run goes in chains per shard and may be under way at the
  // switch, its chain on the target already past the account (then arriving) and the source's having skipped it
  // frozen; earning it here first, the run's own insert later finds its key. A day earns on the day before's charges,
  // so never past the day after the last one charged. A move an earlier release started recorded no bonus progress:
  // none (as before).
  const bonusDays: string[] = [];
  let bonusTo = since.bonusTo;
  const lastBonusDay =
    recorded.chargedTo === "" ? recorded.bonusTo : ([dueDay(tz, now, EARN_HOUR), addDays(recorded.chargedTo, 1)].sort()[0] ?? "");
  const earnMissed = async () => {
    if (move.bonusTo === null || lastBonusDay === "") return true;
    for (
      let day = since.bonusTo === "" ? localDay(tz, move.startedAt) : addDays(since.bonusTo, 1);
      day <= lastBonusDay;
      day = addDays(day, 1)
    ) {
      if (!more()) return false;
      await earnForAccountDay(db, move.accountNo, { code: region, tz }, day, now);
      bonusDays.push(day);
      bonusTo = day;
    }
    return true;
  };
  const caught = await catchUpAccount(
    db,
    region,
    move.accountNo,
    since,
    until,
    move.startedAt,
    now,
    // As the region's midnight, before the day's charge: tariff changes due, then blocks that start or end.
    async (day, at) => {
      await applyAccountTariffChanges(db, move.accountNo, day, at, opts.taken);
      await applyAccountBlocks(data, db, opts.notify ?? dropNotice, move.accountNo, day, at, opts.taken);
    },
    earnMissed,
    { ...opts, more },
  );
  const reached = { ...caught.reached, bonusTo };
  if (reached.chargedTo !== since.chargedTo || reached.closedTo !== since.closedTo || bonusTo !== since.bonusTo) {
    // Only ever moved on: two calls racing each save the furthest either got.
    await rawBatch(data.global, [
      [
        `UPDATE shard_moves SET charged_to = max(coalesce(charged_to, ''), ?), closed_to = max(coalesce(closed_to, ''), ?),
           bonus_to = CASE WHEN bonus_to IS NULL THEN NULL ELSE max(bonus_to, ?) END, updated_at = ? WHERE id = ?`,
        reached.chargedTo,
        reached.closedTo,
        bonusTo,
        now.getTime(),
        move.id,
      ],
    ]);
    Object.assign(move, { chargedTo: reached.chargedTo, closedTo: reached.closedTo }, move.bonusTo === null ? {} : { bonusTo });
  }
  return { ...caught, bonusDays };
}

/** Logs what a catch-up did for the account, if anything. */
function logCaughtUp(move: MoveRow, caught: { days: string[]; months: string[]; bonusDays: string[]; done: boolean }) {
  if (caught.days.length + caught.months.length + caught.bonusDays.length === 0) return;
  log("info", "shard.move_caught_up", {
    moveId: move.id,
    days: caught.days.join(","),
    months: caught.months.join(","),
    bonusDays: caught.bonusDays.join(","),
    done: caught.done,
  });
}

/**
 * The catch-up of a moved (or abandoned) account on the shard that holds it now (`db`): first while it is still
 * arriving there (the shard's jobs leave it alone), within the call's budget and in as many calls as that takes ("not
 * yet": call again); then the account is the shard's own, its jobs take it, and what the region did in between (a day
 * at most) is done too, as before; were that cut short, it is listed as arriving again until the next call ("arriving
 * again": the caller checks a racing call did not finish meanwhile).
 */
async function catchUpAndSettle(
  data: DataAccess,
  db: RegionDb,
  move: MoveRow,
  region: string,
  now: Date,
  roomFor: (calls?: number) => boolean,
  notify?: Notify,
): Promise<"done" | "not yet" | "arriving again"> {
  const more = () => roomFor(CATCH_UP_DAY_CALLS);
  const early = await catchUpMoved(data, db, move, region, now, { more, taken: writableHere, notify });
  logCaughtUp(move, early);
  if (!early.done) return "not yet";
  await rawBatch(db, [arrivedStatement(move.accountNo, move.id)]);
  const late = await catchUpMoved(data, db, move, region, now, { more, notify });
  logCaughtUp(move, late);
  if (late.done) return "done";
  await rawBatch(db, [arrivingStatement(move.accountNo, move.id, now)]);
  return "arriving again";
}

/** A move's row as it is now (another call may have moved it on). */
function readMove(data: DataAccess, id: string) {
  return data.global.select().from(shardMoves).where(eq(shardMoves.id, id)).get();
}

/** Starts the account's move to `toShard`, or finds the one under way; checks the target is a shard of its branch. */
async function startMove(data: DataAccess, accountNo: string, toShard: string, now: Date): Promise<MoveRow> {
  const open = await openMove(data, accountNo);
  if (open) {
    if (open.toShard !== toShard) throw new AppError(409, "shard_move_in_progress", { shard: open.toShard });
    return open;
  }
  // The directory's row, or the account's copy where the directory no longer keeps a row for it (housekeeping deletes
  // those no foreign key names: platform/places.ts); no move of it is open, so an unmarked copy is where it is.
  const dir =
    (await data.global.select().from(accountDirectory).where(eq(accountDirectory.accountNo, accountNo)).get()) ??
    (await placeOf(data, accountNo));
  if (!dir) throw new AppError(404, "not_found");
  const target = await data.global.select().from(shards).where(eq(shards.binding, toShard)).get();
  if (!target || !data.shards.includes(toShard as ShardBinding)) throw new AppError(404, "shard_not_found", { shard: toShard });
  if (target.branch !== branchOfRegion(dir.region)) throw new AppError(409, "shard_other_branch", { shard: toShard });
  // Its services name the branch's tariffs and add-ons: not before they are all there (registerShard).
  if (target.catalogueCursor !== null) throw new AppError(409, "shard_catalogue_copying", { shard: toShard });
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
    cursorTable: 0,
    cursorKey: null,
    cursorRows: 0,
    cursorFigures: null,
    chargedTo: null,
    closedTo: null,
    bonusTo: null,
  };
  // The partial unique index keeps one unfinished move per account: a parallel start finds the other one. The move's
  // row names the account's directory row (a foreign key, and the truth of its switch): made again from the copy, in
  // the same write, where the directory no longer keeps it (a row there is kept as it is).
  await data.global.batch([
    data.global.insert(accountDirectory).values({ accountNo, region: dir.region, shard: dir.shard, createdAt: now }).onConflictDoNothing(),
    data.global.insert(shardMoves).values(row).onConflictDoNothing(),
  ]);
  const made = await openMove(data, accountNo);
  if (!made || made.toShard !== toShard) throw new AppError(409, "shard_move_in_progress", { shard: made?.toShard ?? toShard });
  return made;
}

const START: Pick<MoveRow, "cursorTable" | "cursorKey" | "cursorRows" | "cursorFigures"> = {
  cursorTable: 0,
  cursorKey: null,
  cursorRows: 0,
  cursorFigures: null,
};

/** Records that a move got from one step to the next, its cursor at the start (compare-and-set: a parallel runner's record stands). */
async function advance(data: DataAccess, move: MoveRow, to: ShardMoveStep, now: Date, extra: Partial<MoveRow> = {}) {
  await data.global
    .update(shardMoves)
    .set({ step: to, updatedAt: now, ...START, ...extra })
    .where(and(eq(shardMoves.id, move.id), eq(shardMoves.step, move.step)));
  const again = await readMove(data, move.id);
  return again as MoveRow;
}

function freeze(db: RegionDb, accountNo: string, moveId: string, state: "frozen" | "moved", now: Date) {
  return rawBatch(db, [
    [
      `INSERT INTO account_freezes (account_no, move_id, state, updated_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (account_no) DO UPDATE SET move_id = excluded.move_id, state = excluded.state, updated_at = excluded.updated_at
       WHERE account_freezes.move_id = excluded.move_id OR account_freezes.state = 'moved'`,
      accountNo,
      moveId,
      state,
      now.getTime(),
    ],
  ]);
}

type Cursor = Pick<MoveRow, "cursorTable" | "cursorKey" | "cursorRows" | "cursorFigures">;

/**
 * Saves where a step got to, compare-and-set on where it was: null when another runner of the same move saved
 * first (this call stops; that one goes on).
 */
async function saveCursor(data: DataAccess, move: MoveRow, next: Cursor, now: Date): Promise<MoveRow | null> {
  const res = await d1Of(data.global)
    .prepare(
      `UPDATE shard_moves SET cursor_table = ?, cursor_key = ?, cursor_rows = ?, cursor_figures = ?, updated_at = ?
       WHERE id = ? AND step = ? AND cursor_table = ? AND cursor_key IS ? AND cursor_rows = ?`,
    )
    .bind(
      next.cursorTable,
      next.cursorKey,
      next.cursorRows,
      next.cursorFigures,
      now.getTime(),
      move.id,
      move.step,
      move.cursorTable,
      move.cursorKey,
      move.cursorRows,
    )
    .run();
  return (res.meta.changes ?? 0) === 1 ? { ...move, ...next, updatedAt: now } : null;
}

const sameFigures = (a: Figures, b: Figures) => Object.keys(a).length > 0 && Object.keys(a).every((k) => Number(a[k]) === Number(b[k]));

/**
 * Moves an account to another shard of its branch, online and exactly once, or resumes its move from where it got
 * to: freeze the account on the source (its writes get a 503 and are retried), copy every row, verify rows and
 * money sums on both sides, switch the directory row (one global write: reads follow it), then, after a grace
 * period for requests that read the directory before the switch, delete the source rows. Copy, verification and
 * deletion go a page per query and save their cursor after each page, so a call stops within `maxQueries` D1
 * queries and the next call goes on from the last saved page (a page done again changes nothing: `INSERT OR
 * IGNORE`, counts restarted from the saved ones, deletes of what is left). Until the switch every request reads
 * the account on the source. Returns the move where this call left it: `done`, or a step to resume at `resumeAt`.
 */
export async function moveAccount(data: DataAccess, accountNo: string, toShard: string, opts: MoveOptions = {}): Promise<MoveView> {
  const now = opts.now ?? new Date();
  const graceMs = opts.graceMs ?? CLEANUP_GRACE_MS;
  const budget = opts.maxQueries ?? MOVE_QUERY_BUDGET;
  const calledAt = queriesUsed(data.stats);
  let move = await startMove(data, accountNo, toShard, now);
  if (move.step === "started" && opts.crashAfter === "started") throw new Error("injected crash after started");
  const source = data.shard(move.fromShard as ShardBinding);
  const target = data.shard(move.toShard as ShardBinding);
  const crash = (step: ShardMoveStep) => {
    if (opts.crashAfter === step) throw new Error(`injected crash after ${step}`);
  };
  const roomFor = roomIn(data.stats, budget, RESERVE);
  // Whether this call has forgotten the holders' copies of their links since the switch.
  let forgotten = false;
  // Until when the holders' window this call opened before its switch is open (0: it opened none).
  let markedUntil = 0;
  const pages = new Map<ShardMoveStep, number>();
  const pageDone = (step: ShardMoveStep) => {
    const n = (pages.get(step) ?? 0) + 1;
    pages.set(step, n);
    if (opts.crashAtPage?.step === step && opts.crashAtPage.page === n) throw new Error(`injected crash at page ${n} of ${step}`);
  };
  const save = async (next: Cursor) => {
    const saved = await saveCursor(data, move, next, now);
    if (saved) move = saved;
    return saved !== null;
  };
  const stop = async () => {
    const again = (await readMove(data, move.id)) ?? move;
    if (isAbandon(again.step)) throw new AppError(409, "shard_move_abandoned");
    return view(again, now, graceMs);
  };
  for (;;) {
    switch (move.step) {
      case "started": {
        // How far the region's charge and close had got before the freeze (read before it, recorded once: a rerun
        // after a crash may find the source frozen already): from there on the source's jobs skip the account, and
        // what they did meanwhile is done for it once it is settled (the switch's catch-up, or the abandon's).
        if (move.chargedTo === null) {
          const done = await regionBillingDone(data, await regionOf(data, accountNo));
          await data.global
            .update(shardMoves)
            .set({ chargedTo: done.chargedTo, closedTo: done.closedTo, bonusTo: done.bonusTo })
            .where(and(eq(shardMoves.id, move.id), eq(shardMoves.step, "started"), isNull(shardMoves.chargedTo)));
        }
        // A tombstone left on the target by an earlier move away from it would refuse the copy.
        await rawBatch(target, [["DELETE FROM account_freezes WHERE account_no = ?", accountNo]]);
        await freeze(source, accountNo, move.id, "frozen", now);
        move = await advance(data, move, "frozen", now);
        if (isAbandon(move.step)) {
          // Abandoned meanwhile, perhaps after the abandon unfroze the source: this freeze must not outlive it.
          await rawBatch(source, [
            ["DELETE FROM account_freezes WHERE account_no = ? AND move_id = ? AND state = 'frozen'", accountNo, move.id],
          ]);
        }
        break;
      }
      case "frozen": {
        while (move.cursorTable < ACCOUNT_TABLES.length) {
          if (!roomFor()) return view(move, now, graceMs);
          const t = ACCOUNT_TABLES[move.cursorTable] as AccountTable;
          const after = move.cursorKey ? (JSON.parse(move.cursorKey) as KeyValue[]) : null;
          // The first page (the `accounts` row) lists the account as arriving on the target, in the same transaction:
          // the target's jobs skip it from the moment any of its rows is there until the switch.
          const first = move.cursorTable === 0 && after === null;
          const arriving = first ? [arrivingStatement(accountNo, move.id, now)] : [];
          const page = await copyPage(source, target, t.table, t.where, [accountNo], keyOf(t), after, arriving);
          pageDone("frozen");
          const next = page.last
            ? { ...move, cursorKey: JSON.stringify(page.last) }
            : { ...move, cursorTable: move.cursorTable + 1, cursorKey: null };
          if (!(await save({ ...next, cursorRows: move.cursorRows + page.copied }))) return stop();
        }
        move = await advance(data, move, "copied", now);
        break;
      }
      case "copied": {
        // Each table on the source, then on the target: its rows counted and its money summed, a page at a time.
        while (move.cursorTable < ACCOUNT_TABLES.length * 2) {
          if (!roomFor()) return view(move, now, graceMs);
          const t = ACCOUNT_TABLES[move.cursorTable >> 1] as AccountTable;
          const side = move.cursorTable % 2 === 0 ? "source" : "target";
          const after = move.cursorKey ? (JSON.parse(move.cursorKey) as KeyValue[]) : null;
          const page = await readPage(
            side === "source" ? source : target,
            t.name,
            t.where,
            [accountNo],
            keyOf(t),
            after,
            VERIFY_PAGE,
            t.sum ? `${t.sum.column} AS _m` : "0 AS _m",
          );
          pageDone("copied");
          const found = move.cursorFigures ? (JSON.parse(move.cursorFigures) as Record<string, Figures>) : {};
          const figures: Figures = { ...found[side] };
          figures[t.name] = (figures[t.name] ?? 0) + page.rows.length;
          if (t.sum) figures[t.sum.as] = page.rows.reduce((kop, r) => kop + Number(r._m ?? 0), figures[t.sum.as] ?? 0);
          const more = page.rows.length === VERIFY_PAGE;
          const next: Cursor = {
            cursorTable: more ? move.cursorTable : move.cursorTable + 1,
            cursorKey: more ? JSON.stringify(page.last) : null,
            cursorRows: move.cursorRows + page.rows.length,
            cursorFigures: JSON.stringify({ ...found, [side]: figures }),
          };
          if (!(await save(next))) return stop();
        }
        const found = JSON.parse(move.cursorFigures ?? "{}") as Record<string, Figures>;
        const before = found.source ?? {};
        if (!sameFigures(before, found.target ?? {})) {
          log("error", "shard.move_mismatch", { moveId: move.id });
          await advance(data, move, "frozen", now);
          throw new AppError(409, "shard_move_mismatch");
        }
        move = await advance(data, move, "verified", now, { verified: JSON.stringify(before) });
        break;
      }
      case "verified": {
        // The holders' copies of their links name the source shard: forgotten before the switch too, opening the
        // change's window (platform/session.ts), so a copy read before the switch is never kept after it, even if
        // this call dies before the forget that follows the switch. The switch and what follows it in this call (a
        // write a holder twice, the switch's batch of three, its read, the holders read again) only where they fit,
        // or in a call that has done nothing else (an account with hundreds of holders: within D1's 1,000 queries up
        // to some 490 of them), which then stops after the switch (its catch-up in the next call).
        if (!roomFor(1)) return view(move, now, graceMs);
        const holders = await holdersOf(data, accountNo, move.fromShard as ShardBinding);
        const forced = !roomFor(13 + 2 * holders.length);
        if (forced && queriesUsed(data.stats) - calledAt > SWITCH_ALONE) return view(move, now, graceMs);
        markedUntil = await markCopyChanging(data, holders, now);
        // The account's copy in the identity stores is marked as possibly switching: its readers ask the directory
        // (the truth, switched below) until it is settled to the target after the switch (platform/places.ts). A mark
        // another move left is taken over only once that move has ended.
        await markMoving(data, { accountNo, region: await regionOf(data, accountNo), shard: move.fromShard }, move.id, now, async (other) =>
          FINAL.includes((await readMove(data, other))?.step ?? "done"),
        );
        // One global write: the directory row, both shards' counts and the step, together or not at all.
        // The directory changes only while the move is still `verified`: an abandon that got in first (its step
        // recorded) wins, and then nothing here changes.
        await rawBatch(data.global, [
          [
            `UPDATE account_directory SET shard = ? WHERE account_no = ? AND shard = ?
               AND EXISTS (SELECT 1 FROM shard_moves WHERE id = ? AND step = 'verified')`,
            move.toShard,
            accountNo,
            move.fromShard,
            move.id,
          ],
          [
            "UPDATE shards SET accounts = max(accounts + CASE binding WHEN ? THEN changes() ELSE -changes() END, 0) WHERE binding IN (?, ?)",
            move.toShard,
            move.fromShard,
            move.toShard,
          ],
          [
            `UPDATE shard_moves SET step = 'switched', switched_at = ?, updated_at = ?,
               cursor_table = 0, cursor_key = NULL, cursor_rows = 0, cursor_figures = NULL
             WHERE id = ? AND step = 'verified'`,
            now.getTime(),
            now.getTime(),
            move.id,
          ],
        ]);
        move = (await readMove(data, move.id)) as MoveRow;
        // An abandon that got in first leaves the step as it made it (the loop then refuses with 409).
        if (move.step === "switched") {
          log("info", "shard.move_switched", { moveId: move.id, from: move.fromShard, to: move.toShard });
          await settlePlace(data, accountNo, move.id, move.toShard);
          // The holders' copies of their links name the source: forgotten at once (below, by a call after a crash).
          await forgetHoldersLinks(data, accountNo, move.fromShard as ShardBinding, { closes: closesWindow(markedUntil) });
          forgotten = true;
          if (forced) return view(move, now, graceMs, true);
        } else {
          // This call's switch did not happen (an abandon got in first, or another call of the move went past it, even
          // to its end): its mark goes back to where the directory says the account is, trusted again.
          const dir = await data.global
            .select({ shard: accountDirectory.shard })
            .from(accountDirectory)
            .where(eq(accountDirectory.accountNo, accountNo))
            .get();
          if (dir) await settlePlace(data, accountNo, move.id, dir.shard);
        }
        break;
      }
      case "switched": {
        // The directory points at the target now: the account is its own there, its jobs take it (again after a
        // crash between the switch and this, and harmless to repeat).
        if (move.cursorTable === 0 && move.cursorRows === 0) {
          // The holders' sessions kept the account's old shard in their copies of their links: forgotten here, before
          // any clean-up of the source can start (a crash before it repeats it), so their next requests read the
          // directory afresh (this call did it already if it made the switch).
          // A repeat (after a crash, or after this call's own forget) closes no window: the switch's forget may have
          // closed it already, and another change of a holder may have opened one since.
          if (!forgotten) await forgetHoldersLinks(data, accountNo, move.fromShard as ShardBinding, { closes: false });
          // The copy in the identity stores names the target too before then (the switch's call may have died first).
          await settlePlace(data, accountNo, move.id, move.toShard);
          // The days the region charged and the months it closed while the source skipped the frozen account (and
          // the target skipped it arriving) are charged and closed here now, once: the region's own keys make a
          // repeat (a crash before the cursor moves, the grace period's calls) or the region's next run change
          // nothing. Design: the switch catches up rather than the target's next run, so no month can be closed
          // on the target before its skipped days are charged (`catchUpAndSettle`: in as many calls as the budget
          // takes, how far it got saved on the move).
          const region = await regionOf(data, accountNo);
          const caught = await catchUpAndSettle(data, target, move, region, now, roomFor, opts.notify);
          if (caught === "not yet") return view(move, now, graceMs, true);
          if (caught === "arriving again") {
            // A call that raced this one and began the clean-up (or finished) meanwhile: the account is settled there.
            const again = (await readMove(data, move.id)) ?? move;
            if (again.step === "done" || again.cursorTable > 0 || again.cursorRows > 0)
              await rawBatch(target, [arrivedStatement(accountNo, move.id)]);
            return view(again, now, graceMs, true);
          }
        }
        if (now.getTime() < (move.switchedAt?.getTime() ?? 0) + graceMs) return view(move, now, graceMs);
        if (!roomFor()) return view(move, now, graceMs);
        await freeze(source, accountNo, move.id, "moved", now);
        // Children first (the reverse of the copy): each statement deletes a page of what is left of one table.
        while (move.cursorTable < ACCOUNT_TABLES.length) {
          if (!roomFor()) return view(move, now, graceMs);
          const res = await d1Of(source)
            .prepare(deletePageSql(tableAt("switched", move.cursorTable) as AccountTable))
            .bind(accountNo)
            .run();
          const deleted = res.meta.changes ?? 0;
          pageDone("switched");
          const next: Cursor = {
            ...move,
            cursorTable: deleted < DELETE_PAGE ? move.cursorTable + 1 : move.cursorTable,
            cursorRows: move.cursorRows + deleted,
          };
          if (!(await save(next))) return stop();
        }
        move = await advance(data, move, "done", now);
        // Settled on the target (again: a racing call's cut-short last pass may have listed it as arriving).
        await rawBatch(target, [arrivedStatement(accountNo, move.id)]);
        log("info", "shard.move_done", { moveId: move.id });
        break;
      }
      case "done":
        return view(move, now, graceMs);
      case "abandoning":
      case "abandoned":
        throw new AppError(409, "shard_move_abandoned");
    }
    crash(move.step);
  }
}

/** A move by its id (operators' API). */
export async function getMove(data: DataAccess, id: string): Promise<MoveView> {
  const row = await readMove(data, id);
  if (!row) throw new AppError(404, "not_found");
  return view(row, new Date(), CLEANUP_GRACE_MS);
}

/** What `abandonMove` records or finishes in turn (tests inject a crash right after one). */
export type AbandonStep = "abandoning" | "cleared" | "unfrozen";

export interface AbandonOptions {
  now?: Date;
  /** D1 queries this call may reach, its request's included (default `MOVE_QUERY_BUDGET`). */
  maxQueries?: number;
  /** Tests: stop as if the Worker died right after this step. */
  crashAfter?: AbandonStep;
  /** As {@link MoveOptions.notify}. */
  notify?: Notify;
}

/**
 * Gives up an account's move before the directory switch (an operator's call, e.g. for a move stuck on a
 * verification mismatch), or finishes giving it up: records the move `abandoning` (compare-and-set on the step it
 * was at: the switch checks the step in the same transaction, so exactly one of the two wins), deletes what was
 * copied to the target (a tombstone there first refuses a page a runner still had in flight; then its rows,
 * children first, a page per statement; then its `arriving_accounts` row), unfreezes the source (arriving there
 * until it is caught up, so the source's jobs leave it alone), does there what the region's charge and close did while
 * the account was frozen (`catchUpAccount`, in as many calls as the budget takes), and records it `abandoned`.
 * Each part is safe to repeat, so a call after a crash (or a second one at the same time) ends the same way.
 * Abandoning an abandoned move changes nothing and answers it again; after the switch it is refused (409
 * `shard_move_switched`: the move must complete). Returns `abandoning` when it ran out of `maxQueries` (call again).
 */
export async function abandonMove(data: DataAccess, accountNo: string, opts: AbandonOptions = {}): Promise<MoveView> {
  const now = opts.now ?? new Date();
  const budget = opts.maxQueries ?? MOVE_QUERY_BUDGET;
  const region = await regionOf(data, accountNo);
  let move = await openMove(data, accountNo);
  if (!move) {
    const last = await data.global
      .select()
      .from(shardMoves)
      .where(eq(shardMoves.accountNo, accountNo))
      .orderBy(desc(shardMoves.startedAt), desc(shardMoves.id))
      .limit(1)
      .get();
    if (last?.step === "abandoned") {
      // A call that raced the one that finished may have listed the account as arriving on its source again after it
      // (then stopped for its budget or died): it is the source's own.
      await rawBatch(data.shard(last.fromShard as ShardBinding), [arrivedStatement(accountNo, last.id)]);
      return view(last, now, 0);
    }
    if (last?.step === "done") throw new AppError(409, "shard_move_switched");
    throw new AppError(404, "shard_move_none");
  }
  while (BEFORE_SWITCH.includes(move.step)) {
    await data.global
      .update(shardMoves)
      .set({ step: "abandoning", updatedAt: now, ...START })
      .where(and(eq(shardMoves.id, move.id), eq(shardMoves.step, move.step)));
    move = (await readMove(data, move.id)) as MoveRow;
  }
  if (move.step === "abandoned") return view(move, now, 0);
  if (move.step !== "abandoning") throw new AppError(409, "shard_move_switched");
  const crash = (step: AbandonStep) => {
    if (opts.crashAfter === step) throw new Error(`injected crash after ${step}`);
  };
  crash("abandoning");
  const source = data.shard(move.fromShard as ShardBinding);
  const target = data.shard(move.toShard as ShardBinding);
  const roomFor = roomIn(data.stats, budget, RESERVE);
  // The tombstone: no row of the account can be written on the target from now on (a runner's page in flight is
  // refused by the freeze triggers); deleting stays allowed. A later move to the target removes it at its start.
  await freeze(target, accountNo, move.id, "moved", now);
  // Children first, a page per statement; the table it got to is saved (compare-and-set) when one is done, so the
  // next call goes on from there. A save another runner made first: go on from where that one got.
  while (move.cursorTable < ACCOUNT_TABLES.length) {
    if (!roomFor()) return view(move, now, 0);
    const res = await d1Of(target)
      .prepare(deletePageSql(tableAt("switched", move.cursorTable) as AccountTable))
      .bind(accountNo)
      .run();
    const deleted = res.meta.changes ?? 0;
    const next: Cursor = {
      ...move,
      cursorTable: deleted < DELETE_PAGE ? move.cursorTable + 1 : move.cursorTable,
      cursorRows: move.cursorRows + deleted,
    };
    const saved = await saveCursor(data, move, next, now);
    move = saved ?? ((await readMove(data, move.id)) as MoveRow);
    if (move.step !== "abandoning") return view(move, now, 0);
  }
  await rawBatch(target, [arrivedStatement(accountNo, move.id)]);
  crash("cleared");
  // Stops for the next call; a call that raced this one and finished meanwhile has the account settled again.
  const stopAbandoning = async () => {
    const again = (await readMove(data, move.id)) ?? move;
    if (again.step === "abandoned") await rawBatch(source, [arrivedStatement(accountNo, move.id)]);
    return view(again, now, 0);
  };
  // Nothing to catch up when the move never got to record the region's progress: it never froze the source. Else the
  // account is unfrozen but kept from the source's jobs (arriving there again) until what they did meanwhile is done
  // for it: first while they leave it alone, in as many calls as the budget takes (a move stuck for months has months
  // to do), then once it is the source's own again, for what the region did in between.
  const catchUp = move.chargedTo !== null;
  await rawBatch(source, [
    ...(catchUp ? [arrivingStatement(accountNo, move.id, now)] : []),
    ["DELETE FROM account_freezes WHERE account_no = ? AND move_id = ? AND state = 'frozen'", accountNo, move.id],
  ]);
  crash("unfrozen");
  if (catchUp && (await catchUpAndSettle(data, source, move, region, now, roomFor, opts.notify)) !== "done") return stopAbandoning();
  // A copy this move marked before a switch that did not happen names the source, trusted again.
  await settlePlace(data, accountNo, move.id, move.fromShard);
  await data.global
    .update(shardMoves)
    .set({ step: "abandoned", updatedAt: now })
    .where(and(eq(shardMoves.id, move.id), eq(shardMoves.step, "abandoning")));
  // Settled on the source (again, after the step: a racing call that listed it as arriving reads "abandoned" after).
  await rawBatch(source, [arrivedStatement(accountNo, move.id)]);
  log("info", "shard.move_abandoned", { moveId: move.id, from: move.fromShard, to: move.toShard });
  return view((await readMove(data, move.id)) ?? move, now, 0);
}
