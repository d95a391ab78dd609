import { sql } from "drizzle-orm";
import { index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { providerMessageColumns } from "./messages";

/** Macro-regional branches and the shard (D1 binding) that holds each one's data. */
export const branches = sqliteTable("branches", {
  code: text("code").primaryKey(),
  nameRu: text("name_ru").notNull(),
  nameEn: text("name_en").notNull(),
  shard: text("shard").notNull(),
});

/** Federal subjects; `code` is the subdomain. */
export const regions = sqliteTable(
  "regions",
  {
    code: text("code").primaryKey(),
    iso: text("iso"),
    nameRu: text("name_ru").notNull(),
    nameEn: text("name_en").notNull(),
    branch: text("branch")
      .notNull()
      .references(() => branches.code),
    tz: text("tz").notNull(),
    lat: real("lat").notNull(),
    lon: real("lon").notNull(),
  },
  (t) => [index("regions_branch_idx").on(t.branch)],
);

export const regionContacts = sqliteTable(
  "region_contacts",
  {
    region: text("region")
      .notNull()
      .references(() => regions.code),
    kind: text("kind").notNull(),
    phone: text("phone").notNull(),
  },
  (t) => [primaryKey({ columns: [t.region, t.kind] })],
);

export const offices = sqliteTable(
  "offices",
  {
    id: text("id").primaryKey(),
    region: text("region")
      .notNull()
      .references(() => regions.code),
    kind: text("kind", { enum: ["b2c", "b2b"] }).notNull(),
    cityRu: text("city_ru").notNull(),
    cityEn: text("city_en").notNull(),
    addressRu: text("address_ru").notNull(),
    addressEn: text("address_en").notNull(),
    /** JSON array of seven "HH:MM-HH:MM" | null, Monday first. */
    hours: text("hours").notNull(),
    lat: real("lat").notNull(),
    lon: real("lon").notNull(),
  },
  (t) => [index("offices_region_idx").on(t.region)],
);

/** A person with a login (учётная запись). Contacts are normalised: E.164 phone, lower-case email. */
export const subscribers = sqliteTable(
  "subscribers",
  {
    id: text("id").primaryKey(),
    displayName: text("display_name").notNull(),
    phone: text("phone"),
    email: text("email"),
    login: text("login"),
    passwordHash: text("password_hash"),
    locale: text("locale").notNull().default("ru"),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
    /**
     * The regional shard that keeps the subscriber's inbox and delivery records (a D1 binding of the shard map):
     * their first account's shard, chosen at registration (platform/shard-map.ts, `placeSubscriber`), and never
     * changed (an account moved later leaves the inbox where it is). Read with the session (one round trip).
     * Rows from before it were filled from their first linked account (migration 0028); one with no account
     * keeps the default, the Moscow branch's home shard.
     */
    homeShard: text("home_shard").notNull().default("DB_MOSCOW"),
  },
  (t) => [
    uniqueIndex("subscribers_phone_uq").on(t.phone),
    uniqueIndex("subscribers_email_uq").on(t.email),
    uniqueIndex("subscribers_login_uq").on(t.login),
  ],
);

/**
 * Account number (лицевой счёт) -> the shard that holds it. The contacts on the contract (where registration and
 * relative-linking codes are sent) were kept here by older releases and are while `CONTRACT_CONTACTS = "global"`;
 * otherwise they are in the account's row in its shard, indexed by the identity stores, and emptied here by the
 * backfill (platform/contract-contacts.ts).
 */
export const accountDirectory = sqliteTable(
  "account_directory",
  {
    accountNo: text("account_no").primaryKey(),
    region: text("region")
      .notNull()
      .references(() => regions.code),
    shard: text("shard").notNull(),
    contactPhone: text("contact_phone"),
    contactEmail: text("contact_email"),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [index("account_directory_phone_idx").on(t.contactPhone), index("account_directory_email_idx").on(t.contactEmail)],
);

/** Which subscriber may see which account, and how (own or a relative's). */
export const accountLinks = sqliteTable(
  "account_links",
  {
    subscriberId: text("subscriber_id")
      .notNull()
      .references(() => subscribers.id),
    accountNo: text("account_no")
      .notNull()
      .references(() => accountDirectory.accountNo),
    role: text("role", { enum: ["owner", "payer", "viewer"] }).notNull(),
    /** The subscriber's low-balance alert for this account, in kopecks; null = off. */
    lowBalanceKop: integer("low_balance_kop"),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.subscriberId, t.accountNo] }),
    index("account_links_account_idx").on(t.accountNo),
    // One owner an account: registrations at the same moment (by its phone and by its e-mail) both read none.
    uniqueIndex("account_links_one_owner_uq").on(t.accountNo).where(sql`role = 'owner'`),
  ],
);

/**
 * Sessions an older deployment opened here, and new ones while a deployment keeps them here (`SESSION_STORE =
 * "global"`, the release that brings the shards' table); only the SHA-256 of the token is stored. Otherwise new
 * sessions live in the subscriber's home shard (region `sessions`), and these are honoured until they expire (30 days
 * at most), are ended, or are rotated (a step-up, a password change), which moves one to the home shard.
 */
export const globalSessions = sqliteTable(
  "sessions",
  {
    idHash: text("id_hash").primaryKey(),
    subscriberId: text("subscriber_id")
      .notNull()
      .references(() => subscribers.id),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
    lastSeenAt: integer("last_seen_at", { mode: "timestamp_ms" }).notNull(),
    expiresAt: integer("expires_at", { mode: "timestamp_ms" }).notNull(),
    userAgent: text("user_agent"),
    /** How the session was opened: password, code, passkey, or an identity provider. */
    authMethod: text("auth_method").notNull().default("password"),
    /** When the subscriber last confirmed with a fresh SMS code (step-up for money operations). */
    stepUpAt: integer("step_up_at", { mode: "timestamp_ms" }),
    /**
     * The key that signs the cookie's "last used" stamp (HMAC-SHA-256), random per session and never sent:
     * the idle timeout is kept without writing on every use. Null for sessions opened before it existed.
     */
    stampKey: text("stamp_key"),
  },
  (t) => [index("sessions_subscriber_idx").on(t.subscriberId), index("sessions_expires_idx").on(t.expiresAt)],
);

/** A one-time code's columns: the identity stores' table (features/auth/codes.service.ts) and this older one. */
export const oneTimeCodeColumns = () => ({
  id: text("id").primaryKey(),
  purpose: text("purpose").notNull(),
  targetHash: text("target_hash").notNull(),
  codeHash: text("code_hash").notNull(),
  channel: text("channel", { enum: ["sms", "email"] })
    .notNull()
    .default("sms"),
  /** The subscriber the code is for, when known (never revealed to the caller). */
  subscriberId: text("subscriber_id"),
  /** JSON: what confirming the code will do (e.g. the new phone to set). */
  payload: text("payload"),
  attempts: integer("attempts").notNull().default(0),
  usedAt: integer("used_at", { mode: "timestamp_ms" }),
  createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
  expiresAt: integer("expires_at", { mode: "timestamp_ms" }).notNull(),
});

/**
 * One-time codes an older deployment issued (only a hash of the code is stored): new ones are in the identity stores
 * (db/schema/identity.ts), and these are read until they expire.
 */
