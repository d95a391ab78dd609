import { and, eq, isNull, sql } from "drizzle-orm";
import { getTableConfig, type SQLiteTable } from "drizzle-orm/sqlite-core";
import { REGIONS } from "../data/regions.data";
import { accountDirectory, shards } from "../db/schema/global";
import { coverage, serviceOptions, tariffs } from "../db/schema/region";
import { directoryContacts, indexContacts } from "./contract-contacts";
import { type DataAccess, d1Of, type RegionDb, rawBatch, roomIn, type ShardBinding, shardOfRegion } from "./db";
import { AppError } from "./errors";
import { log } from "./log";
import { keepPlace, placeOf } from "./places";

/** The shard map (one module owns it): which shards each branch has, which take new accounts, how full each is. */

export interface ShardRow {
  binding: string;
  branch: string;
  open: boolean;
  accounts: number;
  maxAccounts: number;
  /** Whether the branch's catalogue is on the shard ("ready"), or still being copied ("copying": PUT it again). */
  catalogue: "ready" | "copying";
}

const regionBranch = new Map(REGIONS.map((r) => [r.code, r.branch]));

/** The branch of a region (a catalogue fact). */
export function branchOfRegion(regionCode: string): string | undefined {
  return regionBranch.get(regionCode);
}

export async function listShards(data: DataAccess): Promise<ShardRow[]> {
  const rows = await data.global
    .select({
      binding: shards.binding,
      branch: shards.branch,
      open: shards.open,
      accounts: shards.accounts,
      maxAccounts: shards.maxAccounts,
      catalogueCursor: shards.catalogueCursor,
    })
    .from(shards)
    .orderBy(shards.branch, shards.binding)
    .all();
  return rows.map(({ catalogueCursor, ...row }) => ({ ...row, catalogue: catalogueCursor === null ? "ready" : "copying" }));
}

/**
 * The shard a new account of a region goes to: of its branch's open shards that this Worker is bound to, the
 * one with the most room (`maxAccounts − accounts`), the first by name on a tie; the branch's home shard when
 * the map names none. When every open shard is full it still goes to the open one least over its size (logged as an
 * error, `shard.branch_full`: the branch needs a new shard, docs/operations.md), never to a closed one: `maxAccounts`
 * is the plan's 70 % of D1's 10 GB, so a few more accounts fit while a shard is added.
 */
export async function placeAccount(data: DataAccess, regionCode: string): Promise<ShardBinding> {
  const branch = branchOfRegion(regionCode);
  const home = shardOfRegion(regionCode);
  if (!branch || !home) throw new RangeError(`unknown region ${regionCode}`);
  const rows = await data.global
    .select({ binding: shards.binding, room: sql<number>`${shards.maxAccounts} - ${shards.accounts}` })
    .from(shards)
    .where(and(eq(shards.branch, branch), eq(shards.open, true), isNull(shards.catalogueCursor)))
    .orderBy(sql`${shards.maxAccounts} - ${shards.accounts} DESC`, shards.binding)
    .all();
  const bound = rows.filter((r) => data.shards.includes(r.binding as ShardBinding));
  const roomy = bound.find((r) => r.room > 0) ?? bound[0];
  if (!roomy) {
    // No open shard with its catalogue: the branch's home shard, whatever it is (said, when the map has the branch).
    if (rows.length === 0 && (await data.global.select({ b: shards.binding }).from(shards).where(eq(shards.branch, branch)).limit(1).get()))
      log("error", "shard.branch_no_open_shard", { branch, shard: home });
    return home;
  }
  if (roomy.room <= 0) log("error", "shard.branch_full", { branch, shard: roomy.binding, over: 1 - roomy.room });
  return roomy.binding as ShardBinding;
}

/**
 * The home shard of a new subscriber (where their inbox and delivery records live): the shard of their first account
 * when it is known (its directory row's), else the open shard with the most room in their region's branch.
 */
export async function placeSubscriber(data: DataAccess, at: { shard?: string | null; region: string }): Promise<ShardBinding> {
  if (at.shard && data.shards.includes(at.shard as ShardBinding)) return at.shard as ShardBinding;
  return placeAccount(data, at.region);
}

export interface NewAccount {
  accountNo: string;
  region: string;
  contactPhone: string | null;
  contactEmail: string | null;
  now: Date;
}

