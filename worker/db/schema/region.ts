import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

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
  },
  (t) => [index("accounts_region_idx").on(t.region)],
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
    index("ledger_account_time_idx").on(t.accountNo, t.occurredAt, t.id),
    index("ledger_service_idx").on(t.serviceId),
  ],
);
