import { and, asc, eq, gt, sql } from "drizzle-orm";
import {
  accounts,
  archiveProgress,
  ledgerEntries,
  ledgerPeriods,
  moneyArchives,
  paymentEvents,
  payments,
  receipts,
} from "../../db/schema/region";
import { settledHere } from "../../platform/arriving";
import { type DataAccess, inList, rawBatch, type ShardBinding } from "../../platform/db";
import type { RegionDb } from "../../platform/db.types";
import { AppError } from "../../platform/errors";
import { gunzipText, gzipText } from "../../platform/gzip";
import { idTime } from "../../platform/ids";
import { log } from "../../platform/log";
import { ARCHIVE_AFTER_MONTHS } from "./archive.limits";
import { type HistoryFilter, historyPageQuery, runningBalanceQuery } from "./ledger.service";

/**
 * The money archive: an account's money history older than {@link ARCHIVE_AFTER_MONTHS} months leaves D1 for R2, a
 * year at a time, so a shard's size is bounded by its accounts, not by the years they have been there.
 *
 * - **What goes.** A year's every ledger entry booked in it (by local day), its closed months (`ledger_periods`),
 *   the payments made in it that are finished (succeeded, failed, refunded: {@link yearEndMs} divides them), their
 *   events and receipts. One gzip'd JSON object per account and year, `money/<account>/<year>.json.gz`.
 * - **When.** Once the year's December is more than 36 months before the current month ({@link archivableYear}): D1
 *   keeps 37 to 48 months of an account's money, every month a subscriber, a statement or an insight reads online.
 * - **How, exactly once.** The 15-minute tick of each shard takes a page of its accounts ({@link archiveMoney}):
 *   reads what goes in one round trip, writes the objects, then one D1 batch records the archive (`money_archives`:
 *   the years, the balance at their end) and deletes the rows. The record is written only if the rows still count
 *   and sum as the objects were made from (the payments' last change included), and the deletes take only rows an
 *   archive record covers (the ledger's triggers allow no other), so an object written and not recorded (a crash,
 *   a race with a refund) changes nothing, and the next pass writes it again.
 *   A year's object is never written again: a payment of an archived year that finishes later stays in D1. A pass
 *   over a shard is made again {@link ARCHIVE_PASS_AGAIN_MS} after it ended, for the accounts it skipped.
 * - **Reading.** The balance is unchanged (the last closed month carries it). History, its running balance and its
 *   filters, the monthly statement, and a payment or receipt by id read the objects where D1 has no more
 *   ({@link historyWithArchive}, {@link monthFromArchive}, {@link archivedPayment}); an act of reconciliation opens
 *   with the archived years' closing (billing/ledger.service.ts `selectReconciliation`).
 */

export { ARCHIVE_AFTER_MONTHS };
/** Accounts one shard tick archives: one read batch, their objects (one a year each), one write batch. */
export const ARCHIVE_PAGE = 25;
/**
 * R2 objects one tick writes at most: the steady state is one a year per account (25), but the first pass over a shard
 * with years of history behind it would be many more, beside the tick's other jobs' calls. The page stops at the
 * account that would pass it (the first account always goes), and the next tick goes on from there.
 */
export const ARCHIVE_OBJECTS = 100;
/** Ledger rows (to go) of the accounts one tick reads at most: a year of 25 accounts is about 1,200 (a closed month keeps some four lines). */
export const ARCHIVE_ROWS = 20_000;
/** How long a pass holds its shard's lease: past a Worker's longest invocation, so a pass never outlives it. */
export const ARCHIVE_LEASE_MS = 15 * 60_000;
/** A prime below 2^30: the payments' change times summed modulo it stay exact in JavaScript for any number of them. */
const CHANGE_MODULUS = 1_000_000_007;
/** A shard's pass, once done for its year, is made again after this long: accounts it skipped (a move under way, a row changed) get their turn. */
export const ARCHIVE_PASS_AGAIN_MS = 30 * 24 * 3600_000;
export const ARCHIVE_OBJECT_VERSION = 1;
/** The payments a year takes: those whose state no longer changes. */
export const FINISHED_PAYMENT = ["succeeded", "failed", "refunded"] as const;
/**
 * How far an entry's time may lie from its booked day (a late refund booked on the month's first open day, a move's
 * catch-up charging past days): the history reads the archive's newest years as well while its page is this close to
 * them, so that no archived entry is left out of the order.
 */
