import { and, eq, gt, inArray, lt, ne, or, sql } from "drizzle-orm";
import { EmailRejected, type EmailSender } from "../../adapters/email";
import { emailFor } from "../../adapters/email/select";
import { messageRowsOf } from "../../adapters/provider-messages";
import { type PushSender, PushTransientError, topicFor, webPush } from "../../adapters/push";
import { SmsRejected, type SmsSender } from "../../adapters/sms";
import { smsFor } from "../../adapters/sms/select";
import {
  type Channel,
  deadLetters,
  globalDeliveries,
  globalInbox,
  globalPushSubscriptions,
  notificationPrefs,
  notificationSettings,
  subscribers,
} from "../../db/schema/global";
import { accounts, deliveries, homeNotificationPrefs, homeNotificationSettings, inbox, pushSubscriptions } from "../../db/schema/region";
import { createDataAccess, type DataAccess, inList, isShardBinding, type RegionDb, type ShardBinding } from "../../platform/db";
import { directoryShards, holdersOn } from "../../platform/holders";
import { siteUrlFrom } from "../../platform/host";
import { newId } from "../../platform/ids";
import { linksOf, linksQueries } from "../../platform/links";
import { log } from "../../platform/log";
import { recordDeadLetter, recordDelivery } from "../../platform/metrics";
import { placesOf, placesQueries } from "../../platform/places";
import {
  CALLS_PER_INVOCATION,
  failedFirst,
  HAND_ON_CALLS,
  handOn,
  retryDelaySeconds,
  sendInBatches,
  splitByBudget,
} from "../../platform/queue";
import { localShort, regionByCode } from "../../platform/region";
import { branchShards } from "../../platform/shard-map";
import { KINDS, type Rendered, render } from "./notifications.catalog";
import { emailHtml } from "./notifications.email";
import {
  type AreaMessage,
  type EventMessage,
  HOLDERS_EVENTS,
  type HoldersMessage,
  holderKey,
  holdersMessages,
  NotificationMessage,
  type PushMessage,
} from "./notifications.messages";
import {
  byHomeShard,
  channelsFrom,
  inArea,
  mergeChoices,
  type NotificationQueue,
  quietUntil,
  sendAll,
  settingsFrom,
} from "./notifications.service";

/** What the consumer delivers through: the adapters (local defaults here) and the queue itself for fan-out. */
export interface Delivery {
  sms: SmsSender;
  email: EmailSender;
  push: PushSender;
  queue: NotificationQueue;
  siteUrl: (region: string | null) => string;
  now: () => Date;
  /** An area's fan-out: accounts a page, calls a message (AREA_PAGE, AREA_CALLS_PER_MESSAGE unless a test sets them). */
  areaLimits?: AreaLimits;
}

export function deliveryFor(env: Env, data: DataAccess = createDataAccess(env)): Delivery {
  const rows = messageRowsOf(data);
  return {
    sms: smsFor(env, data.global, rows),
    email: emailFor(env, data.global, rows),
    push: webPush({ publicKey: env.VAPID_PUBLIC_KEY, privateJwk: env.VAPID_PRIVATE_JWK, subject: env.VAPID_SUBJECT }),
    queue: env.NOTIFICATIONS as unknown as NotificationQueue,
    siteUrl: (region) => siteUrlFrom(env.SITE_URL, region),
    now: () => new Date(),
  };
}

type Status = (typeof deliveries.$inferInsert)["status"];

/**
 * Where a message's deliveries are recorded: the subscriber's home shard, or the global table for a message queued
 * before the records moved (no `homeShard` on it), whose earlier claims are there. The global table has the same
 * columns and keys (worker/db/schema/global.ts, `globalDeliveries`), so the same statements serve both.
 */
export interface DeliveryStore {
  db: RegionDb;
  table: typeof deliveries;
}

export function deliveryStore(data: DataAccess, homeShard: string | undefined): DeliveryStore {
  if (homeShard && isShardBinding(homeShard) && data.shards.includes(homeShard)) return { db: data.shard(homeShard), table: deliveries };
  return { db: data.global as unknown as RegionDb, table: globalDeliveries as unknown as typeof deliveries };
}

async function record(
  { db, table: deliveries }: DeliveryStore,
  d: { dedupeKey: string; eventId?: string; subscriberId?: string | null; channel: Channel; status: Status; detail?: string },
  attempts: number,
  now: Date,
) {
  const values = {
    dedupeKey: d.dedupeKey,
    eventId: d.eventId ?? d.dedupeKey,
    subscriberId: d.subscriberId ?? null,
    channel: d.channel,
    status: d.status,
    attempts,
    detail: d.detail ?? null,
    updatedAt: now,
  };
  await db
    .insert(deliveries)
    .values(values)
    .onConflictDoUpdate({ target: deliveries.dedupeKey, set: { status: d.status, attempts, detail: values.detail, updatedAt: now } });
  recordDelivery(d.channel, d.status);
}

/** A claim on a delivery goes stale after this long (its consumer died mid-send): then another may take it. */
const CLAIM_MS = 60_000;

/**
 * Takes the right to send one delivery: two copies of a message consumed at
 * once (the queue is at-least-once) must not both send. "done": it was sent
 * (or its target is gone); "busy": another consumer holds a fresh claim.
 */
