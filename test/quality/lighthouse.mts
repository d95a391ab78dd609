/**
 * Lighthouse (mobile form factor: Moto G Power viewport, slow 4G and 4× CPU,
 * simulated) against a running server, in the Debian Chromium. Each page is
 * audited five times and the median run counts, as Lighthouse CI does: one
 * run on a busy two-core machine varies by several points.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import * as chromeLauncher from "chrome-launcher";
import lighthouse, { type RunnerResult } from "lighthouse";
import { CHROMIUM_ARGS, ensureChromium } from "../../scripts/chromium.mts";

export const CATEGORIES = ["performance", "accessibility", "best-practices"] as const;
export type Scores = Record<(typeof CATEGORIES)[number], number>;
const METRICS = ["first-contentful-paint", "largest-contentful-paint", "total-blocking-time", "cumulative-layout-shift"] as const;

export interface PageAudit {
  url: string;
  /** Scores of the median run (by performance), 0–100. */
  scores: Scores;
  /** Performance of every run, to show the spread. */
  runs: number[];
  metrics: Record<(typeof METRICS)[number], string>;
  /** Audits that cost points in the median run. */
  failing: string[];
  /** Cumulative layout shift of the median run (unitless; Lighthouse's own measure, not a timing). */
  cls: number;
  benchmarkIndex: number;
}

export interface Cookie {
  name: string;
  value: string;
  domain: string;
}

/** Puts cookies into the browser (CDP `Storage.setCookies` on the browser target), so the page itself sees them. */
async function setCookies(port: number, cookies: Cookie[]): Promise<void> {
  const { webSocketDebuggerUrl } = (await (await fetch(`http://127.0.0.1:${port}/json/version`)).json()) as {
    webSocketDebuggerUrl: string;
  };
  const ws = new WebSocket(webSocketDebuggerUrl);
  await new Promise((resolve, reject) => {
    ws.onopen = resolve;
    ws.onerror = reject;
  });
  await new Promise<void>((resolve, reject) => {
    ws.onmessage = (e) => {
      const reply = JSON.parse(String(e.data)) as { id: number; error?: { message: string } };
      if (reply.id === 1) reply.error ? reject(new Error(reply.error.message)) : resolve();
    };
    ws.send(JSON.stringify({ id: 1, method: "Storage.setCookies", params: { cookies: cookies.map((c) => ({ ...c, path: "/" })) } }));
  });
  ws.close();
}

export async function audit(
  pages: { name: string; url: string }[],
  outDir: string,
  options: { cookies?: Cookie[]; runs?: number } = {},
): Promise<Record<string, PageAudit>> {
  await mkdir(outDir, { recursive: true });
  const chrome = await chromeLauncher.launch({
    chromePath: ensureChromium(),
    chromeFlags: ["--headless=new", ...CHROMIUM_ARGS],
    logLevel: "silent",
  });
  const results: Record<string, PageAudit> = {};
  try {
    if (options.cookies) await setCookies(chrome.port, options.cookies);
    for (const { name, url } of pages) {
      const runs: RunnerResult[] = [];
      // A run whose trace Chrome failed to record (NO_NAVSTART, NO_FCP: Lighthouse's own transient errors) is
      // run again, at most twice per page; any other runtime error fails at once.
      let retries = 2;
      while (runs.length < (options.runs ?? 5)) {
        const run = await lighthouse(
          url,
          { port: chrome.port, output: "html", logLevel: "error" },
          { extends: "lighthouse:default", settings: { onlyCategories: [...CATEGORIES], formFactor: "mobile", locale: "ru" } },
        );
        if (!run) throw new Error(`Lighthouse returned nothing for ${url}`);
        const error = run.lhr.runtimeError;
        if (error && ["NO_NAVSTART", "NO_FCP"].includes(error.code) && retries-- > 0) continue;
        if (error) throw new Error(`Lighthouse failed on ${url}: ${error.code} ${error.message}`);
        // An audit that ended elsewhere (the accounts page sending a visitor without a session to the login) measured the wrong page.
        if (run.lhr.finalDisplayedUrl !== url) throw new Error(`Lighthouse on ${url} ended on ${run.lhr.finalDisplayedUrl}`);
        runs.push(run);
      }
      const perf = (r: (typeof runs)[number]) => r.lhr.categories.performance?.score ?? 0;
      const sorted = [...runs].sort((a, b) => perf(a) - perf(b));
      const median = sorted[Math.floor(sorted.length / 2)] as (typeof runs)[number];
      const { lhr } = median;
      results[name] = {
        url,
        scores: Object.fromEntries(CATEGORIES.map((c) => [c, Math.round((lhr.categories[c]?.score ?? 0) * 100)])) as Scores,
        runs: runs.map((r) => Math.round(perf(r) * 100)),
        metrics: Object.fromEntries(METRICS.map((m) => [m, lhr.audits[m]?.displayValue ?? "?"])) as PageAudit["metrics"],
        failing: Object.values(lhr.audits)
          .filter((a) => a.score !== null && a.score < 0.9 && !["informative", "manual", "notApplicable"].includes(a.scoreDisplayMode))
          .map((a) => `${a.id} (${a.displayValue ?? a.score})`),
        cls: lhr.audits["cumulative-layout-shift"]?.numericValue ?? Number.NaN,
        benchmarkIndex: Math.round(lhr.environment.benchmarkIndex),
      };
      await writeFile(join(outDir, `lighthouse-${name}.html`), median.report as string);
    }
  } finally {
    chrome.kill();
  }
  await writeFile(join(outDir, "lighthouse.json"), JSON.stringify(results, null, 2));
  return results;
}

/** A Markdown table of the results, for the README. */
export function table(results: Record<string, PageAudit>): string {
  const rows = Object.entries(results).map(
    ([name, r]) =>
      `| ${name} | ${r.scores.performance} (${r.runs.join(", ")}) | ${r.scores.accessibility} | ${r.scores["best-practices"]} | ${r.metrics["first-contentful-paint"]} | ${r.metrics["largest-contentful-paint"]} | ${r.metrics["total-blocking-time"]} | ${r.metrics["cumulative-layout-shift"]} |`,
  );
  return [
    "| Page | Performance (runs) | Accessibility | Best practices | FCP | LCP | TBT | CLS |",
    "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ...rows,
  ].join("\n");
}
