/**
 * Issue 20: a region's daily points and balance alerts go a page at a time, from a cursor, so a region of millions of
 * accounts is many messages each inside an invocation's D1 calls (before, one call earned and alerted the whole
 * region). Paged or not, each member earns and each account is alerted exactly as once.
 */
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { REGIONS } from "../../worker/data/regions.data";
import { demoPeriods } from "../../worker/db/seed/seed";
import { bonusTick, EARN_HOUR } from "../../worker/features/bonus/bonus.service";
import {
  dueDay,
  isRegionDayMessage,
  isStepShardMessage,
  REGION_LEASE_STALE_MS,
  type RegionDayMessage,
  runRegionDay,
  runStepShard,
  STEP_LEASE_MS,
  STEP_ROWS_PER_STATEMENT,
  type StepShardMessage,
  stepRowsUpsert,
} from "../../worker/features/cron/daily.service";
import { ALERT_HOUR, balanceAlerts } from "../../worker/features/notifications/alerts.service";
import type { NotificationMessage } from "../../worker/features/notifications/notifications.messages";
import { createDataAccess, type DataAccess, shardDatabase } from "../../worker/platform/db";
import { makeAccountNo } from "../../worker/platform/ids";
import { release, takeLease } from "../../worker/platform/lease";
import { addDays, localDay, localInstant } from "../../worker/platform/region";
import type { StepCursor } from "../../worker/platform/shard-map";
import { holdersFromLinks } from "./helpers";

const msk = REGIONS.filter((r) => r.code === "msk");

/**
 * Eight Moscow accounts of a subscriber of this file's, at 0 ₽ with a 100 ₽ low-balance alert each, all in «Бонус»: six
 * on the branch's home shard and two on its second one.
 */
beforeAll(async () => {
  const now = Date.now();
  await env.DB.prepare(
    "INSERT INTO subscribers (id, display_name, locale, created_at, home_shard) VALUES ('steps-sub', 'Шаги', 'ru', ?, 'DB_MOSCOW')",
  )
    .bind(now)
    .run();
  for (let i = 0; i < 8; i++) {
    const no = makeAccountNo(`2019900000${i}`);
    const binding = i < 6 ? "DB_MOSCOW" : "DB_MOSCOW_2";
    const shard = shardDatabase(env, binding) as D1Database;
    await env.DB.batch([
      env.DB.prepare("INSERT INTO account_directory (account_no, region, shard, created_at) VALUES (?, 'msk', ?, ?)").bind(
        no,
        binding,
        now,
      ),
      env.DB.prepare(
        "INSERT INTO account_links (subscriber_id, account_no, role, low_balance_kop, created_at) VALUES ('steps-sub', ?, 'owner', 10000, ?)",
      ).bind(no, now),
    ]);
    await holdersFromLinks();
    await shard.batch([
      shard
        .prepare(
          "INSERT INTO accounts (account_no, region, holder_name, address, status, created_at) VALUES (?, 'msk', 'Шаги', '—', 'active', ?)",
        )
        .bind(no, now),
      shard
        .prepare(
          "INSERT INTO bonus_members (account_no, status, joined_at, joined_by, rules_version) VALUES (?, 'active', ?, 'steps-sub', '1')",
        )
        .bind(no, now),
    ]);
  }
});

/** Moscow's alerts in one whole run. */
async function alertsOf(at: Date): Promise<NotificationMessage[]> {
  const told: NotificationMessage[] = [];
  await balanceAlerts(createDataAccess(env), async (m) => void told.push(m), at, msk);
  return told;
}

/** Moscow's alerts a call at a time, each call going on from the cursor the one before returned; `each` sees a call's use. */
async function alertsPaged(at: Date, page: { limit?: number; calls?: number }, each?: (data: DataAccess) => void) {
  const told: NotificationMessage[] = [];
  let from: StepCursor | undefined;
  let pages = 0;
  for (;;) {
    const data = createDataAccess(env);
    const r = await balanceAlerts(data, async (m) => void told.push(m), at, msk, { ...page, from });
    each?.(data);
    pages++;
    if (!r.next) break;
    from = r.next;
    expect(pages).toBeLessThan(5000);
  }
  return { told, pages };
}

