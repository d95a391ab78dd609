import { availableParallelism } from "node:os";
import solid from "vite-plugin-solid";
import { defineConfig } from "vitest/config";

/** Web code: pure functions and components in jsdom, plus checks of the built PWA. */
export default defineConfig({
  plugins: [solid()],
  resolve: {
    conditions: ["development", "browser"],
    // vite-plugin-pwa's virtual module exists only in the app's build.
    alias: { "virtual:pwa-register/solid": new URL("./test/web/fakes/pwa-register-solid.ts", import.meta.url).pathname },
  },
  test: {
    name: "web",
    // Two files at a time even on a two-core machine (Vitest's default there is one): jsdom's set-up per file is
    // mostly waiting, and two at a time took the suite from 1:16 to 0:36.
    maxWorkers: Math.max(2, availableParallelism()),
    environment: "jsdom",
    // The files of a worker share one jsdom instead of building one each (half the suite's CPU was jsdom's set-up:
    // 73 → 19 CPU-seconds, 44 → 16 s); test/web/setup.ts gives each file new modules, storage, cookies and page.
    // Files shuffled with three seeds (--sequence.shuffle.files) passed alike.
    isolate: false,
    setupFiles: ["./test/web/setup.ts"],
    // A time limit finds a test that hangs (5 s by default): \`npm test\` runs this suite at nice 15 beside the browser
    // tests, where a test of 0.5 s alone can take several seconds. Speed is measured by the benchmarks.
    testTimeout: 30_000,
    include: ["web/**/*.test.{ts,tsx}", "test/web/**/*.test.{ts,tsx}", "scripts/**/*.test.ts"],
  },
});
