import type { D1Migration } from "cloudflare:test";
import type { SeedSql } from "../../worker/db/seed/seed";
import type { GatewayService } from "../../worker/platform/shard-gateways";

declare global {
  namespace Cloudflare {
    interface Env {
      TEST_MIGRATIONS_GLOBAL: D1Migration[];
      TEST_MIGRATIONS_REGION: D1Migration[];
      TEST_MIGRATIONS_MESSAGES: D1Migration[];
      TEST_MIGRATIONS_IDENTITY: D1Migration[];
      /** The demo data set as SQL, built once per run (vitest.worker.config.ts), and the last day of its history. */
      TEST_DEMO_SEED: SeedSql & { historyTo: string };
      /** The shard gateway of the tests (vitest.worker.config.ts): it holds DB_MOSCOW_2. */
      SHARD_GATEWAY_0: GatewayService;
      SHARD_GATEWAYS: string;
      /** The fuzzer's request budget ("" for the default); see test/worker/fuzz.test.ts. */
      FUZZ_REQUESTS: string;
      /** The fuzzer's seed ("" for the fixed default). */
      FUZZ_SEED: string;
    }
  }
}
