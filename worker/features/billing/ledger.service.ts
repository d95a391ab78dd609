import { and, desc, eq, getTableColumns, inArray, is, lt, or, SQL, type SQLWrapper, sql, sum } from "drizzle-orm";
import { SQLiteAsyncDialect } from "drizzle-orm/sqlite-core";
import { accountServices, accounts, type LedgerKind, ledgerEntries, ledgerPeriods, moneyArchives, tariffs } from "../../db/schema/region";
import { type AccountScope, settledHere } from "../../platform/arriving";
import { monthName } from "../../platform/dates";
import { inList } from "../../platform/db";
import type { RegionDb } from "../../platform/db.types";
import { newId } from "../../platform/ids";

/**
 * The money ledger's one owner: every statement that writes `ledger_entries`
 * and every balance or sum over it is built here, from the drizzle table.
 * Features call these functions; none names the table's columns itself.
 * Entries are append-only (triggers refuse UPDATE and DELETE), amounts are
 * whole kopecks (credits positive, debits negative), and every entry has an
 * idempotency key with a unique index, so no statement here writes twice.
 *
 * Months are closed (see `closeMonthStatements`): an account's balance is the
 * closing balance of its last closed month (`ledger_periods`) plus its open
 * entries, those on local days after that month. A closed month keeps its
 * individual money events (payments, refunds, bonuses, promised payments,
 * adjustments) and one rolled-up charge per service instead of the daily ones.
 * An entry written later with a date in a closed month (a late refund) is
 * booked on the first open local day; its `occurredAt`, the date shown, stays.
 */

/** One SQL statement and its parameters, as `rawBatch` runs it in a D1 batch (one transaction). */
export type RawStatement = [string, ...unknown[]];

export interface NewEntry {
  accountNo: string;
  kind: LedgerKind;
  amountKop: number;
  occurredAt: Date;
  localDay: string;
  serviceId?: string | null;
  descriptionRu: string;
  descriptionEn: string;
  idempotencyKey: string;
  /** A stable id (the demo seed's); a new time-ordered id otherwise. */
  id?: string;
  /** When the row was written; `occurredAt` when not given. */
  createdAt?: Date;
}

type Row = typeof ledgerEntries.$inferInsert;
type Column = keyof Row;
const columns = getTableColumns(ledgerEntries);
const columnKeys = Object.keys(columns) as Column[];
const dialect = new SQLiteAsyncDialect();

function wholeKopecks(amountKop: number) {
  if (!Number.isSafeInteger(amountKop)) throw new RangeError("amountKop must be a whole number of kopecks");
}

function toRow(e: NewEntry, createdAt: Date): Required<Row> {
  wholeKopecks(e.amountKop);
  return {
    id: e.id ?? newId(e.occurredAt.getTime()),
    accountNo: e.accountNo,
    kind: e.kind,
    amountKop: e.amountKop,
    occurredAt: e.occurredAt,
    localDay: e.localDay,
    serviceId: e.serviceId ?? null,
    descriptionRu: e.descriptionRu,
    descriptionEn: e.descriptionEn,
    idempotencyKey: e.idempotencyKey,
    createdAt,
  };
}

/** `INSERT [OR IGNORE] INTO ledger_entries (<every column>) SELECT <one value or expression per column> <rest>`. */
function insertSelect(values: { [K in Column]: SQL | Row[K] }, rest: SQL, orIgnore = false, book = true): SQL {
  const names = sql.join(
    columnKeys.map((k) => sql.identifier(columns[k].name)),
    sql`, `,
  );
  const exprs = sql.join(
    columnKeys.map((k) => {
      const v = values[k];
      const expr = is(v, SQL) ? v : sql`${sql.param(v, columns[k])}`;
      return k === "localDay" && book ? bookedDaySql(expr, is(values.accountNo, SQL) ? values.accountNo : String(values.accountNo)) : expr;
    }),
    sql`, `,
  );
  return sql`INSERT ${orIgnore ? sql`OR IGNORE ` : sql``}INTO ${ledgerEntries} (${names}) SELECT ${exprs} ${rest}`;
}

