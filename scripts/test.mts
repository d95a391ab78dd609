/**
 * `npm test`: builds the PWA, then runs every suite: the Worker in workerd,
 * the web code, and the browser tests in real Chromium against `wrangler dev`.
 * The Worker and web suites run beside the browser tests (which mostly wait for
 * pages), then the browser files that time the app (Lighthouse) run alone. A browser file that failed beside the
 * others only by a wait running out runs again after them, and counts as that run finds it.
 * Prints the totals with each stage's wall time and exits non-zero if anything
 * failed or nothing ran.
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statfsSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { stripVTControlCharacters } from "node:util";
import { ensureChromium, ensureHeadlessShell, ensurePdftotext } from "./chromium.mts";

const ROOT = new URL("..", import.meta.url).pathname;
const REPORTS = join(ROOT, ".e2e/reports");

interface Stage {
  name: string;
  /** Its report's name, and the prefix of its output lines while stages run side by side. */
  tag: string;
  config: string;
  project?: string;
  /**
   * Niceness: the Worker and web suites yield the cores to the browser tests beside them (Chromium and the test files
   * at 0, their `wrangler dev` at 10: test/e2e/global-setup.ts), whose pages, server and polls wait on time; they
   * take the cycles the browser tests leave idle.
   */
  nice?: number;
  /** Only these test files (the browser files that failed beside the Worker suite, run again alone). */
  files?: string[];
}

const worker: Stage = {
  name: "worker (unit tests in Node, the rest in workerd)",
  tag: "worker",
  config: "vitest.worker.config.ts",
  nice: 15,
};
const web: Stage = { name: "web", tag: "web", config: "vitest.web.config.ts", nice: 15 };
// Two files at a time (vitest.e2e.config.ts, project "e2e").
const browser: Stage = { name: "browser (Chromium)", tag: "browser", config: "vitest.e2e.config.ts", project: "e2e" };
// The files that measure how fast the app is (Lighthouse): alone on the machine, after everything else.
const timed: Stage = {
  name: "browser, timed alone (Lighthouse)",
  tag: "timed",
  config: "vitest.e2e.config.ts",
  project: "e2e-alone",
};

/**
 * The suites' temporary files in memory where the machine has room for them (tmpfs at /dev/shm, 2 GB free): Miniflare
 * keeps every D1 database, bucket and Durable Object of the Worker suite in files under the temporary folder, and each
 * test file writes them anew. On disk that was 11 % of the suite's CPU (its fsyncs and the kernel's writeback: 408 → 364
 * CPU-seconds, 231 → 203 s alone). Chromium's profiles and Lighthouse's traces go there too. Elsewhere (a container's
 * 64 MB /dev/shm, another OS) the usual temporary folder.
 */
function memoryTmp(): string | undefined {
  if (process.platform !== "linux") return undefined;
  try {
    const fs = statfsSync("/dev/shm");
    if (fs.bavail * fs.bsize < 2 * 1024 ** 3) return undefined;
    return mkdtempSync("/dev/shm/kabinet-test-");
  } catch {
    return undefined;
  }
}
const TMP = memoryTmp();
const ENV = { ...process.env, WRANGLER_SEND_METRICS: "false", ...(TMP ? { TMPDIR: TMP } : {}) };
process.on("exit", () => {
  if (TMP) rmSync(TMP, { recursive: true, force: true });
});
const NICE = process.platform === "linux" && existsSync("/usr/bin/nice") ? "/usr/bin/nice" : null;

// Fail early with the install command rather than in the middle of the run.
ensureChromium();
ensureHeadlessShell();
ensurePdftotext();

/** Wall time as `m:ss` (seconds under a minute: `12.3 s`). */
function wall(ms: number): string {
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

const started = performance.now();
console.log("▶ Building the web app…");
if ((spawnSync("vite", ["build", "--logLevel", "warn"], { cwd: ROOT, stdio: "inherit", env: ENV }).status ?? 1) !== 0) process.exit(1);
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
    /** "failed" also for a file whose hook failed, that failed to load or never finished (no test need have failed). */
    status?: string;
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
 * What the browser tests' server logged as warnings and errors in its latest run (test/e2e/global-setup.ts keeps its
 * output in .e2e/reports/wrangler.log): each kind once, with its count and its last line, so the tail of a CI log
 * says what the server saw when a browser test failed. The Worker's logs carry ids, never personal data.
 */