const ORDER_MARGIN_MS = 93 * 24 * 3600_000;

export const archiveKey = (accountNo: string, year: number) => `money/${accountNo}/${year}.json.gz`;

/** 12:00 UTC on 31 December: a payment made before it was made in that year or earlier in every Russian region (UTC+2 to UTC+12). */
export function yearEndMs(year: number): number {
  return Date.UTC(year, 11, 31, 12);
}

/** The year a payment made at `ms` belongs to (see {@link yearEndMs}). */
export function paymentYear(ms: number): number {
  const y = new Date(ms).getUTCFullYear();
  return ms < yearEndMs(y) ? y : y + 1;
}

/** The last year whose money may leave D1 at `now`: its December is more than 36 months before now's month. */
export function archivableYear(now: Date): number {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - ARCHIVE_AFTER_MONTHS, 1)).getUTCFullYear() - 1;
}

type Entry = typeof ledgerEntries.$inferSelect;
type Period = typeof ledgerPeriods.$inferSelect;
type Payment = typeof payments.$inferSelect;
type PaymentEvent = typeof paymentEvents.$inferSelect;
type Receipt = typeof receipts.$inferSelect;
export type MoneyArchive = typeof moneyArchives.$inferSelect;

/** One account's archived year, as its object holds it (times as ISO strings in the JSON). */
export interface MoneyYear {
  v: typeof ARCHIVE_OBJECT_VERSION;
  accountNo: string;
  year: number;
  /** The balance before the year's first entry and after its last (every entry booked up to then). */
  openingKop: number;
  closingKop: number;
  entries: Entry[];
  periods: Period[];
  payments: Payment[];
  paymentEvents: PaymentEvent[];
  receipts: Receipt[];
}

const dated = <T>(row: T, keys: (keyof T)[]): T => {
  const out = { ...row };
  for (const k of keys) if (out[k] != null) out[k] = new Date(out[k] as string) as T[keyof T];
  return out;
};

export async function encodeYear(y: MoneyYear): Promise<Uint8Array> {
  return gzipText(JSON.stringify(y));
}

export async function decodeYear(body: ReadableStream | Uint8Array | ArrayBuffer): Promise<MoneyYear> {
  const y = JSON.parse(await gunzipText(body)) as MoneyYear;
  if (y.v !== ARCHIVE_OBJECT_VERSION) throw new Error("money archive object: unknown format");
  return {
    ...y,
    entries: y.entries.map((e) => dated(e, ["occurredAt", "createdAt"])),
    periods: y.periods.map((p) => dated(p, ["closedAt"])),
    payments: y.payments.map((p) => dated(p, ["createdAt", "updatedAt"])),
    paymentEvents: y.paymentEvents.map((e) => dated(e, ["at"])),
    receipts: y.receipts.map((r) => dated(r, ["issuedAt"])),
  };
}

/** An archived year of an account, or null when its object is missing (logged: the record says it is there). */
export async function readYear(files: R2Bucket, accountNo: string, year: number): Promise<MoneyYear | null> {
  const obj = await files.get(archiveKey(accountNo, year));
  if (!obj) {
    log("error", "billing.archive_object_missing", { year });
    return null;
  }
  return decodeYear(await obj.arrayBuffer());
}

/** An archived year a record says is there: a missing object is a 503 (logged), never a history or balance without it. */
export async function requireYear(files: R2Bucket, accountNo: string, year: number): Promise<MoneyYear> {
  const y = await readYear(files, accountNo, year);
  if (!y) throw new AppError(503, "internal");
  return y;
}

/** The account's archive record (none: nothing archived), for a caller's `db.batch`. */
export function archiveQuery(db: RegionDb, accountNo: string) {
  return db.select().from(moneyArchives).where(eq(moneyArchives.accountNo, accountNo));
}

/** Newest first, as the history lists entries: by time, then id. */
const newestFirst = (a: Entry, b: Entry) => b.occurredAt.getTime() - a.occurredAt.getTime() || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);

function matches(e: Entry, f: HistoryFilter): boolean {
  if (f.from && e.localDay < f.from) return false;
  if (f.to && e.localDay > f.to) return false;
  if (f.kinds?.length && !f.kinds.includes(e.kind)) return false;
  if (f.serviceId && e.serviceId !== f.serviceId) return false;
  if (f.before) {
    const at = e.occurredAt.getTime();
    if (at > f.before.at || (at === f.before.at && e.id >= f.before.id)) return false;
  }
  return true;
}