const onKeyConflict = sql`ON CONFLICT (${sql.identifier(columns.idempotencyKey.name)}) DO NOTHING`;

function raw(statement: SQL): RawStatement {
  const q = dialect.sqlToQuery(statement);
  return [q.sql, ...q.params];
}

const FROM_DAY = sql.identifier("from_day");

/**
 * The account's first open local day as a one-row query (column `from_day`): the day after its last closed month
 * ('' when none is closed).
 */
function openFromQuery(accountNo: SQLWrapper | string): SQL {
  return sql`SELECT coalesce(date(max(${ledgerPeriods.month}) || '-01', '+1 month'), '') ${FROM_DAY} FROM ${ledgerPeriods} WHERE ${ledgerPeriods.accountNo} = ${accountNo}`;
}

/** The account's first open local day: the day after its last closed month ('' when none is closed). */
function openFromSql(accountNo: SQLWrapper | string): SQL {
  return sql`(${openFromQuery(accountNo)})`;
}

/**
 * SQL condition: `day` is in the account's open months (after its last closed one). A month's close rolled its daily
 * charges into one line and deleted them, so a day of it charged again would be charged twice.
 */
export function dayIsOpen(day: string, accountNo: SQLWrapper | string): SQL {
  return sql`${day} >= ${openFromSql(accountNo)}`;
}

/** A local day as booked: a day of a closed month becomes the account's first open day. */
function bookedDaySql(localDay: SQLWrapper | string, accountNo: SQLWrapper | string): SQL {
  return sql`max(${localDay}, ${openFromSql(accountNo)})`;
}

/**
 * The balance of one account as an SQL expression: the closing balance of its
 * last closed month plus the entries on later days (0 without any). Exported
 * for a caller's own SELECT over accounts (`accountNo` its column).
 */
export function balanceSql(accountNo: SQLWrapper | string): SQL {
  // The first open day is a one-row table joined to the entries, so it is worked out once: as a subquery in the
  // WHERE clause SQLite ran it again for every entry of the account. (An aggregate subquery joined to a table is
  // never flattened into the join, so it stays one row.)
  const open = sql.identifier("open");
  return sql`(coalesce((SELECT ${ledgerPeriods.closingKop} FROM ${ledgerPeriods} WHERE ${ledgerPeriods.accountNo} = ${accountNo} ORDER BY ${ledgerPeriods.month} DESC LIMIT 1), 0)
    + (SELECT coalesce(sum(${ledgerEntries.amountKop}), 0) FROM (${openFromQuery(accountNo)}) ${open}, ${ledgerEntries}
      WHERE ${ledgerEntries.accountNo} = ${accountNo} AND ${ledgerEntries.localDay} >= ${open}.${FROM_DAY}))`;
}

/**
 * A plain insert of one entry, for a caller's `db.batch`: a repeated
 * idempotency key fails the statement (and so the batch).
 */
export function insertEntry(db: RegionDb, e: NewEntry) {
  return db.insert(ledgerEntries).values(booked(toRow(e, e.createdAt ?? e.occurredAt)));
}

/** A row whose local day is booked into the open period (see the module's comment). */
function booked(row: Required<Row>) {
  return { ...row, localDay: bookedDaySql(row.localDay, row.accountNo) };
}

/**
 * Appends one ledger entry; a repeated idempotency key changes nothing and
 * returns false. Amounts are whole kopecks, credits positive, debits negative.
 */
export async function appendEntry(db: RegionDb, e: NewEntry): Promise<boolean> {
  const inserted = await db
    .insert(ledgerEntries)
    .values(booked(toRow(e, e.createdAt ?? new Date())))
    .onConflictDoNothing({ target: ledgerEntries.idempotencyKey })
    .returning({ id: ledgerEntries.id });
  return inserted.length > 0;
}

/**
 * A conditional entry, for a caller's `rawBatch`: written only if `guard`
 * (an SQL condition, e.g. that the payment is now `succeeded`) holds when the
 * batch runs, and never twice for its idempotency key. Built for one batch
 * with the state change the guard reads, so money moves with it or not at all.
 */
