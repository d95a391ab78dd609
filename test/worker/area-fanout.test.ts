import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { localEmail } from "../../worker/adapters/email";
import { webPush } from "../../worker/adapters/push";
import { localSms } from "../../worker/adapters/sms";
import {
  AREA_CALLS_PER_MESSAGE,
  AREA_HOME_READS,
  AREA_LOOKUPS_PER_PAGE,
  AREA_PAGE,
  type AreaLimits,
  areaPageQuery,
  CALLS_PER_MESSAGE,
  consumeNotifications,
  type Delivery,
} from "../../worker/features/notifications/notifications.consumer";
import { type AreaMessage, NotificationMessage } from "../../worker/features/notifications/notifications.messages";
import { createDataAccess, d1Of, shardDatabase } from "../../worker/platform/db";
import { makeAccountNo } from "../../worker/platform/ids";
import { keepPlace } from "../../worker/platform/places";
import { CALLS_PER_INVOCATION } from "../../worker/platform/queue";
import { holdersFromLinks, shardRows } from "./helpers";

/** What one invocation asked of D1: every statement run (a batch is one call), over every database binding. */
function countingEnv(vars: Record<string, string> = {}) {
  // Every call, and those of the global database (`DB`) alone.
  const count = { d1: 0, global: 0 };
  const wrapStatement = (s: D1PreparedStatement, global: boolean): D1PreparedStatement =>
    new Proxy(s, {
      get(t, p) {
        const v = Reflect.get(t, p, t);
        if (typeof v !== "function") return v;
        if (p === "bind") return (...a: unknown[]) => wrapStatement(v.apply(t, a), global);
        if (p === "all" || p === "run" || p === "first" || p === "raw")
          return (...a: unknown[]) => {
            count.d1++;
            if (global) count.global++;
            return v.apply(t, a);
          };
        return v.bind(t);
      },
    });
  const wrapDb = (db: D1Database, global: boolean): D1Database =>
    new Proxy(db, {
      get(t, p) {
        const v = Reflect.get(t, p, t);
        if (typeof v !== "function") return v;
        if (p === "prepare") return (q: string) => wrapStatement(v.call(t, q), global);
        if (p === "batch")
          return (ss: D1PreparedStatement[]) => {
            count.d1++;
            if (global) count.global++;
            return v.call(t, ss);
          };
        return v.bind(t);
      },
    });
  const wrapped = new Proxy(env, {
    get(t, p) {
      if (typeof p === "string" && p in vars) return vars[p];
      const v = Reflect.get(t, p, t);
      return typeof p === "string" && /^DB(_|$)/.test(p) && v && typeof (v as D1Database).prepare === "function"
        ? wrapDb(v as D1Database, p === "DB")
        : v;
    },
  });
  return { env: wrapped as Env, count };
}

type Queued = { body: NotificationMessage; delaySeconds?: number };

/**
 * The real consumer with a recording queue. `drain` works each area message in
 * an invocation of its own (counting its D1 queries and queue sends) and the
 * events and channel messages it queues in batches, to the end.
 */
