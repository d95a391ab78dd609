import { and, asc, desc, eq, gt, inArray, isNull, lt, ne } from "drizzle-orm";
import { operators, subscribers, supportDirectory } from "../../db/schema/global";
import {
  type ChatAuthor,
  homeSupportDirectory,
  type SupportQueue,
  supportAttachments,
  supportChats,
  supportFeedback,
  supportMessages,
  supportTickets,
  type TicketStatus,
  ticketEvents,
} from "../../db/schema/region";
import {
  type DataAccess,
  directoryHome,
  directoryToRead,
  type GlobalDb,
  inList,
  type RegionDb,
  rawBatch,
  type ShardBinding,
} from "../../platform/db";
import { type LinksHolder, linkOf } from "../../platform/links";
import { preread, readWithSession, type SessionSubscriber, subscriberIs } from "../../platform/session";

export type ChatRow = typeof supportChats.$inferSelect;
export type MessageRow = typeof supportMessages.$inferSelect;
export type AttachmentRow = typeof supportAttachments.$inferSelect;
export type TicketRow = typeof supportTickets.$inferSelect;
export type TicketEventRow = typeof ticketEvents.$inferSelect;
export type OperatorRow = typeof operators.$inferSelect;

export const selectChat = (db: RegionDb, id: string) => db.select().from(supportChats).where(eq(supportChats.id, id)).get();

/** A subscriber's chats among `ids` (at most the directory's page, well under D1's 100 bound parameters). */
export const selectChatsOf = (db: RegionDb, subscriberId: string, ids: string[]) =>
  db
    .select()
    .from(supportChats)
    .where(and(eq(supportChats.subscriberId, subscriberId), inArray(supportChats.id, ids)))
    .all();

export const insertChat = (db: RegionDb, row: typeof supportChats.$inferInsert) => db.insert(supportChats).values(row).run();

/**
 * Writes a subscriber's new chat unless they already have an open one of the region in its queue (a business chat:
 * of its organisation): the check and the write in one statement, so a double tap, two tabs or an offline outbox's
 * retry at the same moment start one chat. True when it was written.
 */
export async function claimSubscriberChat(
  db: RegionDb,
  row: {
    id: string;
    region: string;
    subscriberId: string;
    visitorName: string;
    accountNo: string | null;
    topic: string;
    queue: SupportQueue;
    orgId: string | null;
    company: string | null;
    createdAt: Date;
  },
) {
  const [done] = await rawBatch(db, [
    [
      `INSERT INTO support_chats (id, region, subscriber_id, visitor_name, account_no, topic, status, created_at, updated_at, queue, org_id, company)
       SELECT ?, ?, ?, ?, ?, ?, 'waiting', ?, ?, ?, ?, ?
       WHERE NOT EXISTS (
         SELECT 1 FROM support_chats WHERE subscriber_id = ? AND region = ? AND status != 'closed' AND queue = ? AND org_id IS ?
       )`,
      row.id,
      row.region,
      row.subscriberId,
      row.visitorName,
      row.accountNo,
      row.topic,
      row.createdAt.getTime(),
      row.createdAt.getTime(),
      row.queue,
      row.orgId,
      row.company,
      row.subscriberId,
      row.region,
      row.queue,
      row.orgId,
    ],
  ]);
  return (done?.meta.changes ?? 0) === 1;
}

/** The subscriber's open chat of a region in one queue (a business chat: of that organisation). */
export function selectOpenChatOf(
  db: RegionDb,
  subscriberId: string,
  region: string,
  queue: SupportQueue = "private",
  orgId: string | null = null,
) {
  return db
    .select()
    .from(supportChats)
    .where(
      and(
        eq(supportChats.subscriberId, subscriberId),
        eq(supportChats.region, region),
        ne(supportChats.status, "closed"),
        eq(supportChats.queue, queue),
        orgId ? eq(supportChats.orgId, orgId) : isNull(supportChats.orgId),
      ),
    )
    .orderBy(desc(supportChats.createdAt))
    .get();
}

