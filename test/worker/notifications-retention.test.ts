import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { localEmail } from "../../worker/adapters/email";
import { webPush } from "../../worker/adapters/push";
import { localSms } from "../../worker/adapters/sms";
import { deadLetters, globalPushSubscriptions } from "../../worker/db/schema/global";
import { deliveries, inbox } from "../../worker/db/schema/region";
import { consumeNotifications, type Delivery } from "../../worker/features/notifications/notifications.consumer";
import type { NotificationMessage } from "../../worker/features/notifications/notifications.messages";
import { expireNotifications } from "../../worker/features/notifications/notifications.retention";
import worker from "../../worker/index";
import { createDataAccess, type ShardBinding } from "../../worker/platform/db";
import { makeAccountNo } from "../../worker/platform/ids";
import { browserKeys } from "../push/webpush-receiver";
import { api, globalRows, json, login, shardRows } from "./helpers";

const ANNA_MSK = makeAccountNo("20100000001");
const DAY = 24 * 60 * 60 * 1000;
const db = () => createDataAccess(env).global;
/** A subscriber's home shard's binding (their inbox and deliveries). */
const homeShard = async (subscriberId: string) =>
  (await globalRows<{ shard: ShardBinding }>("SELECT home_shard AS shard FROM subscribers WHERE id = ?", subscriberId))[0]
    ?.shard as ShardBinding;
const home = async (subscriberId: string) => createDataAccess(env).shard(await homeShard(subscriberId));
/** The same moment `months` months earlier (UTC), as a calendar counts them. */
const monthsAgo = (now: number, months: number) => {
  const at = new Date(now);
  at.setUTCMonth(at.getUTCMonth() - months);
  return at;
};

type InboxDto = { items: { id: string; title: string; read: boolean }[]; unread: number; keptMonths: number };

let n = 0;
function inboxRow(subscriberId: string, createdAt: Date, read = false) {
  const id = `ret-${++n}-${crypto.randomUUID()}`;
  return {
    id,
    subscriberId,
    eventId: `ret-event:${id}`,
    kind: "payment_credited" as const,
    accountNo: ANNA_MSK,
    title: `Сообщение ${n}`,
    body: "Зачислено",
    url: "/",
    params: null,
    createdAt,
    readAt: read ? createdAt : null,
  };
}
function deliveryRow(updatedAt: Date, channel: "inapp" | "push" | "sms" = "inapp", subscriberId = "demo-anna") {
  const eventId = `ret-event:${++n}-${crypto.randomUUID()}`;
  return {
    dedupeKey: `${eventId}:${subscriberId}:${channel}`,
    eventId,
    subscriberId,
    channel,
    status: "sent" as const,
    attempts: 1,
    updatedAt,
  };
}

// D1 binds at most 100 parameters per statement: a few rows per INSERT, each in its subscriber's home shard.
async function insertInbox(rows: ReturnType<typeof inboxRow>[]) {
  for (let i = 0; i < rows.length; i += 8) for (const r of rows.slice(i, i + 8)) await (await home(r.subscriberId)).insert(inbox).values(r);
}
async function insertDeliveries(rows: ReturnType<typeof deliveryRow>[]) {
  for (const r of rows) await (await home(r.subscriberId)).insert(deliveries).values(r);
}

/** Runs the 15-minute housekeeping tick as the scheduler fires it. */
async function housekeeping(at: number) {
  const ctx = createExecutionContext();
  await worker.scheduled(createScheduledController({ cron: "*/15 * * * *", scheduledTime: at }), env, ctx);
  await waitOnExecutionContext(ctx);
}