/**
 * Puts a new account in the directory on the shard placement chooses, and counts it there, in one global
 * write; an account already in the directory keeps its shard (a retried creation finds it). Its contacts are indexed
 * by contact on every call, a retry's too (its subscriber may have changed them since the try that made the directory
 * row: the account's row is the truth, and an index row it does not confirm finds nothing). Returns the shard, where
 * the caller then makes the account's row with those contacts (`accounts.contact_phone`, `contact_email`).
 */
export async function registerAccount(data: DataAccess, a: NewAccount): Promise<ShardBinding> {
  // The contract's contacts: indexed by contact first, then kept by the account's row, which the caller writes
  // (platform/contract-contacts.ts); the directory keeps them only under CONTRACT_CONTACTS = "global".
  const contacts = { phone: a.contactPhone, email: a.contactEmail };
  // Where it is already (a retry): its copy or its directory row (platform/places.ts).
  const existing = await placeOf(data, a.accountNo);
  await indexContacts(data, a.accountNo, contacts, a.now);
  if (existing) {
    // A retry after the directory row: its copy in the identity stores too, if that is what failed.
    await keepPlace(data, existing, a.now);
    return existing.shard as ShardBinding;
  }
  const shard = await placeAccount(data, a.region);
  await data.global.batch([
    data.global
      .insert(accountDirectory)
      .values({
        accountNo: a.accountNo,
        region: a.region,
        shard,
        ...directoryContacts(data, contacts),
        createdAt: a.now,
      })
      .onConflictDoNothing(),
    // changes(): 1 when the row above was inserted, 0 when a parallel creation got there first.
    data.global
      .update(shards)
      .set({ accounts: sql`${shards.accounts} + changes()` })
      .where(eq(shards.binding, shard)),
  ]);
  // As the directory has it (a parallel creation may have got there first).
  const placed = await data.global
    .select({ accountNo: accountDirectory.accountNo, region: accountDirectory.region, shard: accountDirectory.shard })
    .from(accountDirectory)
    .where(eq(accountDirectory.accountNo, a.accountNo))
    .get();
  if (!placed) throw new Error(`account ${a.accountNo} not in the directory after its insert`);
  await keepPlace(data, placed, a.now);
  return placed.shard as ShardBinding;
}

/** Rows copied per statement: one JSON parameter each (D1 allows 100 bound parameters, and 100 KB of SQL). */
export const COPY_PAGE = 100;

/** `INSERT OR IGNORE` of rows read from another database, as one statement with one JSON parameter (a page). */
export function insertRowsSql(table: SQLiteTable): string {
  const { name, columns } = getTableConfig(table);
  const cols = columns.map((c) => c.name);
  const values = cols.map((c) => `json_extract(value, '$.${c}')`).join(", ");
  return `INSERT OR IGNORE INTO ${name} (${cols.join(", ")}) SELECT ${values} FROM json_each(?)`;
}

/** A key value of a row, as D1 returns and binds it. */
export type KeyValue = string | number | null;

/** The query of `readPage`: the first page, or the page after a key (bound after the `where` parameters). */
export function pageSql(name: string, where: string, key: readonly string[], after: boolean, limit: number, columns = "*"): string {
  const keys = key.map((k, i) => `${k} AS _k${i}`).join(", ");
  // Row values compare column by column, as the index is ordered: SQLite reads the index from the cursor on.
  const past = after ? ` AND (${key.join(", ")}) > (${key.map(() => "?").join(", ")})` : "";
  return `SELECT ${keys}, ${columns} FROM ${name} WHERE (${where})${past} ORDER BY ${key.join(", ")} LIMIT ${limit}`;
}

/**
 * Reads one page of the rows of `table` that match `where` (its `?` bound to `params`) after `after`, in the order
 * of `key`: columns that are unique together among the matching rows and follow an index that starts with the
 * `where` column (then each page reads its own rows only: a keyset page, not an offset or a sort of all the rows).
 * Each row comes with its key as `_k0`, `_k1`, … Three or fewer bound parameters beyond `params`.
 */
