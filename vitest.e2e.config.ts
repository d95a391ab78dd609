import { defineConfig } from "vitest/config";

/**
 * Files that measure how fast the app is: they run alone, after the others, so that no other file's browser and
 * requests share the CPU with what they time (Lighthouse: performance, 3 pages and the accounts, 3–5 runs each).
 */
export const E2E_ALONE = ["test/e2e/quality.test.ts"];

/**
 * Browser tests: real Chromium against the real Worker served by one `wrangler dev` (the global setup, run once for
 * both projects). Two files at a time: most of a file's time is waiting for pages, so two share two cores well. They
 * share the server, its database and its dev outbox, and a file never changes what another asserts: a test that
 * changes a person's way in, a balance it checks, an inbox or a push subscription uses a subscriber of its own
 * (`ownSubscriber`, test/e2e/subscribers.ts). Then the files of E2E_ALONE, one at a time.
 */
export default defineConfig({
  test: {
    globalSetup: ["./test/e2e/global-setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // The first page of a cold dev server can take seconds; assertions wait for what a person would see.
    expect: { poll: { timeout: 15_000, interval: 100 } },
    projects: [
      {
        extends: true,
        test: {
          name: "e2e",
          include: ["test/e2e/**/*.test.ts"],
          exclude: E2E_ALONE,
          fileParallelism: true,
          maxWorkers: 2,
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          name: "e2e-alone",
          include: E2E_ALONE,
          fileParallelism: false,
          maxWorkers: 1,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
