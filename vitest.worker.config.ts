import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import { providersConfig } from "./scripts/demo-idp.mts";
import { generateVapidKeys } from "./scripts/vapid.mts";

/** Worker tests run inside workerd with the bindings of wrangler.toml; every shard is migrated and seeded. */
export default defineConfig(async () => {
  const globalMigrations = await readD1Migrations("migrations/global");
  const regionMigrations = await readD1Migrations("migrations/region");
  // Web-push keys of this run (production keeps them in secrets; locally .dev.vars).
  const vapid = await generateVapidKeys();
  return {
    plugins: [
      cloudflareTest(({ inject }) => ({
        wrangler: { configPath: "./wrangler.toml" },
        miniflare: {
          // A second shard of the Moscow branch (added to wrangler.toml's bindings): accounts live on two shards of one branch.
          d1Databases: { DB_MOSCOW_2: "kabinet-moscow-2" },
          bindings: {
            TEST_MIGRATIONS_GLOBAL: globalMigrations,
            TEST_MIGRATIONS_REGION: regionMigrations,
            // Identity providers: the local server started in globalSetup (approves every sign-in as one person).
            OIDC_PROVIDERS: providersConfig(inject("oidcIssuer"), { providers: ["gosuslugi", "vkid"] }),
            VAPID_PUBLIC_KEY: vapid.publicKey,
            VAPID_PRIVATE_JWK: vapid.privateJwk,
            // The schema fuzzer (test/worker/fuzz.test.ts): its request budget and seed; `npm run fuzz` raises the budget.
            FUZZ_REQUESTS: process.env.FUZZ_REQUESTS ?? "",
            FUZZ_SEED: process.env.FUZZ_SEED ?? "",
          },
        },
      })),
    ],
    test: {
      name: "worker",
      silent: "passed-only" as const,
      include: ["worker/**/*.test.ts", "test/worker/**/*.test.ts"],
      setupFiles: ["./test/worker/setup.ts"],
      globalSetup: ["./test/worker/global-setup.ts"],
      // A login hashes with argon2id (~0.1 s of CPU, more on a busy 2-core runner): flows with several logins need more than 5 s.
      testTimeout: 20_000,
    },
  };
});
