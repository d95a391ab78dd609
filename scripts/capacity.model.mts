/**
 * The capacity model's arithmetic (docs/capacity.md): pure functions of the
 * stated assumptions and of what `scripts/capacity.mts` measured on a
 * generated shard. No I/O here, so `scripts/capacity.test.ts` checks the
 * figures by hand on a tiny input.
 */

/** Each figure the model starts from, with where it came from (the table at the top of the document). */
export interface Assumption {
  key: keyof Assumptions;
  value: number;
  unit: string;
  source: string;
}

export interface Assumptions {
  fixedAccounts: number;
  mobileAccounts: number;
  /** Services of a fixed-line account, by kind: the share of accounts that have one. */
  internetShare: number;
  tvShare: number;
  landlineShare: number;
  optionsPerAccount: number;
  paymentsPerMonth: number;
  eventsPerPayment: number;
  promisedPerMonth: number;
  bonusShare: number;
  mobileUsagePerMonth: number;
  reportsPerMonth: number;
  applicationsPerMonth: number;
  eventsPerApplication: number;
  chatsPerMonth: number;
  messagesPerChat: number;
  ticketsPerMonth: number;
  eventsPerTicket: number;
  /** Organisations in the business cabinet, and what each makes a month in the business tables (home shard and global). */
  organisations: number;
  accountsPerOrg: number;
  /** Accounts ever moved between shards, a share of all (each keeps its global directory row: its moves' rows name it). */
  movedAccountsShare: number;
  closingDocsPerOrgMonth: number;
  invoicesPerOrgMonth: number;
  orgPaymentsPerOrgMonth: number;
  auditPerOrgMonth: number;
  bankLinesPerOrgMonth: number;
  reconciliationsPerOrgMonth: number;
  orgTicketsPerOrgMonth: number;
  notificationsPerMonth: number;
  deliveriesPerNotification: number;
  providerMessagesPerNotification: number;
  /** How long the inbox keeps a message (INBOX_RETENTION_MONTHS in worker/features/notifications). */
  inboxRetentionMonths: number;
  /** How long a delivery row is kept (DELIVERY_RETENTION_MS in worker/features/notifications). */
  deliveryRetentionDays: number;
  /** Rows the housekeeping deletes per table and run at most (RETENTION_PAGE × RETENTION_PAGES). */
  retentionRowsPerRun: number;
  /** Housekeeping runs a day (its cron). */
  housekeepingRunsPerDay: number;
  /** Shards one housekeeping run visits for the inbox and deliveries (RETENTION_STATEMENTS / (2 × RETENTION_PAGES)). */
  retentionShardsPerRun: number;
  subscribersPerAccount: number;
  linksPerAccount: number;
  /** A subscriber's own rows beside their profile, per account: saved cards, passkeys, identity providers, notification choices. */
  cardsPerAccount: number;
  passkeysPerAccount: number;
  identitiesPerAccount: number;
  notificationPrefsPerAccount: number;
  notificationSettingsPerAccount: number;
  liveSessionsPerAccount: number;
  pushSubscriptionsPerAccount: number;
  /** Home shards of a page of balance alerts' subscribers, each one read of their charge notices' choices. */
  alertHomeShardsPerPage: number;
  /** D1 calls the upgrade's drain may spend a table a housekeeping run (DRAIN_CALLS). */
  drainCallsPerTable: number;
  /** Cabinet API requests per account per month (every account, active or not, on average). */
  requestsPerAccountMonth: number;
  rowsReadPerRequest: number;
  cpuMsPerRequest: number;
  loginsPerAccountMonth: number;
  /** D1 time per query (Cloudflare's guideline: an indexed read < 1 ms, a write "several milliseconds"). */
  readQueryMs: number;
  writeQueryMs: number;
  /** Extra D1 time per row an INSERT … SELECT writes (tables and their indexes). */
  writeRowMs: number;
  shardBytes: number;
  headroom: number;
  months: number;
  /** Months the usage totals are kept, as their R2 objects are (STORAGE_MONTHS in worker/features/usage). */
  usageTotalsMonths: number;
  /** The most months of money (closed months' lines, periods, payments, their events and receipts) D1 keeps; older years go to R2. */
  moneyKeptMonths: number;
  /** Months whose usage totals are kept per day (the screen's, this one and the month before the fold: usage.limits.ts); older ones as month rows. */
  usageDayMonths: number;
  chargeBatch: number;
  chargeBatchesPerMessage: number;
  chargeWindowSec: number;
  /** Accounts one page of an area's fan-out reads (AREA_PAGE in worker/features/notifications/notifications.consumer.ts). */
  areaPage: number;
  /** D1 queries plus queue sends one area message may make (AREA_CALLS_PER_MESSAGE, same file). */
  areaCallsPerMessage: number;
  /** Shards a page asks about its subscribers' other accounts, at most (AREA_LOOKUPS_PER_PAGE, same file). */
  areaLookupsPerPage: number;
  outageSubscribers: number;
  outageWindowSec: number;
  outageQueueMessagesPerSubscriber: number;
  /** Write queries per subscriber told, in their home shard (inbox, delivery claims and records). */
  outageShardWritesPerSubscriber: number;
  /** Write queries per subscriber told, in the message store of the SMS's dedupe key (its provider_messages row). */
  outageMessageWritesPerSubscriber: number;
  /** Rows of a table housekeeping deletes a run (EXPIRE_PAGE): of each global table, and of each message store. */
  expirePage: number;
  /** Message stores (`MESSAGES_<n>`) a production deployment has: the provider messages spread over them by key. */
  messageStores: number;
  /** Identity stores (`IDENTITY_<n>`) a production deployment has: the login keys spread over them by key. */
  identityStores: number;
  /** Keys of a subscriber's own in the identity stores: their phone, e-mail and login (features/auth/sign-ins.service.ts). */
  signInKeysPerSubscriber: number;
  /** Contacts on an account's contract indexed by the identity stores (platform/contract-contacts.ts): its phone, its e-mail. */
  contractContactsPerAccount: number;
  /** Read queries per subscriber told, in the global database (subscriber, settings, preferences, devices, directory). */
  /** Reads of a subscriber's home shard for their settings and choices, per subscriber told (a batch's share). */
  outageShardReadsPerSubscriber: number;
  outageGlobalReadsPerSubscriber: number;
  statementWindowSec: number;
  statementEmailShare: number;
  stormLogins: number;
  stormWindowSec: number;
  /** The accounts of the city a login storm is in: a shard there has this share of its subscribers logging in. */
  stormCityAccounts: number;
  stormGlobalReadsPerLogin: number;
  /** Reads of an identity store per login (the key of a phone, e-mail or login), and as many of the home shard (its row). */
  stormKeyReadsPerLogin: number;
  stormShardWritesPerLogin: number;
  /** The share of a day's API requests made in its busiest hour. */
  busyHourShare: number;
  /** API requests (and pages) of one visit to the cabinet. */
  requestsPerVisit: number;
  /** Visits a month of a subscriber who visits at all. */
  visitsPerActiveMonth: number;
  /** Changes a month, for such a subscriber, of what the home shard's copy of the links and profile holds. */
  copyChangesPerActiveMonth: number;
  /**
   * Global read queries of a whole visit, on average: the links and profile, read by its first request that finds no
   * copy in the home shard (the first visit after the copy's trust ended, or after a change forgot it); the others
   * read none.
   */
  globalReadsPerVisit: number;
  /** Read queries a request makes in shards: its session and the links' copy in the home shard, the account's data. */
  shardReadsPerRequest: number;
  /** Writes a visit makes in its subscriber's home shard, on average: the links' copy, kept when it finds none. */
  shardWritesPerVisit: number;
  usageBatchesPerMonth: number;
  /** Messages per queue consumer invocation (one Workers request each). */
  queueBatchSize: number;
  /** Wall-clock time a login keeps the throttle's Durable Object active (billed at 128 MB). */
  doMsPerRequest: number;
}

