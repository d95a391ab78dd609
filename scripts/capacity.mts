/**
 * `npm run capacity`: recomputes docs/capacity.md from measured inputs.
 *
 * Generates a sample shard and a sample global database (SQLite files
 * migrated with migrations/region and migrations/global, the same SQL D1
 * runs), fills them day by day with realistic rows of fixed-line and mobile
 * accounts (the demo generator's usage records, the real receipt builder,
 * the cron's charge rows), measures bytes per row of every table that grows
 * with dbstat (tables and their indexes), and feeds that into the model
 * (scripts/capacity.model.mts). Deterministic: a seeded PRNG and fixed dates,
 * no timings in the document. Runs in well under two minutes.
 */
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DatabaseSync, type SQLInputValue } from "node:sqlite";
import { gzipSync } from "node:zlib";
import { is } from "drizzle-orm";
import { getTableConfig, SQLiteTable } from "drizzle-orm/sqlite-core";
import { SIGN_IN_BACKFILL } from "../worker/data/limits.data.ts";
import { SHARD_MAP } from "../worker/data/regions.data.ts";
import { TARIFF_TEMPLATES } from "../worker/data/tariffs.data.ts";
import * as globalSchema from "../worker/db/schema/global.ts";
import { usageFor } from "../worker/db/seed/usage.seed.ts";
import { BANK_LINE_MAX_AGE_DAYS, BANK_LINE_RETENTION_DAYS } from "../worker/features/bank/bank.limits.ts";
import { MONEY_KEPT_MONTHS } from "../worker/features/billing/archive.limits.ts";
import { AUDIT_DRAIN_PAGE, AUDIT_DRAIN_SHARDS } from "../worker/features/business/audit.limits.ts";
import { CLOSING_LEASE_STALE_MS, CLOSING_PAGE } from "../worker/features/business/closing.limits.ts";
import { INVOICE_NUMBER_YEARS } from "../worker/features/business/invoices.limits.ts";
import {
  CHARGE_CALLS_PER_MESSAGE,
  FIRST_DAY_SHARDS_PER_MESSAGE,
  MIDNIGHT_BLOCKS_PAGE,
  MIDNIGHT_CHANGES_PAGE,
  SHARD_START_CALLS,
} from "../worker/features/cron/daily.limits.ts";
import { HEALTH_SHARDS } from "../worker/features/health/health.limits.ts";
import { DRAIN_CALLS, DRAIN_TABLES } from "../worker/features/notifications/drain.limits.ts";
import {
  DELIVERY_RETENTION_MS,
  INBOX_RETENTION_MONTHS,
  RETENTION_PAGE,
  RETENTION_PAGES,
  RETENTION_STATEMENTS,
} from "../worker/features/notifications/notifications.retention.ts";
import { buildReceipt } from "../worker/features/payments/receipts.ts";
import { RETENTION_MONTHS, STORAGE_MONTHS } from "../worker/features/usage/usage.limits.ts";
import { makeAccountNo } from "../worker/platform/ids.ts";
import { daysInMonth } from "../worker/platform/money.ts";
import { COPY_CHANGE_WINDOW_MS, LINKS_COPY_TTL_MS } from "../worker/platform/session-links.ts";
import {
  type Assumption,
  type Assumptions,
  accountBytesBounded,
  accountBytesToday,
  accountsPerShard,
  archivedMoneyBytes,
  areaFanOut,
  type BranchShare,
  businessHomeRowsPerAccount,
  businessRows,
  businessSplit,
  bytesOf,
  closedMoneyRows,
  costPerMillion,
  DAYS_PER_MONTH,
  d1Busy,
  directoryRowsPerAccount,
  globalRows,
  homeRows,
  identityStoreRows,
  invoiceNumberRows,
  type Kind,
  keptGlobalRows,
  type Measured,
  messageRows,
  mixed,
  monthlyRows,
  notificationRows,
  type Prices,
  peaks,
  planShards,
  retentionKeepsUpWith,
  servicesPerAccount,
  staticRows,
  usagePerAccountMonth,
} from "./capacity.model.mts";
import { otherBindings, planShards as planWorkers, readEnvironment, SHARD_LIMITS } from "./deploy.mts";

const ROOT = new URL("..", import.meta.url).pathname;
/** Columns of the global schema whose foreign key names `subscribers` or `account_directory` (section 5). */
const FOREIGN_KEYS_TO_IDENTITY = (Object.values(globalSchema) as unknown[])
  .filter((t): t is SQLiteTable => is(t, SQLiteTable))
  .flatMap((t) => getTableConfig(t).foreignKeys)
  .filter((fk) => ["subscribers", "account_directory"].includes(getTableConfig(fk.reference().foreignTable).name)).length;
const OUT = join(ROOT, "docs", "capacity.md");

/** The global queries an outage's event made when each read its own (subscriber batch, settings, choices, directory). */
const OUTAGE_READS_BEFORE = 4;

/** Production's message stores: its `MESSAGES_<n>` bindings in wrangler.toml (the count the model spreads them over). */
const PRODUCTION_MESSAGE_STORES = (
  readFileSync(join(ROOT, "wrangler.toml"), "utf8").match(/^database_name = "kabinet-production-messages-\d+"$/gm) ?? []
).length;
const PRODUCTION_IDENTITY_STORES = (
  readFileSync(join(ROOT, "wrangler.toml"), "utf8").match(/^database_name = "kabinet-production-identity-\d+"$/gm) ?? []
).length;

const ISSUE = "issue 20";
const D1_PRICING = "https://developers.cloudflare.com/d1/platform/pricing/";
const D1_LIMITS = "https://developers.cloudflare.com/d1/platform/limits/";
const QUEUES_PRICING = "https://developers.cloudflare.com/queues/platform/pricing/";
const QUEUES_LIMITS = "https://developers.cloudflare.com/queues/platform/limits/";
const R2_PRICING = "https://developers.cloudflare.com/r2/pricing/";
const WORKERS_PRICING = "https://developers.cloudflare.com/workers/platform/pricing/";
const DO_PRICING = "https://developers.cloudflare.com/durable-objects/platform/pricing/";

/** Every assumption, in the order of the table at the top of the document. */
/** Branches' shares of the subscribers: the population of their federal districts (Rosstat, 1 Jan 2024, rounded). */
const BRANCH_SHARES: BranchShare[] = [
  { code: "moscow", name: "Москва", share: 13.1 / 146.2 },
  { code: "center", name: "Центр", share: 27.1 / 146.2 },
  { code: "northwest", name: "Северо-Запад", share: 13.9 / 146.2 },
  { code: "volga", name: "Волга", share: 28.6 / 146.2 },
  { code: "south", name: "Юг (ЮФО + СКФО)", share: 26.7 / 146.2 },
  { code: "ural", name: "Урал", share: 12.3 / 146.2 },
  { code: "siberia", name: "Сибирь", share: 16.6 / 146.2 },
  { code: "fareast", name: "Дальний Восток", share: 7.9 / 146.2 },
];

/** A subscriber who visits at all visits this often a month (requestsPerAccountMonth's 7.5). */
const VISITS_PER_ACTIVE_MONTH = 7.5;
/** Changes of what the home shard's copy of the links and profile holds, a month, for such a subscriber. */
const COPY_CHANGES_PER_ACTIVE_MONTH = 0.5;
/**
 * How often a visit finds no copy and reads (then keeps) it: visits as a Poisson stream of rate λ a day and a copy
 * trusted T days make one visit in 1 + λT the first after the copy's time; each change makes one more.
 */
const COPY_READS_PER_VISIT =
  1 / (1 + (VISITS_PER_ACTIVE_MONTH / DAYS_PER_MONTH) * (LINKS_COPY_TTL_MS / 86_400_000)) +
  COPY_CHANGES_PER_ACTIVE_MONTH / VISITS_PER_ACTIVE_MONTH;

const ASSUMPTIONS: Assumption[] = [
  { key: "fixedAccounts", value: 15e6, unit: "accounts", source: `${ISSUE}; design.md («≈ 15 M fixed-line accounts»)` },
  {
    key: "mobileAccounts",
    value: 48e6,
    unit: "accounts",
    source: `${ISSUE} (t2: ≈ 48 M numbers); one number = one personal account (t2 sells a contract per number): the upper bound`,
  },
  { key: "internetShare", value: 10.6 / 15, unit: "per fixed account", source: `${ISSUE}: ≈ 10.6 M fibre households / 15 M` },
  { key: "tvShare", value: 10 / 15, unit: "per fixed account", source: `${ISSUE}: ≈ 10 M TV / 15 M` },
  { key: "landlineShare", value: 8.6 / 15, unit: "per fixed account", source: `${ISSUE}: ≈ 8.6 M fixed lines / 15 M` },
  {
    key: "optionsPerAccount",
    value: 0.2,
    unit: "add-ons charged daily",
    source: "assumed; seed: «дополнительные услуги» (антивирус, статический IP, …), one in five accounts",
  },
  {
    key: "paymentsPerMonth",
    value: 1.3,
    unit: "payments / account / month",
    source: "assumed; seed: «оплата услуг» monthly (demo: one payment a month), plus top-ups",
  },
  {
    key: "eventsPerPayment",
    value: 3,
    unit: "payment_events / payment",
    source: "code: created → pending (client), webhook succeeded, sync (features/payments)",
  },
  { key: "promisedPerMonth", value: 0.03, unit: "/ account / month", source: "assumed; seed: «обещанный платёж»; 2 ledger rows each" },
  { key: "bonusShare", value: 0.3, unit: "members / account", source: "assumed; seed: «Бонус»; one earn row a month per member" },
  {
    key: "mobileUsagePerMonth",
    value: 450,
    unit: "usage records / number / month",
    source: `${ISSUE} («≈ 450 usage records per mobile number per month»); fixed-line kinds: measured from the demo generator`,
  },
  { key: "reportsPerMonth", value: 0.05, unit: "usage reports / account / month", source: "assumed; seed: «детализация» on request" },
  {
    key: "applicationsPerMonth",
    value: 0.04,
    unit: "/ account / month",
    source: "assumed; seed: «заявки» (connection, tariff change, block…)",
  },
  { key: "eventsPerApplication", value: 4, unit: "application_events", source: "code: received → in_work → technician_assigned → done" },
  { key: "chatsPerMonth", value: 0.03, unit: "/ account / month", source: "assumed; seed: «онлайн-чат»" },
  { key: "messagesPerChat", value: 10, unit: "messages / chat", source: "assumed" },
  { key: "ticketsPerMonth", value: 0.02, unit: "/ account / month", source: "assumed; seed: «обращения»" },
  { key: "eventsPerTicket", value: 4, unit: "ticket_events / ticket", source: "assumed (new → in_work → resolved → closed)" },
  { key: "organisations", value: 0.7e6, unit: "organisations", source: `${ISSUE} («≈ … 0.7 M businesses»)` },
  { key: "accountsPerOrg", value: 2, unit: "accounts / organisation", source: "assumed (most are one office; some have hundreds)" },
  {
    key: "movedAccountsShare",
    value: 0.05,
    unit: "of accounts",
    source:
      "assumed: accounts moved between shards over the years (a shard added to a branch takes some of its full shards' accounts); each keeps its global directory row (its moves' rows name it, features/shards/move.service.ts)",
  },
  {
    key: "closingDocsPerOrgMonth",
    value: 1,
    unit: "/ organisation / month",
    source: "code: the monthly УПД of every organisation with charges (features/business/closing.service.ts)",
  },
  { key: "invoicesPerOrgMonth", value: 0.5, unit: "/ organisation / month", source: "assumed; seed: «счёт на оплату» on request" },
  { key: "orgPaymentsPerOrgMonth", value: 1, unit: "/ organisation / month", source: "assumed: a payment for its accounts a month" },
  { key: "auditPerOrgMonth", value: 6, unit: "/ organisation / month", source: "assumed: documents, payments, employees' changes" },
  { key: "bankLinesPerOrgMonth", value: 0.5, unit: "/ organisation / month", source: "assumed: its bank transfers in the statements" },
  { key: "reconciliationsPerOrgMonth", value: 0.1, unit: "/ organisation / month", source: "assumed; seed: «акт сверки»" },
  { key: "orgTicketsPerOrgMonth", value: 0.05, unit: "/ organisation / month", source: "assumed" },
  {
    key: "notificationsPerMonth",
    value: 4,
    unit: "events / account / month",
    source: "assumed: payment credited ×1.3, low balance, autopay notice, application status…",
  },
  {
    key: "deliveriesPerNotification",
    value: 2.5,
    unit: "deliveries rows / event",
    source: "code: defaults push + inapp (+ sms for low balance, outage): notifications.catalog.ts",
  },
  {
    key: "providerMessagesPerNotification",
    value: 0.4,
    unit: "SMS/e-mail / event",
    source: "assumed share of events that go out by SMS or e-mail",
  },
  {
    key: "inboxRetentionMonths",
    value: INBOX_RETENTION_MONTHS,
    unit: "months",
    source: "code: INBOX_RETENTION_MONTHS (features/notifications/notifications.retention.ts); the seed states no period",
  },
  {
    key: "deliveryRetentionDays",
    value: DELIVERY_RETENTION_MS / 86_400_000,
    unit: "days",
    source: `code: DELIVERY_RETENTION_MS (notifications.retention.ts), well past ${QUEUES_LIMITS} (a queue keeps a message 14 days at most)`,
  },
  {
    key: "retentionRowsPerRun",
    value: RETENTION_PAGE * RETENTION_PAGES,
    unit: "rows / table / run",
    source: `code: RETENTION_PAGE ${RETENTION_PAGE} rows × RETENTION_PAGES ${RETENTION_PAGES} statements (notifications.retention.ts)`,
  },
  { key: "housekeepingRunsPerDay", value: 96, unit: "runs / day", source: "wrangler.toml: housekeeping cron */15 * * * *" },
  {
    key: "expirePage",
    value: 10_000,
    unit: "rows a table a run",
    source: "code: EXPIRE_PAGE, what housekeeping deletes of a global table (and of each message store) a run (housekeeping.service.ts)",
  },
  {
    key: "retentionShardsPerRun",
    value: Math.floor(RETENTION_STATEMENTS / (2 * RETENTION_PAGES)),
    unit: "shards / run",
    source: `code: RETENTION_STATEMENTS ${RETENTION_STATEMENTS} / (2 tables × RETENTION_PAGES ${RETENTION_PAGES}) (notifications.retention.ts)`,
  },
  { key: "subscribersPerAccount", value: 1, unit: "logins / account", source: "assumed: one login per account (relatives reuse theirs)" },
  { key: "linksPerAccount", value: 1.1, unit: "account_links / account", source: "assumed: owner + one relative in ten" },
  { key: "cardsPerAccount", value: 0.4, unit: "saved cards / account", source: "assumed: autopay and «запомнить карту»" },
  { key: "passkeysPerAccount", value: 0.1, unit: "passkeys / account", source: "assumed" },
  { key: "identitiesPerAccount", value: 0.3, unit: "linked providers / account", source: "assumed: Госуслуги, T-ID, VK ID" },
  {
    key: "notificationPrefsPerAccount",
    value: 2,
    unit: "notification_prefs rows / account",
    source: "assumed: a row per kind whose channels the subscriber changed (defaults need none)",
  },
  { key: "notificationSettingsPerAccount", value: 0.3, unit: "/ account", source: "assumed: quiet hours or marketing set" },
  {
    key: "liveSessionsPerAccount",
    value: 0.8,
    unit: "sessions alive",
    source: "assumed; sessions live ≤ 30 days (session.ts ABSOLUTE_TIMEOUT_MS)",
  },
  {
    key: "drainCallsPerTable",
    value: DRAIN_CALLS,
    unit: "D1 calls / table / run",
    source: `code: DRAIN_CALLS (features/notifications/drain.limits.ts): ${DRAIN_CALLS * DRAIN_TABLES} over its ${DRAIN_TABLES} tables`,
  },
  {
    key: "alertHomeShardsPerPage",
    value: 2,
    unit: "home shards / page of 90 accounts",
    source:
      "assumed: a subscriber's home shard is their first account's, mostly the page's own shard; a relative's account adds another (features/notifications/alerts.service.ts chargeChoices: one read a home shard)",
  },
  { key: "pushSubscriptionsPerAccount", value: 0.5, unit: "/ account", source: "assumed: half install the PWA and allow pushes" },
  {
    key: "requestsPerAccountMonth",
    value: 30,
    unit: "API requests / account / month",
    source: "assumed: 40 % monthly active × 7.5 visits × 10 API calls",
  },
  {
    key: "rowsReadPerRequest",
    value: 60,
    unit: "D1 rows read / request",
    source: "assumed for the bounded design (indexed reads; the balance reads the open month and the period row)",
  },
  {
    key: "cpuMsPerRequest",
    value: 8,
    unit: "CPU ms / request",
    source: "assumed (JSON, session HMAC, drizzle); argon2id logins not included",
  },
  { key: "loginsPerAccountMonth", value: 1, unit: "logins / account / month", source: "assumed (PWA sessions last up to 30 days)" },
  { key: "readQueryMs", value: 1, unit: "ms / read query", source: `${D1_LIMITS} (FAQ: an indexed read «less than a millisecond»)` },
  {
    key: "writeQueryMs",
    value: 4,
    unit: "ms / write query",
    source: `${D1_LIMITS} (FAQ: writes «can take several milliseconds»); 4 assumed`,
  },
  {
    key: "writeRowMs",
    value: 0.025,
    unit: "ms / row written in bulk",
    source:
      "measured, not written here (timings vary): the cron's INSERT … SELECT on the sample took 0.006 (idle) to 0.025 ms (busy 2-core machine) a row; the busy end is used; each run prints its own",
  },
  { key: "shardBytes", value: 10e9, unit: "bytes", source: `${D1_LIMITS} (10 GB per database, cannot be increased)` },
  { key: "headroom", value: 0.7, unit: "of 10 GB", source: ISSUE },
  { key: "months", value: 36, unit: "months", source: `${ISSUE}; 126-ФЗ art. 64: usage metadata kept 3 years` },
  {
    key: "usageTotalsMonths",
    value: STORAGE_MONTHS,
    unit: "months",
    source: "code: STORAGE_MONTHS (worker/features/usage/usage.limits.ts): the totals are kept, and expired, with their month's R2 object",
  },
  {
    key: "moneyKeptMonths",
    value: MONEY_KEPT_MONTHS,
    unit: "months",
    source:
      "code: ARCHIVE_AFTER_MONTHS 36 + 12 (worker/features/billing/archive.limits.ts): a year of money goes to R2 once its December is more than 36 months back, so D1 keeps 37 to 48 months",
  },
  {
    key: "usageDayMonths",
    value: RETENTION_MONTHS + 2,
    unit: "months",
    source:
      "code (worker/features/usage/usage.limits.ts): the screen's RETENTION_MONTHS, this month, and the month before the fold (foldBeforeMonth) keep day rows; housekeeping folds older ones into month rows",
  },
  { key: "chargeBatch", value: 2000, unit: "services / statement", source: "worker/features/billing/billing.service.ts CHARGE_BATCH" },
  {
    key: "chargeBatchesPerMessage",
    value: 200,
    unit: "batches / queue message",
    source: "worker/features/cron/daily.service.ts CHARGE_BATCHES_PER_MESSAGE",
  },
  { key: "areaPage", value: 500, unit: "accounts / page", source: "worker/features/notifications/notifications.consumer.ts AREA_PAGE" },
  {
    key: "areaCallsPerMessage",
    value: 200,
    unit: "D1 queries + sends / message",
    source: "worker/features/notifications/notifications.consumer.ts AREA_CALLS_PER_MESSAGE",
  },
  {
    key: "areaLookupsPerPage",
    value: 8,
    unit: "shards / page",
    source: "worker/features/notifications/notifications.consumer.ts AREA_LOOKUPS_PER_PAGE",
  },
  { key: "chargeWindowSec", value: 3600, unit: "s", source: "the hourly cron: a region's day charged within the hour after its midnight" },
  {
    key: "outageSubscribers",
    value: 1e6,
    unit: "subscribers",
    source: "assumed: a city of a million subscribers (Moscow branch ≈ 6 M accounts)",
  },
  { key: "outageWindowSec", value: 600, unit: "s", source: "assumed: everyone told within 10 minutes" },
  {
    key: "outageQueueMessagesPerSubscriber",
    value: 2.5,
    unit: "messages",
    source: "code: 1 event + 1 SMS + push per subscription (outage defaults sms, push, inapp)",
  },
  {
    key: "outageShardWritesPerSubscriber",
    value: 5,
    unit: "write queries",
    source: "code (home shard): inbox 1; deliveries: inapp record 1, sms record 1, push claim + record 2 (notifications.consumer.ts)",
  },
  {
    key: "outageMessageWritesPerSubscriber",
    value: 2,
    unit: "write queries",
    source: "code (the key's message store): the SMS's provider_messages claim and its «accepted» (adapters/provider-messages.ts)",
  },
  {
    key: "messageStores",
    value: PRODUCTION_MESSAGE_STORES,
    unit: "databases",
    source: "wrangler.toml: [env.production]'s MESSAGES_<n> bindings (platform/message-stores.ts)",
  },
  {
    key: "identityStores",
    value: PRODUCTION_IDENTITY_STORES,
    unit: "databases",
    source: "wrangler.toml: [env.production]'s IDENTITY_<n> bindings (platform/identity-stores.ts)",
  },
  {
    key: "signInKeysPerSubscriber",
    value: 2.5,
    unit: "keys / subscriber",
    source:
      "code: a key for each of the phone, e-mail and login a subscriber has (features/auth/sign-ins.service.ts); assumed: every one a login (registration asks for one) and a phone, half an e-mail",
  },
  {
    key: "contractContactsPerAccount",
    value: 1,
    unit: "rows / account",
    source:
      "sample: the contract's phone (platform/contract-contacts.ts indexes each contact on a contract once: its phone, and its e-mail when it has one)",
  },
  {
    key: "outageShardReadsPerSubscriber",
    value: 2 / (100 / 2.5),
    unit: "read queries",
    source:
      "code (home shard): a queue batch's events read their subscribers' settings and choices, one batch of 2 queries a home shard (notifications.consumer.ts readForEvents); 40 events a batch of 100 messages, a city's events on a shard mostly its own subscribers'",
  },
  {
    key: "outageGlobalReadsPerSubscriber",
    value: 6 / (100 / 2.5),
    unit: "read queries",
    source:
      "code (global): a queue batch's events read together, one batch of 6 queries (subscribers with home shards, the global inbox and devices not yet drained, settings, choices, the accounts' regions; notifications.consumer.ts readForEvents); a batch of 100 messages (wrangler.toml max_batch_size) holds 40 events beside their 1.5 SMS and pushes each",
  },
  {
    key: "statementWindowSec",
    value: 6 * 3600,
    unit: "s",
    source: "assumed: the month closed and statements made in the 6 hours after local midnight",
  },
  {
    key: "statementEmailShare",
    value: 0.2,
    unit: "of accounts",
    source: "assumed: statements sent by e-mail (not sent by the code yet: counted as an upper bound)",
  },
  {
    key: "stormLogins",
    value: 2e6,
    unit: "logins",
    source: "assumed: after a mass outage or an app release, 3 % of everyone signs in (issue 21 defends it)",
  },
  { key: "stormWindowSec", value: 600, unit: "s", source: "assumed: within 10 minutes" },
  {
    key: "stormCityAccounts",
    value: Math.round(63e6 * (BRANCH_SHARES.find((b) => b.code === "moscow")?.share ?? 1)),
    unit: "accounts",
    source:
      "assumed: the storm is one big city's, Moscow's (its branch's share of 63 M): a shard's subscribers log in at stormLogins / this, at most all of them",
  },
  {
    key: "stormGlobalReadsPerLogin",
    value: 0.05 * COPY_READS_PER_VISIT,
    unit: "read queries",
    source:
      "code: a login reads nothing global when its key is trusted (features/auth/sign-ins.service.ts; measured by test/worker/sessions-home-shard.test.ts and sign-ins.test.ts); one by account number trusts its key only beside its owner's home-shard copy of their links, and reads the owner's link and row (1 query) when they have none (as often as a visit finds none: globalReadsPerVisit); assumed: a twentieth of logins type the account number; the visit a login opens is globalReadsPerVisit more",
  },
  {
    key: "stormKeyReadsPerLogin",
    value: 1,
    unit: "read queries",
    source:
      "code: the key of the phone, e-mail, login or account number in its identity store, and as many reads of the sign-in row in the home shard (features/auth/sign-ins.service.ts findSignIn; measured by test/worker/sessions-home-shard.test.ts: 1 round trip in IDENTITY_<n>)",
  },
  {
    key: "busyHourShare",
    value: 0.1,
    unit: "of a day's requests",
    source: "assumed: the evening's busiest hour carries a tenth of the day's requests",
  },
  {
    key: "requestsPerVisit",
    value: 10,
    unit: "requests / visit",
    source: "assumed (as in requestsPerAccountMonth): a page and nine API calls",
  },
  {
    key: "visitsPerActiveMonth",
    value: VISITS_PER_ACTIVE_MONTH,
    unit: "visits / active subscriber / month",
    source: "assumed (as in requestsPerAccountMonth): 7.5 visits a month by a subscriber who visits at all",
  },
  {
    key: "copyChangesPerActiveMonth",
    value: COPY_CHANGES_PER_ACTIVE_MONTH,
    unit: "changes / active subscriber / month",
    source:
      "assumed: a change of what the home shard's copy holds (a link made or removed, a threshold, a contact, the password, a move of a held account) once in two months",
  },
  {
    key: "globalReadsPerVisit",
    // A visit reads the global database only when its subscriber's copy is gone: the first visit after the copy's
    // trust ends (visits as a Poisson stream, rate λ a day, a copy trusted T days: one visit in 1 + λT makes it), or
    // after a change forgot it. Its links are the home shard's: that request reads the profile (one global query) and their
    // accounts' places in the identity stores beside it.
    value: COPY_READS_PER_VISIT,
    unit: "read queries / visit",
    source: `code: the profile in one query (the links are the home shard's, platform/links.ts; their accounts' places the identity stores', platform/places.ts), kept in the home shard by the visit's first request that finds no copy (platform/session.ts selectSessionCopy), trusted ${LINKS_COPY_TTL_MS / 86_400_000} days (every change forgets it, before and after: LINKS_COPY_TTL_MS); model: 1 / (1 + visitsPerActiveMonth / 30.44 × ${LINKS_COPY_TTL_MS / 86_400_000}) + copyChangesPerActiveMonth / visitsPerActiveMonth; a region's outages kept per isolate for 30 s (features/notifications); measured by test/worker/accounts.test.ts «a visit» (1 query when there is no copy) and «is still trusted hours after» (0)`,
  },
  {
    key: "shardReadsPerRequest",
    value: 4,
    unit: "read queries",
    source:
      "code: the session and the links' copy in the home shard (one batch); assumed: two reads of the account's data (home screen: one per shard)",
  },
  {
    key: "shardWritesPerVisit",
    value: COPY_READS_PER_VISIT,
    unit: "write queries / visit",
    source:
      "code: the copy of the links and profile, kept by the visit's first request that finds none (platform/session.ts keepSessionCopy): as often as globalReadsPerVisit",
  },
  {
    key: "stormShardWritesPerLogin",
    value: 1,
    unit: "write queries",
    source: "code: the session row, in the subscriber's home shard (platform/session.ts openSession)",
  },
  {
    key: "usageBatchesPerMonth",
    value: 30,
    unit: "R2 writes / service / month",
    source: "assumed: billing sends a day's records in one batch",
  },
  { key: "queueBatchSize", value: 10, unit: "messages / consumer call", source: `${QUEUES_PRICING} (the default batch is 10)` },
  { key: "doMsPerRequest", value: 5, unit: "ms active / login", source: "assumed (one throttle check)" },
];