function harness(limits?: AreaLimits, failContinuation = 0, vars: Record<string, string> = {}) {
  const data = createDataAccess(env);
  const queued: Queued[] = [];
  let sends = 0;
  let fetches = 0;
  let failSendBatch = false;
  let toFail = failContinuation;
  const dl: Delivery = {
    sms: localSms(data.global),
    email: localEmail(data.global),
    push: webPush({ publicKey: env.VAPID_PUBLIC_KEY, privateJwk: env.VAPID_PRIVATE_JWK, subject: env.VAPID_SUBJECT }, async () => {
      fetches++;
      return new Response(null, { status: 201 });
    }),
    queue: {
      send: async (body, o) => {
        sends++;
        // A crash between the page's events and the message that goes on.
        if (body.channel === "area" && toFail-- > 0) throw new Error("queue unavailable");
        queued.push({ body, delaySeconds: o?.delaySeconds });
      },
      sendBatch: async (ms) => {
        sends++;
        if (failSendBatch) {
          failSendBatch = false;
          throw new Error("queue unavailable");
        }
        queued.push(...ms);
      },
    },
    siteUrl: (r) => `https://${r ?? "www"}.kabinet.example`,
    now: () => new Date(),
    areaLimits: limits,
  };
  let n = 0;
  /** One invocation: what it queued, whether each message was acked, its D1 queries and queue sends. */
  async function run(bodies: NotificationMessage[], attempts = 1) {
    const acked = bodies.map(() => false);
    let retried = 0;
    const counted = countingEnv(vars);
    const from = queued.length;
    sends = 0;
    fetches = 0;
    const batch = {
      queue: "kabinet-notifications",
      messages: bodies.map((body, i) => ({
        id: `m${++n}`,
        body,
        attempts,
        timestamp: new Date(),
        ack: () => {
          acked[i] = true;
        },
        retry: () => {
          retried++;
        },
      })),
      ackAll: () => {},
      retryAll: () => {},
    } as unknown as MessageBatch<unknown>;
    await consumeNotifications(batch, counted.env, dl);
    return {
      out: queued.slice(from).map((q) => q.body),
      acked,
      queries: counted.count.d1,
      globalQueries: counted.count.global,
      sends,
      fetches,
      retried,
    };
  }
  /** One invocation whose first `sendBatch` fails (the queue unavailable for a moment). */
  function runFailingHandOn(bodies: NotificationMessage[]) {
    failSendBatch = true;
    return run(bodies);
  }
  const areaRuns: { queries: number; sends: number; bytes: number; events: number }[] = [];
  async function drain(first: NotificationMessage[]) {
    let next = first;
    while (next.length) {
      const areas = next.filter((m) => m.channel === "area");
      const rest = next.filter((m) => m.channel !== "area");
      next = [];
      for (const a of areas) {
        const r = await run([a]);
        expect(r.acked).toEqual([true]);
        areaRuns.push({
          queries: r.queries,
          sends: r.sends,
          bytes: new TextEncoder().encode(JSON.stringify(a)).length,
          events: r.out.filter((m) => m.channel === "event").length,
        });
        next.push(...r.out);
      }
      for (let i = 0; i < rest.length; i += 100) next.push(...(await run(rest.slice(i, i + 100))).out);
    }
  }
  return { run, runFailingHandOn, drain, areaRuns, queued };
}

const q = <T>(db: D1Database, sql: string, ...args: unknown[]) =>
  db
    .prepare(sql)
    .bind(...args)
    .all<T>()
    .then((r) => r.results);

let serial = 0;
const shardD1 = (binding: string) => shardDatabase(env, binding) as D1Database;

/** A subscriber of its own (a phone for the SMS) and accounts of its own on the given shards, in this order. */
async function seed(
  street: string,
  people: { key: string; accounts: { shard: "DB_MOSCOW" | "DB_MOSCOW_2"; street?: string; status?: string; shared?: string }[] }[],
) {
  const now = Date.now();
  const subscriberOf = new Map<string, string>();
  const accountsOf = new Map<string, string[]>();
  const global: D1PreparedStatement[] = [];
  const shard: Record<string, D1PreparedStatement[]> = { DB_MOSCOW: [], DB_MOSCOW_2: [] };
  for (const p of people) {
    const id = `area-${p.key}-${++serial}`;
    subscriberOf.set(p.key, id);
    global.push(
      env.DB.prepare("INSERT INTO subscribers (id, display_name, phone, locale, created_at) VALUES (?, ?, ?, 'ru', ?)").bind(
        id,
        p.key,
        `+7977${String(serial).padStart(7, "0")}`,
        now,
      ),
    );
  }
  for (const p of people) {
    const nos: string[] = [];
    for (const a of p.accounts) {
      const no = makeAccountNo(`209${String(++serial).padStart(8, "0")}`);
      nos.push(no);
      shard[a.shard]?.push(
        shardD1(a.shard)
          .prepare("INSERT INTO accounts (account_no, region, holder_name, address, status, created_at) VALUES (?, 'msk', ?, ?, ?, ?)")
          .bind(no, p.key, `Москва, ${a.street ?? street}, д. ${serial % 7}, кв. 1`, a.status ?? "active", now),
      );
      global.push(
        env.DB.prepare("INSERT INTO account_directory (account_no, region, shard, created_at) VALUES (?, 'msk', ?, ?)").bind(
          no,
          a.shard,
          now,
        ),
        env.DB.prepare("INSERT INTO account_links (subscriber_id, account_no, role, created_at) VALUES (?, ?, 'owner', ?)").bind(
          subscriberOf.get(p.key),
          no,
          now,
        ),
      );
      if (a.shared)
        global.push(
          env.DB.prepare("INSERT INTO account_links (subscriber_id, account_no, role, created_at) VALUES (?, ?, 'viewer', ?)").bind(
            subscriberOf.get(a.shared),
            no,
            now,
          ),
        );
    }
    accountsOf.set(p.key, nos);
  }
  await env.DB.batch(global);
  for (const [name, statements] of Object.entries(shard)) if (statements.length) await shardD1(name).batch(statements);
  await holdersFromLinks();
  return { subscriberOf, accountsOf };
}