type Sent = RegionDayMessage | StepShardMessage;

/** A queue that keeps what is sent to it, one message or a batch, in order. */
function recordingQueue() {
  const sent: Sent[] = [];
  const queue = {
    send: async (m: Sent) => void sent.push(m),
    sendBatch: async (ms: { body: Sent }[]) => void sent.push(...ms.map((m) => m.body)),
  } as unknown as Queue;
  return { sent, queue };
}

/** Moscow's days due at `at`: the charge's, the points' and the alerts'. */
function moscowDue(at: number) {
  const [charged, bonusDue, alertsDue] = [0, EARN_HOUR, ALERT_HOUR].map((h) => dueDay("Europe/Moscow", new Date(at), h)) as [
    string,
    string,
    string,
  ];
  return { charged, bonusDue, alertsDue };
}

/**
 * The latest Moscow noon that has passed: every job of Moscow's day is due then (the charge at midnight, the points
 * at EARN_HOUR, the alerts at ALERT_HOUR), and stays due through the STEP_LEASE_MS a takeover looks ahead. Taken as
 * `Date.now()`, the chains test failed between Moscow's midnight and ALERT_HOUR, when no alerts are due yet (stop 40).
 */
function steadyAt(): number {
  const now = Date.now();
  const today = localDay("Europe/Moscow", new Date(now));
  const noon = localInstant("Europe/Moscow", today, 12).getTime();
  return noon <= now ? noon : localInstant("Europe/Moscow", addDays(today, -1), 12).getTime();
}

/**
 * Moscow charged up to the day due at `at`, its points not yet done for their day, its alerts done for theirs or not
 * (`alertsDone`), and no chain of any day; then `more`, in the same batch. Returns the days due.
 */
async function setMoscowDay(at: number, alertsDone: boolean, ...more: D1PreparedStatement[]) {
  const { charged, bonusDue, alertsDue } = moscowDue(at);
  await env.DB_MOSCOW.batch([
    env.DB_MOSCOW.prepare(
      "INSERT OR REPLACE INTO cron_progress (job, region, done_day, updated_at) VALUES ('midnight', 'msk', ?1, ?4), ('bonus', 'msk', ?2, ?4), ('alerts', 'msk', ?3, ?4)",
    ).bind(charged, addDays(bonusDue, -1), alertsDone ? alertsDue : addDays(alertsDue, -1), at),
    env.DB_MOSCOW.prepare("DELETE FROM cron_step_shards WHERE region = 'msk'"),
    ...more,
  ]);
  return { bonusDue, alertsDue };
}

/** Each event as its id and subscriber, sorted: what was told, whatever the order. */
const ids = (ms: NotificationMessage[]) => ms.map((m) => (m.channel === "event" ? `${m.eventId}|${m.subscriberId}` : m.channel)).sort();