export function selectMessages(db: RegionDb, chatId: string, afterSeq: number, limit: number) {
  return db
    .select()
    .from(supportMessages)
    .where(and(eq(supportMessages.chatId, chatId), gt(supportMessages.seq, afterSeq)))
    .orderBy(asc(supportMessages.seq))
    .limit(limit)
    .all();
}

export const selectMessageByClientId = (db: RegionDb, chatId: string, clientId: string) =>
  db
    .select()
    .from(supportMessages)
    .where(and(eq(supportMessages.chatId, chatId), eq(supportMessages.clientId, clientId)))
    .get();

/**
 * Appends a message as one transaction: the chat's counter moves and the
 * message takes the new number, both only if the chat is open and no message
 * with this client id exists (a resend is then a no-op and the caller reads
 * the first one back). The author's own read mark moves to its message.
 */
export async function appendMessage(
  db: RegionDb,
  m: {
    id: string;
    chatId: string;
    author: ChatAuthor;
    authorName: string | null;
    text: string;
    attachmentId: string | null;
    clientId: string;
    at: Date;
  },
): Promise<boolean> {
  const t = m.at.getTime();
  const guard = "status != 'closed' AND NOT EXISTS (SELECT 1 FROM support_messages WHERE chat_id = ? AND client_id = ?)";
  const readCol = m.author === "operator" ? "operator_read_seq" : m.author === "system" ? null : "customer_read_seq";
  const [updated] = await rawBatch(db, [
    [
      `UPDATE support_chats SET last_seq = last_seq + 1, updated_at = ?${readCol ? `, ${readCol} = last_seq + 1` : ""} WHERE id = ? AND ${guard}`,
      t,
      m.chatId,
      m.chatId,
      m.clientId,
    ],
    [
      `INSERT INTO support_messages (id, chat_id, seq, author, author_name, text, attachment_id, client_id, created_at)
         SELECT ?, id, last_seq, ?, ?, ?, ?, ?, ? FROM support_chats WHERE id = ? AND changes() = 1`,
      m.id,
      m.author,
      m.authorName,
      m.text,
      m.attachmentId,
      m.clientId,
      t,
      m.chatId,
    ],
  ]);
  return (updated?.meta.changes ?? 0) === 1;
}

/**
 * Ends a chat with its closing line, in one transaction and only from the state the caller saw (its status and
 * operator): a close that loses to another close or a transfer writes no line. True when it closed it.
 */
export async function closeChatWithLine(
  db: RegionDb,
  chat: Pick<ChatRow, "id" | "status" | "operatorId">,
  line: { id: string; text: string; clientId: string },
  at: Date,
): Promise<boolean> {
  const t = at.getTime();
  const [claimed] = await rawBatch(db, [
    [
      "UPDATE support_chats SET last_seq = last_seq + 1, updated_at = ? WHERE id = ? AND status = ? AND coalesce(operator_id, '') = ?",
      t,
      chat.id,
      chat.status,
      chat.operatorId ?? "",
    ],
    [
      `INSERT INTO support_messages (id, chat_id, seq, author, author_name, text, attachment_id, client_id, created_at)
         SELECT ?, id, last_seq, 'system', NULL, ?, NULL, ?, ? FROM support_chats WHERE id = ? AND changes() = 1`,
      line.id,
      line.text,
      line.clientId,
      t,
      chat.id,
    ],
    ["UPDATE support_chats SET status = 'closed', closed_at = ? WHERE id = ? AND changes() = 1", t, chat.id],
  ]);
  return (claimed?.meta.changes ?? 0) === 1;
}

/** Moves a side's read mark forward (never back, never past the last message). */
export function markRead(db: RegionDb, chatId: string, side: "customer" | "operator", seq: number) {
  const col = side === "operator" ? "operator_read_seq" : "customer_read_seq";
  return rawBatch(db, [[`UPDATE support_chats SET ${col} = max(${col}, min(?, last_seq)) WHERE id = ?`, seq, chatId]]);
}

