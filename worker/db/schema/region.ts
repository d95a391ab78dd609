import { sql } from "drizzle-orm";
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import {
  applicationDirectoryColumns,
  CHANNELS,
  cardColumns,
  closingDocumentColumns,
  closingLineColumns,
  identityColumns,
  invoiceColumns,
  NOTIFICATION_KINDS,
  notificationPrefColumns,
  notificationSettingColumns,
  orgAuditColumns,
  orgPaymentColumns,
  orgPaymentLineColumns,
  orgTicketColumns,
  passkeyColumns,
  reconciliationColumns,
  supportDirectoryColumns,
} from "./global";

export const TARIFF_KINDS = ["internet", "tv", "landline", "mobile", "bundle"] as const;
export type TariffKind = (typeof TARIFF_KINDS)[number];

/** A region's tariff plans; prices are monthly, in kopecks. */
export const tariffs = sqliteTable(
  "tariffs",
  {
    id: text("id").primaryKey(),
    region: text("region").notNull(),
    kind: text("kind", { enum: TARIFF_KINDS }).notNull(),
    nameRu: text("name_ru").notNull(),
    nameEn: text("name_en").notNull(),
    descriptionRu: text("description_ru").notNull(),
    descriptionEn: text("description_en").notNull(),
    priceKop: integer("price_kop").notNull(),
    speedMbps: integer("speed_mbps"),
    tvChannels: integer("tv_channels"),
    minutes: integer("minutes"),
    dataGb: integer("data_gb"),
    sort: integer("sort").notNull().default(0),
    active: integer("active", { mode: "boolean" }).notNull().default(true),
  },
  (t) => [index("tariffs_region_idx").on(t.region, t.kind, t.sort)],
);

/** Add-on services (дополнительные услуги) of a region, monthly price in kopecks. */
export const serviceOptions = sqliteTable(
  "service_options",
  {
    id: text("id").primaryKey(),
    region: text("region").notNull(),
    appliesTo: text("applies_to", { enum: TARIFF_KINDS }).notNull(),
    nameRu: text("name_ru").notNull(),
    nameEn: text("name_en").notNull(),
    priceKop: integer("price_kop").notNull(),
    sort: integer("sort").notNull().default(0),
  },
  (t) => [index("service_options_region_idx").on(t.region)],
);

/** Personal accounts (лицевые счета), 12 digits with a check digit. */
export const accounts = sqliteTable(
  "accounts",
  {
    accountNo: text("account_no").primaryKey(),
    region: text("region").notNull(),
    /** The contract holder (абонент по договору); who may use the account online is in the global account_links. */
    holderName: text("holder_name").notNull(),
    address: text("address").notNull(),
    status: text("status", { enum: ["active", "blocked", "closed"] }).notNull(),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
    /**
     * The phone and e-mail on the contract (where registration and relative-linking codes are sent): the truth, which
     * the identity stores' `contract_contacts` index by contact (platform/contract-contacts.ts). Null
     * in an older release's rows, whose contacts are in the global directory until the backfill copies them here.
     */
    contactPhone: text("contact_phone"),
    contactEmail: text("contact_email"),
  },
  (t) => [
    // (region, rowid): the daily charge's and the area fan-out's pages.
    index("accounts_region_idx").on(t.region),
    // (region, account_no): the month close's pages, in account order without sorting the region.
    index("accounts_region_account_idx").on(t.region, t.accountNo),
  ],
);