async function claimDelivery(
  { db, table: deliveries }: DeliveryStore,
  dedupeKey: string,
  d: { eventId: string; subscriberId: string; channel: Channel },
  attempts: number,
  now: Date,
): Promise<"claimed" | "done" | "busy"> {
  const inserted = await db
    .insert(deliveries)
    .values({ dedupeKey, ...d, status: "sending", attempts, detail: null, updatedAt: now })
    .onConflictDoNothing()
    .returning({ k: deliveries.dedupeKey });
  if (inserted.length) return "claimed";
  const retaken = await db
    .update(deliveries)
    .set({ status: "sending", attempts, updatedAt: now })
    .where(
      and(
        eq(deliveries.dedupeKey, dedupeKey),
        or(
          inArray(deliveries.status, ["failed", "deferred"]),
          and(eq(deliveries.status, "sending"), lt(deliveries.updatedAt, new Date(now.getTime() - CLAIM_MS))),
        ),
      ),
    )
    .returning({ k: deliveries.dedupeKey });
  if (retaken.length) return "claimed";
  const row = await db.select({ status: deliveries.status }).from(deliveries).where(eq(deliveries.dedupeKey, dedupeKey)).get();
  return row?.status === "sending" ? "busy" : "done";
}

type Outcome = "sent" | "duplicate" | "gone" | "failed" | "skipped" | "fanned-out" | "deferred";

async function sendPush(data: DataAccess, dl: Delivery, m: PushMessage, attempts: number): Promise<Outcome> {
  const store = deliveryStore(data, m.homeShard);
  const now = dl.now();
  const claim = await claimDelivery(
    store,
    m.dedupeKey,
    { eventId: m.eventId, subscriberId: m.subscriberId, channel: "push" },
    attempts,
    now,
  );
  if (claim === "done") return "duplicate";
  // Another consumer holds this very message (a redelivered copy): try again later; by then it is done or free.
  if (claim === "busy") throw new PushTransientError(409);
  const base = { dedupeKey: m.dedupeKey, eventId: m.eventId, subscriberId: m.subscriberId, channel: "push" as const };
  // The device in the subscriber's home shard, or a row from before the move the global table still holds. A message
  // queued before the inbox moved (no `homeShard` on it: a late one, or a dead letter replayed) finds the shard
  // through the subscriber, since the drain may have moved the device since.
  const homeShard =
    m.homeShard ??
    (await data.global.select({ shard: subscribers.homeShard }).from(subscribers).where(eq(subscribers.id, m.subscriberId)).get())?.shard;
  const home = homeShard && isShardBinding(homeShard) && data.shards.includes(homeShard) ? data.shard(homeShard) : null;
  const own = home ? await home.select().from(pushSubscriptions).where(eq(pushSubscriptions.id, m.subscriptionId)).get() : undefined;
  const sub =
    own ?? (await data.global.select().from(globalPushSubscriptions).where(eq(globalPushSubscriptions.id, m.subscriptionId)).get());
  if (!sub) {
    await record(store, { ...base, status: "gone", detail: "unsubscribed" }, attempts, now);
    return "gone";
  }
  let result: Awaited<ReturnType<PushSender["send"]>>;
  try {
    result = await dl.push.send(sub, m.payload, { ttl: m.ttl, urgency: m.urgency, topic: await topicFor(m.dedupeKey) });
  } catch (err) {
    const detail = err instanceof PushTransientError ? `status ${err.status}` : err instanceof Error ? err.name : "error";
    await record(store, { ...base, status: "failed", detail }, attempts, now);
    throw err;
  }
  if (result.outcome === "gone") {
    // The browser dropped the subscription (or the user revoked permission, or subscribed afresh): forget it in both
    // places, wherever it was found (a copy the drain is moving meanwhile would otherwise come back).
    await Promise.all([
      home ? home.delete(pushSubscriptions).where(eq(pushSubscriptions.id, sub.id)) : null,
      data.global.delete(globalPushSubscriptions).where(eq(globalPushSubscriptions.id, sub.id)),
    ]);
    await record(store, { ...base, status: "gone", detail: `status ${result.status}` }, attempts, now);
    return "gone";
  }
  if (result.outcome === "rejected") {
    await record(store, { ...base, status: "failed", detail: `rejected ${result.status}` }, attempts, now);
    return "failed";
  }
  await record(store, { ...base, status: "sent", detail: `status ${result.status}` }, attempts, now);
  return "sent";
}

/**
 * What the events of a batch need from the global database, read for all of them at once: their subscribers (with
 * home shards), whether an event reached a subscriber's inbox before it moved to the home shard (a row the global
 * table still holds is the one they see, so no second one is made), the devices not yet drained from there, the
 * subscribers' settings and channel choices not yet drained from there, and the accounts' regions. One round trip of
 * six queries for a batch of up to 100 events, where each event read them for itself in four (six queries): a
 * city-wide outage's events read the global database a hundredth as often (docs/capacity.md). Then the settings and
 * choices kept in the subscribers' home shards, one batch a shard (the home shard's win over the global rows). Each
 * list is one bound parameter (`inList`).
 */