const A = Object.fromEntries(ASSUMPTIONS.map((x) => [x.key, x.value])) as unknown as Assumptions;

const PRICES: Prices & { sources: Record<keyof Prices, string> } = {
  d1RowsReadPerM: 0.001,
  d1RowsWrittenPerM: 1.0,
  d1StoragePerGbMonth: 0.75,
  queueOpsPerM: 0.4,
  r2StoragePerGbMonth: 0.015,
  r2ClassAPerM: 4.5,
  r2ClassBPerM: 0.36,
  workersRequestsPerM: 0.3,
  workersCpuMsPerM: 0.02,
  doRequestsPerM: 0.15,
  doGbSecondsPerM: 12.5,
  sources: {
    d1RowsReadPerM: D1_PRICING,
    d1RowsWrittenPerM: D1_PRICING,
    d1StoragePerGbMonth: D1_PRICING,
    queueOpsPerM: QUEUES_PRICING,
    r2StoragePerGbMonth: R2_PRICING,
    r2ClassAPerM: R2_PRICING,
    r2ClassBPerM: R2_PRICING,
    workersRequestsPerM: WORKERS_PRICING,
    workersCpuMsPerM: WORKERS_PRICING,
    doRequestsPerM: DO_PRICING,
    doGbSecondsPerM: DO_PRICING,
  },
};

// ---------- The sample ----------

const SAMPLE = { fixed: 1000, mobile: 500, from: "2026-01-01", days: 45 } as const;
const START = Date.parse(`${SAMPLE.from}T00:00:00Z`);
const REGION = "msk";

/** mulberry32: the same sample on every machine. */
function prng(seed: number) {
  let a = seed | 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rnd = prng(20);
const int = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));
const digits = (n: number) => Array.from({ length: n }, () => int(0, 9)).join("");
const hex = (n: number) => Array.from({ length: n }, () => "0123456789abcdef"[int(0, 15)]).join("");

