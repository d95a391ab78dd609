// @vitest-environment node
import { describe, expect, it } from "vitest";
import {
  type Assumptions,
  accountBytesBounded,
  accountBytesToday,
  accountsPerShard,
  archivedMoneyBytes,
  areaFanOut,
  businessRows,
  bytesOf,
  costPerMillion,
  d1Busy,
  globalRows,
  homeRows,
  identityStoreRows,
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
  staticRows,
} from "./capacity.model.mts";

/**
 * A tiny target whose every figure is worked out by hand below: fixed-line
 * accounts with one internet service each, one payment and one receipt a
 * month, ten usage records a month, nothing else.
 */
const zero = Object.fromEntries(
  [
    "fixedAccounts",
    "mobileAccounts",
    "internetShare",
    "tvShare",
    "landlineShare",
    "optionsPerAccount",
    "paymentsPerMonth",
    "eventsPerPayment",
    "promisedPerMonth",
    "bonusShare",
    "mobileUsagePerMonth",
    "reportsPerMonth",
    "applicationsPerMonth",
    "eventsPerApplication",
    "chatsPerMonth",
    "messagesPerChat",
    "ticketsPerMonth",
    "eventsPerTicket",
    "organisations",
    "accountsPerOrg",
    "movedAccountsShare",
    "closingDocsPerOrgMonth",
    "invoicesPerOrgMonth",
    "orgPaymentsPerOrgMonth",
    "auditPerOrgMonth",
    "bankLinesPerOrgMonth",
    "reconciliationsPerOrgMonth",
    "orgTicketsPerOrgMonth",
    "notificationsPerMonth",
    "deliveriesPerNotification",
    "providerMessagesPerNotification",
    "inboxRetentionMonths",
    "deliveryRetentionDays",
    "retentionRowsPerRun",
    "housekeepingRunsPerDay",
    "retentionShardsPerRun",
    "subscribersPerAccount",
    "linksPerAccount",
    "cardsPerAccount",
    "passkeysPerAccount",
    "identitiesPerAccount",
    "notificationPrefsPerAccount",
    "notificationSettingsPerAccount",
    "liveSessionsPerAccount",
    "pushSubscriptionsPerAccount",
    "alertHomeShardsPerPage",
    "drainCallsPerTable",
    "requestsPerAccountMonth",
    "rowsReadPerRequest",
    "cpuMsPerRequest",
    "loginsPerAccountMonth",
    "readQueryMs",
    "writeQueryMs",
    "writeRowMs",
    "shardBytes",
    "headroom",
    "months",
    "usageTotalsMonths",
    "moneyKeptMonths",
    "usageDayMonths",
    "chargeBatch",
    "chargeBatchesPerMessage",
    "chargeWindowSec",
    "areaPage",
    "areaCallsPerMessage",
    "areaLookupsPerPage",
    "outageSubscribers",
    "outageWindowSec",
    "outageQueueMessagesPerSubscriber",
    "outageShardWritesPerSubscriber",
    "outageMessageWritesPerSubscriber",
    "messageStores",
    "identityStores",
    "signInKeysPerSubscriber",
    "contractContactsPerAccount",
    "expirePage",
    "outageShardReadsPerSubscriber",
    "outageGlobalReadsPerSubscriber",
    "statementWindowSec",
    "statementEmailShare",
    "stormLogins",
    "stormWindowSec",
    "stormCityAccounts",
    "stormGlobalReadsPerLogin",
    "stormKeyReadsPerLogin",
    "stormShardWritesPerLogin",
    "busyHourShare",
    "requestsPerVisit",
    "globalReadsPerVisit",
    "shardReadsPerRequest",
    "shardWritesPerVisit",
    "usageBatchesPerMonth",
    "queueBatchSize",
    "doMsPerRequest",
  ].map((k) => [k, 0]),
) as unknown as Assumptions;

