import type { D1Migration } from "cloudflare:test";

declare global {
  namespace Cloudflare {
    interface Env {
      TEST_MIGRATIONS_GLOBAL: D1Migration[];
      TEST_MIGRATIONS_REGION: D1Migration[];
    }
  }
}