const isNewer = (a: Entry, b: Entry) => newestFirst(a, b) < 0;

/**
 * A page of the account's history (newest first, one more than the limit), D1's rows and, where they run out or come
 * near the archived years, the archive's, merged in one order; and the balance after the page's first entry. D1's
 * page and the archive record are one round trip; an account with nothing archived reads no more than before.
 *
 * The running balance is exact whatever the order entries were booked in (a late refund, a charge run days after its
 * day): the balance after an entry is what D1 sums up to it plus the archived years' closing (`runningBalanceQuery`),
 * less every archived entry that came after it — those of the archived years newer than the ones read (all of them,
 * by the years' closings) and those of the years read, one year beyond the filter's on each side included. A year's
 * object that is missing is a 503, not a wrong balance.
 */
export async function historyWithArchive(
  db: RegionDb,
  files: R2Bucket,
  accountNo: string,
  f: HistoryFilter,
): Promise<{ rows: Entry[]; balanceAfterFirst: number }> {
  const [rows, [archive]] = await db.batch([historyPageQuery(db, accountNo, f), archiveQuery(db, accountNo)]);
  const running = async (first: Entry | undefined, later = 0) =>
    first ? ((await runningBalanceQuery(db, accountNo, first).get())?.s ?? 0) - later : 0;
  if (!archive) return { rows, balanceAfterFirst: await running(rows[0]) };
  const boundary = Date.UTC(archive.throughYear + 1, 0, 1);
  const last = rows[rows.length - 1];
  const needed = rows.length <= f.limit || (last !== undefined && last.occurredAt.getTime() < boundary + ORDER_MARGIN_MS);
  const fromYear = Math.max(archive.firstYear, f.from ? Number(f.from.slice(0, 4)) : archive.firstYear);
  // Objects hold a year's entries by booked day, as `from` and `to` filter them, and the cursor is by time: a year
  // more on each side, for entries whose time lies past their year's.
  let year = archive.throughYear;
  if (f.to) year = Math.min(year, new Date(Date.parse(`${f.to}T00:00:00Z`) + ORDER_MARGIN_MS).getUTCFullYear());
  if (f.before) year = Math.min(year, new Date(f.before.at + ORDER_MARGIN_MS).getUTCFullYear());
  // A year below `from` is read for the balance alone: its entries may have come after the page's first.
  const lowest = Math.max(archive.firstYear, fromYear - 1);
  if (!needed || !(year >= lowest)) return { rows, balanceAfterFirst: await running(rows[0]) };
  const matching: Entry[] = [];
  const read: Entry[] = [];
  let newestRead: MoneyYear | null = null;
  let fullAt: number | null = null;
  // Years newest first, until the page is full and one more year was read.
  for (; year >= lowest && (fullAt === null || year >= fullAt - 1); year--) {
    const y = await requireYear(files, accountNo, year);
    newestRead ??= y;
    read.push(...y.entries);
    if (year >= fromYear) matching.push(...y.entries.filter((e) => matches(e, f)));
    if (fullAt === null && matching.length > f.limit) fullAt = year;
  }
  const merged = [...rows, ...matching].toSorted(newestFirst).slice(0, f.limit + 1);
  const first = merged[0];
  // Archived entries after the first: the years newer than those read, and those of the years read.
  const newerYears = archive.closingKop - (newestRead?.closingKop ?? archive.closingKop);
  const later = first ? newerYears + read.filter((e) => isNewer(e, first)).reduce((t, e) => t + e.amountKop, 0) : 0;
  return { rows: merged, balanceAfterFirst: await running(first, later) };
}

/** A closed month of an archived year: its period row (undefined when the year has none for it). */
export async function monthFromArchive(db: RegionDb, files: R2Bucket, accountNo: string, month: string) {
  const archive = await archiveQuery(db, accountNo).get();
  const year = Number(month.slice(0, 4));
  if (!archive || year < archive.firstYear || year > archive.throughYear) return undefined;
  return (await requireYear(files, accountNo, year)).periods.find((p) => p.month === month);
}

