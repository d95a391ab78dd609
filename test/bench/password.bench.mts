/**
 * Cost of password hashing inside workerd (the Workers runtime, served by
 * `wrangler dev`): Kabinet's argon2id (m = 19 MiB, t = 2, p = 1) next to the
 * PBKDF2 it replaced. Timers do not advance inside a Worker, so each operation
 * is timed from outside as a request, as a ratio to a request that does
 * nothing, and its CPU time is read from workerd's process (/proc, Linux).
 * The memory figures are workerd's resident set after many hashes: the
 * argon2id instance is made once and reused, not made per call. The same
 * argon2id run natively (Node's OpenSSL) says what this machine does at best.
 *
 *   npm run bench
 */
import { spawn } from "node:child_process";
import { argon2Sync, randomBytes } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

const ROOT = new URL("../..", import.meta.url).pathname;
const PORT = Number(process.env.BENCH_PORT ?? 8798);
const base = `http://127.0.0.1:${PORT}`;
const TICK_MS = 10; // USER_HZ = 100 on Linux

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

/** The workerd processes under wrangler dev (found through /proc's parent links). */
function workerdPids(): number[] {
  const parent = new Map<number, number>();
  const name = new Map<number, string>();
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, "utf8");
      const close = stat.lastIndexOf(")");
      name.set(Number(d), stat.slice(stat.indexOf("(") + 1, close));
      parent.set(Number(d), Number(stat.slice(close + 2).split(" ")[1]));
    } catch {
      // the process ended while we looked
    }
  }
  const under = (pid: number): boolean => {
    for (let p = parent.get(pid); p && p > 1; p = parent.get(p)) if (p === server.pid) return true;
    return false;
  };
  return [...name].filter(([pid, n]) => n === "workerd" && under(pid)).map(([pid]) => pid);
}
const pids = workerdPids();
if (!pids.length) throw new Error("no workerd process found under wrangler dev");
/** CPU time (user + system) of workerd so far, ms. */
const cpuMs = () =>
  pids.reduce((sum, pid) => {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" "); // f[11], f[12]: utime, stime in ticks
    return sum + (Number(f[11]) + Number(f[12])) * TICK_MS;
  }, 0);
/** workerd's resident memory, MiB. */
const rssMib = () =>
  pids.reduce((sum, pid) => sum + Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0), 0) / 1024;

/** Median wall time of one request, and workerd's CPU time per request. */
async function measure(path: string, runs: number): Promise<{ ms: number; cpu: number }> {
  const times: number[] = [];
  const cpu0 = cpuMs();
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await (await fetch(base + path)).text();
    times.push(performance.now() - t);
  }
  const cpu = (cpuMs() - cpu0) / runs;
  times.sort((a, b) => a - b);
  return { ms: times[Math.floor(times.length / 2)] ?? 0, cpu };
}

/** The same argon2id natively (Node's OpenSSL, in this process): CPU ms per hash, what this machine does at best. */
function nativeArgon2idCpuMs(runs: number): number {
  const params = {
    message: "correct horse battery staple",
    nonce: randomBytes(16),
    parallelism: 1,
    tagLength: 32,
    memory: 19_456,
    passes: 2,
  };
  argon2Sync("argon2id", params);
  const c0 = process.cpuUsage();
  for (let i = 0; i < runs; i++) argon2Sync("argon2id", params);
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1000 / runs;
}

try {
  await measure("/", 20); // warm up
  const noop = await measure("/", 300);
  const rows: [string, { ms: number; cpu: number }][] = [
    ["no-op request", noop],
    ["SHA-256 once", await measure("/sha256", 300)],
    ["PBKDF2-SHA-256 100,000 iterations (the old records)", await measure("/pbkdf2?i=100000", 40)],
    ["PBKDF2-SHA-256 600,000 iterations (OWASP; refused by production)", await measure("/pbkdf2?i=600000", 10)],
  ];
  const rssBefore = rssMib();
  await measure("/argon2id", 1); // the instance is made at the first hash
  const rssFirst = rssMib();
  await measure("/argon2id", 4);
  rows.push(["argon2id m=19456 KiB, t=2, p=1 (Kabinet, OWASP)", await measure("/argon2id", 60)]);
  const rssAfter65 = rssMib();
  await measure("/argon2id", 200);
  const rssAfter265 = rssMib();
  await measure("/argon2id-fresh", 20);
  const rssFresh = rssMib();
  const native = nativeArgon2idCpuMs(20);

  // "net" subtracts the request itself: what the hash alone costs, and how many a core can try per second.
  console.log(
    `${"operation".padEnd(68)}${"median ms".padStart(10)}${"× no-op".padStart(9)}${"net ms".padStart(8)}${"CPU ms".padStart(8)}${"net/s".padStart(7)}`,
  );
  for (const [name, r] of rows) {
    const net = Math.max(0, r.ms - noop.ms);
    const cpu = Math.max(0, r.cpu - noop.cpu);
    const perSecond = net > 0.05 ? (1000 / net).toFixed(0) : "—";
    console.log(
      `${name.padEnd(68)}${r.ms.toFixed(2).padStart(10)}${(r.ms / noop.ms).toFixed(1).padStart(9)}${net.toFixed(2).padStart(8)}${cpu.toFixed(1).padStart(8)}${perSecond.padStart(7)}`,
    );
  }
  const at = (name: string) => rows.find(([n]) => n.startsWith(name))?.[1] ?? noop;
  const a = at("argon2id");
  const p = at("PBKDF2-SHA-256 100,000");
  const cpuA = a.cpu - noop.cpu;
  console.log(
    `\nargon2id / PBKDF2-100k: ×${((a.ms - noop.ms) / (p.ms - noop.ms)).toFixed(2)} time, ×${(cpuA / (p.cpu - noop.cpu)).toFixed(2)} CPU; ` +
      `argon2id CPU per hash ${cpuA.toFixed(1)} ms (goal ≤ 50 ms: ${cpuA <= 50 ? "met" : "NOT met"}); ` +
      `natively (OpenSSL) ${native.toFixed(1)} ms here, so WebAssembly in workerd costs ×${(cpuA / native).toFixed(2)} native`,
  );
  const mib = (n: number) => `${n.toFixed(0)} MiB`;
  console.log(
    `workerd resident memory: ${mib(rssBefore)} before argon2id; +${mib(rssFirst - rssBefore)} after the first hash, ` +
      `+${mib(rssAfter65 - rssBefore)} after 65, +${mib(rssAfter265 - rssBefore)} after 265 (one instance, reused); ` +
      `then +${mib(rssFresh - rssAfter265)} more after 20 hashes with a new instance each (what reuse avoids)`,
  );
} finally {
  server.kill("SIGINT");
}
