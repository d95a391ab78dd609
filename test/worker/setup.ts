import { applyD1Migrations } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { SHARDS } from "../../worker/platform/db";
import { seedDatabases } from "./helpers";

// Every test file starts from migrated, seeded databases (global + each shard).
await applyD1Migrations(env.DB, env.TEST_MIGRATIONS_GLOBAL);
for (const shard of SHARDS) await applyD1Migrations(env[shard], env.TEST_MIGRATIONS_REGION);
await seedDatabases(env);