/**
 * A payment that went to the archive, with its receipt: looked for in the year its id was made in (payments go to
 * the archive by the year they were made in; an id that is not a time-ordered one is in none), one object read.
 */
export async function archivedPayment(db: RegionDb, files: R2Bucket, accountNo: string, paymentId: string) {
  const year = idYear(paymentId);
  if (year === null) return null;
  const archive = await archiveQuery(db, accountNo).get();
  if (!archive || year < archive.firstYear || year > archive.throughYear) return null;
  const y = await requireYear(files, accountNo, year);
  const payment = y.payments.find((p) => p.id === paymentId);
  return payment ? { payment, receipt: y.receipts.find((r) => r.paymentId === paymentId) ?? null } : null;
}

/** The year a payment whose id (platform/ids.ts `newId`) was made then belongs to, or null for another kind of id. */
function idYear(id: string): number | null {
  const ms = idTime(id);
  if (ms === null) return null;
  const year = new Date(ms).getUTCFullYear();
  return year > 2000 && year < 3000 ? paymentYear(ms) : null;
}

interface Planned {
  accountNo: string;
  years: MoneyYear[];
  firstYear: number;
  closingKop: number;
  entries: number;
  entriesKop: number;
  /** The lower bound of the payments taken: where the account's archived years ended (0 when none). */
  paymentsSince: number;
  payments: number;
  /** Their times of last change, summed modulo {@link CHANGE_MODULUS}: a change of any (a refund) changes it. */
  paymentsChanged: number;
  events: number;
  receipts: number;
}

/**
 * What one account's archive through `year` is, from its rows read: its years' objects, or null when it has nothing
 * to archive, or may not yet (a month up to the year not closed, no closed month after the year to carry its balance,
 * the sums not meeting its last closed month's closing — logged).
 */
function plan(
  accountNo: string,
  year: number,
  rows: { entries: Entry[]; periods: Period[]; payments: Payment[]; events: PaymentEvent[]; receipts: Receipt[] },
  archive: MoneyArchive | undefined,
  latestPeriod: string | undefined,
): Planned | null {
  if (archive && archive.throughYear >= year) return null;
  const lastMonth = `${year}-12`;
  const december = rows.periods.find((p) => p.month === lastMonth);
  if (rows.entries.length === 0 && rows.periods.length === 0 && rows.payments.length === 0) return null;
  if (!december || !latestPeriod || latestPeriod <= lastMonth) {
    if (rows.entries.length > 0) log("warn", "billing.archive_not_closed", { year });
    return null;
  }
  const yearsOf = new Set<number>([
    ...rows.entries.map((e) => Number(e.localDay.slice(0, 4))),
    ...rows.periods.map((p) => Number(p.month.slice(0, 4))),
    ...rows.payments.map((p) => paymentYear(p.createdAt.getTime())),
  ]);
  // Nothing of a year already archived is written again (its object holds it): such a row means the ledger broke a rule.
  if (archive && [...yearsOf].some((y) => y <= archive.throughYear)) {
    log("error", "billing.archive_year_again", { year, through: archive.throughYear });
    return null;
  }
  let balance = archive?.closingKop ?? 0;
  const years: MoneyYear[] = [];
  for (const y of [...yearsOf].sort((a, b) => a - b)) {
    const entries = rows.entries.filter((e) => Number(e.localDay.slice(0, 4)) === y);
    const pays = rows.payments.filter((p) => paymentYear(p.createdAt.getTime()) === y);
    const ids = new Set(pays.map((p) => p.id));
    const opening = balance;
    balance += entries.reduce((t, e) => t + e.amountKop, 0);
    years.push({
      v: ARCHIVE_OBJECT_VERSION,
      accountNo,
      year: y,
      openingKop: opening,
      closingKop: balance,
      entries,
      periods: rows.periods.filter((p) => Number(p.month.slice(0, 4)) === y),
      payments: pays,
      paymentEvents: rows.events.filter((e) => ids.has(e.paymentId)),
      receipts: rows.receipts.filter((r) => ids.has(r.paymentId)),
    });
  }
  if (balance !== december.closingKop) {
    log("error", "billing.archive_mismatch", { year, entriesKop: balance, closingKop: december.closingKop });
    return null;
  }
  return {
    accountNo,
    years,
    firstYear: archive?.firstYear ?? (years[0] as MoneyYear).year,
    closingKop: balance,
    entries: rows.entries.length,
    entriesKop: rows.entries.reduce((t, e) => t + e.amountKop, 0),
    paymentsSince: archive?.throughMs ?? 0,
    payments: rows.payments.length,
    paymentsChanged: rows.payments.reduce((t, p) => t + (p.updatedAt.getTime() % CHANGE_MODULUS), 0),
    events: rows.events.length,
    receipts: rows.receipts.length,
  };
}