export async function readPage(
  db: RegionDb,
  table: SQLiteTable | string,
  where: string,
  params: readonly KeyValue[],
  key: readonly string[],
  after: readonly KeyValue[] | null,
  limit: number,
  columns = "*",
): Promise<{ rows: Record<string, unknown>[]; last: KeyValue[] | null }> {
  const name = typeof table === "string" ? table : getTableConfig(table).name;
  const page = await d1Of(db)
    .prepare(pageSql(name, where, key, after !== null, limit, columns))
    .bind(...params, ...(after ?? []))
    .all<Record<string, unknown>>();
  const rows = page.results;
  const lastRow = rows[rows.length - 1];
  return { rows, last: lastRow ? key.map((_, i) => lastRow[`_k${i}`] as KeyValue) : null };
}

/**
 * Copies one page (at most `COPY_PAGE` rows) of the rows of `table` that match `where` from one shard to the other
 * (`INSERT OR IGNORE`: a page copied again changes nothing); `last` is the cursor for the next page, null at the end.
 * `alongside`: statements for the target written in the same batch (one transaction) as the page's rows.
 */
export async function copyPage(
  from: RegionDb,
  to: RegionDb,
  table: SQLiteTable,
  where: string,
  params: readonly KeyValue[],
  key: readonly string[],
  after: readonly KeyValue[] | null,
  alongside: [string, ...unknown[]][] = [],
): Promise<{ copied: number; last: KeyValue[] | null }> {
  const { rows, last } = await readPage(from, table, where, params, key, after, COPY_PAGE);
  if (rows.length === 0) {
    if (alongside.length > 0) await rawBatch(to, alongside);
    return { copied: 0, last: null };
  }
  await rawBatch(to, [...alongside, [insertRowsSql(table), JSON.stringify(rows)]]);
  return { copied: rows.length, last: rows.length < COPY_PAGE ? null : last };
}

/** D1 queries one call of `registerShard` may reach before it leaves the rest of the catalogue's copy to the next. */
const REGISTER_QUERY_BUDGET = 500;

/** What a branch's shards all need, copied to a new one from the branch's home shard, in this order. */
const CATALOGUE = [tariffs, serviceOptions, coverage] as const;

interface CatalogueCursor {
  table: number;
  after: KeyValue[] | null;
}

/**
 * Adds a shard to a branch's map (or changes whether it is open and its size): the binding must be bound to this
 * Worker and migrated; the branch's region catalogue (tariffs, add-ons, coverage) is copied to it from the home
 * shard, since an account's services refer to its tariffs. A national branch's coverage is many pages, more than one
 * call's D1 queries (`maxQueries`, default `REGISTER_QUERY_BUDGET`): the copy goes on from where the last call got to
 * (`catalogue_cursor`), and the shard takes no new account until it is done (`catalogue: "copying"`: call again).
 * Safe to repeat; a shard that has its catalogue is not copied to again.
 */
export async function registerShard(
  data: DataAccess,
  binding: string,
  input: { branch: string; open: boolean; maxAccounts?: number },
  now = new Date(),
  opts: { maxQueries?: number } = {},
): Promise<ShardRow> {
  if (!data.shards.includes(binding as ShardBinding)) throw new AppError(404, "shard_not_found", { shard: binding });
  const regions = REGIONS.filter((r) => r.branch === input.branch).map((r) => r.code);
  const home = regions[0] ? shardOfRegion(regions[0]) : undefined;
  // Invalid input (errors.ts's rule): 400 with the field, not a problem of its own.
  if (!home) throw new AppError(400, "validation", {}, [{ field: "branch", message: "field.shard.branch" }]);
  const existing = await data.global.select().from(shards).where(eq(shards.binding, binding)).get();
  if (existing && existing.branch !== input.branch) throw new AppError(409, "shard_other_branch", { shard: binding });
  const target = data.shard(binding as ShardBinding);
  try {
    await d1Of(target).prepare("SELECT 1 FROM account_freezes LIMIT 1").all();
  } catch {
    throw new AppError(409, "shard_not_migrated", { shard: binding });
  }
  const start: CatalogueCursor = { table: 0, after: null };
  const row = {
    binding,
    branch: input.branch,
    open: input.open,
    maxAccounts: input.maxAccounts ?? existing?.maxAccounts ?? 1_000_000,
    createdAt: now,
    // A new shard's copy not begun yet: no account is placed on it until it is done.
    catalogueCursor: binding === home ? null : JSON.stringify(start),
  };
  await data.global
    .insert(shards)
    .values(row)
    .onConflictDoUpdate({ target: shards.binding, set: { open: row.open, maxAccounts: row.maxAccounts } });
  const saved = existing ? existing.catalogueCursor : row.catalogueCursor;
  let cursor = saved === null ? null : (JSON.parse(saved) as CatalogueCursor);
  const budget = opts.maxQueries ?? REGISTER_QUERY_BUDGET;
  // A page is its read, its write and the cursor saved; a few more are kept for the answer.
  const room = roomIn(data.stats, budget, 3 + 3);
  const marks = regions.map(() => "?").join(", ");
  while (cursor && room()) {
    const table = CATALOGUE[cursor.table];
    const page = table
      ? await copyPage(data.shard(home), target, table, `region IN (${marks})`, regions, ["rowid"], cursor.after)
      : { last: null };
    const next: CatalogueCursor | null = page.last
      ? { table: cursor.table, after: page.last }
      : cursor.table + 1 < CATALOGUE.length
        ? { table: cursor.table + 1, after: null }
        : null;
    // Compare-and-set: a PUT racing this one that got further (or finished) is not set back; this one stops.
    const prev = JSON.stringify(cursor);
    const moved = await data.global
      .update(shards)
      .set({ catalogueCursor: next ? JSON.stringify(next) : null })
      .where(and(eq(shards.binding, binding), eq(shards.catalogueCursor, prev)))
      .returning({ binding: shards.binding });
    if (moved.length === 0) break;
    cursor = next;
  }
  return (await listShards(data)).find((s) => s.binding === binding) as ShardRow;
}