export type Kind = "fixed" | "mobile";

/** What `scripts/capacity.mts` measured. */
export interface Measured {
  /** Bytes per row of each table, its indexes included (dbstat over the generated shard). */
  bytesPerRow: Record<string, number>;
  /** Indexes of each table (each adds a row written per insert in D1's billing). */
  indexes: Record<string, number>;
  /** Usage records per service and month of each fixed-line kind, as the demo generator makes them. */
  usagePerServiceMonth: { internet: number; tv: number; landline: number; mobile: number };
  /** (day, category, direction) per service and month: the day rows of `usage_daily_totals` the records make. */
  usageTotalsPerServiceMonth: { internet: number; tv: number; landline: number; mobile: number };
  /** (category, direction) per service and month: the month rows they are folded into. */
  usageMonthRowsPerServiceMonth: { internet: number; tv: number; landline: number; mobile: number };
  /** One usage record as gzip'd NDJSON in an account-month object. */
  compressedBytesPerUsageRecord: number;
  /** One money row (ledger line, payment, its event or receipt) in an account-year object of the money archive. */
  compressedBytesPerMoneyRow: number;
}

/** Days in an average month (365.25 / 12). */
export const DAYS_PER_MONTH = 30.4375;

export function servicesPerAccount(a: Assumptions, kind: Kind): number {
  return kind === "mobile" ? 1 : a.internetShare + a.tvShare + a.landlineShare;
}

/** Usage records per account and month. */
export function usagePerAccountMonth(a: Assumptions, m: Measured, kind: Kind): number {
  if (kind === "mobile") return a.mobileUsagePerMonth;
  const u = m.usagePerServiceMonth;
  return a.internetShare * u.internet + a.tvShare * u.tv + a.landlineShare * u.landline;
}

function perKindServices(a: Assumptions, kind: Kind, of: Measured["usageTotalsPerServiceMonth"]): number {
  if (kind === "mobile") return of.mobile;
  return a.internetShare * of.internet + a.tvShare * of.tv + a.landlineShare * of.landline;
}

/** Rows per account and month that stay in the shard, table by table, as the design is today (nothing is ever rolled up). */
export function monthlyRows(a: Assumptions, m: Measured, kind: Kind): Record<string, number> {
  const s = servicesPerAccount(a, kind);
  return {
    ledger_entries: (s + a.optionsPerAccount) * DAYS_PER_MONTH + a.paymentsPerMonth + 2 * a.promisedPerMonth,
    payments: a.paymentsPerMonth,
    payment_events: a.paymentsPerMonth * a.eventsPerPayment,
    receipts: a.paymentsPerMonth,
    promised_payments: a.promisedPerMonth,
    bonus_ledger: a.bonusShare,
    usage_records: usagePerAccountMonth(a, m, kind),
    usage_reports: a.reportsPerMonth,
    applications: a.applicationsPerMonth,
    application_events: a.applicationsPerMonth * a.eventsPerApplication,
    support_chats: a.chatsPerMonth,
    support_messages: a.chatsPerMonth * a.messagesPerChat,
    support_tickets: a.ticketsPerMonth,
    ticket_events: a.ticketsPerMonth * a.eventsPerTicket,
    // Their entries in the directories of the subscriber's home shard (the global database's until issue 20's move).
    application_directory: a.applicationsPerMonth,
    support_directory: a.chatsPerMonth + a.ticketsPerMonth,
  };
}

