import {
  createExecutionContext,
  createMessageBatch,
  createScheduledController,
  getQueueResult,
  waitOnExecutionContext,
} from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { REGIONS, SHARD_MAP } from "../../worker/data/regions.data";
import { buildSeed } from "../../worker/db/seed/seed";
import { EARN_HOUR } from "../../worker/features/bonus/bonus.service";
import { dueDay, type RegionDayMessage, runRegionDay } from "../../worker/features/cron/daily.service";
import worker from "../../worker/index";
import { createDataAccess } from "../../worker/platform/db";
import { makeAccountNo } from "../../worker/platform/ids";
import { daysInMonth } from "../../worker/platform/money";
import { addDays, localDay, tzOffsetMs } from "../../worker/platform/region";
import { api, holdersFromLinks, json, login, shardRows } from "./helpers";

// A Kurgan subscriber with one internet service, a 0 ₽ balance and a low-balance alert at 100 ₽.
const TZ = "Asia/Yekaterinburg";
const ACCOUNT = makeAccountNo("45000000071");
const SERVICE = `${ACCOUNT}-1`;
const SUBSCRIBER = "catchup-sub";
const shard = () => env.DB_URAL;
const DAY0 = localDay(TZ);

/** The instant a Kurgan-local day reaches hh:mm. */
function kurganAt(day: string, hour: number, minute = 0): number {
  const naive = Date.parse(`${day}T${String(hour).padStart(2, "0")}:${String(minute).padStart(2, "0")}:00Z`);
  return naive - tzOffsetMs(TZ, new Date(naive));
}

async function tick(scheduledTime: number) {
  const ctx = createExecutionContext();
  await worker.scheduled(createScheduledController({ cron: "0 * * * *", scheduledTime }), env, ctx);
  await waitOnExecutionContext(ctx);
}

/** Every region but Kurgan has done its daily work due at `at`: only Kurgan missed its ticks. */
async function othersUpToDate(at: number) {
  for (const r of REGIONS) {
    if (r.code === "kurgan") continue;
    const db = env[SHARD_MAP[r.branch]];
    await db
      .prepare(
        "INSERT OR REPLACE INTO cron_progress (job, region, done_day, updated_at) VALUES ('midnight', ?1, ?2, ?5), ('bonus', ?1, ?3, ?5), ('alerts', ?1, ?4, ?5)",
      )
      .bind(r.code, dueDay(r.tz, new Date(at), 0), dueDay(r.tz, new Date(at), EARN_HOUR), localDay(r.tz, new Date(at)), Date.now())
      .run();
  }
}

