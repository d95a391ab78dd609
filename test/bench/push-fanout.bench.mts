/**
 * Web-push fan-out on the local server: an outage declared for an address
 * where 1,000 subscribers hold accounts, each with 10 browser subscriptions
 * (10,000 pushes), through the real queue and consumer of `wrangler dev` to
 * the local push service (which checks VAPID and decrypts every message).
 * Reports the throughput and, as a ratio, how much faster the fan-out is than
 * the same number of single deliveries one after another (measured first).
 *
 *   npm run bench:push   (SUBSCRIBERS, DEVICES to change the load)
 */
import { spawn } from "node:child_process";
import { rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fetch } from "undici";
import { getPlatformProxy } from "wrangler";
import { prepareLocalDatabases } from "../../scripts/local-db.mts";
import { generateVapidKeys } from "../../scripts/vapid.mts";
import { makeAccountNo } from "../../worker/platform/ids.ts";
import { localhostAgent as dispatcher } from "../e2e/http.ts";
import { startPushService, tlsIdentity } from "../push/local-push-service.ts";
import { browserKeys } from "../push/webpush-receiver.ts";

const ROOT = new URL("../..", import.meta.url).pathname;
const PORT = Number(process.env.BENCH_PORT ?? 8798);
const SUBSCRIBERS = Number(process.env.SUBSCRIBERS ?? 1000);
const DEVICES = Number(process.env.DEVICES ?? 10);
const TOTAL = SUBSCRIBERS * DEVICES;

const state = join(ROOT, ".e2e/push-bench-state");
await rm(state, { recursive: true, force: true });
await prepareLocalDatabases(state, () => {});
const vapid = await generateVapidKeys();
const tls = await tlsIdentity(join(ROOT, ".e2e/push-tls"));
const push = await startPushService(tls, vapid.publicKey);
const keys = await browserKeys();

// 1,000 subscribers on one street in Moscow, 10 devices each, and one more subscriber elsewhere for the baseline.
type D1 = { prepare(q: string): { bind(...v: unknown[]): unknown }; batch(s: unknown[]): Promise<unknown> };
const proxy = await getPlatformProxy<Record<string, D1>>({ configPath: join(ROOT, "wrangler.toml"), persist: { path: join(state, "v3") } });
const now = Date.now();
const global: [string, unknown[]][] = [];
const shard: [string, unknown[]][] = [];
const person = (i: number, street: string, devices: number) => {
  const id = `bench-${i}`;
  const accountNo = makeAccountNo(`77${String(i).padStart(9, "0")}`);
  global.push(["INSERT INTO subscribers (id, display_name, locale, created_at) VALUES (?, ?, 'ru', ?)", [id, `Абонент ${i}`, now]]);
  global.push([
    "INSERT INTO account_directory (account_no, region, shard, created_at) VALUES (?, 'msk', 'DB_MOSCOW', ?)",
    [accountNo, now],
  ]);
  global.push(["INSERT INTO account_links (subscriber_id, account_no, role, created_at) VALUES (?, ?, 'owner', ?)", [id, accountNo, now]]);
  // Its holder row in the account's shard, where the fan-out reads who holds it (platform/holders.ts), and the link in
  // the subscriber's home shard (the same, Moscow), where it reads their other accounts in the region (platform/links.ts).
  shard.push([
    "INSERT INTO account_holders (account_no, subscriber_id, role, home_shard, created_at) VALUES (?, ?, 'owner', 'DB_MOSCOW', ?)",
    [accountNo, id, now],
  ]);
  shard.push([
    "INSERT INTO subscriber_links (subscriber_id, account_no, role, created_at) VALUES (?, ?, 'owner', ?)",
    [id, accountNo, now],
  ]);
  global.push([
    "INSERT INTO notification_settings (subscriber_id, quiet_from, quiet_to, marketing, updated_at) VALUES (?, NULL, NULL, 0, ?)",
    [id, now],
  ]);
  for (let d = 0; d < devices; d++) {
    const endpoint = push.register(`b${i}-${d}`, keys);
    // In the subscriber's home shard (Moscow, the column's default), where the consumer reads them.
    shard.push([
      "INSERT INTO push_subscriptions (id, subscriber_id, origin, endpoint, p256dh, auth, lang, created_at) VALUES (?, ?, ?, ?, ?, ?, 'ru', ?)",
      [`ps-${i}-${d}`, id, "http://msk.kabinet.localhost", endpoint, keys.p256dh, keys.auth, now],
    ]);
  }
  shard.push([
    "INSERT INTO accounts (account_no, region, holder_name, address, status, created_at) VALUES (?, 'msk', ?, ?, 'active', ?)",
    [accountNo, `Абонент ${i}`, `Москва, ${street}, д. 1, кв. ${i}`, now],
  ]);
};
for (let i = 0; i < SUBSCRIBERS; i++) person(i, "ул. Бенчмарковая", DEVICES);
person(SUBSCRIBERS, "ул. Одиночная", 1);
const run = async (db: D1, rows: [string, unknown[]][]) => {
  for (let i = 0; i < rows.length; i += 500) await db.batch(rows.slice(i, i + 500).map(([q, v]) => db.prepare(q).bind(...v)));
};
await run(proxy.env.DB as D1, global);
await run(proxy.env.DB_MOSCOW as D1, shard);
await proxy.dispose();

