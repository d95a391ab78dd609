import { log } from "./log";

/**
 * Shards the main Worker reaches through a shard gateway (worker/gateway.ts) instead of a binding of its own.
 *
 * A Worker script binds about 5,000 D1 databases at most, and the bounded design needs 4,980 shards at the target
 * (docs/capacity.md). Past the main Worker's share, `npm run deploy` puts the other shards in gateway Workers, binds
 * each gateway here as a service (`SHARD_GATEWAY_<n>`), and says which gateway holds which shard in
 * `SHARD_GATEWAYS`: a JSON object from a gateway's binding to its shards, each a name (`DB_MOSCOW_3`) or a run of
 * numbered names (`DB_MOSCOW_2-300`: `DB_MOSCOW_2` … `DB_MOSCOW_300`), so the list of thousands of shards stays under
 * a variable's 5 KB. A shard so reached is a `D1Database` like any other (`remoteD1`): drizzle, the counted wrapper
 * and the raw batches go through it unchanged; each call is one RPC that runs the statement, or the batch as one
 * transaction, on the gateway's binding.
 */

/** What `D1Database.exec` answers. */
export type ExecResult = Awaited<ReturnType<D1Database["exec"]>>;

/** A statement as it travels to the gateway: its SQL and bound values. */
export interface GatewayStatement {
  sql: string;
  params: unknown[];
}

/** One statement's D1 method, as the gateway runs it. */
export type GatewayCall =
  | { method: "all" | "run"; statement: GatewayStatement }
  | { method: "first"; statement: GatewayStatement; column?: string }
  | { method: "raw"; statement: GatewayStatement; columnNames?: boolean };

/** A gateway's answer: the D1 method's value, or the message of the error it threw. */
export type GatewayAnswer<T> = { value: T; error?: undefined } | { error: string };

/** A request's session on a gateway (worker/gateway.ts, `ShardSession`): its calls run in the session's one invocation. */
export interface GatewaySession {
  run(binding: string, call: GatewayCall): Promise<GatewayAnswer<unknown>>;
  batch(binding: string, statements: GatewayStatement[]): Promise<GatewayAnswer<D1Result[]>>;
  exec(binding: string, query: string): Promise<GatewayAnswer<ExecResult>>;
}

/** What the main Worker calls on a gateway's service binding (worker/gateway.ts implements it). */
export interface GatewayService {
  session(): Promise<GatewaySession>;
  shards(): Promise<string[]>;
  check(bindings: string[]): Promise<Record<string, boolean>>;
}

/**
 * The sessions one request (one `DataAccess`) has opened, by gateway: every shard of a gateway that the request
 * touches goes through one session, so a request makes one service-binding call per gateway however many statements
 * it runs (a request may make at most 32 Worker invocations).
 */
export type GatewaySessions = Map<GatewayService, Promise<GatewaySession>>;

/** Sessions one request may open in all (a lost one is opened again): a few of its 32 Worker invocations. */
const MAX_SESSIONS = 8;
/** How many each request's sessions map has opened. */
const opened = new WeakMap<GatewaySessions, number>();

/**
 * A regional shard's binding name (`DB` alone is the global database): the one rule for the app, the map and the
 * deploy (worker/gateway.ts keeps its own copy: it imports nothing of the app at run time).
 */
export const SHARD_NAME = /^DB_[A-Z0-9_]+$/;
const GATEWAY_NAME = /^SHARD_GATEWAY_\d+$/;
/** A run: its prefix, then numbers without a leading zero (`DB_X_07-9` is `DB_X_07` … `DB_X_09`: its prefix is `DB_X_0`). */
const RUN = /^(DB_[A-Z0-9_]*?)([1-9]\d*|0)-([1-9]\d*)$/;
/** The most shards one run may name: a typo (`DB_X_1-100000000`) must not build a set of a hundred million names. */
const MAX_RUN = 10_000;

/** The shards of `SHARD_GATEWAYS`, each with the gateway that holds it; entries that are not names or runs are left out. */
export function parseShardGateways(value: string | undefined): Map<string, string> {
  const map = new Map<string, string>();
  if (!value) return map;
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    log("error", "config.bad_shard_gateways", { reason: "not JSON" });
    return map;
  }
  if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) {
    log("error", "config.bad_shard_gateways", { reason: "not an object" });
    return map;
  }
  for (const [gateway, entries] of Object.entries(parsed)) {
    if (!GATEWAY_NAME.test(gateway) || !Array.isArray(entries)) {
      log("error", "config.bad_shard_gateways", { reason: "bad gateway", gateway: gateway.slice(0, 64) });
      continue;
    }
    for (const entry of entries) {
      const names = typeof entry === "string" ? expand(entry) : undefined;
      if (!names) {
        log("error", "config.bad_shard_gateways", { reason: "bad shard", gateway, entry: String(entry).slice(0, 64) });
        continue;
      }
      for (const name of names) if (!map.has(name)) map.set(name, gateway);
    }
  }
  return map;
}

function expand(entry: string): string[] | undefined {
  const run = RUN.exec(entry);
  if (run) {
    const [, prefix = "", from = 0, to = 0] = run.map((part, i) => (i >= 2 ? Number(part) : part)) as [string, string, number, number];
    if (to < from || to - from >= MAX_RUN || !SHARD_NAME.test(`${prefix}${from}`)) return undefined;
    return Array.from({ length: to - from + 1 }, (_, i) => `${prefix}${from + i}`);
  }
  return SHARD_NAME.test(entry) ? [entry] : undefined;
}

