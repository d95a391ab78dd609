import { z } from "zod";
import { CHANNELS, NOTIFICATION_KINDS } from "../../db/schema/global";

const DedupeKey = z.string().min(1).max(200);
/** Accounts' events a `holders` message carries (each some 300 bytes: 15 KB, far under a queue message's 128 KB). */
export const HOLDERS_EVENTS = 50;
/**
 * The subscriber's home shard, where the message's delivery is recorded. Messages queued before the records moved
 * there have none: theirs are still recorded in the global table (where their earlier attempts are).
 */
const HomeShard = z
  .string()
  .regex(/^DB_[A-Z0-9_]+$/)
  .max(64)
  .optional();
/** Ties a channel message to the event it came from, for the deliveries record. */
const Origin = { eventId: z.string().max(200).optional(), subscriberId: z.string().max(64).optional(), homeShard: HomeShard };

/**
 * Messages on the `notifications` queue, declared once for producers and the
 * consumer. Channel messages (sms, email, push) carry a `dedupeKey` that makes
 * delivery idempotent under at-least-once delivery. An `event` is fanned out by
 * the consumer into channel messages according to the subscriber's
 * preferences; an `area` message (an outage or an announcement) into events,
 * a page of accounts at a time (a `resume` cursor on the message that goes on).
 */
export const NotificationMessage = z.discriminatedUnion("channel", [
  z.object({
    channel: z.literal("sms"),
    to: z.string().regex(/^\+\d{10,15}$/),
    text: z.string().min(1).max(1000),
    dedupeKey: DedupeKey,
    ...Origin,
  }),
  z.object({
    channel: z.literal("email"),
    to: z.string().email(),
    subject: z.string().min(1).max(200),
    text: z.string().min(1).max(20000),
    html: z.string().max(60000).optional(),
    dedupeKey: DedupeKey,
    ...Origin,
  }),
  z.object({
    channel: z.literal("push"),
    subscriptionId: z.string().max(64),
    payload: z.object({
      title: z.string().max(200),
      body: z.string().max(2000),
      url: z.string().max(500),
      tag: z.string().max(200),
      kind: z.string().max(40),
      lang: z.enum(["ru", "en"]),
    }),
    ttl: z.number().int().min(60).max(86_400),
    urgency: z.enum(["very-low", "low", "normal", "high"]),
    dedupeKey: DedupeKey,
    eventId: z.string().max(200),
    subscriberId: z.string().max(64),
    homeShard: HomeShard,
  }),
  z.object({
    channel: z.literal("event"),
    eventId: z.string().min(1).max(200),
    kind: z.enum(NOTIFICATION_KINDS),
    subscriberId: z.string().max(64),
    accountNo: z.string().max(40).nullable(),
    params: z.record(z.string(), z.union([z.string().max(500), z.number()])),
    /** Set when the event was held back by quiet hours: deliver now whatever the clock says. */
    afterQuiet: z.boolean().optional(),
    /** Channels not to use for this event (the producer reached the subscriber that way already). */
    skipChannels: z.array(z.enum(CHANNELS)).optional(),
  }),
  z.object({
    /**
     * Events for whoever holds these accounts of one shard, read from its holder rows by the consumer: a producer whose
     * accounts are on more shards than its invocation may read (a bank transfer's hundreds) names the rest this way.
     */
    channel: z.literal("holders"),
    shard: z
      .string()
      .regex(/^DB_[A-Z0-9_]+$/)
      .max(64),
    events: z
      .array(
        z.object({
          eventId: z.string().min(1).max(200),
          kind: z.enum(NOTIFICATION_KINDS),
          accountNo: z.string().max(40),
          params: z.record(z.string(), z.union([z.string().max(500), z.number()])),
          /**
           * The last of the account's holders a message before this one told, as they are ordered (`holderKey`: by
           * id): an account with more than a message's room is told by a chain of messages, each going on after it (a
           * holder who left meanwhile moves nobody past it).
           */
          after: z.string().max(200).optional(),
        }),
      )
      .min(1)
      .max(HOLDERS_EVENTS),
  }),
  z.object({
    channel: z.literal("area"),
    /** outage: declared or resolved; announcement: a tariff change or a promotion for a region. */
    kind: z.enum(["outage", "tariff_change", "promo"]),
    eventId: z.string().min(1).max(200),
    region: z.string().max(8),
    street: z.string().max(200).nullable(),
    /** As the operators' route takes them (at most 500): the message stays far under a queue message's 128 KB. */
    houses: z.array(z.string().max(20)).max(500).nullable(),
    params: z.record(z.string(), z.union([z.string().max(2000), z.number()])),
    /** Set on the message that goes on with an area a message before began: the shard and the last rowid worked. */
    resume: z
      .object({
        shard: z
          .string()
          .regex(/^DB_[A-Z0-9_]+$/)
          .max(64),
        afterRowid: z.number().int().min(0),
      })
      .optional(),
  }),
]);
export type NotificationMessage = z.infer<typeof NotificationMessage>;
export type EventMessage = Extract<NotificationMessage, { channel: "event" }>;
export type PushMessage = Extract<NotificationMessage, { channel: "push" }>;
export type AreaMessage = Extract<NotificationMessage, { channel: "area" }>;
export type HoldersMessage = Extract<NotificationMessage, { channel: "holders" }>;

/**
 * Where a holder stands in the order a `holders` message tells them: by their id alone (not by role, which may change
 * between two messages of a chain and move a holder behind the last one told).
 */
export const holderKey = (h: { subscriberId: string }) => h.subscriberId;

/** `holders` messages for events of accounts on other shards: a message a shard and `HOLDERS_EVENTS` accounts. */
export function holdersMessages(events: readonly { shard: string; event: HoldersMessage["events"][number] }[]): HoldersMessage[] {
  const byShard = new Map<string, HoldersMessage["events"]>();
  for (const e of events) byShard.set(e.shard, [...(byShard.get(e.shard) ?? []), e.event]);
  return [...byShard].flatMap(([shard, list]) =>
    Array.from({ length: Math.ceil(list.length / HOLDERS_EVENTS) }, (_, i) => ({
      channel: "holders" as const,
      shard,
      events: list.slice(i * HOLDERS_EVENTS, (i + 1) * HOLDERS_EVENTS),
    })),
  );
}

export const NOTIFICATIONS_QUEUE = "kabinet-notifications";
export const DEAD_LETTER_QUEUE = "kabinet-dlq";