export function entryIf(e: NewEntry, guard: SQL): RawStatement {
  return raw(insertSelect(toRow(e, e.createdAt ?? e.occurredAt), sql`WHERE ${guard} ${onKeyConflict}`));
}

/**
 * A debit of the account's whole balance when it is positive (the rest paid
 * back on termination), for a caller's `rawBatch`; nothing when the balance is
 * zero or less, and never twice for its idempotency key.
 */
export function debitWholeBalance(e: Omit<NewEntry, "amountKop">): RawStatement {
  const row = toRow({ ...e, amountKop: 0 }, e.createdAt ?? e.occurredAt);
  const b = sql.identifier("b");
  return raw(
    insertSelect(
      { ...row, amountKop: sql`-${b}.${sql.identifier("s")}` },
      sql`FROM (SELECT ${balanceSql(e.accountNo)} ${sql.identifier("s")}) ${b} WHERE ${b}.${sql.identifier("s")} > 0 ${onKeyConflict}`,
    ),
  );
}

/**
 * Entries made from a query, one per row it returns (the day's charges of a
 * shard): `values` gives each column's expression over `from` (the FROM …
 * WHERE … of that query). A row whose idempotency key or id is already in the
 * ledger is skipped. Returns how many entries were written.
 */
export async function appendSelected(db: RegionDb, values: { [K in Column]: SQL }, from: SQL): Promise<number> {
  const result = await db.run(insertSelect(values, from, true));
  return result.meta.changes ?? 0;
}

/**
 * One entry as the demo seed writes it: the ledger's column names and the
 * values D1 stores (times as epoch milliseconds), for a plain SQL file.
 */
export function seedRow(e: NewEntry): Record<string, string | number | null> {
  const row = toRow(e, e.createdAt ?? e.occurredAt);
  return Object.fromEntries(
    columnKeys.map((k) => [columns[k].name, columns[k].mapToDriverValue(row[k] as never) as string | number | null]),
  );
}

/** An account's balance as one row `{ s }` (none for an unknown account), for a caller's `db.batch`. */
function selectBalance(db: RegionDb, accountNo: string) {
  return db
    .select({ s: sql<number>`${balanceSql(accountNo)}`.mapWith(Number) })
    .from(accounts)
    .where(eq(accounts.accountNo, accountNo));
}

/** An account's balance: the sum of everything that ever happened on it (closing balance + open entries). */
export async function balanceOf(db: RegionDb, accountNo: string): Promise<number> {
  const row = await selectBalance(db, accountNo).get();
  return Number(row?.s ?? 0);
}

/** The balances of many accounts of one shard, for a caller's `db.batch`. */
export function selectBalances(db: RegionDb, accountNos: string[]) {
  return db
    .select({ accountNo: accounts.accountNo, balanceKop: sql<number>`${balanceSql(accounts.accountNo)}`.mapWith(Number) })
    .from(accounts)
    .where(inList(accounts.accountNo, accountNos));
}

/**
 * The address, status and balance of many accounts of one shard, the numbers bound as one JSON array (any number
 * of them within D1's 100 bound values), for a caller's `db.batch`.
 */
export function selectAccountBalancesIn(db: RegionDb, accountNos: readonly string[]) {
  return db
    .select({
      accountNo: accounts.accountNo,
      address: accounts.address,
      status: accounts.status,
      balanceKop: sql<number>`${balanceSql(accounts.accountNo)}`.mapWith(Number),
    })
    .from(accounts)
    .where(sql`${accounts.accountNo} IN (SELECT value FROM json_each(${JSON.stringify(accountNos)}))`);
}