/** Rows per account in the shard that do not grow with time. */
export function staticRows(a: Assumptions, kind: Kind): Record<string, number> {
  return {
    accounts: 1,
    // Who holds it (platform/holders.ts): a row a link (the global links are no longer written: GLOBAL_LINKS).
    account_holders: a.linksPerAccount,
    account_services: servicesPerAccount(a, kind),
    account_options: a.optionsPerAccount,
    bonus_members: a.bonusShare,
  };
}

/**
 * Rows per account in the global database: the directory and the subscribers. They do not grow with time. The links
 * (`account_links`) are not among them: they are the accounts' holder rows and the subscribers' home links, and the
 * table an older release kept is emptied by housekeeping once it is no longer written (`GLOBAL_LINKS = "drop"`);
 * `keptGlobalRows` is the fixed part while it still is.
 */
export function globalRows(a: Assumptions): { fixed: Record<string, number> } {
  return {
    fixed: {
      account_directory: directoryRowsPerAccount(a),
      subscribers: a.subscribersPerAccount,
    },
  };
}

/**
 * The global directory's rows kept per account once the places' pass deletes those nothing needs
 * (features/accounts/places.backfill.ts, `DIRECTORY_ROWS = "drop"`): the organisations' accounts' (`org_accounts`
 * names them) and the moved accounts' (their moves' rows do); every account's place is its copy in the identity stores.
 */
export function directoryRowsPerAccount(a: Assumptions): number {
  const accounts = a.fixedAccounts + a.mobileAccounts;
  if (accounts === 0) return 0;
  return Math.min(1, (a.organisations * a.accountsPerOrg) / accounts + a.movedAccountsShare);
}

/**
 * The global rows per account while production still writes the global links (`GLOBAL_LINKS = "keep"`), and keeps
 * every directory row (`DIRECTORY_ROWS = "keep"`).
 */
export function keptGlobalRows(a: Assumptions): { fixed: Record<string, number> } {
  return { fixed: { ...globalRows(a).fixed, account_directory: 1, account_links: a.linksPerAccount } };
}

/**
 * Rows an organisation adds a month to the business tables (features/business, features/bank), wherever they are
 * (`businessSplit`: its home shard, or the global database): the monthly closing document (УПД, a line per service of
 * each of its accounts: closing.document.ts), invoices on request (a line per account, and their payments; their
 * idempotency rows are kept 30 days, and their numbers' global rows some five years, not counted), payments for its
 * accounts (a line per account), the audit, acts of reconciliation and its requests' list. None of it is deleted: they
 * grow with the years. (The bank statements' lines of its transfers are kept 400 days, not counted:
 * features/bank/bank.limits.ts.)
 */
export function businessRows(a: Assumptions): Record<string, number> {
  return {
    closing_documents: a.closingDocsPerOrgMonth,
    closing_lines: a.closingDocsPerOrgMonth * a.accountsPerOrg * servicesPerAccount(a, "fixed"),
    invoices: a.invoicesPerOrgMonth,
    invoice_lines: a.invoicesPerOrgMonth * a.accountsPerOrg,
    // A home invoice's payments, a row a statement line that pays it (one a paid invoice, typically).
    invoice_payments: a.invoicesPerOrgMonth,
    org_payments: a.orgPaymentsPerOrgMonth,
    org_payment_lines: a.orgPaymentsPerOrgMonth * a.accountsPerOrg,
    org_audit: a.auditPerOrgMonth,
    reconciliations: a.reconciliationsPerOrgMonth,
    org_tickets: a.orgTicketsPerOrgMonth,
  };
}

/**
 * The business tables kept on each organisation's home shard (features/business/org-home.ts): its closing documents
 * with their lines, its payments with their lines, its audit (moved there by housekeeping from the global table,
 * which keeps a day or so of it), its acts of reconciliation, its invoices with their lines and payments, and the list
 * of its requests. Nothing of `businessRows` is left in the global database (an older deployment's rows stay there).
 */
export const BUSINESS_HOME_TABLES: readonly string[] = [
  "closing_documents",
  "closing_lines",
  "org_payments",
  "org_payment_lines",
  "org_audit",
  "reconciliations",
  "invoices",
  "invoice_lines",
  "invoice_payments",
  "org_tickets",
];

/**
 * Rows an organisation keeps in the global `invoice_numbers` at most: a row an invoice, for the `years` before the
 * year of the oldest payment an upload imports (a year back), that year and this one (housekeeping deletes earlier
 * years' along the key). Bounded: they do not grow with the years.
 */
export const invoiceNumberRows = (a: Assumptions, years: number) => a.invoicesPerOrgMonth * 12 * (years + 2);

/** `businessRows` split by where they are: the home shards', and the global database's. */
export function businessSplit(a: Assumptions): { home: Record<string, number>; global: Record<string, number> } {
  const all = Object.entries(businessRows(a));
  return {
    home: Object.fromEntries(all.filter(([t]) => BUSINESS_HOME_TABLES.includes(t))),
    global: Object.fromEntries(all.filter(([t]) => !BUSINESS_HOME_TABLES.includes(t))),
  };
}

/**
 * Rows a month the organisations' documents add to the home shards, per account of the target: each organisation's
 * on its own home shard, spread over every account as the shards are filled by accounts. Kept: they grow with the
 * months (closed years to R2, as the money goes, is not built).
 */
export function businessHomeRowsPerAccount(a: Assumptions): Record<string, number> {
  const accounts = a.fixedAccounts + a.mobileAccounts;
  if (a.organisations === 0 || accounts === 0) return {};
  return Object.fromEntries(Object.entries(businessSplit(a).home).map(([t, n]) => [t, (n * a.organisations) / accounts]));
}

