import { createRoute, z } from "@hono/zod-openapi";
import { CHANNELS, NOTIFICATION_KINDS } from "../../db/schema/global";
import { type BodyOf, jsonBody, jsonResponse, problem, type ResponseOf } from "../../platform/openapi";

const unauthorized = problem("Not logged in");
const invalid = problem("Invalid input, with the fields at fault");
const Time = z
  .string()
  .regex(/^([01]\d|2[0-3]):[0-5]\d$/)
  .openapi({ example: "22:00" });

const InboxItem = z
  .object({
    id: z.string(),
    kind: z.enum(NOTIFICATION_KINDS),
    accountNo: z.string().nullable(),
    title: z.string(),
    body: z.string(),
    url: z.string(),
    createdAt: z.string().datetime(),
    read: z.boolean(),
  })
  .openapi("InboxItem");

export const inboxRoute = createRoute({
  method: "get",
  path: "/notifications",
  tags: ["Notifications"],
  summary:
    "The in-app inbox, newest first, 50 messages a page, of the last 12 months (older ones expire), and how many of those are unread",
  request: {
    query: z.object({
      before: z.string().max(200).optional().openapi({
        description: "Where the page starts: the `nextBefore` of the page above (opaque). Without it, the newest messages.",
      }),
    }),
  },
  responses: {
    200: jsonResponse(
      "Inbox",
      z.object({
        items: z.array(InboxItem),
        nextBefore: z
          .string()
          .nullable()
          .openapi({ description: "The `before` of the next (older) page; null when there are no older messages" }),
        unread: z.number().int(),
        keptMonths: z.number().int().openapi({ description: "How long a message is kept: older ones are deleted", example: 12 }),
      }),
    ),
    400: problem("An invalid `before`"),
    401: unauthorized,
  },
});

export const markReadRoute = createRoute({
  method: "post",
  path: "/notifications/read",
  tags: ["Notifications"],
  summary: "Marks messages read: the given ids (own, of the last 12 months) or all",
  request: {
    body: jsonBody(z.union([z.object({ ids: z.array(z.string().max(64)).min(1).max(100) }), z.object({ all: z.literal(true) })])),
  },
  responses: {
    200: jsonResponse("Marked", z.object({ marked: z.number().int(), unread: z.number().int() })),
    400: invalid,
    401: unauthorized,
  },
});

const KindPref = z.object({
  kind: z.enum(NOTIFICATION_KINDS),
  label: z.string(),
  channels: z.array(z.enum(CHANNELS)),
  isDefault: z.boolean(),
  required: z.array(z.enum(CHANNELS)).nullable(),
  marketing: z.boolean(),
  urgent: z.boolean(),
});

const Preferences = z
  .object({
    accountNo: z.string().openapi({ description: '"*" for all accounts, or an account number' }),
    kinds: z.array(KindPref),
    quiet: z.object({ from: Time, to: Time }).nullable(),
    marketing: z.boolean(),
    pushDevices: z.number().int(),
  })
  .openapi("NotificationPreferences");

const AccountQuery = z.object({ accountNo: z.string().max(40).default("*") });

export const preferencesRoute = createRoute({
  method: "get",
  path: "/notifications/preferences",
  tags: ["Notifications"],
  summary: "«Доставка уведомлений»: channels per kind (for all accounts or one), quiet hours, marketing consent",
  request: { query: AccountQuery },
  responses: { 200: jsonResponse("Preferences", Preferences), 401: unauthorized, 404: problem("Not one of your accounts") },
});

export const setPreferencesRoute = createRoute({
  method: "put",
  path: "/notifications/preferences",
  tags: ["Notifications"],
  summary: "Saves channels per kind (for all accounts or one), quiet hours and marketing consent",
  request: {
    body: jsonBody(
      z.object({
        accountNo: z.string().max(40).default("*"),
        kinds: z
          .array(z.object({ kind: z.enum(NOTIFICATION_KINDS), channels: z.array(z.enum(CHANNELS)).max(4) }))
          .max(NOTIFICATION_KINDS.length),
        /** Forget this account's own choices: it follows "all accounts" again. */
        reset: z.boolean().optional(),
        quiet: z.object({ from: Time, to: Time }).nullable().optional(),
        marketing: z.boolean().optional(),
      }),
    ),
  },
  responses: {
    204: { description: "Saved" },
    400: invalid,
    401: unauthorized,
    404: problem("Not one of your accounts"),
    422: problem("A required kind would reach the subscriber by no channel (notification-required)"),
  },
});

export const pushKeyRoute = createRoute({
  method: "get",
  path: "/push/key",
  tags: ["Notifications"],
  summary: "The VAPID public key browsers subscribe with (applicationServerKey)",
  responses: { 200: jsonResponse("Key", z.object({ publicKey: z.string() })) },
});

export const subscribeRoute = createRoute({
  method: "post",
  path: "/push/subscriptions",
  tags: ["Notifications"],
  summary: "Registers this browser's push subscription for the signed-in subscriber on this origin",
  request: {
    body: jsonBody(
      z.object({
        endpoint: z.string().max(2000),
        keys: z.object({ p256dh: z.string().max(200), auth: z.string().max(100) }),
        lang: z.enum(["ru", "en"]).default("ru"),
      }),
    ),
  },
  responses: { 201: jsonResponse("Subscribed", z.object({ id: z.string() })), 400: invalid, 401: unauthorized },
});

export const unsubscribeRoute = createRoute({
  method: "post",
  path: "/push/unsubscribe",
  tags: ["Notifications"],
  summary: "Forgets this browser's push subscription",
  request: { body: jsonBody(z.object({ endpoint: z.string().max(2000) })) },
  responses: { 204: { description: "Forgotten (or was not there)" }, 401: unauthorized },
});

export const Outage = z
  .object({
    id: z.string(),
    region: z.string(),
    street: z.string().nullable(),
    houses: z.array(z.string()).nullable(),
    title: z.string(),
    expectedEnd: z.string().datetime(),
    declaredAt: z.string().datetime(),
    resolvedAt: z.string().datetime().nullable(),
    accountNos: z.array(z.string()).optional(),
  })
  .openapi("Outage");

export const myOutagesRoute = createRoute({
  method: "get",
  path: "/outages",
  tags: ["Notifications"],
  summary: "Outages now affecting the addresses of the subscriber's accounts (the home screen's banner)",
  request: {
    query: z.object({
      outage: z
        .string()
        .max(64)
        .optional()
        .openapi({ description: "The outage declared whose notice the app was opened from: a kept list without it is read again" }),
      "outage-resolved": z
        .string()
        .max(64)
        .optional()
        .openapi({ description: "The outage resolved whose notice the app was opened from: a kept list with it is read again" }),
    }),
  },
  responses: { 200: jsonResponse("Outages", z.object({ items: z.array(Outage) })), 401: unauthorized },
});

export type Channel = (typeof CHANNELS)[number];
export type InboxItemDto = z.infer<typeof InboxItem>;
export type InboxDto = ResponseOf<typeof inboxRoute>;
export type MarkReadDto = ResponseOf<typeof markReadRoute>;
export type NotificationPrefsDto = z.infer<typeof Preferences>;
export type NotificationPrefsBody = BodyOf<typeof setPreferencesRoute>;
export type PushSubscriptionBody = BodyOf<typeof subscribeRoute>;
export type PushKeyDto = ResponseOf<typeof pushKeyRoute>;
export type PushSubscribedDto = ResponseOf<typeof subscribeRoute, 201>;
export type OutageDto = z.infer<typeof Outage>;