/** What each of these accounts was charged on a local day, in kopecks (a positive figure); accounts not charged are absent. */
export async function chargedOnDay(db: RegionDb, accountNos: string[], day: string): Promise<Map<string, number>> {
  const rows = await db
    .select({ accountNo: ledgerEntries.accountNo, kop: sql<number>`sum(${ledgerEntries.amountKop})` })
    .from(ledgerEntries)
    .where(and(inList(ledgerEntries.accountNo, accountNos), eq(ledgerEntries.kind, "charge"), eq(ledgerEntries.localDay, day)))
    .groupBy(ledgerEntries.accountNo);
  return new Map(rows.map((r) => [r.accountNo, -Number(r.kop)]));
}

/** What an account's services were charged on a local day, by kind of tariff (positive kopecks). */
export async function chargedByTariffKind(db: RegionDb, accountNo: string, day: string) {
  const rows = await db
    .select({ kind: tariffs.kind, kop: sql<number>`-sum(${ledgerEntries.amountKop})` })
    .from(ledgerEntries)
    .innerJoin(accountServices, eq(accountServices.id, ledgerEntries.serviceId))
    .innerJoin(tariffs, eq(tariffs.id, accountServices.tariffId))
    .where(and(eq(ledgerEntries.accountNo, accountNo), eq(ledgerEntries.kind, "charge"), eq(ledgerEntries.localDay, day)))
    .groupBy(tariffs.kind);
  return rows.map((r) => ({ kind: r.kind, kop: Number(r.kop) }));
}

/** When the account's last payment came in, or null if it never had one. */
export async function lastPaymentAt(db: RegionDb, accountNo: string): Promise<Date | null> {
  const row = await db
    .select({ at: ledgerEntries.occurredAt })
    .from(ledgerEntries)
    .where(and(eq(ledgerEntries.accountNo, accountNo), eq(ledgerEntries.kind, "payment")))
    .orderBy(desc(ledgerEntries.occurredAt))
    .limit(1)
    .get();
  return row?.at ?? null;
}

export interface HistoryFilter {
  from?: string;
  to?: string;
  kinds?: LedgerKind[];
  serviceId?: string;
  /** Entries strictly older than this (occurredAt ms, id). */
  before?: { at: number; id: string };
  limit: number;
}

/**
 * A page of entries, newest first (one more than the limit, to tell if there is more). It walks
 * `ledger_account_history_idx` back from the newest entry (or the cursor) and tests each entry's day in the index
 * itself, so a month years back costs a few index pages, not a row read for every newer entry.
 */
export function historyPageQuery(db: RegionDb, accountNo: string, f: HistoryFilter) {
  const conds = [eq(ledgerEntries.accountNo, accountNo)];
  if (f.from) conds.push(sql`${ledgerEntries.localDay} >= ${f.from}`);
  if (f.to) conds.push(sql`${ledgerEntries.localDay} <= ${f.to}`);
  // Each kind once, as one parameter: `type=bonus,bonus,…` named one a hundred times.
  if (f.kinds?.length) conds.push(inList(ledgerEntries.kind, [...new Set(f.kinds)]));
  if (f.serviceId) conds.push(eq(ledgerEntries.serviceId, f.serviceId));
  if (f.before) {
    const at = new Date(f.before.at);
    const older = or(lt(ledgerEntries.occurredAt, at), and(eq(ledgerEntries.occurredAt, at), lt(ledgerEntries.id, f.before.id)));
    if (older) conds.push(older);
  }
  return db
    .select()
    .from(ledgerEntries)
    .where(and(...conds))
    .orderBy(desc(ledgerEntries.occurredAt), desc(ledgerEntries.id))
    .limit(f.limit + 1);
}

/**
 * The account's balance after an entry: the sum of every entry up to and including it, from the index alone, plus
 * the balance at the end of the years archived to R2 (billing/archive.service.ts; their entries left D1).
 */
export function runningBalanceQuery(db: RegionDb, accountNo: string, upTo: { occurredAt: Date; id: string }) {
  return db
    .select({
      s: sql<number>`coalesce(${sum(ledgerEntries.amountKop)}, 0) + coalesce((SELECT ${moneyArchives.closingKop} FROM ${moneyArchives} WHERE ${moneyArchives.accountNo} = ${accountNo}), 0)`.mapWith(
        Number,
      ),
    })
    .from(ledgerEntries)
    .where(
      and(
        eq(ledgerEntries.accountNo, accountNo),
        or(
          lt(ledgerEntries.occurredAt, upTo.occurredAt),
          and(eq(ledgerEntries.occurredAt, upTo.occurredAt), sql`${ledgerEntries.id} <= ${upTo.id}`),
        ),
      ),
    );
}

