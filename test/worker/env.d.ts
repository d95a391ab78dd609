import type { D1Migration } from "cloudflare:test";

declare global {
  namespace Cloudflare {
    interface Env {
      TEST_MIGRATIONS_GLOBAL: D1Migration[];
      TEST_MIGRATIONS_REGION: D1Migration[];
      /** The fuzzer's request budget ("" for the default); see test/worker/fuzz.test.ts. */
      FUZZ_REQUESTS: string;
      /** The fuzzer's seed ("" for the fixed default). */
      FUZZ_SEED: string;
    }
  }
}