function outage(street: string, key: string): AreaMessage {
  return {
    channel: "area",
    kind: "outage",
    eventId: `outage:${key}:declared`,
    region: "msk",
    street,
    houses: null,
    params: { phase: "declared", title: "Нет интернета", until: new Date(Date.now() + 3_600_000).toISOString() },
  };
}

/** What each subscriber got for an event: inbox rows (with the account named) and texts. */
async function received(eventId: string, ids: Iterable<string>) {
  const out = new Map<string, { inbox: (string | null)[]; sms: number }>();
  for (const id of ids) {
    const inbox = await shardRows<{ account_no: string | null }>(
      "SELECT account_no FROM inbox WHERE event_id = ? AND subscriber_id = ?",
      eventId,
      id,
    );
    const sms = await q<{ n: number }>(env.DB, "SELECT count(*) AS n FROM outbox WHERE dedupe_key = ?", `${eventId}:${id}:sms`);
    out.set(id, { inbox: inbox.map((r) => r.account_no), sms: sms[0]?.n ?? 0 });
  }
  return out;
}

// Small pages and a small budget: the demo's Moscow accounts and these make many pages over the branch's two shards.
const SMALL: AreaLimits = { page: 4, calls: 12 };

const PEOPLE = [
  // Two accounts on the same shard, far enough apart to be on different pages.
  { key: "two-pages", accounts: [{ shard: "DB_MOSCOW" as const }] },
  { key: "a1", accounts: [{ shard: "DB_MOSCOW" as const }] },
  { key: "a2", accounts: [{ shard: "DB_MOSCOW" as const, shared: "relative" }] },
  { key: "relative", accounts: [] },
  // An account outside the area before one inside: told about the one inside.
  { key: "elsewhere-first", accounts: [{ shard: "DB_MOSCOW" as const, street: "ул. Другая" }, { shard: "DB_MOSCOW_2" as const }] },
  // A closed account in the area before an open one: told about the open one; closed alone: not told.
  { key: "closed-first", accounts: [{ shard: "DB_MOSCOW" as const, status: "closed" }, { shard: "DB_MOSCOW_2" as const }] },
  { key: "closed-only", accounts: [{ shard: "DB_MOSCOW" as const, status: "closed" }] },
  { key: "a3", accounts: [{ shard: "DB_MOSCOW" as const }, { shard: "DB_MOSCOW" as const }] },
  { key: "a4", accounts: [{ shard: "DB_MOSCOW" as const }] },
  { key: "not-here", accounts: [{ shard: "DB_MOSCOW" as const, street: "ул. Другая" }] },
  // Accounts on both shards of the branch: the home shard is worked first.
  { key: "both-shards", accounts: [{ shard: "DB_MOSCOW_2" as const }, { shard: "DB_MOSCOW" as const }] },
  { key: "b1", accounts: [{ shard: "DB_MOSCOW_2" as const }, { shard: "DB_MOSCOW_2" as const, street: "ул. Другая" }] },
  { key: "b2", accounts: [{ shard: "DB_MOSCOW_2" as const }] },
  { key: "b3", accounts: [{ shard: "DB_MOSCOW_2" as const }] },
];

/** Seeds PEOPLE on `street` and gives "two-pages" a second account after the others on DB_MOSCOW. */
async function seedArea(street: string) {
  const s = await seed(street, PEOPLE);
  const more = await seed(street, [{ key: "late", accounts: [{ shard: "DB_MOSCOW", shared: undefined }] }]);
  const late = more.accountsOf.get("late")?.[0] as string;
  const twoPages = s.subscriberOf.get("two-pages") as string;
  // A holder of it besides its owner (an account has one owner: global migration 0031).
  await env.DB.prepare("INSERT INTO account_links (subscriber_id, account_no, role, created_at) VALUES (?, ?, 'payer', ?)")
    .bind(twoPages, late, Date.now())
    .run();
  await holdersFromLinks();
  const sub = (k: string) => s.subscriberOf.get(k) ?? (more.subscriberOf.get(k) as string);
  const acc = (k: string, i = 0) => (s.accountsOf.get(k) ?? more.accountsOf.get(k))?.[i] as string;
  // Who is told, about which account (the first in the area in the fan-out's order).
  const expected = new Map<string, string>([
    [sub("two-pages"), acc("two-pages")],
    [sub("a1"), acc("a1")],
    [sub("a2"), acc("a2")],
    [sub("relative"), acc("a2")],
    [sub("elsewhere-first"), acc("elsewhere-first", 1)],
    [sub("closed-first"), acc("closed-first", 1)],
    [sub("a3"), acc("a3")],
    [sub("a4"), acc("a4")],
    [sub("both-shards"), acc("both-shards", 1)],
    [sub("b1"), acc("b1")],
    [sub("b2"), acc("b2")],
    [sub("b3"), acc("b3")],
    [sub("late"), acc("late")],
  ]);
  return { expected, notTold: [sub("closed-only"), sub("not-here")] };
}