/** A page of entries, newest first (one more than the limit, to tell if there is more), plus the balance after the page's first entry. */
export async function selectHistory(db: RegionDb, accountNo: string, f: HistoryFilter) {
  const rows = await historyPageQuery(db, accountNo, f).all();
  const first = rows[0];
  // Running balance: the sum of every entry up to and including the page's newest one.
  const balanceAfterFirst = first ? ((await runningBalanceQuery(db, accountNo, first).get())?.s ?? 0) : 0;
  return { rows, balanceAfterFirst };
}

/** Spending (charges) per month and service since a local day, and the account's balance: one round trip (a D1 batch). */
export function selectSpending(db: RegionDb, accountNo: string, sinceDay: string) {
  return db.batch([
    db
      .select({
        month: sql<string>`substr(${ledgerEntries.localDay}, 1, 7)`,
        serviceId: ledgerEntries.serviceId,
        description: ledgerEntries.descriptionRu,
        descriptionEn: ledgerEntries.descriptionEn,
        spentKop: sql<number>`-sum(${ledgerEntries.amountKop})`,
      })
      .from(ledgerEntries)
      .where(and(eq(ledgerEntries.accountNo, accountNo), eq(ledgerEntries.kind, "charge"), sql`${ledgerEntries.localDay} >= ${sinceDay}`))
      .groupBy(sql`substr(${ledgerEntries.localDay}, 1, 7)`, ledgerEntries.serviceId),
    selectBalance(db, accountNo),
  ]);
}

/** The first and last local day of a month (YYYY-MM). */
export function monthDays(month: string): { first: string; last: string } {
  const [y, m] = month.split("-").map(Number) as [number, number];
  return { first: `${month}-01`, last: new Date(Date.UTC(y, m, 0)).toISOString().slice(0, 10) };
}

/**
 * The close of `month` for the accounts of `region` in (afterAccount, lastAccount]:
 * three statements for one `rawBatch` (one transaction, a dozen parameters
 * whatever the page's size).
 * 1. A `ledger_periods` row per account that has no closed month from this
 *    one on: opening = the closing of its last closed month + its entries
 *    between that and this month; the month's totals by kind; closing =
 *    opening + the month.
 * 2. The month's daily charges (`charge:` keys) rolled up into one entry per
 *    service, keyed `rollup:<account>:<month>:<service>`, dated at the last
 *    charge of the month: «Абонентская плата за <месяц>: <услуга>».
 * 3. The daily charges deleted (the ledger's trigger allows it only for a
 *    closed month whose rolled-up entry is there).
 * Run again, it changes nothing: the period exists, the daily rows are gone.
 */