/**
 * Rows per account in the message stores, all of them together: a month of provider messages (kept 30 days,
 * PROVIDER_MESSAGE_RETENTION_MS: one month's worth at any time). Each store has its share, by a hash of each message's
 * key. They do not grow with time.
 */
export function messageRows(a: Assumptions): Record<string, number> {
  return { provider_messages: a.notificationsPerMonth * a.providerMessagesPerNotification };
}

/**
 * Rows per account in its subscriber's home shard that do not grow with time: their browsers' push subscriptions,
 * their sessions (alive at most 30 days), their links and their sessions' copy of them, their notification choices and
 * settings (quiet hours, consent), and their saved cards and passkeys.
 */
export function homeRows(a: Assumptions): Record<string, number> {
  return {
    push_subscriptions: a.pushSubscriptionsPerAccount,
    notification_prefs: a.notificationPrefsPerAccount,
    notification_settings: a.notificationSettingsPerAccount,
    cards: a.cardsPerAccount,
    passkeys: a.passkeysPerAccount,
    // Links to identity providers (features/auth/identities.service.ts); their keys are in the identity stores (identityStoreRows).
    identities: a.identitiesPerAccount,
    // How the subscriber signs in: their password's record and the identifiers their keys must agree with (one a subscriber).
    sign_ins: a.subscribersPerAccount,
    sessions: a.liveSessionsPerAccount,
    // The copy of a subscriber's links their sessions read (one row a subscriber, kept: bounded by subscribers).
    session_links: a.subscribersPerAccount,
    // The subscriber's links themselves (platform/links.ts): a row a link, the truth the copy is made from.
    subscriber_links: a.linksPerAccount,
  };
}

/**
 * Rows per account in the identity stores (`IDENTITY_<n>`, platform/identity-stores.ts), all of them together: a key a
 * link to an identity provider, a key for each of a subscriber's phone, e-mail and login, and the account number's; an
 * index row for each contact on the account's contract; and the account's place (platform/places.ts).
 */
export function identityStoreRows(a: Assumptions): Record<string, number> {
  // A key a link, a key a phone, e-mail and login, and a key an account number (naming its owner); and the contract's
  // contacts' index (a row a contact).
  return {
    login_keys: a.identitiesPerAccount + a.subscribersPerAccount * a.signInKeysPerSubscriber + 1,
    contract_contacts: a.contractContactsPerAccount,
    account_places: 1,
  };
}

/**
 * Rows per account in its subscriber's home shard for notifications: what is written every month (inbox, deliveries)
 * and what of that is kept after `months` months: the inbox's last 12 months and the deliveries' last 90 days
 * (features/notifications/notifications.retention.ts), bounded however long the account lives.
 */
export function notificationRows(a: Assumptions, months = a.months): { monthly: Record<string, number>; retained: Record<string, number> } {
  const monthly = {
    inbox: a.notificationsPerMonth,
    deliveries: a.notificationsPerMonth * a.deliveriesPerNotification,
  };
  return {
    monthly,
    retained: {
      inbox: monthly.inbox * Math.min(months, a.inboxRetentionMonths),
      deliveries: monthly.deliveries * Math.min(months, a.deliveryRetentionDays / DAYS_PER_MONTH),
    },
  };
}

/**
 * How many accounts one shard's housekeeping keeps up with when there are `shards` of them: each run visits
 * `retentionShardsPerRun` shards in turn and deletes at most `retentionRowsPerRun` rows of a table from each, so a
 * shard's deletions a day must cover its accounts' new rows of the busier table.
 */
export function retentionKeepsUpWith(a: Assumptions, shards = 1): number {
  const { monthly } = notificationRows(a);
  const perAccountDay = Math.max(...Object.values(monthly)) / DAYS_PER_MONTH;
  const visitsPerDay = a.housekeepingRunsPerDay * Math.min(1, a.retentionShardsPerRun / shards);
  return perAccountDay > 0 ? (a.retentionRowsPerRun * visitsPerDay) / perAccountDay : Number.POSITIVE_INFINITY;
}

export function bytesOf(rows: Record<string, number>, m: Measured): number {
  let total = 0;
  for (const [table, n] of Object.entries(rows)) {
    const b = m.bytesPerRow[table];
    if (b === undefined) throw new Error(`no measured size for ${table}`);
    total += n * b;
  }
  return total;
}

/** Shard bytes of one account after `months` as the design is today. */
export function accountBytesToday(a: Assumptions, m: Measured, kind: Kind, months: number): number {
  return (
    bytesOf(staticRows(a, kind), m) +
    months * bytesOf(monthlyRows(a, m, kind), m) +
    bytesOf(notificationRows(a, months).retained, m) +
    bytesOf(homeRows(a), m) +
    months * bytesOf(businessHomeRowsPerAccount(a), m)
  );
}

/**
 * Shard bytes of one account after `months` with the bounded design: raw usage
 * in R2 (D1 keeps per-day aggregates for the screen's months and per-month
 * ones for the rest), and each closed month's daily charges rolled up into one
 * line per service and option (payments and promised payments stay as they
 * are), with one period row (opening and closing balance) per month. At most
 * one month of daily charge rows is open at a time.
 */