describe("retention of the inbox and deliveries", () => {
  it("the housekeeping tick removes inbox messages past 12 months and deliveries past 90 days, and keeps the recent ones", async () => {
    const now = Date.now();
    const old = [inboxRow("demo-petr", monthsAgo(now, 13)), inboxRow("demo-petr", new Date(monthsAgo(now, 12).getTime() - DAY))];
    const recent = [inboxRow("demo-petr", monthsAgo(now, 11)), inboxRow("demo-petr", new Date(now - DAY))];
    await insertInbox([...old, ...recent]);
    const oldDeliveries = [deliveryRow(new Date(now - 91 * DAY)), deliveryRow(new Date(now - 200 * DAY), "push")];
    const recentDeliveries = [deliveryRow(new Date(now - 89 * DAY)), deliveryRow(new Date(now - 10 * DAY), "sms")];
    await insertDeliveries([...oldDeliveries, ...recentDeliveries]);

    await housekeeping(now);

    const ids = (await shardRows<{ id: string }>("SELECT id FROM inbox WHERE subscriber_id = 'demo-petr' AND id LIKE 'ret-%'")).map(
      (r) => r.id,
    );
    expect(ids.sort()).toEqual(recent.map((r) => r.id).sort());
    const keys = (await shardRows<{ k: string }>("SELECT dedupe_key AS k FROM deliveries WHERE event_id LIKE 'ret-event:%'")).map(
      (r) => r.k,
    );
    expect(keys.sort()).toEqual(recentDeliveries.map((r) => r.dedupeKey).sort());
  });

  it("the inbox lists and counts as unread only the last 12 months, before housekeeping has run and after", async () => {
    const now = Date.now();
    await (await home("demo-anna")).delete(inbox).where(eq(inbox.subscriberId, "demo-anna"));
    const expired = inboxRow("demo-anna", monthsAgo(now, 13));
    const lastYear = inboxRow("demo-anna", monthsAgo(now, 11));
    const today = inboxRow("demo-anna", new Date(now - 60_000));
    const readLastMonth = inboxRow("demo-anna", new Date(now - 30 * DAY), true);
    await (await home("demo-anna")).insert(inbox).values([expired, lastYear, today, readLastMonth]);
    const anna = await login("anna");

    const shown = async () => json<InboxDto>(await api(anna, "/notifications"));
    const before = await shown();
    expect(before.items.map((i) => i.id)).toEqual([today.id, readLastMonth.id, lastYear.id]);
    expect(before.unread).toBe(2);
    // The screen says how long messages are kept.
    expect(before.keptMonths).toBe(12);

    await housekeeping(now);
    const after = await shown();
    expect(after).toEqual(before);
    expect(await shardRows("SELECT 1 FROM inbox WHERE id = ?", expired.id)).toHaveLength(0);

    // «Отметить все прочитанными» marks what the subscriber sees.
    const marked = await json<{ marked: number; unread: number }>(
      await api(anna, "/notifications/read", { method: "POST", body: JSON.stringify({ all: true }) }),
    );
    expect(marked).toEqual({ marked: 2, unread: 0 });
  });

  it("an expired message not yet deleted is neither shown, counted nor marked read", async () => {
    const now = Date.now();
    await (await home("demo-olga")).delete(inbox).where(eq(inbox.subscriberId, "demo-olga"));
    const expired = inboxRow("demo-olga", monthsAgo(now, 14));
    const recent = inboxRow("demo-olga", new Date(now - DAY));
    await (await home("demo-olga")).insert(inbox).values([expired, recent]);
    const olga = await login("olga");
    const shown = await json<InboxDto>(await api(olga, "/notifications"));
    expect(shown.items.map((i) => i.id)).toEqual([recent.id]);
    expect(shown.unread).toBe(1);
    const marked = await json<{ marked: number; unread: number }>(
      await api(olga, "/notifications/read", { method: "POST", body: JSON.stringify({ ids: [expired.id, recent.id] }) }),
    );
    expect(marked).toEqual({ marked: 1, unread: 0 });
  });

  it("deletes in bounded pages: a backlog larger than a run's pages goes over several runs, recent rows stay", async () => {
    const now = Date.now();
    // Maria's home shard only (a run visits a share of the shards): anything old already there goes first, so the
    // counts below are this test's own rows. (A run's least: one statement for the dead letters, one reading the
    // events they keep, then one for each of the inbox and deliveries in the global tables and in the shard.)
    const shards = [await homeShard("demo-maria")];
    while ((await expireNotifications(createDataAccess(env), new Date(now), { shards })).statements > 6);
    const oldInbox = Array.from({ length: 25 }, (_, i) => inboxRow("demo-maria", new Date(monthsAgo(now, 13).getTime() - i * DAY)));
    const oldDeliveries = Array.from({ length: 25 }, (_, i) => deliveryRow(new Date(now - (100 + i) * DAY), "inapp", "demo-maria"));
    const keptInbox = inboxRow("demo-maria", new Date(now - DAY));
    const keptDelivery = deliveryRow(new Date(now - DAY), "inapp", "demo-maria");
    await insertInbox([...oldInbox, keptInbox]);
    await insertDeliveries([...oldDeliveries, keptDelivery]);

    const runs = [];
    for (let i = 0; i < 4; i++) runs.push(await expireNotifications(createDataAccess(env), new Date(now), { page: 4, pages: 3, shards }));
    // Each run: at most 3 statements of 4 rows per table and database; 25 rows take three runs (12 + 12 + 1), the
    // fourth finds nothing.
    expect(runs).toEqual([
      { deadLetters: 0, inbox: 12, deliveries: 12, statements: 10 },
      { deadLetters: 0, inbox: 12, deliveries: 12, statements: 10 },
      { deadLetters: 0, inbox: 1, deliveries: 1, statements: 6 },
      { deadLetters: 0, inbox: 0, deliveries: 0, statements: 6 },
    ]);
    expect(await shardRows("SELECT id FROM inbox WHERE subscriber_id = 'demo-maria' AND id LIKE 'ret-%'")).toEqual([{ id: keptInbox.id }]);
    const left = (await shardRows<{ k: string }>("SELECT dedupe_key AS k FROM deliveries WHERE event_id LIKE 'ret-event:%'")).map(
      (r) => r.k,
    );
    expect(left).toContain(keptDelivery.dedupeKey);
    expect(left.filter((k) => oldDeliveries.some((d) => d.dedupeKey === k))).toEqual([]);
  });

  it("keeps an event's inbox row and deliveries while its message waits in the dead letters: a replay sends nothing twice", async () => {
    const now = Date.now();
    const sentAt = monthsAgo(now, 13);
    // Anna's phone, subscribed to pushes; a push service that counts what reaches it.
    const keys = await browserKeys();
    const subscriptionId = `ret-sub-${crypto.randomUUID()}`;
    const endpoint = `https://push.example.net/send/${subscriptionId}`;
    await db().insert(globalPushSubscriptions).values({
      id: subscriptionId,
      subscriberId: "demo-anna",
      origin: "http://msk.kabinet.localhost",
      endpoint,
      p256dh: keys.p256dh,
      auth: keys.auth,
      lang: "ru",
      createdAt: sentAt,
    });
    const pushed: string[] = [];
    const deliver = (at: Date) => {
      const data = createDataAccess(env);
      const queued: NotificationMessage[] = [];
      const dl: Delivery = {
        sms: localSms(data.global),
        email: localEmail(data.global),
        push: webPush({ publicKey: env.VAPID_PUBLIC_KEY, privateJwk: env.VAPID_PRIVATE_JWK, subject: env.VAPID_SUBJECT }, async (req) => {
          if (req.url === endpoint) pushed.push(req.url);
          return new Response(null, { status: 201 });
        }),
        queue: { send: async (body) => void queued.push(body), sendBatch: async (ms) => void queued.push(...ms.map((m) => m.body)) },
        siteUrl: () => "https://msk.kabinet.example",
        now: () => at,
      };
      /** Consumes the messages and everything they fan out into. */
      return async (bodies: NotificationMessage[]) => {
        for (let next = bodies; next.length; ) {
          queued.length = 0;
          const batch = {
            queue: "kabinet-notifications",
            messages: next.map((body, i) => ({ id: `ret-m${i}`, body, attempts: 1, timestamp: at, ack() {}, retry() {} })),
          } as unknown as MessageBatch<unknown>;
          await consumeNotifications(batch, env, dl);
          next = [...queued];
        }
      };
    };
    // An outage (urgent: no quiet hours) 13 months ago, with a message of its event in `dead_letters` that failed
    // 20 days ago (a dead letter is kept 21 days: DEAD_LETTER_RETENTION_MS), so an operator may still replay it.
    const outage: NotificationMessage = {
      channel: "event",
      eventId: `ret-outage:${crypto.randomUUID()}`,
      kind: "outage",
      subscriberId: "demo-anna",
      accountNo: ANNA_MSK,
      params: { phase: "declared", title: "Нет интернета", until: new Date(sentAt.getTime() + 3_600_000).toISOString() },
    };
    await db()
      .insert(deadLetters)
      .values({
        id: `ret-dlq-${crypto.randomUUID()}`,
        queue: "kabinet-dlq",
        body: JSON.stringify(outage),
        attempts: 6,
        failedAt: new Date(now - 20 * DAY),
      });
    await deliver(sentAt)([outage]);
    expect(pushed).toHaveLength(1);
    const unreadBefore = (await json<InboxDto>(await api(await login("anna"), "/notifications"))).unread;

    await housekeeping(now);
    // Kept: the replay below must find them.
    expect(await shardRows("SELECT 1 FROM inbox WHERE event_id = ?", outage.eventId)).toHaveLength(1);
    expect(await shardRows("SELECT DISTINCT channel FROM deliveries WHERE event_id = ? ORDER BY channel", outage.eventId)).toEqual([
      { channel: "inapp" },
      { channel: "push" },
      { channel: "sms" },
    ]);
    const [row] = await shardRows<{ id: string }>("SELECT id FROM inbox WHERE event_id = ?", outage.eventId);

    // A second replay a year later: no second push, and no «new» year-old outage in the inbox.
    await deliver(new Date(now))([outage]);
    expect(pushed).toHaveLength(1);
    const inboxAfter = await json<InboxDto>(await api(await login("anna"), "/notifications"));
    expect(inboxAfter.unread).toBe(unreadBefore);
    expect(inboxAfter.items.map((i) => i.id)).not.toContain(row?.id);
    expect(await shardRows("SELECT id FROM inbox WHERE event_id = ?", outage.eventId)).toEqual([{ id: row?.id }]);

    // Two days later the dead letter is past 21 days: the run deletes it, then the year-old rows (the replay has just
    // recorded its in-app and SMS deliveries again: those are recent now).
    await housekeeping(now + 2 * DAY);
    expect(await globalRows("SELECT id FROM dead_letters WHERE json_extract(body, '$.eventId') = ?", outage.eventId)).toEqual([]);
    expect(await shardRows("SELECT 1 FROM inbox WHERE event_id = ?", outage.eventId)).toHaveLength(0);
    expect(await shardRows("SELECT channel FROM deliveries WHERE event_id = ? AND updated_at < ?", outage.eventId, now - DAY)).toEqual([]);
  });
});
