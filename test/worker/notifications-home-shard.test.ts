/**
 * Issue 20: the inbox and delivery records live in each subscriber's home shard, not in the global database; the rows
 * an older deployment kept there are drained into the home shards without a message seen twice or missed.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { localEmail } from "../../worker/adapters/email";
import { webPush } from "../../worker/adapters/push";
import { localSms } from "../../worker/adapters/sms";
import { globalDeliveries, globalInbox, globalPushSubscriptions } from "../../worker/db/schema/global";
import { DRAIN_TABLES } from "../../worker/features/notifications/drain.limits";
import { consumeNotifications, type Delivery } from "../../worker/features/notifications/notifications.consumer";
import { DELIVERY_DRAIN_AFTER_MS, drainLegacyNotifications } from "../../worker/features/notifications/notifications.drain";
import type { EventMessage, NotificationMessage } from "../../worker/features/notifications/notifications.messages";
import { createDataAccess, type ShardBinding, shardBindings, shardDatabase } from "../../worker/platform/db";
import { newId } from "../../worker/platform/ids";
import { openSession, SESSION_COOKIE } from "../../worker/platform/session";
import { jsonChunks } from "../../worker/platform/shard-map";
import { browserKeys } from "../push/webpush-receiver";
import { api, globalRows, json, notificationBatch } from "./helpers";

const DAY = 24 * 60 * 60 * 1000;

type InboxDto = { items: { id: string; title: string; read: boolean }[]; nextBefore: string | null; unread: number };

let serial = 0;
/** A subscriber of their own whose home shard is `shard`, with the in-app inbox and SMS for outages; a session cookie. */
async function subscriberOn(shard: ShardBinding, channels = "inapp,sms") {
  const id = `home-${shard.toLowerCase()}-${++serial}-${crypto.randomUUID().slice(0, 8)}`;
  const now = Date.now();
  await env.DB.batch([
    env.DB.prepare("INSERT INTO subscribers (id, display_name, phone, locale, created_at, home_shard) VALUES (?, ?, ?, 'ru', ?, ?)").bind(
      id,
      id,
      `+7977${String(Math.floor(Math.random() * 1e7)).padStart(7, "0")}`,
      now,
      shard,
    ),
    env.DB.prepare(
      "INSERT INTO notification_prefs (subscriber_id, account_no, kind, channels, updated_at) VALUES (?, '*', 'outage', ?, ?)",
    ).bind(id, channels, now),
  ]);
  const { token } = await openSession(createDataAccess(env), { id, homeShard: shard }, "password", null);
  return { id, cookie: `${SESSION_COOKIE}=${token}` };
}

/** Consumes the messages and everything they fan out into, as the queue would. */
async function deliver(bodies: NotificationMessage[], pushed: string[] = [], status = (_url: string) => 201) {
  const data = createDataAccess(env);
  const queued: NotificationMessage[] = [];
  const dl: Delivery = {
    sms: localSms(data.global),
    email: localEmail(data.global),
    push: webPush({ publicKey: env.VAPID_PUBLIC_KEY, privateJwk: env.VAPID_PRIVATE_JWK, subject: env.VAPID_SUBJECT }, async (req) => {
      pushed.push(req.url);
      return new Response(null, { status: status(req.url) });
    }),
    queue: { send: async (body) => void queued.push(body), sendBatch: async (ms) => void queued.push(...ms.map((m) => m.body)) },
    siteUrl: () => "https://msk.kabinet.example",
    now: () => new Date(),
  };
  const acked: boolean[] = [];
  for (let next = bodies; next.length; ) {
    queued.length = 0;
    await consumeNotifications(notificationBatch(next, acked, "home-m"), env, dl);
    next = [...queued];
  }
  return { acked, out: queued };
}

function outageFor(subscriberId: string, eventId = `outage:home-${crypto.randomUUID()}:declared`): EventMessage {
  return {
    channel: "event",
    eventId,
    kind: "outage",
    subscriberId,
    accountNo: null,
    params: { phase: "declared", title: "Нет интернета", until: new Date(Date.now() + 3_600_000).toISOString() },
  };
}

/** Rows of a query on one shard. */
const on = async <T>(shard: ShardBinding, sql: string, ...args: unknown[]) =>
  (
    await (shardDatabase(env, shard) as D1Database)
      .prepare(sql)
      .bind(...args)
      .all<T>()
  ).results;