export function accountBytesBounded(a: Assumptions, m: Measured, kind: Kind, months: number): number {
  const monthly = monthlyRows(a, m, kind);
  const closedLedger = closedMoneyRows(a, kind).ledger_entries ?? 0;
  const dayMonths = Math.min(months, a.usageDayMonths, a.usageTotalsMonths);
  const monthMonths = Math.max(0, Math.min(months, a.usageTotalsMonths) - dayMonths);
  // The money of closed months: kept in D1 for `moneyKeptMonths` at most, older years in R2 (billing/archive.service.ts).
  const money = closedMoneyRows(a, kind);
  const rest: Record<string, number> = { ...monthly, usage_records: 0 };
  for (const t of Object.keys(money)) delete rest[t];
  return (
    bytesOf(staticRows(a, kind), m) +
    // The subscriber's inbox and delivery records (home shard), as retention keeps them, and their devices.
    bytesOf(notificationRows(a, months).retained, m) +
    bytesOf(homeRows(a), m) +
    // The organisations' documents and audit on their home shards, their share per account.
    months * bytesOf(businessHomeRowsPerAccount(a), m) +
    months * bytesOf(rest, m) +
    Math.min(months, a.moneyKeptMonths) * bytesOf(money, m) +
    (months > 0 ? (monthly.ledger_entries - closedLedger) * (m.bytesPerRow.ledger_entries ?? 0) : 0) +
    (dayMonths * perKindServices(a, kind, m.usageTotalsPerServiceMonth) +
      monthMonths * perKindServices(a, kind, m.usageMonthRowsPerServiceMonth)) *
      (m.bytesPerRow.usage_daily_totals ?? 0)
  );
}

/**
 * The money rows a closed month keeps per account, table by table: one rolled-up line per service and option, the
 * payments and promised payments' lines, the payments with their events and receipts, and the period row. These go to
 * R2 a year at a time once older than the archive's horizon (billing/archive.service.ts).
 */
export function closedMoneyRows(a: Assumptions, kind: Kind): Record<string, number> {
  return {
    ledger_entries: servicesPerAccount(a, kind) + a.optionsPerAccount + a.paymentsPerMonth + 2 * a.promisedPerMonth,
    ledger_periods: 1,
    payments: a.paymentsPerMonth,
    payment_events: a.paymentsPerMonth * a.eventsPerPayment,
    receipts: a.paymentsPerMonth,
  };
}

/** Bytes of one account's money in R2 after `months`: the months past what D1 keeps, as gzip'd JSON. */
export function archivedMoneyBytes(a: Assumptions, m: Measured, kind: Kind, months: number): number {
  const rows = Object.values(closedMoneyRows(a, kind)).reduce((t, n) => t + n, 0);
  return Math.max(0, months - a.moneyKeptMonths) * rows * m.compressedBytesPerMoneyRow;
}

/** The average account of the target: fixed-line and mobile accounts in their proportion. */
export function mixed(a: Assumptions, f: (kind: Kind) => number): number {
  const total = a.fixedAccounts + a.mobileAccounts;
  return (a.fixedAccounts * f("fixed") + a.mobileAccounts * f("mobile")) / total;
}

export interface BranchShare {
  code: string;
  name: string;
  share: number;
}

export interface ShardPlan {
  code: string;
  name: string;
  accounts: number;
  shards: number;
  gbPerShard: number;
}

/** Accounts one shard holds within the headroom, given an average account's bytes. */
export function accountsPerShard(a: Assumptions, bytesPerAccount: number): number {
  return Math.floor((a.shardBytes * a.headroom) / bytesPerAccount);
}

/** Shards per branch: its accounts over what one shard holds, rounded up; and how full each then is. */
export function planShards(a: Assumptions, branches: BranchShare[], bytesPerAccount: number): ShardPlan[] {
  const per = accountsPerShard(a, bytesPerAccount);
  const total = a.fixedAccounts + a.mobileAccounts;
  return branches.map((b) => {
    const accounts = Math.round(total * b.share);
    const shards = Math.max(1, Math.ceil(accounts / per));
    return { code: b.code, name: b.name, accounts, shards, gbPerShard: (accounts / shards) * (bytesPerAccount / 1e9) };
  });
}

export interface Peak {
  name: string;
  where: string;
  queueMessagesPerSec: number;
  d1ReadsPerSec: number;
  d1WritesPerSec: number;
  d1RowsWrittenPerSec: number;
  /** The share of the database's single thread the peak keeps busy (1 = saturated). */
  d1Busy: number;
}

/** How busy one database is with `reads` and `writes` queries and `rows` rows written per second. */
export function d1Busy(a: Assumptions, reads: number, writes: number, rows: number): number {
  return (reads * a.readQueryMs + writes * a.writeQueryMs + rows * a.writeRowMs) / 1000;
}

/**
 * The peaks, for one regional shard holding `shardAccounts` accounts and
 * for the one global database. Charging: every active service of the shard
 * charged in the hour after its local midnight (a branch is mostly in one
 * time zone), CHARGE_BATCH services per INSERT … SELECT after a SELECT of the
 * batch. Outage: one city's subscribers told within the window, through the
 * notifications queue, their home shards' inbox and deliveries (a shard's own
 * accounts at most) and the global database's reads and provider rows. Statements: each
 * account's month closed on the 1st within the window (read the month, write
 * the roll-up and the period row, delete the daily rows). Login storm: a share
 * of everyone signing in within minutes: the global database's reads, and the session rows in the home shards.
 * Busy hour: everyday requests at the day's busiest hour, each reading the global database once and its shards.
 */