/** What each account has subscribed to. */
export const accountServices = sqliteTable(
  "account_services",
  {
    id: text("id").primaryKey(),
    accountNo: text("account_no")
      .notNull()
      .references(() => accounts.accountNo),
    tariffId: text("tariff_id")
      .notNull()
      .references(() => tariffs.id),
    status: text("status", { enum: ["active", "suspended", "ended"] }).notNull(),
    startedAt: integer("started_at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [index("account_services_account_idx").on(t.accountNo)],
);

export const LEDGER_KINDS = ["charge", "payment", "refund", "adjustment", "promised_payment", "bonus"] as const;
export type LedgerKind = (typeof LEDGER_KINDS)[number];

/**
 * The money ledger (append-only: triggers refuse UPDATE and DELETE). A
 * balance is the sum of an account's entries; nothing stores a balance.
 * `amountKop` is signed: credits (payments, refunds) are positive, debits
 * (charges) negative. Every entry has an idempotency key.
 */
export const ledgerEntries = sqliteTable(
  "ledger_entries",
  {
    id: text("id").primaryKey(),
    accountNo: text("account_no")
      .notNull()
      .references(() => accounts.accountNo),
    kind: text("kind", { enum: LEDGER_KINDS }).notNull(),
    amountKop: integer("amount_kop").notNull(),
    occurredAt: integer("occurred_at", { mode: "timestamp_ms" }).notNull(),
    /** The region-local calendar day of `occurredAt` (YYYY-MM-DD): what reports and charges group by. */
    localDay: text("local_day").notNull(),
    serviceId: text("service_id"),
    descriptionRu: text("description_ru").notNull(),
    descriptionEn: text("description_en").notNull(),
    idempotencyKey: text("idempotency_key").notNull(),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [
    uniqueIndex("ledger_idempotency_uq").on(t.idempotencyKey),
    // An account's entries by time, carrying the day they are booked on and their amount: a month's page of history
    // tests its days, and a balance or running balance sums amounts, in the index's own pages without reading a row
    // for each entry (one row each is a page read apiece once an account's entries are years apart in the table).
    index("ledger_account_history_idx").on(t.accountNo, t.occurredAt, t.id, t.localDay, t.amountKop),
    index("ledger_service_idx").on(t.serviceId),
  ],
);

/**
 * A closed month of an account's ledger (закрытый период): the balance carried
 * forward and the month's totals by kind. Once a month is closed its daily
 * charges are rolled up into one entry per service (key
 * `rollup:<account>:<month>:<service>`) and deleted, so the ledger grows with
 * accounts, not with years. An account's balance is the closing balance of its
 * last closed month plus its entries on later local days; an entry written
 * after the close with a date in a closed month gets the first open local day
 * (its `occurredAt` stays as it was).
 */
export const ledgerPeriods = sqliteTable(
  "ledger_periods",
  {
    accountNo: text("account_no")
      .notNull()
      .references(() => accounts.accountNo),
    /** YYYY-MM, region-local. */
    month: text("month").notNull(),
    openingKop: integer("opening_kop").notNull(),
    closingKop: integer("closing_kop").notNull(),
    chargesKop: integer("charges_kop").notNull(),
    paymentsKop: integer("payments_kop").notNull(),
    refundsKop: integer("refunds_kop").notNull(),
    adjustmentsKop: integer("adjustments_kop").notNull(),
    promisedKop: integer("promised_kop").notNull(),
    bonusKop: integer("bonus_kop").notNull(),
    closedAt: integer("closed_at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.accountNo, t.month] })],
);

export const PAYMENT_STATUSES = ["created", "pending", "succeeded", "failed", "refunded"] as const;
/** The same list as `PAYMENT_METHODS` of the acquirer interface (worker/adapters/payments). */
export const PAYMENT_METHOD_VALUES = ["card", "sbp", "sberpay", "tpay"] as const;
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];

/**
 * A payment into an account (пополнение) by card, СБП, SberPay or T-Pay. A state machine, not money:
 * the money is the ledger entry made, exactly once, when it succeeds
 * (idempotency key `payment:<id>`). `idempotencyKey` is the client's, unique
 * per payer, so a repeated submit finds the first payment.
 */
export const payments = sqliteTable(
  "payments",
  {
    id: text("id").primaryKey(),
    accountNo: text("account_no")
      .notNull()
      .references(() => accounts.accountNo),
    payerId: text("payer_id").notNull(),
    idempotencyKey: text("idempotency_key").notNull(),
    /** Hash of what was asked, to refuse the same key with a different request. */
    requestHash: text("request_hash").notNull(),
    purpose: text("purpose", { enum: ["topup", "autopay"] }).notNull(),
    amountKop: integer("amount_kop").notNull(),
    /** How the payer pays: card, СБП, SberPay, T-Pay (autopay and one-click are always card). */
    method: text("method", { enum: PAYMENT_METHOD_VALUES }).notNull().default("card"),
    status: text("status", { enum: PAYMENT_STATUSES }).notNull(),
    acquirerPaymentId: text("acquirer_payment_id"),
    saveCard: integer("save_card", { mode: "boolean" }).notNull().default(false),
    /** The saved card used (autopay, one-click) or saved by this payment. */
    cardId: text("card_id"),
    cardLast4: text("card_last4"),
    cardBrand: text("card_brand"),
    failureCode: text("failure_code"),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
    updatedAt: integer("updated_at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [
    uniqueIndex("payments_idempotency_uq").on(t.payerId, t.idempotencyKey),
    uniqueIndex("payments_acquirer_uq").on(t.acquirerPaymentId),
    index("payments_account_idx").on(t.accountNo, t.createdAt),
    // The hourly sweep of payments still waiting for their result (features/payments/reconcile.service.ts).
    index("payments_status_idx").on(t.status, t.createdAt),
  ],
);

/** Every state change of a payment and every webhook seen (append-only), for audit and dedupe. */
export const paymentEvents = sqliteTable(
  "payment_events",
  {
    id: text("id").primaryKey(),
    paymentId: text("payment_id").notNull(),
    /** The acquirer's event id for webhooks: the same event is recorded once. */
    eventId: text("event_id"),
    source: text("source", { enum: ["client", "webhook", "sync", "autopay"] }).notNull(),
    fromStatus: text("from_status"),
    toStatus: text("to_status").notNull(),
    /** False when the event asked for a transition the state machine refuses. */
    applied: integer("applied", { mode: "boolean" }).notNull(),
    at: integer("at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [uniqueIndex("payment_events_event_uq").on(t.eventId), index("payment_events_payment_idx").on(t.paymentId, t.at)],
);

/** The electronic receipt of a succeeded payment (кассовый чек, 54-ФЗ fields as JSON). */
export const receipts = sqliteTable(
  "receipts",
  {
    paymentId: text("payment_id").primaryKey(),
    accountNo: text("account_no").notNull(),
    number: text("number").notNull(),
    issuedAt: integer("issued_at", { mode: "timestamp_ms" }).notNull(),
    body: text("body").notNull(),
  },
  (t) => [uniqueIndex("receipts_number_uq").on(t.number), index("receipts_account_idx").on(t.accountNo, t.issuedAt)],
);

/**
 * Autopay (автоплатёж) of an account with a saved card: when the balance falls
 * below a threshold, or monthly on a day. Every charge is announced first
 * (`noticeAt`) and made no earlier than `chargeAfter`; the subscriber can stop
 * it any time before.
 */
export const autopay = sqliteTable("autopay", {
  accountNo: text("account_no")
    .primaryKey()
    .references(() => accounts.accountNo),
  subscriberId: text("subscriber_id").notNull(),
  cardId: text("card_id").notNull(),
  mode: text("mode", { enum: ["threshold", "monthly"] }).notNull(),
  thresholdKop: integer("threshold_kop"),
  dayOfMonth: integer("day_of_month"),
  amountKop: integer("amount_kop").notNull(),
  /** At most this much a calendar month (region time). */
  monthlyLimitKop: integer("monthly_limit_kop").notNull(),
  status: text("status", { enum: ["active", "stopped"] }).notNull(),
  /** The charge announced and waiting: its cycle ("2026-12" monthly, "t:<time>" threshold), amount and times. */
  cycle: text("cycle"),
  noticeAt: integer("notice_at", { mode: "timestamp_ms" }),
  chargeAfter: integer("charge_after", { mode: "timestamp_ms" }),
  attempts: integer("attempts").notNull().default(0),
  lastResult: text("last_result"),
  updatedAt: integer("updated_at", { mode: "timestamp_ms" }).notNull(),
});

/**
 * Promised payment (обещанный платёж): a short credit when the balance is low.
 * Credited as a ledger entry; repaid by an equal debit from the next payment,
 * or at `dueAt` if no payment came.
 */
export const promisedPayments = sqliteTable(
  "promised_payments",
  {
    id: text("id").primaryKey(),
    accountNo: text("account_no")
      .notNull()
      .references(() => accounts.accountNo),
    amountKop: integer("amount_kop").notNull(),
    status: text("status", { enum: ["active", "settled"] }).notNull(),
    takenAt: integer("taken_at", { mode: "timestamp_ms" }).notNull(),
    dueAt: integer("due_at", { mode: "timestamp_ms" }).notNull(),
    settledAt: integer("settled_at", { mode: "timestamp_ms" }),
    /** "payment:<id>" or "expiry". */
    settledBy: text("settled_by"),
  },
  (t) => [
    index("promised_account_idx").on(t.accountNo, t.status),
    index("promised_due_idx").on(t.status, t.dueAt),
    // At most one open promised payment per account, whatever the concurrency.
    uniqueIndex("promised_one_open_uq").on(t.accountNo).where(sql`status = 'active'`),
  ],
);

/** «Бонус» membership of an account (the holder consented); leaving forfeits the points. */
export const bonusMembers = sqliteTable("bonus_members", {
  accountNo: text("account_no")
    .primaryKey()
    .references(() => accounts.accountNo),
  status: text("status", { enum: ["active", "left"] }).notNull(),
  joinedAt: integer("joined_at", { mode: "timestamp_ms" }).notNull(),
  leftAt: integer("left_at", { mode: "timestamp_ms" }),
  /** Who consented, and to which version of the rules. */
  joinedBy: text("joined_by").notNull(),
  rulesVersion: text("rules_version").notNull(),
});

export const BONUS_KINDS = ["earn", "redeem", "expire", "forfeit"] as const;

/** Points, append-only like money: the balance is the sum; `source_key` makes every entry happen once. */
export const bonusLedger = sqliteTable(
  "bonus_ledger",
  {
    id: text("id").primaryKey(),
    accountNo: text("account_no")
      .notNull()
      .references(() => accounts.accountNo),
    kind: text("kind", { enum: BONUS_KINDS }).notNull(),
    points: integer("points").notNull(),
    sourceKey: text("source_key").notNull(),
    /** When earned points expire (earn entries only). */
    expiresAt: integer("expires_at", { mode: "timestamp_ms" }),
    descriptionRu: text("description_ru").notNull(),
    descriptionEn: text("description_en").notNull(),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [uniqueIndex("bonus_ledger_source_uq").on(t.sourceKey), index("bonus_ledger_account_idx").on(t.accountNo, t.createdAt)],
);

/** A reward taken: what it cost and what it gave (a code, or money credited to the account). */
export const bonusRedemptions = sqliteTable(
  "bonus_redemptions",
  {
    id: text("id").primaryKey(),
    accountNo: text("account_no")
      .notNull()
      .references(() => accounts.accountNo),
    rewardId: text("reward_id").notNull(),
    points: integer("points").notNull(),
    code: text("code"),
    creditedKop: integer("credited_kop"),
    idempotencyKey: text("idempotency_key").notNull(),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [uniqueIndex("bonus_redemptions_key_uq").on(t.accountNo, t.idempotencyKey)],
);

/**
 * What a usage record is, as the detail report (детализация) filters it: calls
 * by direction and kind of destination, SMS, internet sessions, paid options.
 */
export const USAGE_CATEGORIES = [
  "call_in",
  "call_local",
  "call_long_distance",
  "call_mobile",
  "call_international",
  "sms",
  "internet",
  "option",
] as const;
export type UsageCategory = (typeof USAGE_CATEGORIES)[number];

/**
 * Usage (CDR-like) per account, region-local day, service, category and
 * direction: what the screen's totals, the packages and the tariff advisor
 * read. The records themselves live in R2, one compressed object per account
 * and month (features/usage/usage.store.ts); these rows are recomputed from
 * that object whenever a batch lands in it, so they always agree with it.
 * Informational: the money is already in the ledger's charges.
 */
export const usageDailyTotals = sqliteTable(
  "usage_daily_totals",
  {
    accountNo: text("account_no").notNull(),
    localDay: text("local_day").notNull(),
    serviceId: text("service_id").notNull(),
    category: text("category", { enum: USAGE_CATEGORIES }).notNull(),
    /** "none" for internet sessions and options. */
    direction: text("direction", { enum: ["in", "out", "none"] }).notNull(),
    count: integer("count").notNull(),
    durationSec: integer("duration_sec").notNull(),
    /** Each call rounded up to a whole minute, summed. */
    minutes: integer("minutes").notNull(),
    volumeKb: integer("volume_kb").notNull(),
    costKop: integer("cost_kop").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.accountNo, t.localDay, t.serviceId, t.category, t.direction] }),
    index("usage_daily_totals_service_idx").on(t.serviceId, t.localDay),
    index("usage_daily_totals_day_idx").on(t.localDay),
  ],
);

export const REPORT_FORMATS = ["pdf", "xlsx"] as const;
export const REPORT_STATUSES = ["queued", "running", "ready", "failed", "expired"] as const;

/**
 * A usage-detail report ordered by a subscriber: generated by the `reports`
 * queue consumer into R2 (`fileKey`), kept until `expiresAt`. The id is random
 * (128 bits) and a download also needs the orderer's session or a signed link.
 */
export const usageReports = sqliteTable(
  "usage_reports",
  {
    id: text("id").primaryKey(),
    accountNo: text("account_no")
      .notNull()
      .references(() => accounts.accountNo),
    subscriberId: text("subscriber_id").notNull(),
    serviceId: text("service_id"),
    fromDay: text("from_day").notNull(),
    toDay: text("to_day").notNull(),
    /** The categories asked for, comma-separated (every one when all were). */
    categories: text("categories").notNull(),
    format: text("format", { enum: REPORT_FORMATS }).notNull(),
    delivery: text("delivery", { enum: ["cabinet", "email"] }).notNull(),
    email: text("email"),
    lang: text("lang", { enum: ["ru", "en"] }).notNull(),
    status: text("status", { enum: REPORT_STATUSES }).notNull(),
    /** 0–100 while running. */
    progress: integer("progress").notNull().default(0),
    attempts: integer("attempts").notNull().default(0),
    rowCount: integer("row_count"),
    totalCostKop: integer("total_cost_kop"),
    sizeBytes: integer("size_bytes"),
    fileKey: text("file_key"),
    error: text("error"),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
    readyAt: integer("ready_at", { mode: "timestamp_ms" }),
    expiresAt: integer("expires_at", { mode: "timestamp_ms" }),
  },
  (t) => [
    index("usage_reports_account_idx").on(t.accountNo, t.subscriberId, t.createdAt),
    index("usage_reports_expiry_idx").on(t.status, t.expiresAt),
  ],
);

/**
 * Network coverage (зона покрытия) of a region: which technology reaches a
 * street's houses and how fast. Data, seeded from `data/coverage.data.ts`.
 */
export const coverage = sqliteTable(
  "coverage",
  {
    id: text("id").primaryKey(),
    region: text("region").notNull(),
    /** Normalised street name: lower case, without "ул."/"пр-т" and the like. */
    streetKey: text("street_key").notNull(),
    street: text("street").notNull(),
    houseFrom: integer("house_from").notNull(),
    houseTo: integer("house_to").notNull(),
    technology: text("technology", { enum: ["gpon", "fttb", "adsl"] }).notNull(),
    maxMbps: integer("max_mbps").notNull(),
    tv: integer("tv", { mode: "boolean" }).notNull(),
  },
  (t) => [index("coverage_street_idx").on(t.region, t.streetKey)],
);

export const APPLICATION_KINDS = ["connection", "tariff_change", "block", "disconnection", "termination", "callout"] as const;
export type ApplicationKind = (typeof APPLICATION_KINDS)[number];
export const APPLICATION_STATUSES = ["received", "in_work", "technician_assigned", "done", "rejected", "cancelled"] as const;
export type ApplicationStatus = (typeof APPLICATION_STATUSES)[number];

/**
 * An application (заявка): any request that a person or the system carries
 * out over time. Its status changes only through the state machine, each
 * change recorded in `application_events`; `details` holds the kind's fields.
 */
export const applications = sqliteTable(
  "applications",
  {
    id: text("id").primaryKey(),
    number: text("number").notNull(),
    region: text("region").notNull(),
    subscriberId: text("subscriber_id").notNull(),
    accountNo: text("account_no"),
    serviceId: text("service_id"),
    kind: text("kind", { enum: APPLICATION_KINDS }).notNull(),
    status: text("status", { enum: APPLICATION_STATUSES }).notNull(),
    address: text("address"),
    contactPhone: text("contact_phone"),
    /** Preferred installation or visit: a region-local day and a time window ("09-13"). */
    preferredDay: text("preferred_day"),
    preferredSlot: text("preferred_slot"),
    technician: text("technician"),
    details: text("details").notNull(),
    /** When what "done" means was carried out (a service connected, an account closed); null until then, retried by the cron. */
    effectsAt: integer("effects_at", { mode: "timestamp_ms" }),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
    updatedAt: integer("updated_at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [
    uniqueIndex("applications_number_uq").on(t.number),
    index("applications_region_status_idx").on(t.region, t.status, t.createdAt),
    index("applications_subscriber_idx").on(t.subscriberId, t.createdAt),
    // The hourly tick's applications whose effects are still to be carried out, in id order (a cursor): only those
    // rows, not every application a shard ever closed.
    index("applications_effects_due_idx").on(t.id).where(sql`${t.effectsAt} IS NULL AND ${t.status} IN ('done', 'rejected', 'cancelled')`),
    // One open request per service and kind (a second disconnection while the first is pending is a 409).
    // Blocks are not here: a service may have several future blocks, their overlap is checked by dates.
    uniqueIndex("applications_one_open_uq")
      .on(t.serviceId, t.kind)
      .where(
        sql`service_id IS NOT NULL AND kind IN ('disconnection', 'tariff_change') AND status IN ('received', 'in_work', 'technician_assigned')`,
      ),
  ],
);

/** Every status change of an application (append-only): who, from what, to what, why. */
export const applicationEvents = sqliteTable(
  "application_events",
  {
    id: text("id").primaryKey(),
    applicationId: text("application_id").notNull(),
    fromStatus: text("from_status"),
    toStatus: text("to_status").notNull(),
    actor: text("actor", { enum: ["subscriber", "operator", "system"] }).notNull(),
    comment: text("comment"),
    at: integer("at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [index("application_events_app_idx").on(t.applicationId, t.at)],
);

/** A tariff change waiting for its day (the next region-local day, or the day a technician finished). */
export const tariffChanges = sqliteTable(
  "tariff_changes",
  {
    id: text("id").primaryKey(),
    accountNo: text("account_no").notNull(),
    serviceId: text("service_id").notNull(),
    fromTariffId: text("from_tariff_id").notNull(),
    toTariffId: text("to_tariff_id").notNull(),
    effectiveDay: text("effective_day").notNull(),
    status: text("status", { enum: ["scheduled", "applied", "cancelled", "waiting"] }).notNull(),
    applicationId: text("application_id"),
    newServiceId: text("new_service_id"),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [
    index("tariff_changes_day_idx").on(t.status, t.effectiveDay),
    // The account's changes, in rowid order: the shard move's keyset pages read along it.
    index("tariff_changes_account_idx").on(t.accountNo),
    // One pending change per service: a second choice replaces the first.
    uniqueIndex("tariff_changes_one_pending_uq").on(t.serviceId).where(sql`status IN ('scheduled', 'waiting')`),
  ],
);

/** Add-on options switched on for a service (дополнительные услуги); charged daily while active. */
export const accountOptions = sqliteTable(
  "account_options",
  {
    id: text("id").primaryKey(),
    accountNo: text("account_no").notNull(),
    serviceId: text("service_id").notNull(),
    optionId: text("option_id").notNull(),
    status: text("status", { enum: ["active", "ended"] }).notNull(),
    startedAt: integer("started_at", { mode: "timestamp_ms" }).notNull(),
    endedAt: integer("ended_at", { mode: "timestamp_ms" }),
  },
  (t) => [
    index("account_options_account_idx").on(t.accountNo),
    uniqueIndex("account_options_one_active_uq").on(t.serviceId, t.optionId).where(sql`status = 'active'`),
  ],
);

/**
 * A voluntary block (добровольная блокировка) of a service over region-local
 * days [fromDay, toDay]: the cron suspends the service at the local midnight
 * that starts `fromDay` and resumes it at the one after `toDay`.
 */
export const voluntaryBlocks = sqliteTable(
  "voluntary_blocks",
  {
    id: text("id").primaryKey(),
    accountNo: text("account_no").notNull(),
    serviceId: text("service_id").notNull(),
    region: text("region").notNull(),
    fromDay: text("from_day").notNull(),
    toDay: text("to_day").notNull(),
    status: text("status", { enum: ["scheduled", "active", "ended", "cancelled"] }).notNull(),
    feeKop: integer("fee_kop").notNull(),
    applicationId: text("application_id").notNull(),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
    /**
     * The holder's notice (and the application's step) still to be given for the block's start or end: set in the
     * start's or the end's own transaction and cleared once given, so a Worker that dies in between leaves it for
     * the shard's 15-minute tick (services/blocks.service.ts `resendBlockNotices`). Null when nothing is owed.
     */
    notice: text("notice", { enum: ["start", "end"] }),
    noticeAt: integer("notice_at", { mode: "timestamp_ms" }),
  },
  (t) => [
    index("voluntary_blocks_start_idx").on(t.region, t.status, t.fromDay),
    index("voluntary_blocks_notice_idx").on(t.noticeAt).where(sql`notice IS NOT NULL`),
    index("voluntary_blocks_service_idx").on(t.serviceId, t.status),
    // The account's blocks, in rowid order: the shard move's keyset pages read along it.
    index("voluntary_blocks_account_idx").on(t.accountNo),
  ],
);

export const CHAT_STATUSES = ["waiting", "active", "closed"] as const;
/** The operators' queues: private subscribers and business clients are answered apart. */
export const SUPPORT_QUEUES = ["private", "business"] as const;
export type SupportQueue = (typeof SUPPORT_QUEUES)[number];
export type ChatStatus = (typeof CHAT_STATUSES)[number];
export const CHAT_AUTHORS = ["subscriber", "visitor", "operator", "system"] as const;
export type ChatAuthor = (typeof CHAT_AUTHORS)[number];

/**
 * A support chat (онлайн-чат): with a signed-in subscriber, or with a visitor
 * of the public site who gave a name and a phone (and holds the chat's key in
 * a cookie, only its hash is here). Messages are numbered by `lastSeq`; each
 * side's read mark is the last number it has seen.
 */
export const supportChats = sqliteTable(
  "support_chats",
  {
    id: text("id").primaryKey(),
    region: text("region").notNull(),
    subscriberId: text("subscriber_id"),
    visitorName: text("visitor_name"),
    visitorPhone: text("visitor_phone"),
    visitorKeyHash: text("visitor_key_hash"),
    accountNo: text("account_no"),
    topic: text("topic").notNull(),
    status: text("status", { enum: CHAT_STATUSES }).notNull(),
    operatorId: text("operator_id"),
    operatorName: text("operator_name"),
    lastSeq: integer("last_seq").notNull().default(0),
    customerReadSeq: integer("customer_read_seq").notNull().default(0),
    operatorReadSeq: integer("operator_read_seq").notNull().default(0),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
    updatedAt: integer("updated_at", { mode: "timestamp_ms" }).notNull(),
    closedAt: integer("closed_at", { mode: "timestamp_ms" }),
    /** Which operators' queue: private subscribers', or business (a business cabinet's or the business page's chat). */
    queue: text("queue", { enum: SUPPORT_QUEUES }).notNull().default("private"),
    /** The organisation a business cabinet's chat was started for. */
    orgId: text("org_id"),
    /** A business visitor's company, as given: «ООО Ромашка, ИНН 7707083893». */
    company: text("company"),
  },
  (t) => [
    index("support_chats_queue_idx").on(t.region, t.status, t.updatedAt),
    index("support_chats_subscriber_idx").on(t.subscriberId, t.createdAt),
  ],
);

/** Chat messages, append-only; `clientId` makes a resend (offline outbox, retry) land once. */
export const supportMessages = sqliteTable(
  "support_messages",
  {
    id: text("id").primaryKey(),
    chatId: text("chat_id").notNull(),
    seq: integer("seq").notNull(),
    author: text("author", { enum: CHAT_AUTHORS }).notNull(),
    authorName: text("author_name"),
    text: text("text").notNull(),
    attachmentId: text("attachment_id"),
    clientId: text("client_id"),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [uniqueIndex("support_messages_seq_uq").on(t.chatId, t.seq), uniqueIndex("support_messages_client_uq").on(t.chatId, t.clientId)],
);

/** A file sent in a chat (image or PDF), kept in R2 under `key`; checked by its first bytes, not by its name. */
export const supportAttachments = sqliteTable(
  "support_attachments",
  {
    id: text("id").primaryKey(),
    chatId: text("chat_id").notNull(),
    key: text("key").notNull(),
    name: text("name").notNull(),
    contentType: text("content_type").notNull(),
    size: integer("size").notNull(),
    uploadedBy: text("uploaded_by", { enum: CHAT_AUTHORS }).notNull(),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [index("support_attachments_chat_idx").on(t.chatId)],
);

export const TICKET_CATEGORIES = ["billing", "internet", "tv", "phone", "mobile", "equipment", "other"] as const;
export type TicketCategory = (typeof TICKET_CATEGORIES)[number];
/** A business request's categories (with their response-time targets in data/business-support.data.ts). */
export const BUSINESS_TICKET_CATEGORIES = ["outage", "payments", "documents", "services", "other"] as const;
export type AnyTicketCategory = TicketCategory | (typeof BUSINESS_TICKET_CATEGORIES)[number];
export const TICKET_STATUSES = ["new", "in_work", "waiting", "resolved", "closed", "cancelled"] as const;
export type TicketStatus = (typeof TICKET_STATUSES)[number];

/** A support request (обращение): status changes only through the ticket state machine, each one in `ticket_events`. */
export const supportTickets = sqliteTable(
  "support_tickets",
  {
    id: text("id").primaryKey(),
    number: text("number").notNull(),
    region: text("region").notNull(),
    subscriberId: text("subscriber_id").notNull(),
    accountNo: text("account_no"),
    category: text("category", { enum: [...TICKET_CATEGORIES, ...BUSINESS_TICKET_CATEGORIES] }).notNull(),
    subject: text("subject").notNull(),
    text: text("text").notNull(),
    status: text("status", { enum: TICKET_STATUSES }).notNull(),
    operatorId: text("operator_id"),
    operatorName: text("operator_name"),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
    updatedAt: integer("updated_at", { mode: "timestamp_ms" }).notNull(),
    queue: text("queue", { enum: SUPPORT_QUEUES }).notNull().default("private"),
    /** The organisation a business request belongs to (its members with the support right see it). */
    orgId: text("org_id"),
    /** A business request's response-time target: an operator takes it into work by then. */
    dueAt: integer("due_at", { mode: "timestamp_ms" }),
  },
  (t) => [
    uniqueIndex("support_tickets_number_uq").on(t.number),
    index("support_tickets_queue_idx").on(t.region, t.status, t.updatedAt),
    index("support_tickets_subscriber_idx").on(t.subscriberId, t.createdAt),
  ],
);

/** A ticket's history (append-only): status moves and comments, by whom. */
export const ticketEvents = sqliteTable(
  "ticket_events",
  {
    id: text("id").primaryKey(),
    ticketId: text("ticket_id").notNull(),
    fromStatus: text("from_status"),
    toStatus: text("to_status"),
    actor: text("actor", { enum: ["subscriber", "operator", "system"] }).notNull(),
    actorName: text("actor_name"),
    comment: text("comment"),
    at: integer("at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [index("ticket_events_ticket_idx").on(t.ticketId, t.at)],
);

/** Feedback (отзыв): a rating 1–5 with an optional text, about a chat, a request or the service in general; once per chat or request. */
export const supportFeedback = sqliteTable(
  "support_feedback",
  {
    id: text("id").primaryKey(),
    region: text("region").notNull(),
    subscriberId: text("subscriber_id"),
    chatId: text("chat_id"),
    ticketId: text("ticket_id"),
    rating: integer("rating").notNull(),
    text: text("text"),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [
    uniqueIndex("support_feedback_chat_uq").on(t.chatId),
    uniqueIndex("support_feedback_ticket_uq").on(t.ticketId),
    index("support_feedback_region_idx").on(t.region, t.createdAt),
  ],
);

/**
 * How far each region's daily cron work has got: the last region-local day a
 * job finished (`midnight`: tariff changes, blocks and the day's charge;
 * `bonus`: points for the day before; `alerts`: balance alerts; `close`: the
 * last day of the last month closed for every account). A tick that
 * was missed is caught up from here on the next one, a day at a time; the
 * work of a day is idempotent, so two runs that overlap do it once.
 */
export const cronProgress = sqliteTable(
  "cron_progress",
  {
    job: text("job", { enum: ["midnight", "bonus", "alerts", "close"] }).notNull(),
    region: text("region").notNull(),
    doneDay: text("done_day").notNull(),
    updatedAt: integer("updated_at", { mode: "timestamp_ms" }).notNull(),
    /**
     * Where the one chain of a paged job (points, alerts) got to, before the chains went per shard
     * (`cron_step_shards`, migration 0029): no longer written or read; kept so that a rollback finds its columns.
     */
    stepDay: text("step_day"),
    stepShard: text("step_shard"),
    stepAfter: integer("step_after"),
    stepAt: integer("step_at", { mode: "timestamp_ms" }),
  },
  (t) => [primaryKey({ columns: [t.job, t.region] })],
);

/**
 * The chains of a region's paged daily job (points, alerts), one per shard of its branch, in the region's home shard
 * beside `cron_progress`: the day under way, the account rowid the shard's chain got to, and whether it is through.
 * Each message of a chain writes its row before it hands on; the hourly tick's message leaves a chain that moved
 * within STEP_LEASE_MS alone and takes a stalled one over from here; the region's message marks the day done once
 * every shard of the branch has its row of the day through (features/cron/daily.service.ts).
 */
export const cronStepShards = sqliteTable(
  "cron_step_shards",
  {
    job: text("job", { enum: ["bonus", "alerts"] }).notNull(),
    region: text("region").notNull(),
    shard: text("shard").notNull(),
    day: text("day").notNull(),
    afterRowid: integer("after_rowid").notNull(),
    done: integer("done", { mode: "boolean" }).notNull(),
    updatedAt: integer("updated_at", { mode: "timestamp_ms" }).notNull(),
    /**
     * The chain's generation: each message carries it, and goes on only while the row has it; handing on, finishing
     * and a takeover each move it on (in the statement that checks it). A redelivered or superseded message finds it
     * moved and stops, so duplicates of a chain fold back into one.
     */
    seq: integer("seq").notNull(),
  },
  (t) => [primaryKey({ columns: [t.job, t.region, t.shard] })],
);

/**
 * Accounts being moved off this shard, or moved off it (`moved`): triggers (migration 0013) refuse every
 * write to such an account's rows while `frozen`, and every insert or update once `moved` (a request that
 * read the directory before the switch cannot land here); a moved account's rows may then be deleted.
 */
export const accountFreezes = sqliteTable("account_freezes", {
  accountNo: text("account_no").primaryKey(),
  moveId: text("move_id").notNull(),
  state: text("state", { enum: ["frozen", "moved"] }).notNull(),
  updatedAt: integer("updated_at", { mode: "timestamp_ms" }).notNull(),
});

/**
 * Accounts a shard move is copying onto this shard (the target): written with the first copied page, removed once
 * the directory points here. Until then the account belongs to its source shard, and this shard's jobs over its
 * accounts (the midnight charge, the month close, bonus points, blocks, tariff changes, autopay…) skip it
 * (`settledHere` in platform/arriving.ts): a charge written on the half-made copy would make the move's
 * verification refuse it on every retry.
 */
export const arrivingAccounts = sqliteTable("arriving_accounts", {
  accountNo: text("account_no").primaryKey(),
  moveId: text("move_id").notNull(),
  since: integer("since", { mode: "timestamp_ms" }).notNull(),
});

export const NUMBER_ASSIGNEE_KINDS = ["employee", "device"] as const;
export const NUMBER_STATUSES = ["active", "blocked"] as const;

/**
 * A corporate mobile number (корпоративный номер): a SIM of an organisation's account, kept with that account
 * in its shard (≈ 48 M numbers nationally do not fit one database, and every charge of the number writes its
 * month's spend in the same transaction as the ledger entry). Assigned to an employee (a name, the member's id
 * when they are one) or a device; its ЕСИА registration is data the operator sets. `status` is a person's
 * block (a lost SIM); the spend limit's block is `limitBlockedMonth` (the region-local month it holds for), so
 * the number is served again next month. Spend and the 80 %/100 % notices are per month (`spendMonth`,
 * `alert80Month`, `alert100Month`: a month other than the current one means nothing yet this month).
 */
export const corporateNumbers = sqliteTable(
  "corporate_numbers",
  {
    /** E.164, +7XXXXXXXXXX. */
    msisdn: text("msisdn").primaryKey(),
    accountNo: text("account_no")
      .notNull()
      .references(() => accounts.accountNo),
    assigneeKind: text("assignee_kind", { enum: NUMBER_ASSIGNEE_KINDS }).notNull(),
    assigneeName: text("assignee_name").notNull(),
    /** The organisation's member the number is assigned to (a global subscriber id), if any. */
    assigneeSubscriberId: text("assignee_subscriber_id"),
    esiaConfirmed: integer("esia_confirmed", { mode: "boolean" }).notNull().default(false),
    limitKop: integer("limit_kop"),
    blockAtLimit: integer("block_at_limit", { mode: "boolean" }).notNull().default(false),
    status: text("status", { enum: NUMBER_STATUSES }).notNull().default("active"),
    limitBlockedMonth: text("limit_blocked_month"),
    spendMonth: text("spend_month"),
    spendKop: integer("spend_kop").notNull().default(0),
    alert80Month: text("alert80_month"),
    alert100Month: text("alert100_month"),
    updatedAt: integer("updated_at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [index("corporate_numbers_account_idx").on(t.accountNo)],
);

/**
 * Where each of the subscriber's applications lives (its region's shard), in the subscriber's home shard: «Мои
 * заявки» and one's own application by id read it beside the session, and nothing global. One row per application, a
 * growing table (0.04 an account a month): in the global database it grew with the years and the subscribers
 * together; here it is in the shard's bytes (docs/capacity.md). Rows an older deployment wrote in the global table
 * are read beside these and drained into them (features/notifications/notifications.drain.ts). The subscriber is a
 * global id (no foreign key here).
 */
export const homeApplicationDirectory = sqliteTable("application_directory", applicationDirectoryColumns(), (t) => [
  index("application_directory_subscriber_idx").on(t.subscriberId, t.createdAt),
]);

/**
 * Where the subscriber's support chats and requests live (their region's shard), in the subscriber's home shard, as
 * `application_directory` is (the same reasons, the same drain of the global table's rows).
 */
export const homeSupportDirectory = sqliteTable("support_directory", supportDirectoryColumns(), (t) => [
  index("support_directory_subscriber_idx").on(t.subscriberId, t.kind, t.createdAt),
]);

/**
 * The in-app inbox, in the subscriber's home shard (`subscribers.home_shard` in the global database): one row per
 * event and subscriber (a redelivered event finds its row). The subscriber is a global id (no foreign key here).
 */
export const inbox = sqliteTable(
  "inbox",
  {
    id: text("id").primaryKey(),
    subscriberId: text("subscriber_id").notNull(),
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
 * A browser's push subscription (RFC 8030), in the subscriber's home shard: per subscriber and origin (each regional
 * subdomain is its own origin), at most ten a subscriber. An endpoint is one browser's: the app subscribes afresh
 * each time push is turned on (web/src/lib/push.ts), so the endpoint another subscriber had there stops working at
 * the push service (410) and is forgotten at its next push. The subscriber is a global id (no foreign key here).
 */
export const pushSubscriptions = sqliteTable(
  "push_subscriptions",
  {
    id: text("id").primaryKey(),
    subscriberId: text("subscriber_id").notNull(),
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
 * The subscriber's channel choice for one kind of event, for one account or (account_no '*') all of them, in their
 * home shard (issue 20: 304 bytes an account that the global database kept). `channels` null is no choice (the
 * account follows the all-accounts choice, or the defaults): written by a reset over a choice the global table still
 * held, so that the drain's copy of it, older, cannot bring it back (features/notifications/notifications.drain.ts).
 * A move of an account leaves its choices here, with the subscriber.
 */
export const homeNotificationPrefs = sqliteTable(
  "notification_prefs",
  { ...notificationPrefColumns(), channels: text("channels") },
  (t) => [primaryKey({ columns: [t.subscriberId, t.accountNo, t.kind] })],
);

/** Quiet hours and marketing consent, in the subscriber's home shard (one row a subscriber who set them). */
export const homeNotificationSettings = sqliteTable("notification_settings", notificationSettingColumns());

/**
 * When the subscriber removed a saved card or a passkey kept here: the row stays a day as a mark (and is read as gone),
 * so that the upgrade's drain, which may have read the row an older deployment kept in the global table before the
 * removal, cannot copy it back (features/notifications/notifications.drain.ts copies nothing over a row here); the
 * shard's tick deletes marks older than a day, and the global rows they hide first (`CREDENTIAL_MARK_MS`,
 * platform/credentials.ts).
 */
const removedAt = () => integer("removed_at", { mode: "timestamp_ms" });

/**
 * Cards the subscriber saved for one-click payments and autopay, in their home shard (issue 20: 110 bytes an account
 * that the global database kept). Read by the subscriber's own pages and by an autopay's charge (the autopay names the
 * card's subscriber). An account's move leaves them here, with the subscriber.
 */
export const homeCards = sqliteTable("cards", { ...cardColumns(), removedAt: removedAt() }, (t) => [
  index("cards_subscriber_idx").on(t.subscriberId),
  // A card's token once among the cards not removed: a mark does not stop the same card being saved again.
  uniqueIndex("cards_token_uq").on(t.token).where(sql`removed_at IS NULL`),
  index("cards_removed_idx").on(t.removedAt).where(sql`removed_at IS NOT NULL`),
]);

/**
 * The subscriber's passkeys (WebAuthn credentials), in their home shard (issue 20: 53 bytes an account that the global
 * database kept). A login finds them by the credential's user handle (the subscriber's id) and its id, and writes its
 * counter here, not in the global database.
 */
export const homePasskeys = sqliteTable("passkeys", { ...passkeyColumns(), removedAt: removedAt() }, (t) => [
  index("passkeys_subscriber_idx").on(t.subscriberId),
  index("passkeys_removed_idx").on(t.removedAt).where(sql`removed_at IS NOT NULL`),
]);

/**
 * Acts of reconciliation (акты сверки) an organisation asked for, on its home shard (issue 20: they grew in the global
 * database with the years). The id names the shard (`rc-<id>-<binding>`), so the reports queue's message and the
 * routes find it without a lookup; the act's files are in R2 as before.
 */
export const homeReconciliations = sqliteTable("reconciliations", reconciliationColumns(), (t) => [
  index("reconciliations_org_idx").on(t.orgId, t.createdAt),
]);

/**
 * The subscriber's accounts at identity providers, in their home shard (issue 20: 55 bytes an account that the global
 * database kept). A login finds the subscriber by the provider's subject in an identity store (`login_keys`,
 * db/schema/identity.ts), then this row, which is the truth: a key whose row is not here (or is a mark) logs nobody in.
 * One live row a provider for a subscriber; an unlink or a link of another subject leaves a mark (`removed_at`), kept a
 * day, so that the upgrade's drain, which may have read the global row before, cannot copy it back.
 */
export const homeIdentities = sqliteTable("identities", { ...identityColumns(), removedAt: removedAt() }, (t) => [
  primaryKey({ columns: [t.subscriberId, t.provider, t.subject] }),
  uniqueIndex("identities_live_uq").on(t.subscriberId, t.provider).where(sql`removed_at IS NULL`),
  index("identities_removed_idx").on(t.removedAt).where(sql`removed_at IS NOT NULL`),
]);

/**
 * Every delivery of an event to a subscriber on every channel with its status, in the subscriber's home shard;
 * `dedupe_key` makes a redelivered message a no-op (the push claim, features/notifications/notifications.consumer.ts).
 */
export const deliveries = sqliteTable(
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

/**
 * The subscriber's account links and profile as their sessions read them, kept in their home shard beside the sessions, so that a
 * request reads nothing global (platform/session.ts). The global `account_links` and `account_directory` stay the
 * truth: this is their copy, made by the first request that finds none and trusted for `LINKS_COPY_TTL_MS`. Every
 * change of a link (or of a linked account's shard) forgets it by raising `gen`, before the change (opening a window,
 * `pending_until`, in which no copy is kept) and after it; a copy is written only where `gen` is still the one its
 * request read before it read the links, and no change is under way, so a copy made from links read before a change is
 * refused even when the forget after it is lost. One row per subscriber who has used a session: bounded by
 * subscribers, not by time.
 */
export const sessionLinks = sqliteTable("session_links", {
  subscriberId: text("subscriber_id").primaryKey(),
  /** Raised by every change of the subscriber's links (forgetting the copy). */
  gen: integer("gen").notNull().default(0),
  /** The links as JSON (`SessionLink[]`), or null: forgotten, to be read again. */
  links: text("links"),
  /**
   * What the cabinet shows of the subscriber (`SessionProfile` as JSON: name, contacts, whether a password is set; never
   * the password's hash), read with the links and forgotten with them (a contact or the password changed): a page's
   * profile then reads nothing global. Null in copies made before it: such a copy is read again.
   */
  profile: text("profile"),
  filledAt: integer("filled_at", { mode: "timestamp_ms" }),
  /**
   * A change of the links or profile is under way until then (set before its global write, cleared by the forget after
   * it): no copy is kept meanwhile. A change whose forget after it was lost (its run died) leaves it to lapse, and the
   * next request reads the changed truth (`COPY_CHANGE_WINDOW_MS`).
   */
  pendingUntil: integer("pending_until", { mode: "timestamp_ms" }),
  /**
   * How many changes are under way (each forgot the copy before it and not yet after it): the window closes when the
   * last of them forgets it after, so the forget after one change does not close another's.
   */
  pendingChanges: integer("pending_changes").notNull().default(0),
});

/**
 * Sessions, in the subscriber's home shard (only the SHA-256 of the token is stored): the cookie names the shard and
 * the subscriber beside the token (platform/session.ts), so a request reads its session here while it reads the
 * subscriber's links in the global database, side by side, and a login writes nothing global. The subscriber is a
 * global id (no foreign key here). Sessions an older deployment opened stay in the global `sessions` table until
 * they expire (30 days at most) or are rotated here.
 */
export const sessions = sqliteTable(
  "sessions",
  {
    idHash: text("id_hash").primaryKey(),
    subscriberId: text("subscriber_id").notNull(),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
    lastSeenAt: integer("last_seen_at", { mode: "timestamp_ms" }).notNull(),
    expiresAt: integer("expires_at", { mode: "timestamp_ms" }).notNull(),
    userAgent: text("user_agent"),
    /** How the session was opened: password, code, passkey, or an identity provider. */
    authMethod: text("auth_method").notNull().default("password"),
    /** When the subscriber last confirmed with a fresh SMS code (step-up for money operations). */
    stepUpAt: integer("step_up_at", { mode: "timestamp_ms" }),
    /** The key that signs the cookie's "last used" stamp (HMAC-SHA-256), random per session and never sent. */
    stampKey: text("stamp_key").notNull(),
  },
  (t) => [index("sessions_subscriber_idx").on(t.subscriberId), index("sessions_expires_idx").on(t.expiresAt)],
);

/**
 * The part of an account's money history that lives in R2 (`money/<account>/<year>.json.gz`, one object a year:
 * billing/archive.service.ts): every ledger entry booked, closed month, payment, its events and its receipt from
 * `firstYear` to `throughYear`. A year goes there once its December is more than `ARCHIVE_AFTER_MONTHS` months old,
 * so D1 keeps 37 to 48 months of money an account, however old it is. `closingKop` is the balance at the end of
 * `throughYear` (the sum of every entry archived); `throughMs` is the instant before which the payments archived
 * were made (12:00 UTC on 31 December, before any Russian region's new year). One row per account: bounded by
 * accounts, not by years.
 */
export const moneyArchives = sqliteTable("money_archives", {
  accountNo: text("account_no")
    .primaryKey()
    .references(() => accounts.accountNo),
  firstYear: integer("first_year").notNull(),
  throughYear: integer("through_year").notNull(),
  closingKop: integer("closing_kop").notNull(),
  throughMs: integer("through_ms").notNull(),
  archivedAt: integer("archived_at", { mode: "timestamp_ms" }).notNull(),
  /** The pass that wrote the record last: its batch deletes only the rows of records it wrote itself. */
  passId: text("pass_id"),
});

/**
 * Where a shard's archive pass got to (one row: `job` = 'money'): the year it archives through and the last account
 * it took. The 15-minute tick takes the next page of accounts from here; a pass for a year is done once it went
 * past the last account, and the next year's starts from the first.
 */
export const archiveProgress = sqliteTable("archive_progress", {
  job: text("job").primaryKey(),
  year: integer("year").notNull(),
  afterAccount: text("after_account").notNull(),
  done: integer("done", { mode: "boolean" }).notNull(),
  updatedAt: integer("updated_at", { mode: "timestamp_ms" }).notNull(),
  /** The pass at work (one at a time on a shard: a redelivered tick finds the lease taken) and until when it holds. */
  leaseId: text("lease_id"),
  leaseUntil: integer("lease_until"),
});

// ── An organisation's documents, on its home shard (issue 20) ───────────────────────────────────────────
// An organisation adds some 6 KB a month of documents and audit; in the global database that was 50 GB a year at
// 0.7 M organisations. They live on the organisation's home shard (`organisations.home_shard`: the shard of its
// account with the lowest number when it was registered), where they grow with the shard's accounts, not with one
// database. The tables keep the global ones' names and columns, so one query reads an older deployment's global rows
// and the home shard's alike (features/business/org-home.ts).

/**
 * Who did what in an organisation (журнал действий), moved from the global table: an entry written with a change to
 * the global rows (a member, a role) goes in that change's batch to the global `org_audit` and is moved here by
 * housekeeping within two days at the target (`drainOrgAudit`: each shard is visited every 1.7 days); one written with a change here (a closing document) is written here.
 * Append-only (triggers); a list reads both places and merges by id.
 */
export const homeOrgAudit = sqliteTable("org_audit", orgAuditColumns(), (t) => [index("org_audit_org_idx").on(t.orgId, t.id)]);

/**
 * An organisation's monthly closing documents (УПД and its corrections, УКД), as the global table of that name
 * describes. The number is taken from the global counter (`closing_counters`) once the document is written, and
 * set here once (a trigger refuses any other change to what was issued): unique across every shard, never reused.
 */
export const homeClosingDocuments = sqliteTable(
  "closing_documents",
  {
    ...closingDocumentColumns(),
    /** УПД-<year>-<6 digits>; null between the document's write and its number's (a run that died there is finished by the next). */
    number: text("number"),
    seq: integer("seq"),
  },
  (t) => [
    uniqueIndex("closing_documents_revision_uq").on(t.orgId, t.period, t.revision),
    uniqueIndex("closing_documents_number_uq").on(t.number),
    index("closing_documents_org_idx").on(t.orgId, t.period),
  ],
);

/** A closing document's line (one account's service for the month), as the global table of that name. */
export const homeClosingLines = sqliteTable(
  "closing_lines",
  {
    docId: text("doc_id")
      .notNull()
      .references(() => homeClosingDocuments.id),
    ...closingLineColumns(),
  },
  (t) => [primaryKey({ columns: [t.docId, t.lineNo] })],
);

/**
 * An organisation's payment for its accounts (a bulk top-up), on its home shard (issue 20: 49 % of the business
 * tables' growth the global database kept), with its lines and its audit entries in the same batches. Its id names
 * this shard (`op-<id>-<binding>`: features/business/org-home.ts), so the acquirer's report finds it; the hourly
 * sweep finds the unsettled ones through the global `org_payments_open`. Each line is credited in its account's shard.
 */
export const homeOrgPayments = sqliteTable("org_payments", orgPaymentColumns(), (t) => [
  uniqueIndex("org_payments_idem_uq").on(t.payerId, t.idempotencyKey),
  index("org_payments_org_idx").on(t.orgId, t.createdAt),
]);

/** How an organisation's payment is split, on its home shard: kept with the payment, not with the account. */
export const homeOrgPaymentLines = sqliteTable("org_payment_lines", orgPaymentLineColumns(), (t) => [
  primaryKey({ columns: [t.paymentId, t.accountNo] }),
]);

/**
 * An organisation's invoices for payment (счета на оплату), on its home shard (issue 20: in the global database they
 * grew by 2.9 GB a year at 0.7 M organisations), as the global table of that name describes. The id names this shard
 * (`iv-<id>-<binding>`: features/business/org-home.ts); the number is taken from the global sequence in the batch that
 * writes its row in `invoice_numbers` (where the bank statement import finds it), before the invoice is written here.
 */
export const homeInvoices = sqliteTable("invoices", invoiceColumns(), (t) => [index("invoices_org_idx").on(t.orgId, t.id)]);

/**
 * How a home invoice's total is split across the organisation's accounts, with each account's region (the directory
 * is not on this shard; an account's region never changes, a move between shards keeps it).
 */
export const homeInvoiceLines = sqliteTable(
  "invoice_lines",
  {
    invoiceId: text("invoice_id").notNull(),
    accountNo: text("account_no").notNull(),
    amountKop: integer("amount_kop").notNull(),
    region: text("region").notNull(),
  },
  (t) => [primaryKey({ columns: [t.invoiceId, t.accountNo] })],
);

/**
 * What each bank statement line paid of a home invoice: one row a line (its key), written before the line is marked
 * credited in the global database, so a retry writes nothing twice; the invoice's `paid_kop` is their sum, set again in
 * the same batch. Append-only (triggers).
 */
export const homeInvoicePayments = sqliteTable(
  "invoice_payments",
  {
    invoiceId: text("invoice_id").notNull(),
    lineId: text("line_id").notNull(),
    amountKop: integer("amount_kop").notNull(),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.invoiceId, t.lineId] })],
);

/**
 * Where an organisation's requests live, on its home shard (issue 20: in the global database the list grew with the
 * years), as the global table of that name describes; the list reads both (an older deployment's entries stay there).
 */
export const homeOrgTickets = sqliteTable("org_tickets", orgTicketColumns(), (t) => [
  index("org_tickets_org_idx").on(t.orgId, t.createdAt),
]);

/**
 * How the subscriber signs in, in their home shard (issue 20): their phone, e-mail and login as the global row had
 * them when written, their name, and their password's record. A password login finds the subscriber by the phone,
 * e-mail or login in an identity store (`login_keys`, db/schema/identity.ts), then this row, and reads nothing in the
 * global database (a login storm's 3,000 logins a second were 3,000 global reads). This row's password is the truth
 * once it is here (a change writes it first, then the global column for a rollback); the phone, e-mail and login are a
 * copy that a key must agree with, or the key is stale (a change that stopped half-way) and the login reads the global
 * row as before (features/auth/sign-ins.service.ts).
 */
export const signIns = sqliteTable("sign_ins", {
  subscriberId: text("subscriber_id").primaryKey(),
  displayName: text("display_name").notNull(),
  phone: text("phone"),
  email: text("email"),
  login: text("login"),
  passwordHash: text("password_hash"),
  /**
   * When the password's record was written here: a backfill's page read before it (the global column still old) must
   * not put the old record back.
   */
  passwordAt: integer("password_at", { mode: "timestamp_ms" }).notNull(),
  /** The time of the global read the name, phone, e-mail and login were written from (a write from an older read is refused). */
  updatedAt: integer("updated_at", { mode: "timestamp_ms" }).notNull(),
});

export const HOLDER_ROLES = ["owner", "payer", "viewer"] as const;

/**
 * Who holds an account (its owner, payers and viewers), kept in the account's shard and moved with it: the links by
 * account, where an outage's fan-out, the balance alerts, a payment's notice, a bank credit's notice and a shard move's
 * forgetting read them (platform/holders.ts), instead of the global `account_links` by its index on the account. The
 * global row stays the truth of whether a link exists, and what the subscriber's own pages read, until the links by
 * subscriber move to the home shards: a row here is written before it (`adding`) and settled after it, and marked
 * (`removing`) before it goes and deleted after, so a change that stopped half-way is a row not settled, which no
 * reader by account counts and housekeeping settles or deletes by the global row (`reconcileHolders`). One owner an
 * account: the unique index below, in the one database that holds the account. One row per link: bounded by accounts.
 */
export const accountHolders = sqliteTable(
  "account_holders",
  {
    accountNo: text("account_no").notNull(),
    subscriberId: text("subscriber_id").notNull(),
    role: text("role", { enum: HOLDER_ROLES }).notNull(),
    /** The holder's low-balance alert for this account, in kopecks; null = off (written here first, then globally). */
    lowBalanceKop: integer("low_balance_kop"),
    /** The holder's home shard (their inbox, sessions and copy of their links), fixed at their registration. */
    homeShard: text("home_shard").notNull(),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
    /** Null once settled; `adding` before the global link is written, `removing` before it is deleted. */
    state: text("state", { enum: ["adding", "removing"] }),
    /** When the state was set: a row not settled within `HOLDER_SETTLE_MS` is housekeeping's. */
    changedAt: integer("changed_at", { mode: "timestamp_ms" }),
  },
  (t) => [
    primaryKey({ columns: [t.accountNo, t.subscriberId] }),
    // One owner an account: two registrations at the same moment (by its phone and by its e-mail) meet here.
    uniqueIndex("account_holders_one_owner_uq").on(t.accountNo).where(sql`role = 'owner'`),
    index("account_holders_unsettled_idx").on(t.changedAt).where(sql`state IS NOT NULL`),
  ],
);

/**
 * The subscriber's links (their own accounts and their relatives'), kept in their home shard: the links by subscriber,
 * which their sessions' copy is made from and what their own pages and access are checked against
 * (platform/links.ts), instead of the global `account_links` by its primary key. The account's shard and region are
 * the directory's (read with them), so a shard move changes nothing here. Written when the account's holder row is
 * settled (platform/holders.ts `settleHolders`) and deleted before that row is: a change that stopped half-way leaves
 * a holder row not settled, and housekeeping writes or deletes the link here with it (`reconcileHolders`). The global
 * row stays the truth of whether a link exists until its table is dropped. One row per link: bounded by accounts.
 */
export const subscriberLinks = sqliteTable(
  "subscriber_links",
  {
    subscriberId: text("subscriber_id").notNull(),
    accountNo: text("account_no").notNull(),
    role: text("role", { enum: HOLDER_ROLES }).notNull(),
    /** The subscriber's low-balance alert for this account, in kopecks; null = off. */
    lowBalanceKop: integer("low_balance_kop"),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.subscriberId, t.accountNo] })],
);

/**
 * Where a housekeeping sweep of this shard got to, by its name (`home_links`: the home links checked against the global
 * links, platform/holders.ts `sweepHomeLinks`): the last key it looked at, so that each run goes on after it and the
 * whole table is gone over in turn. One row per sweep.
 */
export const sweepCursors = sqliteTable("sweep_cursors", {
  sweep: text("sweep").primaryKey(),
  afterSubscriber: text("after_subscriber").notNull(),
  afterAccount: text("after_account").notNull(),
  updatedAt: integer("updated_at", { mode: "timestamp_ms" }).notNull(),
});