export const oneTimeCodes = sqliteTable("one_time_codes", oneTimeCodeColumns(), (t) => [
  index("otc_target_idx").on(t.targetHash, t.purpose),
  index("otc_expires_idx").on(t.expiresAt),
]);

/**
 * Messages handed to the SMS/email adapters' local default (the dev outbox).
 * `dedupeKey` makes delivery idempotent under at-least-once queues.
 */
export const outbox = sqliteTable(
  "outbox",
  {
    id: text("id").primaryKey(),
    channel: text("channel", { enum: ["sms", "email"] }).notNull(),
    recipient: text("recipient").notNull(),
    subject: text("subject"),
    body: text("body").notNull(),
    /** The HTML part of an email (the text part is `body`). */
    html: text("html"),
    dedupeKey: text("dedupe_key").notNull(),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [uniqueIndex("outbox_dedupe_uq").on(t.dedupeKey), index("outbox_created_idx").on(t.createdAt)],
);

/**
 * The SMS and emails an older deployment handed to providers, as it kept them here, autoincremented: read while an
 * upgrade's legacy reads last (`PROVIDER_MESSAGES_LEGACY`), expired by housekeeping, never written by this release.
 * The message stores keep them now (db/schema/messages.ts).
 */
export const providerMessages = sqliteTable(
  "provider_messages",
  {
    /** 1…2^31−1: SMSC's client-assigned message id («id» of send.php, a 32-bit number). */
    id: integer("id").primaryKey({ autoIncrement: true }),
    ...providerMessageColumns(),
  },
  (t) => [uniqueIndex("provider_messages_dedupe_uq").on(t.dedupeKey), index("provider_messages_updated_idx").on(t.updatedAt)],
);

/** Queue messages that exhausted their retries, kept for an operator to inspect and replay. */
export const deadLetters = sqliteTable(
  "dead_letters",
  {
    id: text("id").primaryKey(),
    queue: text("queue").notNull(),
    body: text("body").notNull(),
    attempts: integer("attempts").notNull(),
    failedAt: integer("failed_at", { mode: "timestamp_ms" }).notNull(),
    /**
     * The event a stored notification message belongs to (read from its body): its inbox row and deliveries are
     * kept while it is here and may be replayed (features/notifications/notifications.retention.ts). Virtual: no
     * storage, only its index (https://developers.cloudflare.com/d1/reference/generated-columns/).
     */
    eventId: text("event_id").generatedAlwaysAs(sql`CASE WHEN json_valid(body) THEN json_extract(body, '$.eventId') END`, {
      mode: "virtual",
    }),
  },
  (t) => [index("dead_letters_failed_idx").on(t.failedAt), index("dead_letters_event_idx").on(t.eventId)],
);

/**
 * The columns of an account at an identity provider linked to a subscriber, here (as an older deployment kept them) and
 * on the subscriber's home shard (db/schema/region.ts `homeIdentities`), but for the subscriber's foreign key, which only
 * this table has.
 */
export const identityColumns = () => ({
  /** The provider's id (`gosuslugi`, `tid`, `vkid`, …: adapters/identity.ts). */
  provider: text("provider").notNull(),
  /** The provider's `sub` for the person: theirs for good, unlike their name or e-mail. */
  subject: text("subject").notNull(),
  subscriberId: text("subscriber_id").notNull(),
  displayName: text("display_name"),
  createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
});

/**
 * Accounts at identity providers (Госуслуги, T-ID, VK ID, Яндекс ID, Mail.ru, OK) linked to a subscriber, as an older
 * deployment kept them: read beside the home shards' (features/auth/identities.service.ts) until housekeeping has drained them.
 */
export const externalIdentities = sqliteTable(
  "external_identities",
  {
    ...identityColumns(),
    subscriberId: text("subscriber_id")
      .notNull()
      .references(() => subscribers.id),
  },
  (t) => [
    primaryKey({ columns: [t.provider, t.subject] }),
    uniqueIndex("external_identities_subscriber_provider_uq").on(t.subscriberId, t.provider),
  ],
);

/**
 * The columns of a WebAuthn credential (passkey), here (as an older deployment kept them) and on the subscriber's home
 * shard (db/schema/region.ts `homePasskeys`), but for the subscriber's foreign key, which only this table has.
 */
export const passkeyColumns = () => ({
  /** The credential's id (base64url), as the authenticator made it. */
  id: text("id").primaryKey(),
  subscriberId: text("subscriber_id").notNull(),
  publicKey: text("public_key").notNull(),
  counter: integer("counter").notNull().default(0),
  transports: text("transports"),
  name: text("name").notNull(),
  createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
  lastUsedAt: integer("last_used_at", { mode: "timestamp_ms" }),
});

/**
 * WebAuthn credentials (passkeys) as they were kept before they moved to the subscriber's home shard (region schema,
 * `passkeys`): read beside the shard's rows, deleted when the subscriber removes one, and drained into the shards by
 * housekeeping (features/notifications/notifications.drain.ts); a new one is written here only under
 * `CREDENTIALS_STORE = "global"`.
 */
export const passkeys = sqliteTable(
  "passkeys",
  {
    ...passkeyColumns(),
    subscriberId: text("subscriber_id")
      .notNull()
      .references(() => subscribers.id),
  },
  (t) => [index("passkeys_subscriber_idx").on(t.subscriberId)],
);

/**
 * Short-lived state of multi-step flows: OIDC state/nonce/PKCE verifier,
 * WebAuthn challenges, spent captcha challenges. Removed by the cron when expired.
 */
export const authChallenges = sqliteTable(
  "auth_challenges",
  {
    id: text("id").primaryKey(),
    kind: text("kind", { enum: ["oidc", "webauthn", "captcha"] }).notNull(),
    subscriberId: text("subscriber_id"),
    /** JSON with what the flow needs to finish. */
    data: text("data").notNull(),
    expiresAt: integer("expires_at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [index("auth_challenges_expires_idx").on(t.expiresAt)],
);

/**
 * The columns of a card saved for one-click payments and autopay, here (as an older deployment kept them) and on the
 * subscriber's home shard (db/schema/region.ts `homeCards`), but for the subscriber's foreign key: the acquirer's
 * token and what the subscriber sees. Never a card number.
 */
export const cardColumns = () => ({
  id: text("id").primaryKey(),
  subscriberId: text("subscriber_id").notNull(),
  token: text("token").notNull(),
  brand: text("brand").notNull(),
  last4: text("last4").notNull(),
  expMonth: integer("exp_month").notNull(),
  expYear: integer("exp_year").notNull(),
  createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
});

/**
 * Saved cards as they were kept before they moved to the subscriber's home shard (region schema, `cards`): read beside
 * the shard's rows, deleted when the subscriber removes one, and drained into the shards by housekeeping
 * (features/notifications/notifications.drain.ts); a new one is written here only under `CREDENTIALS_STORE = "global"`.
 */
export const cards = sqliteTable(
  "cards",
  {
    ...cardColumns(),
    subscriberId: text("subscriber_id")
      .notNull()
      .references(() => subscribers.id),
  },
  (t) => [index("cards_subscriber_idx").on(t.subscriberId), uniqueIndex("cards_token_uq").on(t.token)],
);

/** Kinds of notification events (the catalogue with texts and defaults is in features/notifications). */
export const NOTIFICATION_KINDS = [
  "low_balance",
  "runs_out",
  "payment_credited",
  "charge_made",
  "autopay_notice",
  "autopay_failed",
  "tariff_change",
  "application_status",
  "block",
  "support_reply",
  "report_ready",
  "outage",
  "promo",
  "number_limit",
] as const;
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];
export const CHANNELS = ["sms", "email", "push", "inapp"] as const;
export type Channel = (typeof CHANNELS)[number];

/**
 * Browsers' push subscriptions as they were kept before they moved to the subscribers' home shards (region schema,
 * `push_subscriptions`): read beside the shard's rows, forgotten in both places, and drained into the shards by
 * housekeeping (features/notifications/notifications.drain.ts); no new row is written here. Dropped once every
 * deployment has drained it.
 */
export const globalPushSubscriptions = sqliteTable(
  "push_subscriptions",
  {
    id: text("id").primaryKey(),
    subscriberId: text("subscriber_id")
      .notNull()
      .references(() => subscribers.id),
    origin: text("origin").notNull(),
    endpoint: text("endpoint").notNull(),
    p256dh: text("p256dh").notNull(),
    auth: text("auth").notNull(),
    lang: text("lang").notNull().default("ru"),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [uniqueIndex("push_subscriptions_endpoint_uq").on(t.endpoint), index("push_subscriptions_subscriber_idx").on(t.subscriberId)],
);

/**
 * The columns of a subscriber's channel choice, here (as an older deployment kept them) and on their home shard
 * (db/schema/region.ts `homeNotificationPrefs`), but for the subscriber's foreign key, which only this table has.
 */
export const notificationPrefColumns = () => ({
  subscriberId: text("subscriber_id").notNull(),
  accountNo: text("account_no").notNull(),
  kind: text("kind", { enum: NOTIFICATION_KINDS }).notNull(),
  /** Comma-separated channels; empty = off. */
  channels: text("channels").notNull(),
  updatedAt: integer("updated_at", { mode: "timestamp_ms" }).notNull(),
});

/**
 * The subscriber's channel choice for one kind of event, for one account or (account_no '*') all of them, as it was
 * kept before it moved to the subscriber's home shard (region schema, `notification_prefs`): read beside the shard's
 * rows (the shard's win), deleted when the subscriber changes it, and drained into the shards by housekeeping
 * (features/notifications/notifications.drain.ts); no new row is written here.
 */
export const notificationPrefs = sqliteTable(
  "notification_prefs",
  {
    ...notificationPrefColumns(),
    subscriberId: text("subscriber_id")
      .notNull()
      .references(() => subscribers.id),
  },
  (t) => [primaryKey({ columns: [t.subscriberId, t.accountNo, t.kind] })],
);

/** The columns of a subscriber's quiet hours and consent, here and on their home shard, but for the foreign key. */
export const notificationSettingColumns = () => ({
  subscriberId: text("subscriber_id").primaryKey(),
  quietFrom: integer("quiet_from"),
  quietTo: integer("quiet_to"),
  marketing: integer("marketing", { mode: "boolean" }).notNull().default(false),
  updatedAt: integer("updated_at", { mode: "timestamp_ms" }).notNull(),
});

/**
 * Quiet hours (minutes after local midnight, in the account's region's time zone) and marketing consent, as kept
 * before they moved to the subscriber's home shard (region schema, `notification_settings`): read, replaced and
 * drained as `notification_prefs` are.
 */
export const notificationSettings = sqliteTable("notification_settings", {
  ...notificationSettingColumns(),
  subscriberId: text("subscriber_id")
    .primaryKey()
    .references(() => subscribers.id),
});

/**
 * The in-app inbox as it was kept before it moved to the subscribers' home shards (region schema, `inbox`):
 * read beside the shard's rows and drained into them by housekeeping (features/notifications/notifications.drain.ts);
 * no new row is written here. Dropped once every deployment has drained it.
 */
export const globalInbox = sqliteTable(
  "inbox",
  {
    id: text("id").primaryKey(),
    subscriberId: text("subscriber_id")
      .notNull()
      .references(() => subscribers.id),
    eventId: text("event_id").notNull(),
    kind: text("kind", { enum: NOTIFICATION_KINDS }).notNull(),
    accountNo: text("account_no"),
    /** As delivered, in the subscriber's language then; shown only when `params` is missing (rows from before it). */
    title: text("title").notNull(),
    body: text("body").notNull(),
    url: text("url").notNull(),
    /** The event's parameters: the texts are made again in the language the inbox is read in. */
    params: text("params", { mode: "json" }).$type<Record<string, string | number>>(),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
    readAt: integer("read_at", { mode: "timestamp_ms" }),
  },
  (t) => [
    uniqueIndex("inbox_event_uq").on(t.subscriberId, t.eventId),
    // The inbox's pages, newest first, from a (created_at, id) cursor: the id breaks ties within a millisecond, so a
    // page is a range of this index, never a sort (features/notifications/notifications.service.ts, `selectInbox`).
    index("inbox_subscriber_idx").on(t.subscriberId, t.createdAt, t.id),
    // Housekeeping's retention deletes along it (features/notifications/notifications.retention.ts).
    index("inbox_created_idx").on(t.createdAt),
  ],
);

/**
 * «Перезвоните мне»: a call-back request for a time window. Kept in the global database (not a region's
 * shard): one open request per person holds across every region with one partial unique index. Deleted 90 days
 * after its window ended, answered or not (housekeeping), so the table holds a season's requests, not the years'.
 * `person` is `sub:<subscriber id>` or `phone:<+7…>` for a visitor.
 */
export const supportCallbacks = sqliteTable(
  "support_callbacks",
  {
    id: text("id").primaryKey(),
    region: text("region").notNull(),
    person: text("person").notNull(),
    subscriberId: text("subscriber_id"),
    name: text("name").notNull(),
    phone: text("phone").notNull(),
    topic: text("topic").notNull(),
    slotStart: integer("slot_start", { mode: "timestamp_ms" }).notNull(),
    slotEnd: integer("slot_end", { mode: "timestamp_ms" }).notNull(),
    status: text("status", { enum: ["open", "done"] }).notNull(),
    operatorName: text("operator_name"),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
    doneAt: integer("done_at", { mode: "timestamp_ms" }),
  },
  (t) => [
    uniqueIndex("support_callbacks_one_open_uq").on(t.person).where(sql`status = 'open'`),
    index("support_callbacks_queue_idx").on(t.region, t.status, t.slotStart),
    // Housekeeping deletes along it the requests whose window ended CALLBACK_RETENTION_MS ago (housekeeping.service.ts).
    index("support_callbacks_slot_end_idx").on(t.slotEnd),
  ],
);

/**
 * The delivery records as kept before they moved to the subscribers' home shards (region schema, `deliveries`):
 * claims of messages queued before the upgrade are still taken here; drained into the shards by housekeeping.
 */
export const globalDeliveries = sqliteTable(
  "deliveries",
  {
    dedupeKey: text("dedupe_key").primaryKey(),
    eventId: text("event_id").notNull(),
    subscriberId: text("subscriber_id"),
    channel: text("channel", { enum: CHANNELS }).notNull(),
    status: text("status", { enum: ["sending", "sent", "deferred", "gone", "failed", "skipped"] }).notNull(),
    attempts: integer("attempts").notNull(),
    detail: text("detail"),
    updatedAt: integer("updated_at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [
    index("deliveries_event_idx").on(t.eventId),
    index("deliveries_subscriber_idx").on(t.subscriberId, t.updatedAt),
    // Housekeeping's retention deletes along it (features/notifications/notifications.retention.ts).
    index("deliveries_updated_idx").on(t.updatedAt),
  ],
);

/** A declared outage (авария) for an area: a region, optionally a street and houses, with the expected end. */
export const outages = sqliteTable(
  "outages",
  {
    id: text("id").primaryKey(),
    region: text("region")
      .notNull()
      .references(() => regions.code),
    street: text("street"),
    /** JSON array of house numbers, or null for the whole street (or region). */
    houses: text("houses"),
    title: text("title").notNull(),
    expectedEnd: integer("expected_end", { mode: "timestamp_ms" }).notNull(),
    declaredAt: integer("declared_at", { mode: "timestamp_ms" }).notNull(),
    resolvedAt: integer("resolved_at", { mode: "timestamp_ms" }),
    /** The operator's idempotency key: the same key is the same outage (null on outages declared before keys). */
    key: text("key"),
  },
  (t) => [index("outages_region_idx").on(t.region, t.resolvedAt), uniqueIndex("outages_key_uq").on(t.key)],
);

/**
 * The columns of a subscriber's directory of applications: this table, kept by older releases (read beside and drained),
 * and the home shards' (region schema, `homeApplicationDirectory`), the same so that the drain copies rows as they are.
 */
export const applicationDirectoryColumns = () => ({
  id: text("id").primaryKey(),
  subscriberId: text("subscriber_id").notNull(),
  region: text("region").notNull(),
  shard: text("shard").notNull(),
  createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
});

/** Where each application lives (it is kept in its region's shard): found by id or by subscriber without asking every shard. */
export const applicationDirectory = sqliteTable("application_directory", applicationDirectoryColumns(), (t) => [
  index("application_directory_subscriber_idx").on(t.subscriberId, t.createdAt),
]);

/**
 * Support operators (операторы поддержки): who answers chats and requests of
 * which regions. The console signs in with login and password; `regions` is a
 * comma-separated list of region codes the operator may see.
 */
export const operators = sqliteTable(
  "operators",
  {
    id: text("id").primaryKey(),
    login: text("login").notNull(),
    displayName: text("display_name").notNull(),
    regions: text("regions").notNull(),
    passwordHash: text("password_hash").notNull(),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [uniqueIndex("operators_login_uq").on(t.login)],
);

/** An operator's console session: only the SHA-256 of the cookie's token is kept. */
export const operatorSessions = sqliteTable(
  "operator_sessions",
  {
    idHash: text("id_hash").primaryKey(),
    operatorId: text("operator_id")
      .notNull()
      .references(() => operators.id),
    expiresAt: integer("expires_at", { mode: "timestamp_ms" }).notNull(),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [index("operator_sessions_operator_idx").on(t.operatorId)],
);

/** The columns of a subscriber's directory of chats and requests, here and in the home shards (as `applicationDirectoryColumns`). */
export const supportDirectoryColumns = () => ({
  id: text("id").primaryKey(),
  kind: text("kind", { enum: ["chat", "ticket"] }).notNull(),
  subscriberId: text("subscriber_id").notNull(),
  region: text("region").notNull(),
  shard: text("shard").notNull(),
  createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
});

/** Where a subscriber's support chats and requests live (they are kept in the region's shard). */
export const supportDirectory = sqliteTable("support_directory", supportDirectoryColumns(), (t) => [
  index("support_directory_subscriber_idx").on(t.subscriberId, t.kind, t.createdAt),
]);

// ── The business cabinet (корпоративный кабинет) ────────────────────────

export const ORG_ROLES = ["administrator", "accountant", "manager", "viewer"] as const;
export type OrgRole = (typeof ORG_ROLES)[number];

/**
 * An organisation: a legal entity (юрлицо: 10-digit ИНН, КПП, ОГРН) or an individual entrepreneur (ИП: 12-digit
 * ИНН, ОГРНИП), with its bank details. The contract's contact receives the code by which the first administrator
 * proves their authority.
 */
export const organisations = sqliteTable(
  "organisations",
  {
    id: text("id").primaryKey(),
    kind: text("kind", { enum: ["legal", "entrepreneur"] }).notNull(),
    name: text("name").notNull(),
    inn: text("inn").notNull(),
    kpp: text("kpp"),
    ogrn: text("ogrn").notNull(),
    legalAddress: text("legal_address").notNull(),
    postalAddress: text("postal_address").notNull(),
    bik: text("bik").notNull(),
    bankName: text("bank_name").notNull(),
    settlementAccount: text("settlement_account").notNull(),
    contactPhone: text("contact_phone"),
    contactEmail: text("contact_email"),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
    /**
     * The shard its documents and audit live on (the shard of its account with the lowest number when it was
     * registered, or the shard a new Moscow account would get for one registered with none; never changes: moving
     * an account moves none of them). Every organisation has one once migration 0034 has run; without one (a row
     * written otherwise) its documents cannot be issued (`docHome` refuses) and its audit stays in the global table.
     */
    homeShard: text("home_shard"),
    /** The last month (YYYY-MM) whose УПД is ready: the monthly job's pages pass the organisations that have theirs. */
    docsThrough: text("docs_through"),
  },
  (t) => [uniqueIndex("organisations_inn_kpp_uq").on(t.inn, t.kpp), index("organisations_home_idx").on(t.homeShard, t.id)],
);

/**
 * A person's membership of an organisation, with their role; `accountScope` (JSON array of account numbers)
 * limits them to some accounts, null means every account of the organisation.
 */
export const orgMembers = sqliteTable(
  "org_members",
  {
    orgId: text("org_id")
      .notNull()
      .references(() => organisations.id),
    subscriberId: text("subscriber_id")
      .notNull()
      .references(() => subscribers.id),
    role: text("role", { enum: ORG_ROLES }).notNull(),
    accountScope: text("account_scope"),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
    /** JSON array of site ids (`org_sites`): the accounts of these sites, as they are now, join `accountScope`'s. */
    siteScope: text("site_scope"),
  },
  (t) => [primaryKey({ columns: [t.orgId, t.subscriberId] }), index("org_members_subscriber_idx").on(t.subscriberId)],
);

/** The organisation's accounts; each stays in its region's shard (found through the account directory). */
export const orgAccounts = sqliteTable(
  "org_accounts",
  {
    orgId: text("org_id")
      .notNull()
      .references(() => organisations.id),
    accountNo: text("account_no")
      .notNull()
      .references(() => accountDirectory.accountNo),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
    /** The site (площадка) the account is at; null until one is chosen. */
    siteId: text("site_id").references(() => orgSites.id),
  },
  (t) => [
    primaryKey({ columns: [t.orgId, t.accountNo] }),
    uniqueIndex("org_accounts_account_uq").on(t.accountNo),
    index("org_accounts_site_idx").on(t.orgId, t.siteId),
  ],
);

/** An invitation to join an organisation: a code sent to a phone or email, single use, until `expiresAt`. */
export const orgInvites = sqliteTable(
  "org_invites",
  {
    id: text("id").primaryKey(),
    orgId: text("org_id")
      .notNull()
      .references(() => organisations.id),
    /** SHA-256 of the code; the code itself is only in the message sent. */
    codeHash: text("code_hash").notNull(),
    channel: text("channel", { enum: ["sms", "email"] }).notNull(),
    contact: text("contact").notNull(),
    role: text("role", { enum: ORG_ROLES }).notNull(),
    accountScope: text("account_scope"),
    createdBy: text("created_by").notNull(),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
    expiresAt: integer("expires_at", { mode: "timestamp_ms" }).notNull(),
    acceptedAt: integer("accepted_at", { mode: "timestamp_ms" }),
    acceptedBy: text("accepted_by"),
    /** As `org_members.site_scope`, carried to the membership on acceptance. */
    siteScope: text("site_scope"),
  },
  (t) => [uniqueIndex("org_invites_code_uq").on(t.codeHash), index("org_invites_org_idx").on(t.orgId, t.createdAt)],
);

/**
 * The columns of an organisation's audit entry, here and on its home shard (db/schema/region.ts: `homeOrgAudit`),
 * where `org_id` names no table.
 */
export const orgAuditColumns = () => ({
  id: text("id").primaryKey(),
  orgId: text("org_id").notNull(),
  actorId: text("actor_id"),
  actorName: text("actor_name").notNull(),
  action: text("action").notNull(),
  /** What was acted on: a person's name, a contact, an account. */
  target: text("target"),
  /** JSON: the change (e.g. the role before and after). */
  details: text("details"),
  /** The client's address, as the request was made from. */
  address: text("address"),
  createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
});

/**
 * Who did what in an organisation (журнал действий): append-only, never updated, and deleted only by the move of
 * its entries to the organisation's home shard (a permit an entry: `org_audit_drained`; features/business/
 * audit-drain.service.ts), where the log is kept. `actorId` is a subscriber, or null for an operator (`actorName`
 * then says which); `id` is time-ordered (newest last).
 */
export const orgAudit = sqliteTable(
  "org_audit",
  {
    ...orgAuditColumns(),
    orgId: text("org_id")
      .notNull()
      .references(() => organisations.id),
  },
  (t) => [index("org_audit_org_idx").on(t.orgId, t.id)],
);

/**
 * A site (площадка) of an organisation: an address where some of its accounts are, under a name the
 * organisation's administrators choose. Employees may be limited to sites (`org_members.site_scope`).
 */
export const orgSites = sqliteTable(
  "org_sites",
  {
    id: text("id").primaryKey(),
    orgId: text("org_id")
      .notNull()
      .references(() => organisations.id),
    name: text("name").notNull(),
    address: text("address").notNull(),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [index("org_sites_org_idx").on(t.orgId)],
);

/**
 * An invoice for payment (счёт на оплату) issued to an organisation, for one account or split across several
 * (`invoice_lines`). `number` is printed on the document and in the payment's purpose («Оплата по счёту
 * № СЧ-2026-000123 …»): the bank statement import matches incoming payments by it. Never edited once issued,
 * except its `status` (issued → paid / part_paid, or cancelled) and `paidKop` as payments are matched.
 */
export const invoiceColumns = () => ({
  id: text("id").primaryKey(),
  /** СЧ-<year>-<sequence: 6 digits, 7 past 999,999>, unique. */
  number: text("number").notNull(),
  orgId: text("org_id").notNull(),
  /** Who issued it: a subscriber id (an employee), or `operator:<name>`. */
  issuedBy: text("issued_by").notNull(),
  totalKop: integer("total_kop").notNull(),
  /** VAT included in the total (22/122 of it from 2026, 20/120 before, at the issue day's rate; rounded to the kopeck). */
  vatKop: integer("vat_kop").notNull(),
  paidKop: integer("paid_kop").notNull().default(0),
  status: text("status", { enum: ["issued", "part_paid", "paid", "cancelled"] }).notNull(),
  createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
});

export const invoices = sqliteTable(
  "invoices",
  {
    ...invoiceColumns(),
    orgId: text("org_id")
      .notNull()
      .references(() => organisations.id),
  },
  (t) => [uniqueIndex("invoices_number_uq").on(t.number), index("invoices_org_idx").on(t.orgId, t.createdAt)],
);

/**
 * Where an invoice issued on its organisation's home shard is, by its number (issue 20): the bank statement import
 * matches a transfer by the number in its purpose alone, across organisations, so the number must be found without
 * knowing the organisation. The row is written with the number, in the batch that takes it from the year's sequence;
 * the invoice id names its home shard (`iv-<id>-<binding>`, features/business/org-home.ts). Housekeeping deletes the
 * numbers of years more than `INVOICE_NUMBER_YEARS` before the year of the oldest payment an upload imports, along the
 * key (the year is in the number), so the table holds some five years of invoices, not every year's: a transfer naming
 * an older invoice is matched as one naming none would be.
 */
export const invoiceNumbers = sqliteTable("invoice_numbers", {
  number: text("number").primaryKey(),
  invoiceId: text("invoice_id").notNull(),
});

/** How an invoice's total is split across the organisation's accounts (sums to `invoices.total_kop`). */
export const invoiceLines = sqliteTable(
  "invoice_lines",
  {
    invoiceId: text("invoice_id")
      .notNull()
      .references(() => invoices.id),
    accountNo: text("account_no")
      .notNull()
      .references(() => accountDirectory.accountNo),
    amountKop: integer("amount_kop").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.invoiceId, t.accountNo] }),
    // By account: what deleting a directory row checks its foreign key against (platform/places.ts), not a scan.
    index("invoice_lines_account_idx").on(t.accountNo),
  ],
);

/**
 * The shard map (карта шардов): every regional D1 binding that holds accounts, its branch, whether it takes
 * new accounts, and how full it is. A new account goes to the open shard of its branch with the most room
 * (`maxAccounts − accounts`). Adding a shard is a D1 binding, a migration run and a row here (`PUT
 * /ops/v1/shards/{binding}`); a branch's region catalogue and progress stay on its home shard (`branches.shard`).
 */
export const shards = sqliteTable(
  "shards",
  {
    binding: text("binding").primaryKey(),
    branch: text("branch")
      .notNull()
      .references(() => branches.code),
    /** Open for new accounts; a closed shard keeps serving the accounts it has. */
    open: integer("open", { mode: "boolean" }).notNull().default(true),
    /** Accounts placed or moved here (kept by placement and by the move's switch, in the same global write). */
    accounts: integer("accounts").notNull().default(0),
    /** How many accounts the shard is sized for (the capacity model's figure for ~70 % of 10 GB). */
    maxAccounts: integer("max_accounts").notNull().default(1_000_000),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
    /**
     * Where the copy of the branch's catalogue (tariffs, add-ons, coverage) to a new shard got to, as JSON
     * (`{"table": i, "after": [rowid]}`), while it takes more calls than one; null once it is there (or for the
     * branch's home shard, which has its own). A shard takes no new account before.
     */
    catalogueCursor: text("catalogue_cursor"),
  },
  (t) => [index("shards_branch_idx").on(t.branch, t.open)],
);

/**
 * A move's steps: forwards to `done`; or, before the directory switch, `abandoning` (an operator gave it up: the
 * copy is being deleted from the target, the source unfrozen) and then `abandoned`. `done` and `abandoned` are final.
 */
export const SHARD_MOVE_STEPS = ["started", "frozen", "copied", "verified", "switched", "done", "abandoning", "abandoned"] as const;
export type ShardMoveStep = (typeof SHARD_MOVE_STEPS)[number];

/**
 * A move of one account from a shard to another (перенос лицевого счёта), the step it got to. Each step is
 * idempotent and recorded after it is done, so a move that stopped anywhere is resumed from here. At most one
 * unfinished move per account.
 */
export const shardMoves = sqliteTable(
  "shard_moves",
  {
    id: text("id").primaryKey(),
    accountNo: text("account_no")
      .notNull()
      .references(() => accountDirectory.accountNo),
    fromShard: text("from_shard").notNull(),
    toShard: text("to_shard").notNull(),
    step: text("step", { enum: SHARD_MOVE_STEPS }).notNull(),
    /** JSON: rows per table and the money sums the verification found equal on both shards. */
    verified: text("verified"),
    startedAt: integer("started_at", { mode: "timestamp_ms" }).notNull(),
    updatedAt: integer("updated_at", { mode: "timestamp_ms" }).notNull(),
    switchedAt: integer("switched_at", { mode: "timestamp_ms" }),
    /**
     * Where the current step got to, so that a large account is copied, verified and deleted a page per query over
     * several invocations (D1: 1,000 queries per invocation): the table (an index into the step's list of tables),
     * the last row's key (JSON array: the table's key columns), rows done in this step, and while verifying the
     * counts and sums found so far on each side (JSON). Reset when the step changes.
     */
    cursorTable: integer("cursor_table").notNull().default(0),
    cursorKey: text("cursor_key"),
    cursorRows: integer("cursor_rows").notNull().default(0),
    cursorFigures: text("cursor_figures"),
    /**
     * The region's midnight charge and month close as done (`cron_progress`: a local day, '' when never run) just
     * before the source was frozen. The source's jobs skip a frozen account, so what the region did after these —
     * read again when the account is settled on a shard (the target after the switch, the source after an
     * abandon) — is done for the account there, once (the charge's and the close's keys).
     */
    chargedTo: text("charged_to"),
    closedTo: text("closed_to"),
    /**
     * The region's bonus run as done at the same moment (`cron_progress` job "bonus"); null for a move an earlier
     * release started, whose catch-up earns no points.
     */
    bonusTo: text("bonus_to"),
  },
  (t) => [
    uniqueIndex("shard_moves_one_open_uq").on(t.accountNo).where(sql`step NOT IN ('done', 'abandoned')`),
    index("shard_moves_account_idx").on(t.accountNo, t.startedAt),
  ],
);

// ── Invoices for payment: the number sequence and the issue requests (h36) ─────────────────────────────

/**
 * The invoice number sequence, one row a year: `last` is the last number given. It is advanced in the same D1
 * batch (one transaction) that inserts the invoice, so numbers never repeat and never skip, even when a batch
 * fails (it all rolls back) or many are issued at once (batches run one after another).
 */
/**
 * Who runs a global job's chain of queue messages now (platform/lease.ts): the run that took the lease and when it
 * last reported. The hourly cron starts a chain only when none runs, or the last one went quiet; one row per job.
 */
export const jobLeases = sqliteTable("job_leases", {
  name: text("name").primaryKey(),
  run: text("run").notNull(),
  beatAt: integer("beat_at", { mode: "timestamp_ms" }).notNull(),
});

/**
 * The closing documents' numbers (УПД-2026-000124): one row a kind and year, the last number taken. The documents
 * are on their organisations' home shards, so the sequence that keeps their numbers unique is here; a document takes
 * its number once it is written (a run that dies between the two leaves a number unused, never one used twice).
 */
export const closingCounters = sqliteTable(
  "closing_counters",
  {
    kind: text("kind", { enum: ["upd", "ukd"] }).notNull(),
    year: integer("year").notNull(),
    last: integer("last").notNull(),
  },
  (t) => [primaryKey({ columns: [t.kind, t.year] })],
);

/**
 * Audit entries the drain may delete from the global `org_audit` (append-only otherwise: its delete trigger lets an
 * entry go only with a row here). The drain writes them, deletes the entries it copied to their home shards and
 * removes them in one batch, so the table is empty between batches.
 */
export const orgAuditDrained = sqliteTable("org_audit_drained", {
  id: text("id").primaryKey(),
});

/**
 * Where the upgrade's drain (features/notifications/notifications.drain.ts) goes on in each global table it moves: the
 * rowid after which its next run reads, back to 0 once a run has reached the table's end. Rows it may not move yet
 * (their shard not bound, or a row of the same id the home shard holds for someone else) are passed over, not read
 * first by every run. One row a table.
 */
export const drainCursors = sqliteTable("drain_cursors", {
  plan: text("plan").primaryKey(),
  after: integer("after").notNull(),
  updatedAt: integer("updated_at", { mode: "timestamp_ms" }).notNull(),
});

export const invoiceCounters = sqliteTable("invoice_counters", {
  year: integer("year").primaryKey(),
  last: integer("last").notNull(),
});

/**
 * An issue request by its Idempotency-Key: the same key from the same person for the same organisation returns
 * the invoice issued the first time (a double click, a retried request), never a second one; with a different
 * request (its hash) it is a 409. Kept 30 days (housekeeping): a retry comes within minutes, and acquirers keep theirs a day.
 */
export const invoiceRequests = sqliteTable(
  "invoice_requests",
  {
    orgId: text("org_id")
      .notNull()
      .references(() => organisations.id),
    issuedBy: text("issued_by").notNull(),
    idempotencyKey: text("idempotency_key").notNull(),
    requestHash: text("request_hash").notNull(),
    invoiceId: text("invoice_id").notNull(),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
    /**
     * The number the request's invoice took, for one kept on its home shard (written in the batch that takes it; what a
     * replay writes the invoice with if its home write did not get through). Null for one kept here (its row has it).
     */
    number: text("number"),
  },
  // Housekeeping deletes them along it once past INVOICE_REQUEST_RETENTION_MS; kept, they grew with the years (issue 20).
  (t) => [primaryKey({ columns: [t.orgId, t.issuedBy, t.idempotencyKey] }), index("invoice_requests_created_idx").on(t.createdAt)],
);

/**
 * The columns of a closing document, here and on its organisation's home shard (db/schema/region.ts:
 * `homeClosingDocuments`), but for its number, which each table defines (taken with the document here; set once after
 * it there).
 */
export const closingDocumentColumns = () => ({
  id: text("id").primaryKey(),
  orgId: text("org_id").notNull(),
  /** The month of the services, YYYY-MM (Moscow calendar). */
  period: text("period").notNull(),
  /** 0: the УПД; 1, 2, …: its corrections (УКД), each against the state the one before left. */
  revision: integer("revision").notNull(),
  kind: text("kind", { enum: ["upd", "ukd"] }).notNull(),
  year: integer("year").notNull(),
  /** The original УПД a correction refers to. */
  correctsId: text("corrects_id"),
  /** The document's date (YYYY-MM-DD): the month's last day for a УПД, the day it was made for a УКД. */
  docDate: text("doc_date").notNull(),
  /** Totals with VAT included (a УКД: the change, signed); VAT is p/(100+p) of the total at the rate of the period (20 % to 2025, 22 % from 2026), rounded to the kopeck. */
  totalKop: integer("total_kop").notNull(),
  vatKop: integer("vat_kop").notNull(),
  /** JSON: the seller's and the buyer's requisites as they were when the document was made. */
  parties: text("parties").notNull(),
  /** The XML file's GUID (its name ON_NSCHFDOPPR_…_<GUID>): fixed with the document, so a rerun names it the same. */
  fileGuid: text("file_guid").notNull(),
  status: text("status", { enum: ["generating", "ready"] }).notNull(),
  pdfKey: text("pdf_key"),
  xmlKey: text("xml_key"),
  createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
  readyAt: integer("ready_at", { mode: "timestamp_ms" }),
});

/** The columns of a closing document's line, here and on the home shard, but for the document it belongs to. */
export const closingLineColumns = () => ({
  lineNo: integer("line_no").notNull(),
  accountNo: text("account_no").notNull(),
  region: text("region").notNull(),
  serviceId: text("service_id"),
  nameRu: text("name_ru").notNull(),
  beforeKop: integer("before_kop"),
  vatBeforeKop: integer("vat_before_kop"),
  amountKop: integer("amount_kop").notNull(),
  vatKop: integer("vat_kop").notNull(),
});

/**
 * Monthly closing documents (issue 24): one УПД (универсальный передаточный документ, статус 1: счёт-фактура and
 * the act of services rendered) per organisation and month — the organisation is the contract (договор) the
 * operator registered with all its accounts in any region — and, when the ledger of an issued month changes, a
 * корректировочный document (`revision` 1, 2, …) that refers to the original and carries the difference. The
 * number, the parties, the lines and the totals are written once, in one batch, and never change (triggers refuse
 * it, migration `closing_documents_append_only`): a rerun renders the same files from the same rows. Only `status`
 * and the R2 keys of the rendered files are set later.
 */
export const closingDocuments = sqliteTable(
  "closing_documents",
  {
    ...closingDocumentColumns(),
    orgId: text("org_id")
      .notNull()
      .references(() => organisations.id),
    /** УПД-<year>-<6 digits> or УКД-<year>-<6 digits>: `seq` within the kind and year, never reused. */
    number: text("number").notNull(),
    seq: integer("seq").notNull(),
  },
  (t) => [
    uniqueIndex("closing_documents_revision_uq").on(t.orgId, t.period, t.revision),
    uniqueIndex("closing_documents_number_uq").on(t.number),
    uniqueIndex("closing_documents_seq_uq").on(t.kind, t.year, t.seq),
    index("closing_documents_org_idx").on(t.orgId, t.period),
  ],
);

/**
 * A line of a closing document: one account's service for the month. For a УКД, `beforeKop`/`vatBeforeKop` are
 * the amounts the corrected state had and `amountKop`/`vatKop` the amounts after (the difference is the change).
 */
export const closingLines = sqliteTable(
  "closing_lines",
  {
    docId: text("doc_id")
      .notNull()
      .references(() => closingDocuments.id),
    ...closingLineColumns(),
  },
  (t) => [primaryKey({ columns: [t.docId, t.lineNo] })],
);

// ── Paying for an organisation's accounts from the business cabinet (issue 23) ──────────

export const ORG_PAYMENT_STATUSES = ["created", "pending", "succeeded", "failed", "refunded"] as const;
export type OrgPaymentStatus = (typeof ORG_PAYMENT_STATUSES)[number];

/**
 * One payment by an employee for one or many of the organisation's accounts (a bulk top-up: one card or СБП
 * payment, split exactly per account in `org_payment_lines`). Since issue 20 it lives on the organisation's home
 * shard (db/schema/region.ts `homeOrgPayments`, its id naming the shard: features/business/org-home.ts), with its
 * audit entries; this table keeps an older deployment's payments, read and finished where they are, none new. Each line is credited in its account's shard under the ledger key
 * `orgpay:<payment>:<account>`, and marked `credited_at` here after; a crash between shards leaves lines
 * unmarked, which the next report of the payment (webhook, return page, the hourly sweep) credits, once.
 */
export const orgPaymentColumns = () => ({
  /** `op-` + a time-ordered id (+ `-` + the home shard's binding, since issue 20): the acquirer's metadata tells an organisation's payment from a private one by it. */
  id: text("id").primaryKey(),
  orgId: text("org_id").notNull(),
  payerId: text("payer_id").notNull(),
  idempotencyKey: text("idempotency_key").notNull(),
  requestHash: text("request_hash").notNull(),
  /** The whole payment: the sum of its lines. */
  amountKop: integer("amount_kop").notNull(),
  method: text("method", { enum: ["card", "sbp", "sberpay", "tpay"] }).notNull(),
  status: text("status", { enum: ORG_PAYMENT_STATUSES }).notNull(),
  acquirerPaymentId: text("acquirer_payment_id"),
  cardLast4: text("card_last4"),
  cardBrand: text("card_brand"),
  failureCode: text("failure_code"),
  /** The payer's address when they started it (the audit log's «from where»). */
  address: text("address"),
  /** JSON: the 54-ФЗ receipt, one item per account, written with the success. */
  receipt: text("receipt"),
  createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
  updatedAt: integer("updated_at", { mode: "timestamp_ms" }).notNull(),
  /**
   * When the ledgers agree with the status: every line credited (succeeded), or credited and debited back
   * (refunded). Null until then: what the hourly sweep resumes.
   */
  creditedAt: integer("credited_at", { mode: "timestamp_ms" }),
});

export const orgPayments = sqliteTable(
  "org_payments",
  {
    ...orgPaymentColumns(),
    orgId: text("org_id")
      .notNull()
      .references(() => organisations.id),
    payerId: text("payer_id")
      .notNull()
      .references(() => subscribers.id),
  },
  (t) => [
    uniqueIndex("org_payments_idem_uq").on(t.payerId, t.idempotencyKey),
    index("org_payments_org_idx").on(t.orgId, t.createdAt),
    index("org_payments_open_idx").on(t.status, t.creditedAt, t.createdAt),
  ],
);

/** The columns of a payment's line, here and on the home shard, but for the foreign keys, which only these tables have. */
export const orgPaymentLineColumns = () => ({
  paymentId: text("payment_id").notNull(),
  accountNo: text("account_no").notNull(),
  amountKop: integer("amount_kop").notNull(),
  creditedAt: integer("credited_at", { mode: "timestamp_ms" }),
});

/** How an organisation's payment is split: each account's exact share (the shares sum to the payment). */
export const orgPaymentLines = sqliteTable(
  "org_payment_lines",
  {
    ...orgPaymentLineColumns(),
    paymentId: text("payment_id")
      .notNull()
      .references(() => orgPayments.id),
    accountNo: text("account_no")
      .notNull()
      .references(() => accountDirectory.accountNo),
  },
  (t) => [
    primaryKey({ columns: [t.paymentId, t.accountNo] }),
    // By account: what deleting a directory row checks its foreign key against (platform/places.ts), not a scan.
    index("org_payment_lines_account_idx").on(t.accountNo),
  ],
);

/**
 * The organisations' payments on their home shards that the hourly sweep must still look at (issue 20): written
 * before the payment, deleted once it is settled in the ledgers, failed, or past the three days it is asked of the
 * acquirer (and written again by a refund). A few days of payments, whatever the years: the sweep pages it in
 * (created, id) order with the global table's older payments, and reads each payment on the shard its id names.
 */
export const orgPaymentsOpen = sqliteTable(
  "org_payments_open",
  {
    id: text("id").primaryKey(),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
    /**
     * Raised each time the row is written again (a success or a refund to settle): a delete names the revision it
     * decided on, so one decided before a refund never drops the row the refund needs.
     */
    rev: integer("rev").notNull().default(0),
  },
  (t) => [index("org_payments_open_time_idx").on(t.createdAt, t.id)],
);

export const RECONCILIATION_STATUSES = ["queued", "running", "ready", "failed"] as const;
export type ReconciliationStatus = (typeof RECONCILIATION_STATUSES)[number];

/**
 * The columns of an акт сверки взаимных расчётов asked for by an employee: the organisation's accounts (the caller's
 * scope, or the ones chosen within it) over [fromDay, toDay]. Made by the reports queue from the ledger; the PDF and
 * XLSX are kept in R2 under `pdfKey`/`xlsxKey`, and the totals here (ledger sign: positive = the customer's credit).
 * Here (as an older deployment kept them) and on the organisation's home shard (db/schema/region.ts
 * `homeReconciliations`), but for the organisation's foreign key, which only this table has.
 */
export const reconciliationColumns = () => ({
  id: text("id").primaryKey(),
  orgId: text("org_id").notNull(),
  requestedBy: text("requested_by").notNull(),
  fromDay: text("from_day").notNull(),
  toDay: text("to_day").notNull(),
  /** JSON array of the account numbers the act covers (already limited to the requester's scope). */
  accountNos: text("account_nos").notNull(),
  lang: text("lang", { enum: ["ru", "en"] }).notNull(),
  status: text("status", { enum: RECONCILIATION_STATUSES }).notNull(),
  attempts: integer("attempts").notNull().default(0),
  openingKop: integer("opening_kop"),
  debitKop: integer("debit_kop"),
  creditKop: integer("credit_kop"),
  closingKop: integer("closing_kop"),
  pdfKey: text("pdf_key"),
  xlsxKey: text("xlsx_key"),
  error: text("error"),
  createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
  readyAt: integer("ready_at", { mode: "timestamp_ms" }),
});

/**
 * Acts of reconciliation an older deployment asked for: read (and made, when still queued) where they are, beside the
 * organisations' home shards, where new ones go (features/business/org-home.ts `reconciliationStore`).
 */
export const reconciliations = sqliteTable(
  "reconciliations",
  {
    ...reconciliationColumns(),
    orgId: text("org_id")
      .notNull()
      .references(() => organisations.id),
  },
  (t) => [index("reconciliations_org_idx").on(t.orgId, t.createdAt)],
);

// ── Bank statement import (импорт банковской выписки) ───────────────────

export const BANK_LINE_STATUSES = ["new", "queued", "matched", "credited"] as const;
export type BankLineStatus = (typeof BANK_LINE_STATUSES)[number];

/** One upload of a bank statement file by an operator (the same file may be uploaded many times). */
export const bankStatements = sqliteTable(
  "bank_statements",
  {
    id: text("id").primaryKey(),
    /** SHA-256 of the file's bytes. */
    fileSha256: text("file_sha256").notNull(),
    fileName: text("file_name"),
    encoding: text("encoding").notNull(),
    documents: integer("documents").notNull(),
    incoming: integer("incoming").notNull(),
    /** Who uploaded it (the operators' token has no person: `operator-api`) and from where. */
    uploadedBy: text("uploaded_by").notNull(),
    address: text("address"),
    uploadedAt: integer("uploaded_at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [index("bank_statements_time_idx").on(t.uploadedAt)],
);

/**
 * An incoming payment of a bank statement (строка выписки), once whatever the number of statements it appears in:
 * `id` is a SHA-256 of its identity (date, number, amount, payer's account and ИНН, the receiving account). Its
 * status only moves forward: `new` → `matched` (the accounts and amounts to credit, fixed once: `targets`) →
 * `credited`, or `new` → `queued` (nothing or more than one thing matched) → `matched` by an operator's assignment.
 * Credits are ledger entries keyed `bank:<id>:<account>`, so crediting a matched line again changes nothing. A
 * credited line is kept 400 days, and one dated over a year before its upload is not imported (bank.limits.ts).
 */
export const bankStatementLines = sqliteTable(
  "bank_statement_lines",
  {
    id: text("id").primaryKey(),
    statementId: text("statement_id")
      .notNull()
      .references(() => bankStatements.id),
    docNumber: text("doc_number").notNull(),
    /** ISO date of the payment order. */
    docDate: text("doc_date").notNull(),
    receivedOn: text("received_on"),
    amountKop: integer("amount_kop").notNull(),
    payerInn: text("payer_inn").notNull(),
    payerAccount: text("payer_account").notNull(),
    payerName: text("payer_name").notNull(),
    payeeAccount: text("payee_account").notNull(),
    purpose: text("purpose").notNull(),
    status: text("status", { enum: BANK_LINE_STATUSES }).notNull(),
    /** Why it waits in the operators' queue (`no_match`, `ambiguous`, `invoice_cancelled`…). */
    reason: text("reason"),
    matchedBy: text("matched_by", { enum: ["invoice", "account", "inn", "operator"] }),
    invoiceId: text("invoice_id").references(() => invoices.id),
    /** JSON `[{ accountNo, amountKop }]`: what is credited, summing to `amountKop`. */
    targets: text("targets"),
    /** Who assigned it by hand, and from which address (the match's time is `matchedAt`). */
    assignedBy: text("assigned_by"),
    assignedAddress: text("assigned_address"),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
    matchedAt: integer("matched_at", { mode: "timestamp_ms" }),
    creditedAt: integer("credited_at", { mode: "timestamp_ms" }),
    /**
     * The invoice on its organisation's home shard (issue 20) that it pays, in place of `invoice_id`, whose foreign key
     * names the global table's (a table this size cannot be rebuilt to drop it): features/business/invoice-payments.service.ts.
     */
    homeInvoiceId: text("home_invoice_id"),
  },
  (t) => [
    index("bank_statement_lines_status_idx").on(t.status, t.createdAt),
    // An upload is deleted once no line names it (housekeeping: features/bank/bank.limits.ts).
    index("bank_statement_lines_statement_idx").on(t.statementId),
  ],
);

// ── Business support (поддержка бизнеса) ────────────────────────

/**
 * Where an organisation's requests live (each is a `support_tickets` row in its region's shard, in the business
 * queue): the organisation's list reads here first, then each shard once. `accountNo` is copied so a member limited
 * to some accounts is shown only theirs.
 */
export const orgTicketColumns = () => ({
  id: text("id").primaryKey(),
  orgId: text("org_id").notNull(),
  subscriberId: text("subscriber_id").notNull(),
  accountNo: text("account_no"),
  region: text("region").notNull(),
  shard: text("shard").notNull(),
  createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
});

export const orgTickets = sqliteTable(
  "org_tickets",
  {
    ...orgTicketColumns(),
    orgId: text("org_id")
      .notNull()
      .references(() => organisations.id),
  },
  (t) => [index("org_tickets_org_idx").on(t.orgId, t.createdAt)],
);

/** An organisation's personal manager (персональный менеджер), set by an operator; none: the business lines answer. */
export const orgManagers = sqliteTable("org_managers", {
  orgId: text("org_id")
    .primaryKey()
    .references(() => organisations.id),
  name: text("name").notNull(),
  phone: text("phone").notNull(),
  email: text("email").notNull(),
  updatedAt: integer("updated_at", { mode: "timestamp_ms" }).notNull(),
});