export function peaks(a: Assumptions, m: Measured, shardAccounts: number): Peak[] {
  const services = mixed(a, (k) => servicesPerAccount(a, k) + a.optionsPerAccount) * shardAccounts;
  const chargeStatements = Math.ceil(services / a.chargeBatch);
  const chargeRowsWritten = services * (1 + (m.indexes.ledger_entries ?? 0));
  const charging: Peak = {
    name: "charging night",
    where: "one regional shard",
    queueMessagesPerSec: Math.ceil(chargeStatements / a.chargeBatchesPerMessage) / a.chargeWindowSec,
    d1ReadsPerSec: chargeStatements / a.chargeWindowSec,
    d1WritesPerSec: chargeStatements / a.chargeWindowSec,
    d1RowsWrittenPerSec: chargeRowsWritten / a.chargeWindowSec,
    d1Busy: d1Busy(a, chargeStatements / a.chargeWindowSec, chargeStatements / a.chargeWindowSec, chargeRowsWritten / a.chargeWindowSec),
  };
  // The inbox and deliveries are in each subscriber's home shard: a shard's share of the city is at most its own
  // accounts (every one of them in the city, all told within the window); the global database keeps the reads of
  // the subscriber and their choices; the SMS's provider row is in its key's message store, a share of them each.
  const outageSubscribersPerShard = Math.min(a.outageSubscribers, shardAccounts * a.subscribersPerAccount);
  const outageShardWrites = (outageSubscribersPerShard * a.outageShardWritesPerSubscriber) / a.outageWindowSec;
  const outageShardReads = (outageSubscribersPerShard * a.outageShardReadsPerSubscriber) / a.outageWindowSec;
  const outageShard: Peak = {
    name: "city-wide outage push",
    where: "one regional shard",
    queueMessagesPerSec: (a.outageSubscribers * a.outageQueueMessagesPerSubscriber) / a.outageWindowSec,
    d1ReadsPerSec: outageShardReads,
    d1WritesPerSec: outageShardWrites,
    d1RowsWrittenPerSec: outageShardWrites * 2,
    d1Busy: d1Busy(a, outageShardReads, outageShardWrites, 0),
  };
  const outageReads = (a.outageSubscribers * a.outageGlobalReadsPerSubscriber) / a.outageWindowSec;
  const outage: Peak = {
    name: "city-wide outage push",
    where: "global database",
    queueMessagesPerSec: (a.outageSubscribers * a.outageQueueMessagesPerSubscriber) / a.outageWindowSec,
    d1ReadsPerSec: outageReads,
    d1WritesPerSec: 0,
    d1RowsWrittenPerSec: 0,
    d1Busy: d1Busy(a, outageReads, 0, 0),
  };
  const storeWrites = (a.outageSubscribers * a.outageMessageWritesPerSubscriber) / a.outageWindowSec / Math.max(1, a.messageStores);
  const outageStore: Peak = {
    name: "city-wide outage push",
    where: `one message store of ${a.messageStores}`,
    queueMessagesPerSec: (a.outageSubscribers * a.outageQueueMessagesPerSubscriber) / a.outageWindowSec,
    d1ReadsPerSec: 0,
    d1WritesPerSec: storeWrites,
    // The row and its two indexes (dedupe key, date).
    d1RowsWrittenPerSec: storeWrites * 3,
    d1Busy: d1Busy(a, 0, storeWrites, 0),
  };
  const closeRowsPerAccount =
    mixed(a, (k) => monthlyRows(a, m, k).ledger_entries) + mixed(a, (k) => servicesPerAccount(a, k)) + a.optionsPerAccount + 1;
  // Per account: one read of the month, one batch that writes the roll-up and period row and deletes the daily rows.
  const statementReads = shardAccounts / a.statementWindowSec;
  const statementWrites = (shardAccounts * 2) / a.statementWindowSec;
  const statementRows = (shardAccounts * closeRowsPerAccount * (1 + (m.indexes.ledger_entries ?? 0))) / a.statementWindowSec;
  const statements: Peak = {
    name: "1st of the month: period close and statements",
    where: "one regional shard",
    queueMessagesPerSec: (shardAccounts * (1 + a.statementEmailShare)) / a.statementWindowSec,
    d1ReadsPerSec: statementReads,
    d1WritesPerSec: statementWrites,
    d1RowsWrittenPerSec: statementRows,
    d1Busy: d1Busy(a, statementReads, statementWrites, statementRows),
  };
  // A login by phone, e-mail or login reads its key in an identity store and its sign-in row in the home shard; one by
  // account number, and the visits the logins open, read the global database (the profile, when a visit makes its links'
  // copy); that visit reads its accounts' places in the identity stores too (platform/places.ts: a query a store its
  // accounts hash to); each session row and links' copy goes to its subscriber's home shard (at most a shard's own
  // subscribers sign in there within the window).
  const stormReads = (a.stormLogins * (a.stormGlobalReadsPerLogin + a.globalReadsPerVisit)) / a.stormWindowSec;
  const storesAVisitReads = Math.min(
    Math.max(1, a.identityStores),
    Math.max(1, a.linksPerAccount / Math.max(a.subscribersPerAccount, 1e-9)),
  );
  const stormKeyReads =
    (a.stormLogins * (a.stormKeyReadsPerLogin + a.globalReadsPerVisit * storesAVisitReads)) /
    a.stormWindowSec /
    Math.max(1, a.identityStores);
  const stormStore: Peak = {
    name: "login storm",
    where: `one identity store of ${a.identityStores}`,
    queueMessagesPerSec: 0,
    d1ReadsPerSec: stormKeyReads,
    d1WritesPerSec: 0,
    d1RowsWrittenPerSec: 0,
    d1Busy: d1Busy(a, stormKeyReads, 0, 0),
  };
  const storm: Peak = {
    name: "login storm",
    where: "global database",
    queueMessagesPerSec: 0,
    d1ReadsPerSec: stormReads,
    d1WritesPerSec: 0,
    d1RowsWrittenPerSec: 0,
    d1Busy: d1Busy(a, stormReads, 0, 0),
  };
  const stormShardLogins =
    (shardAccounts * a.subscribersPerAccount * Math.min(1, a.stormLogins / Math.max(1, a.stormCityAccounts))) / a.stormWindowSec;
  const stormShardWrites = stormShardLogins * (a.stormShardWritesPerLogin + a.shardWritesPerVisit);
  const stormShardRows =
    stormShardLogins *
    (a.stormShardWritesPerLogin * (1 + (m.indexes.sessions ?? 0)) + a.shardWritesPerVisit * (1 + (m.indexes.session_links ?? 0)));
  // The logins' sign-in rows, and the visits' own reads there: each request's session, links' copy and account data.
  const stormShardReads = stormShardLogins * (a.stormKeyReadsPerLogin + a.requestsPerVisit * a.shardReadsPerRequest);
  const stormShard: Peak = {
    name: "login storm",
    where: "one regional shard",
    queueMessagesPerSec: 0,
    d1ReadsPerSec: stormShardReads,
    d1WritesPerSec: stormShardWrites,
    d1RowsWrittenPerSec: stormShardRows,
    d1Busy: d1Busy(a, stormShardReads, stormShardWrites, stormShardRows),
  };
  // Everyday traffic at its busiest hour: a visit reads the global database for its page and for the links once
  // (kept in the home shard for its other requests), and every request reads its shards.
  const accountsAll = a.fixedAccounts + a.mobileAccounts;
  const busyRequests = (accountsAll * a.requestsPerAccountMonth * a.busyHourShare) / DAYS_PER_MONTH / 3600;
  const busyGlobalReads = (busyRequests / a.requestsPerVisit) * a.globalReadsPerVisit;
  const shardShare = shardAccounts / Math.max(1, accountsAll);
  const busyShardReads = busyRequests * shardShare * a.shardReadsPerRequest;
  const busyShardWrites = ((busyRequests * shardShare) / a.requestsPerVisit) * a.shardWritesPerVisit;
  const busyShardRows = busyShardWrites * (1 + (m.indexes.session_links ?? 0));
  const busy: Peak = {
    name: "busy hour of the cabinet",
    where: "global database",
    queueMessagesPerSec: 0,
    d1ReadsPerSec: busyGlobalReads,
    d1WritesPerSec: 0,
    d1RowsWrittenPerSec: 0,
    d1Busy: d1Busy(a, busyGlobalReads, 0, 0),
  };
  const busyShard: Peak = {
    name: "busy hour of the cabinet",
    where: "one regional shard",
    queueMessagesPerSec: 0,
    d1ReadsPerSec: busyShardReads,
    d1WritesPerSec: busyShardWrites,
    d1RowsWrittenPerSec: busyShardRows,
    d1Busy: d1Busy(a, busyShardReads, busyShardWrites, busyShardRows),
  };
  return [charging, outageShard, outage, outageStore, statements, stormShard, storm, stormStore, busyShard, busy];
}