const a: Assumptions = {
  ...zero,
  fixedAccounts: 10_000,
  internetShare: 1,
  paymentsPerMonth: 1,
  shardBytes: 1_000_500,
  headroom: 0.7,
  months: 2,
  usageTotalsMonths: 2,
  moneyKeptMonths: 2,
  usageDayMonths: 1,
  readQueryMs: 1,
  writeQueryMs: 4,
  writeRowMs: 0.01,
  chargeBatch: 1000,
  chargeBatchesPerMessage: 2,
  chargeWindowSec: 100,
  requestsPerAccountMonth: 10,
  rowsReadPerRequest: 5,
  notificationsPerMonth: 2,
  deliveriesPerNotification: 1.5,
  inboxRetentionMonths: 12,
  deliveryRetentionDays: 90,
  retentionRowsPerRun: 100,
  housekeepingRunsPerDay: 96,
  retentionShardsPerRun: 5,
  queueBatchSize: 10,
};

const growing = [
  "payment_events",
  "promised_payments",
  "bonus_ledger",
  "usage_reports",
  "applications",
  "application_events",
  "support_chats",
  "support_messages",
  "support_tickets",
  "ticket_events",
  "application_directory",
  "support_directory",
  "account_options",
  "bonus_members",
];

const m: Measured = {
  bytesPerRow: {
    ...Object.fromEntries(growing.map((t) => [t, 0])),
    accounts: 100,
    account_holders: 0,
    account_services: 50,
    ledger_entries: 10,
    payments: 20,
    receipts: 30,
    usage_records: 5,
    ledger_periods: 8,
    usage_daily_totals: 4,
    // The global database: only the inbox and deliveries weigh anything here.
    account_directory: 0,
    account_links: 0,
    subscribers: 0,
    cards: 0,
    passkeys: 0,
    identities: 0,
    sign_ins: 0,
    login_keys: 0,
    contract_contacts: 0,
    account_places: 0,
    notification_prefs: 0,
    notification_settings: 0,
    sessions: 0,
    session_links: 0,
    subscriber_links: 0,
    push_subscriptions: 0,
    provider_messages: 0,
    inbox: 10,
    deliveries: 4,
  },
  indexes: { ledger_entries: 4 },
  usagePerServiceMonth: { internet: 10, tv: 0, landline: 0, mobile: 0 },
  usageTotalsPerServiceMonth: { internet: 6, tv: 0, landline: 0, mobile: 0 },
  usageMonthRowsPerServiceMonth: { internet: 2, tv: 0, landline: 0, mobile: 0 },
  compressedBytesPerUsageRecord: 1,
  compressedBytesPerMoneyRow: 0.5,
};