export function closeMonthStatements(
  region: string,
  month: string,
  afterAccount: string,
  lastAccount: string,
  now: Date,
  taken: AccountScope = settledHere,
): RawStatement[] {
  const { first, last } = monthDays(month);
  const nameRu = monthName(month, "ru");
  const nameEn = monthName(month, "en");
  const e = sql.identifier("e");
  const p = ledgerPeriods;
  const page = sql`(SELECT ${accounts.accountNo} FROM ${accounts} WHERE ${accounts.region} = ${region} AND ${accounts.accountNo} > ${afterAccount} AND ${accounts.accountNo} <= ${lastAccount} AND ${taken(accounts.accountNo)})`;
  const inMonth = sql`${e}.local_day >= ${first} AND ${e}.local_day <= ${last}`;
  const kindSum = (kind: LedgerKind) => sql`sum(CASE WHEN ${e}.kind = ${kind} THEN ${e}.amount_kop ELSE 0 END)`;
  const lastClosing = sql`coalesce((SELECT lp.closing_kop FROM ${p} lp WHERE lp.account_no = a.account_no ORDER BY lp.month DESC LIMIT 1), 0)`;
  const between = sql`coalesce((SELECT sum(${e}.amount_kop) FROM ${ledgerEntries} ${e} WHERE ${e}.account_no = a.account_no AND ${e}.local_day >= ${openFromSql(sql`a.account_no`)} AND ${e}.local_day < ${first}), 0)`;
  // The month's totals of the page's accounts in one pass over their entries.
  const months = sql`SELECT ${e}.account_no AS account_no, sum(${e}.amount_kop) AS total,
      ${kindSum("charge")} AS charges, ${kindSum("payment")} AS payments, ${kindSum("refund")} AS refunds,
      ${kindSum("adjustment")} AS adjustments, ${kindSum("promised_payment")} AS promised, ${kindSum("bonus")} AS bonus
    FROM ${ledgerEntries} ${e} WHERE ${e}.account_no IN ${page} AND ${inMonth} GROUP BY ${e}.account_no`;
  const figures = sql`SELECT a.account_no AS account_no, ${lastClosing} + ${between} AS opening, coalesce(m.total, 0) AS total,
      coalesce(m.charges, 0) AS charges, coalesce(m.payments, 0) AS payments, coalesce(m.refunds, 0) AS refunds,
      coalesce(m.adjustments, 0) AS adjustments, coalesce(m.promised, 0) AS promised, coalesce(m.bonus, 0) AS bonus
    FROM ${accounts} a LEFT JOIN (${months}) m ON m.account_no = a.account_no
    WHERE a.account_no IN ${page}
      AND NOT EXISTS (SELECT 1 FROM ${p} later WHERE later.account_no = a.account_no AND later.month >= ${month})`;
  const insertPeriods = sql`INSERT INTO ${p} (account_no, month, opening_kop, closing_kop, charges_kop, payments_kop, refunds_kop, adjustments_kop, promised_kop, bonus_kop, closed_at)
    SELECT f.account_no, ${month}, f.opening, f.opening + f.total, f.charges, f.payments, f.refunds, f.adjustments, f.promised, f.bonus, ${now.getTime()}
    FROM (${figures}) f WHERE true ON CONFLICT DO NOTHING`;
  const daily = sql`${e}.account_no IN ${page} AND ${e}.kind = 'charge' AND ${e}.idempotency_key LIKE 'charge:%' AND ${inMonth}
    AND EXISTS (SELECT 1 FROM ${p} cp WHERE cp.account_no = ${e}.account_no AND cp.month = ${month})`;
  const key = sql`'rollup:' || ${e}.account_no || ':' || ${month} || ':' || coalesce(${e}.service_id, '-')`;
  const rollups = insertSelect(
    {
      id: sql`'rollup-' || ${e}.account_no || '-' || ${month} || '-' || coalesce(${e}.service_id, '-')`,
      accountNo: sql`${e}.account_no`,
      kind: sql`'charge'`,
      amountKop: sql`sum(${e}.amount_kop)`,
      occurredAt: sql`max(${e}.occurred_at)`,
      localDay: sql`max(${e}.local_day)`,
      serviceId: sql`${e}.service_id`,
      descriptionRu: sql`'Абонентская плата за ' || ${nameRu} || ': ' || coalesce(max(t.name_ru), max(${e}.description_ru))`,
      descriptionEn: sql`'Subscription fee for ' || ${nameEn} || ': ' || coalesce(max(t.name_en), max(${e}.description_en))`,
      idempotencyKey: key,
      createdAt: sql`${now.getTime()}`,
    },
    sql`FROM ${ledgerEntries} ${e}
      LEFT JOIN ${accountServices} s ON s.id = ${e}.service_id
      LEFT JOIN ${tariffs} t ON t.id = s.tariff_id
      WHERE ${daily}
      GROUP BY ${e}.account_no, ${e}.service_id
      ON CONFLICT DO NOTHING`,
    false,
    false,
  );
  const remove = sql`DELETE FROM ${ledgerEntries} AS ${e} WHERE ${daily}`;
  return [raw(insertPeriods), raw(rollups), raw(remove)];
}