/** Published prices (USD) with their source; the free allowances are left out: at this size they are a rounding error. */
/** An area's fan-out (an outage or an announcement) over a region's accounts, paged over queue messages. */
export interface AreaFanOut {
  pages: number;
  /** The most a page costs on a branch's first shard: its query, the links, one lookup, a send per 100 events. */
  callsPerPage: number;
  /** The most a page costs on a later shard: as many lookups as a page may make. */
  mostCallsPerPage: number;
  /** Pages a message works at least when everyone on them is in the area (every page at its most). */
  pagesPerMessage: number;
  /** Messages at most when everyone is told (an announcement to the region). */
  messages: number;
  /** Messages at most when no one on a page is in the area but a few (one street): a page is its query alone. */
  streetMessages: number;
}

/**
 * The fan-out of worker/features/notifications/notifications.consumer.ts: a
 * message's first call reads the branch's shards, and a page starts only if
 * its most (`callsPerPage`) still fits the message's budget.
 */
export function areaFanOut(a: Assumptions, accounts: number): AreaFanOut {
  const pages = Math.ceil(accounts / a.areaPage);
  const callsPerPage = 3 + Math.ceil(a.areaPage / 100);
  const mostCallsPerPage = 2 + a.areaLookupsPerPage + Math.ceil(a.areaPage / 100);
  const pagesPerMessage = Math.max(1, Math.floor((a.areaCallsPerMessage - 1) / mostCallsPerPage));
  const streetPagesPerMessage = Math.max(1, a.areaCallsPerMessage - mostCallsPerPage);
  return {
    pages,
    callsPerPage,
    mostCallsPerPage,
    pagesPerMessage,
    messages: Math.ceil(pages / pagesPerMessage),
    streetMessages: Math.ceil(pages / streetPagesPerMessage),
  };
}

export interface Prices {
  d1RowsReadPerM: number;
  d1RowsWrittenPerM: number;
  d1StoragePerGbMonth: number;
  queueOpsPerM: number;
  r2StoragePerGbMonth: number;
  r2ClassAPerM: number;
  r2ClassBPerM: number;
  workersRequestsPerM: number;
  workersCpuMsPerM: number;
  doRequestsPerM: number;
  doGbSecondsPerM: number;
}

export interface CostLine {
  item: string;
  quantity: number;
  unit: string;
  usd: number;
}

/**
 * Cost per 1 M accounts (the target's mix) per month in the steady state of the
 * bounded design, at month `a.months`: D1 rows read and written (each index
 * is one more row written), D1 storage, queue operations (write, read,
 * delete per message), R2 (usage objects and reports), Workers requests and
 * CPU, and the login throttle's Durable Object requests.
 */
