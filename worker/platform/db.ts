import { type Column, type ExtractTablesWithRelations, type SQL, sql } from "drizzle-orm";
import { DrizzleD1Database, SQLiteD1Session } from "drizzle-orm/d1";
import { SQLiteAsyncDialect } from "drizzle-orm/sqlite-core";
import { type HomeShardBinding, REGIONS, SHARD_MAP, type ShardBinding } from "../data/regions.data";
import * as globalSchema from "../db/schema/global";
import * as identitySchema from "../db/schema/identity";
import * as messagesSchema from "../db/schema/messages";
import * as regionSchema from "../db/schema/region";

import type { GlobalDb, IdentityDb, MessagesDb, RegionDb } from "./db.types";
import { type IdentityStores, identityStoreDatabases, identityStores } from "./identity-stores";
import { log } from "./log";
import { type MessageStores, messageStoreDatabases, messageStores } from "./message-stores";
import { placeOf } from "./places";
import { type GatewaySessions, gatewayOf, remoteD1, SHARD_NAME, shardGateways } from "./shard-gateways";

export type { GlobalDb, HomeShardBinding, IdentityDb, MessagesDb, RegionDb, ShardBinding };

const regionShard = new Map(REGIONS.map((r) => [r.code, SHARD_MAP[r.branch]]));

/** Every branch's home shard, each once (regional data; the first accounts). */
export const SHARDS: readonly HomeShardBinding[] = [...new Set(Object.values(SHARD_MAP))];

/** The home shard of a region's branch: its catalogue, applications, support and cron progress. */
export function shardOfRegion(regionCode: string): HomeShardBinding | undefined {
  return regionShard.get(regionCode);
}

/** Whether a name is a regional shard's binding name (`DB` itself is the global database). */
export function isShardBinding(name: string): name is ShardBinding {
  return SHARD_NAME.test(name);
}

/**
 * The D1 database of a shard: this Worker's own binding of that name, else the shard gateway that holds it
 * (`SHARD_GATEWAYS`, platform/shard-gateways.ts); undefined when it has neither.
 */
export function shardDatabase(env: Env, binding: string, sessions?: GatewaySessions): D1Database | undefined {
  if (!isShardBinding(binding)) return undefined;
  const db = (env as unknown as Record<string, unknown>)[binding];
  if (db && typeof (db as D1Database).prepare === "function") return db as D1Database;
  const gateway = gatewayOf(env, binding);
  return gateway ? remoteD1(gateway, binding, sessions) : undefined;
}

/**
 * Every regional shard this Worker reaches, bound or through a gateway: the home shards first, then the ones added
 * (by name).
 */
export function shardBindings(env: Env): ShardBinding[] {
  const added = [...new Set([...Object.keys(env), ...shardGateways(env).keys()])]
    .filter((k) => !(SHARDS as readonly string[]).includes(k) && shardDatabase(env, k))
    .sort();
  return [...SHARDS, ...(added as ShardBinding[])];
}

/**
 * One cron job's share of a tick, given to it by the shard's own queue message (features/cron/shard-tick.ts): the
 * shards to visit (default: every one it serves), at most `limit` rows of each, from after `after` for a job whose
 * rows stay due (autopay), within `budget` calls for a job that counts them. The job sets `more` when it stopped at
 * `limit` with rows left (or at its budget), and `next` where to go on.
 */
export interface Sweep {
  shards?: readonly ShardBinding[];
  limit?: number;
  /** Calls (D1 round trips, outside calls, messages sent) the job may make: it stops before a row that might not fit. */
  budget?: number;
  after?: string;
  more?: boolean;
  next?: string;
}

/** A job's page of `rows` under a sweep: marks the sweep `more` when the page was full (rows may be left), and where to go on. */
export function sweptPage(sweep: Sweep, rows: number, next?: string): void {
  if (sweep.limit === undefined || rows < sweep.limit) return;
  sweep.more = true;
  if (next !== undefined) sweep.next = next;
}

