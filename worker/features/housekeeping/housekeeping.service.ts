import { inArray, lt, sql } from "drizzle-orm";
import type { SQLiteColumn, SQLiteTable } from "drizzle-orm/sqlite-core";
import { PROVIDER_MESSAGE_RETENTION_MS } from "../../adapters/provider-messages";
import {
  accountLinks,
  authChallenges,
  globalSessions,
  invoiceRequests,
  oneTimeCodes,
  operatorSessions,
  outbox,
  providerMessages,
  supportCallbacks,
} from "../../db/schema/global";
import { storeCodes } from "../../db/schema/identity";
import { providerMessages as storedMessages } from "../../db/schema/messages";
import { sessions } from "../../db/schema/region";
import { expireCredentialMarks } from "../../platform/credentials";
import type { DataAccess, GlobalDb, IdentityDb, MessagesDb, RegionDb, ShardBinding } from "../../platform/db";
import { log } from "../../platform/log";
import { expireIdentityMarks } from "../auth/identities.service";
import { BANK_LINE_MAX_AGE_DAYS, expiredBankLines } from "../bank/bank.service";
import { drainOrgAudit } from "../business/audit-drain.service";
import { expiredInvoiceNumbers } from "../business/invoice-payments.service";
import { drainLegacyNotifications, expireNotifications } from "../notifications/notifications.service";

const DAY_MS = 24 * 60 * 60 * 1000;

/** Rows of each global table one 15-minute tick deletes at most (960,000 a day). */
export const EXPIRE_PAGE = 10_000;

/** How long the dev outbox keeps messages. */
export const OUTBOX_RETENTION_MS = 7 * DAY_MS;
/** A call-back request is kept this long after its window ended (answered or not): the operators' queue is of days. */
export const CALLBACK_RETENTION_MS = 90 * DAY_MS;
/** An invoice's Idempotency-Key is honoured this long: a retry comes within minutes (the invoice itself is kept). */
export const INVOICE_REQUEST_RETENTION_MS = 30 * DAY_MS;

/** How long a message handed to an SMS or email provider keeps its row (its dedupe claim and delivery status). */
export { PROVIDER_MESSAGE_RETENTION_MS };

/** Deletes a table's rows whose `date` is before `before`, at most `pageSize` of them, oldest first; returns their keys. */
function expiredPage(
  db: GlobalDb | RegionDb | MessagesDb | IdentityDb,
  table: SQLiteTable,
  key: SQLiteColumn,
  date: SQLiteColumn,
  before: Date,
  pageSize: number,
) {
  const page = db.select({ key }).from(table).where(lt(date, before)).orderBy(date).limit(pageSize);
  return db.delete(table).where(inArray(key, page)).returning({ key });
}

/**
 * Deletes what has expired: sessions (subscribers' and operators') past their absolute expiry, flow challenges, one-time
 * codes a day after expiry (kept briefly for abuse accounting), invoices' Idempotency-Keys after 30 days, bank
 * statement lines credited 400 days ago and the uploads left with none, invoice numbers of years past
 * `INVOICE_NUMBER_YEARS`, old dev
 * outbox messages and provider messages a month after their last report (in every message store, and those an older
 * deployment kept in the global table); then, in bounded pages, dead letters past
 * 21 days, inbox messages past 12 months and delivery rows past 90 days in the subscribers' home shards
 * (features/notifications/notifications.retention.ts), and a share of the inbox, delivery and notification choice rows an
 * older deployment kept in the global database moved to those shards (notifications.drain.ts; saved cards and passkeys too), and organisations' audit entries to
 * their home shards (business/audit-drain.service.ts). Safe to run any number of times. (Abuse counts expire in their own objects: platform/throttle.do.ts.)
 */
