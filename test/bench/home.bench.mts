/**
 * The home screen's API under concurrent load on the local server (wrangler
 * dev, local D1), as ratios to a trivial route of the same Worker, and the
 * D1 queries each request makes (from the Server-Timing header). The issue's
 * goal (#21) is the home route's p99 within 1.5× the trivial route's at 50
 * concurrent clients, both measured in the same run.
 *
 * Latencies depend on whatever else the machine runs; the CPU time the server's
 * processes spent per request (user + system, from /proc, Linux only) much
 * less, so it is printed too, per process: the Worker's workerd (the Worker and
 * local D1, whose every round trip is served in the same process), wrangler's
 * proxy workerd (it takes the connections and passes each request on) and
 * wrangler's own Node process.
 *
 *   npm run bench:home   (CONCURRENCY, REQUESTS, BENCH_PORT to change the load or the port)
 */
import { spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
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

/** CPU seconds (user + system) of a process and all its descendants, summed by role (see `roleOf`); empty without /proc. */
function cpuByCommand(root: number): Map<string, number> {
  const procs: { pid: number; ppid: number; comm: string; cpu: number }[] = [];
  let pids: string[] = [];
  try {
    pids = readdirSync("/proc").filter((d) => /^\d+$/.test(d));
  } catch {
    return new Map();
  }
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const close = stat.lastIndexOf(")");
      const rest = stat.slice(close + 2).split(" ");
      // proc(5): after "(comm)", field 3 is the state, 4 the parent, 14 and 15 the user and system time in ticks.
      procs.push({
        pid: Number(pid),
        ppid: Number(rest[1]),
        comm: stat.slice(stat.indexOf("(") + 1, close),
        cpu: (Number(rest[11]) + Number(rest[12])) / TICKS,
      });
    } catch {
      // gone meanwhile
    }
  }
  const tree = new Set([root]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const p of procs)
      if (!tree.has(p.pid) && tree.has(p.ppid)) {
        tree.add(p.pid);
        grew = true;
      }
  }
  const out = new Map<string, number>();
  for (const p of procs) {
    if (!tree.has(p.pid)) continue;
    const role = roleOf(p.pid, p.comm);
    out.set(role, (out.get(role) ?? 0) + p.cpu);
  }
  return out;
}

/** The proxy is the workerd that listens on the bench's port; the other one runs the Worker; the rest is wrangler. */
function roleOf(pid: number, comm: string): "worker" | "proxy" | "wrangler" {
  if (comm !== "workerd") return "wrangler";
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(`entry=127.0.0.1:${PORT}`) ? "proxy" : "worker";
  } catch {
    return "worker";
  }
}
const TICKS = 100; // USER_HZ, the unit of /proc's times on Linux

async function run(path: string, headers: Record<string, string>) {
  const cpuBefore = cpuByCommand(server.pid ?? -1);
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
  const cpuAfter = cpuByCommand(server.pid ?? -1);
  const cpuMs = (name: string) => (((cpuAfter.get(name) ?? 0) - (cpuBefore.get(name) ?? 0)) * 1000) / latencies.length;
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? 0;
  return {
    p50: pct(50),
    p95: pct(95),
    p99: pct(99),
    rps: latencies.length / seconds,
    workerMs: cpuMs("worker"),
    proxyMs: cpuMs("proxy"),
    wranglerMs: cpuMs("wrangler"),
    d1: /desc="([^"]+)"/.exec(d1)?.[1] ?? "none",
  };
}

type Cpu = { workerMs: number; proxyMs: number; wranglerMs: number };
const cpu = (r: Cpu) => `${r.workerMs.toFixed(2)} + ${r.proxyMs.toFixed(2)} + ${r.wranglerMs.toFixed(2)}`;
const allCpu = (r: Cpu) => r.workerMs + r.proxyMs + r.wranglerMs;

try {
  const login = await fetch(`${origin}/api/v1/auth/login`, {
    dispatcher,
    method: "POST",
    headers: { "content-type": "application/json", origin, "sec-fetch-site": "same-origin" },
    body: JSON.stringify({ identifier: "+7 900 000-00-01", password: "Kabinet2026" }),
  });
  const cookie = /kab_session=[^;]+/.exec(login.headers.get("set-cookie") ?? "")?.[0];
  if (!cookie) throw new Error(`login failed: ${login.status}`);
  // Warm up both (the first requests compile code and fill caches), then measure.
  await run("/api/v1/region", {});
  await run("/api/v1/accounts", { cookie });
  const trivial = await run("/api/v1/region", {});
  const home = await run("/api/v1/accounts", { cookie });
  console.log(`${CONCURRENCY} concurrent clients, ${REQUESTS} requests each route (local wrangler dev, local D1)\n`);
  console.log(
    `${"route".padEnd(38)}${"p50 ms".padStart(9)}${"p95 ms".padStart(9)}${"p99 ms".padStart(9)}${"req/s".padStart(9)}${"CPU ms/req".padStart(22)}   D1 per request`,
  );
  for (const [name, r] of [
    ["GET /api/v1/region (trivial)", trivial],
    ["GET /api/v1/accounts (home, 4 accts)", home],
  ] as const) {
    console.log(
      `${name.padEnd(38)}${r.p50.toFixed(1).padStart(9)}${r.p95.toFixed(1).padStart(9)}${r.p99.toFixed(1).padStart(9)}${r.rps.toFixed(0).padStart(9)}${cpu(r).padStart(22)}   ${r.d1}`,
    );
  }
  console.log(
    "\nCPU ms/req: user + system time per request over the run, of the Worker's workerd (the Worker and local D1) + wrangler's proxy workerd + wrangler (Node)",
  );
  console.log(
    `ratio home/trivial of CPU per request: the Worker's workerd ×${(home.workerMs / trivial.workerMs).toFixed(2)}, all the server's ×${(allCpu(home) / allCpu(trivial)).toFixed(2)}`,
  );
  console.log(
    `ratio home/trivial: p50 ×${(home.p50 / trivial.p50).toFixed(2)}, p95 ×${(home.p95 / trivial.p95).toFixed(2)}, p99 ×${(home.p99 / trivial.p99).toFixed(2)} (goal ≤ 1.5), throughput ×${(home.rps / trivial.rps).toFixed(2)}`,
  );
} finally {
  server.kill("SIGINT");
  await dispatcher.close();
}