export interface EventReads {
  subscribers: Map<string, { phone: string | null; email: string | null; locale: string; homeShard: string }>;
  /** `${subscriberId} ${eventId}` of the events in the global inbox. */
  inGlobalInbox: Set<string>;
  legacyDevices: Map<string, { id: string; lang: string }[]>;
  settings: Map<string, typeof notificationSettings.$inferSelect>;
  prefs: Map<string, (typeof notificationPrefs.$inferSelect)[]>;
  /** The account's region, where the directory has it on a bound shard. */
  regions: Map<string, string>;
}

/** The calls `readForEvents` makes at most: one global batch, and the accounts' places (platform/places.ts). */
const eventReadsCalls = (data: DataAccess) => 1 + placesQueries(data);

export async function readForEvents(data: DataAccess, events: readonly EventMessage[]): Promise<EventReads> {
  const db = data.global;
  const ids = [...new Set(events.map((e) => e.subscriberId))];
  const eventIds = [...new Set(events.map((e) => e.eventId))];
  const accountNos = [...new Set(events.flatMap((e) => (e.accountNo ? [e.accountNo] : [])))];
  // The accounts' places beside the global batch (platform/places.ts), both awaited together.
  const [places, [subs, inboxed, devices, settings, prefs]] = await Promise.all([
    placesOf(data, accountNos),
    db.batch([
      db
        .select({
          id: subscribers.id,
          phone: subscribers.phone,
          email: subscribers.email,
          locale: subscribers.locale,
          homeShard: subscribers.homeShard,
        })
        .from(subscribers)
        .where(inList(subscribers.id, ids)),
      db
        .select({ subscriberId: globalInbox.subscriberId, eventId: globalInbox.eventId })
        .from(globalInbox)
        .where(and(inList(globalInbox.subscriberId, ids), inList(globalInbox.eventId, eventIds))),
      db
        .select({ subscriberId: globalPushSubscriptions.subscriberId, id: globalPushSubscriptions.id, lang: globalPushSubscriptions.lang })
        .from(globalPushSubscriptions)
        .where(inList(globalPushSubscriptions.subscriberId, ids)),
      db.select().from(notificationSettings).where(inList(notificationSettings.subscriberId, ids)),
      db
        .select()
        .from(notificationPrefs)
        .where(and(inList(notificationPrefs.subscriberId, ids), inList(notificationPrefs.accountNo, [...accountNos, "*"]))),
    ]),
  ]);
  const directory = [...places.values()];
  const byId = <T extends { subscriberId: string }>(rows: T[]) => {
    const map = new Map<string, T[]>();
    for (const r of rows) map.set(r.subscriberId, [...(map.get(r.subscriberId) ?? []), r]);
    return map;
  };
  // The choices and settings in the subscribers' home shards (where they are kept since issue 20): one batch a shard.
  const homes = byHomeShard(
    data,
    subs.map((s) => ({ subscriberId: s.id, homeShard: s.homeShard })),
  );
  const homeReads = await Promise.all(
    [...homes].map(([shard, who]) => {
      const home = data.shard(shard);
      return home.batch([
        home.select().from(homeNotificationSettings).where(inList(homeNotificationSettings.subscriberId, who)),
        home
          .select()
          .from(homeNotificationPrefs)
          .where(and(inList(homeNotificationPrefs.subscriberId, who), inList(homeNotificationPrefs.accountNo, [...accountNos, "*"]))),
      ]);
    }),
  );
  const homeSettings = homeReads.flatMap(([s]) => s);
  const homePrefs = homeReads.flatMap(([, p]) => p);
  const ownSettings = new Set(homeSettings.map((r) => r.subscriberId));
  return {
    subscribers: new Map(subs.map(({ id, ...s }) => [id, s])),
    inGlobalInbox: new Set(inboxed.map((r) => `${r.subscriberId} ${r.eventId}`)),
    legacyDevices: byId(devices),
    settings: new Map([...settings.filter((r) => !ownSettings.has(r.subscriberId)), ...homeSettings].map((r) => [r.subscriberId, r])),
    prefs: byId(mergeChoices(homePrefs, prefs)),
    regions: new Map(directory.filter((d) => isShardBinding(d.shard) && data.hasShard(d.shard)).map((d) => [d.accountNo, d.region])),
  };
}