/** What one database was asked: statements prepared, round trips made (a batch is one), statements that write. */
export interface D1Use {
  statements: number;
  roundTrips: number;
  writes: number;
}

/** How much a request asked of D1, in total and per database binding ("DB" is the global one). */
export interface D1Stats {
  statements: number;
  roundTrips: number;
  byDb: Map<string, D1Use>;
}

const WRITE = /^\s*(insert|update|delete|replace)\b/i;

/**
 * D1 binds at most 100 parameters per statement and refuses more; the local D1 (SQLite under Miniflare) takes
 * thousands, so a statement that would fail in production passed every local run. The counted binding refuses the
 * same statements D1 does, with D1's words, locally and in production alike.
 */
export const D1_MAX_PARAMS = 100;

/** Which counted statements write (a batch counts its writes without running them one by one). */
const writes = new WeakMap<D1PreparedStatement, boolean>();

/**
 * The database binding a failed statement ran on, when it went through a request's counted handle: what the
 * `unhandled` log line names (`db`), so a failing shard is found by its requests' errors.
 */
export function failedDatabase(err: unknown): string | undefined {
  for (let e: unknown = err, i = 0; e instanceof Error && i < 3; e = e.cause, i++) {
    const db = failedOn.get(e);
    if (db) return db;
  }
  return undefined;
}

const failedOn = new WeakMap<Error, string>();

/** A D1 call's promise that marks its error with the database's binding name. */
function marked<T>(promise: Promise<T>, name: string): Promise<T> {
  return promise.catch((e: unknown) => {
    if (e instanceof Error && !failedOn.has(e)) failedOn.set(e, name);
    throw e;
  });
}

function countStatement(stmt: D1PreparedStatement, stats: D1Stats, use: D1Use, write: boolean, name: string): D1PreparedStatement {
  const proxy = new Proxy(stmt, {
    get(target, prop) {
      const v = Reflect.get(target, prop, target);
      if (typeof v !== "function") return v;
      if (prop === "bind") {
        return (...args: unknown[]) => {
          if (args.length > D1_MAX_PARAMS)
            throw new Error(`D1_ERROR: too many SQL variables: ${args.length} bound, D1 takes at most ${D1_MAX_PARAMS}`);
          return countStatement(v.apply(target, args), stats, use, write, name);
        };
      }
      if (prop === "all" || prop === "run" || prop === "first" || prop === "raw") {
        return (...args: unknown[]) => {
          stats.roundTrips++;
          use.roundTrips++;
          if (write) use.writes++;
          const out = v.apply(target, args);
          return out instanceof Promise ? marked(out, name) : out;
        };
      }
      return v.bind(target);
    },
  });
  writes.set(proxy, write);
  return proxy;
}

/** Wraps a D1 binding so that every query is counted (reported in the Server-Timing header). */
function counted(db: D1Database, stats: D1Stats, name: string, use: D1Use): D1Database {
  return new Proxy(db, {
    get(target, prop) {
      const v = Reflect.get(target, prop, target);
      if (typeof v !== "function") return v;
      if (prop === "prepare") {
        return (query: string) => {
          stats.statements++;
          use.statements++;
          stats.byDb.set(name, use);
          return countStatement(v.call(target, query), stats, use, WRITE.test(query), name);
        };
      }
      if (prop === "batch") {
        return (statements: D1PreparedStatement[]) => {
          stats.roundTrips++;
          use.roundTrips++;
          use.writes += statements.filter((s) => writes.get(s)).length;
          const out = v.call(target, statements);
          return out instanceof Promise ? marked(out, name) : out;
        };
      }
      return v.bind(target);
    },
  });
}

const usage = new WeakMap<GlobalDb, D1Use>();
const changes = new WeakMap<GlobalDb, number>();

/**
 * Notes a change this request makes outside the global database to what its session read with the global data (a
 * subscriber's link in their home shard: platform/links.ts), so that `globalWrites` moves as for a global write.
 */
export function noteChange(db: GlobalDb): void {
  changes.set(db, (changes.get(db) ?? 0) + 1);
}

