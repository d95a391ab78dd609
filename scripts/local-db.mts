/**
 * Local databases for `npm start` and the browser tests: applies the D1
 * migrations to the global database and every regional shard, then loads the
 * deterministic demo data, through the same local D1 that `wrangler dev` uses
 * (Miniflare, persisted under the given directory).
 */
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { getPlatformProxy } from "wrangler";
import { buildSeed } from "../worker/db/seed/seed.ts";
import { type SeedBucket, seedUsageMonth } from "../worker/db/seed/usage.seed.ts";
import { identityStoreIndex } from "../worker/platform/identity-stores.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const MIGRATIONS_TABLE = "d1_migrations"; // the table wrangler d1 migrations apply keeps

type D1 = {
  prepare(q: string): { bind(...v: unknown[]): unknown; run(): Promise<unknown>; all<T>(): Promise<{ results: T[] }> };
  batch(s: unknown[]): Promise<unknown>;
};

async function readMigrations(dir: string) {
  const files = (await readdir(join(ROOT, dir))).filter((f) => f.endsWith(".sql")).sort();
  return Promise.all(
    files.map(async (name) => {
      const sql = await readFile(join(ROOT, dir, name), "utf8");
      const queries = sql
        .split("--> statement-breakpoint")
        .map((q) => q.trim())
        .filter(Boolean);
      return { name, queries };
    }),
  );
}

/** Applies the migrations not yet recorded in d1_migrations, like wrangler does. Returns how many ran. */
async function migrate(db: D1, dir: string): Promise<number> {
  await db
    .prepare(
      `CREATE TABLE IF NOT EXISTS ${MIGRATIONS_TABLE} (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT UNIQUE, applied_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP NOT NULL)`,
    )
    .run();
  const done = new Set((await db.prepare(`SELECT name FROM ${MIGRATIONS_TABLE}`).all<{ name: string }>()).results.map((r) => r.name));
  let applied = 0;
  for (const m of await readMigrations(dir)) {
    if (done.has(m.name)) continue;
    await db.batch([...m.queries.map((q) => db.prepare(q)), db.prepare(`INSERT INTO ${MIGRATIONS_TABLE} (name) VALUES (?)`).bind(m.name)]);
    applied++;
  }
  return applied;
}

async function runAll(db: D1, statements: string[]) {
  const CHUNK = 200;
  for (let i = 0; i < statements.length; i += CHUNK) {
    await db.batch(statements.slice(i, i + CHUNK).map((s) => db.prepare(s)));
  }
}

/**
 * The Worker's configuration without its Durable Objects, for the platform
 * proxy that only migrates and seeds D1: the proxy cannot host a class of the
 * Worker and would warn that the chat rooms "will not work in local
 * development" (they do, under `wrangler dev`). Same databases, same ids.
 */
async function databasesOnlyConfig(): Promise<string> {
  const sections = (await readFile(join(ROOT, "wrangler.toml"), "utf8")).split(/^(?=\[)/m);
  const kept = sections.filter((s) => !/^\[\[(durable_objects\.bindings|migrations)\]\]/.test(s));
  const path = join(ROOT, ".wrangler", "local-db.wrangler.toml");
  await mkdir(dirname(path), { recursive: true });
  // Paths in the file are relative to it: it sits one level down.
  await writeFile(
    path,
    kept
      .join("")
      .replace(/^main = "/m, 'main = "../')
      .replace(/^directory = "\.\//m, 'directory = "../'),
  );
  return path;
}

/**
 * Migrates and seeds every local database under `persistTo`; `extra` rows (the browser tests' own contracts) go in
 * after the demo data, per database binding.
 */
export async function prepareLocalDatabases(
  persistTo: string,
  log: (line: string) => void = console.log,
  extra: { global: string[]; shards: Record<string, string[]>; identities?: { key: string; statement: string }[] } = {
    global: [],
    shards: {},
  },
) {
  const proxy = await getPlatformProxy<Record<string, D1> & { FILES: SeedBucket }>({
    configPath: await databasesOnlyConfig(),
    persist: { path: join(persistTo, "v3") },
  });
  try {
    const seed = await buildSeed();
    const env = proxy.env;
    const files = env.FILES;
    const n = await migrate(env.DB as D1, "migrations/global");
    await runAll(env.DB as D1, seed.global);
    log(`  global: ${n} new migration(s), ${seed.global.length} demo statements`);
    // The message stores: empty until a real SMS or email provider is used (the demo's go to the dev outbox).
    for (let i = 0; env[`MESSAGES_${i}`]; i++) {
      const m = await migrate(env[`MESSAGES_${i}`] as D1, "migrations/messages");
      log(`  MESSAGES_${i}: ${m} new migration(s)`);
    }
    // The identity stores: each one's share of the demo's keys (the identity providers' subjects linked).
    let stores = 0;
    while (env[`IDENTITY_${stores}`]) stores++;
    for (let i = 0; i < stores; i++) {
      const m = await migrate(env[`IDENTITY_${i}`] as D1, "migrations/identity");
      const statements = [...seed.identities, ...(extra.identities ?? [])]
        .filter((r) => identityStoreIndex(r.key, stores) === i)
        .map((r) => r.statement);
      await runAll(env[`IDENTITY_${i}`] as D1, statements);
      log(`  IDENTITY_${i}: ${m} new migration(s), ${statements.length} demo statements`);
    }
    for (const [binding, statements] of Object.entries(seed.shards)) {
      const db = env[binding] as D1;
      const m = await migrate(db, "migrations/region");
      await runAll(db, statements);
      log(`  ${binding}: ${m} new migration(s), ${statements.length} demo statements`);
    }
    // Demo usage as the ingest stores it: one R2 object per account and month, its daily totals in the shard.
    for (const u of seed.usage) await runAll(env[u.shard] as D1, await seedUsageMonth(files, u));
    log(`  FILES: ${seed.usage.length} usage month(s) of demo accounts`);
    await runAll(env.DB as D1, extra.global);
    for (const [binding, statements] of Object.entries(extra.shards)) await runAll(env[binding] as D1, statements);
  } finally {
    await proxy.dispose();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const persistTo = process.argv[2] ?? join(ROOT, ".wrangler/state");
  await prepareLocalDatabases(persistTo);
}