/** One event for one subscriber: their channels, language, consent and quiet hours decide what is sent. */
async function fanOutEvent(data: DataAccess, dl: Delivery, e: EventMessage, attempts: number, reads?: EventReads): Promise<Outcome> {
  const now = dl.now();
  const info = KINDS[e.kind];
  const read = reads ?? (await readForEvents(data, [e]));
  const sub = read.subscribers.get(e.subscriberId);
  const delivered = read.inGlobalInbox.has(`${e.subscriberId} ${e.eventId}`);
  const legacyDevices = read.legacyDevices.get(e.subscriberId) ?? [];
  if (!sub) return "skipped";
  const store = deliveryStore(data, sub.homeShard);
  // Carried by the channel messages, so that each records its delivery in the same place.
  const homeShard = store.table === deliveries ? sub.homeShard : undefined;
  const settings = settingsFrom(read.settings.get(e.subscriberId));
  const key = (c: string) => `${e.eventId}:${e.subscriberId}:${c}`;
  if (info.marketing && !settings.marketing) {
    await record(
      store,
      {
        dedupeKey: key("consent"),
        eventId: e.eventId,
        subscriberId: e.subscriberId,
        channel: "inapp",
        status: "skipped",
        detail: "no marketing consent",
      },
      attempts,
      now,
    );
    return "skipped";
  }
  const channels = (channelsFrom(read.prefs.get(e.subscriberId) ?? [], e.accountNo).find((p) => p.kind === e.kind)?.channels ?? []).filter(
    (c) => !e.skipChannels?.includes(c),
  );
  if (channels.length === 0) return "skipped";
  const lang = sub.locale === "en" ? "en" : "ru";
  // The account's region: its time zone for quiet hours and texts, its site for links.
  const region = e.accountNo ? (read.regions.get(e.accountNo) ?? null) : null;
  const tz = (region && regionByCode(region)?.tz) || "Europe/Moscow";
  const params = {
    ...e.params,
    ...(typeof e.params.until === "string" && !Number.isNaN(Date.parse(e.params.until))
      ? { until: localShort(tz, new Date(e.params.until)) }
      : {}),
  };
  const text: Rendered = render(e.kind, lang, e.accountNo, params);
  const out: NotificationMessage[] = [];

  if (channels.includes("inapp") && !e.afterQuiet && !delivered) {
    await store.db
      .insert(inbox)
      .values({
        id: newId(now.getTime()),
        subscriberId: e.subscriberId,
        eventId: e.eventId,
        kind: e.kind,
        accountNo: e.accountNo,
        title: text.title,
        body: text.body,
        url: text.url,
        params,
        createdAt: now,
      })
      .onConflictDoNothing();
  }
  if (channels.includes("inapp") && !e.afterQuiet) {
    await record(
      store,
      { dedupeKey: key("inapp"), eventId: e.eventId, subscriberId: e.subscriberId, channel: "inapp", status: "sent" },
      attempts,
      now,
    );
  }
  if (channels.includes("email") && sub.email && !e.afterQuiet) {
    const link = `${dl.siteUrl(region)}${text.url}`;
    out.push({
      channel: "email",
      to: sub.email,
      subject: text.title,
      text: `${text.body}\n\n${link}`,
      html: emailHtml(text, link, lang),
      dedupeKey: key("email"),
      eventId: e.eventId,
      subscriberId: e.subscriberId,
      homeShard,
    });
  }
  // Texts and pushes wake people up: outside quiet hours only, unless the event is urgent.
  const loud = channels.filter((c) => c === "sms" || c === "push");
  const quietEnd = info.urgent || e.afterQuiet ? null : quietUntil(settings, tz, now);
  if (loud.length && quietEnd) {
    const delaySeconds = Math.min(43_200, Math.max(60, Math.ceil((quietEnd.getTime() - now.getTime()) / 1000)));
    await dl.queue.send({ ...e, afterQuiet: true }, { delaySeconds });
    for (const c of loud)
      await record(
        store,
        {
          dedupeKey: key(c),
          eventId: e.eventId,
          subscriberId: e.subscriberId,
          channel: c,
          status: "deferred",
          detail: `until ${quietEnd.toISOString()}`,
        },
        attempts,
        now,
      );
  } else {
    if (loud.includes("sms") && sub.phone)
      out.push({
        channel: "sms",
        to: sub.phone,
        text: text.sms,
        dedupeKey: key("sms"),
        eventId: e.eventId,
        subscriberId: e.subscriberId,
        homeShard,
      });
    if (loud.includes("push")) {
      // Each device once: the home shard's, and those not yet drained from the global table.
      const own =
        store.table === deliveries
          ? await store.db
              .select({ id: pushSubscriptions.id, lang: pushSubscriptions.lang })
              .from(pushSubscriptions)
              .where(eq(pushSubscriptions.subscriberId, e.subscriberId))
          : [];
      const subs = [...own, ...legacyDevices.filter((d) => !own.some((o) => o.id === d.id))];
      for (const s of subs) {
        const l = s.lang === "en" ? "en" : "ru";
        const t = l === lang ? text : render(e.kind, l, e.accountNo, params);
        out.push({
          channel: "push",
          subscriptionId: s.id,
          payload: { title: t.title, body: t.body, url: t.url, tag: `${e.kind}:${e.accountNo ?? ""}`, kind: e.kind, lang: l },
          ttl: info.ttl,
          urgency: info.urgency,
          dedupeKey: key(`push:${s.id}`),
          eventId: e.eventId,
          subscriberId: e.subscriberId,
          homeShard,
        });
      }
    }
  }
  await sendAll(dl.queue, out);
  return quietEnd && loud.length ? "deferred" : "fanned-out";
}

/** Accounts one page of an area's fan-out reads from a shard: one query, a number and an address a row. */
export const AREA_PAGE = 500;

/**
 * What one area message may spend: its D1 queries plus its queue sends. A
 * page costs one query on its shard, one on the links, at most
 * AREA_LOOKUPS_PER_PAGE for the recipients' earlier accounts, then a send per
 * 100 events; the message stops before a page could pass the budget and
 * queues the rest of the area from where it got to (a region of a million
 * accounts is a few hundred messages, each far inside an invocation's 1,000
 * D1 queries and subrequests).
 */
export const AREA_CALLS_PER_MESSAGE = 200;

