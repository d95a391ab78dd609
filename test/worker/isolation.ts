import { applyD1Migrations, listDurableObjectIds, reset, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { vi } from "vitest";
import worker from "../../worker/index";
import { createDataAccess, shardBindings, shardDatabase } from "../../worker/platform/db";
import { identityStoreDatabases } from "../../worker/platform/identity-stores";
import { forgetIsolateState } from "../../worker/platform/isolate-state";
import { messageStoreDatabases } from "../../worker/platform/message-stores";
import { registerShard } from "../../worker/platform/shard-map";
import { forgetTestLogins, seedDatabases } from "./helpers";

/**
 * The Worker test files share one workerd and one isolate per Vitest worker (`isolate: false`, vitest.worker.config.ts):
 * this module is evaluated once per isolate, and `startFile()` (test/worker/setup.ts, before every file) gives each
 * file what a new workerd gave it: every binding's storage new, then migrated and seeded; the isolate's module state
 * forgotten; no message of an earlier file delivered into its data.
 */

type Migrations = typeof env.TEST_MIGRATIONS_GLOBAL;

/**
 * The migrations on a new database in one batch (one transaction), with the rows `applyD1Migrations` would record:
 * the same schema as applying them one by one, in one round trip to the database instead of one per migration.
 */
async function migrate(db: D1Database, migrations: Migrations) {
  const table = `CREATE TABLE IF NOT EXISTS d1_migrations (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT UNIQUE, applied_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP NOT NULL)`;
  await db.prepare(table).run();
  const applied = await db.prepare("SELECT count(*) AS n FROM d1_migrations").first<number>("n");
  if (applied) return applyD1Migrations(db, migrations); // not new: only what is missing, one by one
  const record = db.prepare("INSERT INTO d1_migrations (name) VALUES (?)");
  await db.batch(migrations.flatMap((m) => [...m.queries.map((q) => db.prepare(q)), record.bind(m.name)]));
}

/**
 * Empties a database that `reset()` left with anything in it. `reset()` resets the SQLite of the Durable Objects the
 * workerd holds (D1's databases and R2's bucket are Durable Objects in Miniflare); one evicted after 10 s idle seems
 * not to be held, and keeps its data: a full run without this showed a shard move's frozen accounts in the next
 * file's seed (account_moving) and a throttle locked by one file still locked in a later one. Triggers first (some
 * refuse deletes), then views, then tables, newest first, foreign keys checked at the end.
 */
async function empty(db: D1Database) {
  const { results } = await db
    .prepare(
      "SELECT type, name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' AND type IN ('trigger', 'view', 'table') ORDER BY rowid DESC",
    )
    .all<{ type: "trigger" | "view" | "table"; name: string }>();
  if (results.length === 0) return;
  const order = ["trigger", "view", "table"] as const;
  const drops = order.flatMap((type) =>
    results.filter((r) => r.type === type).map((r) => `DROP ${type.toUpperCase()} IF EXISTS "${r.name}"`),
  );
  await db.batch([db.prepare("PRAGMA defer_foreign_keys = on"), ...drops.map((sql) => db.prepare(sql))]);
}

/** Deletes what `reset()` left in the bucket (the same reason as `empty`). */
async function emptyBucket(bucket: R2Bucket) {
  for (let page = await bucket.list(); page.objects.length > 0; page = await bucket.list())
    await bucket.delete(page.objects.map((o) => o.key));
}

/** Deletes what `reset()` left in any object of the namespace (the same reason as `empty`). */
async function emptyObjects<T extends Rpc.DurableObjectBranded>(namespace: DurableObjectNamespace<T>) {
  await Promise.all(
    (await listDurableObjectIds(namespace)).map((id) =>
      runInDurableObject(namespace.get(id), async (_, state) => {
        if ([...state.storage.kv.list()].length === 0 && !(await state.storage.getAlarm())) return;
        await state.storage.deleteAll();
      }),
    ),
  );
}

/**
 * Miniflare's queue broker keeps its messages in memory, outside what `reset()` deletes (its namespace is never
 * evicted): a message a file sent, delayed (`delaySeconds`, the sandbox's late webhooks, quiet hours) or waiting for
 * a retry, is delivered later to whatever file then runs, into that file's fresh data. So every delivery goes through
 * this guard: a message sent before the running file started (the broker stamps a message when it is sent, and keeps
 * the stamp through delays, retries and the dead-letter queue) is acknowledged unprocessed, as if its workerd had
 * stopped with the file that sent it; and a file starts only when no delivery is still being processed.
 */
const queues = {
  /** Messages stamped at or before this are an earlier file's. */
  fileStartedAt: Number.NEGATIVE_INFINITY,
  running: new Set<Promise<unknown>>(),
  /** Earlier files' messages acknowledged unprocessed (what the isolation test reads). */
  dropped: [] as { queue: string; body: unknown }[],
};

const consume = worker.queue;
/**
 * A message the broker delivers: its id is the broker's (16 random bytes in hex). Tests that hand the handler a batch
 * of their own (`createMessageBatch`) name their messages and may stamp them in the past: those are theirs to judge.
 */
const BROKER_ID = /^[0-9a-f]{32}$/;
const isStale = (m: Message) => BROKER_ID.test(m.id) && m.timestamp.getTime() <= queues.fileStartedAt;
worker.queue = (batch, ...rest) => {
  const stale = batch.messages.filter(isStale);
  for (const m of stale) {
    m.ack();
    queues.dropped.push({ queue: batch.queue, body: m.body });
  }
  if (stale.length === batch.messages.length) return Promise.resolve();
  const current = stale.length === 0 ? batch : { ...batch, queue: batch.queue, messages: batch.messages.filter((m) => !stale.includes(m)) };
  const run = consume(current, ...rest);
  queues.running.add(run);
  return run.finally(() => queues.running.delete(run));
};

/** The earlier files' messages the guard dropped since this file started. */
export const droppedMessages = () => queues.dropped;

/**
 * From now on no message sent so far is processed: a delivery already running finishes (it may write), and the
 * stamp is taken again after it, so that what it sent is before the stamp too. (workerd's clock moves on I/O and
 * timers: the timer makes Date.now() now, not the start of the last event.)
 */
async function closeQueues() {
  for (;;) {
    await new Promise((r) => setTimeout(r, 1));
    queues.fileStartedAt = Date.now();
    if (queues.running.size === 0) return;
    await Promise.allSettled([...queues.running]);
  }
}

/**
 * The end of a file (test/worker/setup.ts's afterAll): its queue work stops with it, as when its workerd stopped.
 * Nothing of it runs between files, when Vitest has torn the file's environment down: a delivery that began then
 * and loaded a module lazily (the PDF library) failed with EnvironmentTeardownError, and the next files with it.
 */
export const endFile = closeQueues;

/**
 * The Worker's request and job logs (`console.log`, one JSON line each: platform/log.ts) are kept in the isolate (at
 * least the last 2,000 lines) instead of each going to Vitest in Node: the suite logs some hundred thousand lines, and
 * sending them cost 14 % of its CPU (364 → 314 CPU-seconds alone) though only a failed test's are shown.
 * `printLogsOfFailedTest` (test/worker/setup.ts) prints a failed test's lines as Vitest would have. Tests that read the
 * lines spy on `console.log` as before (the spy wraps this; `restoreAllMocks` gives this back). Warnings and errors go
 * out as ever.
 */
const printLog = console.log.bind(console);
const kept: unknown[][] = [];
const keepLog = (...args: unknown[]) => {
  kept.push(args);
  // Cut back to the last 2,000 only when it reaches 4,000: cutting one line off the front at each line past 2,000
  // moved the other 1,999 every time a long test logged.
  if (kept.length >= 4000) kept.splice(0, kept.length - 2000);
};
console.log = keepLog;

/** The start of a test: the lines kept so far were earlier tests'. */
export function forgetLogs() {
  kept.length = 0;
}

/** A failed test's log lines, printed (as Vitest prints a failed test's output). */
export function printLogsOfFailedTest() {
  for (const args of kept) printLog(...args);
  kept.length = 0;
}

/** What a test left that Vitest itself does not undo between files sharing a worker (it restores mocks only). */
function restoreGlobals() {
  vi.useRealTimers();
  vi.unstubAllGlobals();
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
}

/**
 * Everything a file starts from, as a new workerd gave it: fakes and stubs undone; the earlier file's deliveries
 * finished and its later ones dropped; every D1 database (global, the shards, DB_MOSCOW_2, the message stores), R2 bucket and Durable
 * Object (storage and instance) deleted; the isolate's module state forgotten; then migrated and seeded, with
 * DB_MOSCOW_2 registered closed.
 */
export async function startFile() {
  restoreGlobals();
  await closeQueues();
  queues.dropped = [];
  // D1, R2 and every Durable Object's storage deleted, the objects' instances aborted (in-memory state gone).
  await reset();
  await Promise.all(
    [
      env.DB,
      ...shardBindings(env).map((b) => shardDatabase(env, b) as D1Database),
      ...messageStoreDatabases(env),
      ...identityStoreDatabases(env),
    ].map(empty),
  );
  await emptyBucket(env.FILES);
  await Promise.all([emptyObjects(env.THROTTLES), emptyObjects(env.CHAT_ROOMS)]);
  forgetIsolateState();
  forgetTestLogins();
  // Every test file starts from migrated, seeded databases (global + each shard); they are separate, so side by side.
  await Promise.all([
    migrate(env.DB, env.TEST_MIGRATIONS_GLOBAL),
    ...shardBindings(env).map((shard) => migrate(shardDatabase(env, shard) as D1Database, env.TEST_MIGRATIONS_REGION)),
    ...messageStoreDatabases(env).map((store) => migrate(store, env.TEST_MIGRATIONS_MESSAGES)),
    ...identityStoreDatabases(env).map((store) => migrate(store, env.TEST_MIGRATIONS_IDENTITY)),
  ]);
  await seedDatabases();
  // The Moscow branch's second shard (vitest.worker.config.ts binds it): in the shard map, closed for new accounts
  // unless a test opens it, so the demo accounts stay where the other suites expect them.
  await registerShard(createDataAccess(env), "DB_MOSCOW_2", { branch: "moscow", open: false });
}
