import { RpcTarget, WorkerEntrypoint } from "cloudflare:workers";
import type { ExecResult, GatewayAnswer, GatewayCall, GatewayStatement } from "./platform/shard-gateways";

/**
 * A shard gateway: a Worker of its own that binds a share of the regional shards' D1 databases and runs the main
 * Worker's statements on them, over a service binding's RPC (platform/shard-gateways.ts is the other end).
 *
 * A Worker script binds about 5,000 D1 databases at most (<https://developers.cloudflare.com/d1/platform/limits/>),
 * and the bounded design needs 4,980 shards at the target (docs/capacity.md): past the main Worker's share,
 * `npm run deploy` puts the shards in gateways (scripts/deploy.mts) and tells the main Worker which holds which
 * (`SHARD_GATEWAYS`).
 *
 * A request may make at most 32 Worker invocations, and each call on a service binding counts
 * (<https://developers.cloudflare.com/workers/runtime-apis/bindings/service-bindings/>): so the main Worker does not
 * call the binding once a statement. It opens one **session** a request (`session()`, one invocation) and sends its
 * statements to the session object that call returns (an RPC target), whose calls run in that invocation. A statement, or a batch as one transaction,
 * runs here as it would on the binding itself; D1's errors come back with their message, as an answer (thrown across
 * RPC they would also be logged here as uncaught, once for every refused statement, a constraint the app expects among
 * them).
 *
 * It has no route (no `fetch`, no `workers.dev`): only Workers bound to it can call it. It answers only for names of
 * shards (`DB_…`) it is bound to, whatever else it may be bound to. It imports nothing of the app at run time, so a
 * deploy of it is the same script whatever the app's version.
 */
export default class ShardGateway extends WorkerEntrypoint<Record<string, unknown>> {
  /** The shard bindings this gateway holds, by name. */
  shards(): string[] {
    return Object.keys(this.env)
      .filter((k) => database(this.env, k))
      .sort();
  }

  /** A session for one request of the main Worker: its statements, on any shard of this gateway, in this invocation. */
  session(): ShardSession {
    return new ShardSession(this.env);
  }

  /**
   * `/healthz` for every shard asked at once: whether each answers `SELECT 1` within `CHECK_MS` (no detail: a name that
   * is not held, or a shard that hangs, is false), so one slow shard does not fail the others' answers.
   */
  async check(bindings: string[]): Promise<Record<string, boolean>> {
    const names = Array.isArray(bindings) ? bindings.filter((b) => typeof b === "string").slice(0, 5_000) : [];
    const answers = await Promise.all(
      names.map(async (b) => {
        const db = database(this.env, b);
        let timer: ReturnType<typeof setTimeout> | undefined;
        const late = new Promise<false>((resolve) => {
          timer = setTimeout(() => resolve(false), CHECK_MS);
        });
        try {
          const ok =
            db
              ?.prepare("SELECT 1 AS ok")
              .first<{ ok: number }>()
              .then((r) => r?.ok === 1) ?? Promise.resolve(false);
          return await Promise.race([ok, late]);
        } catch {
          return false;
        } finally {
          clearTimeout(timer);
        }
      }),
    );
    return Object.fromEntries(names.map((b, i) => [b, answers[i] === true]));
  }
}

/** What one request of the main Worker does on the gateway's shards (worker/platform/shard-gateways.ts, `remoteD1`). */
export class ShardSession extends RpcTarget {
  constructor(private readonly env: Record<string, unknown>) {
    super();
  }

  /** Runs one statement as the D1 method of that name would. */
  run(binding: string, call: GatewayCall): Promise<GatewayAnswer<unknown>> {
    return answer(() => {
      const stmt = prepare(shardOf(this.env, binding), call.statement);
      switch (call.method) {
        case "all":
          return stmt.all();
        case "run":
          return stmt.run();
        case "first":
          return call.column === undefined ? stmt.first() : stmt.first(call.column);
        case "raw":
          return call.columnNames ? stmt.raw({ columnNames: true }) : stmt.raw();
        default:
          throw new TypeError(`unknown D1 method ${String((call as { method: unknown }).method)}`);
      }
    });
  }

  /** Runs statements as one D1 batch (one transaction): all of them, or none when one fails. */
  batch(binding: string, statements: GatewayStatement[]): Promise<GatewayAnswer<D1Result[]>> {
    return answer(() => {
      const db = shardOf(this.env, binding);
      return db.batch(statements.map((s) => prepare(db, s)));
    });
  }

  /** `D1Database.exec`: SQL statements separated by newlines, without parameters. */
  exec(binding: string, query: string): Promise<GatewayAnswer<ExecResult>> {
    return answer(() => shardOf(this.env, binding).exec(query));
  }
}

async function answer<T>(work: () => Promise<T>): Promise<GatewayAnswer<T>> {
  try {
    return { value: await work() };
  } catch (e) {
    return { error: e instanceof Error ? e.message : String(e) };
  }
}

/** `SHARD_NAME` of platform/shard-gateways.ts, kept here: this script imports nothing of the app at run time. */
const SHARD_NAME = /^DB_[A-Z0-9_]+$/;

/** How long `check` waits for one shard: under the main Worker's 2 s for the whole call (features/health). */
const CHECK_MS = 1_500;

function database(env: Record<string, unknown>, binding: string): D1Database | undefined {
  const db = typeof binding === "string" && SHARD_NAME.test(binding) ? env[binding] : undefined;
  return db && typeof (db as D1Database).prepare === "function" ? (db as D1Database) : undefined;
}

function shardOf(env: Record<string, unknown>, binding: string): D1Database {
  const db = database(env, binding);
  // The caller's shard map names a shard this gateway does not hold: a deploy's configuration is wrong (said by name).
  if (!db) throw new RangeError(`shard gateway: no D1 binding ${String(binding).slice(0, 64)}`);
  return db;
}

function prepare(db: D1Database, s: GatewayStatement): D1PreparedStatement {
  const stmt = db.prepare(s.sql);
  return s.params.length > 0 ? stmt.bind(...s.params) : stmt;
}