/** Changes who has the chat, only from the state the caller saw (a concurrent take wins). */
export async function assignChat(
  db: RegionDb,
  chat: Pick<ChatRow, "id" | "status" | "operatorId">,
  to: { status: "waiting" | "active" | "closed"; operatorId: string | null; operatorName: string | null },
  at: Date,
): Promise<boolean> {
  const t = at.getTime();
  const [res] = await rawBatch(db, [
    [
      `UPDATE support_chats SET status = ?, operator_id = ?, operator_name = ?, updated_at = ?, closed_at = CASE WHEN ? = 'closed' THEN ? ELSE closed_at END
         WHERE id = ? AND status = ? AND coalesce(operator_id, '') = ?`,
      to.status,
      to.operatorId,
      to.operatorName,
      t,
      to.status,
      t,
      chat.id,
      chat.status,
      chat.operatorId ?? "",
    ],
  ]);
  return (res?.meta.changes ?? 0) === 1;
}

/**
 * A waiting chat's place in its region's queue (1: next), and the average time operators spent on the
 * region's last chats closed since `since`: from the first system line (an operator joined) to closing.
 */
export async function selectQueueStats(db: RegionDb, chat: Pick<ChatRow, "region" | "createdAt" | "queue">, since: Date, sample: number) {
  const [place, handling] = await rawBatch(db, [
    [
      "SELECT count(*) AS n FROM support_chats WHERE region = ? AND queue = ? AND status = 'waiting' AND created_at <= ?",
      chat.region,
      chat.queue,
      chat.createdAt.getTime(),
    ],
    [
      `SELECT avg(c.closed_at - (SELECT min(m.created_at) FROM support_messages m WHERE m.chat_id = c.id AND m.author = 'system')) AS ms
         FROM (SELECT id, closed_at FROM support_chats WHERE region = ? AND status = 'closed' AND closed_at >= ? ORDER BY closed_at DESC LIMIT ?) c`,
      chat.region,
      since.getTime(),
      sample,
    ],
  ]);
  return {
    position: Number((place?.results[0] as { n: number } | undefined)?.n ?? 0),
    averageMs: (handling?.results[0] as { ms: number | null } | undefined)?.ms ?? null,
  };
}

export function selectQueueChats(db: RegionDb, regions: string[], queue: SupportQueue = "private") {
  return db
    .select()
    .from(supportChats)
    .where(and(inArray(supportChats.region, regions), eq(supportChats.queue, queue), inArray(supportChats.status, ["waiting", "active"])))
    .orderBy(asc(supportChats.createdAt))
    .limit(200)
    .all();
}

/**
 * Writes a file's row unless its chat is closed or already has `limit` files: the checks and the write in one
 * statement, so uploads sent at the same moment cannot all pass them. True when it was written.
 */
export async function claimAttachment(db: RegionDb, row: typeof supportAttachments.$inferInsert & { createdAt: Date }, limit: number) {
  const [done] = await rawBatch(db, [
    [
      `INSERT INTO support_attachments (id, chat_id, key, name, content_type, size, uploaded_by, created_at)
       SELECT ?, ?, ?, ?, ?, ?, ?, ?
       WHERE EXISTS (SELECT 1 FROM support_chats WHERE id = ? AND status != 'closed')
         AND (SELECT count(*) FROM support_attachments WHERE chat_id = ?) < ?`,
      row.id,
      row.chatId,
      row.key,
      row.name,
      row.contentType,
      row.size,
      row.uploadedBy,
      row.createdAt.getTime(),
      row.chatId,
      row.chatId,
      limit,
    ],
  ]);
  return (done?.meta.changes ?? 0) === 1;
}
/** Takes back a file's row whose bytes were not stored. */
export const deleteAttachment = (db: RegionDb, chatId: string, id: string) =>
  db
    .delete(supportAttachments)
    .where(and(eq(supportAttachments.chatId, chatId), eq(supportAttachments.id, id)))
    .run();
export const selectAttachment = (db: RegionDb, chatId: string, id: string) =>
  db
    .select()
    .from(supportAttachments)
    .where(and(eq(supportAttachments.chatId, chatId), eq(supportAttachments.id, id)))
    .get();
export function selectAttachments(db: RegionDb, chatId: string, ids: string[]) {
  if (ids.length === 0) return Promise.resolve([] as AttachmentRow[]);
  return (
    db
      .select()
      .from(supportAttachments)
      // Each file once and as one parameter: a file may be attached to many of the 200 messages read.
      .where(and(eq(supportAttachments.chatId, chatId), inList(supportAttachments.id, [...new Set(ids)])))
      .all()
  );
}