function serverTrouble(): string[] {
  let text: string;
  try {
    text = readFileSync(join(REPORTS, "wrangler.log"), "utf8");
  } catch {
    return [];
  }
  const run = text.slice(Math.max(0, text.lastIndexOf("\n--- wrangler dev on port")));
  const kinds = new Map<string, { n: number; last: string }>();
  for (const line of run.split("\n")) {
    // wrangler marks a warning's or an error's line (`▲ [WARNING] {…}`), in colour.
    const at = line.indexOf('{"level"');
    if (at < 0) continue;
    const json = stripVTControlCharacters(line.slice(at));
    try {
      const entry = JSON.parse(json) as { level?: string; msg?: string };
      if (entry.level !== "warn" && entry.level !== "error") continue;
      const kind = `${entry.level} ${entry.msg}`;
      kinds.set(kind, { n: (kinds.get(kind)?.n ?? 0) + 1, last: json });
    } catch {
      // not one of the Worker's log lines
    }
  }
  if (kinds.size === 0) return ["      the server logged no warnings or errors"];
  return [
    "      the server's warnings and errors (count, last one):",
    ...[...kinds.values()].slice(-15).map(({ n, last }) => `        ${n} × ${last.slice(0, 240)}`),
  ];
}

function firstLine(text: string): string {
  const line =
    stripVTControlCharacters(text)
      .split("\n")
      .find((l) => l.trim() !== "") ?? "";
  return line.trim().slice(0, 300);
}

interface Run {
  code: number;
  ms: number;
  /** Whether its output reported an error outside the tests (an unhandled error, a global setup's or teardown's). */
  outside?: boolean;
}

/**
 * Runs one stage's Vitest with a JSON report. While stages run side by side, each line of its output is prefixed
 * with its tag (`[worker] …`), so a CI log still reads per stage.
 */
function runStage(stage: Stage, prefixed: boolean): Promise<Run> {
  const stageStarted = performance.now();
  const args = [
    "run",
    "--config",
    stage.config,
    ...(stage.project ? ["--project", stage.project] : []),
    ...(stage.files ?? []),
    "--reporter=default",
    "--reporter=json",
    `--outputFile.json=${join(REPORTS, `${stage.tag}.json`)}`,
  ];
  const [cmd, argv] = stage.nice && NICE ? [NICE, ["-n", String(stage.nice), "vitest", ...args]] : ["vitest", args];
  console.log(`\n▶ ${stage.name}`);
  const output = prefixed ? "pipe" : "inherit";
  const child = spawn(cmd, argv, { cwd: ROOT, env: ENV, stdio: ["ignore", output, output] });
  let outside = false;
  for (const stream of [child.stdout, child.stderr])
    if (stream)
      createInterface({ input: stream }).on("line", (line) => {
        if (/Unhandled (Error|Rejection)|global[- ]?setup|teardown/i.test(stripVTControlCharacters(line))) outside = true;
        console.log(`[${stage.tag}] ${line}`);
      });
  return new Promise((resolve) => {
    child.on("error", () => resolve({ code: 1, ms: performance.now() - stageStarted, outside: true }));
    child.on("close", (code) => resolve({ code: code ?? 1, ms: performance.now() - stageStarted, outside }));
  });
}

const totals = { passed: 0, failed: 0, skipped: 0 };
const lines: string[] = [`  ✓ build: ${wall(built - started)}`];
let ok = true;

/** A stage's JSON report, or an empty one (the run crashed before any test). */
function reportOf(stage: Stage): Report {
  try {
    return JSON.parse(readFileSync(join(REPORTS, `${stage.tag}.json`), "utf8"));
  } catch {
    return { numPassedTests: 0, numFailedTests: 0, numPendingTests: 0, numTodoTests: 0, numTotalTests: 0 };
  }
}

/** A report's file as a path from the repository's root. */
const relative = (name: string) => (name.startsWith(ROOT) ? name.slice(ROOT.length) : name);

/** A failure that is a wait running out: Playwright's timeouts, a poll that never succeeded, a test's own time limit. */
const WAITED = /Timeout \d+ms exceeded|Test timed out|__VITEST_POLL_CHAIN__|did not succeed in time/;
/** At most this many browser files are run again: more failing at once is not a slow page but something broken. */
const AGAIN_MAX = 3;

/**
 * The browser files to run again alone, or none: every file the report marks failed (a test, a hook, a file that
 * failed to load or never finished), when each failed only by a test's wait running out, there are at most
 * AGAIN_MAX of them, and the run reported no error outside its tests. Anything else stays a failure.
 */