/** Waits (up to 20 s) until the billing queue has caught Kurgan up to `at`: its day charged and its alerts sent. */
async function settled(at: number) {
  const today = localDay(TZ, new Date(at));
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const rows = await shard()
      .prepare("SELECT job, done_day FROM cron_progress WHERE region = 'kurgan'")
      .all<{ job: string; done_day: string }>();
    const done = Object.fromEntries(rows.results.map((r) => [r.job, r.done_day]));
    if (done.midnight === today && done.alerts === today) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The account's charges per local day: how many entries and how much. */
async function chargesByDay() {
  const rows = await shard()
    .prepare(
      "SELECT local_day, count(*) AS n, sum(amount_kop) AS kop FROM ledger_entries WHERE account_no = ? AND kind = 'charge' GROUP BY local_day",
    )
    .bind(ACCOUNT)
    .all<{ local_day: string; n: number; kop: number }>();
  return Object.fromEntries(rows.results.map((r) => [r.local_day, { n: r.n, kop: r.kop }]));
}

/** Low-balance alerts the subscriber has in the cabinet's inbox. */
async function lowBalanceAlerts(): Promise<string[]> {
  const deadline = Date.now() + 2000;
  let ids: string[] = [];
  // The notifications queue delivers them after the cron: wait a little for late ones.
  while (Date.now() < deadline) {
    ids = (await shardRows<{ event_id: string }>("SELECT event_id FROM inbox WHERE subscriber_id = ? AND kind = 'low_balance'", SUBSCRIBER))
      .map((r) => r.event_id)
      .sort();
    await new Promise((r) => setTimeout(r, 100));
  }
  return ids;
}

const expectedDay = (price: number, day: string) => {
  const d = Number(day.slice(8, 10));
  const days = daysInMonth(day);
  return -(Math.floor((price * d) / days) - Math.floor((price * (d - 1)) / days));
};

let price = 0;

beforeAll(async () => {
  const now = Date.now();
  await env.DB.batch([
    env.DB.prepare(
      "INSERT INTO subscribers (id, display_name, phone, locale, created_at) VALUES (?, 'Курган Тест', '+79000007171', 'ru', ?)",
    ).bind(SUBSCRIBER, now),
    env.DB.prepare("INSERT INTO account_directory (account_no, region, shard, created_at) VALUES (?, 'kurgan', 'DB_URAL', ?)").bind(
      ACCOUNT,
      now,
    ),
    env.DB.prepare(
      "INSERT INTO account_links (subscriber_id, account_no, role, low_balance_kop, created_at) VALUES (?, ?, 'owner', 10000, ?)",
    ).bind(SUBSCRIBER, ACCOUNT, now),
  ]);
  await holdersFromLinks();
  await shard().batch([
    shard()
      .prepare(
        "INSERT INTO accounts (account_no, region, holder_name, address, status, created_at) VALUES (?, 'kurgan', 'Курган Тест', '—', 'active', ?)",
      )
      .bind(ACCOUNT, now),
    shard()
      .prepare("INSERT INTO account_services (id, account_no, tariff_id, status, started_at) VALUES (?, ?, 'kurgan-inet-100', 'active', ?)")
      .bind(SERVICE, ACCOUNT, now),
    // Kurgan's daily work was last done today; then the Worker stops running.
    shard()
      .prepare(
        "INSERT OR REPLACE INTO cron_progress (job, region, done_day, updated_at) VALUES ('midnight', 'kurgan', ?1, ?2), ('bonus', 'kurgan', ?1, ?2), ('alerts', 'kurgan', ?1, ?2)",
      )
      .bind(DAY0, now),
  ]);
  price = (await shard().prepare("SELECT price_kop FROM tariffs WHERE id = 'kurgan-inet-100'").first<number>("price_kop")) ?? 0;
  expect(price).toBeGreaterThan(0);
});

describe("hourly cron after days without ticks", () => {
  it("charges each missed day once and sends the low-balance alert once, in one tick; a second tick changes nothing", async () => {
    // Three days later, 10:30 in Kurgan: no tick ran in between.
    const at = kurganAt(addDays(DAY0, 3), 10, 30);
    await othersUpToDate(at);
    await tick(at);
    await settled(at);
    const missed = [1, 2, 3].map((n) => addDays(DAY0, n));
    const charged = await chargesByDay();
    expect(Object.keys(charged).sort()).toEqual(missed);
    for (const day of missed) expect(charged[day]).toEqual({ n: 1, kop: expectedDay(price, day) });
    expect(await lowBalanceAlerts()).toEqual([`low_balance:${ACCOUNT}:${addDays(DAY0, 3)}`]);

    await tick(at);
    await tick(at + 15 * 60_000);
    await settled(at);
    expect(await chargesByDay()).toEqual(charged);
    expect(await lowBalanceAlerts()).toEqual([`low_balance:${ACCOUNT}:${addDays(DAY0, 3)}`]);
  }, 60_000);

  it("does not charge twice when two ticks overlap", async () => {
    const at = kurganAt(addDays(DAY0, 6), 11, 0);
    await othersUpToDate(at);
    await Promise.all([tick(at), tick(at)]);
    await settled(at);
    const charged = await chargesByDay();
    const days = [1, 2, 3, 4, 5, 6].map((n) => addDays(DAY0, n));
    expect(Object.keys(charged).sort()).toEqual(days);
    for (const day of days) expect(charged[day]).toEqual({ n: 1, kop: expectedDay(price, day) });
    expect(await lowBalanceAlerts()).toEqual([`low_balance:${ACCOUNT}:${addDays(DAY0, 3)}`, `low_balance:${ACCOUNT}:${addDays(DAY0, 6)}`]);
  }, 60_000);
});

describe("a region too big for one message", () => {
  it("charges its day over several messages, each service once, and marks the day done only at the end", async () => {
    // 4,500 more Kurgan services: three batches of CHARGE_BATCH; each message may charge one.
    await shard().batch([
      shard().prepare(
        `INSERT INTO accounts (account_no, region, holder_name, address, status, created_at)
           WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 4500)
           SELECT printf('8%011d', i), 'kurgan', 'Нагрузка', '—', 'active', 0 FROM n`,
      ),
      shard().prepare(
        "INSERT INTO account_services (id, account_no, tariff_id, status, started_at) SELECT 'big-' || account_no, account_no, 'kurgan-inet-100', 'active', 0 FROM accounts WHERE account_no LIKE '8%' AND region = 'kurgan'",
      ),
    ]);
    const day = addDays(DAY0, 7);
    const sent: RegionDayMessage[] = [];
    const queue = { send: async (m: RegionDayMessage) => void sent.push(m) } as unknown as Queue;
    const data = createDataAccess(env);
    const progress = async () =>
      (await shard()
        .prepare("SELECT done_day FROM cron_progress WHERE job = 'midnight' AND region = 'kurgan'")
        .first<string>("done_day")) ?? "";
    let message: Pick<RegionDayMessage, "region" | "at" | "resume"> = { region: "kurgan", at: kurganAt(day, 1, 0) };
    for (let i = 0; ; i++) {
      const out = await runRegionDay(data, async () => undefined, queue, message, new Date(), 1);
      if (!out.continued) break;
      expect(await progress()).toBe(addDays(DAY0, 6));
      message = sent.at(-1) as RegionDayMessage;
      expect(message.resume?.day).toBe(day);
      expect(i).toBeLessThan(5);
    }
    expect(sent).toHaveLength(2);
    expect(await progress()).toBe(day);
    const charged = await shard()
      .prepare(
        "SELECT count(*) AS n, count(DISTINCT service_id) AS s FROM ledger_entries WHERE local_day = ? AND kind = 'charge' AND account_no IN (SELECT account_no FROM accounts WHERE region = 'kurgan')",
      )
      .bind(day)
      .first<{ n: number; s: number }>();
    expect(charged).toEqual({ n: 4501, s: 4501 });
  });
});

describe("the billing queue", () => {
  it("acks a malformed daily-work message without doing anything, and does a region's work from a good one", async () => {
    const before = await chargesByDay();
    const at = Date.now();
    const batch = createMessageBatch("kabinet-billing", [
      { id: "bad", timestamp: new Date(), attempts: 1, body: { kind: "cron.region", region: "atlantis", at } },
      { id: "good", timestamp: new Date(), attempts: 1, body: { kind: "cron.region", region: "kurgan", at } },
    ]);
    const ctx = createExecutionContext();
    await worker.queue(batch, env, ctx);
    const result = await getQueueResult(batch, ctx);
    expect(result.explicitAcks.sort()).toEqual(["bad", "good"]);
    expect(result.retryMessages).toEqual([]);
    // Kurgan is already past today: nothing more is charged.
    expect(await chargesByDay()).toEqual(before);
  });

  it("works one region's day an invocation, alone, and sends the rest of the batch again: ten midnights are not one invocation", async () => {
    // Three regions of one branch whose day has not been done, a webhook delivery after them.
    const regions = REGIONS.filter((r) => r.branch === "volga").slice(0, 3);
    const db = env[SHARD_MAP.volga];
    const progress = async () =>
      (
        await db
          .prepare(`SELECT region, done_day FROM cron_progress WHERE job = 'midnight' AND region IN (?, ?, ?) ORDER BY region`)
          .bind(...regions.map((r) => r.code))
          .all<{ region: string; done_day: string }>()
      ).results;
    await db
      .prepare("DELETE FROM cron_progress WHERE region IN (?, ?, ?)")
      .bind(...regions.map((r) => r.code))
      .run();
    const at = Date.now();
    const bodies = [
      ...regions.map((r) => ({ kind: "cron.region", region: r.code, at })),
      { kind: "webhook", url: "https://msk.kabinet.localhost/webhooks/sandbox", payload: "{}" },
    ];
    const batch = createMessageBatch(
      "kabinet-billing",
      bodies.map((body, i) => ({ id: `m${i}`, timestamp: new Date(), attempts: 1, body })),
    );
    const handedOn: unknown[] = [];
    const billing = {
      send: async (body: unknown) => void handedOn.push(body),
      sendBatch: async (ms: { body: unknown }[]) => void handedOn.push(...ms.map((m) => m.body)),
    };
    const ctx = createExecutionContext();
    await worker.queue(batch, { ...env, BILLING: billing as unknown as Queue } as Env, ctx);
    const result = await getQueueResult(batch, ctx);
    // Every message is acked: the first region's day was done here, the others are new messages for later.
    expect(result.explicitAcks.sort()).toEqual(["m0", "m1", "m2", "m3"]);
    expect(result.retryMessages).toEqual([]);
    expect(await progress()).toEqual([{ region: regions[0]?.code, done_day: dueDay(regions[0]?.tz ?? "", new Date(at), 0) }]);
    // The rest of the batch, and the first region's chains of its points (one a shard of its branch) started after its charge.
    expect(handedOn.filter((m) => (m as { kind: string }).kind !== "cron.step")).toEqual(bodies.slice(1));
    const chains = handedOn.filter((m) => (m as { kind: string }).kind === "cron.step") as { region: string; job: string; shard: string }[];
    // One a shard of the Volga branch (its home shard alone here).
    expect(chains.map((m) => `${m.region}:${m.job}:${m.shard}`)).toEqual([`${regions[0]?.code}:bonus:${SHARD_MAP.volga}`]);
  });

  it("retries the rest of the batch when the queue cannot take it back, and still works the first region", async () => {
    const [region] = REGIONS.filter((r) => r.branch === "volga").slice(3, 4);
    const db = env[SHARD_MAP.volga];
    await db.prepare("DELETE FROM cron_progress WHERE region = ?").bind(region?.code).run();
    const at = Date.now();
    const batch = createMessageBatch("kabinet-billing", [
      { id: "first", timestamp: new Date(), attempts: 1, body: { kind: "cron.region", region: region?.code, at } },
      { id: "second", timestamp: new Date(), attempts: 1, body: { kind: "cron.region", region: "kurgan", at } },
    ]);
    const down = {
      send: () => Promise.reject(new Error("queue unavailable")),
      sendBatch: () => Promise.reject(new Error("queue unavailable")),
    };
    const ctx = createExecutionContext();
    await worker.queue(batch, { ...env, BILLING: down as unknown as Queue } as Env, ctx);
    const result = await getQueueResult(batch, ctx);
    expect(result.explicitAcks).toEqual(["first"]);
    expect(result.retryMessages.map((m) => m.msgId)).toEqual(["second"]);
    // Its charge was done; its points' chains are recorded as started, for the tick to start again after the lease.
    const chains = await db
      .prepare("SELECT count(*) AS n FROM cron_step_shards WHERE region = ? AND done = 0")
      .bind(region?.code)
      .first<{ n: number }>();
    expect(chains?.n).toBeGreaterThan(0);
  });
});

describe("the demo data", () => {
  it("ends yesterday: a subscriber's history shows yesterday's charges, and today is left to the cron", async () => {
    const cookie = await login("anna");
    const yesterday = addDays(localDay("Europe/Moscow"), -1);
    const page = await json<{ items: { kind: string; localDay: string }[] }>(
      await api(cookie, `/accounts/${makeAccountNo("20100000001")}/history?limit=5`),
    );
    expect(page.items[0]).toMatchObject({ kind: "charge", localDay: yesterday });
  });

  it("is built relative to the day it is seeded, and records that history as charged", async () => {
    const seed = await buildSeed(new Date("2027-03-10T12:00:00Z"));
    const moscow = seed.shards.DB_MOSCOW.join("\n");
    const chargedDays = [...moscow.matchAll(/'charge:[^']+:(\d{4}-\d\d-\d\d)'/g)].map((m) => m[1] ?? "").sort();
    expect(chargedDays[0]).toBe("2026-10-01");
    expect(chargedDays.at(-1)).toBe("2027-03-09");
    expect(moscow).toContain(
      "INSERT OR IGNORE INTO cron_progress (job, region, done_day, updated_at) VALUES ('midnight', 'msk', '2027-03-09'",
    );
  });
});