/** The shape of worker/platform/ids.ts newId (48-bit time + 80 bits, base32hex, 26 characters), from the seeded PRNG. */
function idAt(ms: number): string {
  const alphabet = "0123456789abcdefghijklmnopqrstuv";
  const bytes = new Uint8Array(16);
  let ts = ms;
  for (let i = 5; i >= 0; i--) {
    bytes[i] = ts % 256;
    ts = Math.floor(ts / 256);
  }
  for (let i = 6; i < 16; i++) bytes[i] = int(0, 255);
  let out = "";
  let bits = 0;
  let value = 0;
  for (const b of bytes) {
    value = ((value << 8) | b) & 0xffff;
    bits += 8;
    while (bits >= 5) {
      out += alphabet[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  return bits > 0 ? out + alphabet[(value << (5 - bits)) & 31] : out;
}

const dayOf = (i: number) => new Date(START + i * 86_400_000).toISOString().slice(0, 10);

function open(path: string, migrations: string): DatabaseSync {
  const db = new DatabaseSync(path, { enableForeignKeyConstraints: false });
  const dir = join(ROOT, "migrations", migrations);
  for (const f of readdirSync(dir)
    .filter((x) => x.endsWith(".sql"))
    .sort()) {
    for (const q of readFileSync(join(dir, f), "utf8").split("--> statement-breakpoint")) if (q.trim()) db.exec(q);
  }
  return db;
}

/** Inserts through one prepared statement per table and column list. */
function inserter(db: DatabaseSync) {
  const cache = new Map<string, ReturnType<DatabaseSync["prepare"]>>();
  return (table: string, row: Record<string, SQLInputValue | undefined>) => {
    const cols = Object.keys(row);
    const key = `${table}(${cols.join(",")})`;
    let st = cache.get(key);
    if (!st) {
      st = db.prepare(`INSERT INTO ${table} (${cols.join(",")}) VALUES (${cols.map(() => "?").join(",")})`);
      cache.set(key, st);
    }
    st.run(...cols.map((c) => row[c] ?? null));
  };
}

interface SampleService {
  id: string;
  accountNo: string;
  kind: "internet" | "tv" | "landline" | "mobile";
  code: string;
  nameRu: string;
  nameEn: string;
}

const tariffOf = (kind: SampleService["kind"]) => {
  const options = TARIFF_TEMPLATES.filter((t) => t.kind === kind);
  const t = options[int(0, options.length - 1)] ?? options[0];
  if (!t) throw new Error(`no tariff of kind ${kind}`);
  return t;
};

const SURNAMES = ["Иванов", "Смирнова", "Кузнецов", "Попова", "Васильев", "Петрова", "Соколов", "Михайлова", "Новиков", "Фёдорова"];
const NAMES = ["Анна", "Пётр", "Ольга", "Мария", "Игорь", "Денис", "Елена", "Сергей", "Наталья", "Алексей"];
const STREETS = ["ул. Тверская", "Ленинский пр-т", "ул. Профсоюзная", "Варшавское ш.", "ул. Маросейка", "Кутузовский пр-т"];

interface Sample {
  region: DatabaseSync;
  global: DatabaseSync;
  /** A message store (migrations/messages): the provider messages of the sample's notifications. */
  messages: DatabaseSync;
  /** An identity store (migrations/identity): the keys of the sample's links to identity providers. */
  identity: DatabaseSync;
  services: SampleService[];
  usageByKind: Record<SampleService["kind"], { records: number; totals: number; monthRows: number; serviceMonths: number }>;
  compressedBytesPerUsageRecord: number;
  compressedBytesPerMoneyRow: number;
  localRowMs: number;
}

/**
 * What subscribers keep beside their profile, drawn after the rest at the assumptions' rates: identity providers linked,
 * saved cards, passkeys, notification choices and settings in their home shard (`put`, the regional sample), the links'
 * keys in an identity store (`iput`), with the columns the code writes; the links also in the global table an older
 * deployment kept them in (`gput`), for what the move took from it.
 */
function profileSample(
  gput: ReturnType<typeof inserter>,
  iput: ReturnType<typeof inserter>,
  put: ReturnType<typeof inserter>,
  accountNos: { no: string; subscriberId: string }[],
  created: number,
) {
  const kinds = ["low_balance", "payment_credited", "charge_made", "autopay_notice", "outage", "promo", "report_ready"];
  for (const { no, subscriberId } of accountNos) {
    if (rnd() < A.cardsPerAccount)
      put("cards", {
        id: idAt(created),
        subscriber_id: subscriberId,
        token: uuid(),
        brand: "MIR",
        last4: digits(4),
        exp_month: int(1, 12),
        exp_year: int(2027, 2032),
        created_at: created,
      });
    if (rnd() < A.passkeysPerAccount)
      put("passkeys", {
        id: hex(43),
        subscriber_id: subscriberId,
        public_key: hex(174),
        counter: 0,
        transports: JSON.stringify(["internal", "hybrid"]),
        name: "Телефон",
        created_at: created,
        last_used_at: created,
      });
    if (rnd() < A.identitiesPerAccount) {
      const subject = digits(10);
      const row = { provider: "gosuslugi", subject, subscriber_id: subscriberId, display_name: "Иванова А. С.", created_at: created };
      put("identities", row);
      // The global table an older deployment kept them in, measured for what the move took from the global database.
      gput("external_identities", row);
      iput("login_keys", { key: `idp:gosuslugi:${subject}`, subscriber_id: subscriberId, home_shard: "DB_MOSCOW_17", created_at: created });
    }
    const prefs = Math.floor(A.notificationPrefsPerAccount) + (rnd() < A.notificationPrefsPerAccount % 1 ? 1 : 0);
    for (const kind of kinds.slice(0, prefs))
      put("notification_prefs", { subscriber_id: subscriberId, account_no: no, kind, channels: "push,inapp", updated_at: created });
    if (rnd() < A.notificationSettingsPerAccount)
      put("notification_settings", {
        subscriber_id: subscriberId,
        quiet_from: 23 * 60,
        quiet_to: 8 * 60,
        marketing: 0,
        updated_at: created,
      });
  }
}

/** A UUID's shape from the seeded PRNG (the sample is the same on every run). */
const uuid = () => `${hex(8)}-${hex(4)}-4${hex(3)}-a${hex(3)}-${hex(12)}`;

/** Organisations measured for the business tables: each with `accountsPerOrg` of the sample's fixed-line accounts. */
const SAMPLE_ORGS = 300;

/**
 * The business cabinet's rows in the global database (features/business, features/bank), drawn after the rest of the
 * sample (which draws what it drew before): `SAMPLE_ORGS` organisations over the sample's days, at the assumptions'
 * rates, with the columns and JSON the code writes (a closing document's parties are both sides' requisites).
 */
function businessSample(
  gput: ReturnType<typeof inserter>,
  /** The regional sample: an organisation's documents and audit are on its home shard. */
  put: ReturnType<typeof inserter>,
  accountNos: { no: string; kind: Kind; subscriberId: string; phone: string }[],
  services: SampleService[],
  created: number,
) {
  const perOrg = Math.max(1, Math.round(A.accountsPerOrg));
  const servicesOf = new Map<string, SampleService[]>();
  for (const sv of services) servicesOf.set(sv.accountNo, [...(servicesOf.get(sv.accountNo) ?? []), sv]);
  const requisites = (name: string, inn: string) => ({
    name,
    inn,
    kpp: digits(9),
    address: `125009, г. Москва, ${STREETS[int(0, STREETS.length - 1)]}, д. ${int(1, 120)}, офис ${int(1, 400)}`,
    bank: { bik: `04452${digits(4)}`, name: "ПАО Сбербанк", account: `40702810${digits(12)}`, corr: `30101810${digits(12)}` },
  });
  const orgs = Array.from({ length: SAMPLE_ORGS }, (_, k) => {
    const id = idAt(created + k * 7);
    const inn = digits(10);
    const name = `ООО «${SURNAMES[k % 10]} и партнёры ${k}»`;
    const accounts = accountNos.slice(k * perOrg, k * perOrg + perOrg).filter((x) => x.kind === "fixed");
    gput("organisations", {
      id,
      kind: "legal",
      name,
      inn,
      kpp: digits(9),
      ogrn: digits(13),
      legal_address: `125009, г. Москва, ${STREETS[k % STREETS.length]}, д. ${int(1, 120)}`,
      postal_address: `125009, г. Москва, ${STREETS[k % STREETS.length]}, д. ${int(1, 120)}`,
      bik: `04452${digits(4)}`,
      bank_name: "ПАО Сбербанк",
      settlement_account: `40702810${digits(12)}`,
      contact_phone: `+7495${digits(7)}`,
      contact_email: `buh@${hex(8)}.ru`,
      created_at: created,
    });
    const admin = accounts[0]?.subscriberId;
    if (admin)
      gput("org_members", {
        org_id: id,
        subscriber_id: admin,
        role: "administrator",
        account_scope: null,
        created_at: created,
        site_scope: null,
      });
    for (const acc of accounts) gput("org_accounts", { org_id: id, account_no: acc.no, created_at: created, site_id: null });
    return {
      id,
      inn,
      name,
      admin,
      accounts,
      parties: JSON.stringify({ seller: requisites("ПАО «Ростелеком»", "7707049388"), buyer: requisites(name, inn) }),
    };
  });
  let docSeq = 0;
  let invoiceSeq = 0;
  for (let d = 0; d < SAMPLE.days; d++) {
    const t = START + d * 86_400_000 + 10 * 3_600_000;
    const day = new Date(t).toISOString().slice(0, 10);
    // The operator's bank statement of the day, its lines drawn with the organisations' transfers below.
    const statementId = idAt(t);
    gput("bank_statements", {
      id: statementId,
      file_sha256: hex(64),
      file_name: `kl_to_1c_${day}.txt`,
      encoding: "windows-1251",
      documents: SAMPLE_ORGS,
      incoming: SAMPLE_ORGS,
      uploaded_by: "Оператор",
      address: "192.0.2.10",
      uploaded_at: t,
    });
    for (const org of orgs) {
      const when = (rate: number) => rnd() < rate / DAYS_PER_MONTH;
      const audit = (action: string, target: string | null) =>
        put("org_audit", {
          id: idAt(t),
          org_id: org.id,
          actor_id: org.admin ?? null,
          actor_name: "Иванова Анна Сергеевна",
          action,
          target,
          details: JSON.stringify({ amountKop: int(10_000, 900_000), accounts: org.accounts.map((a) => a.no) }),
          address: `203.0.113.${int(1, 254)}`,
          created_at: t,
        });
      // The monthly УПД on the 3rd (closing.service.ts issues them on days 1–5), a line per service of each account.
      if (day.endsWith("-03") && A.closingDocsPerOrgMonth > 0) {
        const docId = idAt(t);
        docSeq++;
        put("closing_documents", {
          id: docId,
          org_id: org.id,
          period: day.slice(0, 7),
          revision: 1,
          kind: "upd",
          number: `УПД-${day.slice(0, 4)}-${String(docSeq).padStart(7, "0")}`,
          year: Number(day.slice(0, 4)),
          seq: docSeq,
          corrects_id: null,
          doc_date: day,
          total_kop: int(100_000, 2_000_000),
          vat_kop: int(10_000, 300_000),
          parties: org.parties,
          file_guid: uuid(),
          status: "ready",
          pdf_key: `closing/${org.id}/${docId}.pdf`,
          xml_key: `closing/${org.id}/${docId}.xml`,
          created_at: t,
          ready_at: t + 60_000,
        });
        let lineNo = 0;
        for (const acc of org.accounts)
          for (const sv of servicesOf.get(acc.no) ?? [])
            put("closing_lines", {
              doc_id: docId,
              line_no: ++lineNo,
              account_no: acc.no,
              region: REGION,
              service_id: sv.id,
              name_ru: `Услуги связи: ${sv.nameRu}`,
              before_kop: null,
              vat_before_kop: null,
              amount_kop: int(50_000, 500_000),
              vat_kop: int(8_000, 80_000),
            });
        audit("closing.issued", docId);
      }
      if (when(A.invoicesPerOrgMonth)) {
        // On the organisation's home shard, its id naming it (features/business/org-home.ts newInvoiceId); its number's
        // row in the global invoice_numbers, its payment by a statement line in invoice_payments.
        const invoiceId = `iv-${idAt(t)}-DB_MOSCOW_2`;
        const number = `СЧ-${day.slice(0, 4)}-${String(++invoiceSeq).padStart(6, "0")}`;
        gput("invoice_numbers", { number, invoice_id: invoiceId });
        put("invoices", {
          id: invoiceId,
          number,
          org_id: org.id,
          issued_by: org.admin ?? "",
          total_kop: int(100_000, 2_000_000),
          vat_kop: int(10_000, 300_000),
          paid_kop: 0,
          status: "issued",
          created_at: t,
        });
        for (const acc of org.accounts)
          put("invoice_lines", { invoice_id: invoiceId, account_no: acc.no, amount_kop: int(50_000, 900_000), region: REGION });
        put("invoice_payments", {
          invoice_id: invoiceId,
          line_id: hex(64),
          amount_kop: int(100_000, 2_000_000),
          created_at: t + 86_400_000,
        });
        gput("invoice_requests", {
          org_id: org.id,
          issued_by: org.admin ?? "",
          idempotency_key: uuid(),
          request_hash: hex(64),
          invoice_id: invoiceId,
          created_at: t,
        });
        audit("invoice.issued", invoiceId);
      }
      if (org.admin && when(A.orgPaymentsPerOrgMonth)) {
        // On the organisation's home shard, its id naming it (features/business/org-home.ts newOrgPaymentId).
        const paymentId = `op-${idAt(t)}-DB_MOSCOW_2`;
        put("org_payments", {
          id: paymentId,
          org_id: org.id,
          payer_id: org.admin,
          idempotency_key: uuid(),
          request_hash: hex(64),
          amount_kop: int(100_000, 2_000_000),
          method: "card",
          status: "succeeded",
          acquirer_payment_id: uuid(),
          card_last4: digits(4),
          card_brand: "MIR",
          failure_code: null,
          address: `203.0.113.${int(1, 254)}`,
          receipt: JSON.stringify({ fiscalNo: digits(16), url: `https://ofd.example/${hex(24)}` }),
          created_at: t,
          updated_at: t + 30_000,
          credited_at: t + 30_000,
        });
        for (const acc of org.accounts)
          put("org_payment_lines", {
            payment_id: paymentId,
            account_no: acc.no,
            amount_kop: int(50_000, 900_000),
            credited_at: t + 30_000,
          });
        audit("payment.created", paymentId);
      }
      if (when(A.auditPerOrgMonth - A.closingDocsPerOrgMonth - A.invoicesPerOrgMonth - A.orgPaymentsPerOrgMonth))
        audit("employee.role", org.admin ?? null);
      if (when(A.bankLinesPerOrgMonth))
        gput("bank_statement_lines", {
          id: idAt(t),
          statement_id: statementId,
          doc_number: digits(6),
          doc_date: day,
          received_on: day,
          amount_kop: int(100_000, 2_000_000),
          payer_inn: org.inn,
          payer_account: `40702810${digits(12)}`,
          payer_name: org.name,
          payee_account: `40702810${digits(12)}`,
          purpose: `Оплата по счёту С-${day.slice(0, 4)}-${digits(7)} за услуги связи, в т.ч. НДС 20%`,
          status: "credited",
          reason: null,
          matched_by: "inn",
          invoice_id: null,
          targets: JSON.stringify(org.accounts.map((a) => ({ accountNo: a.no, amountKop: int(50_000, 900_000) }))),
          assigned_by: null,
          assigned_address: null,
          created_at: t,
          matched_at: t,
          credited_at: t,
        });
      if (when(A.reconciliationsPerOrgMonth))
        put("reconciliations", {
          // On the organisation's home shard, its id naming it (features/business/org-home.ts).
          id: `rc-${idAt(t)}-DB_MOSCOW_17`,
          org_id: org.id,
          requested_by: org.admin ?? "",
          from_day: `${day.slice(0, 4)}-01-01`,
          to_day: day,
          account_nos: JSON.stringify(org.accounts.map((a) => a.no)),
          lang: "ru",
          status: "ready",
          attempts: 1,
          opening_kop: 0,
          debit_kop: int(100_000, 2_000_000),
          credit_kop: int(100_000, 2_000_000),
          closing_kop: int(-100_000, 100_000),
          pdf_key: `reconciliations/${org.id}/rc-${hex(26)}-DB_MOSCOW_17.pdf`,
          xlsx_key: `reconciliations/${org.id}/rc-${hex(26)}-DB_MOSCOW_17.xlsx`,
          error: null,
          created_at: t,
          ready_at: t + 60_000,
        });
      if (org.admin && when(A.orgTicketsPerOrgMonth))
        // On the organisation's home shard (features/business/business-support.service.ts).
        put("org_tickets", {
          id: `${REGION}_${idAt(t)}`,
          org_id: org.id,
          subscriber_id: org.admin,
          account_no: org.accounts[0]?.no ?? null,
          region: REGION,
          shard: "DB_MOSCOW",
          created_at: t,
        });
    }
  }
}

function generate(): Sample {
  const region = open(":memory:", "region");
  // Raw usage left D1 (migration 0013: one R2 object per account-month, D1 keeps usage_daily_totals); the model
  // still measures what keeping it in D1 would cost, so the table comes back here with its old shape (0004).
  region.exec(`CREATE TABLE IF NOT EXISTS usage_records (id text PRIMARY KEY NOT NULL, account_no text NOT NULL, service_id text NOT NULL,
    category text NOT NULL, direction text, peer text, started_at integer NOT NULL, local_day text NOT NULL, duration_sec integer,
    volume_kb integer, cost_kop integer NOT NULL, title_ru text, title_en text);
    CREATE INDEX IF NOT EXISTS usage_account_day_idx ON usage_records (account_no, local_day, started_at, id);
    CREATE INDEX IF NOT EXISTS usage_service_day_idx ON usage_records (service_id, local_day);`);
  const global = open(":memory:", "global");
  const messages = open(":memory:", "messages");
  const identity = open(":memory:", "identity");
  const put = inserter(region);
  const gput = inserter(global);
  const mput = inserter(messages);
  const iput = inserter(identity);
  // SMSC ids as the stores make them: random, the store's index in the low five bits (platform/message-stores.ts);
  // random order fills the b-tree's pages as the real ones do. A generator of their own (an LCG), so the rest of the
  // sample draws what it drew before.
  const messageIds = new Set<number>();
  let lcg = 12345;
  const messageId = () => {
    for (;;) {
      lcg = (Math.imul(lcg, 1664525) + 1013904223) >>> 0;
      const id = ((lcg % (2 ** 26 - 1)) + 1) * 32 + 3;
      if (!messageIds.has(id)) {
        messageIds.add(id);
        return id;
      }
    }
  };
  const created = START - 400 * 86_400_000;

  region.exec("BEGIN");
  global.exec("BEGIN");
  messages.exec("BEGIN");
  identity.exec("BEGIN");
  for (const t of TARIFF_TEMPLATES)
    put("tariffs", {
      id: `${REGION}-${t.code}`,
      region: REGION,
      kind: t.kind,
      name_ru: t.nameRu,
      name_en: t.nameEn,
      description_ru: t.descriptionRu,
      description_en: t.descriptionEn,
      price_kop: t.baseRub * 100,
      speed_mbps: t.speedMbps,
      tv_channels: t.tvChannels,
      minutes: t.minutes,
      data_gb: t.dataGb,
      sort: 0,
      active: 1,
    });

  const services: SampleService[] = [];
  const accountNos: { no: string; kind: Kind; subscriberId: string; phone: string }[] = [];
  const total = SAMPLE.fixed + SAMPLE.mobile;
  for (let i = 0; i < total; i++) {
    const kind: Kind = i < SAMPLE.fixed ? "fixed" : "mobile";
    const no = makeAccountNo(`77${String(1_000_000 + i * 7919).padStart(9, "0")}`);
    const holder = `${SURNAMES[i % 10]} ${NAMES[(i * 3) % 10]} ${NAMES[(i * 7) % 10]}ович`;
    const phone = `+79${digits(9)}`;
    const subscriberId = idAt(created + i * 1000);
    accountNos.push({ no, kind, subscriberId, phone });
    put("accounts", {
      account_no: no,
      region: REGION,
      holder_name: holder,
      address: `г. Москва, ${STREETS[i % STREETS.length]}, д. ${int(1, 120)}, кв. ${int(1, 400)}`,
      status: "active",
      created_at: created,
      // The contract's phone (registration's and relative-linking's codes go there): the account's row keeps it.
      contact_phone: phone,
      contact_email: null,
    });
    const kinds: SampleService["kind"][] =
      kind === "mobile"
        ? ["mobile"]
        : ([
            rnd() < A.internetShare ? "internet" : null,
            rnd() < A.tvShare ? "tv" : null,
            rnd() < A.landlineShare ? "landline" : null,
          ].filter(Boolean) as SampleService["kind"][]);
    const mine: SampleService[] = [];
    for (const k of kinds) {
      const t = tariffOf(k);
      const s: SampleService = {
        id: idAt(created + i * 1000 + services.length),
        accountNo: no,
        kind: k,
        code: t.code,
        nameRu: t.nameRu,
        nameEn: t.nameEn,
      };
      services.push(s);
      mine.push(s);
      put("account_services", { id: s.id, account_no: no, tariff_id: `${REGION}-${t.code}`, status: "active", started_at: created });
    }
    if (rnd() < A.optionsPerAccount) {
      const s = mine[0];
      if (s) {
        put("account_options", {
          id: idAt(created + i),
          account_no: no,
          service_id: s.id,
          option_id: `${REGION}-antivirus`,
          status: "active",
          started_at: created,
          ended_at: null,
        });
      }
    }
    if (rnd() < A.bonusShare)
      put("bonus_members", {
        account_no: no,
        status: "active",
        joined_at: created,
        left_at: null,
        joined_by: subscriberId,
        rules_version: "2026-01",
      });
    // The global side of an account: its login, directory row, links, live session, push subscription.
    const email = `${hex(8)}@example.ru`;
    // A login as registration asks for one (made from the id: the sample draws nothing more for it).
    const login = `u${subscriberId.slice(-10).toLowerCase()}`;
    const passwordHash = `$argon2id$v=19$m=19456,t=2,p=1$${hex(22)}$${hex(43)}`;
    gput("subscribers", {
      id: subscriberId,
      display_name: holder,
      phone,
      email,
      login,
      // The password's record is in the home shard's sign-in row alone; the global column has the mark that it is there
      // (GLOBAL_PASSWORDS, features/auth/sign-ins.service.ts PASSWORD_AT_HOME).
      password_hash: "@home",
      locale: "ru",
      created_at: created,
    });
    // What a password login reads instead (features/auth/sign-ins.service.ts): the sign-in row in the home shard, and
    // a key for the phone and one for the e-mail in the identity stores.
    put("sign_ins", {
      subscriber_id: subscriberId,
      display_name: holder,
      phone,
      email,
      login,
      password_hash: passwordHash,
      password_at: created,
      updated_at: created,
    });
    iput("login_keys", { key: `phone:${phone}`, subscriber_id: subscriberId, home_shard: "DB_MOSCOW_17", created_at: created });
    iput("login_keys", { key: `email:${email}`, subscriber_id: subscriberId, home_shard: "DB_MOSCOW_17", created_at: created });
    iput("login_keys", { key: `login:${login}`, subscriber_id: subscriberId, home_shard: "DB_MOSCOW_17", created_at: created });
    // The account number's key, naming its owner (a login by number).
    iput("login_keys", { key: `account:${no}`, subscriber_id: subscriberId, home_shard: "DB_MOSCOW_17", created_at: created });
    // The contract's phone is on the account's row (above) and indexed by contact in an identity store, not here
    // (platform/contract-contacts.ts).
    gput("account_directory", { account_no: no, region: REGION, shard: "DB_MOSCOW", created_at: created });
    iput("contract_contacts", { contact: `phone:${phone}`, account_no: no, created_at: created });
    // Its place, copied from the directory (platform/places.ts).
    iput("account_places", { account_no: no, region: REGION, shard: "DB_MOSCOW", moving: null, as_of: created });
    const lowBalance = rnd() < 0.3 ? 10000 : null;
    gput("account_links", {
      subscriber_id: subscriberId,
      account_no: no,
      role: "owner",
      low_balance_kop: lowBalance,
      created_at: created,
    });
    // The same link by account, in the account's shard (platform/holders.ts).
    put("account_holders", {
      account_no: no,
      subscriber_id: subscriberId,
      role: "owner",
      low_balance_kop: lowBalance,
      home_shard: "DB_MOSCOW_17",
      created_at: created,
      state: null,
      changed_at: null,
    });
    // The same link by subscriber, in their home shard (platform/links.ts).
    put("subscriber_links", {
      subscriber_id: subscriberId,
      account_no: no,
      role: "owner",
      low_balance_kop: lowBalance,
      created_at: created,
    });
    // The copy of the subscriber's links and profile their sessions read, in the home shard (platform/session.ts).
    put("session_links", {
      subscriber_id: subscriberId,
      gen: 1,
      links: JSON.stringify([{ accountNo: no, role: "owner", lowBalanceKop: null, region: REGION, shard: "DB_MOSCOW" }]),
      profile: JSON.stringify({
        id: subscriberId,
        displayName: "Иванова Анна Сергеевна",
        phone: "+79161234567",
        email: "anna.ivanova@example.ru",
        login: null,
        hasPassword: true,
      }),
      filled_at: START,
    });
    if (rnd() < A.liveSessionsPerAccount)
      put("sessions", {
        id_hash: hex(64),
        subscriber_id: subscriberId,
        created_at: START,
        last_seen_at: START,
        expires_at: START + 30 * 86_400_000,
        user_agent: "Mozilla/5.0 (Linux; Android 14; SM-A546B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Mobile Safari/537.36",
        auth_method: "password",
        step_up_at: null,
        stamp_key: hex(64),
      });
    if (rnd() < A.pushSubscriptionsPerAccount)
      put("push_subscriptions", {
        id: idAt(START + i),
        subscriber_id: subscriberId,
        origin: "https://msk.kabinet.example",
        endpoint: `https://fcm.googleapis.com/fcm/send/${hex(22)}:APA91b${hex(140)}`,
        p256dh: hex(87),
        auth: hex(22),
        lang: "ru",
        created_at: START,
      });
  }

  // Usage records of each service over the sample, from the demo generator (mobile scaled to the issue's rate below).
  const usageByKind: Sample["usageByKind"] = {
    internet: { records: 0, totals: 0, monthRows: 0, serviceMonths: 0 },
    tv: { records: 0, totals: 0, monthRows: 0, serviceMonths: 0 },
    landline: { records: 0, totals: 0, monthRows: 0, serviceMonths: 0 },
    mobile: { records: 0, totals: 0, monthRows: 0, serviceMonths: 0 },
  };
  const usageByDay = new Map<string, ReturnType<typeof usageFor>>();
  const lastDay = dayOf(SAMPLE.days - 1);
  let gzBytes = 0;
  let gzRecords = 0;
  for (const s of services) {
    const rows = usageFor(s.accountNo, REGION, { id: s.id, kind: s.kind, code: s.code }, SAMPLE.from, lastDay);
    const u = usageByKind[s.kind];
    u.records += rows.length;
    // One row of usage_daily_totals per day, category and direction (its primary key with the account and service).
    u.totals += new Set(rows.map((r) => `${r.local_day}:${r.category}:${r.direction ?? "none"}`)).size;
    // And one month row per month, category and direction once the month is folded.
    u.monthRows += new Set(rows.map((r) => `${r.local_day.slice(0, 7)}:${r.category}:${r.direction ?? "none"}`)).size;
    u.serviceMonths += SAMPLE.days / DAYS_PER_MONTH;
    if (s.kind === "mobile") {
      // The raw record as R2 would keep it: one gzip'd NDJSON object per account and month.
      const month = rows.filter((r) => r.local_day.startsWith("2026-01"));
      gzBytes += gzipSync(month.map((r) => JSON.stringify(r)).join("\n")).length;
      gzRecords += month.length;
    }
    for (const r of rows) {
      const list = usageByDay.get(r.local_day) ?? [];
      list.push(r);
      usageByDay.set(r.local_day, list);
    }
  }

  // Day by day, as production writes them: the night's charges, the day's payments, usage, support and notifications.
  const optionRows = region.prepare("SELECT id, account_no, service_id FROM account_options").all() as {
    id: string;
    account_no: string;
    service_id: string;
  }[];
  let localRowMs = 0;
  let localRows = 0;
  const chargeBatch = region.prepare(`
    INSERT OR IGNORE INTO ledger_entries
      (id, account_no, kind, amount_kop, occurred_at, local_day, service_id, description_ru, description_en, idempotency_key, created_at)
    SELECT 'chg-' || s.id || '-' || $day, s.account_no, 'charge',
           -((t.price_kop * $d) / $days - (t.price_kop * ($d - 1)) / $days),
           $at, $day, s.id, 'Абонентская плата: ' || t.name_ru, 'Subscription fee: ' || t.name_en,
           'charge:' || s.id || ':' || $day, $at
    FROM account_services s JOIN tariffs t ON t.id = s.tariff_id
    WHERE s.rowid > $from AND s.rowid <= $to AND s.status = 'active'`);
  for (let d = 0; d < SAMPLE.days; d++) {
    const day = dayOf(d);
    const at = START + d * 86_400_000 + 21 * 3_600_000;
    // The cron's statement (worker/features/billing/billing.service.ts chargeDayPart): CHARGE_BATCH services by rowid.
    const t0 = performance.now();
    const dd = Number(day.slice(8, 10));
    const days = daysInMonth(day);
    for (let from = 0; from < services.length; from += A.chargeBatch)
      chargeBatch.run({ day, d: dd, days, at, from, to: from + A.chargeBatch });
    localRowMs += performance.now() - t0;
    localRows += services.length;
    for (const o of optionRows)
      put("ledger_entries", {
        id: `chg-opt-${o.id}-${day}`,
        account_no: o.account_no,
        kind: "charge",
        amount_kop: -500,
        occurred_at: at,
        local_day: day,
        service_id: o.service_id,
        description_ru: "Дополнительная услуга: Антивирус",
        description_en: "Add-on: Antivirus",
        idempotency_key: `charge:opt:${o.id}:${day}`,
        created_at: at,
      });
    for (const a of accountNos) {
      const t = at - int(1, 20) * 3_600_000;
      if (rnd() < A.paymentsPerMonth / DAYS_PER_MONTH) {
        const id = idAt(t);
        const amount = int(3, 20) * 10000;
        const method = (["card", "sbp", "sberpay", "tpay"] as const)[int(0, 3)] ?? "card";
        const card = method === "card" ? { cardLast4: digits(4), cardBrand: "mir" } : { cardLast4: null, cardBrand: null };
        put("payments", {
          id,
          account_no: a.no,
          payer_id: a.subscriberId,
          idempotency_key: `${hex(8)}-${hex(4)}-4${hex(3)}-a${hex(3)}-${hex(12)}`,
          request_hash: hex(64),
          purpose: "topup",
          amount_kop: amount,
          method,
          status: "succeeded",
          acquirer_payment_id: `${hex(8)}-000f-5000-a000-${hex(12)}`,
          save_card: 0,
          card_id: null,
          card_last4: card.cardLast4,
          card_brand: card.cardBrand,
          failure_code: null,
          created_at: t,
          updated_at: t + 40_000,
        });
        const steps: [string | null, string, string][] = [
          [null, "pending", "client"],
          ["pending", "succeeded", "webhook"],
          ["succeeded", "succeeded", "sync"],
        ];
        for (const [from, to, source] of steps.slice(0, A.eventsPerPayment))
          put("payment_events", {
            id: idAt(t),
            payment_id: id,
            event_id: source === "webhook" ? `evt_${hex(24)}` : null,
            source,
            from_status: from,
            to_status: to,
            applied: 1,
            at: t,
          });
        const receipt = buildReceipt({ id, accountNo: a.no, amountKop: amount, purpose: "topup", method, ...card }, REGION, new Date(t));
        put("receipts", { payment_id: id, account_no: a.no, number: receipt.number, issued_at: t, body: JSON.stringify(receipt) });
        put("ledger_entries", {
          id: idAt(t),
          account_no: a.no,
          kind: "payment",
          amount_kop: amount,
          occurred_at: t,
          local_day: day,
          service_id: null,
          description_ru: "Оплата банковской картой",
          description_en: "Card payment",
          idempotency_key: `payment:${id}`,
          created_at: t,
        });
      }
      if (rnd() < A.promisedPerMonth / DAYS_PER_MONTH) {
        const id = idAt(t);
        put("promised_payments", {
          id,
          account_no: a.no,
          amount_kop: 30000,
          status: "settled",
          taken_at: t,
          due_at: t + 3 * 86_400_000,
          settled_at: t + 86_400_000,
          settled_by: `payment:${idAt(t)}`,
        });
        for (const [kind, sign] of [
          ["promised_payment", 1],
          ["adjustment", -1],
        ] as const)
          put("ledger_entries", {
            id: idAt(t),
            account_no: a.no,
            kind,
            amount_kop: sign * 30000,
            occurred_at: t,
            local_day: day,
            service_id: null,
            description_ru: sign > 0 ? "Обещанный платёж" : "Погашение обещанного платежа",
            description_en: sign > 0 ? "Promised payment" : "Promised payment repaid",
            idempotency_key: `promised:${id}:${sign > 0 ? "credit" : "repay"}`,
            created_at: t,
          });
      }
      if (day.endsWith("-01") && rnd() < A.bonusShare)
        put("bonus_ledger", {
          id: `bonus-${a.no}-${day.slice(0, 7)}`,
          account_no: a.no,
          kind: "earn",
          points: int(20, 200),
          source_key: `earn:${a.no}:${day.slice(0, 7)}`,
          expires_at: t + 365 * 86_400_000,
          description_ru: `За оплату услуг, ${day.slice(0, 7)}`,
          description_en: `For services paid, ${day.slice(0, 7)}`,
          created_at: t,
        });
      if (rnd() < A.reportsPerMonth / DAYS_PER_MONTH)
        put("usage_reports", {
          id: hex(32),
          account_no: a.no,
          subscriber_id: a.subscriberId,
          service_id: null,
          from_day: `${day.slice(0, 8)}01`,
          to_day: day,
          categories: "call_in,call_local,call_long_distance,call_mobile,call_international,sms,internet,option",
          format: "pdf",
          delivery: "cabinet",
          email: null,
          lang: "ru",
          status: "ready",
          progress: 100,
          attempts: 1,
          row_count: int(100, 900),
          total_cost_kop: int(0, 90000),
          size_bytes: int(40_000, 400_000),
          file_key: `reports/${a.no}/${hex(32)}.pdf`,
          error: null,
          created_at: t,
          ready_at: t + 5000,
          expires_at: t + 7 * 86_400_000,
        });
      if (rnd() < A.applicationsPerMonth / DAYS_PER_MONTH) {
        const id = idAt(t);
        put("applications", {
          id,
          number: `З-${day.replace(/-/g, "").slice(2)}-${digits(6)}`,
          region: REGION,
          subscriber_id: a.subscriberId,
          account_no: a.no,
          service_id: null,
          kind: "tariff_change",
          status: "done",
          address: null,
          contact_phone: a.phone,
          preferred_day: day,
          preferred_slot: "09-13",
          technician: null,
          details: JSON.stringify({ fromTariffId: `${REGION}-inet-100`, toTariffId: `${REGION}-inet-300`, comment: "" }),
          effects_at: t,
          created_at: t,
          updated_at: t,
        });
        // Its entry in the directory of the subscriber's home shard (here the account's own), as for the inbox.
        put("application_directory", { id, subscriber_id: a.subscriberId, region: REGION, shard: "DB_MOSCOW", created_at: t });
        const flow = [null, "received", "in_work", "technician_assigned", "done"];
        for (let k = 0; k < A.eventsPerApplication; k++)
          put("application_events", {
            id: idAt(t),
            application_id: id,
            from_status: flow[k] ?? null,
            to_status: flow[k + 1] ?? "done",
            actor: k === 0 ? "subscriber" : "operator",
            comment: k === 2 ? "Мастер придёт с 9 до 13" : null,
            at: t + k * 3_600_000,
          });
      }
      if (rnd() < A.chatsPerMonth / DAYS_PER_MONTH) {
        const id = idAt(t);
        put("support_chats", {
          id,
          region: REGION,
          subscriber_id: a.subscriberId,
          visitor_name: null,
          visitor_phone: null,
          visitor_key_hash: null,
          account_no: a.no,
          topic: "billing",
          status: "closed",
          operator_id: idAt(created),
          operator_name: "Мария Орлова",
          last_seq: A.messagesPerChat,
          customer_read_seq: A.messagesPerChat,
          operator_read_seq: A.messagesPerChat,
          created_at: t,
          updated_at: t,
          closed_at: t,
        });
        put("support_directory", { id, kind: "chat", subscriber_id: a.subscriberId, region: REGION, shard: "DB_MOSCOW", created_at: t });
        for (let k = 1; k <= A.messagesPerChat; k++)
          put("support_messages", {
            id: idAt(t),
            chat_id: id,
            seq: k,
            author: k % 2 ? "subscriber" : "operator",
            author_name: k % 2 ? null : "Мария Орлова",
            text:
              k % 2
                ? "Здравствуйте! Почему с меня списали абонентскую плату дважды в этом месяце?"
                : "Добрый день! Проверила: второе списание — за дополнительную услугу.",
            attachment_id: null,
            client_id: k % 2 ? hex(32) : null,
            created_at: t + k * 60_000,
          });
      }
      if (rnd() < A.ticketsPerMonth / DAYS_PER_MONTH) {
        const id = idAt(t);
        put("support_tickets", {
          id,
          number: `О-${digits(8)}`,
          region: REGION,
          subscriber_id: a.subscriberId,
          account_no: a.no,
          category: "internet",
          subject: "Низкая скорость интернета вечером",
          text: "С 20 до 23 часов скорость падает до 5 Мбит/с, роутер перезагружала, кабель проверила.",
          status: "closed",
          operator_id: idAt(created),
          operator_name: "Игорь Лебедев",
          created_at: t,
          updated_at: t,
        });
        put("support_directory", { id, kind: "ticket", subscriber_id: a.subscriberId, region: REGION, shard: "DB_MOSCOW", created_at: t });
        const flow = [null, "new", "in_work", "resolved", "closed"];
        for (let k = 0; k < A.eventsPerTicket; k++)
          put("ticket_events", {
            id: idAt(t),
            ticket_id: id,
            from_status: flow[k] ?? null,
            to_status: flow[k + 1] ?? null,
            actor: k === 0 ? "subscriber" : "operator",
            actor_name: k === 0 ? null : "Игорь Лебедев",
            comment: k === 2 ? "Проверили линию, заменили порт на коммутаторе." : null,
            at: t + k * 3_600_000,
          });
      }
      // Notifications: the inbox row and one deliveries row per channel in the subscriber's home shard (here the
      // account's own), SMS/e-mail through the provider (global).
      if (rnd() < A.notificationsPerMonth / DAYS_PER_MONTH) {
        const eventId = idAt(t);
        put("inbox", {
          id: idAt(t),
          subscriber_id: a.subscriberId,
          event_id: eventId,
          kind: "payment_credited",
          account_no: a.no,
          title: "Зачислено 500,00 ₽",
          body: `На лицевой счёт ${a.no} зачислено 500,00 ₽. Баланс: 734,50 ₽.`,
          url: `/accounts/${a.no}/history`,
          params: JSON.stringify({ amountKop: 50000, balanceKop: 73450, accountNo: a.no }),
          created_at: t,
          read_at: rnd() < 0.5 ? t + 3_600_000 : null,
        });
        const channels = ["inapp", "push", "sms"].slice(0, rnd() < A.deliveriesPerNotification - 2 ? 3 : 2);
        for (const c of channels)
          put("deliveries", {
            dedupe_key: `${eventId}:${a.subscriberId}:${c}`,
            event_id: eventId,
            subscriber_id: a.subscriberId,
            channel: c,
            status: "sent",
            attempts: 1,
            detail: c === "push" ? "201" : null,
            updated_at: t,
          });
        if (rnd() < A.providerMessagesPerNotification)
          mput("provider_messages", {
            id: messageId(),
            dedupe_key: `${eventId}:${a.subscriberId}:sms`,
            channel: "sms",
            provider: "smsc",
            recipient: a.phone,
            status: "delivered",
            provider_status: "1",
            provider_id: null,
            segments: 2,
            attempts: 1,
            created_at: t,
            updated_at: t + 20_000,
          });
      }
    }
    for (const r of usageByDay.get(day) ?? []) put("usage_records", { ...r });
  }

  // The bounded design's tables: the per-day usage totals the ingest keeps (migration 0017's usage_daily_totals, as
  // it fills them from the records: usage.ingest.ts) and the period rows a close writes (migration 0015's
  // ledger_periods), measured on the same rows.
  region.exec(`
    INSERT INTO usage_daily_totals (account_no, local_day, service_id, category, direction, count, duration_sec, minutes, volume_kb, cost_kop)
      SELECT account_no, local_day, service_id, category, coalesce(direction, 'none'), count(*), coalesce(sum(duration_sec), 0),
        coalesce(sum((coalesce(duration_sec, 0) + 59) / 60), 0), coalesce(sum(volume_kb), 0), sum(cost_kop)
      FROM usage_records GROUP BY 1, 2, 3, 4, 5;
    INSERT INTO ledger_periods (account_no, month, opening_kop, closing_kop, charges_kop, payments_kop, refunds_kop,
      adjustments_kop, promised_kop, bonus_kop, closed_at)
      SELECT account_no, substr(local_day, 1, 7), 0, sum(amount_kop),
        sum(CASE WHEN kind = 'charge' THEN amount_kop ELSE 0 END), sum(CASE WHEN kind = 'payment' THEN amount_kop ELSE 0 END),
        sum(CASE WHEN kind = 'refund' THEN amount_kop ELSE 0 END), sum(CASE WHEN kind = 'adjustment' THEN amount_kop ELSE 0 END),
        sum(CASE WHEN kind = 'promised_payment' THEN amount_kop ELSE 0 END), sum(CASE WHEN kind = 'bonus' THEN amount_kop ELSE 0 END), ${START}
      FROM ledger_entries GROUP BY account_no, substr(local_day, 1, 7);
  `);
  businessSample(gput, put, accountNos, services, created);
  profileSample(gput, iput, put, accountNos, created);
  region.exec("COMMIT");
  global.exec("COMMIT");
  messages.exec("COMMIT");
  identity.exec("COMMIT");
  // The money archive's objects (billing/archive.service.ts): one gzip'd JSON object an account and year of its
  // ledger lines, payments, their events and receipts. Measured on the sample's accounts' money other than the daily
  // charges (a closed month keeps one line a service instead), each account's rows as one object.
  let moneyGzBytes = 0;
  let moneyGzRows = 0;
  const moneyOf = (q: string, no: string) => region.prepare(q).all(no);
  for (const { account_no: no } of region.prepare("SELECT account_no FROM accounts ORDER BY account_no LIMIT 300").all() as {
    account_no: string;
  }[]) {
    const year = {
      entries: moneyOf("SELECT * FROM ledger_entries WHERE account_no = ? AND idempotency_key NOT LIKE 'charge:%'", no),
      periods: moneyOf("SELECT * FROM ledger_periods WHERE account_no = ?", no),
      payments: moneyOf("SELECT * FROM payments WHERE account_no = ?", no),
      paymentEvents: moneyOf("SELECT * FROM payment_events WHERE payment_id IN (SELECT id FROM payments WHERE account_no = ?)", no),
      receipts: moneyOf("SELECT * FROM receipts WHERE account_no = ?", no),
    };
    moneyGzBytes += gzipSync(JSON.stringify(year)).length;
    moneyGzRows += Object.values(year).reduce((t, rows) => t + rows.length, 0);
  }
  return {
    compressedBytesPerMoneyRow: moneyGzBytes / Math.max(1, moneyGzRows),
    region,
    global,
    messages,
    identity,
    services,
    usageByKind,
    compressedBytesPerUsageRecord: gzBytes / gzRecords,
    localRowMs: localRowMs / localRows,
  };
}

interface TableSize {
  table: string;
  rows: number;
  tableBytes: number;
  indexBytes: number;
  indexes: number;
}

/** Bytes of each table and of its indexes (dbstat: every page of every b-tree), with its row count. */
function measure(db: DatabaseSync): TableSize[] {
  const pages = new Map(
    (db.prepare("SELECT name, sum(pgsize) AS bytes FROM dbstat GROUP BY name").all() as { name: string; bytes: number }[]).map((r) => [
      r.name,
      Number(r.bytes),
    ]),
  );
  const objects = db.prepare("SELECT type, name, tbl_name FROM sqlite_schema WHERE type IN ('table', 'index')").all() as {
    type: string;
    name: string;
    tbl_name: string;
  }[];
  const out: TableSize[] = [];
  for (const t of objects.filter((o) => o.type === "table" && !o.name.startsWith("sqlite_") && o.name !== "d1_migrations")) {
    const idx = objects.filter((o) => o.type === "index" && o.tbl_name === t.name);
    const rows = Number((db.prepare(`SELECT count(*) AS n FROM "${t.name}"`).get() as { n: number }).n);
    out.push({
      table: t.name,
      rows,
      tableBytes: pages.get(t.name) ?? 0,
      indexBytes: idx.reduce((s, i) => s + (pages.get(i.name) ?? 0), 0),
      indexes: idx.length,
    });
  }
  return out.filter((x) => x.rows > 0).sort((a, b) => b.tableBytes + b.indexBytes - (a.tableBytes + a.indexBytes));
}

/** The global database's indexes a later release drops, with the table each belongs to. */
const DROPPED_INDEXES: Record<string, string> = {
  subscribers_phone_uq: "subscribers",
  subscribers_email_uq: "subscribers",
  subscribers_login_uq: "subscribers",
  account_directory_phone_idx: "account_directory",
  account_directory_email_idx: "account_directory",
};

/** Bytes of each of these indexes (dbstat) a row of its table, by table. */
function indexBytesPerRow(db: DatabaseSync, indexes: Record<string, string>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, tbl] of Object.entries(indexes)) {
    const bytes = Number((db.prepare("SELECT coalesce(sum(pgsize), 0) AS b FROM dbstat WHERE name = ?").get(name) as { b: number }).b);
    const rows = Number((db.prepare(`SELECT count(*) AS n FROM "${tbl}"`).get() as { n: number }).n);
    out[tbl] = (out[tbl] ?? 0) + (rows > 0 ? bytes / rows : 0);
  }
  return out;
}

// ---------- The document ----------

/** Tables whose sample row counts are compared with what the model's rates predict for the sample. */
const CHECKED = ["ledger_entries", "payments", "payment_events", "receipts"];

const n0 = (x: number) => Math.round(x).toLocaleString("en-US");
const n1 = (x: number) => x.toLocaleString("en-US", { minimumFractionDigits: 1, maximumFractionDigits: 1 });
const n2 = (x: number) => x.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const pct = (x: number) => `${n0(x * 100)} %`;
/** A rate per second: small ones keep two decimals so that "0" means nothing happens. */
const rate = (x: number) => (x < 10 ? n2(x) : n0(x));
const gb = (bytes: number) => `${n2(bytes / 1e9)} GB`;
const table = (head: string[], rows: (string | number)[][]) =>
  [`| ${head.join(" | ")} |`, `| ${head.map(() => "---").join(" | ")} |`, ...rows.map((r) => `| ${r.join(" | ")} |`)].join("\n");

function main() {
  const started = performance.now();
  const sample = generate();
  const regionSizes = measure(sample.region);
  const globalSizes = measure(sample.global);
  const messageSizes = measure(sample.messages);
  const identitySizes = measure(sample.identity);
  const sizes = [...regionSizes, ...globalSizes, ...messageSizes, ...identitySizes];
  const perKind = (k: SampleService["kind"], f: "records" | "totals" | "monthRows") => {
    const u = sample.usageByKind[k];
    return u.serviceMonths > 0 ? u[f] / u.serviceMonths : 0;
  };
  const m: Measured = {
    bytesPerRow: Object.fromEntries(sizes.map((s) => [s.table, (s.tableBytes + s.indexBytes) / s.rows])),
    indexes: Object.fromEntries(sizes.map((s) => [s.table, s.indexes])),
    usagePerServiceMonth: {
      internet: perKind("internet", "records"),
      tv: perKind("tv", "records"),
      landline: perKind("landline", "records"),
      mobile: perKind("mobile", "records"),
    },
    usageTotalsPerServiceMonth: {
      internet: perKind("internet", "totals"),
      tv: perKind("tv", "totals"),
      landline: perKind("landline", "totals"),
      mobile: perKind("mobile", "totals"),
    },
    usageMonthRowsPerServiceMonth: {
      internet: perKind("internet", "monthRows"),
      tv: perKind("tv", "monthRows"),
      landline: perKind("landline", "monthRows"),
      mobile: perKind("mobile", "monthRows"),
    },
    compressedBytesPerUsageRecord: sample.compressedBytesPerUsageRecord,
    compressedBytesPerMoneyRow: sample.compressedBytesPerMoneyRow,
  };
  const shardFile = sizes.filter((s) => regionSizes.includes(s)).reduce((t, s) => t + s.tableBytes + s.indexBytes, 0);
  // The global indexes a later release drops (docs/operations.md): the keys decide who holds a phone, e-mail or login,
  // and the contracts' contacts are in the accounts' rows; bytes a row of their table.
  const droppedIndexes = indexBytesPerRow(sample.global, DROPPED_INDEXES);
  sample.region.close();
  sample.global.close();
  sample.messages.close();
  sample.identity.close();

  const accountsTotal = A.fixedAccounts + A.mobileAccounts;
  const todayBytes = mixed(A, (k) => accountBytesToday(A, m, k, A.months));
  const boundedBytes = mixed(A, (k) => accountBytesBounded(A, m, k, A.months));
  const todayPlan = planShards(A, BRANCH_SHARES, todayBytes);
  const boundedPlan = planShards(A, BRANCH_SHARES, boundedBytes);
  // How npm run deploy would spread the target's shards over Workers (scripts/deploy.mts): production's own bindings,
  // and each branch's shards beyond its home shard named as docs/operations.md adds them (DB_<BRANCH>_<n>).
  const toml = readFileSync(join(ROOT, "wrangler.toml"), "utf8");
  const production = readEnvironment(toml, "production");
  const targetShards = boundedPlan.flatMap((p) =>
    Array.from({ length: Math.max(0, p.shards - 1) }, (_, i) => ({
      binding: `DB_${p.code.toUpperCase()}_${i + 2}`,
      name: `kabinet-production-${p.code}-${i + 2}`,
      id: "",
      migrationsDir: "migrations/region",
    })),
  );
  const workers = planWorkers({ ...production, databases: [...production.databases, ...targetShards] }, otherBindings(toml, "production"));
  const area = areaFanOut(A, 1e6);
  const perShardBounded = accountsPerShard(A, boundedBytes);
  const peakList = peaks(A, m, perShardBounded);
  const largest = todayPlan.reduce((x, y) => (y.accounts > x.accounts ? y : x));
  // Today's map: the branch database's own peaks (the login storm's session rows were global then).
  const peakToday = peaks(A, m, largest.accounts).filter(
    (p) => p.where === "one regional shard" && p.name !== "login storm" && !p.name.startsWith("busy hour"),
  );
  const costs = costPerMillion(A, m, PRICES);
  const costTotal = costs.reduce((s, c) => s + c.usd, 0);
  const g = globalRows(A);
  const globalFixedBytes = bytesOf(g.fixed, m);
  // While production still writes the global links (GLOBAL_LINKS = "keep"), and what dropping them takes off.
  const globalKeptBytes = bytesOf(keptGlobalRows(A).fixed, m);
  const linksGlobalBytes = bytesOf({ account_links: A.linksPerAccount }, m);
  // The fixed part before the directory's rows nothing needs were deleted: what the shares of moves made before are of.
  const globalFixedBeforeDrop = bytesOf({ ...g.fixed, account_directory: 1 }, m);
  // After the later release that drops those indexes: the fixed part without them.
  const droppedBytes = Object.entries(droppedIndexes).reduce((s, [tbl, b]) => s + b * (g.fixed[tbl] ?? 0), 0);
  const globalAfterDrops = globalFixedBytes - droppedBytes;
  const globalPerDatabase = accountsPerShard(A, globalFixedBytes);
  // The inbox and deliveries, now in the subscriber's home shard: written a month, kept, kept for ever.
  const notesMonthlyBytes = bytesOf(notificationRows(A).monthly, m);
  const notesRetainedBytes = (months: number) => bytesOf(notificationRows(A, months).retained, m);
  const notesAt = (months: number) => accountsTotal * notesRetainedBytes(months);
  const notesKeptForEver = (months: number) => accountsTotal * months * notesMonthlyBytes;
  // The subscribers' devices and sessions, now in their home shards too.
  const devicesBytes = bytesOf({ push_subscriptions: homeRows(A).push_subscriptions ?? 0 }, m);
  const sessionsBytes = bytesOf({ sessions: homeRows(A).sessions ?? 0 }, m);
  const choicesBytes = bytesOf(
    { notification_prefs: homeRows(A).notification_prefs ?? 0, notification_settings: homeRows(A).notification_settings ?? 0 },
    m,
  );
  const credentialsBytes = bytesOf({ cards: homeRows(A).cards ?? 0, passkeys: homeRows(A).passkeys ?? 0 }, m);
  // Links to identity providers: their rows in the home shards, their keys in the identity stores (all of them together).
  const identitiesBytes = bytesOf({ identities: homeRows(A).identities ?? 0 }, m);
  const keysBytes = bytesOf(identityStoreRows(A), m);
  const identityStoresBuilt = (toml.match(/^database_name = "kabinet-production-identity-\d+"$/gm) ?? []).length;
  // The business cabinet's rows an organisation adds a month: on its home shard, and in the global database.
  const businessMonthBytes = bytesOf(businessRows(A), m);
  const businessHomeMonthBytes = bytesOf(businessSplit(A).home, m);
  const businessGlobalMonthBytes = bytesOf(businessSplit(A).global, m);
  const businessPerAccountMonth = bytesOf(businessHomeRowsPerAccount(A), m);
  // The audit entries that go through the global table (all but the closing documents' own): a day's, and its bytes.
  const stagedAuditPerDay = (Math.max(0, A.auditPerOrgMonth - A.closingDocsPerOrgMonth) * A.organisations) / DAYS_PER_MONTH;
  // The directories of applications, chats and requests: written a month, in the home shards since issue 20's move.
  const directoryMonthBytes = bytesOf(
    { application_directory: A.applicationsPerMonth, support_directory: A.chatsPerMonth + A.ticketsPerMonth },
    m,
  );
  // The provider messages, now in the message stores (all of them together).
  const messagesBytes = bytesOf(messageRows(A), m);
  const messagesPerDay = (accountsTotal * (messageRows(A).provider_messages ?? 0)) / DAYS_PER_MONTH;
  const storeGb = (accountsTotal * messagesBytes) / Math.max(1, A.messageStores);
  // Before the moves: the global database held them with its fixed part.
  const globalBeforeBytes =
    globalKeptBytes +
    notesRetainedBytes(A.months) +
    devicesBytes +
    sessionsBytes +
    choicesBytes +
    credentialsBytes +
    bytesOf({ external_identities: A.identitiesPerAccount }, m) +
    messagesBytes;
  const shardsBounded = boundedPlan.reduce((s, p) => s + p.shards, 0);
  // Everything the global database holds at the target, by part: the fixed part by accounts, the business rows by
  // organisations, and what is kept a bounded time. None of it grows with the years.
  const globalParts: { part: string; bound: string; bytes: number }[] = [
    {
      part: "the subscribers, and the directory's rows of organisations' and moved accounts (the fixed part)",
      bound: "an account",
      bytes: accountsTotal * globalFixedBytes,
    },
    {
      part: "organisations, their members and accounts",
      bound: "a business account",
      bytes:
        A.organisations *
        A.accountsPerOrg *
        bytesOf({ organisations: 1 / A.accountsPerOrg, org_accounts: 1, org_members: 1 / A.accountsPerOrg }, m),
    },
    {
      part: "credited bank statement lines",
      bound: `${n0(BANK_LINE_RETENTION_DAYS)} days`,
      bytes: (A.organisations * bytesOf({ bank_statement_lines: A.bankLinesPerOrgMonth }, m) * BANK_LINE_RETENTION_DAYS) / DAYS_PER_MONTH,
    },
    {
      part: "invoice numbers (`invoice_numbers`)",
      bound: `${INVOICE_NUMBER_YEARS + 2} years`,
      bytes: A.organisations * bytesOf({ invoice_numbers: invoiceNumberRows(A, INVOICE_NUMBER_YEARS) }, m),
    },
    {
      part: "invoices' Idempotency-Keys (`invoice_requests`)",
      bound: "30 days",
      bytes: (A.organisations * bytesOf({ invoice_requests: A.invoicesPerOrgMonth }, m) * 30) / DAYS_PER_MONTH,
    },
    {
      part: "audit entries on their way home (`org_audit`)",
      bound: "about 2 days",
      bytes: stagedAuditPerDay * (shardsBounded / (AUDIT_DRAIN_SHARDS * A.housekeepingRunsPerDay)) * (m.bytesPerRow.org_audit ?? 0),
    },
  ];
  const globalTotal = globalParts.reduce((s, p) => s + p.bytes, 0);
  // One housekeeping visit's deletions on one shard: full pages of both tables (each index one more row written).
  const retentionRows = A.retentionRowsPerRun * (2 + (m.indexes.inbox ?? 0) + (m.indexes.deliveries ?? 0));
  const visitsPerDay = A.housekeepingRunsPerDay * Math.min(1, A.retentionShardsPerRun / shardsBounded);
  const retentionBusy = (d1Busy(A, 0, (2 * A.retentionRowsPerRun) / RETENTION_PAGE, retentionRows) * visitsPerDay) / 86_400;
  const outageShardPeak = peakList.find((p) => p.name.startsWith("city") && p.where === "one regional shard");
  const outageGlobalPeak = peakList.find((p) => p.name.startsWith("city") && p.where === "global database");
  const outageStorePeak = peakList.find((p) => p.name.startsWith("city") && p.where.startsWith("one message store"));
  const moscowShards = boundedPlan.find((p) => p.code === "moscow")?.shards ?? 0;
  const volgaShards = boundedPlan.find((p) => p.code === "volga")?.shards ?? 0;
  const moscowAccountsBounded = boundedPlan.find((p) => p.code === "moscow")?.accounts ?? 0;
  // A page of balance alerts: its accounts and links, 3 reads, one a home shard of its subscribers (the charge
  // notices' choices), and its events (two a link at most) in batches of 100.
  const alertPageCalls = 2 + 3 + A.alertHomeShardsPerPage + Math.ceil((2 * 90 * A.linksPerAccount) / 100);
  const alertPagesPerMessage = Math.floor(500 / alertPageCalls);
  const alertsPerMessage = Math.min(20_000, alertPagesPerMessage * 90);
  const stormGlobalPeak = peakList.find((p) => p.name === "login storm" && p.where === "global database");
  const stormShardPeak = peakList.find((p) => p.name === "login storm" && p.where === "one regional shard");
  const stormStorePeak = peakList.find((p) => p.name === "login storm" && p.where.startsWith("one identity store"));
  const busyGlobalPeak = peakList.find((p) => p.name.startsWith("busy hour") && p.where === "global database");
  const busyShardPeak = peakList.find((p) => p.name.startsWith("busy hour") && p.where === "one regional shard");
  const busyPerSec = (accountsTotal * A.requestsPerAccountMonth * A.busyHourShare) / DAYS_PER_MONTH / 3600;
  // The identity stores the global database's fixed part would need (section 5): for its size, and for the login
  // storm's key reads once its visits read their home shards.
  const globalStoresForSize = Math.ceil((accountsTotal * globalFixedBytes) / (A.shardBytes * A.headroom));
  const globalStoresForStorm = Math.ceil(
    d1Busy(A, (A.stormLogins * (A.stormKeyReadsPerLogin + A.stormGlobalReadsPerLogin)) / A.stormWindowSec, 0, 0) / A.headroom,
  );
  const globalStores = 2 ** Math.ceil(Math.log2(Math.max(globalStoresForSize, globalStoresForStorm)));
  const monthsToFill = (bytesPerMonth: number, fixedBytes: number) => (A.shardBytes * A.headroom - fixedBytes) / bytesPerMonth;
  const oneBranch = todayPlan[0];
  const moscowAccounts = oneBranch?.accounts ?? 0;
  const moscowFixed = Math.round(moscowAccounts * (A.fixedAccounts / accountsTotal));
  const monthlyToday = mixed(A, (k) => bytesOf(monthlyRows(A, m, k), m));
  const staticToday = mixed(A, (k) => bytesOf(staticRows(A, k), m));

  const md: string[] = [];
  md.push(`# Capacity: 15 M accounts and 48 M numbers on D1, Queues and R2

Recomputed by \`npm run capacity\` (\`scripts/capacity.mts\`, the arithmetic in
\`scripts/capacity.model.mts\`, checked by \`scripts/capacity.test.ts\`). Do not
edit by hand: change an assumption in the script and run it again. The sizes
are **measured**: the script migrates an empty in-memory SQLite database
with \`migrations/region\` and one with \`migrations/global\` (the SQL D1 runs),
generates ${n0(SAMPLE.fixed)} fixed-line and ${n0(SAMPLE.mobile)} mobile accounts over ${SAMPLE.days} days
day by day as production writes them (the cron's charge rows, the real
receipt builder, the demo generator's usage records, payments, support,
notifications), and reads every b-tree's pages from SQLite's \`dbstat\`.
The sample shard came to ${gb(shardFile)} for ${n0(regionSizes.find((s) => s.table === "usage_records")?.rows ?? 0)} usage records and
${n0(regionSizes.find((s) => s.table === "ledger_entries")?.rows ?? 0)} ledger rows.

## Assumptions

Everything below follows from these figures and the measured sizes. "Seed"
is the user's description in \`/work/shared/seed/\`; "code" is this repository.

${table(
  ["figure", "value", "unit", "where it comes from"],
  ASSUMPTIONS.map((x) => [
    `\`${x.key}\``,
    x.value >= 1000 ? n0(x.value) : String(Math.round(x.value * 1000) / 1000),
    x.unit,
    x.source.replace(/https:\/\/\S+/g, (u) => `<${u}>`),
  ]),
)}

