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
import { dueDay, isRegionDayMessage, type RegionDayMessage, runRegionDay, STEP_LEASE_MS } from "../../worker/features/cron/daily.service";
import { ALERT_HOUR, balanceAlerts } from "../../worker/features/notifications/alerts.service";
import type { NotificationMessage } from "../../worker/features/notifications/notifications.messages";
import { createDataAccess, type DataAccess } from "../../worker/platform/db";
import { makeAccountNo } from "../../worker/platform/ids";
import { addDays } from "../../worker/platform/region";
import type { StepCursor } from "../../worker/platform/shard-map";

const msk = REGIONS.filter((r) => r.code === "msk");

/** Six Moscow accounts of a subscriber of this file's, at 0 ₽ with a 100 ₽ low-balance alert each, all in «Бонус». */
beforeAll(async () => {
  const now = Date.now();
  await env.DB.prepare(
    "INSERT INTO subscribers (id, display_name, locale, created_at, home_shard) VALUES ('steps-sub', 'Шаги', 'ru', ?, 'DB_MOSCOW')",
  )
    .bind(now)
    .run();
  for (let i = 0; i < 6; i++) {
    const no = makeAccountNo(`2019900000${i}`);
    await env.DB.batch([
      env.DB.prepare("INSERT INTO account_directory (account_no, region, shard, created_at) VALUES (?, 'msk', 'DB_MOSCOW', ?)").bind(
        no,
        now,
      ),
      env.DB.prepare(
        "INSERT INTO account_links (subscriber_id, account_no, role, low_balance_kop, created_at) VALUES ('steps-sub', ?, 'owner', 10000, ?)",
      ).bind(no, now),
    ]);
    await env.DB_MOSCOW.batch([
      env.DB_MOSCOW.prepare(
        "INSERT INTO accounts (account_no, region, holder_name, address, status, created_at) VALUES (?, 'msk', 'Шаги', '—', 'active', ?)",
      ).bind(no, now),
      env.DB_MOSCOW.prepare(
        "INSERT INTO bonus_members (account_no, status, joined_at, joined_by, rules_version) VALUES (?, 'active', ?, 'steps-sub', '1')",
      ).bind(no, now),
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
    // This file's six members and the demo's: a page each.
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
    // A page: its accounts, their links, balances, yesterday's charges and the charge alerts asked for.
    const paged = await alertsPaged(at, { limit: 1 }, (data) => expect(data.stats.roundTrips).toBeLessThanOrEqual(6));
    // At least this file's six accounts at 0 ₽ under their 100 ₽ threshold.
    expect(whole.filter((m) => m.channel === "event" && m.subscriberId === "steps-sub" && m.kind === "low_balance")).toHaveLength(6);
    expect(ids(paged.told)).toEqual(ids(whole));
    expect(new Set(ids(paged.told)).size).toBe(paged.told.length);
    expect(paged.pages).toBeGreaterThan(6);
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

  it("go on in messages of their own from where the one before stopped, and the day is marked done once, at the end", async () => {
    const [region] = msk;
    if (!region) throw new Error("no msk");
    const at = Date.now();
    const [charged, bonusDue, alertsDue] = [0, EARN_HOUR, ALERT_HOUR].map((h) => dueDay(region.tz, new Date(at), h));
    // Charged up to today; the day's points and alerts not yet done.
    await env.DB_MOSCOW.prepare(
      "INSERT OR REPLACE INTO cron_progress (job, region, done_day, updated_at) VALUES ('midnight', 'msk', ?1, ?4), ('bonus', 'msk', ?2, ?4), ('alerts', 'msk', ?3, ?4)",
    )
      .bind(charged, addDays(bonusDue as string, -1), addDays(alertsDue as string, -1), at)
      .run();
    const progress = async (job: string) =>
      env.DB_MOSCOW.prepare("SELECT done_day FROM cron_progress WHERE job = ? AND region = 'msk'").bind(job).first<string>("done_day");
    const sent: RegionDayMessage[] = [];
    const queue = { send: async (m: RegionDayMessage) => void sent.push(m) } as unknown as Queue;
    const told: NotificationMessage[] = [];
    let message: RegionDayMessage = { kind: "cron.region", region: "msk", at };
    const steps: string[] = [];
    const limits = { bonus: 2, bonusCalls: 450, alerts: 2, alertCalls: 500 };
    const tell = async (m: NotificationMessage) => void told.push(m);
    // The first message starts the points and hands on; the hourly tick's message meanwhile leaves the chain alone.
    expect((await runRegionDay(createDataAccess(env), tell, queue, message, new Date(at), undefined, undefined, limits)).continued).toBe(
      true,
    );
    const chain = sent.at(-1) as RegionDayMessage;
    expect(chain.stepResume?.job).toBe("bonus");
    const idle = await runRegionDay(
      createDataAccess(env),
      tell,
      queue,
      { region: "msk", at },
      new Date(at + 60_000),
      undefined,
      undefined,
      limits,
    );
    expect(idle.continued).toBe(false);
    expect(sent).toHaveLength(1);
    // A chain whose message was lost (nothing for longer than the lease) is taken over from where it got to.
    const taken = await runRegionDay(
      createDataAccess(env),
      tell,
      queue,
      { region: "msk", at },
      new Date(at + STEP_LEASE_MS + 60_000),
      undefined,
      undefined,
      limits,
    );
    expect(taken.continued).toBe(true);
    const after = sent.at(-1) as RegionDayMessage;
    expect(after.stepResume?.job).toBe("bonus");
    expect(
      after.stepResume?.shard === chain.stepResume?.shard
        ? (after.stepResume?.afterRowid ?? 0) > (chain.stepResume?.afterRowid ?? 0)
        : true,
    ).toBe(true);
    message = after;
    steps.push("bonus", "bonus");
    for (let i = 0; ; i++) {
      const data = createDataAccess(env);
      const out = await runRegionDay(data, tell, queue, message, new Date(at + STEP_LEASE_MS + 60_000), undefined, undefined, {
        bonus: 2,
        bonusCalls: 450,
        alerts: 2,
        alertCalls: 500,
      });
      expect(data.stats.roundTrips).toBeLessThan(100);
      if (!out.continued) break;
      message = sent.at(-1) as RegionDayMessage;
      expect(isRegionDayMessage(message)).toBe(true);
      if (message.stepResume) steps.push(message.stepResume.job);
      // Not done until the step's last page.
      if (message.stepResume?.job === "bonus") expect(await progress("bonus")).toBe(addDays(bonusDue as string, -1));
      expect(i).toBeLessThan(200);
    }
    expect(steps.filter((s) => s === "bonus").length).toBeGreaterThanOrEqual(3);
    expect(steps.filter((s) => s === "alerts").length).toBeGreaterThanOrEqual(3);
    expect(await progress("bonus")).toBe(bonusDue);
    expect(await progress("alerts")).toBe(alertsDue);
    const lows = told.filter((m) => m.channel === "event" && m.subscriberId === "steps-sub" && m.kind === "low_balance");
    expect(new Set(lows.map((m) => (m.channel === "event" ? m.eventId : ""))).size).toBe(6);
  });
});