/** Maps parsed by this isolate, by the variable's text (one in production; the tests give a few). */
const parsedOnce = new Map<string, Map<string, string>>();
/** Gateways the map names that this Worker is not bound to, said once an isolate. */
const unboundSaid = new Set<string>();

/** `SHARD_GATEWAYS` of this environment, parsed once per isolate. */
export function shardGateways(env: object): Map<string, string> {
  const value = (env as { SHARD_GATEWAYS?: unknown }).SHARD_GATEWAYS;
  const text = typeof value === "string" ? value : value === undefined ? "" : JSON.stringify(value);
  let map = parsedOnce.get(text);
  if (!map) {
    map = parseShardGateways(text);
    if (parsedOnce.size >= 8) parsedOnce.clear();
    parsedOnce.set(text, map);
  }
  return map;
}

/** The name of the gateway the map gives a shard, bound or not. */
export function gatewayNameOf(env: object, binding: string): string | undefined {
  return shardGateways(env).get(binding);
}

/**
 * The gateway that holds a shard, when this Worker is bound to it. One the map names but the Worker is not bound to
 * (a deploy's configuration is wrong) is logged once an isolate: its shards are missing (`/healthz` says so).
 */
export function gatewayOf(env: object, binding: string): GatewayService | undefined {
  const gateway = gatewayNameOf(env, binding);
  if (!gateway) return undefined;
  const service = (env as Record<string, unknown>)[gateway];
  if (service && typeof (service as GatewayService).session === "function") return service as GatewayService;
  if (!unboundSaid.has(gateway)) {
    unboundSaid.add(gateway);
    log("error", "config.shard_gateway_unbound", { gateway });
  }
  return undefined;
}

/** Where a remote statement keeps its SQL and values (a symbol: D1's own statements have no such property). */
const STATEMENT = Symbol("gateway statement");

interface RemoteStatement extends D1PreparedStatement {
  [STATEMENT]: { binding: string; statement: GatewayStatement };
}

function statementOf(stmt: D1PreparedStatement, binding: string): GatewayStatement {
  // Read through the counted wrapper's proxy too (platform/db.ts): it hands non-function properties on as they are.
  const s = (stmt as Partial<RemoteStatement>)[STATEMENT];
  if (s?.binding !== binding) throw new TypeError("a batch on a gateway's shard takes only statements prepared on that shard");
  return s.statement;
}

/**
 * A shard held by a gateway, as a `D1Database`: `prepare` and `bind` build the statement here (nothing is sent), and
 * `all`, `run`, `first`, `raw`, `batch` and `exec` are one call each on the request's session with the gateway (opened
 * by the first of them: `sessions`, shared by the request's shards of the same gateway).
 */
export function remoteD1(gateway: GatewayService, binding: string, sessions: GatewaySessions = new Map()): D1Database {
  const session = () => {
    let open = sessions.get(gateway);
    if (!open) {
      if ((opened.get(sessions) ?? 0) >= MAX_SESSIONS) throw new Error(`shard gateway: no session (${binding})`);
      opened.set(sessions, (opened.get(sessions) ?? 0) + 1);
      open = Promise.resolve(gateway.session());
      sessions.set(gateway, open);
      // A session that could not be opened is not kept: the next statement tries again.
      open.catch(() => sessions.get(gateway) === open && sessions.delete(gateway));
    }
    return open;
  };
  /**
   * A call on the session. D1's own errors come back as answers; a call that throws lost the session (the gateway's
   * invocation ended, the connection broke): it is dropped, and the request's next statement opens another, up to
   * `MAX_SESSIONS` a request (each is one of its 32 invocations).
   */
  const via = async <T>(work: (s: GatewaySession) => Promise<GatewayAnswer<T>>): Promise<T> => {
    const open = session();
    let answer: GatewayAnswer<T>;
    try {
      answer = await work(await open);
    } catch (e) {
      if (sessions.get(gateway) === open) sessions.delete(gateway);
      throw e;
    }
    if (answer.error !== undefined) throw new Error(answer.error);
    return answer.value;
  };
  const call = (c: GatewayCall) => via((s) => s.run(binding, c));
  const statement = (sql: string, params: unknown[]): RemoteStatement => {
    const s: GatewayStatement = { sql, params };
    const stmt = {
      [STATEMENT]: { binding, statement: s },
      bind: (...values: unknown[]) => statement(sql, values),
      all: () => call({ method: "all", statement: s }),
      run: () => call({ method: "run", statement: s }),
      first: (column?: string) =>
        call(column === undefined ? { method: "first", statement: s } : { method: "first", statement: s, column }),
      raw: (options?: { columnNames?: boolean }) =>
        call(options?.columnNames ? { method: "raw", statement: s, columnNames: true } : { method: "raw", statement: s }),
    };
    return stmt as unknown as RemoteStatement;
  };
  const db = {
    prepare: (sql: string) => statement(sql, []),
    batch: async (statements: D1PreparedStatement[]) => {
      const list = statements.map((stmt) => statementOf(stmt, binding));
      return via((s) => s.batch(binding, list));
    },
    exec: async (query: string) => via((s) => s.exec(binding, query)),
    // Read replication is not used on shards (a subscriber's data is written and read in the same place): a session
    // is the database itself, with no bookmark.
    withSession: () => ({ prepare: db.prepare, batch: db.batch, getBookmark: () => null }),
    dump: () => Promise.reject(new Error(`D1 dump is not available through a shard gateway (${binding})`)),
  };
  return db as unknown as D1Database;
}