export interface ArchiveOptions {
  /** Accounts a call takes (default {@link ARCHIVE_PAGE}). */
  page?: number;
  /** Objects a call writes at most (default {@link ARCHIVE_OBJECTS}). */
  objects?: number;
  /** Ledger rows a call reads at most, the first account's whatever they are (default {@link ARCHIVE_ROWS}). */
  rows?: number;
  /** Called after the objects are written and before D1 records them (tests inject a crash or a race there). */
  afterObjects?: () => Promise<void> | void;
}

/**
 * One page of a shard's archive pass (the 15-minute tick): the next accounts after where the pass got to, each
 * archived through {@link archivableYear}. Returns how many accounts were archived and whether the pass for the
 * year is done. Safe to run again or twice at once: see the module's comment.
 */
export async function archiveMoney(
  data: DataAccess,
  files: R2Bucket,
  shard: ShardBinding,
  now = new Date(),
  opts: ArchiveOptions = {},
): Promise<{ archived: number; objects: number; done: boolean }> {
  const db = data.shard(shard);
  const size = opts.page ?? ARCHIVE_PAGE;
  const year = archivableYear(now);
  const progress = await db.select().from(archiveProgress).where(eq(archiveProgress.job, "money")).get();
  const sameYear = progress?.year === year;
  if (progress && sameYear && progress.done && now.getTime() - progress.updatedAt.getTime() < ARCHIVE_PASS_AGAIN_MS)
    return { archived: 0, objects: 0, done: true };
  // One pass at a time on a shard: a tick redelivered, or come while the last one still works, finds the lease taken.
  // (Wall-clock time: the lease is about this invocation, not the calendar the pass archives for.)
  const passId = crypto.randomUUID();
  const [claim] = await rawBatch(db, [
    [
      `INSERT INTO archive_progress (job, year, after_account, done, updated_at, lease_id, lease_until)
       VALUES ('money', ?1, '', 0, ?2, ?3, ?4 + ?5)
       ON CONFLICT (job) DO UPDATE SET lease_id = excluded.lease_id, lease_until = excluded.lease_until
       WHERE archive_progress.lease_id IS NULL OR archive_progress.lease_until <= ?4
       RETURNING year, after_account, done, updated_at`,
      year,
      now.getTime(),
      passId,
      Date.now(),
      ARCHIVE_LEASE_MS,
    ],
  ]);
  const held = claim?.results[0] as { year: number; after_account: string; done: number; updated_at: number } | undefined;
  if (!held) return { archived: 0, objects: 0, done: false };
  if (held.year === year && held.done && now.getTime() - held.updated_at < ARCHIVE_PASS_AGAIN_MS) {
    // A pass ended between the first read and the lease: nothing to do, the lease given back.
    await rawBatch(db, [["UPDATE archive_progress SET lease_id = NULL, lease_until = NULL WHERE job = 'money' AND lease_id = ?", passId]]);
    return { archived: 0, objects: 0, done: true };
  }
  // A pass goes on from its last account (as the lease's row has it now: a pass that ended since the first read has
  // moved it on); a new year's, or a month after the last pass ended, from the first.
  const after = held.year === year && !held.done ? held.after_account : "";
  const lastDay = `${year}-12-31`;
  // The page's accounts, each with its ledger rows that would go (from the ledger's index): the page stops at the
  // account that would take the read past ARCHIVE_ROWS (the first always goes), so a first pass over years of
  // history reads a bounded batch.
  const listed = await db
    .select({
      accountNo: accounts.accountNo,
      // Written out with the table's name: drizzle leaves a column of a one-table select unqualified, which the subquery
      // would read as its own (and count every account's rows).
      rows: sql<number>`(SELECT count(*) FROM ${ledgerEntries} e WHERE e.account_no = accounts.account_no AND e.local_day <= ${lastDay})`,
    })
    .from(accounts)
    .where(and(gt(accounts.accountNo, after), settledHere(accounts.accountNo)))
    .orderBy(asc(accounts.accountNo))
    .limit(size)
    .all();
  const page: string[] = [];
  let rowsRead = 0;
  for (const r of listed) {
    if (page.length > 0 && rowsRead + Number(r.rows) > (opts.rows ?? ARCHIVE_ROWS)) break;
    page.push(r.accountNo);
    rowsRead += Number(r.rows);
  }
  const cutoff = yearEndMs(year);
  // The payments that go: finished, made before the year's end, and not before the account's archived years ended (a
  // payment of an archived year that finished only later stays in D1: its year's object is never written again).
  const going = (list: string[]) =>
    sql`${payments.accountNo} IN (SELECT value FROM json_each(${JSON.stringify(list)})) AND ${payments.createdAt} < ${cutoff}
      AND ${payments.status} IN ('succeeded', 'failed', 'refunded')
      AND ${payments.createdAt} >= coalesce((SELECT ma.through_ms FROM money_archives ma WHERE ma.account_no = ${payments.accountNo}), 0)`;
  const goingIds = (list: string[]) => db.select({ id: payments.id }).from(payments).where(going(list));
  let planned: Planned[] = [];
  if (page.length > 0) {
    const [entries, periods, pays, events, recs, archives, latest] = await db.batch([
      db
        .select()
        .from(ledgerEntries)
        .where(and(inList(ledgerEntries.accountNo, page), sql`${ledgerEntries.localDay} <= ${lastDay}`)),
      db
        .select()
        .from(ledgerPeriods)
        .where(and(inList(ledgerPeriods.accountNo, page), sql`${ledgerPeriods.month} <= ${`${year}-12`}`)),
      db.select().from(payments).where(going(page)),
      db
        .select()
        .from(paymentEvents)
        .where(sql`${paymentEvents.paymentId} IN ${goingIds(page)}`),
      db
        .select()
        .from(receipts)
        .where(sql`${receipts.paymentId} IN ${goingIds(page)}`),
      db.select().from(moneyArchives).where(inList(moneyArchives.accountNo, page)),
      db
        .select({ accountNo: ledgerPeriods.accountNo, month: sql<string>`max(${ledgerPeriods.month})` })
        .from(ledgerPeriods)
        .where(inList(ledgerPeriods.accountNo, page))
        .groupBy(ledgerPeriods.accountNo),
    ]);
    const paymentAccount = new Map(pays.map((p) => [p.id, p.accountNo]));
    const archiveOf = new Map(archives.map((a) => [a.accountNo, a]));
    const latestOf = new Map(latest.map((l) => [l.accountNo, l.month]));
    planned = page.flatMap((no) => {
      const p = plan(
        no,
        year,
        {
          entries: entries.filter((e) => e.accountNo === no),
          periods: periods.filter((x) => x.accountNo === no),
          payments: pays.filter((x) => x.accountNo === no),
          events: events.filter((e) => paymentAccount.get(e.paymentId) === no),
          receipts: recs.filter((r) => paymentAccount.get(r.paymentId) === no),
        },
        archiveOf.get(no),
        latestOf.get(no),
      );
      return p ? [p] : [];
    });
  }
  // Within the tick's objects: the page ends at the last account whose years fit.
  let cut: string | undefined;
  let count = 0;
  for (const [i, p] of planned.entries()) {
    if (i > 0 && count + p.years.length > (opts.objects ?? ARCHIVE_OBJECTS)) {
      cut = planned[i - 1]?.accountNo;
      planned = planned.slice(0, i);
      break;
    }
    count += p.years.length;
  }
  const objects = planned.flatMap((p) => p.years);
  for (const y of objects) await files.put(archiveKey(y.accountNo, y.year), await encodeYear(y));
  await opts.afterObjects?.();
  const last = cut ?? page[page.length - 1];
  const done = cut === undefined && page.length === listed.length && listed.length < size;
  const statements: [string, ...unknown[]][] = [];
  if (planned.length > 0) {
    const items = JSON.stringify(
      planned.map((p) => ({
        a: p.accountNo,
        first: p.firstYear,
        closing: p.closingKop,
        since: p.paymentsSince,
        n: p.entries,
        s: p.entriesKop,
        pn: p.payments,
        pu: p.paymentsChanged,
        en: p.events,
        rn: p.receipts,
      })),
    );
    const field = (f: string) => `json_extract(j.value, '$.${f}')`;
    // The account's payments that go (as `going` above), for the item `j` of this batch: its own lower bound.
    const pays = `FROM payments p WHERE p.account_no = ${field("a")} AND p.created_at < ?3 AND p.created_at >= ${field("since")}
      AND p.status IN ('succeeded', 'failed', 'refunded')`;
    statements.push([
      `INSERT INTO money_archives (account_no, first_year, through_year, closing_kop, through_ms, archived_at, pass_id)
       SELECT ${field("a")}, ${field("first")}, ?2, ${field("closing")}, ?3, ?4, ?6 FROM json_each(?1) j
       WHERE (SELECT count(*) FROM ledger_entries e WHERE e.account_no = ${field("a")} AND e.local_day <= ?5) = ${field("n")}
         AND (SELECT coalesce(sum(e.amount_kop), 0) FROM ledger_entries e WHERE e.account_no = ${field("a")} AND e.local_day <= ?5) = ${field("s")}
         AND (SELECT count(*) ${pays}) = ${field("pn")}
         AND (SELECT coalesce(sum(p.updated_at % ${CHANGE_MODULUS}), 0) ${pays}) = ${field("pu")}
         AND (SELECT count(*) FROM payment_events pe WHERE pe.payment_id IN (SELECT p.id ${pays})) = ${field("en")}
         AND (SELECT count(*) FROM receipts r WHERE r.payment_id IN (SELECT p.id ${pays})) = ${field("rn")}
         AND NOT EXISTS (SELECT 1 FROM account_freezes f WHERE f.account_no = ${field("a")})
         AND NOT EXISTS (SELECT 1 FROM arriving_accounts r WHERE r.account_no = ${field("a")})
         AND EXISTS (SELECT 1 FROM archive_progress ap WHERE ap.job = 'money' AND ap.lease_id = ?6)
       ON CONFLICT (account_no) DO UPDATE SET through_year = excluded.through_year, closing_kop = excluded.closing_kop,
         through_ms = excluded.through_ms, archived_at = excluded.archived_at, pass_id = excluded.pass_id
       WHERE money_archives.through_year < excluded.through_year`,
      items,
      year,
      cutoff,
      now.getTime(),
      lastDay,
      passId,
    ]);
    // Only accounts whose record this batch has just written: their rows are the ones its objects were made from.
    const covered = `EXISTS (SELECT 1 FROM money_archives ma WHERE ma.account_no = ${field("a")} AND ma.through_year = ?2 AND ma.pass_id = ?4)`;
    const goingPays = `SELECT p.id FROM json_each(?1) j, payments p WHERE p.account_no = ${field("a")} AND ${covered}
      AND p.created_at < ?3 AND p.created_at >= ${field("since")} AND p.status IN ('succeeded', 'failed', 'refunded')`;
    const accountsCovered = `SELECT ${field("a")} FROM json_each(?1) j WHERE ${covered}`;
    statements.push(
      [`DELETE FROM receipts WHERE payment_id IN (${goingPays})`, items, year, cutoff, passId],
      [`DELETE FROM payment_events WHERE payment_id IN (${goingPays})`, items, year, cutoff, passId],
      [`DELETE FROM payments WHERE id IN (${goingPays})`, items, year, cutoff, passId],
      [`DELETE FROM ledger_entries WHERE account_no IN (${accountsCovered}) AND local_day <= ?3`, items, year, lastDay, passId],
      [`DELETE FROM ledger_periods WHERE account_no IN (${accountsCovered}) AND month <= ?3`, items, year, `${year}-12`, passId],
    );
  }
  // Where the pass got to, and the lease given back (only by the pass that holds it).
  statements.push([
    `UPDATE archive_progress SET year = ?1, after_account = ?2, done = ?3, updated_at = ?4, lease_id = NULL, lease_until = NULL
     WHERE job = 'money' AND lease_id = ?5`,
    year,
    last ?? after,
    done ? 1 : 0,
    now.getTime(),
    passId,
  ]);
  const results = await rawBatch(db, statements);
  const archived = planned.length > 0 ? (results[0]?.meta.changes ?? 0) : 0;
  if (archived < planned.length) log("warn", "billing.archive_changed", { shard, planned: planned.length, archived });
  return { archived, objects: objects.length, done };
}