// Tickets

export const selectTicket = (db: RegionDb, id: string) => db.select().from(supportTickets).where(eq(supportTickets.id, id)).get();

/** A subscriber's requests among `ids`. */
export const selectTicketsOf = (db: RegionDb, subscriberId: string, ids: string[]) =>
  db
    .select()
    .from(supportTickets)
    .where(and(eq(supportTickets.subscriberId, subscriberId), inArray(supportTickets.id, ids)))
    .all();

/** An organisation's requests among `ids`. */
export const selectOrgTickets = (db: RegionDb, orgId: string, ids: string[]) =>
  db
    .select()
    .from(supportTickets)
    .where(and(eq(supportTickets.orgId, orgId), inArray(supportTickets.id, ids)))
    .all();

export function insertTicket(db: RegionDb, row: typeof supportTickets.$inferInsert, eventId: string) {
  return db.batch([
    db.insert(supportTickets).values(row),
    db.insert(ticketEvents).values({
      id: eventId,
      ticketId: row.id,
      fromStatus: null,
      toStatus: row.status,
      actor: "subscriber",
      actorName: null,
      comment: null,
      at: row.createdAt,
    }),
  ]);
}

/**
 * A status move (and its comment) as one transaction, only from the status
 * the caller saw; the history row is written only if the ticket moved.
 */
export async function moveTicket(
  db: RegionDb,
  ticket: Pick<TicketRow, "id" | "status">,
  to: TicketStatus,
  event: { id: string; actor: "subscriber" | "operator" | "system"; actorName: string | null; comment: string | null; at: Date },
  assignee?: { id: string; name: string },
): Promise<boolean> {
  const t = event.at.getTime();
  const [updated] = await rawBatch(db, [
    [
      "UPDATE support_tickets SET status = ?, updated_at = ?, operator_id = coalesce(?, operator_id), operator_name = coalesce(?, operator_name) WHERE id = ? AND status = ?",
      to,
      t,
      assignee?.id ?? null,
      assignee?.name ?? null,
      ticket.id,
      ticket.status,
    ],
    [
      `INSERT INTO ticket_events (id, ticket_id, from_status, to_status, actor, actor_name, comment, at)
         SELECT ?, ?, ?, ?, ?, ?, ?, ? WHERE changes() = 1`,
      event.id,
      ticket.id,
      ticket.status,
      to,
      event.actor,
      event.actorName,
      event.comment,
      t,
    ],
  ]);
  return (updated?.meta.changes ?? 0) === 1;
}

/** A comment without a status move (the ticket's `updated_at` moves so queues sort by activity). */
/** A comment on a request that is not over (closed or cancelled), checked in the same transaction. True when written. */
export async function addTicketComment(
  db: RegionDb,
  ticketId: string,
  event: { id: string; actor: "subscriber" | "operator"; actorName: string | null; comment: string; at: Date },
): Promise<boolean> {
  const t = event.at.getTime();
  const [updated] = await rawBatch(db, [
    ["UPDATE support_tickets SET updated_at = ? WHERE id = ? AND status NOT IN ('closed', 'cancelled')", t, ticketId],
    [
      `INSERT INTO ticket_events (id, ticket_id, from_status, to_status, actor, actor_name, comment, at)
         SELECT ?, ?, NULL, NULL, ?, ?, ?, ? WHERE changes() = 1`,
      event.id,
      ticketId,
      event.actor,
      event.actorName,
      event.comment,
      t,
    ],
  ]);
  return (updated?.meta.changes ?? 0) === 1;
}

/** Reassigns an open ticket without moving its status. */
export function assignTicket(db: RegionDb, ticketId: string, operator: { id: string; name: string } | null, at: Date) {
  return db
    .update(supportTickets)
    .set({ operatorId: operator?.id ?? null, operatorName: operator?.name ?? null, updatedAt: at })
    .where(eq(supportTickets.id, ticketId))
    .run();
}

