/**
 * Cost of password hashing inside workerd (the Workers runtime, served by
 * `wrangler dev`). Timers do not advance inside a Worker, so each operation
 * is timed from outside as a request and reported as a ratio to a request
 * that does nothing.
 *
 *   npm run bench
 */
import { spawn } from "node:child_process";
import { join } from "node:path";

const ROOT = new URL("../..", import.meta.url).pathname;
const PORT = Number(process.env.BENCH_PORT ?? 8798);
const base = `http://127.0.0.1:${PORT}`;

const server = spawn(
  join(ROOT, "node_modules/.bin/wrangler"),
  ["dev", "--config", "test/bench/wrangler.bench.toml", "--port", String(PORT), "--ip", "127.0.0.1"],
  {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
  },
);
await new Promise<void>((resolve, reject) => {
  const timer = setTimeout(() => reject(new Error("wrangler dev did not start")), 60_000);
  server.stdout?.on("data", (c: Buffer) => {
    if (/Ready on/.test(c.toString())) {
      clearTimeout(timer);
      resolve();
    }
  });
});

async function median(path: string, runs: number): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await (await fetch(base + path)).text();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] ?? 0;
}

try {
  await median("/", 20); // warm up
  const noop = await median("/", 200);
  const rows: [string, number][] = [
    ["no-op request", noop],
    ["SHA-256 once", await median("/sha256", 200)],
    ["PBKDF2-SHA-256 100,000 iterations (Kabinet; the production maximum)", await median("/pbkdf2?i=100000", 30)],
    ["PBKDF2-SHA-256 600,000 iterations (OWASP; refused by production)", await median("/pbkdf2?i=600000", 10)],
  ];
  // "net" subtracts the request itself: what the hash alone costs, and how many a core can try per second.
  console.log(`${"operation".padEnd(72)}${"median ms".padStart(10)}${"× no-op".padStart(10)}${"net ms".padStart(9)}${"net/s".padStart(8)}`);
  for (const [name, ms] of rows) {
    const net = Math.max(0, ms - noop);
    const perSecond = net > 0.05 ? (1000 / net).toFixed(0) : "—";
    console.log(
      `${name.padEnd(72)}${ms.toFixed(2).padStart(10)}${(ms / noop).toFixed(1).padStart(10)}${net.toFixed(2).padStart(9)}${perSecond.padStart(8)}`,
    );
  }
} finally {
  server.kill("SIGINT");
}