/** The query of `closePage`: a range of an index on (region, account_no), never a sort of the region. */
export function closePageQuery(db: RegionDb, region: string, afterAccount: string, size: number) {
  return db
    .select({ accountNo: accounts.accountNo })
    .from(accounts)
    .where(and(eq(accounts.region, region), sql`${accounts.accountNo} > ${afterAccount}`, settledHere(accounts.accountNo)))
    .orderBy(accounts.accountNo)
    .limit(size);
}

/** A page of a region's account numbers after `afterAccount`, in order: what one close batch covers. */
export async function closePage(db: RegionDb, region: string, afterAccount: string, size: number): Promise<string[]> {
  const rows = await closePageQuery(db, region, afterAccount, size).all();
  return rows.map((r) => r.accountNo);
}

/**
 * The first local day of a region's ledger, or null without entries: where its
 * first close starts. One index seek per account (its earliest entry by
 * `ledger_account_history_idx`), not a scan of the region's ledger.
 */
export async function firstLedgerDay(db: RegionDb, region: string): Promise<string | null> {
  const e = sql.identifier("e");
  const earliest = sql`(SELECT ${e}.local_day FROM ${ledgerEntries} ${e} WHERE ${e}.account_no = ${accounts.accountNo} ORDER BY ${e}.occurred_at, ${e}.id LIMIT 1)`;
  const row = await db
    .select({ d: sql<string | null>`min(${earliest})` })
    .from(accounts)
    .where(and(eq(accounts.region, region), settledHere(accounts.accountNo)))
    .get();
  return row?.d ?? null;
}

/** The account's closed months (their opening and closing balances and totals by kind), newest first. */
export function selectPeriods(db: RegionDb, accountNo: string, limit = 36) {
  return db
    .select()
    .from(ledgerPeriods)
    .where(eq(ledgerPeriods.accountNo, accountNo))
    .orderBy(desc(ledgerPeriods.month))
    .limit(limit)
    .all();
}

/** A closed month of an account, or undefined. */
export function periodOf(db: RegionDb, accountNo: string, month: string) {
  return db
    .select()
    .from(ledgerPeriods)
    .where(and(eq(ledgerPeriods.accountNo, accountNo), eq(ledgerPeriods.month, month)))
    .get();
}

/**
 * What each of these accounts was charged in a month (YYYY-MM, by booked local day), per service, as positive
 * kopecks, with the service's tariff name: the lines of the month's closing documents. The same sum before and
 * after the month is closed (the roll-up keeps each service's total and books it on the month's last charge day).
 */
export async function monthChargesByService(db: RegionDb, accountNos: string[], month: string) {
  if (accountNos.length === 0) return [];
  const { first, last } = monthDays(month);
  const rows = await db
    .select({
      accountNo: ledgerEntries.accountNo,
      serviceId: ledgerEntries.serviceId,
      tariffRu: sql<string | null>`max(${tariffs.nameRu})`,
      descriptionRu: sql<string>`max(${ledgerEntries.descriptionRu})`,
      kop: sql<number>`-sum(${ledgerEntries.amountKop})`,
    })
    .from(ledgerEntries)
    .leftJoin(accountServices, eq(accountServices.id, ledgerEntries.serviceId))
    .leftJoin(tariffs, eq(tariffs.id, accountServices.tariffId))
    .where(
      and(
        inArray(ledgerEntries.accountNo, accountNos),
        eq(ledgerEntries.kind, "charge"),
        sql`${ledgerEntries.localDay} >= ${first} AND ${ledgerEntries.localDay} <= ${last}`,
      ),
    )
    .groupBy(ledgerEntries.accountNo, ledgerEntries.serviceId)
    .all();
  return rows.map((r) => ({ accountNo: r.accountNo, serviceId: r.serviceId, name: r.tariffRu ?? r.descriptionRu, kop: Number(r.kop) }));
}