Branches' shares of the accounts follow the population of their federal
districts (Rosstat, 1 January 2024, rounded; Moscow is the city, Центр the
rest of the Central district, Юг the Southern and North Caucasian ones):
${BRANCH_SHARES.map((b) => `${b.name} ${pct(b.share)}`).join(", ")}.

## 1. Bytes per row, indexes included (measured)

${table(
  ["database", "table", "rows in sample", "table bytes/row", "indexes", "index bytes/row", "**total bytes/row**"],
  sizes.map((s) => [
    regionSizes.includes(s) ? "shard" : messageSizes.includes(s) ? "messages" : identitySizes.includes(s) ? "identity" : "global",
    `\`${s.table}\``,
    n0(s.rows),
    n0(s.tableBytes / s.rows),
    s.indexes,
    n0(s.indexBytes / s.rows),
    `**${n0((s.tableBytes + s.indexBytes) / s.rows)}**`,
  ]),
)}

Tables with a handful of rows (tariffs, the catalogue, cron progress) do not
grow and are left out of the model. \`usage_daily_totals\` (migration 0017's per-day, per-category and
per-direction totals, what D1 keeps of usage) is filled from the sample's records as the ingest fills it, and
\`ledger_periods\` (migration 0015's, one period row per account and month) as the close writes it. A mobile number's raw usage record, gzip'd as NDJSON in
one object per account and month (what R2 would keep), is
**${n1(m.compressedBytesPerUsageRecord)} bytes**, against ${n0(m.bytesPerRow.usage_records ?? 0)} in D1.

## 2. Rows per account per month, and size per shard after ${A.months} months

Usage records per service and month from the demo generator:
internet ${n1(m.usagePerServiceMonth.internet)}, TV ${n1(m.usagePerServiceMonth.tv)}, landline ${n1(m.usagePerServiceMonth.landline)}
(mobile: the generator makes ${n0(m.usagePerServiceMonth.mobile)}; the model uses the issue's ${n0(A.mobileUsagePerMonth)}).
A fixed-line account has ${n2(servicesPerAccount(A, "fixed"))} services.

${table(
  ["table", "fixed-line account", "mobile account", "bytes/row", "bytes / average account / month"],
  Object.keys(monthlyRows(A, m, "fixed")).map((t) => [
    `\`${t}\``,
    n2(monthlyRows(A, m, "fixed")[t] ?? 0),
    n2(monthlyRows(A, m, "mobile")[t] ?? 0),
    n0(m.bytesPerRow[t] ?? 0),
    n0(mixed(A, (k) => (monthlyRows(A, m, k)[t] ?? 0) * (m.bytesPerRow[t] ?? 0))),
  ]),
)}
| **all** | **${n1(Object.values(monthlyRows(A, m, "fixed")).reduce((s, x) => s + x, 0))}** | **${n1(Object.values(monthlyRows(A, m, "mobile")).reduce((s, x) => s + x, 0))}** | | **${n0(monthlyToday)}** |

