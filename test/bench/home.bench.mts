/**
 * The home screen's API under concurrent load on the local server (wrangler
 * dev, local D1), as ratios to a trivial route of the same Worker, and the
 * D1 queries each request makes (from the Server-Timing header). The issue's
 * goal (#21) is the home route's p99 within 1.5× the trivial route's at 50
 * concurrent clients, both measured in the same run.
 *
 *   npm run bench:home   (CONCURRENCY, REQUESTS, BENCH_PORT to change the load or the port)
 */
import { spawn } from "node:child_process";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { Agent, fetch } from "undici";
import { prepareLocalDatabases } from "../../scripts/local-db.mts";

const ROOT = new URL("../..", import.meta.url).pathname;
const PORT = Number(process.env.BENCH_PORT ?? 8797);
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 50);
const REQUESTS = Number(process.env.REQUESTS ?? 800);
const origin = `http://msk.kabinet.localhost:${PORT}`;
const dispatcher = new Agent({
  connections: CONCURRENCY,
  connect: {
    lookup: (_h, opts, cb) =>
      (opts as { all?: boolean }).all ? cb(null, [{ address: "127.0.0.1", family: 4 }]) : cb(null, "127.0.0.1", 4),
  },
});

const state = join(ROOT, ".e2e/bench-state");
await rm(state, { recursive: true, force: true });
await prepareLocalDatabases(state, () => {});
const server = spawn(
  join(ROOT, "node_modules/.bin/wrangler"),
  ["dev", "--port", String(PORT), "--ip", "127.0.0.1", "--persist-to", state],
  {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
  },
);
await new Promise<void>((resolve, reject) => {
  const timer = setTimeout(() => reject(new Error("wrangler dev did not start")), 90_000);
  server.stdout?.on("data", (c: Buffer) => {
    if (/Ready on/.test(c.toString())) {
      clearTimeout(timer);
      resolve();
    }
  });
});

async function run(path: string, headers: Record<string, string>) {
  const latencies: number[] = [];
  let d1 = "";
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < REQUESTS) {
        next++;
        const t = performance.now();
        const res = await fetch(origin + path, { dispatcher, headers });
        await res.arrayBuffer();
        if (res.status !== 200) throw new Error(`${path} answered ${res.status}`);
        latencies.push(performance.now() - t);
        d1 = res.headers.get("server-timing") ?? d1;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? 0;
  return { p50: pct(50), p95: pct(95), p99: pct(99), rps: latencies.length / seconds, d1: /desc="([^"]+)"/.exec(d1)?.[1] ?? "none" };
}

try {
  const login = await fetch(`${origin}/api/v1/auth/login`, {
    dispatcher,
    method: "POST",
    headers: { "content-type": "application/json", origin, "sec-fetch-site": "same-origin" },
    body: JSON.stringify({ identifier: "+7 900 000-00-01", password: "Kabinet2026" }),
  });
  const cookie = /kab_session=[^;]+/.exec(login.headers.get("set-cookie") ?? "")?.[0];
  if (!cookie) throw new Error(`login failed: ${login.status}`);
  await run("/api/v1/region", {}); // warm up
  const trivial = await run("/api/v1/region", {});
  const home = await run("/api/v1/accounts", { cookie });
  console.log(`${CONCURRENCY} concurrent clients, ${REQUESTS} requests each route (local wrangler dev, local D1)\n`);
  console.log(
    `${"route".padEnd(38)}${"p50 ms".padStart(9)}${"p95 ms".padStart(9)}${"p99 ms".padStart(9)}${"req/s".padStart(9)}   D1 per request`,
  );
  for (const [name, r] of [
    ["GET /api/v1/region (trivial)", trivial],
    ["GET /api/v1/accounts (home, 4 accts)", home],
  ] as const) {
    console.log(
      `${name.padEnd(38)}${r.p50.toFixed(1).padStart(9)}${r.p95.toFixed(1).padStart(9)}${r.p99.toFixed(1).padStart(9)}${r.rps.toFixed(0).padStart(9)}   ${r.d1}`,
    );
  }
  console.log(
    `\nratio home/trivial: p50 ×${(home.p50 / trivial.p50).toFixed(2)}, p95 ×${(home.p95 / trivial.p95).toFixed(2)}, p99 ×${(home.p99 / trivial.p99).toFixed(2)} (goal ≤ 1.5), throughput ×${(home.rps / trivial.rps).toFixed(2)}`,
  );
} finally {
  server.kill("SIGINT");
  await dispatcher.close();
}