/**
 * Shards a page asks whether its subscribers' other accounts are in the area
 * (the page's own shard and the first ones before it): a branch has hundreds
 * of shards at scale, and an organisation's accounts may be on all of them. A
 * subscriber whose earlier account is on a shard not asked gets a second
 * event from this page; its dedupe keys and the inbox's one row per event
 * still make that one notification.
 */
export const AREA_LOOKUPS_PER_PAGE = 8;

/**
 * Home shards a page reads its subscribers' links from (its own shard first), to know their other accounts in the
 * area: a subscriber whose home shard is past them gets this page's event whatever an earlier page told them, and its
 * dedupe key makes the two one notification.
 */
export const AREA_HOME_READS = 8;

/** The most a page's read of its subscribers' links costs: a home shard each and their accounts' places, or one global read. */
const linksReads = (data: DataAccess) => (data.linksStore === "global" ? 1 : AREA_HOME_READS + placesQueries(data));

export interface AreaLimits {
  /** Accounts a page reads. */
  page: number;
  /** D1 queries plus queue sends one message may make. */
  calls: number;
}

const AREA_LIMITS: AreaLimits = { page: AREA_PAGE, calls: AREA_CALLS_PER_MESSAGE };

/**
 * A page of a region's open accounts on one shard after `afterRowid`, in rowid
 * order: `accounts_region_idx` is (region, rowid), so the page is a range of
 * the index, never a sort of the region.
 */
export function areaPageQuery(db: RegionDb, region: string, afterRowid: number, size: number) {
  return db
    .select({ rowid: sql<number>`${accounts}.rowid`, accountNo: accounts.accountNo, address: accounts.address })
    .from(accounts)
    .where(and(eq(accounts.region, region), ne(accounts.status, "closed"), gt(sql`${accounts}.rowid`, afterRowid)))
    .orderBy(sql`${accounts}.rowid`)
    .limit(size);
}

/**
 * The events of one page: one per subscriber whose first account in the area
 * (in the fan-out's order: the branch's shards in turn, each by rowid) is on
 * this page, naming that account. A subscriber with an account in the area
 * that an earlier page met was told there and is left out here, so a person
 * with several accounts in the area gets one notification whichever pages
 * they fall on; the same page worked again gives the same events.
 */
async function areaPageEvents(
  data: DataAccess,
  m: AreaMessage,
  shards: readonly ShardBinding[],
  at: number,
  rows: { rowid: number; accountNo: string; address: string }[],
): Promise<{ events: NotificationMessage[]; queries: number }> {
  const cur = shards[at] as ShardBinding;
  const inside = new Map(rows.filter((r) => inArea(r.address, m.street, m.houses)).map((r) => [r.accountNo, r.rowid]));
  if (inside.size === 0) return { events: [], queries: 0 };
  const onPage = new Set(rows.map((r) => r.accountNo));
  const firstRowid = rows[0]?.rowid ?? 0;
  // The holders of the page's accounts in the area that are this shard's own (their rows here: platform/holders.ts; an
  // account a move is copying here, or moved off it, is the other shard's): each one's event names the first of them.
  const holders = await holdersOn(data, cur, [...inside.keys()], { here: true });
  if (holders.length === 0) return { events: [], queries: 1 };
  const own = new Map<string, { accountNo: string; rowid: number }>();
  for (const h of holders) {
    const rowid = inside.get(h.accountNo) as number;
    const o = own.get(h.subscriberId);
    if (!o || rowid < o.rowid) own.set(h.subscriberId, { accountNo: h.accountNo, rowid });
  }
  // Then every account in the region of those whose home shard is among the first `AREA_HOME_READS` (this shard's
  // first: most holders live where their first account is), from their home shards (platform/links.ts; all of them in
  // one global read under LINKS_STORE = "global"). One whose home shard is not read gets this page's event even when an
  // earlier page told them: its dedupe key makes it one notice.
  const homes = [...new Set(holders.map((h) => h.homeShard))]
    .sort((x, y) => (x === cur ? -1 : y === cur ? 1 : 0))
    .slice(0, data.linksStore === "global" ? undefined : AREA_HOME_READS);
  const asked = [
    ...new Map(
      holders.filter((h) => homes.includes(h.homeShard)).map((h) => [h.subscriberId, { id: h.subscriberId, homeShard: h.homeShard }]),
    ).values(),
  ];
  const links = await linksOf(data, asked, { region: m.region });
  const readLinks = linksQueries(data, asked);
  const earlier = new Map<string, { accountNo: string; shard: ShardBinding }[]>();
  for (const l of links) {
    const i = shards.indexOf(l.shard as ShardBinding);
    if (inside.has(l.accountNo) && (l.shard === cur || i < 0)) {
      // On this page: counted above.
    } else if (i >= 0 && i < at) {
      // Held on a shard worked before this one: met there if it is in the area (one on the move may be on both).
      earlier.set(l.subscriberId, [...(earlier.get(l.subscriberId) ?? []), { accountNo: l.accountNo, shard: l.shard as ShardBinding }]);
    } else if (l.shard === cur && !onPage.has(l.accountNo)) {
      // Elsewhere on this shard: before this page if its rowid is, and then only if it is in the area.
      earlier.set(l.subscriberId, [...(earlier.get(l.subscriberId) ?? []), { accountNo: l.accountNo, shard: cur }]);
    }
  }
  // Whether the accounts in question are in the area, one query per shard that holds any.
  const wanted = new Map<ShardBinding, Set<string>>();
  for (const [s, list] of earlier)
    if (own.has(s)) for (const a of list) wanted.set(a.shard, (wanted.get(a.shard) ?? new Set()).add(a.accountNo));
  const ask = [...wanted]
    .sort(([x], [y]) => (x === cur ? -1 : y === cur ? 1 : shards.indexOf(x) - shards.indexOf(y)))
    .slice(0, AREA_LOOKUPS_PER_PAGE);
  const before = new Set<string>();
  for (const [shard, nos] of ask) {
    // By the primary key, the region and status checked here: a filter on the region would scan its index instead.
    const found = await data
      .shard(shard)
      .select({
        rowid: sql<number>`${accounts}.rowid`,
        accountNo: accounts.accountNo,
        address: accounts.address,
        region: accounts.region,
        status: accounts.status,
      })
      .from(accounts)
      .where(inList(accounts.accountNo, [...nos]))
      .all();
    for (const a of found)
      if (
        a.region === m.region &&
        a.status !== "closed" &&
        inArea(a.address, m.street, m.houses) &&
        (shard !== cur || a.rowid < firstRowid)
      )
        before.add(`${shard}|${a.accountNo}`);
  }
  const events: NotificationMessage[] = [];
  for (const [subscriberId, o] of own) {
    if ((earlier.get(subscriberId) ?? []).some((a) => before.has(`${a.shard}|${a.accountNo}`))) continue;
    events.push({ channel: "event", eventId: m.eventId, kind: m.kind, subscriberId, accountNo: o.accountNo, params: m.params });
  }
  return { events, queries: 1 + readLinks + ask.length };
}

