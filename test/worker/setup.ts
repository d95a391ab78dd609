import { applyD1Migrations } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { createDataAccess, shardBindings, shardDatabase } from "../../worker/platform/db";
import { registerShard } from "../../worker/platform/shard-map";
import { seedDatabases } from "./helpers";

// Every test file starts from migrated, seeded databases (global + each shard); they are separate, so side by side.
await Promise.all([
  applyD1Migrations(env.DB, env.TEST_MIGRATIONS_GLOBAL),
  ...shardBindings(env).map((shard) => applyD1Migrations(shardDatabase(env, shard) as D1Database, env.TEST_MIGRATIONS_REGION)),
]);
await seedDatabases();
// The Moscow branch's second shard (vitest.worker.config.ts binds it): in the shard map, closed for new accounts
// unless a test opens it, so the demo accounts stay where the other suites expect them.
await registerShard(createDataAccess(env), "DB_MOSCOW_2", { branch: "moscow", open: false });