/** The shards a request read, from its Server-Timing header (`d1-DB_MOSCOW_2;desc=…`); the global `DB` left out. */
const shardsRead = (res: Response) => [...(res.headers.get("server-timing") ?? "").matchAll(/d1-(DB_[A-Z0-9_]+);/g)].map((m) => m[1]);

describe("the inbox and deliveries in the subscriber's home shard", () => {
  it("subscribers on two shards each get their notifications in their own shard, and the global database keeps none", async () => {
    const a = await subscriberOn("DB_MOSCOW");
    const b = await subscriberOn("DB_MOSCOW_2");
    const ea = outageFor(a.id);
    const eb = outageFor(b.id);
    await deliver([ea, eb]);

    for (const [who, e, home, other] of [
      [a, ea, "DB_MOSCOW", "DB_MOSCOW_2"],
      [b, eb, "DB_MOSCOW_2", "DB_MOSCOW"],
    ] as const) {
      expect(await on(home, "SELECT subscriber_id FROM inbox WHERE event_id = ?", e.eventId)).toEqual([{ subscriber_id: who.id }]);
      expect(await on(other, "SELECT 1 FROM inbox WHERE event_id = ?", e.eventId)).toEqual([]);
      const channels = await on<{ channel: string; status: string }>(
        home,
        "SELECT channel, status FROM deliveries WHERE event_id = ? ORDER BY channel",
        e.eventId,
      );
      expect(channels).toEqual([
        { channel: "inapp", status: "sent" },
        { channel: "sms", status: "sent" },
      ]);
      expect(await on(other, "SELECT 1 FROM deliveries WHERE event_id = ?", e.eventId)).toEqual([]);
      expect(await globalRows("SELECT 1 FROM inbox WHERE event_id = ?", e.eventId)).toEqual([]);
      expect(await globalRows("SELECT 1 FROM deliveries WHERE event_id = ?", e.eventId)).toEqual([]);
    }
    // The SMS went out once each (its provider row is global: SMSC's callbacks find it by id).
    expect(
      await globalRows("SELECT 1 FROM outbox WHERE dedupe_key IN (?, ?)", `${ea.eventId}:${a.id}:sms`, `${eb.eventId}:${b.id}:sms`),
    ).toHaveLength(2);
  });

  it("a subscriber's inbox reads their home shard only: another shard's rows, even under their id, are never shown", async () => {
    const a = await subscriberOn("DB_MOSCOW");
    const b = await subscriberOn("DB_MOSCOW_2");
    await deliver([outageFor(a.id), outageFor(b.id)]);
    // A stray row under b's id in a's shard (not where b's inbox is): b must not see it.
    await (shardDatabase(env, "DB_MOSCOW") as D1Database)
      .prepare(
        "INSERT INTO inbox (id, subscriber_id, event_id, kind, account_no, title, body, url, params, created_at) VALUES (?, ?, 'stray', 'outage', NULL, 'Чужой шард', 'x', '/', NULL, ?)",
      )
      .bind(newId(), b.id, Date.now())
      .run();

    for (const [who, home] of [
      [a, "DB_MOSCOW"],
      [b, "DB_MOSCOW_2"],
    ] as const) {
      const res = await api(who.cookie, "/notifications");
      expect(res.status).toBe(200);
      expect(shardsRead(res)).toEqual([home]);
      const page = await json<InboxDto>(res);
      expect(page.items).toHaveLength(1);
      expect(page.items.map((i) => i.title)).not.toContain("Чужой шард");
      expect(page.unread).toBe(1);
      const read = await api(who.cookie, "/notifications/read", { method: "POST", body: JSON.stringify({ all: true }) });
      expect(shardsRead(read)).toEqual([home]);
      expect(await json(read)).toEqual({ marked: 1, unread: 0 });
    }
    // The stray row is untouched: b's «mark all read» did not reach a's shard.
    expect(await on("DB_MOSCOW", "SELECT read_at FROM inbox WHERE subscriber_id = ?", b.id)).toEqual([{ read_at: null }]);
  });

  it("a new subscriber's home shard is their first account's (registration); the demo's follow their first account too", async () => {
    const rows = await globalRows<{ id: string; home_shard: string; shard: string }>(
      `SELECT s.id, s.home_shard, (SELECT d.shard FROM account_links l JOIN account_directory d ON d.account_no = l.account_no
         WHERE l.subscriber_id = s.id ORDER BY l.created_at, l.account_no LIMIT 1) AS shard
       FROM subscribers s WHERE s.id IN ('demo-anna', 'demo-petr', 'demo-olga', 'demo-maria')`,
    );
    expect(rows).toHaveLength(4);
    for (const r of rows) expect(r.home_shard, r.id).toBe(r.shard);
    expect(new Set(rows.map((r) => r.home_shard)).size).toBeGreaterThan(1);
  });
});