describe("the daily points and alerts of a region, a page at a time", () => {
  it("earn every member's points over pages of one member, each once; a whole run after them earns nothing more", async () => {
    const { historyTo } = demoPeriods();
    const at = new Date(`${addDays(historyTo, 1)}T01:00:00Z`);
    let from: StepCursor | undefined;
    let pages = 0;
    let earned = 0;
    const cursors: string[] = [];
    for (;;) {
      const data = createDataAccess(env);
      const r = await bonusTick(data, at, msk, { from, limit: 1 });
      earned += r.earned;
      pages++;
      // One member a call: a handful of D1 calls, whatever the region's size.
      expect(data.stats.roundTrips).toBeLessThanOrEqual(12);
      if (!r.next) break;
      cursors.push(`${r.next.shard}:${r.next.afterRowid}`);
      from = r.next;
      expect(pages).toBeLessThan(500);
    }
    // This file's eight members and the demo's: a page each.
    expect(pages).toBeGreaterThan(6);
    expect(earned).toBeGreaterThan(0);
    // The cursor only moves on.
    expect(new Set(cursors).size).toBe(cursors.length);
    const again = await bonusTick(createDataAccess(env), at, msk);
    expect(again.earned).toBe(0);
    expect(again.next).toBeNull();
  });

  it("alert the same accounts over pages of one account as in one run, none twice", async () => {
    const at = new Date();
    const whole = await alertsOf(at);
    // A page: its accounts, their links, balances, yesterday's charges and the charge alerts asked for, in the global
    // table and in the one home shard of the account's subscriber (and one read more where the call finds its shard
    // through and goes on to the branch's next).
    const paged = await alertsPaged(at, { limit: 1 }, (data) => expect(data.stats.roundTrips).toBeLessThanOrEqual(8));
    // At least this file's eight accounts at 0 ₽ under their 100 ₽ threshold.
    expect(whole.filter((m) => m.channel === "event" && m.subscriberId === "steps-sub" && m.kind === "low_balance")).toHaveLength(8);
    expect(ids(paged.told)).toEqual(ids(whole));
    expect(new Set(ids(paged.told)).size).toBe(paged.told.length);
    expect(paged.pages).toBeGreaterThan(6);
  });

  it("send a page's events in batches where the notifier has them: an account linked to 150 subscribers is two calls, not 150", async () => {
    const now = Date.now();
    const no = makeAccountNo("20199000099");
    const people = Array.from({ length: 150 }, (_, i) => `steps-many-${i}`);
    await env.DB.batch([
      env.DB.prepare("INSERT INTO account_directory (account_no, region, shard, created_at) VALUES (?, 'msk', 'DB_MOSCOW', ?)").bind(
        no,
        now,
      ),
      ...people.flatMap((id) => [
        env.DB.prepare(
          "INSERT INTO subscribers (id, display_name, locale, created_at, home_shard) VALUES (?, 'Много', 'ru', ?, 'DB_MOSCOW')",
        ).bind(id, now),
        env.DB.prepare(
          "INSERT INTO account_links (subscriber_id, account_no, role, low_balance_kop, created_at) VALUES (?, ?, 'viewer', 10000, ?)",
        ).bind(id, no, now),
      ]),
    ]);
    await holdersFromLinks();
    await env.DB_MOSCOW.prepare(
      "INSERT INTO accounts (account_no, region, holder_name, address, status, created_at) VALUES (?, 'msk', 'Много', '—', 'active', ?)",
    )
      .bind(no, now)
      .run();
    const told: NotificationMessage[] = [];
    const batches: number[] = [];
    const notify = Object.assign(
      async () => {
        throw new Error("sent one at a time");
      },
      {
        many: async (ms: readonly NotificationMessage[]) => {
          told.push(...ms);
          for (let i = 0; i < ms.length; i += 100) batches.push(Math.min(100, ms.length - i));
          return Math.ceil(ms.length / 100);
        },
      },
    );
    let from: StepCursor | undefined;
    for (let i = 0; ; i++) {
      const data = createDataAccess(env);
      const before = batches.length;
      const r = await balanceAlerts(data, notify, new Date(), msk, { from, calls: 20 });
      // Within the 20 calls: the D1 round trips and the batches sent.
      expect(data.stats.roundTrips + batches.length - before).toBeLessThanOrEqual(20);
      if (!r.next) break;
      from = r.next;
      expect(i).toBeLessThan(100);
    }
    const many = told.filter((m) => m.channel === "event" && m.accountNo === no && m.kind === "low_balance");
    expect(new Set(many.map((m) => (m.channel === "event" ? m.subscriberId : ""))).size).toBe(150);
    expect(batches.every((n) => n <= 100)).toBe(true);
  });

  it("stop alerting before a page whose events might pass the calls allowed, and go on from that page", async () => {
    const at = new Date();
    const whole = await alertsOf(at);
    // 20 calls: a page of 90 accounts with its links' events would pass them, so each call works one page only.
    const paged = await alertsPaged(at, { calls: 20 });
    expect(ids(paged.told)).toEqual(ids(whole));
    // The region's accounts in this test are more than one page of 90: the budget cut the run into calls.
    expect(paged.pages).toBeGreaterThan(1);
  });

  it("go in one chain per shard of the branch, side by side, and the day is marked done once every shard is through", async () => {
    const at = steadyAt();
    // Charged up to today; the day's points and alerts not yet done, no chain of them yet.
    const { bonusDue, alertsDue } = await setMoscowDay(at, false);
    const progress = async (job: string) =>
      env.DB_MOSCOW.prepare("SELECT done_day FROM cron_progress WHERE job = ? AND region = 'msk'").bind(job).first<string>("done_day");
    const { sent, queue } = recordingQueue();
    const told: NotificationMessage[] = [];
    const tell = async (m: NotificationMessage) => void told.push(m);
    const limits = { bonus: 2, bonusCalls: 450, alerts: 2, alertCalls: 500 };
    const region0 = { region: "msk", at };
    const steps = () => sent.filter((m): m is StepShardMessage => m.kind === "cron.step");
    // Two messages of the region at once (the tick's and a charge's last) start each shard's chain of points once.
    const started = await Promise.all([0, 1].map(() => runRegionDay(createDataAccess(env), tell, queue, region0, new Date(at))));
    expect(started.map((o) => o.continued)).toEqual([true, true]);
    expect(
      steps()
        .map((m) => `${m.job}:${m.shard}:${m.afterRowid}`)
        .sort(),
    ).toEqual(["bonus:DB_MOSCOW:0", "bonus:DB_MOSCOW_2:0"]);
    expect(sent.every((m) => isStepShardMessage(m))).toBe(true);
    // The hourly tick's message meanwhile leaves the chains alone.
    const idle = await runRegionDay(createDataAccess(env), tell, queue, region0, new Date(at + 60_000));
    expect(idle.continued).toBe(false);
    expect(sent).toHaveLength(2);
    // Moscow's chain takes a page and hands on; then both chains go quiet for longer than the lease (their messages
    // slow, not lost), and the tick's message takes each over from where it got to, in a new generation.
    const moscow = steps().find((m) => m.shard === "DB_MOSCOW") as StepShardMessage;
    const page = await runStepShard(createDataAccess(env), tell, queue, moscow, new Date(at), limits);
    expect(page.next?.shard).toBe("DB_MOSCOW");
    const live = sent.at(-1) as StepShardMessage;
    expect(live).toMatchObject({ shard: "DB_MOSCOW", afterRowid: page.next?.afterRowid });
    // A copy of the first message delivered again does nothing: its row has moved on. (A retry of it, delivered a
    // second time, would hand on again: the next test.)
    const handedOn = sent.length;
    expect((await runStepShard(createDataAccess(env), tell, queue, moscow, new Date(at), limits)).worked).toBe(false);
    expect(sent.slice(handedOn)).toEqual([]);
    const later = at + STEP_LEASE_MS + 60_000;
    const before = sent.length;
    expect((await runRegionDay(createDataAccess(env), tell, queue, region0, new Date(later))).continued).toBe(true);
    const takeovers = sent.slice(before) as StepShardMessage[];
    expect(takeovers.map((m) => `${m.shard}:${m.afterRowid}`).sort()).toEqual([`DB_MOSCOW:${page.next?.afterRowid}`, "DB_MOSCOW_2:0"]);
    // The slow message of the live chain, delivered now, finds its chain taken over and stops; delivered as a retry
    // (it failed before its page), it sends nothing either: the takeover moved the generation on, not its cursor, and
    // the takeover's own message goes on from there.
    const beforeSlow = sent.length;
    expect((await runStepShard(createDataAccess(env), tell, queue, live, new Date(later), limits)).worked).toBe(false);
    expect((await runStepShard(createDataAccess(env), tell, queue, live, new Date(later), limits, 3)).worked).toBe(false);
    expect(sent.length).toBe(beforeSlow);
    // Every message from the takeover on, as the queue would deliver them.
    const pages: Record<string, number> = {};
    let regionMessages = 0;
    for (let i = before; i < sent.length; i++) {
      const m = sent[i] as Sent;
      const data = createDataAccess(env);
      if (m.kind === "cron.step") {
        const out = await runStepShard(data, tell, queue, m, new Date(later), limits);
        if (out.worked) pages[`${m.job}:${m.shard}`] = (pages[`${m.job}:${m.shard}`] ?? 0) + 1;
        // Not done while a shard's chain is still at work: only the region's message marks it.
        if (m.job === "bonus") expect(await progress("bonus")).toBe(addDays(bonusDue, -1));
      } else {
        expect(isRegionDayMessage(m)).toBe(true);
        regionMessages++;
        await runRegionDay(data, tell, queue, m, new Date(later));
      }
      expect(data.stats.roundTrips).toBeLessThan(100);
      expect(i).toBeLessThan(400);
    }
    // Each shard's chain went a page at a time (two members or accounts a message), no page worked twice.
    for (const key of ["bonus:DB_MOSCOW", "bonus:DB_MOSCOW_2", "alerts:DB_MOSCOW", "alerts:DB_MOSCOW_2"]) {
      expect(pages[key], key).toBeGreaterThanOrEqual(2);
    }
    expect(regionMessages).toBeGreaterThanOrEqual(2);
    expect(await progress("bonus")).toBe(bonusDue);
    expect(await progress("alerts")).toBe(alertsDue);
    // Each account at 0 ₽ was told once, on both shards.
    const lows = told.filter((m) => m.channel === "event" && m.subscriberId === "steps-sub" && m.kind === "low_balance");
    expect(new Set(lows.map((m) => (m.channel === "event" ? m.eventId : ""))).size).toBe(8);
    expect(lows).toHaveLength(8);
    // A message of a day the region has moved past (a late copy) does nothing.
    const late = await runStepShard(createDataAccess(env), tell, queue, { ...moscow, day: addDays(bonusDue, -1) }, new Date(later), limits);
    expect(late.worked).toBe(false);
  });

  it("hands on again at once when a message's hand-on was lost (the send threw and the queue retried it), and works each page once", async () => {
    const at = steadyAt();
    await setMoscowDay(at, false);
    const { sent, queue } = recordingQueue();
    const tell = async () => {};
    const limits = { bonus: 2, bonusCalls: 450, alerts: 2, alertCalls: 500 };
    await runRegionDay(createDataAccess(env), tell, queue, { region: "msk", at }, new Date(at));
    const first = sent.find((m): m is StepShardMessage => m.kind === "cron.step" && m.shard === "DB_MOSCOW") as StepShardMessage;
    // The page is worked and the row moved on; then the send of the next message fails, and the message is retried.
    const failing = { ...queue, send: async () => Promise.reject(new Error("queue unavailable")) } as unknown as Queue;
    await expect(runStepShard(createDataAccess(env), tell, failing, first, new Date(at), limits)).rejects.toThrow("queue unavailable");
    const before = sent.length;
    const retry = await runStepShard(createDataAccess(env), tell, queue, first, new Date(at + 5_000), limits, 2);
    expect(retry.worked).toBe(false);
    const [next, ...more] = sent.slice(before) as StepShardMessage[];
    expect(more).toEqual([]);
    expect(next).toMatchObject({ kind: "cron.step", shard: "DB_MOSCOW", seq: first.seq + 1 });
    expect(next?.afterRowid).toBeGreaterThan(first.afterRowid);
    // The chain goes on from it, with no takeover. A second copy of it (had the failed send got through after all)
    // works nothing and, a first delivery, sends nothing: no second chain trails the first.
    const page = await runStepShard(createDataAccess(env), tell, queue, next as StepShardMessage, new Date(at + 6_000), limits);
    expect(page.worked).toBe(true);
    const handedOn = sent.length;
    expect((await runStepShard(createDataAccess(env), tell, queue, next as StepShardMessage, new Date(at + 7_000), limits)).worked).toBe(
      false,
    );
    expect(sent.length).toBe(handedOn);
  });

  it("waits for a shard added after the chains started: it gets its chain before the day is marked done", async () => {
    const at = steadyAt();
    const { bonusDue } = moscowDue(at);
    // Points due; the home shard's chain of the day is through, the second shard has none (as if added since).
    await setMoscowDay(
      at,
      true,
      env.DB_MOSCOW.prepare(
        "INSERT INTO cron_step_shards (job, region, shard, day, after_rowid, done, updated_at, seq) VALUES ('bonus', 'msk', 'DB_MOSCOW', ?, 0, 1, ?, 1)",
      ).bind(bonusDue, at),
    );
    const { sent, queue } = recordingQueue();
    const out = await runRegionDay(createDataAccess(env), async () => undefined, queue, { region: "msk", at }, new Date(at));
    expect(out.bonusDays).toBe(0);
    expect(sent.map((m) => (m.kind === "cron.step" ? `${m.kind}:${m.job}:${m.shard}` : m.kind))).toEqual(["cron.step:bonus:DB_MOSCOW_2"]);
    expect(
      await env.DB_MOSCOW.prepare("SELECT done_day FROM cron_progress WHERE job = 'bonus' AND region = 'msk'").first<string>("done_day"),
    ).toBe(addDays(bonusDue, -1));
  });

  it("start chains in statements within D1's 100 bound parameters, however many shards", () => {
    const db = createDataAccess(env).shard("DB_MOSCOW");
    const rows = Array.from({ length: STEP_ROWS_PER_STATEMENT }, (_, i) => ({
      job: "bonus" as const,
      region: "msk",
      shard: `DB_SHARD_${i}`,
      day: "2026-12-04",
      afterRowid: 0,
      done: false,
      updatedAt: new Date(),
      seq: 0,
    }));
    expect(stepRowsUpsert(db, rows).toSQL().params.length).toBeLessThanOrEqual(100);
    expect(STEP_ROWS_PER_STATEMENT).toBeGreaterThanOrEqual(10);
  });
});