/** The rating a request's subscriber gave it (one per request: a unique index), if any. */
export const selectTicketRating = async (db: RegionDb, ticketId: string) =>
  (await db.select({ rating: supportFeedback.rating }).from(supportFeedback).where(eq(supportFeedback.ticketId, ticketId)).get())?.rating ??
  null;

export const selectTicketEvents = (db: RegionDb, ticketId: string) =>
  db.select().from(ticketEvents).where(eq(ticketEvents.ticketId, ticketId)).orderBy(asc(ticketEvents.at), asc(ticketEvents.id)).all();

export function selectQueueTickets(db: RegionDb, regions: string[], statuses: readonly TicketStatus[], queue: SupportQueue = "private") {
  return db
    .select()
    .from(supportTickets)
    .where(and(inArray(supportTickets.region, regions), eq(supportTickets.queue, queue), inArray(supportTickets.status, [...statuses])))
    .orderBy(asc(supportTickets.updatedAt))
    .limit(200)
    .all();
}

export function selectResolvedBefore(db: RegionDb, before: Date, limit = 100) {
  return db
    .select()
    .from(supportTickets)
    .where(and(eq(supportTickets.status, "resolved"), lt(supportTickets.updatedAt, before)))
    .limit(limit)
    .all();
}

// Feedback

export const insertFeedback = (db: RegionDb, row: typeof supportFeedback.$inferInsert) =>
  db.insert(supportFeedback).values(row).onConflictDoNothing().run();

export function selectFeedback(db: RegionDb, regions: string[], limit = 50) {
  return db
    .select()
    .from(supportFeedback)
    .where(inArray(supportFeedback.region, regions))
    .orderBy(desc(supportFeedback.createdAt))
    .limit(limit)
    .all();
}

// The directory of a subscriber's chats and tickets (their home shard; the global table's rows of an older
// deployment read beside it until drained), operators

/** A subscriber and their home shard, whose directory a list reads and a new chat or request is entered in. */
export interface DirectoryOwner {
  subscriberId: string;
  homeShard: ShardBinding;
}

/** Enters a chat or request in the subscriber's directory: their home shard's (`directoryHome`), or the global table. */
export async function insertDirectory(data: DataAccess, homeShard: string, row: typeof homeSupportDirectory.$inferInsert) {
  const home = directoryHome(data, homeShard);
  if (home) await home.insert(homeSupportDirectory).values(row).onConflictDoNothing().run();
  else await data.global.insert(supportDirectory).values(row).onConflictDoNothing().run();
}
/** Takes back a directory entry whose chat or request was not made, from where `insertDirectory` wrote it. */
export async function deleteDirectory(data: DataAccess, homeShard: string, id: string) {
  const home = directoryHome(data, homeShard);
  if (home) await home.delete(homeSupportDirectory).where(eq(homeSupportDirectory.id, id)).run();
  else await data.global.delete(supportDirectory).where(eq(supportDirectory.id, id)).run();
}

/**
 * The rows the directory lists, read with one query per region (not one per row), in the directory's order;
 * an entry whose row is missing or not the subscriber's is left out.
 */
export async function selectListed<T extends { id: string }>(
  entries: { id: string; region: string }[],
  load: (region: string, ids: string[]) => Promise<T[]>,
  limit = Number.POSITIVE_INFINITY,
): Promise<T[]> {
  const byRegion = new Map<string, string[]>();
  for (const e of entries) byRegion.set(e.region, [...(byRegion.get(e.region) ?? []), e.id]);
  const found = await Promise.all([...byRegion].map(([region, ids]) => load(region, ids)));
  const rows = new Map(found.flat().map((r) => [r.id, r]));
  return entries.flatMap((e) => rows.get(e.id) ?? []).slice(0, limit);
}

/** How many chats and tickets the subscriber's lists show. */
export const LISTED = { chat: 20, ticket: 50 } as const;
/**
 * Directory entries read beyond a list's length: an entry whose chat or request was never written (its run died
 * between the two writes) is left out of the list, and must not push a real one off it.
 */
const DIRECTORY_SLACK = 10;