describe("the upgrade's drain of the global inbox and deliveries", () => {
  it("moves every row to its home shard over several runs; the subscriber sees each message once at every step", async () => {
    const data = createDataAccess(env);
    const a = await subscriberOn("DB_MOSCOW");
    const b = await subscriberOn("DB_MOSCOW_2");
    const now = Date.now();
    // What an older deployment left in the global database: 7 messages for a (2 read), 5 for b, in order of time.
    const legacy = (who: string, count: number, readFirst = 0) =>
      Array.from({ length: count }, (_, i) => {
        const at = new Date(now - (count - i) * 3_600_000);
        return {
          id: newId(at.getTime()),
          subscriberId: who,
          eventId: `legacy:${who}:${i}`,
          kind: "payment_credited" as const,
          accountNo: null,
          title: `Старое ${i + 1}`,
          body: "Зачислено",
          url: "/",
          params: null,
          createdAt: at,
          readAt: i < readFirst ? at : null,
        };
      });
    const rowsA = legacy(a.id, 7, 2);
    const rowsB = legacy(b.id, 5);
    for (const r of [...rowsA, ...rowsB]) await data.global.insert(globalInbox).values(r);
    const delivery = (who: string, age: number, i: number) => ({
      dedupeKey: `legacy:${who}:${i}:inapp`,
      eventId: `legacy:${who}:${i}`,
      subscriberId: who,
      channel: "inapp" as const,
      status: "sent" as const,
      attempts: 1,
      detail: null,
      updatedAt: new Date(now - age),
    });
    // Old enough to move (past any message queued before the upgrade), and one that is not yet.
    const oldDeliveries = [delivery(a.id, DELIVERY_DRAIN_AFTER_MS + DAY, 0), delivery(b.id, DELIVERY_DRAIN_AFTER_MS + 2 * DAY, 0)];
    const young = delivery(a.id, DAY, 1);
    for (const d of [...oldDeliveries, young]) await data.global.insert(globalDeliveries).values(d);
    // A run that died between its copy and its delete: a's newest message is in both places already.
    const newestA = rowsA[6] as (typeof rowsA)[number];
    await (shardDatabase(env, "DB_MOSCOW") as D1Database)
      .prepare(
        "INSERT INTO inbox (id, subscriber_id, event_id, kind, account_no, title, body, url, params, created_at, read_at) VALUES (?, ?, ?, ?, NULL, ?, ?, ?, NULL, ?, NULL)",
      )
      .bind(newestA.id, a.id, newestA.eventId, newestA.kind, newestA.title, newestA.body, newestA.url, newestA.createdAt.getTime())
      .run();
    // An event delivered before the upgrade, delivered again after it: the global table's row is the one, no second.
    const redelivered = rowsA[5] as (typeof rowsA)[number];
    await deliver([outageFor(a.id, redelivered.eventId)]);
    expect(await on("DB_MOSCOW", "SELECT 1 FROM inbox WHERE event_id = ?", redelivered.eventId)).toEqual([]);
    // And one new message after the upgrade, in the shard only.
    const fresh = outageFor(a.id);
    await deliver([fresh]);

    const expectedA = async () => {
      const page = await json<InboxDto>(await api(a.cookie, "/notifications"));
      return { ids: page.items.map((i) => i.id), unread: page.unread, read: page.items.map((i) => i.read) };
    };
    const before = await expectedA();
    expect(before.ids).toHaveLength(8);
    expect(new Set(before.ids).size).toBe(8);
    expect(before.ids.slice(1)).toEqual([...rowsA].reverse().map((r) => r.id));
    // 5 of the old unread (one of them in both places, counted once), and the new one.
    expect(before.unread).toBe(6);
    const beforeB = await json<InboxDto>(await api(b.cookie, "/notifications"));
    expect(beforeB.items.map((i) => i.id)).toEqual([...rowsB].reverse().map((r) => r.id));
    expect(beforeB.unread).toBe(5);

    // Small pages and budgets: the drain takes several runs; after each, a and b see the same messages.
    const runs = [];
    let marked = false;
    for (let i = 0; i < 20; i++) {
      const r = await drainLegacyNotifications(createDataAccess(env), new Date(now), { page: 3, calls: 7 });
      runs.push(r);
      const seen = await expectedA();
      expect(seen.ids).toEqual(before.ids);
      if (!marked) {
        // Mid-drain, a marks one old message read (wherever it is at the moment).
        const target = rowsA[3]?.id as string;
        expect(await json(await api(a.cookie, "/notifications/read", { method: "POST", body: JSON.stringify({ ids: [target] }) }))).toEqual(
          { marked: 1, unread: 5 },
        );
        marked = true;
      } else expect(seen.unread).toBe(5);
      expect((await json<InboxDto>(await api(b.cookie, "/notifications"))).items.map((x) => x.id)).toEqual(beforeB.items.map((x) => x.id));
      if (r.drained) break;
    }
    expect(runs.length).toBeGreaterThan(2);
    expect(runs.at(-1)?.drained).toBe(true);
    expect(runs.reduce((n, r) => n + r.inbox, 0)).toBe(12);
    expect(runs.reduce((n, r) => n + r.deliveries, 0)).toBe(2);
    // Each table within its 7 calls (the empty ones spend their one read), and the tables' cursors read and written.
    for (const r of runs) expect(r.calls).toBeLessThanOrEqual(DRAIN_TABLES * 7 + 2);

    // Everything in the home shards, once; the global table holds none of their messages, only the young delivery.
    expect(await globalRows("SELECT 1 FROM inbox WHERE subscriber_id IN (?, ?)", a.id, b.id)).toEqual([]);
    expect((await on<{ id: string }>("DB_MOSCOW", "SELECT id FROM inbox WHERE subscriber_id = ?", a.id)).length).toBe(8);
    expect((await on<{ id: string }>("DB_MOSCOW_2", "SELECT id FROM inbox WHERE subscriber_id = ?", b.id)).length).toBe(5);
    expect(await on("DB_MOSCOW_2", "SELECT 1 FROM inbox WHERE subscriber_id = ?", a.id)).toEqual([]);
    expect(await on("DB_MOSCOW", "SELECT read_at IS NOT NULL AS r FROM inbox WHERE id = ?", rowsA[3]?.id)).toEqual([{ r: 1 }]);
    expect(await on("DB_MOSCOW", "SELECT count(*) AS n FROM inbox WHERE subscriber_id = ? AND read_at IS NOT NULL", a.id)).toEqual([
      { n: 3 },
    ]);
    expect(await globalRows("SELECT dedupe_key FROM deliveries WHERE subscriber_id IN (?, ?)", a.id, b.id)).toEqual([
      { dedupe_key: young.dedupeKey },
    ]);
    expect(await on("DB_MOSCOW", "SELECT dedupe_key FROM deliveries WHERE dedupe_key = ?", oldDeliveries[0]?.dedupeKey)).toHaveLength(1);
    expect(await on("DB_MOSCOW_2", "SELECT dedupe_key FROM deliveries WHERE dedupe_key = ?", oldDeliveries[1]?.dedupeKey)).toHaveLength(1);
    const after = await expectedA();
    expect(after.ids).toEqual(before.ids);
    expect(after.unread).toBe(5);

    // Run again: nothing changes.
    const again = await drainLegacyNotifications(createDataAccess(env), new Date(now));
    expect({ inbox: again.inbox, deliveries: again.deliveries }).toEqual({ inbox: 0, deliveries: 0 });
    expect((await expectedA()).ids).toEqual(before.ids);
    // Once old enough, the young delivery moves too.
    const later = await drainLegacyNotifications(createDataAccess(env), new Date(now + DELIVERY_DRAIN_AFTER_MS));
    expect(later.deliveries).toBeGreaterThanOrEqual(1);
    expect(await globalRows("SELECT 1 FROM deliveries WHERE dedupe_key = ?", young.dedupeKey)).toEqual([]);
    expect(await on("DB_MOSCOW", "SELECT 1 FROM deliveries WHERE dedupe_key = ?", young.dedupeKey)).toHaveLength(1);
    expect(shardBindings(env)).toContain("DB_MOSCOW_2");
  });
});