/**
 * How many statements that write this request's global database handle has run so far, and changes noted beside
 * them (`noteChange`; 0 for a handle not made by `createDataAccess`): what was read earlier in the request is still
 * current while it has not changed.
 */
export function globalWrites(db: GlobalDb): number {
  return (usage.get(db)?.writes ?? 0) + (changes.get(db) ?? 0);
}

const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? "" : "s"}`;

/**
 * D1 queries this invocation has asked for so far, as D1's limit per invocation counts them: a batch's statements each
 * count, and so does each round trip. What a call that pages its work checks against its budget.
 */
export function queriesUsed(stats: D1Stats): number {
  return Math.max(stats.statements, stats.roundTrips);
}

/**
 * Whether this invocation still has room for `calls` more D1 queries within `budget`, keeping `reserve` for what the
 * caller does besides its pages (a page, a catch-up day, starts only then).
 */
export function roomIn(stats: D1Stats, budget: number, reserve: number) {
  return (calls = 0) => queriesUsed(stats) + reserve + calls <= budget;
}

/**
 * Server-Timing entries for a request's D1 use: the total (`d1`), then one per
 * database it touched (`d1-DB` is the global one, `d1-DB_MOSCOW` a shard).
 */
export function d1ServerTiming(stats: D1Stats): string[] {
  if (stats.statements === 0) return [];
  return [
    `d1;desc="${stats.statements} statements, ${stats.roundTrips} round trips"`,
    ...[...stats.byDb].map(
      ([name, u]) =>
        `d1-${name};desc="${plural(u.roundTrips, "round trip")}, ${plural(u.statements, "statement")}, ${plural(u.writes, "write")}"`,
    ),
  ];
}

/**
 * Database access for one request: the global database and, on demand, the
 * regional shard for a region or for an account (found through the account
 * directory). Handles are made once and reused.
 */
export interface DataAccess {
  global: GlobalDb;
  stats: D1Stats;
  /** Every shard binding of this Worker (home shards first): what jobs over all accounts go through. */
  shards: readonly ShardBinding[];
  shard(binding: ShardBinding): RegionDb;
  /** Whether this Worker is bound to a shard of that name (a name in the shard map need not be bound). */
  hasShard(binding: string): binding is ShardBinding;
  shardForRegion(regionCode: string): RegionDb;
  /**
   * Where new sessions go (`SESSION_STORE`): "home", the subscriber's home shard (unless set otherwise), or
   * "global", the global table — for the release that first brings the home shards' table, so that a rollback of
   * it finds no session it cannot read (docs/operations.md). Sessions of either kind are read and ended either way.
   */
  sessionStore: "home" | "global";
  /**
   * Where new entries of subscribers' directories of applications, chats and requests go (`DIRECTORY_STORE`): "home",
   * their home shard (the default), or "global", the global tables — for the release that first brings the home
   * shards' tables, so that a rollback of it finds every entry (docs/operations.md). Both places are read either way;
   * housekeeping drains the global tables into the home shards only under "home".
   */
  directoryStore: "home" | "global";
  /**
   * Where subscribers' notification choices and settings are written (`CHOICES_STORE`): "home", their home shard (the
   * default), or "global", the global tables — for the release that first brings the home shards' tables, so that a
   * rollback of it finds every choice (an opt-out among them). Both places are read either way; housekeeping drains the
   * global tables into the home shards only under "home".
   */
  choicesStore: "home" | "global";
  /**
   * Where organisations' new payments are written (`ORG_PAYMENTS_STORE`): "home", the organisation's home shard (the
   * default), or "global", the global tables — for the release that first brings the home shards' tables, so that a
   * rollback of it finds every payment. Payments are found where their ids say either way.
   */
  orgPaymentsStore: "home" | "global";
  /**
   * Where subscribers' new saved cards and passkeys are written (`CREDENTIALS_STORE`): "home", their home shard (the
   * default), or "global", the global tables — for the release that first brings the home shards' tables, so that a
   * rollback of it finds every card and passkey. Both places are read either way; housekeeping drains the global tables
   * into the home shards only under "home".
   */
  credentialsStore: "home" | "global";
  /**
   * Where subscribers' new links to identity providers are written (`IDENTITIES_STORE`): "home", their home shard with a
   * key in an identity store (the default), or "global", the global table — for the release that first brings them, so
   * that a rollback of it finds every link. Both places are read either way; housekeeping drains the global table only
   * under "home".
   */
  identitiesStore: "home" | "global";
  /**
   * Where a password login reads the password (`SIGN_INS_STORE`): "home", the subscriber's sign-in row in their home
   * shard, found by the key of the phone, e-mail or login (the default), or "global", the global row — for the release
   * that first brings the rows, while an older release that writes only the global row may still run, and after a
   * rollback past it until the backfill has gone over every subscriber again (features/auth/sign-ins.service.ts).
   * Registrations, password and contact changes and the backfill write the rows and keys either way; a login through
   * the global row writes them only under "home".
   */
  signInsStore: "home" | "global";
  /**
   * Whether the global `subscribers.password_hash` column keeps the password's record (`GLOBAL_PASSWORDS`): "keep", for
   * a rollback to a release that reads only the global row (always under `SIGN_INS_STORE = "global"`), or "drop" (the
   * default), where the home shard's sign-in row alone holds it and the global column a mark that it is there
   * (`PASSWORD_AT_HOME`, features/auth/sign-ins.service.ts): 98 bytes an account off the global database. Under "drop"
   * the sign-ins' backfill marks the records an older release left; under "keep" it writes them back.
   */
  globalPasswords: "keep" | "drop";
  /**
   * Where the contacts on a contract are read by contact (`CONTRACT_CONTACTS`): "home" (the default), the identity
   * stores' index and the accounts' rows alone, with new accounts' contacts not written to the global directory and the
   * backfill emptying an older release's there; or "global", the directory's columns too (its indexes), and new ones
   * written there as well — for the release that brings the accounts' columns, so that a rollback of it finds every
   * contract (platform/contract-contacts.ts).
   */
  contractContacts: "home" | "global";
  /**
   * Where the links are read by account (`HOLDERS_STORE`): "shard" (the default), the accounts' holder rows in their
   * shards (platform/holders.ts), or "global", the global links by their index on the account — for the release that
   * brings the rows, while its backfill copies an older release's (features/accounts/holders.backfill.ts). Every change
   * of a link writes both either way.
   */
  holdersStore: "shard" | "global";
  /**
   * Where the links are read by subscriber (`LINKS_STORE`): "home" (the default), the subscriber's links in their home
   * shard (platform/links.ts) with the directory's shards, or "global", the global links by their primary key — for the
   * release that brings the home rows, while its backfill copies an older release's (features/accounts/links.backfill.ts).
   * Every change of a link writes both either way.
   */
  linksStore: "home" | "global";
  /**
   * Whether a change of a link still writes the global `account_links` (`GLOBAL_LINKS`): "drop" (the default), no —
   * the accounts' holder rows and the subscribers' home links are the links, housekeeping settles a change that stopped
   * half-way by the home link, and nothing reads or copies the global table; or "keep", every change writes it too, as
   * the releases before — while any of them may still run (their housekeeping deletes a holder row that has no global
   * link) and while either store above is read "global", which keeps it whatever this says.
   */
  globalLinks: "keep" | "drop";
  /**
   * Where one-time codes are issued and checked (`CODES_STORE`): "identity", the identity store the target hashes to
   * (the default), or "global", the global table — for the release that first brings the stores' table, while an
   * older release that issues and checks codes only there may still run (features/auth/codes.service.ts).
   */
  codesStore: "identity" | "global";
  /**
   * Where organisations' new acts of reconciliation are written (`RECONCILIATIONS_STORE`): "home", the organisation's
   * home shard (the default), or "global", the global table — for the release that first brings the home shards'
   * table, so that a rollback of it finds and makes every act. Acts are found where their ids say either way.
   */
  reconciliationsStore: "home" | "global";
  /**
   * Where organisations' new invoices are written (`INVOICES_STORE`): "home", the organisation's home shard with the
   * number in the global `invoice_numbers` (the default), or "global", the global tables — for the release that first
   * brings the home shards' tables, so that a rollback of it finds every invoice and its bank import matches every
   * number. Invoices are found where their ids say either way, and the import looks numbers up in both places.
   */
  invoicesStore: "home" | "global";
  /**
   * Where the entries of organisations' new requests are written (`ORG_TICKETS_STORE`): "home", the organisation's home
   * shard (the default), or "global", the global table — for the release that first brings the home shards' table, so
   * that a rollback of it lists every request. Both places are read either way.
   */
  orgTicketsStore: "home" | "global";
  /**
   * Where a request finds its accounts' shards (`ACCOUNT_PLACES`): "identity", their copies in the identity stores
   * (`account_places`, platform/places.ts; the global directory for one not copied yet, or one a move may be switching),
   * the default; or "global", the global directory alone — while an older release that makes and moves accounts
   * without writing the copies may still run. Both are written either way.
   */
  placesStore: "identity" | "global";
  /**
   * Whether the places' backfill deletes the global directory's rows no foreign key names once their copies hold them
   * (`DIRECTORY_ROWS`, features/accounts/places.backfill.ts): "drop", the default, or "keep" — set while a release that
   * reads only the directory may run again (a rollback), or "paused" (deletions stopped once some were made); implied by
   * `ACCOUNT_PLACES = "global"`, global links kept or read (`GLOBAL_LINKS`, `HOLDERS_STORE`, `LINKS_STORE`), or
   * contracts' contacts kept in the directory.
   */
  directoryRows: "keep" | "drop";
  /**
   * Whether the directory's rows nothing needs may be gone (`DIRECTORY_ROWS` not "keep": removed, or "paused", which
   * stops the deletions once some were made): an account neither its copy nor the directory has may then still exist,
   * and a store that does not answer makes it unknown (a 503), never absent (platform/places.ts).
   */
  rowsMayBeGone: boolean;
  /**
   * While the copies are written again from the shards (`PLACES_REBUILDING = "1"`, after a store's restore or a change of
   * the stores' count: docs/operations.md): with rows gone, every account neither place has is unknown, a 503.
   */
  placesRebuilding: boolean;
  /** The identity stores (`IDENTITY_<n>`): what a login names, by key (platform/identity-stores.ts). */
  identities: IdentityStores;
  /** The message stores (`MESSAGES_<n>`): SMS and emails handed to providers, by dedupe key (platform/message-stores.ts). */
  messages: MessageStores;
  /**
   * Whether provider messages an older deployment wrote to the global table are still looked for there
   * (`PROVIDER_MESSAGES_LEGACY = "read"`, for the 30 days after the release that brings the message stores): a claim
   * finds the copy of its message sent before the upgrade, and a late delivery report its row (docs/operations.md).
   */
  legacyProviderMessages: boolean;
  /** The shard that holds an account, or null when the directory has no such account. */
  shardForAccount(accountNo: string): Promise<{ db: RegionDb; region: string; binding: ShardBinding } | null>;
}

const dialect = new SQLiteAsyncDialect();

/**
 * A drizzle handle over a D1 binding, typed with its schema as `drizzle(client, { schema })` makes it, but without
 * the relational query builders (`db.query.*`, which Kabinet does not use): `drizzle()` extracts the schema's
 * relational config on every call and its database builds a query builder for each of the schema's tables — a request
 * makes a handle for each database it touches, and the home screen's four spent more CPU on them than on its SQL.
 */
function drizzleOf<S extends Record<string, unknown>>(client: D1Database, _schema: S) {
  const session = new SQLiteD1Session<S, ExtractTablesWithRelations<S>>(client, dialect, undefined);
  const db = new DrizzleD1Database<S>("async", dialect, session, undefined);
  return Object.assign(db, { $client: client });
}

export function createDataAccess(env: Env): DataAccess {
  const stats: D1Stats = { statements: 0, roundTrips: 0, byDb: new Map() };
  const shards = new Map<ShardBinding, RegionDb>();
  const globalUse: D1Use = { statements: 0, roundTrips: 0, writes: 0 };
  const global = drizzleOf(counted(env.DB, stats, "DB", globalUse), globalSchema);
  usage.set(global, globalUse);
  // One session a gateway for the whole request, whichever of its shards it touches (platform/shard-gateways.ts).
  const sessions: GatewaySessions = new Map();
  const shard = (binding: ShardBinding): RegionDb => {
    let db = shards.get(binding);
    if (!db) {
      const d1 = shardDatabase(env, binding, sessions);
      if (!d1) throw new RangeError(`no D1 binding ${binding}`);
      db = drizzleOf(counted(d1, stats, binding, { statements: 0, roundTrips: 0, writes: 0 }), regionSchema);
      shards.set(binding, db);
    }
    return db;
  };
  let bindings: ShardBinding[] | undefined;
  let stores: MessageStores | undefined;
  let ids: IdentityStores | undefined;
  const access: DataAccess = {
    global,
    stats,
    get messages() {
      stores ??= messageStores(
        messageStoreDatabases(env).map(
          (d1, i): MessagesDb =>
            drizzleOf(counted(d1, stats, `MESSAGES_${i}`, { statements: 0, roundTrips: 0, writes: 0 }), messagesSchema),
        ),
      );
      return stores;
    },
    get identities() {
      ids ??= identityStores(
        identityStoreDatabases(env).map(
          (d1, i): IdentityDb =>
            drizzleOf(counted(d1, stats, `IDENTITY_${i}`, { statements: 0, roundTrips: 0, writes: 0 }), identitySchema),
        ),
      );
      return ids;
    },
    legacyProviderMessages: (env as { PROVIDER_MESSAGES_LEGACY?: string }).PROVIDER_MESSAGES_LEGACY === "read",
    get shards() {
      bindings ??= shardBindings(env);
      return bindings;
    },
    shard,
    hasShard: (binding): binding is ShardBinding => shardDatabase(env, binding) !== undefined,
    sessionStore: (env as { SESSION_STORE?: string }).SESSION_STORE === "global" ? "global" : "home",
    directoryStore: (env as { DIRECTORY_STORE?: string }).DIRECTORY_STORE === "global" ? "global" : "home",
    choicesStore: (env as { CHOICES_STORE?: string }).CHOICES_STORE === "global" ? "global" : "home",
    orgPaymentsStore: (env as { ORG_PAYMENTS_STORE?: string }).ORG_PAYMENTS_STORE === "global" ? "global" : "home",
    credentialsStore: (env as { CREDENTIALS_STORE?: string }).CREDENTIALS_STORE === "global" ? "global" : "home",
    identitiesStore: (env as { IDENTITIES_STORE?: string }).IDENTITIES_STORE === "global" ? "global" : "home",
    signInsStore: (env as { SIGN_INS_STORE?: string }).SIGN_INS_STORE === "global" ? "global" : "home",
    contractContacts: (env as { CONTRACT_CONTACTS?: string }).CONTRACT_CONTACTS === "global" ? "global" : "home",
    holdersStore: (env as { HOLDERS_STORE?: string }).HOLDERS_STORE === "global" ? "global" : "shard",
    linksStore: (env as { LINKS_STORE?: string }).LINKS_STORE === "global" ? "global" : "home",
    globalLinks:
      (env as { HOLDERS_STORE?: string }).HOLDERS_STORE === "global" ||
      (env as { LINKS_STORE?: string }).LINKS_STORE === "global" ||
      (env as { GLOBAL_LINKS?: string }).GLOBAL_LINKS === "keep"
        ? "keep"
        : "drop",
    globalPasswords:
      (env as { SIGN_INS_STORE?: string }).SIGN_INS_STORE === "global" || (env as { GLOBAL_PASSWORDS?: string }).GLOBAL_PASSWORDS === "keep"
        ? "keep"
        : "drop",
    codesStore: (env as { CODES_STORE?: string }).CODES_STORE === "global" ? "global" : "identity",
    reconciliationsStore: (env as { RECONCILIATIONS_STORE?: string }).RECONCILIATIONS_STORE === "global" ? "global" : "home",
    invoicesStore: (env as { INVOICES_STORE?: string }).INVOICES_STORE === "global" ? "global" : "home",
    orgTicketsStore: (env as { ORG_TICKETS_STORE?: string }).ORG_TICKETS_STORE === "global" ? "global" : "home",
    placesStore: (env as { ACCOUNT_PLACES?: string }).ACCOUNT_PLACES === "global" ? "global" : "identity",
    rowsMayBeGone: (env as { DIRECTORY_ROWS?: string }).DIRECTORY_ROWS !== "keep",
    placesRebuilding: (env as { PLACES_REBUILDING?: string }).PLACES_REBUILDING === "1",
    directoryRows:
      (env as { DIRECTORY_ROWS?: string }).DIRECTORY_ROWS === "keep" ||
      (env as { DIRECTORY_ROWS?: string }).DIRECTORY_ROWS === "paused" ||
      (env as { ACCOUNT_PLACES?: string }).ACCOUNT_PLACES === "global" ||
      (env as { CONTRACT_CONTACTS?: string }).CONTRACT_CONTACTS === "global" ||
      (env as { HOLDERS_STORE?: string }).HOLDERS_STORE === "global" ||
      (env as { LINKS_STORE?: string }).LINKS_STORE === "global" ||
      (env as { GLOBAL_LINKS?: string }).GLOBAL_LINKS === "keep"
        ? "keep"
        : "drop",
    shardForRegion(regionCode) {
      const binding = shardOfRegion(regionCode);
      if (!binding) throw new RangeError(`unknown region ${regionCode}`);
      return shard(binding);
    },
    async shardForAccount(accountNo) {
      // Its copy in the identity stores, or the directory (platform/places.ts).
      const row = await placeOf(access, accountNo);
      if (!row || !isShardBinding(row.shard) || !shardDatabase(env, row.shard)) return null;
      return { db: shard(row.shard), region: row.region, binding: row.shard };
    },
  };
  return access;
}

/**
 * The home shard a subscriber's new directory entry (an application, a chat, a request) goes to, or null: the global
 * table, while the deployment keeps them there (`directoryStore`), or for a home shard this Worker is not bound to (a
 * configuration error: home shards are never removed; the entry is still read there and drained once it is bound).
 */
export function directoryHome(data: DataAccess, homeShard: string): RegionDb | null {
  if (data.directoryStore === "global") return null;
  if (data.hasShard(homeShard)) return data.shard(homeShard);
  log("error", "directory.home_shard_unbound", { shard: homeShard });
  return null;
}

/** The home shard's directory to read, or null when this Worker is not bound to it (its global table is read all the same). */
export function directoryToRead(data: DataAccess, homeShard: string): RegionDb | null {
  return data.hasShard(homeShard) ? data.shard(homeShard) : null;
}

/** The D1 binding under a drizzle handle (counted like the rest), for SQL drizzle does not build. */
export function d1Of(db: RegionDb | GlobalDb | MessagesDb | IdentityDb): D1Database {
  return (db as unknown as { $client: D1Database }).$client;
}

/** Runs SQL statements as one D1 batch (one transaction) on the database's own binding; the results in order. */
export function rawBatch(db: RegionDb | GlobalDb | IdentityDb, statements: [string, ...unknown[]][]): Promise<D1Result[]> {
  const d1 = (db as unknown as { $client: D1Database }).$client;
  return d1.batch(statements.map(([q, ...params]) => d1.prepare(q).bind(...params)));
}

/**
 * `column IN (values)` with the list as ONE bound parameter (a JSON array read by `json_each`), so a list of any
 * length stays inside D1's 100 bound parameters per statement (drizzle's `inArray` binds one per value). SQLite
 * still uses the column's index: the subquery is materialised once.
 */
export function inList(column: Column | SQL, values: readonly string[]): SQL {
  return sql`${column} IN (SELECT value FROM json_each(${JSON.stringify(values)}))`;
}
