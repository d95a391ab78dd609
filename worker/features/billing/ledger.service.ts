import { and, desc, eq, getTableColumns, inArray, is, lt, or, SQL, sql, sum } from "drizzle-orm";
import { SQLiteAsyncDialect } from "drizzle-orm/sqlite-core";
import { accountServices, type LedgerKind, ledgerEntries, tariffs } from "../../db/schema/region";
import type { RegionDb } from "../../platform/db.types";
import { newId } from "../../platform/ids";

/**
 * The money ledger's one owner: every statement that writes `ledger_entries`
 * and every balance or sum over it is built here, from the drizzle table.
 * Features call these functions; none names the table's columns itself.
 * Entries are append-only (triggers refuse UPDATE and DELETE), amounts are
 * whole kopecks (credits positive, debits negative), and every entry has an
 * idempotency key with a unique index, so no statement here writes twice.
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
function insertSelect(values: { [K in Column]: SQL | Row[K] }, rest: SQL, orIgnore = false): SQL {
  const names = sql.join(
    columnKeys.map((k) => sql.identifier(columns[k].name)),
    sql`, `,
  );
  const exprs = sql.join(
    columnKeys.map((k) => {
      const v = values[k];
      return is(v, SQL) ? v : sql.param(v, columns[k]);
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

/** The balance of one account as an SQL expression (the sum of its entries; 0 without any). */
function balanceSql(accountNo: string): SQL {
  return sql`(SELECT coalesce(sum(${ledgerEntries.amountKop}), 0) FROM ${ledgerEntries} WHERE ${ledgerEntries.accountNo} = ${accountNo})`;
}

/**
 * A plain insert of one entry, for a caller's `db.batch`: a repeated
 * idempotency key fails the statement (and so the batch).
 */
export function insertEntry(db: RegionDb, e: NewEntry) {
  return db.insert(ledgerEntries).values(toRow(e, e.createdAt ?? e.occurredAt));
}

/**
 * Appends one ledger entry; a repeated idempotency key changes nothing and
 * returns false. Amounts are whole kopecks, credits positive, debits negative.
 */
export async function appendEntry(db: RegionDb, e: NewEntry): Promise<boolean> {
  const inserted = await db
    .insert(ledgerEntries)
    .values(toRow(e, e.createdAt ?? new Date()))
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

/** An account's balance: the sum of its ledger. */
export async function balanceOf(db: RegionDb, accountNo: string): Promise<number> {
  const row = await db
    .select({ s: sql<number>`coalesce(sum(${ledgerEntries.amountKop}), 0)` })
    .from(ledgerEntries)
    .where(eq(ledgerEntries.accountNo, accountNo))
    .get();
  return Number(row?.s ?? 0);
}

/** The balances of many accounts of one shard (accounts without entries are absent), for a caller's `db.batch`. */
export function selectBalances(db: RegionDb, accountNos: string[]) {
  return db
    .select({ accountNo: ledgerEntries.accountNo, balanceKop: sum(ledgerEntries.amountKop).mapWith(Number) })
    .from(ledgerEntries)
    .where(inArray(ledgerEntries.accountNo, accountNos))
    .groupBy(ledgerEntries.accountNo);
}

/** What each of these accounts was charged on a local day, in kopecks (a positive figure); accounts not charged are absent. */
export async function chargedOnDay(db: RegionDb, accountNos: string[], day: string): Promise<Map<string, number>> {
  const rows = await db
    .select({ accountNo: ledgerEntries.accountNo, kop: sql<number>`sum(${ledgerEntries.amountKop})` })
    .from(ledgerEntries)
    .where(and(inArray(ledgerEntries.accountNo, accountNos), eq(ledgerEntries.kind, "charge"), eq(ledgerEntries.localDay, day)))
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

/** A page of entries, newest first (one more than the limit, to tell if there is more), plus the balance after the page's first entry. */
export async function selectHistory(db: RegionDb, accountNo: string, f: HistoryFilter) {
  const conds = [eq(ledgerEntries.accountNo, accountNo)];
  if (f.from) conds.push(sql`${ledgerEntries.localDay} >= ${f.from}`);
  if (f.to) conds.push(sql`${ledgerEntries.localDay} <= ${f.to}`);
  if (f.kinds?.length) conds.push(inArray(ledgerEntries.kind, f.kinds));
  if (f.serviceId) conds.push(eq(ledgerEntries.serviceId, f.serviceId));
  if (f.before) {
    const at = new Date(f.before.at);
    const older = or(lt(ledgerEntries.occurredAt, at), and(eq(ledgerEntries.occurredAt, at), lt(ledgerEntries.id, f.before.id)));
    if (older) conds.push(older);
  }
  const rows = await db
    .select()
    .from(ledgerEntries)
    .where(and(...conds))
    .orderBy(desc(ledgerEntries.occurredAt), desc(ledgerEntries.id))
    .limit(f.limit + 1)
    .all();
  const first = rows[0];
  // Running balance: the sum of every entry up to and including the page's newest one.
  const balanceAfterFirst = first
    ? ((
        await db
          .select({ s: sum(ledgerEntries.amountKop).mapWith(Number) })
          .from(ledgerEntries)
          .where(
            and(
              eq(ledgerEntries.accountNo, accountNo),
              or(
                lt(ledgerEntries.occurredAt, first.occurredAt),
                and(eq(ledgerEntries.occurredAt, first.occurredAt), sql`${ledgerEntries.id} <= ${first.id}`),
              ),
            ),
          )
          .get()
      )?.s ?? 0)
    : 0;
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
    db
      .select({ s: sum(ledgerEntries.amountKop).mapWith(Number) })
      .from(ledgerEntries)
      .where(eq(ledgerEntries.accountNo, accountNo)),
  ]);
}