export async function cleanExpired(data: DataAccess, now = new Date(), pageSize = EXPIRE_PAGE) {
  const db = data.global;
  // Each table at most `pageSize` rows a tick, oldest first along its date index: a backlog (ticks missed for a
  // day at the operator's size) is worked off over the next ticks instead of one statement past D1's 30 s that
  // would fail on every tick and never catch up.
  // Invoice numbers are kept counting from the oldest payment an upload still imports: a transfer made on 30 December
  // for an invoice three years back, uploaded in January, finds it.
  const oldestImported = new Date(now.getTime() - BANK_LINE_MAX_AGE_DAYS * DAY_MS);
  const [s, c, o, a, ops, pm, cb, ir, bl, bs, inos] = await db.batch([
    // Sessions an older deployment opened here; the home shards' go with each shard's tick (`expireShardSessions`).
    expiredPage(db, globalSessions, globalSessions.idHash, globalSessions.expiresAt, now, pageSize),
    expiredPage(db, oneTimeCodes, oneTimeCodes.id, oneTimeCodes.expiresAt, new Date(now.getTime() - DAY_MS), pageSize),
    expiredPage(db, outbox, outbox.id, outbox.createdAt, new Date(now.getTime() - OUTBOX_RETENTION_MS), pageSize),
    expiredPage(db, authChallenges, authChallenges.id, authChallenges.expiresAt, now, pageSize),
    expiredPage(db, operatorSessions, operatorSessions.idHash, operatorSessions.expiresAt, now, pageSize),
    expiredPage(
      db,
      providerMessages,
      providerMessages.id,
      providerMessages.updatedAt,
      new Date(now.getTime() - PROVIDER_MESSAGE_RETENTION_MS),
      pageSize,
    ),
    expiredPage(
      db,
      supportCallbacks,
      supportCallbacks.id,
      supportCallbacks.slotEnd,
      new Date(now.getTime() - CALLBACK_RETENTION_MS),
      pageSize,
    ),
    // Keyed by three columns: a page of rowids along its date index.
    db
      .delete(invoiceRequests)
      .where(
        sql`rowid IN (SELECT rowid FROM ${invoiceRequests} WHERE ${invoiceRequests.createdAt} < ${now.getTime() - INVOICE_REQUEST_RETENTION_MS} ORDER BY ${invoiceRequests.createdAt} LIMIT ${pageSize})`,
      )
      .returning({ key: invoiceRequests.invoiceId }),
    ...expiredBankLines(db, now, pageSize),
    expiredInvoiceNumbers(db, oldestImported, pageSize),
  ]);
  // Every message store at once, each its own page: the stores share a day's 4.8 M messages at the target size that one
  // table's 960,000 a day could not keep up with.
  const before = new Date(now.getTime() - PROVIDER_MESSAGE_RETENTION_MS);
  // A store that fails (down, not migrated) is logged and left for the next tick; the others and the rest go on.
  const stored = await Promise.all(
    data.messages.all.map((m, i) =>
      expiredPage(m, storedMessages, storedMessages.id, storedMessages.updatedAt, before, pageSize).catch((err: unknown) => {
        log("error", "housekeeping.store_failed", { store: `MESSAGES_${i}`, error: err instanceof Error ? err.name : "unknown" });
        return [];
      }),
    ),
  );
  // Codes in every identity store (features/auth/codes.service.ts), a day after they expire, each store its own page.
  const codes = await Promise.all(
    data.identities.all.map((store, i) =>
      expiredPage(store, storeCodes, storeCodes.id, storeCodes.expiresAt, new Date(now.getTime() - DAY_MS), pageSize).catch(
        (err: unknown) => {
          log("error", "housekeeping.store_failed", { store: `IDENTITY_${i}`, error: err instanceof Error ? err.name : "unknown" });
          return [];
        },
      ),
    ),
  );
  const notifications = await expireNotifications(data, now);
  const drained = await drainLegacyNotifications(data, now);
  const audit = await drainOrgAudit(data);
  const linksEmptied = await emptyGlobalLinks(data, now, pageSize);
  return {
    sessions: s.length,
    codes: c.length + codes.reduce((n, rows) => n + rows.length, 0),
    outbox: o.length,
    challenges: a.length,
    operatorSessions: ops.length,
    callbacks: cb.length,
    invoiceRequests: ir.length,
    invoiceNumbers: inos.length,
    bankLines: bl.length,
    bankStatements: bs.length,
    providerMessages: pm.length + stored.reduce((n, rows) => n + rows.length, 0),
    deadLetters: notifications.deadLetters,
    inbox: notifications.inbox,
    deliveries: notifications.deliveries,
    inboxMoved: drained.inbox,
    deliveriesMoved: drained.deliveries,
    devicesMoved: drained.pushSubscriptions,
    directoryEntriesMoved: drained.applicationEntries + drained.supportEntries,
    choicesMoved: drained.choices + drained.settings,
    credentialsMoved: drained.cards + drained.passkeys,
    identitiesMoved: drained.identities,
    legacyDrained: drained.drained,
    legacyHeldBack: drained.heldBack,
    auditMoved: audit.moved,
    globalLinksDeleted: linksEmptied,
  };
}