/**
 * An outage or an announcement for an area: one event per subscriber with an
 * account there, a page of accounts at a time along each shard of the
 * region's branch (as the daily charge pages its services). Before a page
 * could take the message past its budget, the rest goes on in a message of
 * its own, queued before this one is acked: a message that fails or is
 * delivered again works its pages again, and the events' dedupe keys (and the
 * inbox's one row per event) make that a no-op for whoever was told.
 */
async function fanOutArea(data: DataAccess, dl: Delivery, m: AreaMessage, limits: AreaLimits = AREA_LIMITS): Promise<Outcome> {
  // The region's accounts are on every shard of its branch (one just moved may be on two for a moment: told once).
  const shards = await branchShards(data, m.region);
  let calls = 1;
  let at = m.resume ? Math.max(shards.indexOf(m.resume.shard as ShardBinding), 0) : 0;
  let after = m.resume && shards[at] === m.resume.shard ? m.resume.afterRowid : 0;
  let accountsRead = 0;
  let told = 0;
  for (let pages = 0; at < shards.length; pages++) {
    // The most a page can cost: its query, the holders, the links (a home shard each and the directory), its lookups, a
    // send per 100 events. (Each message works at least one page, so a chain of them always gets to the end.)
    if (pages > 0 && calls + 2 + linksReads(data) + Math.min(at + 1, AREA_LOOKUPS_PER_PAGE) + Math.ceil(limits.page / 100) > limits.calls) {
      const next: AreaMessage = { ...m, resume: { shard: shards[at] as ShardBinding, afterRowid: after } };
      await dl.queue.send(next);
      log("info", "notification.area", {
        eventId: m.eventId,
        accounts: accountsRead,
        subscribers: told,
        next: `${next.resume?.shard}:${next.resume?.afterRowid}`,
      });
      return "fanned-out";
    }
    const rows = await areaPageQuery(data.shard(shards[at] as ShardBinding), m.region, after, limits.page).all();
    calls++;
    if (rows.length > 0) {
      const page = await areaPageEvents(data, m, shards, at, rows);
      calls += page.queries + Math.ceil(page.events.length / 100);
      await sendAll(dl.queue, page.events);
      accountsRead += rows.length;
      told += page.events.length;
      after = rows[rows.length - 1]?.rowid ?? after;
    }
    if (rows.length < limits.page) {
      at++;
      after = 0;
    }
  }
  log("info", "notification.area", { eventId: m.eventId, accounts: accountsRead, subscribers: told });
  return "fanned-out";
}

