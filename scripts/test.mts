/**
 * `npm test`: builds the PWA, then runs every suite: the Worker in workerd,
 * the web code, and the browser tests in real Chromium against `wrangler dev`.
 * Prints the totals with each stage's wall time and exits non-zero if anything
 * failed or nothing ran.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { stripVTControlCharacters } from "node:util";
import { E2E_ALONE } from "../vitest.e2e.config.ts";
import { ensureChromium, ensurePdftotext } from "./chromium.mts";

const ROOT = new URL("..", import.meta.url).pathname;
const REPORTS = join(ROOT, ".e2e/reports");

const suites = [
  { name: "worker (unit tests in Node, the rest in workerd)", config: "vitest.worker.config.ts" },
  { name: "web", config: "vitest.web.config.ts" },
  // Two files at a time, then the files that time the app (E2E_ALONE) alone: each part's wall time is printed too.
  { name: "browser (Chromium)", config: "vitest.e2e.config.ts", alone: E2E_ALONE },
];

function run(cmd: string, args: string[]): number {
  return spawnSync(cmd, args, { cwd: ROOT, stdio: "inherit", env: { ...process.env, WRANGLER_SEND_METRICS: "false" } }).status ?? 1;
}

// Fail early with the install command rather than in the middle of the run.
ensureChromium();
ensurePdftotext();

/** Wall time as `m:ss` (seconds under a minute: `12.3 s`). */
function wall(ms: number): string {
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

const started = performance.now();
console.log("▶ Building the web app…");
if (run("vite", ["build", "--logLevel", "warn"]) !== 0) process.exit(1);
const built = performance.now();

rmSync(REPORTS, { recursive: true, force: true });
mkdirSync(REPORTS, { recursive: true });

interface Report {
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  numTodoTests: number;
  numTotalTests: number;
  testResults?: {
    name: string;
    startTime?: number;
    endTime?: number;
    message?: string;
    assertionResults?: { status: string; fullName: string; failureMessages?: string[] }[];
  }[];
}

/**
 * The failed tests by file and name with the first line of their error, so the
 * tail of a CI log says what broke without the whole run's output.
 */
function failures(r: Report): string[] {
  const out: string[] = [];
  for (const file of r.testResults ?? []) {
    const rel = file.name.startsWith(ROOT) ? file.name.slice(ROOT.length) : file.name;
    const failed = (file.assertionResults ?? []).filter((a) => a.status === "failed");
    if (failed.length === 0 && file.message) out.push(`      ${rel}: ${firstLine(file.message)}`);
    for (const a of failed) out.push(`      ${rel} › ${a.fullName}: ${firstLine(a.failureMessages?.[0] ?? "")}`);
  }
  return out;
}

/**
 * The wall time of the files run together and of those run alone after them (`alone`, paths from the root), from
 * the files' start and end times in the report: «(together 4:10, alone 1:45)», or nothing without times.
 */
function parts(r: Report, alone: string[]): string {
  const span = (files: { startTime?: number; endTime?: number }[]) => {
    const starts = files.map((f) => f.startTime).filter((t) => typeof t === "number");
    const ends = files.map((f) => f.endTime).filter((t) => typeof t === "number");
    return starts.length && ends.length ? Math.max(...ends) - Math.min(...starts) : null;
  };
  const isAlone = (f: { name: string }) => alone.some((a) => f.name === join(ROOT, a));
  const together = span((r.testResults ?? []).filter((f) => !isAlone(f)));
  const apart = span((r.testResults ?? []).filter(isAlone));
  if (together === null || apart === null) return "";
  return ` (two at a time ${wall(together)}, alone ${wall(apart)})`;
}

function firstLine(text: string): string {
  const line =
    stripVTControlCharacters(text)
      .split("\n")
      .find((l) => l.trim() !== "") ?? "";
  return line.trim().slice(0, 300);
}

const totals = { passed: 0, failed: 0, skipped: 0 };
const lines: string[] = [`  ✓ build: ${wall(built - started)}`];
let ok = true;
for (const s of suites) {
  console.log(`\n▶ ${s.name}`);
  const out = join(REPORTS, `${s.config}.json`);
  const stageStarted = performance.now();
  const code = run("vitest", ["run", "--config", s.config, "--reporter=default", "--reporter=json", `--outputFile.json=${out}`]);
  let r: Report = { numPassedTests: 0, numFailedTests: 0, numPendingTests: 0, numTodoTests: 0, numTotalTests: 0 };
  try {
    r = JSON.parse(readFileSync(out, "utf8"));
  } catch {
    // no report: the run crashed before any test; counted as a failure below
  }
  totals.passed += r.numPassedTests;
  totals.failed += r.numFailedTests;
  totals.skipped += r.numPendingTests + r.numTodoTests;
  const took = wall(performance.now() - stageStarted);
  const suiteOk = code === 0 && r.numTotalTests > 0 && r.numFailedTests === 0;
  ok &&= suiteOk;
  lines.push(
    `  ${suiteOk ? "✓" : "✗"} ${s.name}: ${r.numPassedTests} passed, ${r.numFailedTests} failed${code !== 0 && r.numFailedTests === 0 ? ` (exit ${code})` : ""}, ${took}${s.alone ? parts(r, s.alone) : ""}`,
    ...failures(r),
  );
}

console.log(`\nTest totals\n${lines.join("\n")}`);
console.log(`${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped in ${wall(performance.now() - started)}`);
process.exit(ok ? 0 : 1);