describe("a day's steps telling their region", () => {
  it("come back a few minutes later while the region's chain runs, then tell it with a run of their own", async () => {
    const at = steadyAt();
    await setMoscowDay(at, true);
    const sent: { body: Sent; delaySeconds?: number }[] = [];
    const queue = {
      send: async (body: Sent, o?: { delaySeconds?: number }) =>
        void sent.push({ body, ...(o?.delaySeconds ? { delaySeconds: o.delaySeconds } : {}) }),
      sendBatch: async (ms: { body: Sent }[]) => void sent.push(...ms.map((m) => ({ body: m.body }))),
    } as unknown as Queue;
    const tell = async () => undefined;
    const limits = { bonus: 1_000, bonusCalls: 900, alerts: 1_000, alertCalls: 900 };
    await runRegionDay(createDataAccess(env), tell, queue, { region: "msk", at }, new Date(at));
    // A chain of the region runs (it read the steps before they were through).
    const held = await takeLease(createDataAccess(env).global, "region:msk", new Date(at), REGION_LEASE_STALE_MS);
    expect(held).toEqual(expect.any(String));
    // Every step message to the chains' end.
    for (let i = 0; i < sent.length; i++) {
      const m = sent[i]?.body as Sent;
      if (m.kind === "cron.step" && m.tells === undefined) await runStepShard(createDataAccess(env), tell, queue, m, new Date(at), limits);
      expect(i).toBeLessThan(100);
    }
    // The last chain through found the region's chain at work: it comes back in 3 minutes, and tells nothing now.
    const back = sent.filter((s) => s.body.kind === "cron.step" && s.body.tells === 1);
    expect(back).toHaveLength(1);
    expect(back[0]?.delaySeconds).toBe(180);
    expect(sent.filter((s) => s.body.kind === "cron.region")).toEqual([]);
    expect(isStepShardMessage(back[0]?.body)).toBe(true);
    // One that came back 20 times already gives up (the next hourly tick goes on with the region).
    const before = sent.length;
    await runStepShard(createDataAccess(env), tell, queue, { ...(back[0]?.body as StepShardMessage), tells: 20 }, new Date(at), limits);
    expect(sent.length).toBe(before);
    // That chain gave its lease back: the message, back, tells the region with a run of its own.
    await release(createDataAccess(env).global, "region:msk", held as string);
    await runStepShard(createDataAccess(env), tell, queue, back[0]?.body as StepShardMessage, new Date(at + 180_000), limits);
    const told = sent.filter((s) => s.body.kind === "cron.region").map((s) => s.body as RegionDayMessage);
    expect(told).toHaveLength(1);
    expect(told[0]?.run).toEqual(expect.any(String));
    expect(told[0]?.run).not.toBe(held);
  });
});