Cross-check of the rates against the generated sample (its ${n0(SAMPLE.fixed)} + ${n0(SAMPLE.mobile)} accounts over
${SAMPLE.days} days, drawn with the same rates): ${CHECKED.map((t) => {
    const predicted =
      (SAMPLE.fixed * (monthlyRows(A, m, "fixed")[t] ?? 0) + SAMPLE.mobile * (monthlyRows(A, m, "mobile")[t] ?? 0)) *
      (SAMPLE.days / DAYS_PER_MONTH);
    const got = sizes.find((x) => x.table === t)?.rows ?? 0;
    return `\`${t}\` ${n0(got)} rows, the model ${n0(predicted)} (${got >= predicted ? "+" : ""}${n1(((got - predicted) / predicted) * 100)} %)`;
  }).join("; ")}.

Rows that do not grow: ${Object.entries(staticRows(A, "fixed"))
    .map(([t, r]) => `\`${t}\` ${n2(r)}`)
    .join(", ")} per fixed-line account (${n0(bytesOf(staticRows(A, "fixed"), m))} bytes; mobile
${n0(bytesOf(staticRows(A, "mobile"), m))} bytes).

### Today's design: everything kept in the branch's database

An average account takes **${n0(staticToday + monthlyToday)} bytes after one month** and
**${n0(todayBytes)} bytes (${n1(todayBytes / 1e6)} MB) after ${A.months} months**; usage records are
${pct(mixed(A, (k) => usagePerAccountMonth(A, m, k) * (m.bytesPerRow.usage_records ?? 0)) / monthlyToday)} of what grows.
One database holds ${n0(accountsPerShard(A, todayBytes))} such accounts at ${pct(A.headroom)} of 10 GB.
Moscow's ${n0(moscowAccounts)} accounts fill one 10 GB database (at ${pct(A.headroom)}) in
**${n1(monthsToFill(monthlyToday * moscowAccounts, staticToday * moscowAccounts) * DAYS_PER_MONTH * 24)} hours**; its fixed-line accounts alone
(${n0(moscowFixed)}) in ${n1(monthsToFill(bytesOf(monthlyRows(A, m, "fixed"), m) * moscowFixed, bytesOf(staticRows(A, "fixed"), m) * moscowFixed))} months. One database per branch cannot hold the target.

${table(
  ["branch", "accounts", `shards needed after ${A.months} months`, "GB per shard"],
  todayPlan.map((p) => [p.name, n0(p.accounts), n0(p.shards), n2(p.gbPerShard)]),
)}
| **all** | **${n0(accountsTotal)}** | **${n0(todayPlan.reduce((s, p) => s + p.shards, 0))}** | |

### Bounded design: raw usage in R2, closed months rolled up

