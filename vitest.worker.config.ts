import { readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { transformSync } from "esbuild";
import { defineConfig, type Plugin } from "vitest/config";
import { providersConfig } from "./scripts/demo-idp.mts";
import { generateVapidKeys } from "./scripts/vapid.mts";

/** The Worker's pure unit tests, next to the code they test: they need no binding, so they run in Node. */
const UNIT_TESTS = ["worker/**/*.test.ts"];

/**
 * `import wasm from "….wasm"` in Node as wrangler and the vitest plugin
 * compile it for workerd: the default export is a `WebAssembly.Module`
 * (argon2id's build, worker/platform/password.ts).
 */
function wasmModules(): Plugin {
  // The file's path rides in the virtual id (base64url: no "node_modules" in it, so Vitest runs the module it loads
  // instead of importing the .wasm itself), and is read back from it: Vitest's module cache may call load() alone.
  const PREFIX = "\0kabinet-wasm:";
  return {
    name: "kabinet:wasm-modules",
    enforce: "pre",
    async resolveId(source, importer) {
      if (!source.endsWith(".wasm")) return null;
      const resolved = await this.resolve(source, importer, { skipSelf: true });
      return resolved ? PREFIX + Buffer.from(resolved.id).toString("base64url") : null;
    },
    load(id) {
      if (!id.startsWith(PREFIX)) return null;
      const file = JSON.stringify(Buffer.from(id.slice(PREFIX.length), "base64url").toString());
      return `import { readFileSync } from "node:fs";\nexport default new WebAssembly.Module(readFileSync(${file}));`;
    },
  };
}

/**
 * The shard gateway (worker/gateway.ts) as an auxiliary Worker of the tests' workerd, bound to the shards given. It
 * imports nothing of the app at run time, so its TypeScript compiled alone is the whole script.
 */
function shardGatewayWorker(d1Databases: Record<string, string>) {
  const { code } = transformSync(readFileSync("worker/gateway.ts", "utf8"), { loader: "ts", format: "esm", target: "es2022" });
  return {
    name: "kabinet-shards-0",
    modules: true,
    script: code,
    compatibilityDate: "2026-11-01",
    d1Databases,
  };
}

/**
 * Two projects: the Worker's unit tests in Node, and the rest inside workerd
 * with the bindings of wrangler.toml, every file on migrated, seeded databases.
 */
export default defineConfig(async () => {
  const globalMigrations = await readD1Migrations("migrations/global");
  const regionMigrations = await readD1Migrations("migrations/region");
  const messagesMigrations = await readD1Migrations("migrations/messages");
  const identityMigrations = await readD1Migrations("migrations/identity");
  // Web-push keys of this run (production keeps them in secrets; locally .dev.vars).
  const vapid = await generateVapidKeys();
  return {
    test: {
      // One file more than there are cores (Vitest's default is cores − 1): a file spends much of its time waiting
      // (queues, workerd's I/O, module loading). Two at a time on two cores took the suite from 10:41 to 6:37; three kept
      // the cores busy where two left them idle a third of the time (the workerd suite alone: 259 s → 231 s).
      maxWorkers: Math.max(2, availableParallelism() + 1),
      projects: [
        {
          plugins: [wasmModules()],
          // 20 s, not Vitest's 5: the unit files that draw PDFs or build the demo seed take 1–1.5 s alone, and over 5 s
          // beside the workerd suite and the browser tests on a two-core machine under other load.
          test: { name: "worker-unit", environment: "node", include: UNIT_TESTS, testTimeout: 20_000 },
        },
        {
          plugins: [
            cloudflareTest(({ inject }) => ({
              wrangler: { configPath: "./wrangler.toml" },
              miniflare: {
                // A second shard of the Moscow branch: accounts live on two shards of one branch. The main Worker reaches it
                // through a shard gateway (worker/gateway.ts), over RPC, as production reaches the shards past its own
                // bindings' limit: every suite that uses it goes through the gateway.
                serviceBindings: { SHARD_GATEWAY_0: { name: "kabinet-shards-0" } },
                // Also a global database and a message store of its own, which it must never answer for.
                workers: [
                  shardGatewayWorker({ DB_MOSCOW_2: "kabinet-moscow-2", DB: "gateway-decoy-global", MESSAGES_0: "gateway-decoy-messages" }),
                ],
                bindings: {
                  SHARD_GATEWAYS: JSON.stringify({ SHARD_GATEWAY_0: ["DB_MOSCOW_2"] }),
                  TEST_MIGRATIONS_GLOBAL: globalMigrations,
                  TEST_MIGRATIONS_REGION: regionMigrations,
                  TEST_MIGRATIONS_MESSAGES: messagesMigrations,
                  TEST_MIGRATIONS_IDENTITY: identityMigrations,
                  // The demo data set as SQL, built once for the run in globalSetup, not in every file's setup.
                  TEST_DEMO_SEED: inject("demoSeed"),
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
            // The files share a workerd (one per Vitest worker) instead of starting one each (~2.6 s) and importing the
            // app again (~4 s): test/worker/setup.ts gives each file new storage, migrated and seeded, and a new
            // isolate's module state, and drops the queue messages an earlier file left (test/worker/isolation.ts).
            isolate: false,
            silent: "passed-only" as const,
            include: ["test/worker/**/*.test.ts"],
            setupFiles: ["./test/worker/setup.ts"],
            globalSetup: ["./test/worker/global-setup.ts"],
            // A time limit finds a test that hangs; it does not measure speed (the benchmarks do). \`npm test\` runs this
            // suite at nice 15 beside the browser tests, which then get ~28 times its share of the 2 cores: a flow that
            // takes 2.5 s alone (the 220-account act of reconciliation.test.ts) took over 20 s in CI that way.
            testTimeout: 90_000,
            // The same for a file's beforeAll that logs several people in.
            hookTimeout: 90_000,
          },
        },
      ],
    },
  };
});