/**
 * Every shard that holds accounts of a region's branch, open or closed, that this Worker is bound to: the home
 * shard first, then the others by name. What a job over a region's accounts (the daily charge) goes through.
 */
export async function branchShards(data: DataAccess, regionCode: string): Promise<ShardBinding[]> {
  const branch = branchOfRegion(regionCode);
  const home = shardOfRegion(regionCode);
  if (!branch || !home) throw new RangeError(`unknown region ${regionCode}`);
  const rows = await data.global
    .select({ binding: shards.binding })
    .from(shards)
    .where(eq(shards.branch, branch))
    .orderBy(shards.binding)
    .all();
  const more = rows.map((r) => r.binding as ShardBinding).filter((b) => b !== home && data.shards.includes(b));
  return [home, ...more];
}

/** Where a paged daily job goes on: after this account rowid on this shard. */
export interface StepCursor {
  shard: string;
  afterRowid: number;
}
/**
 * Where a paged job starts among `shards` (in their order): at the cursor's shard, after its rowid there; at the first
 * shard from its start when there is no cursor, or when its shard is not among them (its rowid is another shard's
 * numbering: the job starts again, each of its steps being once by its key).
 */
export function startAt(shards: readonly string[], from: StepCursor | undefined): { first: number; after: (i: number) => number } {
  const found = from ? shards.indexOf(from.shard) : -1;
  const first = Math.max(found, 0);
  return { first, after: (i) => (i === first && found >= 0 ? (from?.afterRowid ?? 0) : 0) };
}

/**
 * A paged call: from a cursor (the start if none), at most `limit` accounts and (where the job counts them) `calls`
 * D1 queries and queue sends, then `next` says where to go on.
 */
export interface StepPage {
  from?: StepCursor;
  limit?: number;
  calls?: number;
  /** This shard's accounts only (a chain of its own, beside the other shards' chains); else every shard in turn. */
  only?: string;
}

/** The most one statement's JSON parameter holds, in UTF-8 bytes (D1: 2 MB a string value). */
const PARAM_BYTES = 1_000_000;

/** Rows as JSON arrays of at most PARAM_BYTES each (a shard's share of a page is usually one). */
export function jsonChunks(rows: readonly object[], max = PARAM_BYTES): string[] {
  const utf8 = new TextEncoder();
  const out: string[] = [];
  let chunk: string[] = [];
  let size = 2;
  for (const r of rows) {
    const json = JSON.stringify(r);
    const bytes = utf8.encode(json).length + 1;
    if (chunk.length > 0 && size + bytes > max) {
      out.push(`[${chunk.join(",")}]`);
      chunk = [];
      size = 2;
    }
    chunk.push(json);
    size += bytes;
  }
  if (chunk.length > 0) out.push(`[${chunk.join(",")}]`);
  return out;
}