Raw usage records go to R2 (one gzip'd object per account and month); D1
keeps their totals in \`usage_daily_totals\`: per day (one row per day, category and direction of a service:
mobile ${n1(m.usageTotalsPerServiceMonth.mobile)}, internet ${n1(m.usageTotalsPerServiceMonth.internet)}, landline ${n1(m.usageTotalsPerServiceMonth.landline)}, TV ${n1(m.usageTotalsPerServiceMonth.tv)} a month) for the
${A.usageDayMonths} newest months (the screen's ${RETENTION_MONTHS}, this one, and one before housekeeping folds them), and one month row per
category and direction (mobile ${n1(m.usageMonthRowsPerServiceMonth.mobile)}, internet ${n1(m.usageMonthRowsPerServiceMonth.internet)} a month) for the rest of the ${A.usageTotalsMonths} months their
objects are kept; kept per day for all ${A.usageTotalsMonths}, an average account would be ${n0(mixed(A, (k) => accountBytesBounded({ ...A, usageDayMonths: A.usageTotalsMonths }, m, k, A.months)))} bytes. Each closed month's daily charges become one line per service and
option, payments stay as they are, and a period row carries the balance.
An average account then takes **${n0(boundedBytes)} bytes after ${A.months} months**
(fixed-line ${n0(accountBytesBounded(A, m, "fixed", A.months))}, mobile ${n0(accountBytesBounded(A, m, "mobile", A.months))}), and
a database holds **${n0(perShardBounded)} accounts** at ${pct(A.headroom)} of 10 GB.

${table(
  ["branch", "accounts", `shards after ${A.months} months`, "GB per shard"],
  boundedPlan.map((p) => [p.name, n0(p.accounts), n0(p.shards), n2(p.gbPerShard)]),
)}
| **all** | **${n0(accountsTotal)}** | **${n0(boundedPlan.reduce((s, p) => s + p.shards, 0))}** | |

## 3. Peak rates

Per database, against one D1's single thread (<${D1_LIMITS}>: «Each individual
D1 database is inherently single-threaded, and processes queries one at a
time … If your average query takes 1ms, you can run approximately 1,000
queries per second»), with ${A.readQueryMs} ms per read query, ${A.writeQueryMs} ms per write query and
${A.writeRowMs} ms per row written in bulk — a ceiling of about ${n0(1000 / A.readQueryMs)} indexed reads or
${n0(1000 / A.writeQueryMs)} writes a second per database, "D1 busy" below is the share of it used —
and the queue's messages against **5,000 messages per second per queue**
(<${QUEUES_LIMITS}>). The regional figures are for one bounded-design shard
of ${n0(perShardBounded)} accounts.

${table(
  ["peak", "where", "queue msg/s", "% of 5,000", "D1 reads/s", "D1 writes/s", "rows written/s", "**D1 busy**"],
  [
    ...peakList.map((p) => ({ ...p, where: p.where === "one regional shard" ? `one shard, ${n0(perShardBounded)} accounts` : p.where })),
    ...peakToday.map((p) => ({ ...p, where: `one database per branch (today's map): ${largest.name}, ${n0(largest.accounts)} accounts` })),
  ].map((p) => [
    p.name,
    p.where,
    rate(p.queueMessagesPerSec),
    pct(p.queueMessagesPerSec / 5000),
    rate(p.d1ReadsPerSec),
    rate(p.d1WritesPerSec),
    rate(p.d1RowsWrittenPerSec),
    `**${pct(p.d1Busy)}**`,
  ]),
)}

- **Charging night**: a shard's ${n0(mixed(A, (k) => servicesPerAccount(A, k) + A.optionsPerAccount) * perShardBounded)} services and options in
  ${n0(Math.ceil((mixed(A, (k) => servicesPerAccount(A, k) + A.optionsPerAccount) * perShardBounded) / A.chargeBatch))} INSERT … SELECT statements of ${n0(A.chargeBatch)}: cheap per database; the
  rows written (each index one more) are what it costs.
- **Outage push**: the notifications queue is within its limit only when the
  window is ≥ ${n0((A.outageSubscribers * A.outageQueueMessagesPerSubscriber) / 5000)} s. The inbox and deliveries are written in each
  subscriber's **home shard** (${n0(A.outageShardWritesPerSubscriber)} write queries a subscriber): the city's
  ${n0(A.outageSubscribers)} subscribers are spread over at least ${n0(Math.ceil(A.outageSubscribers / perShardBounded))} shards, and one shard whose
  every account is in the city is ${pct(outageShardPeak?.d1Busy ?? 0)} busy within the window. The SMS's provider row
  (${n0(A.outageMessageWritesPerSubscriber)} writes a subscriber) is in the **message store** its key hashes to: each of production's
  ${n0(A.messageStores)} is ${pct(outageStorePeak?.d1Busy ?? 0)} busy. The **global database** keeps the reads: the
  events of a queue batch read their subscribers (with their home shards), their settings and choices and the
  accounts' regions together, one round trip of 6 queries for a batch's events (\`readForEvents\`; 40 of a batch of 100 in an outage), ${n2(A.outageGlobalReadsPerSubscriber)}
  queries a subscriber: ${pct(outageGlobalPeak?.d1Busy ?? 0)} of its thread. Each event reading its own (${OUTAGE_READS_BEFORE} queries) was
  ${pct(d1Busy(A, (A.outageSubscribers * OUTAGE_READS_BEFORE) / A.outageWindowSec, 0, 0))}; with the provider rows too, ${pct(
    d1Busy(
      A,
      (A.outageSubscribers * OUTAGE_READS_BEFORE) / A.outageWindowSec,
      (A.outageSubscribers * A.outageMessageWritesPerSubscriber) / A.outageWindowSec,
      0,
    ),
  )}, and with the inbox and deliveries as well ${pct(
    d1Busy(
      A,
      (A.outageSubscribers * OUTAGE_READS_BEFORE) / A.outageWindowSec,
      (A.outageSubscribers * (A.outageShardWritesPerSubscriber + A.outageMessageWritesPerSubscriber)) / A.outageWindowSec,
      0,
    ),
  )}. For the 30 days after the upgrade that brings the message stores, while \`PROVIDER_MESSAGES_LEGACY\` is
  read, each SMS's claim also looks for its row in the old global table (one read a subscriber): ${pct(
    d1Busy(A, (A.outageSubscribers * (A.outageGlobalReadsPerSubscriber + 1)) / A.outageWindowSec, 0, 0),
  )} then.
- **1st of the month**: every account's month closed (one read, one batch
  that writes the roll-up and period row and deletes the daily rows) and a
  statement message queued (plus an e-mail for ${pct(A.statementEmailShare)}) within ${n0(A.statementWindowSec / 3600)} hours. The code sends no
  statement on the 1st yet (a month's statement is a PDF made when asked for): the messages are counted as the
  seed's monthly statement would send them, an upper bound. On
  one database per branch this alone is ${pct(peakToday.find((p) => p.name.startsWith("1st"))?.d1Busy ?? 0)} of the database's time.
- **Login storm**: ${n0(A.stormLogins)} logins in ${n0(A.stormWindowSec / 60)} minutes, each followed by a visit. A login by
  phone, e-mail, login or account number reads its key in the identity store the key hashes to and the subscriber's sign-in row in their
  home shard (\`features/auth/sign-ins.service.ts\`): each of the ${n0(A.identityStores)} stores is ${pct(stormStorePeak?.d1Busy ?? 0)} busy. The global
  database reads only the owner of a login by account number whose key it cannot trust (the key names the owner; it is
  trusted beside the owner's home-shard copy of their links, which says they own it: ${pct(A.stormGlobalReadsPerLogin)} of logins, one query) and ${n2(A.globalReadsPerVisit)} for the visit (the busy hour's
  rate, below: the copy of the links and profile outlives sessions, so a visit after a login finds it when its
  subscriber visited within ${n0(LINKS_COPY_TTL_MS / 86_400_000)} days; a storm of people who had not would read it once a visit, the worst case
  below; the outage's
  banner is read once an isolate in 30 s): ${pct(stormGlobalPeak?.d1Busy ?? 0)} of its thread, ${(stormGlobalPeak?.d1Busy ?? 0) <= A.headroom ? "within" : "above"} the
  ${pct(A.headroom)} headroom: the visits' reads are what is left (section 5). Read by every login, as in the release before this
  one, the subscriber alone was ${pct(d1Busy(A, (A.stormLogins * (1 + A.globalReadsPerVisit)) / A.stormWindowSec, 0, 0))}. A storm with storm mode on (every login brings a solved
  captcha, \`features/auth/captcha.service.ts\`) spends each solution in a Durable Object of its own, not a global row:
  as rows, ${n0(A.stormLogins / A.stormWindowSec)} writes a second, ${pct(d1Busy(A, 0, A.stormLogins / A.stormWindowSec, 0))} of the global database's thread. A login by SMS
  code finds its person as a password login does (the key and the sign-in row) and writes its code (issued, then
  checked and spent: three write queries) in the identity store its target hashes to
  (\`features/auth/codes.service.ts\`), not in the global database, where a storm of such logins would be
  ${pct(d1Busy(A, 0, (3 * A.stormLogins) / A.stormWindowSec, 0))} of its thread; the model counts the storm's logins as password logins. It writes
  nothing: each session row and copy of the links and profile goes to its subscriber's home shard (platform/session.ts), where a shard in the storm's
  city, ${pct(Math.min(1, A.stormLogins / A.stormCityAccounts))} of its subscribers signing in and making their visit's requests there, is ${pct(stormShardPeak?.d1Busy ?? 0)} busy. Were the session rows
  written in the global database too, the same storm would be
  ${pct(d1Busy(A, (A.stormLogins * (A.stormGlobalReadsPerLogin + A.globalReadsPerVisit)) / A.stormWindowSec, (A.stormLogins * A.stormShardWritesPerLogin) / A.stormWindowSec, 0))} of its thread. **Worst case**, every visit finding no copy (the storm's people idle for
  over ${n0(LINKS_COPY_TTL_MS / 86_400_000)} days, as with a copy trusted 10 minutes in the release before this one): ${pct(d1Busy(A, (A.stormLogins * (A.stormGlobalReadsPerLogin + 1)) / A.stormWindowSec, 0, 0))}. These figures hold once
  new sessions live in the home shards and every subscriber has a sign-in row (the backfill's chain writes them for an
  older deployment's subscribers, \`features/auth/sign-ins.backfill.ts\`; until then a subscriber's first login reads
  their global row): staging and production still keep sessions in the global table
  (\`SESSION_STORE = "global"\`), whose sessions read their links globally on every request.

- **Busy hour of the cabinet**: ${n0(accountsTotal * A.requestsPerAccountMonth)} API requests a month, a tenth of a day's in its
  busiest hour (${rate(busyPerSec)} a second), in visits of ${n0(A.requestsPerVisit)}. A visit reads the global database
  ${n2(A.globalReadsPerVisit)} times on average: the subscriber's profile, in one query (the links themselves are their home
  shard's, their accounts' places the identity stores', read beside it: platform/places.ts), to be kept in their home shard
  (\`session_links\`, platform/session.ts) by its first request that finds no copy there, which is the first visit
  after the copy's ${n0(LINKS_COPY_TTL_MS / 86_400_000)} days or after a change forgot it (\`globalReadsPerVisit\` above); every request, the page's
  included, reads its session and that copy in one batch there, and the page's outage banner comes from the isolate's
  copy of the regions' open outages (30 s; one opened from an outage's notice reads them afresh, the change may be newer). That is ${pct(busyGlobalPeak?.d1Busy ?? 0)} of the global database's thread
  for a visit of the home screen and accounts (what \`test/worker/accounts.test.ts\` «a visit» measures; the inbox,
  sessions, settings, payments, applications, support and business screens read global data of their own too, a
  query or two each, not counted here),
  where a shard's share (its sessions, the copies and the accounts' data, and a copy written when a visit finds none) is
  ${((busyShardPeak?.d1Busy ?? 0) * 100).toFixed(2)} %. When the page read the profile, outages and links and the copy was
  kept apart (4 queries a visit) it was ${pct(d1Busy(A, (busyPerSec / A.requestsPerVisit) * 4, 0, 0))}; when every request read the links
  globally (a batch of 2 queries), ${pct(d1Busy(A, busyPerSec * 2, 0, 0))}. Every change of a link forgets the copy (a threshold set,
  a link made or removed, a connection's new account, the switch of a shard move for every holder of the account), as
  does every change of what the profile shows (a contact, the password); a copy is written only
  where no change forgot it since its request read them and no change is under way: a change forgets it before its
  global write too, opening a window of ${n0(COPY_CHANGE_WINDOW_MS / 60_000)} minutes in which no copy is kept, so a forget lost after a
  change (a crash between them) leaves no stale copy, and the copy is trusted for ${n0(LINKS_COPY_TTL_MS / 86_400_000)} days (it was 10 minutes, the
  bound on such a lost forget: then every visit read the global database once, ${pct(d1Busy(A, busyPerSec / A.requestsPerVisit, 0, 0))} of its thread).
  D1's read replicas (<https://developers.cloudflare.com/d1/best-practices/read-replication/>, one in each of D1's
  regions) would not have helped: a national operator's subscribers are all nearest the same one, so its reads go to
  that replica and the primary.

## 4. Cost per 1 M accounts per month (bounded design, month ${A.months})

Published prices (Workers Paid), each from Cloudflare's page; the included
allowances are left out (at ${n0(accountsTotal / 1e6)} M accounts they are a rounding error).

${table(
  ["price", "USD", "source"],
  (Object.keys(PRICES.sources) as (keyof Prices)[]).map((k) => [`\`${k}\``, String(PRICES[k]), `<${PRICES.sources[k]}>`]),
)}

${table(
  ["item", "quantity / month", "unit", "USD / month"],
  costs.map((c) => [c.item, c.quantity >= 100 ? n0(c.quantity) : n2(c.quantity), c.unit, n2(c.usd)]),
)}
| **total** | | | **${n2(costTotal)}** |