describe("an area's fan-out, a page at a time", () => {
  it("tells every subscriber in the area once, about their first account there, over many pages and messages", async () => {
    const street = "ул. Постраничная";
    const { expected, notTold } = await seedArea(street);
    const h = harness(SMALL);
    const m = outage(street, "paged");
    await h.drain([m]);
    // Paged: many messages, each within its budget of D1 queries and sends, each small.
    expect(h.areaRuns.length).toBeGreaterThan(3);
    for (const r of h.areaRuns) {
      expect(r.queries + r.sends).toBeLessThanOrEqual(SMALL.calls);
      expect(r.bytes).toBeLessThan(128 * 1024);
    }
    // One event per subscriber over the whole fan-out, naming their first account in the area.
    const events = h.queued
      .filter((x) => x.body.channel === "event")
      .map((x) => x.body as Extract<NotificationMessage, { channel: "event" }>);
    expect(new Map(events.map((e) => [e.subscriberId, e.accountNo]))).toEqual(expected);
    expect(events).toHaveLength(expected.size);
    // What each of them sees: one inbox entry about that account, one text; the others nothing.
    const got = await received(m.eventId, [...expected.keys(), ...notTold]);
    for (const [id, accountNo] of expected) expect(got.get(id), id).toEqual({ inbox: [accountNo], sms: 1 });
    for (const id of notTold) expect(got.get(id), id).toEqual({ inbox: [], sms: 0 });
  });

  it("under LINKS_STORE = 'global' (production's, while the home links are copied) tells the same people once, reading the links in one global read a page", async () => {
    const street = "ул. Глобальная";
    const { expected, notTold } = await seedArea(street);
    const h = harness(SMALL, 0, { LINKS_STORE: "global" });
    const m = outage(street, "paged-global");
    await h.drain([m]);
    for (const r of h.areaRuns) expect(r.queries + r.sends).toBeLessThanOrEqual(SMALL.calls);
    const events = h.queued
      .filter((x) => x.body.channel === "event")
      .map((x) => x.body as Extract<NotificationMessage, { channel: "event" }>);
    expect(new Map(events.map((e) => [e.subscriberId, e.accountNo]))).toEqual(expected);
    expect(events).toHaveLength(expected.size);
    const got = await received(m.eventId, [...expected.keys(), ...notTold]);
    for (const [id, accountNo] of expected) expect(got.get(id), id).toEqual({ inbox: [accountNo], sms: 1 });
  });

  it("a page message delivered twice, or cut short before it queued the rest, tells no one twice and no one is missed", async () => {
    const street = "ул. Повторная";
    const { expected } = await seedArea(street);
    const m = outage(street, "again");
    // The first message fails after its first page's events, before the rest is queued: it is retried, not acked.
    const h = harness(SMALL, 1);
    const failed = await h.run([m]);
    expect(failed.acked).toEqual([false]);
    // Its retry, and a second copy of it (at-least-once delivery), each queue the rest; both chains are worked.
    const retried = await h.run([m], 2);
    const copy = await h.run([m], 2);
    expect(retried.acked).toEqual([true]);
    expect(copy.out).toEqual(retried.out);
    await h.drain([...failed.out, ...retried.out, ...copy.out]);
    const got = await received(m.eventId, expected.keys());
    for (const [id, accountNo] of expected) expect(got.get(id), id).toEqual({ inbox: [accountNo], sms: 1 });
  });

  it("stays within its budget at the real page size: a region larger than a message goes on in the next", async () => {
    // 16,000 accounts on one street of a region of their own, each with its own subscriber.
    const region = "bel";
    const total = 16_000;
    const now = Date.now();
    const cte = `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${total})`;
    await env.DB.batch([
      env.DB.prepare(
        `${cte} INSERT INTO subscribers (id, display_name, locale, created_at) SELECT 'big-' || i, 'big', 'ru', ? FROM n`,
      ).bind(now),
      env.DB.prepare(
        `${cte} INSERT INTO account_directory (account_no, region, shard, created_at) SELECT 'big' || printf('%06d', i), ?, 'DB_CENTER', ? FROM n`,
      ).bind(region, now),
      env.DB.prepare(
        `${cte} INSERT INTO account_links (subscriber_id, account_no, role, created_at) SELECT 'big-' || i, 'big' || printf('%06d', i), 'owner', ? FROM n`,
      ).bind(now),
    ]);
    await env.DB_CENTER.prepare(
      `${cte} INSERT INTO accounts (account_no, region, holder_name, address, status, created_at)
       SELECT 'big' || printf('%06d', i), ?, 'big', 'Белгород, ул. Большая, д. ' || (i % 50) || ', кв. 1', 'active', ? FROM n`,
    )
      .bind(region, now)
      .run();
    // Each account's holder, in its shard (platform/holders.ts).
    await env.DB_CENTER.prepare(
      `${cte} INSERT INTO account_holders (account_no, subscriber_id, role, home_shard, created_at)
       SELECT 'big' || printf('%06d', i), 'big-' || i, 'owner', 'DB_MOSCOW', ? FROM n`,
    )
      .bind(now)
      .run();
    const m: AreaMessage = { ...outage("ул. Большая", "big"), region };
    const h = harness();
    const first = await h.run([m]);
    expect(first.acked).toEqual([true]);
    expect(first.queries + first.sends).toBeLessThanOrEqual(AREA_CALLS_PER_MESSAGE);
    const rest = first.out.filter((x) => x.channel === "area");
    expect(rest).toHaveLength(1);
    // The message that goes on names where (a shard and a rowid), and is far under a queue message's 128 KB
    // even with the most houses the operators' route takes.
    const widest = { ...rest[0], houses: Array.from({ length: 500 }, () => "строение 12345678901") } as AreaMessage;
    expect(NotificationMessage.safeParse(widest).success).toBe(true);
    expect(new TextEncoder().encode(JSON.stringify(widest)).length).toBeLessThan(128 * 1024);
    const second = await h.run(rest);
    expect(second.queries + second.sends).toBeLessThanOrEqual(AREA_CALLS_PER_MESSAGE);
    expect(second.out.filter((x) => x.channel === "area")).toEqual([]);
    const events = [...first.out, ...second.out].filter((x) => x.channel === "event");
    expect(events).toHaveLength(total);
    expect(new Set(events.map((e) => e.subscriberId)).size).toBe(total);
  });

  it("reads a page along the region's index, without sorting the region", async () => {
    const db = createDataAccess(env).shard("DB_MOSCOW");
    const { sql, params } = areaPageQuery(db, "msk", 1234, AREA_PAGE).toSQL();
    const plan = await q<{ detail: string }>(d1Of(db), `EXPLAIN QUERY PLAN ${sql}`, ...params);
    const steps = plan.map((r) => r.detail).join("; ");
    expect(steps).toMatch(/USING (COVERING )?INDEX accounts_region_idx \(region=\? AND rowid>\?\)/);
    expect(steps).not.toContain("TEMP B-TREE");
    expect(steps).not.toMatch(/\bSCAN accounts\b/);
  });
});