const legacyDirectoryOf = (db: GlobalDb, who: string | SessionSubscriber, kind: "chat" | "ticket", limit: number) =>
  db
    .select()
    .from(supportDirectory)
    .where(and(subscriberIs(supportDirectory.subscriberId, who), eq(supportDirectory.kind, kind)))
    .orderBy(desc(supportDirectory.createdAt))
    .limit(limit + DIRECTORY_SLACK);
/** The global table's entries (an older deployment's, until drained), read with the session. */
const LEGACY_DIRECTORY_READ = {
  chat: readWithSession(["GET /api/v1/support/chats"], (db, who) => legacyDirectoryOf(db, who, "chat", LISTED.chat)),
  ticket: readWithSession(["GET /api/v1/support/tickets"], (db, who) => legacyDirectoryOf(db, who, "ticket", LISTED.ticket)),
};

/**
 * The subscriber's newest directory entries of a kind: their home shard's, and the global table's an older deployment
 * wrote (read with the session; housekeeping drains them into the home shard), each once, newest first.
 */
export async function selectDirectory(data: DataAccess, owner: DirectoryOwner, kind: "chat" | "ticket", limit: number = LISTED[kind]) {
  const home = directoryToRead(data, owner.homeShard);
  const [own, legacy] = await Promise.all([
    home
      ? home
          .select()
          .from(homeSupportDirectory)
          .where(and(eq(homeSupportDirectory.subscriberId, owner.subscriberId), eq(homeSupportDirectory.kind, kind)))
          .orderBy(desc(homeSupportDirectory.createdAt))
          .limit(limit + DIRECTORY_SLACK)
          .all()
      : [],
    (limit === LISTED[kind] ? preread(data.global, owner.subscriberId, LEGACY_DIRECTORY_READ[kind]) : undefined) ??
      legacyDirectoryOf(data.global, owner.subscriberId, kind, limit),
  ]);
  const seen = new Set<string>();
  return [...own, ...legacy]
    .filter((e) => !seen.has(e.id) && seen.add(e.id))
    .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0))
    .slice(0, limit + DIRECTORY_SLACK);
}

export const selectOperatorByLogin = (db: GlobalDb, login: string) => db.select().from(operators).where(eq(operators.login, login)).get();
export const selectOperator = (db: GlobalDb, id: string) => db.select().from(operators).where(eq(operators.id, id)).get();
export const selectOperators = (db: GlobalDb) => db.select().from(operators).orderBy(asc(operators.displayName)).all();

/** Replaces an operator's password record only if it is still `current`. */
export const updateOperatorPasswordHash = (db: GlobalDb, id: string, current: string, next: string) =>
  db
    .update(operators)
    .set({ passwordHash: next })
    .where(and(eq(operators.id, id), eq(operators.passwordHash, current)))
    .run();

/**
 * The subscriber's link to an account (owner, payer or viewer), with the account's region; undefined for a stranger's.
 * From their home shard and the directory (platform/links.ts).
 */
export async function selectAccountLink(data: DataAccess, who: LinksHolder, accountNo: string) {
  const link = await linkOf(data, who, accountNo);
  return link ? { role: link.role, region: link.region } : undefined;
}

/** A subscriber's name and phone: whom a call-back request calls. */
export async function selectSubscriberContact(db: GlobalDb, subscriberId: string) {
  return db
    .select({ name: subscribers.displayName, phone: subscribers.phone })
    .from(subscribers)
    .where(eq(subscribers.id, subscriberId))
    .get();
}

const nameOf = (db: GlobalDb, who: string | SessionSubscriber) =>
  db.select({ name: subscribers.displayName }).from(subscribers).where(subscriberIs(subscribers.id, who)).limit(1);
/** The name a chat shows for the subscriber, read with the session on the chat's routes. */
const NAME_READ = readWithSession(
  [
    "GET /api/v1/support/chats/:chatId",
    "POST /api/v1/support/chats/:chatId/messages",
    "POST /api/v1/support/chats/:chatId/read",
    "POST /api/v1/support/chats/:chatId/close",
  ],
  nameOf,
);

export async function selectSubscriberName(db: GlobalDb, subscriberId: string) {
  const [row] = preread(db, subscriberId, NAME_READ) ?? (await nameOf(db, subscriberId));
  return row?.name ?? "";
}