R2 class A is that large because each service's raw usage object is
rewritten once per batch (${A.usageBatchesPerMonth} a month); written once per account and month (the
open month's batches kept in one object per shard and day until the close)
it would be $${n2((1e6 * mixed(A, (k) => (k === "mobile" ? 1 : servicesPerAccount(A, k))) * PRICES.r2ClassAPerM) / 1e6)} instead of $${n2(costs.find((c) => c.item.startsWith("R2 class A"))?.usd ?? 0)}.

Kept as today (everything in D1), the storage line alone would be
$${n2(((1e6 * todayBytes) / 1e9) * PRICES.d1StoragePerGbMonth)} at month ${A.months} (${n0((1e6 * todayBytes) / 1e9)} GB), and every balance would read the
account's whole ledger (${n0(A.months * mixed(A, (k) => monthlyRows(A, m, k).ledger_entries))} rows after ${A.months} months) instead of the open month
and a period row.

That is **$${n2(costTotal)} per 1 M accounts per month** (${n2(costTotal / 1e4)} cents per account),
**$${n0(costTotal * (accountsTotal / 1e6))} a month** for the whole target. D1 rows written dominate:
every daily charge row and each of its ${m.indexes.ledger_entries ?? 0} index entries is a billed row, and
the close's delete of it bills them again.

## 5. What does not fit on one database, and where it goes instead

- **Raw usage records** (${pct(mixed(A, (k) => usagePerAccountMonth(A, m, k) * (m.bytesPerRow.usage_records ?? 0)) / monthlyToday)} of what grows; ${n0((mixed(A, (k) => usagePerAccountMonth(A, m, k) * (m.bytesPerRow.usage_records ?? 0)) * A.months) / 1e6)} MB per account over ${A.months} months):
  R2, one gzip'd object per account and month (${n1(m.compressedBytesPerUsageRecord)} bytes a record instead
  of ${n0(m.bytesPerRow.usage_records ?? 0)}); D1 keeps their per-day totals (\`usage_daily_totals\`) for the screen, the reports and
  the tariff advisor for ${A.usageDayMonths} months, then housekeeping folds a month's days into one row per category and
  direction (\`foldUsage\`, 10 pages of 90 accounts a shard every 15 minutes); the objects and their totals expire by cron
  after ${A.usageTotalsMonths} months (126-ФЗ).
- **Daily charge rows** (${n0(A.months * mixed(A, (k) => monthlyRows(A, m, k).ledger_entries))} ledger rows per account in ${A.months} months): a monthly period close
  rolls a closed month up into one line per service, and the period row carries
  the balance.
- **Closed months' money past three years: R2** (\`worker/features/billing/archive.service.ts\`). What a closed month
  keeps (its roll-up lines, payments with their events and receipts, the period row: ${n0(mixed(A, (k) => bytesOf(closedMoneyRows(A, k), m)))} bytes
  an account a month) goes to R2 a year at a time, once the year's December is more than 36 months back: one gzip'd JSON
  object an account and year (${n1(m.compressedBytesPerMoneyRow)} bytes a row there, measured on the sample's money, 45 days an object, so an upper bound for a year's; ${n0(mixed(A, (k) => archivedMoneyBytes(A, m, k, 120) - archivedMoneyBytes(A, m, k, 108)))}
  bytes an account a year), written by each shard's 15-minute tick a page of 25 accounts at a time, then recorded and
  deleted in one batch only if the rows still count and sum as the objects were made from. D1 keeps ${A.moneyKeptMonths} months at
  most, so the money no longer grows with years: after month ${A.moneyKeptMonths} an account grows by
  ${n0(mixed(A, (k) => accountBytesBounded(A, m, k, 120) - accountBytesBounded(A, m, k, 108)))} bytes a year (support, applications and their directory entries, bonus points and
  promised payments, which are not archived), instead of ${n0(mixed(A, (k) => accountBytesBounded({ ...A, moneyKeptMonths: 1e9 }, m, k, 120) - accountBytesBounded({ ...A, moneyKeptMonths: 1e9 }, m, k, 108)))} with
  the money kept, and ${n0(mixed(A, (k) => accountBytesToday(A, m, k, A.months + 12) - accountBytesToday(A, m, k, A.months)))} with nothing rolled up. After 120 months the average account is
  ${n0(mixed(A, (k) => accountBytesBounded(A, m, k, 120)))} bytes and a database holds ${n0(
    accountsPerShard(
      A,
      mixed(A, (k) => accountBytesBounded(A, m, k, 120)),
    ),
  )} accounts
  (${n0(perShardBounded)} at ${A.months}; with the money kept, ${n0(
    accountsPerShard(
      A,
      mixed(A, (k) => accountBytesBounded({ ...A, moneyKeptMonths: 1e9 }, m, k, 120)),
    ),
  )}).
  The balance is unchanged (the last closed month carries it); the history's running balance adds the archived
  years' closing balance; its pages, filters and the monthly statement read the objects where D1 has no more, and a
  payment or receipt by id looks in the year its id was made. An act of reconciliation or a month's closing documents
  may not start in an archived year (a 400 naming the field).
- **The inbox and deliveries: in the subscriber's home shard.** Each subscriber has a home shard
  (\`subscribers.home_shard\`: their first account's shard, chosen at registration and named by the session cookie, no
  round trip of its own); the consumer writes the inbox row and the delivery claims and records there, and the inbox,
  its unread count and «mark read» read only it. They are written at ${n0(notesMonthlyBytes)} bytes per account per month
  but kept only ${A.inboxRetentionMonths} months (inbox) and ${n0(A.deliveryRetentionDays)} days (deliveries; rows of an
  event still in \`dead_letters\` stay until it is replayed and removed): at most ${n0(notesRetainedBytes(A.months))} bytes per
  account however old it is, counted in the shard's bytes above — ${gb(notesAt(A.months))} over all shards after ${A.months} months
  and ${gb(notesAt(120))} after 120 (kept for ever they would be ${gb(notesKeptForEver(A.months))} and ${gb(notesKeptForEver(120))}).
  Housekeeping deletes them every 15 minutes in pages of ${n0(RETENTION_PAGE)} rows along their date indexes, at most
  ${n0(A.retentionRowsPerRun)} rows per table and shard a run, visiting ${n0(A.retentionShardsPerRun)} shards a run in turn
  (\`worker/features/notifications/notifications.retention.ts\`): at ${n0(shardsBounded)} shards each is visited
  ${n1(visitsPerDay)} times a day, which keeps up with the new rows of ${n0(retentionKeepsUpWith(A, shardsBounded))} accounts a shard
  (a shard holds ${n0(perShardBounded)}; ${(retentionBusy * 100).toPrecision(2)} % of its single thread when every visit deletes full pages).
  A deployment that kept them in the global database drains them into the home shards: housekeeping copies a page
  at a time to each row's home shard and deletes it from the global table only where it is unchanged since the copy,
  while the inbox reads both and shows each message once (\`notifications.drain.ts\`). Each table keeps a cursor (\`drain_cursors\`):
  a run goes on after the last row the previous one read, and from the start once one has reached the table's end, so rows it may not move yet
  (their shard not bound, or a card's or passkey's id the home shard holds for someone else) are passed over, counted and
  logged, never read first by every run. Its rows are in no order of
  shard, so where there are more shards than a run's ${n0(A.drainCallsPerTable)} calls a table, a page is as many rows as calls are
  left: ${n0(A.drainCallsPerTable - 2)} rows a table a run, ${n0((A.drainCallsPerTable - 2) * A.housekeepingRunsPerDay)} a day at ${n0(shardsBounded)} shards. Where the shards are few a page of 500 costs at
  most 2 calls more than there are shards (at 10 shards, ${n0(Math.floor(A.drainCallsPerTable / 12))} pages, ${n0(Math.floor(A.drainCallsPerTable / 12) * 500)} rows a table a run); an upgrade at the
  target size, whose inbox alone is billions of rows, would drain by shard instead (a queue message per home shard
  reading its subscribers' rows along an index on \`subscribers.home_shard\`; not built).
- **The global database**: what is left in it is its fixed part — the subscribers, and the directory's rows of the
  organisations' and moved accounts (every account's place is its copy in the identity stores, and the directory's other
  rows are deleted: below; the subscribers' links to accounts are the accounts' holder rows and their own home links) —
  ${n0(globalFixedBytes)} bytes per account (${n0(globalKeptBytes)} while production still writes the global links and keeps every directory row)
  (${gb(accountsTotal * globalFixedBytes)} for ${n0(accountsTotal / 1e6)} M accounts, down from ${gb(accountsTotal * globalBeforeBytes)} with the links to accounts, inbox, deliveries, push subscriptions, sessions, notification choices, saved cards, passkeys, links to identity providers and provider messages):
  one database holds ${n0(globalPerDatabase)} accounts' global rows at 70 % of 10 GB (${n0(accountsPerShard(A, globalBeforeBytes))} before the moves).
  \`provider_messages\` moved to the **message stores** (\`MESSAGES_0\` … , \`platform/message-stores.ts\`): a month of
  them is ${n0(messagesBytes)} bytes per account, ${gb(accountsTotal * messagesBytes)} at the target, ${gb(storeGb)} in each of production's
  ${n0(A.messageStores)} (${pct(storeGb / A.shardBytes)} of 10 GB). They are not the subscriber's (a login code goes to a number
  with no subscriber yet), so a message's dedupe key chooses its store by hash: every copy of a queue message claims
  in the same one. SMSC's delivery report carries nothing but the id we gave the message and the phone, so the id is
  random with the store's index in its low five bits (up to 32 stores; an id taken by a live row is refused by the
  store's key and drawn again). Housekeeping expires each store's
  rows on its own, ${n0(A.expirePage * A.housekeepingRunsPerDay)} a day each, ${n0(A.expirePage * A.housekeepingRunsPerDay * A.messageStores)} in all against the
  ${n0(messagesPerDay)} sent a day: in one global table it could delete ${n0(A.expirePage * A.housekeepingRunsPerDay)} a day, so the table
  would have grown for ever, and its autoincremented ids would have run out of SMSC's 2^31 in
  ${n1(2 ** 31 / messagesPerDay / DAYS_PER_MONTH)} months. The count is fixed for a deployment (a key hashes elsewhere once it
  changes: docs/operations.md). An older deployment's rows are read beside them for 30 days after the upgrade
  (\`PROVIDER_MESSAGES_LEGACY\`), so a message it sent is not sent again and its late reports land.
  \`push_subscriptions\` moved to the subscribers' home shards (${n0(devicesBytes)} bytes per account, in the shard's
  bytes above): an event reads the devices there, in the shard it writes the inbox to, and the app subscribes afresh
  each time pushes are turned on (and drops the one another subscriber turned on in the same browser when someone
  else signs in), so an endpoint is never another subscriber's to take over (\`web/src/lib/push.ts\`);
  the rows an older deployment kept are read beside them and drained like the inbox.
  \`notification_prefs\` and \`notification_settings\` (the subscriber's channels per kind of event, per account or all
  of them, and their quiet hours and consent) moved there too (${n0(choicesBytes)} bytes per account, in the shard's bytes above; in
  the global database they were ${pct(choicesBytes / (globalFixedBeforeDrop + choicesBytes))} of its fixed part): the preferences page reads and writes them there, a queue
  batch of events reads them with one batch a home shard of its subscribers (beside the global batch it made already), and
  the charge notices with one read a home shard of a page's subscribers. The rows an older deployment kept are read
  beside them, the home shard's winning, deleted by the subscriber's next change, and drained like the inbox; a reset of an
  account's choices over a row still there leaves a mark of no choice in its place, newer than the drain's copy of it,
  so the copy cannot bring it back (\`notifications.drain.ts\`).
  Saved \`cards\` and \`passkeys\` moved there too (${n0(credentialsBytes)} bytes per account, in the shard's bytes above;
  ${pct(credentialsBytes / (globalFixedBeforeDrop + credentialsBytes))} of the global fixed part): the pages that list them and a payment with a saved card read them
  there beside the session, an autopay's charge reads its subscriber's home shard (one more read, only for an autopay
  noticed or charged), and a passkey login finds the subscriber by the credential's user handle (their id, as
  registration gave it) and the passkey in their home shard, where its counter is written: a login by passkey writes
  nothing global but its challenge. The rows an older deployment kept are read beside them and drained like the inbox
  (a row is deleted here only once the home shard holds it for its subscriber); a removal writes a mark in the home
  shard, kept a day, then deletes the global row at once, so the drain cannot copy back a card or passkey it read
  before (\`platform/credentials.ts\`).
  Links to identity providers (\`identities\`) moved there too (${n0(identitiesBytes)} bytes per account, in the shard's bytes
  above; ${n0(bytesOf({ external_identities: A.identitiesPerAccount }, m))} bytes, ${pct(bytesOf({ external_identities: A.identitiesPerAccount }, m) / (globalFixedBeforeDrop + bytesOf({ external_identities: A.identitiesPerAccount }, m)))} of the global fixed part, where they were), each with its key in the **identity
  stores** (\`IDENTITY_0\` … , \`platform/identity-stores.ts\`: D1 databases like the message stores, the store a key's hash
  picks; ${n0(identityStoresBuilt)} in production): \`login_keys\`, \`contract_contacts\` and the accounts' places (\`account_places\`, below), ${n0(keysBytes)} bytes per account, ${gb(accountsTotal * keysBytes)} at the target
  (${gb((accountsTotal * keysBytes) / Math.max(1, identityStoresBuilt))} a store). A login by a provider reads the key (the provider and subject name no subscriber), then the
  row in the subscriber's home shard, which is the truth: a key whose row is not there (a link or an unlink that stopped
  half-way) logs nobody in. A link writes the key first and the row second; an unlink marks the row, then drops the key,
  then deletes an older deployment's row; one subject is one subscriber's (a key someone else holds is theirs while their
  row says so, or for a minute while their link is being written). The rows an older deployment kept are read beside
  them (a removal's mark hides one whose delete failed) and drained with their keys written before the global row goes;
  a key someone else holds is taken over only once no live link of theirs stands behind it, as a link takes it
  (\`features/auth/identities.service.ts\`).
  **Password logins** by phone, e-mail or login read nothing global either (\`features/auth/sign-ins.service.ts\`): the
  phone's, e-mail's or login's key in its identity store (${n1(A.signInKeysPerSubscriber)} keys a subscriber, in the
  \`login_keys\` bytes above), then the subscriber's sign-in row in their home shard (\`sign_ins\`,
  ${n0(bytesOf({ sign_ins: A.subscribersPerAccount }, m))} bytes per account, in the shard's bytes above), which keeps their password's record (the
  truth: a change writes it there first), their name, and the identifiers a key must
  agree with. A key the row does not agree with (a change that stopped half-way) is not trusted: the global row answers
  that login, and its success writes the row and keys again. Who holds a phone, e-mail or login is decided by
  its key: a registration or a contact change claims it before the global row takes the value, and two claims meet in
  that one row (\`claimIdentifier\`); the global row keeps those columns and their unique indexes behind the keys
  until a later release drops the indexes (once every holder has a key, and the logins' fallback that reads by them
  is gone), so what this move took off the global
  database is the login storm's reads and the password's record: the global column keeps only the mark that the home
  row has it (\`@home\`, \`GLOBAL_PASSWORDS\`; an argon2id record is 97 characters), and the subscriber's row is
  ${n0(bytesOf({ subscribers: A.subscribersPerAccount }, m))} bytes per account. Production keeps writing the record there too (\`GLOBAL_PASSWORDS = "keep"\`)
  until no rollback to a release that reads only the global row is wanted. An older deployment's subscribers get their
  rows and keys from a chain of messages (\`features/auth/sign-ins.backfill.ts\`, ${n0(SIGN_IN_BACKFILL.page)} subscribers a message, from the
  hourly cron while any are left), whose pass then replaces each global record the home row holds by the mark (a
  pass under "keep" writes them back).
  **The contacts on a contract** (its phone and e-mail, where registration's and relative-linking's codes go) left the
  directory too (\`platform/contract-contacts.ts\`): the account's row in its shard keeps them (moved with it), and the
  identity stores index them by contact (\`contract_contacts\`, ${n0(bytesOf({ contract_contacts: A.contractContactsPerAccount }, m))} bytes an account over all
  stores), each index row trusted only when the account's row names the same contact. The directory row is
  ${n0(bytesOf({ account_directory: 1 }, m))} bytes (120 with them); its two indexes of contacts, empty now (their entries of NULL are in that figure), are
  dropped by a later release's migration, once no release that reads them can run. Production keeps writing and
  reading them there as well (\`CONTRACT_CONTACTS = "global"\`) while a backfill's chain copies an older release's
  into the accounts' rows and the index; then, the line removed, the chain's next pass empties them in the directory
  (a pass under "global" writes them back).
  \`sessions\` moved to the home shards too (${n0(sessionsBytes)} bytes per account): the cookie names the home shard and
  the subscriber beside the token, so a request reads its session there, with its copy of the subscriber's links
  (\`session_links\`, ${n0(bytesOf({ session_links: A.subscribersPerAccount }, m))} bytes per account; read from the global
  database once a visit, above), and a login writes nothing global; the sessions an older
  deployment opened stay honoured in the global table until they expire (30 days), end, or are rotated home by a
  step-up (\`platform/session.ts\`), so an upgrade logs nobody out.
  \`application_directory\` and \`support_directory\` (where each of a subscriber's applications, chats and requests
  lives: one row each, ${n2(A.applicationsPerMonth + A.chatsPerMonth + A.ticketsPerMonth)} an account a month, ${n0(directoryMonthBytes)} bytes)
  moved to the home shards too, read there by the lists and by one's own application's page: in the global database
  they grew with the years, beside its fixed part, and an earlier version of this model left them out —
  ${gb(accountsTotal * directoryMonthBytes * A.months)} after ${A.months} months at the target and ${gb(accountsTotal * directoryMonthBytes * 120)} after 120, where the
  home shards keep them in the bytes above. An older deployment's entries are read beside them and drained like the
  inbox; an operator's application, found by its id alone, is read from the branches' home shards, where applications
  are made, side by side (\`findApplication\`, features/services/applications.service.ts).

  What the global database holds at the target, all of it bounded (by accounts, organisations or days; the tables of a
  handful of rows, the catalogue, leases, cursors and codes of the last minutes, left out):

${table(
  ["part", "kept for", "at the target"],
  [...globalParts.map((p) => [p.part, p.bound, gb(p.bytes)]), ["**total**", "", `**${gb(globalTotal)}**`]],
)}

  That is ${n1(globalTotal / (A.shardBytes * A.headroom))} times ${pct(A.headroom)} of one database; without the fixed part, ${gb(globalTotal - accountsTotal * globalFixedBytes)} (${n1((globalTotal - accountsTotal * globalFixedBytes) / (A.shardBytes * A.headroom))} times).

  **The subscribers are not split yet, and one database cannot hold them at the target**: the fixed part's ${gb(accountsTotal * globalFixedBytes)} is
  ${n1((accountsTotal * globalFixedBytes) / (A.shardBytes * A.headroom))} times ${pct(A.headroom)} of 10 GB, and the login storm's reads are ${pct(stormGlobalPeak?.d1Busy ?? 0)} of its thread (an
  outage's ${pct(outageGlobalPeak?.d1Busy ?? 0)}, the busy hour's ${pct(busyGlobalPeak?.d1Busy ?? 0)}). Where it goes (the design; built so far where it says so):
  - **The links by account, in the accounts' shards** (built: \`account_holders\`, platform/holders.ts,
    ${n0(bytesOf({ account_holders: A.linksPerAccount }, m))} bytes an account, in the shard's bytes above, moved with the account):
    who holds an account, read there by an outage's fan-out, the balance alerts, a payment's and a bank credit's
    notices (one over more than 50 shards reads the first 50 and hands the rest to the notifications queue, a
    \`holders\` message a shard and 50 accounts), a login by account number and a shard move's forgetting, instead of
    the global links by their index on the account. Every change of a link writes the account's row first
    (\`adding\`: one owner an account is its shard's unique index, where two registrations of one contract meet),
    then the subscriber's home link, then settles the row; a removal marks the row, deletes the home link, then the
    row; a change that stopped half-way is a row no reader counts, which housekeeping settles (its home link written)
    or deletes (a removal finished) after 10 minutes. Production reads the global links by account
    (\`HOLDERS_STORE = "global"\`) while a backfill's chain copies an older release's into the shards.
  - **The links by subscriber, in their home shards** (built: \`subscriber_links\`, platform/links.ts,
    ${n0(bytesOf({ subscriber_links: A.linksPerAccount }, m))} bytes an account, in the shard's bytes above): the truth their sessions' copy is
    made from, read there (with the directory's region and shard) by their pages, access to an account, support's
    check of an account named, the notification settings, an outage's "their other accounts in the region" and the
    sign-ins' backfill, instead of the global links by their key. A link is written there when the account's row is
    settled and deleted before the row is, so housekeeping's look at a row left half-way writes or deletes it too; and
    its sweep goes over each home shard's links, 50 a run after a cursor, deleting one whose account's shard has no
    holder row for it (a change that raced another): one global read (the directory) a shard a run, ${n1((shardsBounded * A.housekeepingRunsPerDay) / 86_400)} a second at ${n0(shardsBounded)} shards,
    and a read of the accounts' shards (most of them the home shard itself).
    Production reads the global links by subscriber (\`LINKS_STORE = "global"\`) while a backfill's chain copies an
    older release's.
  - **The global links themselves** (built: \`GLOBAL_LINKS\`): with both readers above moved, no change of a link
    writes \`account_links\` (production keeps writing it, \`"keep"\`, until no older release that needs it is left),
    nothing reads it, and housekeeping deletes the rows an older release left, ${n0(A.expirePage)} a tick
    (${n0(Math.ceil((accountsTotal * A.linksPerAccount) / (A.expirePage * A.housekeepingRunsPerDay)))} days for the target's ${n0((accountsTotal * A.linksPerAccount) / 1e6)} M): ${n0(linksGlobalBytes)} bytes an account off the global
    database, whose fixed part is ${n0(globalFixedBytes)} bytes an account without them. A later release drops the empty table.
  - **Identity stores** \`IDENTITY_0\` … (built, ${n0(identityStoresBuilt)} in production; they hold the identity providers', phones',
    e-mails', logins' and account numbers' keys and the contracts' contacts' index): \`account_directory\` by
    account number (→ region and shard). **Its copy is built** (\`account_places\`, platform/places.ts,
    ${n0(bytesOf({ account_places: 1 }, m))} bytes an account in the identity stores' bytes above): a visit's links, access to an account
    (\`shardForAccount\`: a usage batch's ingest, an acquirer's webhook, a tariff change's application), the holders
    of accounts a notice names and the links' sweep find where an account is there, not in the global directory, which
    stays the truth of a shard move's switch: a move marks the copy before its switch and settles it after, and a
    marked copy (or none: an older release's account, until the backfill's chain copies it) sends its reader to the
    directory. Production reads the directory alone (\`ACCOUNT_PLACES = "global"\`) while an older release that makes
    and moves accounts without the copies may run. **And the directory's rows nothing needs are deleted** (built:
    features/accounts/places.backfill.ts, \`DIRECTORY_ROWS\`): the places' pass deletes each row a day old whose copy
    names its shard and no move, with no contract's contacts on it, and that no foreign key names (a global link, an
    organisation's account, an older deployment's invoice or payment line, a shard move: global migration 0042 indexes
    the two that had no index by account, so a delete checks them along an index). A move and an organisation's
    registration make an account's row again from its copy, in the write that names it. What the directory keeps is
    the organisations' accounts' and the moved accounts' rows, ${pct(directoryRowsPerAccount(A))} of them
    (${n0(bytesOf({ account_directory: directoryRowsPerAccount(A) }, m))} bytes an account, from ${n0(bytesOf({ account_directory: 1 }, m))}); every reader of a private
    account's place — a visit, access by number, a registration or a link by account number, the notifications, the
    bank import — reads its copy (and under \`ACCOUNT_PLACES = "global"\`, a deleted row's copy). Production keeps the
    rows (\`DIRECTORY_ROWS = "keep"\`) while a rollback to a release that reads the directory alone is wanted.
  - **The subscriber's own rows in their home shard**, where their links, notification choices, saved cards, passkeys,
    identity providers and sign-in row (name, contacts, password's record) already are: the subscriber's row itself, the
    profile that \`session_links\` copies with the links. A request then reads nothing outside its home shard and the accounts'
    shards, and a visit's global read (${n2(A.globalReadsPerVisit)} on average today, to make that copy) goes.
  - **How many**: at most ${n0(globalFixedBytes)} bytes per account (less: the subscriber's row goes to the home shard) need
    ${n0(globalStoresForSize)} stores at ${pct(A.headroom)} of 10 GB; the login storm's
    ${n0((A.stormLogins * (A.stormKeyReadsPerLogin + A.stormGlobalReadsPerLogin)) / A.stormWindowSec)} key reads a second (its visits' reads move to the home shards) need ${n0(globalStoresForStorm)} at ${pct(A.headroom)} of a thread;
    so ${n0(globalStores)} (a power of two; production binds ${n0(identityStoresBuilt)}).
  - **Next, the indexes behind the keys** (built up to their drop): of the ${n0(globalFixedBytes)} bytes, ${n0(droppedBytes)} are five
    indexes a later release drops — the subscribers' three unique ones on phone, e-mail and login (a registration or a
    contact change claims the key first and confirms it after its global write, \`claimIdentifier\`) and the directory's
    two of contracts' contacts (empty once their backfill has been round). Without them the fixed part is
    ${n0(globalAfterDrops)} bytes per account, ${gb(accountsTotal * globalAfterDrops)},
    ${n1((accountsTotal * globalAfterDrops) / (A.shardBytes * A.headroom))} times ${pct(A.headroom)} of 10 GB (docs/operations.md says what that release needs).
  - **Writes across two stores** (a link: the account's holder row and the subscriber's own) go holder first and are
    removed in the reverse order, each followed by forgetting the links' copy, as links are changed now; an upgrade
    reads the global tables beside the stores and drains them by pages, as the inbox and the sessions were.
  - **Foreign keys**: ${FOREIGN_KEYS_TO_IDENTITY} columns of global tables refer to \`subscribers\` or \`account_directory\`
    (links, sessions, cards, passkeys, identities, preferences, organisations' members, accounts, invoices and payments).
    D1 enforces foreign keys and a migration cannot turn them off for a table, nor drop one without rebuilding the
    table, which no migration can do to a table of this size within D1's 30 s a query. So the moved rows leave behind
    their keys (a subscriber's id and home shard, an account's number, region and shard: the rows the foreign keys
    name) until the tables that name them have moved too, and each move is its own release with its own drain;
    the links first (nothing refers to them), then the directory (done: a row goes where no foreign key names it, and
    comes back from its copy in the write that names it again), then the subscribers, the same way (their rows that no
    organisation's member, link, session or credential an older deployment kept names).
- **The business cabinet's documents** (features/business, features/bank; measured on
  ${n0(SAMPLE_ORGS)} organisations over the sample's ${SAMPLE.days} days, section 1): an organisation adds
  ${n1(Object.values(businessRows(A)).reduce((x, y) => x + y, 0))} rows a month (its monthly УПД with a line per service of its
  ${n0(A.accountsPerOrg)} accounts, invoices, payments, the audit, acts of reconciliation),
  ${n0(businessMonthBytes)} bytes, and nothing deletes them. At ${n1(A.organisations / 1e6)} M organisations that is
  ${gb(A.organisations * businessMonthBytes * 12)} a year, ${gb(A.organisations * businessMonthBytes * A.months)} after ${A.months} months: in one database they would fill
  ${pct(A.headroom)} of it in ${n1((A.shardBytes * A.headroom) / (A.organisations * businessMonthBytes))} months.
  - **On the organisation's home shard** (features/business/org-home.ts): its closing documents, their lines, its
    payments with their lines, its audit, its acts of reconciliation (an act's id names the shard: \`rc-<id>-<binding>\`,
    so the reports queue's message and the routes find it without a lookup; an older deployment's acts are read and made
    where they are) and its invoices for payment with their lines and payments (below), ${n0(businessHomeMonthBytes)} bytes a month (${pct(businessHomeMonthBytes / businessMonthBytes)} of it). The home shard is
    \`organisations.home_shard\`: the shard of its account with the lowest number when it was registered (with no account, the
    shard a new Moscow account would get), which never changes. Spread over the shards as their accounts are, that is
    ${n1(businessPerAccountMonth)} bytes an account a month, counted in the shard's bytes above: they grow with the years there, ${n0(businessPerAccountMonth * A.months)} bytes an
    account after ${A.months} months and ${n0(businessPerAccountMonth * 120)} after 120 (the closed years to R2 with their files, as the money goes, is not built).
    A document's number comes from one global sequence (\`closing_counters\`: a row a kind and year, one statement a document, ${n1(A.organisations / 1e6)} M
    in the first five days of a month), taken after the document is written, so a run that dies between the two leaves a number unused, never one
    used twice. The monthly job's pages ask the organisation's \`docs_through\` (its last month with a ready УПД) instead of its documents.
    An entry of the audit written with a change to the global rows (a member, a role, an invoice) goes to the global \`org_audit\` in that change's
    batch, as before, and housekeeping moves it home (\`drainOrgAudit\`, features/business/audit-drain.service.ts): each run takes the home shards of the
    oldest entries, ${n0(AUDIT_DRAIN_SHARDS)} of them, copies each one's oldest ${n0(AUDIT_DRAIN_PAGE)} there and deletes them here in one batch, with a permit
    an entry each that the table's delete trigger asks for (it stays append-only to anything else). At the target that is
    ${n0(stagedAuditPerDay)} entries a day against ${n0(AUDIT_DRAIN_SHARDS * A.housekeepingRunsPerDay)} shard visits (each of the ${n0(shardsBounded)} shards every
    ${n1(shardsBounded / (AUDIT_DRAIN_SHARDS * A.housekeepingRunsPerDay))} days, ${n0((stagedAuditPerDay / shardsBounded) * (shardsBounded / (AUDIT_DRAIN_SHARDS * A.housekeepingRunsPerDay)))} entries a visit against a page of ${n0(AUDIT_DRAIN_PAGE)}), so the global table keeps about
    that many days' (${gb(stagedAuditPerDay * (shardsBounded / (AUDIT_DRAIN_SHARDS * A.housekeepingRunsPerDay)) * (m.bytesPerRow.org_audit ?? 0))}); an older deployment's whole log goes home at up to
    ${n0(AUDIT_DRAIN_SHARDS * AUDIT_DRAIN_PAGE * A.housekeepingRunsPerDay)} entries a day. The log and its export read both places and show each entry once.
    An older deployment's documents stay in the global tables, read beside the home shard's (listed, downloaded and corrected: the
    correction goes home).
    A payment (\`topup.service.ts\`) is written there with its lines and its audit entry in one batch, and its id names the
    shard (\`op-<id>-<binding>\`), so the acquirer's report finds it without looking it up. The hourly sweep finds the ones it
    must still look at through the global \`org_payments_open\`: a row written before the payment and deleted once it is
    settled in the ledgers, failed, or past the three days it is asked of the acquirer (a refund writes it again), so it
    holds the payments not yet settled (at most three days of them, ${n0((A.orgPaymentsPerOrgMonth * A.organisations * 3) / DAYS_PER_MONTH)} rows at the target, under 10 MB), not the years. An older
    deployment's payments stay in the global table, where their reports, the sweep and a replay of their key find them.
  - **Kept a bounded time in the global database**: the bank statements' lines of its transfers
    (\`bank_statement_lines\`, ${n2(A.bankLinesPerOrgMonth)} an organisation a month): a credited line is deleted ${n0(BANK_LINE_RETENTION_DAYS)} days after its upload and
    its credit, once its payment's date is past what an upload imports, and an upload once no line names it (housekeeping);
    a payment dated over ${n0(BANK_LINE_MAX_AGE_DAYS)} days before its upload is not imported, so a deleted line is never imported
    again (features/bank/bank.limits.ts). The credited lines are ${gb((A.organisations * bytesOf({ bank_statement_lines: A.bankLinesPerOrgMonth }, m) * BANK_LINE_RETENTION_DAYS) / DAYS_PER_MONTH)} at the target
    however many years (a line left in the operators' queue stays until it is credited), where kept they grew by ${gb(A.organisations * bytesOf({ bank_statement_lines: A.bankLinesPerOrgMonth }, m) * 12)} a year.
  - **Invoices for payment** (features/business/invoices.service.ts; ${n0(bytesOf({ invoices: A.invoicesPerOrgMonth, invoice_lines: A.invoicesPerOrgMonth * A.accountsPerOrg, invoice_payments: A.invoicesPerOrgMonth }, m))} bytes an
    organisation a month, in the home bytes above): in the global database they grew by ${gb(A.organisations * bytesOf({ invoices: A.invoicesPerOrgMonth, invoice_lines: A.invoicesPerOrgMonth * A.accountsPerOrg }, m) * 12)} a year at the target. A new
    invoice's id names its home shard (\`iv-<id>-<binding>\`). What held them back is that other organisations' work finds
    them: the bank statement import matches a transfer by the invoice's number alone. So the number keeps a global row,
    \`invoice_numbers\` (number → invoice id), written in the batch that takes the number from the year's sequence, before
    the invoice is written at home (a failure between the two leaves a number with no invoice, which the same request's
    retry fills in and the import takes for none; never a number used twice). Housekeeping deletes the numbers of years
    more than ${INVOICE_NUMBER_YEARS} before the oldest payment an upload imports (a year back) along the key, whose year is in it (a
    transfer naming an older invoice goes to the operators' queue): at most ${n0(invoiceNumberRows(A, INVOICE_NUMBER_YEARS))} rows an organisation, ${gb(A.organisations * bytesOf({ invoice_numbers: invoiceNumberRows(A, INVOICE_NUMBER_YEARS) }, m))} at the target however many years.
    A statement line pays a home invoice on its shard before the line is marked credited (a row a line in
    \`invoice_payments\`, append-only, and the invoice's paid sum recomputed from them, so a retry or a parallel upload
    pays nothing twice); the line names it in \`bank_statement_lines.home_invoice_id\` (\`invoice_id\` has a foreign key to the
    global table, which a table this size cannot be rebuilt to drop). An invoice's Idempotency-Key row (\`invoice_requests\`)
    stays global and is deleted by housekeeping after 30 days (a retry comes within minutes; kept for ever it would be
    ${n0(bytesOf({ invoice_requests: A.invoicesPerOrgMonth }, m))} bytes an organisation a month more). An older deployment's invoices stay in the global
    tables, listed, read and paid beside the home shards'.
  - **The list of an organisation's requests** (\`org_tickets\`: a row a request, naming the shard its chat is on, read by
    the organisation's list of requests alone) is on its home shard too, ${n0(bytesOf({ org_tickets: A.orgTicketsPerOrgMonth }, m))} bytes an organisation a month
    (${gb(A.organisations * bytesOf({ org_tickets: A.orgTicketsPerOrgMonth }, m) * 12)} a year at the target in the global database); an older deployment's entries are listed beside them.
    So the business tables left in the global database grow by ${n0(businessGlobalMonthBytes)} bytes an organisation a month: nothing of theirs
    grows with the years there any more.
    The organisation, its members and its accounts stay global (${n0(bytesOf({ organisations: 1 / A.accountsPerOrg, org_accounts: 1, org_members: 1 / A.accountsPerOrg }, m))} bytes per business account, fixed).
  - The monthly job that issues the УПД read every organisation in one query and sent
    their messages from one cron invocation, every hour of the five days: at ${n1(A.organisations / 1e6)} M organisations, all their ids in
    the invocation's 128 MB and ${n0(Math.ceil(A.organisations / 100))} \`sendBatch\` calls of its 10,000 subrequests
    (<https://developers.cloudflare.com/workers/platform/limits/>). It now queues them ${n0(CLOSING_PAGE)} a message, a chain of
    page messages on the reports queue (\`queueClosingPage\`, features/business/closing.service.ts).
- **Every chain of messages at the target keeps to an invocation's 1,000 D1 queries, as D1 counts them** (a batch's
  statements each: \`queriesUsed\`, platform/db.ts), and one runs at a time:
  - **Leases** (\`job_leases\`, platform/lease.ts: one global row a job, taken in one statement). The hourly tick starts a
    region's daily chain, the closing documents' pages, the bank statement's pending lines and the organisations'
    payment sweep only when the last one of its kind has given its lease back or gone quiet (${n0(CLOSING_LEASE_STALE_MS / 3_600_000)} hours for
    the closing pages, which wait behind the organisations' messages; minutes for the rest). Moscow's month close is
    ${n0(Math.ceil(moscowAccountsBounded / 200 / 50))} messages or so (200 accounts a page, 50 pages a message), longer than an hour: each tick
    started another chain redoing its pages.
  - **A region's first close** reads its first ledger day ${n0(FIRST_DAY_SHARDS_PER_MESSAGE)} shards a message (Volga's ${n0(volgaShards)} were
    one message of about that many queries).
  - **A shard's day** starts its tariff changes ${n0(MIDNIGHT_CHANGES_PAGE)} and blocks ${n0(MIDNIGHT_BLOCKS_PAGE)} of each kind at a time, the rest in a
    message of its own from the shard's start (the first of September ends the summer's blocks); a message starts a
    shard only with ${n0(SHARD_START_CALLS)} queries left of its ${n0(CHARGE_CALLS_PER_MESSAGE)}.
  - **Bank statement lines** go in a chain over the pending lines by a cursor (a line that cannot be credited is
    passed, not worked by every message), a line crediting up to 500 accounts (an invoice's) in groups of at most 500
    targets; an upload stores 5,000 lines in 50 statements (was 1,000).
  - **An organisation on hundreds of shards**: its УПД's and its act of reconciliation's reads go a share of shards a
    message, staged in R2 (\`gather\`, platform/gather.ts), each share reading its accounts where the directory says they
    are now; an act covers at most 6,000 accounts × months. Its accounts list reads at once from at most 200 shards
    (two queries each), past that from a snapshot in R2 at most 10 minutes old, made by such a chain. Its corporate
    numbers list comes from the same chain's numbers snapshot past 200 shards, and a number to change or block is
    looked for on every shard of its accounts up to 900 (a primary-key read each), past that on the one shard the
    snapshot names, read now (before, both read every shard in one request: past some 900 shards more than one request
    may make).
  - **Usage ingest** writes a month's totals in two statements (one a 9 rows before).
  - **The billing queue** delivers one message an invocation: most of them are a whole invocation's work.
- **An area's fan-out** (\`fanOutArea\` in features/notifications) pages: a queue message reads
  ${n0(A.areaPage)} accounts at a time along \`accounts_region_idx\` (region, rowid) on each shard of the
  region's branch in turn (as the daily charge pages its services), finds the page's subscribers and
  their other accounts in one global query (plus a lookup on at most ${n0(A.areaLookupsPerPage)} shards), sends one event per
  subscriber in batches of 100, and before a page could take it past ${n0(A.areaCallsPerMessage)} D1 queries and
  queue sends queues the rest (a shard and a rowid on the message, far under 128 KB) before it is acked.
  A region of a million accounts is ${n0(area.pages)} pages: told whole (an announcement), at most ${n0(area.callsPerPage)} calls a page on the branch's first shard (up to ${n0(area.mostCallsPerPage)} on later ones),
  at least ${n0(area.pagesPerMessage)} pages (${n0(area.pagesPerMessage * A.areaPage)} accounts) a message, at most ${n0(area.messages)} messages; for one street, at most ${n0(area.streetMessages)}. A
  subscriber with several accounts in the area is told once, about the first of them.
- **Platform limits at this size** (<${D1_LIMITS}>): the bounded design needs
  ${n0(boundedPlan.reduce((s, p) => s + p.shards, 0))} databases and ${n0((accountsTotal * boundedBytes) / 1e12)} TB of D1 in all. A Worker script binds about
  5,000 D1 databases («you can bind up to ~5,000 D1 databases to a single Worker script»), so the shards past one
  Worker's share are reached through **shard gateways** (\`worker/gateway.ts\`): Workers of their own that bind up to
  ${n0(SHARD_LIMITS.perGateway)} shards each and run the main Worker's statements over a service binding's RPC (a batch stays one
  transaction; <https://developers.cloudflare.com/workers/runtime-apis/bindings/service-bindings/>). A request may make
  at most 32 Worker invocations, each call on a service binding among them, so a request opens one **session** with a
  gateway (one call on the binding, whatever number of its shards and statements it then uses: they go to the stub the
  call returns, and run in the invocation that made it; the page names calls on the binding, not on such a stub, so
  docs/operations.md has a moved account's history and usage paged on staging through a gateway before one carries
  accounts); the
  gateway's CPU time counts with the request's. \`npm run deploy\` plans it from
  wrangler.toml alone (\`planShards\` in scripts/deploy.mts; adding a shard stays configuration), at fixed boundaries,
  so that no deploy moves a shard from one Worker to another: at the target the Worker binds the first
  ${n0(workers.direct.length)} shards itself (the home shards first) beside its ${n0(otherBindings(toml, "production"))} other bindings, ${n0(workers.gateways.length)} gateway service(s) and the map;
  ${workers.gateways.map((g) => `\`${g.script}\` holds ${n0(g.databases.length)}`).join(", ")}. The map
  (\`SHARD_GATEWAYS\`, runs of numbered names) is ${n0(new TextEncoder().encode(workers.shardGateways ?? "").length)} bytes of a variable's 5 KB. \`/healthz\` checks the home shards and
  ${n0(HEALTH_SHARDS - new Set(Object.values(SHARD_MAP)).size)} others a probe, the share drawn from the probe's 5-second slot, a gateway's in one call to it, instead of every shard. The account's D1 storage is
  capped (250 GB in one version of the page, 1 TB in a later one; raised on
  request) as is the number of
  databases (the page has said 50,000 and, later, 1,000,000 with the first
  100,000 included): both must be raised with Cloudflare before the move.
- **Limits that stay true** (<${D1_LIMITS}>, <${QUEUES_LIMITS}>): 100 bound parameters
  per query (the code chunks by 90), 1,000 queries per invocation (the
  charge works ${n0(A.chargeBatchesPerMessage)} batches of ${n0(A.chargeBatch)} per message: 400 queries, and a region's day is
  worked alone in its invocation, its branch's shards one after another within ${n0(CHARGE_CALLS_PER_MESSAGE)} calls a message (each shard's
  tariff changes, blocks and batches counted together; the next shard in a message of its own, as Moscow's 447 need:
  \`runRegionDay\`, features/cron/daily.service.ts); its points and balance alerts go in chains, one per shard of its branch, side by
  side, each from its own cursor: members while a member's most possible calls (6) fit 450 and pages of 90 accounts
  while a page's fit 500, a message at a time; each message writes its shard's row in \`cron_step_shards\` before it
  hands on, and a retry of a message whose hand-on was lost hands on again at once, so the hourly tick's message
  leaves a chain that moved in the last 10 minutes alone and starts one that stalled again from where it got to (each
  row's generation, \`seq\`, checked as it moves on, folds duplicate chains
  back into one), and the region's message marks the day done once every shard of the branch has its chain through
  (\`STEP_LIMITS\`, \`STEP_LEASE_MS\`, \`runStepShard\` in features/cron/daily.service.ts). A shard of
  ${n0(perShardBounded)} accounts is ${n0(Math.ceil((A.bonusShare * perShardBounded) / 150))}–${n0(Math.ceil((A.bonusShare * perShardBounded) / 75))} messages of points (150 members a message at a typical 3 calls, 75 at 6) and
  ${n0(Math.ceil(perShardBounded / alertsPerMessage))} of alerts (${n0(alertPagesPerMessage)} pages of 90 a message: a page's events go in batches of 100, so a page is at most
  ${n0(alertPageCalls)} calls with its subscribers' choices on ${n0(A.alertHomeShardsPerPage)} home shards, a call each; one event a call, it was two pages a message); Moscow's ${n0(moscowShards)} shards' chains go side by side, as many at once as the
  queue's consumer runs (up to 250 invocations: <https://developers.cloudflare.com/queues/platform/limits/>), minutes
  at about a second a message where one chain for the region was ${n0(Math.ceil((A.bonusShare * 5_645_007) / 150))}–${n0(Math.ceil((A.bonusShare * 5_645_007) / 64))} messages of points
  and ${n0(Math.ceil(5_645_007 / 180))} of alerts (two pages a message) one after another (${n0((A.bonusShare * 5_645_007) / 150 / 3600)}–${n0((A.bonusShare * 5_645_007) / 64 / 3600)} hours of points, then ${n0(5_645_007 / 180 / 3600)} of alerts);
  an area message at most ${n0(A.areaCallsPerMessage)} queries and sends,
  and a batch of notifications is cut where its messages' most possible calls would pass 1,000, as is a batch of usage
  records by the account-months it can touch; a cron tick visits no shard itself but sends one message per shard,
  whose jobs take pages within 876 calls (\`features/cron/shard-tick.service.ts\`); the global tables' expired rows go
  10,000 a table per tick), 30 s per query, queue
  messages ≤ 128 KB and batches ≤ 100 (\`sendBatch\` in chunks of 100), Workers' 128 MB.
`);
  writeFileSync(OUT, `${md.join("\n").trim()}\n`);
  // The repository's formatter lays out the tables (npm run check runs it over docs/ too).
  const biome = spawnSync(join(ROOT, "node_modules", ".bin", "biome"), ["format", "--write", OUT], { encoding: "utf8" });
  if (biome.status !== 0) throw new Error(`biome format failed: ${biome.stderr}`);
  console.log(readFileSync(OUT, "utf8"));
  console.log(
    `local SQLite wrote a charge row (with its ${m.indexes.ledger_entries ?? 0} indexes) in ${(sample.localRowMs).toFixed(4)} ms; ` +
      `the model assumes ${A.writeRowMs} ms on D1. ${OUT} written in ${((performance.now() - started) / 1000).toFixed(1)} s.`,
  );
}

main();