describe("push subscriptions in the subscriber's home shard", () => {
  it("keeps new devices there, still serves and forgets those an older deployment kept globally, and drains them: each device pushed once at every step", async () => {
    const a = await subscriberOn("DB_MOSCOW_2", "inapp,push");
    const keys = await browserKeys();
    const endpoint = (n: string) => `https://push.example.net/home/${a.id}/${n}`;
    // Two devices an older deployment kept in the global database, and one subscribed now.
    const legacy = ["old-1", "old-2"].map((n) => ({
      id: `${a.id}-${n}`,
      subscriberId: a.id,
      origin: "http://msk.kabinet.localhost",
      endpoint: endpoint(n),
      p256dh: keys.p256dh,
      auth: keys.auth,
      lang: "ru",
      createdAt: new Date(Date.now() - DAY),
    }));
    for (const d of legacy) await createDataAccess(env).global.insert(globalPushSubscriptions).values(d);
    const subscribed = await api(a.cookie, "/push/subscriptions", {
      method: "POST",
      body: JSON.stringify({ endpoint: endpoint("new"), keys: { p256dh: keys.p256dh, auth: keys.auth }, lang: "ru" }),
    });
    expect(subscribed.status).toBe(201);
    expect(await on("DB_MOSCOW_2", "SELECT endpoint FROM push_subscriptions WHERE subscriber_id = ?", a.id)).toEqual([
      { endpoint: endpoint("new") },
    ]);
    expect(await globalRows("SELECT 1 FROM push_subscriptions WHERE endpoint = ?", endpoint("new"))).toEqual([]);
    const devices = async () =>
      (await json<{ pushDevices: number }>(await api(a.cookie, "/notifications/preferences?accountNo=*"))).pushDevices;
    expect(await devices()).toBe(3);
    const pushesOf = async () => {
      const pushed: string[] = [];
      await deliver([outageFor(a.id)], pushed);
      return pushed.sort();
    };
    expect(await pushesOf()).toEqual([endpoint("new"), endpoint("old-1"), endpoint("old-2")]);

    // One legacy device forgotten by its browser, wherever it is kept.
    const off = await api(a.cookie, "/push/unsubscribe", { method: "POST", body: JSON.stringify({ endpoint: endpoint("old-2") }) });
    expect(off.status).toBe(204);
    expect(await globalRows("SELECT 1 FROM push_subscriptions WHERE endpoint = ?", endpoint("old-2"))).toEqual([]);
    expect(await devices()).toBe(2);

    // A drain that died between its copy and its delete: the device is in both places, and is pushed once.
    const [first] = legacy;
    await (shardDatabase(env, "DB_MOSCOW_2") as D1Database)
      .prepare(
        "INSERT INTO push_subscriptions (id, subscriber_id, origin, endpoint, p256dh, auth, lang, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
      )
      .bind(first?.id, a.id, first?.origin, first?.endpoint, keys.p256dh, keys.auth, "ru", first?.createdAt.getTime())
      .run();
    expect(await pushesOf()).toEqual([endpoint("new"), endpoint("old-1")]);
    expect(await devices()).toBe(2);

    // A third legacy device, also mid-drain in both places, whose browser has since dropped it (410): forgotten in
    // both, so the drain cannot bring it back.
    const gone = { ...legacy[1], id: `${a.id}-old-3`, endpoint: endpoint("old-3") } as (typeof legacy)[number];
    await createDataAccess(env).global.insert(globalPushSubscriptions).values(gone);
    await (shardDatabase(env, "DB_MOSCOW_2") as D1Database)
      .prepare(
        "INSERT INTO push_subscriptions (id, subscriber_id, origin, endpoint, p256dh, auth, lang, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
      )
      .bind(gone.id, a.id, gone.origin, gone.endpoint, keys.p256dh, keys.auth, "ru", gone.createdAt.getTime())
      .run();
    const tried: string[] = [];
    await deliver([outageFor(a.id)], tried, (url) => (url === endpoint("old-3") ? 410 : 201));
    expect(tried.sort()).toEqual([endpoint("new"), endpoint("old-1"), endpoint("old-3")]);
    expect(await globalRows("SELECT 1 FROM push_subscriptions WHERE id = ?", gone.id)).toEqual([]);
    expect(await on("DB_MOSCOW_2", "SELECT 1 FROM push_subscriptions WHERE id = ?", gone.id)).toEqual([]);

    // Drained over runs: all in the home shard, none left globally, each still pushed once.
    let drained = false;
    for (let i = 0; i < 20 && !drained; i++)
      drained = (await drainLegacyNotifications(createDataAccess(env), new Date(), { page: 1, calls: 3 })).drained;
    expect(drained).toBe(true);
    expect(await globalRows("SELECT 1 FROM push_subscriptions WHERE subscriber_id = ?", a.id)).toEqual([]);
    expect(
      (await on<{ endpoint: string }>("DB_MOSCOW_2", "SELECT endpoint FROM push_subscriptions WHERE subscriber_id = ?", a.id))
        .map((r) => r.endpoint)
        .sort(),
    ).toEqual([endpoint("new"), endpoint("old-1")]);
    expect(await devices()).toBe(2);
    expect(await pushesOf()).toEqual([endpoint("new"), endpoint("old-1")]);

    // A push queued before the inbox moved (no home shard on it) still finds the device the drain has moved.
    const late: string[] = [];
    const { acked } = await deliver(
      [
        {
          channel: "push",
          subscriptionId: first?.id ?? "",
          payload: { title: "t", body: "b", url: "/", tag: "x", kind: "outage", lang: "ru" },
          ttl: 60,
          urgency: "normal",
          dedupeKey: `late:${a.id}:push`,
          eventId: `late:${a.id}`,
          subscriberId: a.id,
        },
      ],
      late,
    );
    expect(acked).toEqual([true]);
    expect(late).toEqual([endpoint("old-1")]);
  });

  it("reads a page of as many devices as the drain has calls left for, however many shards there are", async () => {
    const data = createDataAccess(env);
    // As at the operator's size: more shards than the calls a run may spend (here 4 calls, a page of 2 rows at most).
    const many = { ...data, shards: [...data.shards, ...Array.from({ length: 50 }, (_, i) => `DB_EXTRA_${i}` as ShardBinding)] };
    const a = await subscriberOn("DB_MOSCOW");
    const keys = await browserKeys();
    for (const n of [1, 2, 3])
      await data.global.insert(globalPushSubscriptions).values({
        id: `${a.id}-many-${n}`,
        subscriberId: a.id,
        origin: "http://msk.kabinet.localhost",
        endpoint: `https://push.example.net/many/${a.id}/${n}`,
        p256dh: keys.p256dh,
        auth: keys.auth,
        lang: "ru",
        createdAt: new Date(),
      });
    const run = await drainLegacyNotifications(many, new Date(), { calls: 4 });
    // Before, a page wanted room for 500 shards' upserts within 4 calls and never read anything.
    expect(run.pushSubscriptions).toBeGreaterThanOrEqual(1);
    for (const r of [run]) expect(r.calls).toBeLessThanOrEqual(DRAIN_TABLES * 4 + 2);
  });
});

describe("the drain's statements", () => {
  it("cut a shard's share of a page into JSON parameters under the size D1 takes, every row once", () => {
    const rows = Array.from({ length: 7 }, (_, i) => ({ _home: "DB_MOSCOW", id: `r${i}`, body: "Ж".repeat(100) }));
    const chunks = jsonChunks(rows, 500);
    // Each row is about 230 bytes of UTF-8 (Cyrillic takes two): two a chunk.
    expect(chunks.length).toBe(4);
    for (const c of chunks) expect(new TextEncoder().encode(c).length).toBeLessThanOrEqual(500);
    expect(chunks.flatMap((c) => (JSON.parse(c) as { id: string }[]).map((r) => r.id))).toEqual(rows.map((r) => r.id));
    expect(jsonChunks(rows)).toHaveLength(1);
  });
});