/** How old a global link is before housekeeping deletes it without global links (`emptyGlobalLinks`). */
export const GLOBAL_LINKS_GRACE_MS = DAY_MS;

/**
 * Without global links (`GLOBAL_LINKS = "drop"`: platform/holders.ts), a page of the table an older release kept
 * deleted, in its rowids' order (nothing writes it now; a later release drops it once empty, where a `DROP TABLE` of its
 * size would outlast D1's 30 s a query). Only links a day old: a change a release that kept them left half-way just
 * before the flip is settled by its global link (`reconcileHolders`). 960,000 a day: the target's 69 M in 73 days. A
 * failure is logged and left for the next tick.
 */
async function emptyGlobalLinks(data: DataAccess, now: Date, pageSize: number): Promise<number> {
  if (data.globalLinks !== "drop") return 0;
  try {
    const out = await data.global.run(
      sql`DELETE FROM ${accountLinks} WHERE rowid IN (SELECT rowid FROM ${accountLinks} WHERE ${accountLinks.createdAt} < ${now.getTime() - GLOBAL_LINKS_GRACE_MS} ORDER BY rowid LIMIT ${pageSize})`,
    );
    return out.meta.changes ?? 0;
  } catch (err) {
    log("error", "housekeeping.links_not_emptied", { error: err instanceof Error ? err.name : "unknown" });
    return 0;
  }
}

/** Rows of a shard's sessions one 15-minute tick deletes at most (a shard's ≈17,500 sessions end within 30 days). */
export const SHARD_SESSIONS_PAGE = 1_000;

/**
 * Deletes a page of a home shard's sessions past their absolute expiry, oldest first along `sessions_expires_idx`
 * (one statement; 96,000 a day a shard against the ≈600 a day that expire). Sessions idle for a week are refused
 * when used (platform/session.ts) and go at their absolute expiry.
 */
export async function expireShardSessions(data: DataAccess, shard: ShardBinding, now = new Date(), pageSize = SHARD_SESSIONS_PAGE) {
  return (await expiredPage(data.shard(shard), sessions, sessions.idHash, sessions.expiresAt, now, pageSize)).length;
}

/**
 * Deletes a page of a home shard's marks of removed cards, passkeys and links to identity providers, a day after their
 * removal (platform/credentials.ts, features/auth/identities.service.ts): a read a table along its partial index of marks, and for
 * a page of them a delete of the global rows they hide and one in the shard (at most 12 calls, 3 of them global).
 */
export async function expireShardCredentialMarks(data: DataAccess, shard: ShardBinding, now = new Date(), pageSize = SHARD_SESSIONS_PAGE) {
  const db = data.shard(shard);
  // Each on its own: a failure of one (logged by the caller) does not keep the other's marks past their day.
  const [credentials, identities] = await Promise.allSettled([
    expireCredentialMarks(data, db, now, pageSize),
    expireIdentityMarks(data, db, now, pageSize),
  ]);
  for (const r of [credentials, identities]) if (r.status === "rejected") throw r.reason;
  return (credentials.status === "fulfilled" ? credentials.value : 0) + (identities.status === "fulfilled" ? identities.value : 0);
}