async function handle(data: DataAccess, dl: Delivery, msg: NotificationMessage, attempts: number, reads?: EventReads): Promise<Outcome> {
  switch (msg.channel) {
    case "sms":
    case "email": {
      let sent: boolean;
      try {
        sent =
          msg.channel === "sms"
            ? await dl.sms.send(msg.to, msg.text, msg.dedupeKey)
            : await dl.email.send(msg.to, msg.subject, msg.text, msg.dedupeKey, msg.html, {
                // A notification of an event (not a code, a receipt or a report): it says where to turn it off.
                listUnsubscribe: msg.eventId ? `${dl.siteUrl(null)}/settings/notifications` : undefined,
              });
      } catch (err) {
        // The provider refused this message for good: retrying cannot help, so it is recorded and not retried.
        if (!(err instanceof SmsRejected || err instanceof EmailRejected)) throw err;
        if (msg.eventId)
          await record(
            deliveryStore(data, msg.homeShard),
            {
              dedupeKey: msg.dedupeKey,
              eventId: msg.eventId,
              subscriberId: msg.subscriberId,
              channel: msg.channel,
              status: "failed",
              detail: `rejected: ${err.detail}`.slice(0, 200),
            },
            attempts,
            dl.now(),
          );
        return "failed";
      }
      if (msg.eventId)
        await record(
          deliveryStore(data, msg.homeShard),
          { dedupeKey: msg.dedupeKey, eventId: msg.eventId, subscriberId: msg.subscriberId, channel: msg.channel, status: "sent" },
          attempts,
          dl.now(),
        );
      return sent ? "sent" : "duplicate";
    }
    case "push":
      return sendPush(data, dl, msg, attempts);
    case "event":
      return fanOutEvent(data, dl, msg, attempts, reads);
    case "area":
      return fanOutArea(data, dl, msg, dl.areaLimits);
    case "holders":
      return fanOutHolders(data, dl, msg);
  }
}

/**
 * Holders a `holders` message tells an account's event to on average within its budget (CALLS_PER_MESSAGE.holders: a
 * read and sends of 100): `HOLDERS_EVENTS` × this events a message at most, an owner and relatives each, far fewer in
 * practice. An account with more takes the room others left; past the message's room, the rest go on in another.
 */
export const HOLDERS_PER_ACCOUNT = 10;

/**
 * A `holders` message: its accounts' settled holders on its shard (one read), one event each, sent in batches of 100.
 * Accounts with no holder there are looked up in the directory (one read): one a shard move took elsewhere since the
 * message was queued goes on in a `holders` message for its shard now (one send). Holders past the message's room
 * (`HOLDERS_EVENTS` × `HOLDERS_PER_ACCOUNT` events) go on in a `holders` message of this shard, each event naming the
 * last holder told (`after`: the holders in a fixed order, by id, `holderKey`). A redelivered
 * message sends the same events, which their dedupe keys make one notice.
 */
async function fanOutHolders(data: DataAccess, dl: Delivery, m: HoldersMessage): Promise<Outcome> {
  // A shard not bound here (a deployment without it): retried, then kept with the dead letters for an operator.
  if (!isShardBinding(m.shard) || !data.hasShard(m.shard)) throw new Error(`holders: shard ${m.shard} is not bound`);
  // Only accounts the directory has on this shard (not one a move left here and has not cleaned up, nor one being copied
  // here): the others are handed on below.
  const holders = await holdersOn(data, m.shard, [...new Set(m.events.map((e) => e.accountNo))], { here: true });
  const of = new Map<string, { key: string; subscriberId: string }[]>();
  // In a fixed order, by id: a message that goes on `after` a holder tells those past them.
  for (const h of holders.map((x) => ({ ...x, key: holderKey(x) })).toSorted((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)))
    of.set(h.accountNo, [...(of.get(h.accountNo) ?? []), { key: h.key, subscriberId: h.subscriberId }]);
  const none = m.events.filter((e) => !of.has(e.accountNo));
  const moved =
    none.length === 0
      ? new Map<string, string>()
      : await directoryShards(
          data,
          none.map((e) => e.accountNo),
        );
  const handOnMoved = holdersMessages(
    none.flatMap((event) => {
      const shard = moved.get(event.accountNo);
      return shard && shard !== m.shard && isShardBinding(shard) ? [{ shard, event }] : [];
    }),
  );
  // One event a holder, within the message's room; an account's holders past it go on from where this one got to.
  let room = HOLDERS_EVENTS * HOLDERS_PER_ACCOUNT;
  const events: NotificationMessage[] = [];
  const rest: { shard: string; event: HoldersMessage["events"][number] }[] = [];
  for (const e of m.events) {
    const left = (of.get(e.accountNo) ?? []).filter((h) => e.after === undefined || h.key > e.after);
    const now = left.slice(0, room);
    room -= now.length;
    for (const { subscriberId } of now)
      events.push({ channel: "event", eventId: e.eventId, kind: e.kind, subscriberId, accountNo: e.accountNo, params: e.params });
    const last = now.at(-1);
    if (now.length < left.length) rest.push({ shard: m.shard, event: last ? { ...e, after: last.key } : e });
  }
  const handOnRest = holdersMessages(rest);
  if (handOnMoved.length > 0)
    log("info", "holders.moved_on", { shard: m.shard, accounts: handOnMoved.reduce((n, x) => n + x.events.length, 0) });
  if (handOnRest.length > 0) log("info", "holders.handed_on", { shard: m.shard, accounts: rest.length });
  await sendInBatches(
    dl.queue,
    [...events, ...handOnMoved, ...handOnRest].map((body) => ({ body })),
  );
  return "fanned-out";
}

/**
 * The most calls (D1 queries, queue sends, the provider's fetch) one message of
 * a channel makes, whatever path it takes; an area message spends its own
 * budget (AreaLimits.calls). test/worker/area-fanout.test.ts measures each path
 * against these: an event alone reads what it needs globally in one batch and
 * its subscriber's choices in their home shard in another (`readForEvents`: in
 * a batch of events, one global batch for all of them, counted once,
 * `eventReadsCalls`, and one a home shard, at most one an event, within the
 * events' own budgets) and writes its inbox row and delivery records in
 * the home shard; a push reads its device in the home shard (found through
 * the subscriber for a message queued before the move), else in the global
 * table, and a device gone is forgotten in both. An event's 9 is its worst path
 * (8, its own reads among them) and the read of its subscriber's home shard
 * that a batch's shared reads spent before failing, when each event then reads
 * for itself.
 */
