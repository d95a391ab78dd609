import { applyD1Migrations } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { SHARDS } from "../../worker/platform/db";
import { seedDatabases } from "./helpers";

// Every test file starts from migrated, seeded databases (global + each shard); the nine are separate, so side by side.
await Promise.all([
  applyD1Migrations(env.DB, env.TEST_MIGRATIONS_GLOBAL),
  ...SHARDS.map((shard) => applyD1Migrations(env[shard], env.TEST_MIGRATIONS_REGION)),
]);
await seedDatabases();