/**
 * What an акт сверки needs of many accounts of one shard over local days [from, to]: three statements for one
 * `db.batch` (one round trip), the account list bound once as JSON (`json_each`), so any number of accounts stays
 * within D1's 100 bound values.
 * 1. The opening balance of each account before `from`: the closing balance of its last month closed before
 *    `from`'s month (a closed month's closing is the sum of every entry booked up to its end) plus its entries
 *    from then up to the day before `from` — a long history costs one period row and at most a month of entries.
 *    With no closed month before `from` left in D1, the balance at the end of the years archived to R2
 *    (`money_archives`; none: 0) is where it starts.
 * 2. Its charges in the period, one line per account and month (the closed months keep one rolled-up charge per
 *    service, the open ones daily charges): the sum, the last day charged.
 * 3. Every other entry in the period (payments, refunds, adjustments, promised payments, bonuses) as it is.
 * Accounts with nothing are absent from 2 and 3; every account of the list that exists has a row in 1.
 */
export function selectReconciliation(db: RegionDb, accountNos: string[], from: string, to: string) {
  const list = sql`(SELECT value FROM json_each(${JSON.stringify(accountNos)}))`;
  const month = from.slice(0, 7);
  const a = sql.identifier("a");
  const e = sql.identifier("e");
  const lastClosed = sql`(SELECT max(p.month) FROM ${ledgerPeriods} p WHERE p.account_no = ${a}.account_no AND p.month < ${month})`;
  const archived = sql`(SELECT ma.closing_kop FROM ${moneyArchives} ma WHERE ma.account_no = ${a}.account_no)`;
  const closing = sql`coalesce((SELECT p.closing_kop FROM ${ledgerPeriods} p WHERE p.account_no = ${a}.account_no AND p.month = ${lastClosed}), ${archived}, 0)`;
  const after = sql`coalesce(date(${lastClosed} || '-01', '+1 month'), '')`;
  const since = sql`coalesce((SELECT sum(${e}.amount_kop) FROM ${ledgerEntries} ${e} WHERE ${e}.account_no = ${a}.account_no AND ${e}.local_day >= ${after} AND ${e}.local_day < ${from}), 0)`;
  const inPeriod = and(
    sql`${ledgerEntries.accountNo} IN ${list}`,
    sql`${ledgerEntries.localDay} >= ${from}`,
    sql`${ledgerEntries.localDay} <= ${to}`,
  );
  const monthOf = sql<string>`substr(${ledgerEntries.localDay}, 1, 7)`;
  return [
    db
      .select({ accountNo: sql<string>`${a}.account_no`, openingKop: sql<number>`${closing} + ${since}`.mapWith(Number) })
      .from(sql`${accounts} ${a}`)
      .where(sql`${a}.account_no IN ${list}`),
    db
      .select({
        accountNo: ledgerEntries.accountNo,
        month: monthOf,
        lastDay: sql<string>`max(${ledgerEntries.localDay})`,
        amountKop: sql<number>`sum(${ledgerEntries.amountKop})`.mapWith(Number),
      })
      .from(ledgerEntries)
      .where(and(inPeriod, eq(ledgerEntries.kind, "charge")))
      .groupBy(ledgerEntries.accountNo, monthOf)
      .orderBy(ledgerEntries.accountNo, monthOf),
    db
      .select({
        id: ledgerEntries.id,
        accountNo: ledgerEntries.accountNo,
        kind: ledgerEntries.kind,
        amountKop: ledgerEntries.amountKop,
        localDay: ledgerEntries.localDay,
        occurredAt: ledgerEntries.occurredAt,
        descriptionRu: ledgerEntries.descriptionRu,
        descriptionEn: ledgerEntries.descriptionEn,
        idempotencyKey: ledgerEntries.idempotencyKey,
      })
      .from(ledgerEntries)
      .where(and(inPeriod, sql`${ledgerEntries.kind} <> 'charge'`))
      .orderBy(ledgerEntries.accountNo, ledgerEntries.localDay, ledgerEntries.occurredAt, ledgerEntries.id),
  ] as const;
}
