import { applyD1Migrations } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { createDataAccess, shardBindings, shardDatabase } from "../../worker/platform/db";
import { registerShard } from "../../worker/platform/shard-map";
import { seedDatabases } from "./helpers";

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

// Every test file starts from migrated, seeded databases (global + each shard); they are separate, so side by side.
await Promise.all([
  migrate(env.DB, env.TEST_MIGRATIONS_GLOBAL),
  ...shardBindings(env).map((shard) => migrate(shardDatabase(env, shard) as D1Database, env.TEST_MIGRATIONS_REGION)),
]);
await seedDatabases();
// The Moscow branch's second shard (vitest.worker.config.ts binds it): in the shard map, closed for new accounts
// unless a test opens it, so the demo accounts stay where the other suites expect them.
await registerShard(createDataAccess(env), "DB_MOSCOW_2", { branch: "moscow", open: false });