export const CALLS_PER_MESSAGE = {
  sms: 6,
  email: 6,
  push: 10,
  event: 9,
  // Its shard's holders and the directory for accounts with none there; sends of 100: its events, and the messages that
  // go on (for accounts moved since, or holders past its room: at most one an account, each one account's event).
  holders: 2 + Math.ceil((HOLDERS_EVENTS * HOLDERS_PER_ACCOUNT + HOLDERS_EVENTS) / 100),
} as const;

function callsOf(m: NotificationMessage, dl: Delivery, data: DataAccess): number {
  if (m.channel === "area") return (dl.areaLimits ?? AREA_LIMITS).calls;
  // A holders message's look-up of accounts with no holder here reads their places: one query counted, the rest here.
  return CALLS_PER_MESSAGE[m.channel] + (m.channel === "holders" ? placesQueries(data) - 1 : 0);
}

/**
 * Delivers each message on its own, concurrently within a batch: a malformed
 * one is acked and recorded as a dead letter at once (retrying cannot fix
 * it); a failed delivery is retried with backoff, and the queue moves it to
 * the dead-letter queue after the last try. Redelivered messages are no-ops
 * (dedupe keys, the inbox's unique event per subscriber).
 *
 * A batch of 100 can ask more than an invocation may make (1,000 D1 queries
 * and subrequests: a hundred events, or a few areas' pages): past the budget,
 * the rest of the batch is sent again as new messages, to a later invocation,
 * and acked here; if that send fails they are retried instead.
 */
export async function consumeNotifications(batch: MessageBatch<unknown>, env: Env, delivery?: Delivery): Promise<void> {
  const data = createDataAccess(env);
  const dl = delivery ?? deliveryFor(env, data);
  const items = failedFirst(batch.messages).map((message) => ({
    message,
    parsed: NotificationMessage.safeParse(message.body),
  }));
  const malformed = items.filter((i) => !i.parsed.success);
  const wellFormed = items.flatMap((i) => (i.parsed.success ? [{ message: i.message, body: i.parsed.data }] : []));
  const { work, handOn: later } = splitByBudget(
    wellFormed,
    (i) => callsOf(i.body, dl, data),
    CALLS_PER_INVOCATION - HAND_ON_CALLS - eventReadsCalls(data) - malformed.length,
  );
  await handOn(
    dl.queue,
    later.map((i) => i.message),
  );
  // The events' global reads, for all of them at once. Should that fail, each event reads its own (and fails alone).
  const events = work.flatMap((i) => (i.body.channel === "event" ? [i.body] : []));
  const reads =
    events.length > 1
      ? await readForEvents(data, events).catch((err: unknown) => {
          log("warn", "notification.reads_failed", { events: events.length, error: err instanceof Error ? err.name : "unknown" });
          return undefined;
        })
      : undefined;
  await Promise.all([
    ...malformed.map(async ({ message }) => {
      await data.global
        .insert(deadLetters)
        .values({
          id: message.id,
          queue: batch.queue,
          body: JSON.stringify(message.body),
          attempts: message.attempts,
          failedAt: new Date(),
        })
        .onConflictDoNothing();
      recordDeadLetter();
      log("warn", "notification.malformed", { messageId: message.id });
      message.ack();
    }),
    ...work.map(async ({ message, body }) => {
      try {
        const outcome = await handle(data, dl, body, message.attempts, reads);
        log("info", `notification.${outcome}`, { messageId: message.id, channel: body.channel });
        message.ack();
      } catch (err) {
        log("error", "notification.failed", {
          messageId: message.id,
          channel: body.channel,
          attempts: message.attempts,
          error: err instanceof Error ? err.name : "unknown",
        });
        message.retry({ delaySeconds: retryDelaySeconds(message.attempts) });
      }
    }),
  ]);
}

/** Dead-letter queue: keep what could not be delivered for an operator, mark its delivery failed, then ack. */
export async function consumeDeadLetters(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  const data = createDataAccess(env);
  const db = data.global;
  for (const message of batch.messages) {
    await db
      .insert(deadLetters)
      .values({ id: message.id, queue: batch.queue, body: JSON.stringify(message.body), attempts: message.attempts, failedAt: new Date() })
      .onConflictDoNothing();
    recordDeadLetter();
    const parsed = NotificationMessage.safeParse(message.body);
    if (parsed.success && "dedupeKey" in parsed.data && parsed.data.eventId) {
      const m = parsed.data;
      await record(
        deliveryStore(data, m.homeShard),
        {
          dedupeKey: m.dedupeKey,
          eventId: m.eventId,
          subscriberId: m.subscriberId,
          channel: m.channel,
          status: "failed",
          detail: "dead-lettered",
        },
        message.attempts,
        new Date(),
      );
    }
    log("warn", "dead_letter.stored", { messageId: message.id });
    message.ack();
  }
}