/** A subscriber of its own with every contact: a phone, an e-mail, two push subscriptions, all four channels for outages and tariff changes. */
async function everyChannel(key: string, quiet: { from: number; to: number } | null) {
  const id = `budget-${key}-${++serial}`;
  const now = Date.now();
  await env.DB.batch([
    env.DB.prepare("INSERT INTO subscribers (id, display_name, phone, email, locale, created_at) VALUES (?, ?, ?, ?, 'ru', ?)").bind(
      id,
      key,
      `+7978${String(serial).padStart(7, "0")}`,
      `${id}@example.com`,
      now,
    ),
    ...["outage", "tariff_change"].map((kind) =>
      env.DB.prepare(
        "INSERT INTO notification_prefs (subscriber_id, account_no, kind, channels, updated_at) VALUES (?, '*', ?, 'inapp,email,sms,push', ?)",
      ).bind(id, kind, now),
    ),
    env.DB.prepare(
      "INSERT INTO notification_settings (subscriber_id, quiet_from, quiet_to, marketing, updated_at) VALUES (?, ?, ?, 0, ?)",
    ).bind(id, quiet?.from ?? null, quiet?.to ?? null, now),
  ]);
  // One device in their home shard (Moscow, the column's default), one the global table kept from before the move
  // (each push then looks in both places: its most expensive path).
  const device =
    "INSERT INTO push_subscriptions (id, subscriber_id, origin, endpoint, p256dh, auth, lang, created_at) VALUES (?, ?, 'https://msk.kabinet.example', ?, ?, ?, ?, ?)";
  await env.DB_MOSCOW.prepare(device).bind(`${id}-push-1`, id, `https://push.example/${id}/1`, PUSH_KEY, PUSH_AUTH, "ru", now).run();
  await env.DB.prepare(device).bind(`${id}-push-2`, id, `https://push.example/${id}/2`, PUSH_KEY, PUSH_AUTH, "en", now).run();
  return id;
}