function filesToRunAgain(r: Report, run: Run): string[] {
  if (run.code === 0 || run.outside || r.numFailedTests === 0) return [];
  const failed = (r.testResults ?? []).filter((f) => f.status === "failed");
  if (failed.length === 0 || failed.length > AGAIN_MAX) return [];
  const waitedOnly = failed.every((f) => {
    const tests = (f.assertionResults ?? []).filter((a) => a.status === "failed");
    return tests.length > 0 && !f.message && tests.every((a) => (a.failureMessages ?? []).some((m) => WAITED.test(m)));
  });
  return waitedOnly ? failed.map((f) => relative(f.name)) : [];
}

/**
 * Adds a finished stage's counts, and its line with its failures, to the totals. `without`: files whose tests are
 * counted by a later run of them instead (their failures are still listed here, marked as run again).
 */
function record(stage: Stage, { code, ms }: Run, note = "", without: readonly string[] = []) {
  const r = reportOf(stage);
  let passed = r.numPassedTests;
  let failed = r.numFailedTests;
  for (const file of r.testResults ?? []) {
    if (!without.includes(relative(file.name))) continue;
    const results = file.assertionResults ?? [];
    passed -= results.filter((a) => a.status === "passed").length;
    failed -= results.filter((a) => a.status === "failed").length;
  }
  totals.passed += passed;
  totals.failed += failed;
  totals.skipped += r.numPendingTests + r.numTodoTests;
  // A non-zero exit is forgiven only for the files run again (`filesToRunAgain` chose them as all it failed on).
  const stageOk = (code === 0 || without.length > 0) && r.numTotalTests > 0 && failed === 0;
  ok &&= stageOk;
  const exit = code !== 0 && r.numFailedTests === 0 ? ` (exit ${code})` : "";
  const again = without.length > 0 ? ` (${r.numFailedTests} failed beside the other suites by a wait running out, run again below)` : "";
  lines.push(
    `  ${stageOk ? "✓" : "✗"} ${stage.name}: ${passed} passed, ${failed} failed${exit}${again}, ${wall(ms)}${note}`,
    ...failures(r),
  );
}

// The browser tests and the Worker suite side by side; the web suite as soon as either of them ends (three at once
// starved the web suite's timed waits). The Worker suite alone keeps the cores busy only about two-thirds of the time
// (its tests wait on queues and timers), so the web suite fills that.
const sideBySide = performance.now();
const browserRunning = runStage(browser, true);
const workerRunning = runStage(worker, true);
const webRunning = Promise.race([browserRunning, workerRunning]).then(() => runStage(web, true));
const [browserRun, workerRun, webRun] = await Promise.all([browserRunning, workerRunning, webRunning]);
const together = performance.now() - sideBySide;
// A browser file whose tests failed beside the Worker suite only by a wait running out (a page waited on for 30–45 s)
// runs once more after the other suites, on a fresh server, and its tests count as that run finds them: a real
// failure fails twice (and the run), while one that only the shared cores made slow is named in the first run's
// lines, for a look, without turning the run red. Any other failure (an assertion, a hook, a file that failed to
// load, an error outside the tests, more than AGAIN_MAX files, a crashed stage) is not run again.
const browserReport = reportOf(browser);
const again = filesToRunAgain(browserReport, browserRun);
const trouble = browserRun.code !== 0 ? serverTrouble() : [];
record(browser, browserRun, "", again);
if (browserRun.code !== 0) lines.push(...trouble);
record(worker, workerRun, ", beside the browser tests");
record(web, webRun, ", once the first of those two ended");
lines.push(`    those three side by side: ${wall(together)}`);
if (again.length > 0) {
  const alone: Stage = {
    ...browser,
    name: `browser, ${again.length} file(s) whose waits ran out, again without the other suites`,
    tag: "browser-again",
    files: again,
  };
  const run = await runStage(alone, false);
  // Exactly those files, or the run is not what it claims to be.
  const ran = (reportOf(alone).testResults ?? []).map((f) => relative(f.name)).sort();
  record(alone, ran.join() === [...again].sort().join() ? run : { ...run, code: run.code || 1 });
}
record(timed, await runStage(timed, false));

console.log(`\nTest totals\n${lines.join("\n")}`);
console.log(`${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped in ${wall(performance.now() - started)}`);
process.exit(ok ? 0 : 1);