export function costPerMillion(a: Assumptions, m: Measured, p: Prices): CostLine[] {
  const n = 1e6;
  const writtenPerAccount = mixed(a, (k) => {
    const rows = monthlyRows(a, m, k);
    let w = 0;
    for (const [t, r] of Object.entries(rows)) {
      // Raw usage goes to R2, not D1; its aggregates are written instead.
      if (t === "usage_records") continue;
      w += r * (1 + (m.indexes[t] ?? 0));
    }
    // The close deletes the month's daily charge rows (a delete is a row written) and writes one line per service and option and the period row.
    const daily = (servicesPerAccount(a, k) + a.optionsPerAccount) * DAYS_PER_MONTH;
    const close =
      (daily + servicesPerAccount(a, k) + a.optionsPerAccount) * (1 + (m.indexes.ledger_entries ?? 0)) +
      1 +
      (m.indexes.ledger_periods ?? 0);
    // The usage totals: a month's day rows written once and deleted once by the fold, its month rows written then and
    // deleted once when the month expires (a delete is a row written).
    const usageAgg =
      2 *
      (perKindServices(a, k, m.usageTotalsPerServiceMonth) + perKindServices(a, k, m.usageMonthRowsPerServiceMonth)) *
      (1 + (m.indexes.usage_daily_totals ?? 0));
    return w + close + usageAgg;
  });
  const global = globalRows(a);
  const notes = notificationRows(a);
  // Inbox: written once, deleted once at 12 months; deliveries: claimed, recorded, deleted at 90 days (a delete is a
  // row written). In the home shard now; billed the same.
  const globalWritten =
    (notes.monthly.inbox ?? 0) * 2 * (1 + (m.indexes.inbox ?? 0)) +
    (notes.monthly.deliveries ?? 0) * 3 * (1 + (m.indexes.deliveries ?? 0)) +
    (messageRows(a).provider_messages ?? 0) * 2 * (1 + (m.indexes.provider_messages ?? 0)) +
    a.loginsPerAccountMonth * (1 + (m.indexes.sessions ?? 0));
  const rowsWritten = n * (writtenPerAccount + globalWritten);
  const rowsRead = n * a.requestsPerAccountMonth * a.rowsReadPerRequest;
  const gb = (n * mixed(a, (k) => accountBytesBounded(a, m, k, a.months))) / 1e9;
  const globalGb = (n * bytesOf(global.fixed, m)) / 1e9;
  const storesGb = (n * bytesOf(messageRows(a), m)) / 1e9;
  const keysGb = (n * bytesOf(identityStoreRows(a), m)) / 1e9;
  const queueMessages = n * (a.notificationsPerMonth * (1 + a.deliveriesPerNotification) + a.reportsPerMonth + a.paymentsPerMonth);
  const usageRecords = mixed(a, (k) => usagePerAccountMonth(a, m, k));
  const r2Gb = (n * usageRecords * a.months * m.compressedBytesPerUsageRecord) / 1e9;
  const r2Puts = n * mixed(a, (k) => (k === "mobile" ? a.usageBatchesPerMonth : a.usageBatchesPerMonth * servicesPerAccount(a, k)));
  const r2Gets = n * a.reportsPerMonth * 2;
  // The money archive writes one object an account and year (billing/archive.service.ts).
  const archivePuts = n / 12;
  const requests = n * a.requestsPerAccountMonth + queueMessages / a.queueBatchSize;
  return [
    { item: "D1 rows read", quantity: rowsRead, unit: "rows", usd: (rowsRead / 1e6) * p.d1RowsReadPerM },
    { item: "D1 rows written (tables + indexes)", quantity: rowsWritten, unit: "rows", usd: (rowsWritten / 1e6) * p.d1RowsWrittenPerM },
    { item: `D1 storage at month ${a.months}`, quantity: gb, unit: "GB", usd: gb * p.d1StoragePerGbMonth },
    {
      item: "D1 storage, global (subscribers, organisations' and moved accounts' directory rows)",
      quantity: globalGb,
      unit: "GB",
      usd: globalGb * p.d1StoragePerGbMonth,
    },
    {
      item: "D1 storage, message stores (provider messages)",
      quantity: storesGb,
      unit: "GB",
      usd: storesGb * p.d1StoragePerGbMonth,
    },
    {
      item: "D1 storage, identity stores (login keys, contracts' contacts, accounts' places)",
      quantity: keysGb,
      unit: "GB",
      usd: keysGb * p.d1StoragePerGbMonth,
    },
    {
      item: "Queues operations (3 per message)",
      quantity: queueMessages * 3,
      unit: "ops",
      usd: ((queueMessages * 3) / 1e6) * p.queueOpsPerM,
    },
    { item: `R2 storage, raw usage ×${a.months} months`, quantity: r2Gb, unit: "GB", usd: r2Gb * p.r2StoragePerGbMonth },
    { item: "R2 class A (usage batches written)", quantity: r2Puts, unit: "ops", usd: (r2Puts / 1e6) * p.r2ClassAPerM },
    {
      item: "R2 class A (money archive, an object an account and year)",
      quantity: archivePuts,
      unit: "ops",
      usd: (archivePuts / 1e6) * p.r2ClassAPerM,
    },
    { item: "R2 class B (reports, usage reads)", quantity: r2Gets, unit: "ops", usd: (r2Gets / 1e6) * p.r2ClassBPerM },
    { item: "Workers requests (API + queue batches)", quantity: requests, unit: "requests", usd: (requests / 1e6) * p.workersRequestsPerM },
    {
      item: "Workers CPU",
      quantity: requests * a.cpuMsPerRequest,
      unit: "ms",
      usd: ((requests * a.cpuMsPerRequest) / 1e6) * p.workersCpuMsPerM,
    },
    {
      item: "Durable Objects requests (login throttle)",
      quantity: n * a.loginsPerAccountMonth,
      unit: "requests",
      usd: ((n * a.loginsPerAccountMonth) / 1e6) * p.doRequestsPerM,
    },
    {
      item: "Durable Objects duration (128 MB while active)",
      quantity: (n * a.loginsPerAccountMonth * a.doMsPerRequest * 0.128) / 1000,
      unit: "GB-s",
      usd: ((n * a.loginsPerAccountMonth * a.doMsPerRequest * 0.128) / 1000 / 1e6) * p.doGbSecondsPerM,
    },
  ];
}