// A browser's push keys (RFC 8291's example): the sender encrypts to them; the fake push service takes anything.
const PUSH_KEY = "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4";
const PUSH_AUTH = "BTBZMqHH6r4Tts7J_aSIgg";

function eventFor(subscriberId: string, key: string, kind: "outage" | "tariff_change" = "outage"): NotificationMessage {
  return {
    channel: "event",
    kind,
    eventId: `${kind}:${key}:declared`,
    subscriberId,
    accountNo: null,
    params: { phase: "declared", title: "Нет интернета", until: new Date(Date.now() + 3_600_000).toISOString() },
  };
}

describe("one invocation of the notifications queue", () => {
  it("makes at most CALLS_PER_MESSAGE calls for a message of each channel, on every path", async () => {
    const h = harness();
    const calls = (r: { queries: number; sends: number; fetches: number }) => r.queries + r.sends + r.fetches;
    // An event for someone with every channel: the inbox, an e-mail, a text and two pushes queued.
    const loud = await everyChannel("loud", null);
    const fanned = await h.run([eventFor(loud, "calls-loud")]);
    expect(fanned.out.map((m) => m.channel).sort()).toEqual(["email", "push", "push", "sms"]);
    expect(calls(fanned)).toBeLessThanOrEqual(CALLS_PER_MESSAGE.event);
    // A tariff change (not urgent) in quiet hours all day: the text and pushes deferred (a message for later, a record each).
    const quiet = await everyChannel("quiet", { from: 0, to: 24 * 60 - 1 });
    const held = await h.run([eventFor(quiet, "calls-quiet", "tariff_change")]);
    expect(held.out.map((m) => m.channel).sort()).toEqual(["email", "event"]);
    expect(calls(held)).toBeLessThanOrEqual(CALLS_PER_MESSAGE.event);
    // Each channel message it queued, sent, then delivered again (a redelivery finds it done).
    for (const m of fanned.out) {
      const channel = m.channel as keyof typeof CALLS_PER_MESSAGE;
      const first = await h.run([m]);
      expect(first.acked, channel).toEqual([true]);
      expect(calls(first), channel).toBeLessThanOrEqual(CALLS_PER_MESSAGE[channel]);
      const again = await h.run([m], 2);
      expect(calls(again), channel).toBeLessThanOrEqual(CALLS_PER_MESSAGE[channel]);
    }
  });

  it("a batch of areas that would pass an invocation's 1,000 calls is cut: the rest is handed on and everyone is told once", async () => {
    // A region of its own: 4,000 accounts elsewhere, and five on the street, each with a subscriber of its own.
    const region = "kostroma";
    const now = Date.now();
    const cte = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 4000)";
    await env.DB_CENTER.prepare(
      `${cte} INSERT INTO accounts (account_no, region, holder_name, address, status, created_at)
       SELECT 'kos' || printf('%06d', i), ?, 'kos', 'Кострома, ул. Широкая, д. ' || (i % 50) || ', кв. 1', 'active', ? FROM n`,
    )
      .bind(region, now)
      .run();
    const told = Array.from({ length: 5 }, (_, i) => ({ id: `kos-told-${i}`, no: `kostold${i}` }));
    await env.DB_CENTER.batch(
      told.map((t) =>
        env.DB_CENTER.prepare(
          "INSERT INTO accounts (account_no, region, holder_name, address, status, created_at) VALUES (?, ?, 'kos', 'Кострома, ул. Бюджетная, д. 1, кв. 1', 'active', ?)",
        ).bind(t.no, region, now),
      ),
    );
    await env.DB.batch(
      told.flatMap((t) => [
        env.DB.prepare("INSERT INTO subscribers (id, display_name, locale, created_at) VALUES (?, 'kos', 'ru', ?)").bind(t.id, now),
        env.DB.prepare("INSERT INTO account_directory (account_no, region, shard, created_at) VALUES (?, ?, 'DB_CENTER', ?)").bind(
          t.no,
          region,
          now,
        ),
        env.DB.prepare("INSERT INTO account_links (subscriber_id, account_no, role, created_at) VALUES (?, ?, 'owner', ?)").bind(
          t.id,
          t.no,
          now,
        ),
      ]),
    );
    await holdersFromLinks();
    // Ten outages there at once, each able to spend 150 calls on the region's pages: 1,500 in one invocation.
    const limits: AreaLimits = { page: 20, calls: 150 };
    const h = harness(limits);
    const outages = Array.from({ length: 10 }, (_, i) => ({ ...outage("ул. Бюджетная", `budget-${i}`), region }));
    const first = await h.run(outages);
    // Every message of the batch is acked (worked, or handed on as a new message): none is retried towards the dead letters.
    expect(first.acked.every(Boolean)).toBe(true);
    expect(first.queries + first.sends).toBeLessThanOrEqual(CALLS_PER_INVOCATION);
    const handedOn = first.out.flatMap((m) => (m.channel === "area" && !m.resume ? [m] : []));
    expect(handedOn.length).toBeGreaterThan(0);
    expect(handedOn.map((m) => m.eventId)).toEqual(outages.slice(10 - handedOn.length).map((m) => m.eventId));
    // What was worked did spend its budget, short of it by less than a page can cost at most (its query, the holders,
    // the links' home shards and directory, its lookups, a send): without the cut, the batch would have passed the limit.
    const mostAPage = 3 + AREA_HOME_READS + AREA_LOOKUPS_PER_PAGE + Math.ceil(limits.page / 100);
    expect(first.queries + first.sends).toBeGreaterThan((10 - handedOn.length) * (limits.calls - mostAPage));
    await h.drain(first.out);
    const rows = await shardRows<{ event_id: string; subscriber_id: string; n: number }>(
      "SELECT event_id, subscriber_id, count(*) AS n FROM inbox WHERE event_id LIKE 'outage:budget-%' GROUP BY event_id, subscriber_id",
    );
    expect(rows).toHaveLength(10 * told.length);
    expect(rows.every((r) => r.n === 1 && told.some((t) => t.id === r.subscriber_id))).toBe(true);
  });

  it("a hundred events with every channel in one batch stay within it too", async () => {
    const people = await Promise.all(Array.from({ length: 100 }, (_, i) => everyChannel(`many-${i}`, null)));
    const h = harness();
    const r = await h.run(people.map((id) => eventFor(id, `budget-events-${id}`)));
    expect(r.acked.every(Boolean)).toBe(true);
    expect(r.queries + r.sends + r.fetches).toBeLessThanOrEqual(CALLS_PER_INVOCATION);
    await h.drain(r.out);
    const inbox = await shardRows<{ n: number }>("SELECT 1 FROM inbox WHERE event_id LIKE 'outage:budget-events-%'");
    expect(inbox).toHaveLength(100);
    const texts = await q<{ n: number }>(env.DB, "SELECT count(*) AS n FROM outbox WHERE dedupe_key LIKE 'outage:budget-events-%:sms'");
    expect(texts[0]?.n).toBe(100);
  });

  it("a batch of events reads the global database once for all of them, and tells each subscriber what they would be told alone", async () => {
    const now = Date.now();
    // Loud ones (every channel), quiet ones told of a tariff change (text and pushes deferred), one with a choice of its
    // own for one account (the inbox only) beside an all-accounts one, one whose event names an account (its region's
    // site in the e-mail's link), and a subscriber who no longer exists.
    const loud = await Promise.all(Array.from({ length: 4 }, (_, i) => everyChannel(`same-loud-${i}`, null)));
    const quiet = await Promise.all(Array.from({ length: 3 }, (_, i) => everyChannel(`same-quiet-${i}`, { from: 0, to: 24 * 60 - 1 })));
    const own = await everyChannel("same-own", null);
    const withAccount = await everyChannel("same-account", null);
    const ownNo = makeAccountNo(`209${String(++serial).padStart(8, "0")}`);
    const otherNo = makeAccountNo(`209${String(++serial).padStart(8, "0")}`);
    await env.DB.batch([
      ...[ownNo, otherNo].map((no) =>
        env.DB.prepare("INSERT INTO account_directory (account_no, region, shard, created_at) VALUES (?, 'spb', 'DB_NORTHWEST', ?)").bind(
          no,
          now,
        ),
      ),
      env.DB.prepare(
        "INSERT INTO notification_prefs (subscriber_id, account_no, kind, channels, updated_at) VALUES (?, ?, 'outage', 'inapp', ?)",
      ).bind(own, ownNo, now),
    ]);
    // Their places copied to the identity stores, as a new account's are (platform/places.ts): read there, not globally.
    for (const no of [ownNo, otherNo])
      await keepPlace(createDataAccess(env), { accountNo: no, region: "spb", shard: "DB_NORTHWEST" }, new Date(now));
    const until = new Date(now + 3_600_000).toISOString();
    const event = (id: string, key: string, kind?: "tariff_change", accountNo: string | null = null): NotificationMessage => {
      const e = eventFor(id, key, kind) as Extract<NotificationMessage, { channel: "event" }>;
      return { ...e, accountNo, params: { ...e.params, until } };
    };
    const events = (tag: string): NotificationMessage[] => [
      ...loud.map((id) => event(id, `${tag}-${id}`)),
      ...quiet.map((id) => event(id, `${tag}-${id}`, "tariff_change")),
      event(own, `${tag}-own`, undefined, ownNo),
      event(withAccount, `${tag}-account`, undefined, otherNo),
      event("nobody-here", `${tag}-nobody`),
    ];
    /** What each subscriber is sent, without the event's own id (the two runs have different ones). */
    const told = (out: NotificationMessage[], tag: string) => out.map((m) => JSON.stringify(m).replaceAll(tag, "TAG")).sort();

    const together = await harness().run(events("together"));
    expect(together.acked.every(Boolean)).toBe(true);
    expect(together.globalQueries).toBe(1);
    const alone = harness();
    const each: NotificationMessage[] = [];
    let aloneGlobal = 0;
    for (const e of events("alone")) {
      const r = await alone.run([e]);
      expect(r.acked).toEqual([true]);
      each.push(...r.out);
      aloneGlobal += r.globalQueries;
    }
    expect(aloneGlobal).toBe(events("alone").length);
    expect(told(together.out, "together")).toEqual(told(each, "alone"));
    // What was told: every channel to the loud ones, the e-mail now and the rest later to the quiet ones, nothing
    // but the inbox to the one whose account has its own choice, the region's site in the e-mail about an account.
    expect(together.out.filter((m) => m.channel === "sms")).toHaveLength(loud.length + 1);
    expect(together.out.filter((m) => m.channel === "event")).toHaveLength(quiet.length);
    expect(together.out.some((m) => "subscriberId" in m && m.subscriberId === own)).toBe(false);
    const mail = together.out.find((m) => m.channel === "email" && m.subscriberId === withAccount);
    expect(mail && "text" in mail ? mail.text : "").toContain("https://spb.kabinet.example/");
    const inboxOf = await shardRows<{ subscriber_id: string }>(
      "SELECT subscriber_id FROM inbox WHERE event_id LIKE 'outage:together-%' OR event_id LIKE 'tariff_change:together-%'",
    );
    expect(new Set(inboxOf.map((r) => r.subscriber_id))).toEqual(new Set([...loud, ...quiet, own, withAccount]));
  });

  it("a batch whose rest cannot be handed on retries that rest and works the head", async () => {
    // Two areas (each may spend AREA_CALLS_PER_MESSAGE: on a street with nobody, they spend little) and 98 events: more
    // than an invocation's calls may take (a hundred events alone now fit).
    const people = await Promise.all(Array.from({ length: 98 }, (_, i) => everyChannel(`retry-${i}`, null)));
    const h = harness();
    const areas = [outage("ул. Никакая", "budget-retry-area-1"), outage("ул. Никакая", "budget-retry-area-2")];
    const batch = [...areas, ...people.map((id) => eventFor(id, `budget-retry-${id}`))];
    expect(2 * AREA_CALLS_PER_MESSAGE + 98 * CALLS_PER_MESSAGE.event).toBeGreaterThan(CALLS_PER_INVOCATION);
    const r = await h.runFailingHandOn(batch);
    // The head of the batch is worked and acked; the tail that could not be handed on is retried, not lost or acked.
    const worked = r.acked.indexOf(false);
    expect(worked).toBeGreaterThan(2);
    expect(r.acked).toEqual(batch.map((_, i) => i < worked));
    expect(r.retried).toBe(100 - worked);
    const inbox = await shardRows<{ subscriber_id: string }>("SELECT subscriber_id FROM inbox WHERE event_id LIKE 'outage:budget-retry-%'");
    expect(new Set(inbox.map((x) => x.subscriber_id))).toEqual(new Set(people.slice(0, worked - 2)));
  });
});