describe("capacity model", () => {
  it("counts an organisation's monthly document with a line per service of each account, and a line per account of its invoices and payments", () => {
    const org = {
      ...a,
      organisations: 1,
      accountsPerOrg: 3,
      closingDocsPerOrgMonth: 1,
      invoicesPerOrgMonth: 0.5,
      orgPaymentsPerOrgMonth: 2,
    };
    const rows = businessRows(org);
    // A fixed-line account of `a` has one service (internet): three lines a document.
    expect(rows).toMatchObject({
      closing_documents: 1,
      closing_lines: 3,
      invoices: 0.5,
      invoice_lines: 1.5,
      invoice_payments: 0.5,
      org_payments: 2,
      org_payment_lines: 6,
    });
    // An invoice's Idempotency-Key is kept 30 days (housekeeping), and a bank statement's line 400: not with the years.
    expect(rows).not.toHaveProperty("invoice_requests");
    expect(rows).not.toHaveProperty("bank_statement_lines");
  });

  it("counts a daily charge per service and day plus the month's payments in the ledger", () => {
    // 1 service × 30.4375 days + 1 payment.
    expect(monthlyRows(a, m, "fixed").ledger_entries).toBeCloseTo(31.4375, 10);
    expect(monthlyRows(a, m, "fixed").usage_records).toBe(10);
  });

  it("sizes an account after two months as everything kept: fixed rows plus two months of rows", () => {
    // Static: account 100 + service 50 = 150. A month: ledger 31.4375 × 10 + payment 20 + receipt 30 + usage 10 × 5 = 414.375.
    // The subscriber's inbox and deliveries in the shard (as kept): inbox 4 × 10 + deliveries 6 × 4 = 64.
    expect(accountBytesToday(a, m, "fixed", 2)).toBeCloseTo(150 + 2 * 414.375 + 64, 10);
  });

  it("sizes an account after two months with closed months rolled up and usage aggregated", () => {
    // Static 150; kept per month: ledger 2 lines × 10 + payment 20 + receipt 30 = 70 (× 2 = 140);
    // the open month's daily rows beyond the roll-up (31.4375 − 2) × 10 = 294.375; period rows 2 × 8;
    // usage totals: 1 month of day rows (usageDayMonths) 6 × 4 = 24, then 1 of month rows 2 × 4 = 8; the inbox and deliveries 64.
    expect(accountBytesBounded(a, m, "fixed", 2)).toBeCloseTo(150 + 140 + 294.375 + 16 + 24 + 8 + 64, 10);
  });

  it("keeps a closed month's money in D1 only up to the archive's horizon, and the rest in R2", () => {
    // Money a closed month keeps: ledger 2 lines × 10 + payment 20 + receipt 30 + period 8 = 78. With D1 keeping one
    // month of it, month 2 has one month less of it than with two kept; the other month is in R2: 5 rows × 0.5 bytes.
    const kept1 = { ...a, moneyKeptMonths: 1 };
    expect(accountBytesBounded(a, m, "fixed", 2) - accountBytesBounded(kept1, m, "fixed", 2)).toBeCloseTo(78, 10);
    expect(archivedMoneyBytes(kept1, m, "fixed", 2)).toBeCloseTo(2.5, 10);
    expect(archivedMoneyBytes(a, m, "fixed", 2)).toBe(0);
    // Past the horizon (and the inbox's 12 months) an account grows only by what is not archived: here nothing.
    expect(accountBytesBounded(kept1, m, "fixed", 20)).toBeCloseTo(accountBytesBounded(kept1, m, "fixed", 13), 10);
  });

  it("fits accounts into a shard within the headroom and rounds shards up per branch", () => {
    const bytes = accountBytesToday(a, m, "fixed", 2); // 1,042.75
    expect(accountsPerShard(a, bytes)).toBe(671); // floor(700,350 / 1,042.75 = 671.64)
    const [plan] = planShards(a, [{ code: "x", name: "X", share: 0.25 }], bytes);
    expect(plan?.accounts).toBe(2500);
    expect(plan?.shards).toBe(4); // ceil(2500 / 671)
    expect(plan?.gbPerShard).toBeCloseTo((625 * 1042.75) / 1e9, 12);
  });

  it("weighs fixed-line and mobile accounts by their numbers", () => {
    expect(mixed({ ...a, fixedAccounts: 1000, mobileAccounts: 3000 }, (k) => (k === "fixed" ? 1 : 5))).toBe(4);
  });

  it("adds up a database's busy time from reads, writes and rows written", () => {
    // 100 × 1 ms + 50 × 4 ms + 1000 × 0.01 ms = 310 ms of each second.
    expect(d1Busy(a, 100, 50, 1000)).toBeCloseTo(0.31, 12);
  });

  it("spreads a shard's charging night over its window in batches, each index a row written", () => {
    const [charging] = peaks(a, m, 4000);
    // 4,000 services in 4 statements of 1,000; 2 batches a message → 2 messages; 5 rows written per charge.
    expect(charging?.queueMessagesPerSec).toBeCloseTo(0.02, 12);
    expect(charging?.d1WritesPerSec).toBeCloseTo(0.04, 12);
    expect(charging?.d1RowsWrittenPerSec).toBeCloseTo(200, 12);
    expect(charging?.d1Busy).toBeCloseTo((0.04 * 1 + 0.04 * 4 + 200 * 0.01) / 1000, 12);
  });

  it("spreads an outage's inbox and deliveries over the home shards and its provider rows over the message stores; its reads of the subscribers stay global, of their choices go home", () => {
    const o = {
      ...a,
      subscribersPerAccount: 1,
      outageSubscribers: 10_000,
      outageWindowSec: 100,
      outageShardWritesPerSubscriber: 5,
      outageMessageWritesPerSubscriber: 2,
      messageStores: 4,
      outageGlobalReadsPerSubscriber: 5,
    };
    const [, shard, global, store] = peaks(o, m, 4000);
    // A shard's share is at most its own 4,000 accounts: 4,000 × 5 / 100 s = 200 writes/s, 800 ms of each second.
    expect(shard?.where).toBe("one regional shard");
    expect(shard?.d1WritesPerSec).toBeCloseTo(200, 12);
    expect(shard?.d1Busy).toBeCloseTo(0.8, 12);
    // The global database: 10,000 × 5 / 100 = 500 reads/s, no write.
    expect(global?.where).toBe("global database");
    expect(global?.d1ReadsPerSec).toBeCloseTo(500, 12);
    expect(global?.d1WritesPerSec).toBe(0);
    expect(global?.d1Busy).toBeCloseTo(0.5, 12);
    // Each of 4 message stores: 10,000 × 2 / 100 / 4 = 50 writes/s, 200 ms of each second.
    expect(store?.where).toBe("one message store of 4");
    expect(store?.d1WritesPerSec).toBeCloseTo(50, 12);
    expect(store?.d1Busy).toBeCloseTo(0.2, 12);
    // A city smaller than a shard is all on one.
    expect(peaks(o, m, 50_000)[1]?.d1WritesPerSec).toBeCloseTo(500, 12);
    // Its subscribers' settings and choices are read on their home shards: 4,000 × 0.05 / 100 s = 2 reads/s.
    expect(peaks({ ...o, outageShardReadsPerSubscriber: 0.05 }, m, 4000)[1]?.d1ReadsPerSec).toBeCloseTo(2, 12);
  });

  it("reads a login storm's keys in the identity stores, its sign-in rows in the home shards and only the rest globally, and writes its sessions and links' copies in the home shards", () => {
    const o = {
      ...a,
      subscribersPerAccount: 1,
      stormLogins: 60_000,
      stormWindowSec: 600,
      stormCityAccounts: 60_000,
      stormGlobalReadsPerLogin: 1,
      stormKeyReadsPerLogin: 0,
      globalReadsPerVisit: 4,
      requestsPerVisit: 10,
      shardReadsPerRequest: 4,
      stormShardWritesPerLogin: 1,
      shardWritesPerVisit: 1,
    };
    const storms = peaks(o, m, 4000).filter((p) => p.name === "login storm");
    const shard = storms.find((p) => p.where === "one regional shard");
    const global = storms.find((p) => p.where === "global database");
    // The global database: 60,000 × (1 + 4) / 600 s = 500 reads/s, no write.
    expect(global?.d1ReadsPerSec).toBeCloseTo(500, 12);
    expect(global?.d1WritesPerSec).toBe(0);
    expect(global?.d1Busy).toBeCloseTo(0.5, 12);
    // A shard writes at most its own 4,000 subscribers' sessions and copies: 4,000 × 2 / 600 s; and reads their
    // visits' requests there: 4,000 × 10 requests × 4 reads / 600 s.
    expect(shard?.d1WritesPerSec).toBeCloseTo(8000 / 600, 12);
    expect(shard?.d1ReadsPerSec).toBeCloseTo((4000 * 10 * 4) / 600, 12);
    // A storm in a city of 240,000 accounts: a quarter of a shard's subscribers log in.
    expect(
      peaks({ ...o, stormCityAccounts: 240_000 }, m, 4000).find((p) => p.name === "login storm" && p.where === "one regional shard")
        ?.d1WritesPerSec,
    ).toBeCloseTo(2000 / 600, 12);
    // Logins by key: none of their reads global; each reads its key in one of 4 stores, and each visit that makes its
    // links' copy (4 a login here) its accounts' places in one store (60,000 × (0.9 + 4) / 600 / 4 = 122.5 a second
    // each), and its sign-in row in the home shard (4,000 × 0.9 / 600 more there).
    const keyed = peaks({ ...o, stormGlobalReadsPerLogin: 0.1, stormKeyReadsPerLogin: 0.9, identityStores: 4 }, m, 4000).filter(
      (p) => p.name === "login storm",
    );
    expect(keyed.find((p) => p.where === "global database")?.d1ReadsPerSec).toBeCloseTo((60_000 * (0.1 + 4)) / 600, 12);
    const store = keyed.find((p) => p.where === "one identity store of 4");
    expect(store?.d1ReadsPerSec).toBeCloseTo(122.5, 12);
    expect(store?.d1WritesPerSec).toBe(0);
    expect(keyed.find((p) => p.where === "one regional shard")?.d1ReadsPerSec).toBeCloseTo((4000 * (0.9 + 10 * 4)) / 600, 12);
  });

  it("reads the global database a few times a visit at the busiest hour, and a shard its share, writing the links' copy once a visit", () => {
    // 10,000 accounts × 30 requests a month, a tenth of a day's in an hour: 985.6 requests in it, 0.274 a second.
    const o = {
      ...a,
      requestsPerAccountMonth: 30,
      busyHourShare: 0.1,
      requestsPerVisit: 10,
      globalReadsPerVisit: 4,
      shardReadsPerRequest: 3,
    };
    const busy = peaks({ ...o, shardWritesPerVisit: 1 }, m, 4000).filter((p) => p.name.startsWith("busy hour"));
    const perSecond = (10_000 * 30 * 0.1) / 30.4375 / 3600;
    // A visit of 10 requests reads 4 global queries in all.
    expect(busy.find((p) => p.where === "global database")?.d1ReadsPerSec).toBeCloseTo((perSecond / 10) * 4, 12);
    expect(busy.find((p) => p.where === "global database")?.d1WritesPerSec).toBe(0);
    // A shard of 4,000 of the 10,000 accounts: their requests' session and account reads, and a copy kept a visit.
    const shard = busy.find((p) => p.where === "one regional shard");
    expect(shard?.d1ReadsPerSec).toBeCloseTo(perSecond * 0.4 * 3, 12);
    expect(shard?.d1WritesPerSec).toBeCloseTo((perSecond * 0.4) / 10, 12);
    // Twice the requests a visit: half the global reads.
    const longer = peaks({ ...o, shardWritesPerVisit: 1, requestsPerVisit: 20 }, m, 4000);
    expect(longer.find((p) => p.name.startsWith("busy hour") && p.where === "global database")?.d1ReadsPerSec).toBeCloseTo(
      (perSecond / 20) * 4,
      12,
    );
  });

  it("pages an area's fan-out over queue messages within each message's budget", () => {
    // Pages of 4 accounts, 12 calls a message, 2 lookups a page: a page costs at most 1 + 1 + 1 + ceil(4 / 100) = 4
    // calls on the first shard and 1 + 1 + 2 + 1 = 5 on later ones; after the first call (the branch's shards) 11
    // leave room for 2 pages at 5. 100 accounts are 25 pages: at most 13 messages when everyone is told; when no one
    // is, a page is one query and a message works 12 − 5 = 7 of them: at most 4 messages.
    expect(areaFanOut({ ...a, areaPage: 4, areaCallsPerMessage: 12, areaLookupsPerPage: 2 }, 100)).toEqual({
      pages: 25,
      callsPerPage: 4,
      mostCallsPerPage: 5,
      pagesPerMessage: 2,
      messages: 13,
      streetMessages: 4,
    });
  });

  it("prices rows read and queue operations per million accounts", () => {
    const prices = { d1RowsReadPerM: 0.001, queueOpsPerM: 0.4 } as Prices;
    const lines = costPerMillion(a, m, prices);
    // 1 M accounts × 10 requests × 5 rows = 50 M rows read.
    expect(lines.find((l) => l.item === "D1 rows read")).toMatchObject({ quantity: 5e7 });
    expect(lines.find((l) => l.item === "D1 rows read")?.usd).toBeCloseTo(0.05, 12);
    // Messages: 2 events × (1 + 1.5 channels) + 1 payment = 6 a month each; 3 operations a message.
    const ops = lines.find((l) => l.item.startsWith("Queues"));
    expect(ops?.quantity).toBeCloseTo(18e6, 6);
    expect(ops?.usd).toBeCloseTo(7.2, 10);
  });

  it("keeps an account's inbox 12 months and deliveries 90 days: bounded however many months pass", () => {
    // 2 events a month: inbox 2 × min(months, 12); deliveries 2 × 1.5 × min(months, 90 / 30.4375).
    expect(notificationRows(a, 1).retained).toEqual({ inbox: 2, deliveries: 3 });
    expect(notificationRows(a, 6).retained.inbox).toBe(12);
    expect(notificationRows(a, 6).retained.deliveries).toBeCloseTo((3 * 90) / 30.4375, 10);
    expect(notificationRows(a, 36).retained).toEqual(notificationRows(a, 120).retained);
    expect(notificationRows(a, 36).retained.inbox).toBe(24);
    // What is written each month does not change with the retention.
    expect(notificationRows(a, 36).monthly).toEqual({ inbox: 2, deliveries: 3 });
    // None of it in the global database.
    expect(Object.keys(globalRows(a).fixed)).not.toContain("inbox");
    expect(Object.keys(globalRows(a).fixed)).not.toContain("deliveries");
  });

  it("counts the links by account in the account's shard, a row a link, and the global links only while production keeps writing them", () => {
    expect(staticRows({ ...a, linksPerAccount: 1.25 }, "fixed").account_holders).toBe(1.25);
    expect(globalRows({ ...a, linksPerAccount: 1.25 }).fixed.account_links).toBeUndefined();
    expect(keptGlobalRows({ ...a, linksPerAccount: 1.25 }).fixed).toEqual({
      ...globalRows(a).fixed,
      account_directory: 1,
      account_links: 1.25,
    });
    // The directory keeps the rows of organisations' accounts and moved accounts only; the rest are the identity stores'.
    expect(globalRows({ ...a, organisations: 1_000, accountsPerOrg: 2, movedAccountsShare: 0.05 }).fixed.account_directory).toBeCloseTo(
      2_000 / 10_000 + 0.05,
      12,
    );
    expect(globalRows({ ...a, organisations: 10_000, accountsPerOrg: 2, movedAccountsShare: 0.05 }).fixed.account_directory).toBe(1);
    // A row's bytes count in the account's bytes in its shard, as its other rows that do not grow.
    const sized = { ...m, bytesPerRow: { ...m.bytesPerRow, account_holders: 40 } };
    expect(
      accountBytesBounded({ ...a, linksPerAccount: 1.25 }, sized, "fixed", 2) -
        accountBytesBounded({ ...a, linksPerAccount: 1.25 }, m, "fixed", 2),
    ).toBe(50);
  });

  it("keeps the subscribers' push subscriptions, sessions, links and their copies, notification choices, saved cards, passkeys and links to identity providers in their home shards, counted once per account and not globally", () => {
    expect(homeRows(a)).toEqual({
      push_subscriptions: a.pushSubscriptionsPerAccount,
      notification_prefs: a.notificationPrefsPerAccount,
      notification_settings: a.notificationSettingsPerAccount,
      cards: a.cardsPerAccount,
      passkeys: a.passkeysPerAccount,
      identities: a.identitiesPerAccount,
      sign_ins: a.subscribersPerAccount,
      sessions: a.liveSessionsPerAccount,
      session_links: a.subscribersPerAccount,
      subscriber_links: a.linksPerAccount,
    });
    // Their keys in the identity stores, not the global database: a link's, and a subscriber's phone's, e-mail's and login's.
    expect(identityStoreRows({ ...a, signInKeysPerSubscriber: 2.5, contractContactsPerAccount: 1.5 })).toEqual({
      login_keys: a.identitiesPerAccount + a.subscribersPerAccount * 2.5 + 1,
      contract_contacts: 1.5,
      account_places: 1,
    });
    for (const table of [
      "push_subscriptions",
      "sessions",
      "session_links",
      "subscriber_links",
      "notification_prefs",
      "notification_settings",
      "cards",
      "passkeys",
      "identities",
      "external_identities",
      "login_keys",
    ])
      expect(Object.keys(globalRows(a).fixed)).not.toContain(table);
    // A copy's bytes count in the account's shard bytes, once, however long the account lives.
    const sized = { ...m, bytesPerRow: { ...m.bytesPerRow, session_links: 100 } };
    expect(accountBytesBounded(a, sized, "fixed", 2) - accountBytesBounded(a, m, "fixed", 2)).toBeCloseTo(
      100 * a.subscribersPerAccount,
      10,
    );
    expect(accountBytesBounded(a, sized, "fixed", 30) - accountBytesBounded(a, m, "fixed", 30)).toBeCloseTo(
      100 * a.subscribersPerAccount,
      10,
    );
  });

  it("keeps a month of provider messages in the message stores, none of them in the global database, and prices them apart", () => {
    const o = { ...a, notificationsPerMonth: 6, providerMessagesPerNotification: 0.5 };
    expect(messageRows(o)).toEqual({ provider_messages: 3 });
    expect(Object.keys(globalRows(o).fixed)).not.toContain("provider_messages");
    const sized = { ...m, bytesPerRow: { ...m.bytesPerRow, provider_messages: 200 } };
    const item = (name: string) => costPerMillion(o, sized, { d1StoragePerGbMonth: 0.75 } as Prices).find((c) => c.item.startsWith(name));
    // 1 M accounts × 3 rows × 200 bytes = 0.6 GB, in the stores; the global database's storage is without them.
    expect(item("D1 storage, message stores")?.quantity).toBeCloseTo(0.6, 12);
    expect(item("D1 storage, global")?.quantity).toBe(0);
  });

  it("prices the identity stores' keys apart from the global database", () => {
    const sized = { ...m, bytesPerRow: { ...m.bytesPerRow, login_keys: 100 } };
    const item = (name: string) =>
      costPerMillion({ ...a, identitiesPerAccount: 0.5 }, sized, { d1StoragePerGbMonth: 0.75 } as Prices).find((c) =>
        c.item.startsWith(name),
      );
    // 1 M accounts × (0.5 links' keys + the account number's) × 100 bytes = 0.15 GB.
    expect(item("D1 storage, identity stores")?.quantity).toBeCloseTo(0.15, 12);
    expect(item("D1 storage, identity stores")?.usd).toBeCloseTo(0.1125, 12);
    // The contracts' contacts' index is theirs too: 1 M accounts × 1.5 contacts × 40 bytes = 0.06 GB more.
    const indexed = { ...sized, bytesPerRow: { ...sized.bytesPerRow, contract_contacts: 40 } };
    const withContacts = costPerMillion({ ...a, identitiesPerAccount: 0.5, contractContactsPerAccount: 1.5 }, indexed, {
      d1StoragePerGbMonth: 0.75,
    } as Prices).find((c) => c.item.startsWith("D1 storage, identity stores"));
    expect(withContacts?.quantity).toBeCloseTo(0.21, 12);
    // And every account's place (platform/places.ts): 1 M accounts × 1 × 30 bytes = 0.03 GB more.
    const placed = costPerMillion(
      { ...a, identitiesPerAccount: 0.5, contractContactsPerAccount: 1.5 },
      { ...indexed, bytesPerRow: { ...indexed.bytesPerRow, account_places: 30 } },
      { d1StoragePerGbMonth: 0.75 } as Prices,
    ).find((c) => c.item.startsWith("D1 storage, identity stores"));
    expect(placed?.quantity).toBeCloseTo(0.24, 12);
  });

  it("says how many accounts one database's housekeeping keeps up with", () => {
    // 100 rows per table a run × 96 runs = 9,600 a day; deliveries, the busier table, come at 3 / 30.4375 a day per account.
    expect(retentionKeepsUpWith(a)).toBeCloseTo(9600 / (3 / 30.4375), 6);
    // 20 shards, 5 visited a run: each a quarter of the runs.
    expect(retentionKeepsUpWith(a, 20)).toBeCloseTo(2400 / (3 / 30.4375), 6);
  });

  it("prices the inbox and deliveries as kept in the shards' storage, and none of them in the global database's", () => {
    const storage = (x: Assumptions) => {
      const lines = costPerMillion(x, m, { d1StoragePerGbMonth: 0.75 } as Prices);
      return {
        shards: lines.find((l) => l.item.startsWith("D1 storage at month"))?.quantity ?? Number.NaN,
        global: lines.find((l) => l.item.startsWith("D1 storage, global"))?.quantity ?? Number.NaN,
      };
    };
    const withNotes = storage(a);
    const without = storage({ ...a, notificationsPerMonth: 0 });
    // At month 2: inbox 4 rows × 10 bytes + deliveries 6 rows × 4 bytes = 64 bytes per account; 1 M accounts.
    expect(withNotes.shards - without.shards).toBeCloseTo(0.064, 12);
    // The global database's fixed tables weigh nothing in this measurement; the inbox and deliveries add nothing there.
    expect(withNotes.global).toBe(0);
    expect(without.global).toBe(0);
  });

  it("refuses a table whose size was not measured rather than counting it as nothing", () => {
    expect(() => bytesOf({ not_measured: 1 }, m)).toThrow(/not_measured/);
  });
});
