import { defineConfig } from "vitest/config";

/** Browser tests: real Chromium against the real Worker served by `wrangler dev`. */
export default defineConfig({
  test: {
    name: "e2e",
    include: ["test/e2e/**/*.test.ts"],
    globalSetup: ["./test/e2e/global-setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    fileParallelism: false,
    // The first page of a cold dev server can take seconds; assertions wait for what a person would see.
    expect: { poll: { timeout: 15_000, interval: 100 } },
  },
});