const vars = join(state, "bench.vars");
await writeFile(vars, `VAPID_PUBLIC_KEY='${vapid.publicKey}'\nVAPID_PRIVATE_JWK='${vapid.privateJwk}'\nOIDC_PROVIDERS='[]'\n`);
const server = spawn(
  join(ROOT, "node_modules/.bin/wrangler"),
  ["dev", "--port", String(PORT), "--ip", "127.0.0.1", "--persist-to", state, "--env-file", vars],
  {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", NODE_EXTRA_CA_CERTS: tls.certFile },
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

async function outage(street: string): Promise<string> {
  const res = await fetch(`http://kabinet.localhost:${PORT}/ops/v1/outages`, {
    dispatcher,
    method: "POST",
    headers: { authorization: "Bearer dev-only-operator-token", "content-type": "application/json" },
    body: JSON.stringify({
      region: "msk",
      street,
      houses: ["1"],
      title: "Бенчмарк",
      expectedEnd: new Date(Date.now() + 3600_000).toISOString(),
      key: crypto.randomUUID(),
    }),
  });
  if (res.status !== 201) throw new Error(`outage: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { id: string }).id;
}

async function until(count: number, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (push.received.length < count) {
    if (Date.now() > deadline) throw new Error(`only ${push.received.length} of ${count} pushes arrived`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

try {
  // Baseline: one push to one device, declared to delivered, five times (the median counts).
  const singles: number[] = [];
  for (let i = 0; i < 5; i++) {
    const start = performance.now();
    const id = await outage("ул. Одиночная");
    await until(push.received.length + 1, 30_000);
    singles.push(performance.now() - start);
    await fetch(`http://kabinet.localhost:${PORT}/ops/v1/outages/${id}/resolve`, {
      dispatcher,
      method: "POST",
      headers: { authorization: "Bearer dev-only-operator-token" },
    });
    await until(push.received.length + 1, 30_000);
  }
  singles.sort((a, b) => a - b);
  const single = singles[2] ?? 0;
  const before = push.received.length;
  const memBefore = process.memoryUsage().rss;
  const start = performance.now();
  await outage("ул. Бенчмарковая");
  await until(before + TOTAL, 600_000);
  const seconds = (performance.now() - start) / 1000;
  const batch = push.received.slice(before);
  const ok = batch.filter((r) => r.status === 201).length;
  const distinct = new Set(batch.map((r) => r.id)).size;
  console.log(`\nWeb-push fan-out on the local server (wrangler dev, local queue and D1; local push service verifying VAPID and decrypting):
  subscriptions             ${TOTAL.toLocaleString("en")} (${SUBSCRIBERS} subscribers × ${DEVICES} devices)
  delivered and decrypted   ${ok.toLocaleString("en")} (${distinct.toLocaleString("en")} distinct subscriptions, ${batch.length - ok} refused)
  declared → last delivered ${seconds.toFixed(1)} s   (${Math.round(TOTAL / seconds)} pushes/s)
  one push, declared → delivered (median of 5): ${single.toFixed(0)} ms
  ratio: the fan-out is ${((TOTAL * single) / 1000 / seconds).toFixed(1)}× faster than ${TOTAL.toLocaleString("en")} single deliveries in a row
  push service process RSS grew by ${((process.memoryUsage().rss - memBefore) / 1e6).toFixed(0)} MB\n`);
  if (ok !== TOTAL || distinct !== TOTAL) process.exitCode = 1;
} finally {
  server.kill();
  await push.stop();
}
