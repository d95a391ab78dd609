import {
  ATTACHMENT_MAX_BYTES,
  ATTACHMENT_TYPES,
  ATTACHMENTS_PER_CHAT,
  type AttachmentType,
  CANNED_ANSWERS,
  type ChatTopic,
  DEFAULT_HANDLING_MS,
  HANDLING_SAMPLE,
  HANDLING_WINDOW_MS,
  MESSAGE_MAX_CHARS,
} from "../../data/support.data";
import type { ChatAuthor, SupportQueue } from "../../db/schema/region";
import { randomToken, sha256Hex, timingSafeEqual } from "../../platform/crypto";
import type { DataAccess, RegionDb, ShardBinding } from "../../platform/db";
import { shardOfRegion } from "../../platform/db";
import { AppError } from "../../platform/errors";
import type { Lang } from "../../platform/i18n";
import { newId } from "../../platform/ids";
import { log } from "../../platform/log";
import type { OperatorInfo } from "../../platform/operator";
import { regionByCode } from "../../platform/region";
import { guardCount } from "../../platform/throttle";
import type { ChatEvent, ChatRoom } from "./chat.room";
import * as q from "./support.queries";

export type ChatRooms = DurableObjectNamespace<ChatRoom>;

/** What the chat functions need from the environment. */
export interface ChatDeps {
  data: DataAccess;
  rooms: ChatRooms;
  files: R2Bucket;
  notify: (message: unknown) => Promise<void>;
}

/** Who is acting: a signed-in subscriber, a visitor holding the chat's key, or an operator. */
export type Party =
  | { side: "customer"; subscriberId: string; name: string }
  | { side: "customer"; visitorKey: string }
  | { side: "operator"; operator: OperatorInfo };

export interface AttachmentDto {
  id: string;
  name: string;
  contentType: string;
  size: number;
  url: string;
}

/** What a system line says, by key: its text is made in each reader's language (stored so since the chat is read in both). */
export type SystemLine = { key: "joined"; name: string } | { key: "passed"; name: string } | { key: "queued" } | { key: "ended" };

const SYSTEM_TEXT: { [K in SystemLine["key"]]: Record<Lang, (l: Extract<SystemLine, { key: K }>) => string> } = {
  joined: { ru: (l) => `Оператор ${l.name} подключился к чату`, en: (l) => `${l.name} joined the chat` },
  passed: { ru: (l) => `Чат передан оператору ${l.name}`, en: (l) => `The chat was passed to ${l.name}` },
  queued: {
    ru: () => "Чат передан в очередь: ответит первый освободившийся оператор",
    en: () => "The chat is back in the queue: the next free operator will answer",
  },
  ended: { ru: () => "Чат завершён", en: () => "The chat has ended" },
};

export function systemText(line: SystemLine, lang: Lang): string {
  return (SYSTEM_TEXT[line.key][lang] as (l: SystemLine) => string)(line);
}

/** A stored system line: JSON with its key (lines written before this were plain text, shown as they are). */
function parseSystemLine(text: string): SystemLine | null {
  if (!text.startsWith("{")) return null;
  try {
    const v = JSON.parse(text) as { key?: unknown; name?: unknown };
    if (v.key === "queued" || v.key === "ended") return { key: v.key };
    if ((v.key === "joined" || v.key === "passed") && typeof v.name === "string") return { key: v.key, name: v.name };
  } catch {
    // plain text
  }
  return null;
}

export interface MessageDto {
  id: string;
  seq: number;
  author: ChatAuthor;
  authorName: string | null;
  /** For a system line, in the language of the request (the live room's copy: Russian; its `system` lets a page write its own). */
  text: string;
  system?: SystemLine;
  attachment: AttachmentDto | null;
  clientId: string | null;
  createdAt: string;
}

export interface ChatDto {
  id: string;
  region: string;
  status: "waiting" | "active" | "closed";
  topic: string;
  accountNo: string | null;
  operatorName: string | null;
  lastSeq: number;
  customerReadSeq: number;
  operatorReadSeq: number;
  createdAt: string;
  updatedAt: string;
  closedAt: string | null;
  queue: SupportQueue;
  /** A business cabinet's chat: its organisation. */
  orgId: string | null;
}

export interface OperatorChatDto extends ChatDto {
  operatorId: string | null;
  customerName: string;
  customerPhone: string | null;
  subscriberId: string | null;
  kind: "subscriber" | "visitor";
  /** A business chat's company: the organisation's name and ИНН, or what a visitor gave. */
  company: string | null;
}

/** Chats and tickets carry their region in the id (`msk_…`): the shard is known without a lookup. */
export function regionOfId(id: string): string {
  const region = /^([a-z]{2,8})_[0-9a-v]{26}$/.exec(id)?.[1];
  if (!region || !regionByCode(region) || !shardOfRegion(region)) throw new AppError(404, "not_found");
  return region;
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function chatDto(c: q.ChatRow): ChatDto {
  return {
    id: c.id,
    region: c.region,
    status: c.status,
    topic: c.topic,
    accountNo: c.accountNo,
    operatorName: c.operatorName,
    lastSeq: c.lastSeq,
    customerReadSeq: c.customerReadSeq,
    operatorReadSeq: c.operatorReadSeq,
    createdAt: c.createdAt.toISOString(),
    updatedAt: c.updatedAt.toISOString(),
    closedAt: iso(c.closedAt),
    queue: c.queue,
    orgId: c.orgId,
  };
}

export function operatorChatDto(c: q.ChatRow, customerName: string): OperatorChatDto {
  return {
    ...chatDto(c),
    operatorId: c.operatorId,
    customerName,
    customerPhone: c.visitorPhone,
    subscriberId: c.subscriberId,
    kind: c.subscriberId ? "subscriber" : "visitor",
    company: c.company,
  };
}

function attachmentUrl(side: Party["side"], chatId: string, id: string) {
  return side === "operator" ? `/ops/v1/support/chats/${chatId}/attachments/${id}` : `/api/v1/support/chats/${chatId}/attachments/${id}`;
}

async function messageDtos(db: RegionDb, side: Party["side"], rows: q.MessageRow[], lang: Lang = "ru"): Promise<MessageDto[]> {
  const ids = rows.flatMap((m) => (m.attachmentId ? [m.attachmentId] : []));
  const chatId = rows[0]?.chatId ?? "";
  const files = new Map((await q.selectAttachments(db, chatId, ids)).map((a) => [a.id, a]));
  return rows.map((m) => {
    const a = m.attachmentId ? files.get(m.attachmentId) : undefined;
    const system = m.author === "system" ? parseSystemLine(m.text) : null;
    return {
      id: m.id,
      seq: m.seq,
      author: m.author,
      authorName: m.authorName,
      text: system ? systemText(system, lang) : m.text,
      ...(system ? { system } : {}),
      attachment: a ? { id: a.id, name: a.name, contentType: a.contentType, size: a.size, url: attachmentUrl(side, m.chatId, a.id) } : null,
      clientId: side === "operator" ? null : m.clientId,
      createdAt: m.createdAt.toISOString(),
    };
  });
}

/**
 * The chat if this party may see it, else the same 404 as for a chat that
 * does not exist: a subscriber sees their own, a visitor the one whose key
 * they hold, an operator the chats of their regions.
 */
export async function openChat(data: DataAccess, party: Party, chatId: string): Promise<{ db: RegionDb; chat: q.ChatRow }> {
  const region = regionOfId(chatId);
  const db = data.shardForRegion(region);
  const chat = await q.selectChat(db, chatId);
  if (!chat || !(await mayAccess(party, chat))) throw new AppError(404, "not_found");
  return { db, chat };
}

async function mayAccess(party: Party, chat: q.ChatRow): Promise<boolean> {
  if (party.side === "operator") return party.operator.regions.includes(chat.region);
  if ("subscriberId" in party) return chat.subscriberId === party.subscriberId;
  return !!chat.visitorKeyHash && timingSafeEqual(await sha256Hex(party.visitorKey), chat.visitorKeyHash);
}

function room(rooms: ChatRooms, chatId: string) {
  return rooms.get(rooms.idFromName(chatId));
}

/** Publishes to the chat's live room; a failure there loses nothing (clients catch up from D1), so it is logged, not thrown. */
export async function publish(
  rooms: ChatRooms,
  chatId: string,
  event: ChatEvent,
): Promise<{ operators: number; customers: number } | null> {
  try {
    const chatRoom = room(rooms, chatId);
    await chatRoom.publish(event);
    return await chatRoom.presence();
  } catch (err) {
    log("warn", "support.publish_failed", { error: err instanceof Error ? err.name : "unknown" });
    return null;
  }
}

/** Forwards an authorized WebSocket upgrade to the chat's room, naming the side (the room trusts only the Worker). */
export function connect(rooms: ChatRooms, chatId: string, side: "customer" | "operator", request: Request): Promise<Response> {
  const headers = new Headers(request.headers);
  headers.set("x-chat-side", side);
  return room(rooms, chatId).fetch(new Request(request.url, { headers }));
}

export interface StartChatInput {
  region: string;
  topic: ChatTopic;
  text?: string | undefined;
  accountNo?: string | null | undefined;
  clientId?: string | undefined;
  /** The business queue: a business cabinet's chat (`orgId`) or a business visitor's (`company`). */
  business?: { orgId: string | null; company: string | null } | undefined;
}

/**
 * Starts a chat. A signed-in subscriber has at most one open chat per region:
 * starting again returns it. A visitor gets a new chat and its key (kept by
 * the browser in an HttpOnly cookie, only its hash here).
 */
export async function startChat(
  deps: ChatDeps,
  who: { subscriberId: string; homeShard: ShardBinding; name: string } | { visitorName: string; visitorPhone: string },
  input: StartChatInput,
  now = new Date(),
): Promise<{ chat: ChatDto; visitorKey: string | null; created: boolean }> {
  const db = deps.data.shardForRegion(input.region);
  const queue = input.business ? "business" : "private";
  const orgId = input.business?.orgId ?? null;
  const id = `${input.region}_${newId(now.getTime())}`;
  const shard = shardOfRegion(input.region) as string;
  if ("subscriberId" in who) {
    // The open chat, else a new one claimed in one statement with the check (requests at the same moment start one).
    // A claim lost to a chat that was closed again before it could be read is tried again.
    for (let attempt = 0; ; attempt++) {
      const open = await q.selectOpenChatOf(db, who.subscriberId, input.region, queue, orgId);
      if (open) {
        if (input.text)
          await postMessage(deps, { side: "customer", subscriberId: who.subscriberId, name: who.name }, open.id, {
            text: input.text,
            clientId: input.clientId,
          });
        return { chat: chatDto((await q.selectChat(db, open.id)) ?? open), visitorKey: null, created: false };
      }
      // Its directory entry first: a run that dies after the claim leaves a chat the subscriber's list still finds
      // (an entry whose chat was never made is left out of the list, and taken back when the claim is lost).
      const entry = { id, kind: "chat" as const, subscriberId: who.subscriberId, region: input.region, shard, createdAt: now };
      await q.insertDirectory(deps.data, who.homeShard, entry);
      const claimed = await q.claimSubscriberChat(db, {
        id,
        region: input.region,
        subscriberId: who.subscriberId,
        visitorName: who.name,
        accountNo: input.accountNo ?? null,
        topic: input.topic,
        queue,
        orgId,
        company: input.business?.company ?? null,
        createdAt: now,
      });
      if (claimed) break;
      await q.deleteDirectory(deps.data, who.homeShard, id);
      if (attempt === 2) throw new AppError(409, "chat_changed");
    }
  }
  const visitorKey = "subscriberId" in who ? null : randomToken();
  if (!("subscriberId" in who))
    await q.insertChat(db, {
      id,
      region: input.region,
      subscriberId: null,
      visitorName: who.visitorName,
      visitorPhone: who.visitorPhone,
      visitorKeyHash: await sha256Hex(visitorKey as string),
      accountNo: input.accountNo ?? null,
      topic: input.topic,
      status: "waiting",
      createdAt: now,
      updatedAt: now,
      queue,
      orgId,
      company: input.business?.company ?? null,
    });
  const party: Party = "subscriberId" in who ? { side: "customer", ...who } : { side: "customer", visitorKey: visitorKey as string };
  if (input.text) await postMessage(deps, party, id, { text: input.text, clientId: input.clientId }, now);
  const chat = await q.selectChat(db, id);
  if (!chat) throw new Error("chat vanished");
  return { chat: chatDto(chat), visitorKey, created: true };
}

/** Where a waiting chat stands: its place in the region's queue and the estimated wait in whole minutes (at least 1). */
export interface QueueDto {
  position: number;
  waitMinutes: number;
}

/** The queue estimate of a waiting chat (null once an operator has it): place × recent average handling time. */
export async function queueEstimate(db: RegionDb, chat: q.ChatRow, now = new Date()): Promise<QueueDto | null> {
  if (chat.status !== "waiting") return null;
  const { position, averageMs } = await q.selectQueueStats(db, chat, new Date(now.getTime() - HANDLING_WINDOW_MS), HANDLING_SAMPLE);
  const place = Math.max(1, position);
  return { position: place, waitMinutes: Math.max(1, Math.round((place * (averageMs ?? DEFAULT_HANDLING_MS)) / 60_000)) };
}

export async function chatWithMessages(data: DataAccess, party: Party, chatId: string, afterSeq: number, lang: Lang = "ru") {
  const { db, chat } = await openChat(data, party, chatId);
  const rows = await q.selectMessages(db, chat.id, afterSeq, 200);
  // The estimate is the waiting customer's; the console shows the queue itself.
  const queue = party.side === "customer" ? await queueEstimate(db, chat) : null;
  return { chat, messages: await messageDtos(db, party.side, rows, lang), queue };
}

function authorOf(party: Party, chat: q.ChatRow): { author: ChatAuthor; name: string | null } {
  if (party.side === "operator") return { author: "operator", name: party.operator.name };
  return { author: chat.subscriberId ? "subscriber" : "visitor", name: chat.visitorName };
}

/**
 * Appends a message and publishes it to the live room. The client's id makes
 * a resend (a retry, the offline outbox) return the first message instead of
 * adding another. An operator writes only in a chat they have taken. A reply
 * to a subscriber who has no socket open in the chat is also notified.
 */
export async function postMessage(
  deps: ChatDeps,
  party: Party,
  chatId: string,
  input: { text?: string | undefined; clientId?: string | undefined; attachmentId?: string | undefined },
  now = new Date(),
): Promise<MessageDto> {
  const { db, chat } = await openChat(deps.data, party, chatId);
  const text = (input.text ?? "").trim().slice(0, MESSAGE_MAX_CHARS);
  const clientId = input.clientId ?? newId(now.getTime());
  const existing = await q.selectMessageByClientId(db, chat.id, clientId);
  if (existing) return (await messageDtos(db, party.side, [existing]))[0] as MessageDto;
  if (!text && !input.attachmentId) throw new AppError(400, "message_empty");
  if (chat.status === "closed") throw new AppError(409, "chat_closed");
  if (party.side === "operator" && chat.operatorId !== party.operator.id) throw new AppError(409, "chat_not_taken");
  if (input.attachmentId && !(await q.selectAttachment(db, chat.id, input.attachmentId))) throw new AppError(404, "not_found");
  const { author, name } = authorOf(party, chat);
  await guardCount("messages", `${chat.id}:${author}`, now.getTime());
  const appended = await q.appendMessage(db, {
    id: newId(now.getTime()),
    chatId: chat.id,
    author,
    authorName: name,
    text,
    attachmentId: input.attachmentId ?? null,
    clientId,
    at: now,
  });
  const row = await q.selectMessageByClientId(db, chat.id, clientId);
  if (!row) throw new AppError(409, "chat_closed"); // closed between the read and the write
  const message = (await messageDtos(db, party.side, [row]))[0] as MessageDto;
  if (appended) {
    const presence = await publish(deps.rooms, chat.id, { type: "message", message });
    if (author === "operator" && chat.subscriberId && !(presence && presence.customers > 0)) {
      await deps.notify({
        channel: "event",
        eventId: `chat:${row.id}`,
        kind: "support_reply",
        subscriberId: chat.subscriberId,
        accountNo: chat.accountNo,
        params: { chat: "1", url: "/support/chat", operator: name ?? "" },
      });
    }
  }
  return message;
}

/**
 * A system line in the chat ("Оператор подключился"): numbered like any message, published the same way.
 * Stored as its key, not as text in the language of whoever caused it: each side reads it in its own.
 */
async function systemLine(deps: ChatDeps, db: RegionDb, chatId: string, line: SystemLine, now: Date) {
  const text = JSON.stringify(line);
  const clientId = `sys:${newId(now.getTime())}`;
  await q.appendMessage(db, {
    id: newId(now.getTime()),
    chatId,
    author: "system",
    authorName: null,
    text,
    attachmentId: null,
    clientId,
    at: now,
  });
  const row = await q.selectMessageByClientId(db, chatId, clientId);
  if (row) await publish(deps.rooms, chatId, { type: "message", message: (await messageDtos(db, "customer", [row]))[0] });
}

export async function markRead(deps: ChatDeps, party: Party, chatId: string, seq: number) {
  const { db, chat } = await openChat(deps.data, party, chatId);
  const side = party.side;
  await q.markRead(db, chat.id, side, seq);
  const after = await q.selectChat(db, chat.id);
  const mark = side === "operator" ? (after?.operatorReadSeq ?? 0) : (after?.customerReadSeq ?? 0);
  await publish(deps.rooms, chat.id, { type: "read", side, seq: mark });
  return { seq: mark };
}

async function publishChat(deps: ChatDeps, db: RegionDb, chatId: string) {
  const chat = await q.selectChat(db, chatId);
  if (chat) await publish(deps.rooms, chatId, { type: "chat", chat: chatDto(chat) });
  return chat;
}

/** An operator takes a waiting chat (or one already theirs); another operator's chat is refused with their name. */
export async function takeChat(deps: ChatDeps, operator: OperatorInfo, chatId: string, now = new Date()) {
  const { db, chat } = await openChat(deps.data, { side: "operator", operator }, chatId);
  if (chat.status === "closed") throw new AppError(409, "chat_closed");
  if (chat.operatorId === operator.id) return chat;
  if (chat.operatorId) throw new AppError(409, "chat_taken", { name: chat.operatorName ?? "" });
  if (!(await q.assignChat(db, chat, { status: "active", operatorId: operator.id, operatorName: operator.name }, now))) {
    const now2 = await q.selectChat(db, chat.id);
    throw new AppError(409, "chat_taken", { name: now2?.operatorName ?? "" });
  }
  await systemLine(deps, db, chat.id, { key: "joined", name: operator.name }, now);
  return (await publishChat(deps, db, chat.id)) ?? chat;
}

/** Hands a taken chat to a colleague who serves its region, or back to the region's queue (`to` null). */
export async function transferChat(
  deps: ChatDeps,
  operator: OperatorInfo,
  chatId: string,
  to: { id: string; name: string; regions: string[] } | null,
  now = new Date(),
) {
  const { db, chat } = await openChat(deps.data, { side: "operator", operator }, chatId);
  if (chat.status === "closed") throw new AppError(409, "chat_closed");
  if (chat.operatorId !== operator.id) throw new AppError(409, "chat_not_taken");
  if (to && !to.regions.includes(chat.region)) throw new AppError(400, "operator_region");
  const next = to
    ? { status: "active" as const, operatorId: to.id, operatorName: to.name }
    : { status: "waiting" as const, operatorId: null, operatorName: null };
  if (!(await q.assignChat(db, chat, next, now))) throw new AppError(409, "chat_taken", { name: "" });
  await systemLine(deps, db, chat.id, to ? { key: "passed", name: to.name } : { key: "queued" }, now);
  return (await publishChat(deps, db, chat.id)) ?? chat;
}

/** Ends a chat (either side). The subscriber may then rate it. */
export async function closeChat(deps: ChatDeps, party: Party, chatId: string, now = new Date()) {
  const opened = await openChat(deps.data, party, chatId);
  const db = opened.db;
  let chat = opened.chat;
  // The closing line and the close in one transaction, from the state read: both sides closing at once post one
  // «ended», and a close that a transfer overtook looks again (an operator's, at a chat no longer theirs, is a 409).
  for (let attempt = 0; ; attempt++) {
    if (chat.status === "closed") return chat;
    if (party.side === "operator" && chat.operatorId !== party.operator.id) throw new AppError(409, "chat_not_taken");
    const line = {
      id: newId(now.getTime()),
      text: JSON.stringify({ key: "ended" } satisfies SystemLine),
      clientId: `sys:${newId(now.getTime())}`,
    };
    if (await q.closeChatWithLine(db, chat, line, now)) {
      const row = await q.selectMessageByClientId(db, chat.id, line.clientId);
      if (row) await publish(deps.rooms, chat.id, { type: "message", message: (await messageDtos(db, "customer", [row]))[0] });
      return (await publishChat(deps, db, chat.id)) ?? chat;
    }
    const again = await q.selectChat(db, chat.id);
    if (!again) throw new AppError(404, "not_found");
    if (attempt === 2 && again.status !== "closed") throw new AppError(409, "chat_changed");
    chat = again;
  }
}

/** The type a file's first bytes say it is, if it is one we take. */
export function sniffType(bytes: Uint8Array): AttachmentType | null {
  const starts = (sig: number[], at = 0) => sig.every((b, i) => bytes[at + i] === b);
  if (starts([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return "image/png";
  if (starts([0xff, 0xd8, 0xff])) return "image/jpeg";
  if (starts([0x52, 0x49, 0x46, 0x46]) && starts([0x57, 0x45, 0x42, 0x50], 8)) return "image/webp";
  if (starts([0x25, 0x50, 0x44, 0x46, 0x2d])) return "application/pdf";
  return null;
}

/**
 * A file name safe to show and to put in Content-Disposition: no paths, no
 * control characters, at most 120 characters. Counted by code point and
 * without lone surrogates: half an emoji cannot be percent-encoded.
 */
export function cleanFileName(name: string, type: AttachmentType): string {
  const kept = [...(name.split(/[\\/]/).pop() ?? "")].filter((ch) => {
    const code = ch.charCodeAt(0);
    const loneSurrogate = ch.length === 1 && code >= 0xd800 && code <= 0xdfff;
    return code > 0x1f && code !== 0x7f && !loneSurrogate && !'"<>|:*?'.includes(ch);
  });
  const base = [...kept.join("").trim()].slice(0, 120).join("");
  const ext = { "image/png": "png", "image/jpeg": "jpg", "image/webp": "webp", "application/pdf": "pdf" }[type];
  return base || `file.${ext}`;
}

/**
 * Stores a file for a chat (R2) after checking it: at most 5 MB, and an image
 * or PDF by its first bytes, which must agree with the declared type (a
 * renamed executable is refused). The message that carries it is sent next.
 */
export async function uploadAttachment(
  deps: ChatDeps,
  party: Party,
  chatId: string,
  file: { bytes: Uint8Array; declaredType: string; name: string },
  now = new Date(),
): Promise<AttachmentDto> {
  const { db, chat } = await openChat(deps.data, party, chatId);
  if (chat.status === "closed") throw new AppError(409, "chat_closed");
  if (file.bytes.byteLength > ATTACHMENT_MAX_BYTES)
    throw new AppError(413, "attachment_too_large", { mb: ATTACHMENT_MAX_BYTES / 1024 / 1024 });
  const sniffed = sniffType(file.bytes);
  const declared = file.declaredType.split(";")[0]?.trim().toLowerCase();
  if (!sniffed || sniffed !== declared || !(ATTACHMENT_TYPES as readonly string[]).includes(sniffed))
    throw new AppError(415, "attachment_type");
  const id = newId(now.getTime());
  const key = `support/${chat.region}/${chat.id}/${id}`;
  const name = cleanFileName(file.name, sniffed);
  // The row is claimed before the bytes are stored, in one statement with the chat's limit and status: uploads sent
  // at the same moment cannot pass the limit together, nor store files no row counts.
  const row = {
    id,
    chatId: chat.id,
    key,
    name,
    contentType: sniffed,
    size: file.bytes.byteLength,
    uploadedBy: party.side === "operator" ? ("operator" as const) : chat.subscriberId ? ("subscriber" as const) : ("visitor" as const),
    createdAt: now,
  };
  if (!(await q.claimAttachment(db, row, ATTACHMENTS_PER_CHAT))) {
    // Closed meanwhile, or full.
    if ((await q.selectChat(db, chat.id))?.status === "closed") throw new AppError(409, "chat_closed");
    throw new AppError(409, "attachment_limit", { n: ATTACHMENTS_PER_CHAT });
  }
  try {
    await deps.files.put(key, file.bytes, { httpMetadata: { contentType: sniffed } });
  } catch (e) {
    await q.deleteAttachment(db, chat.id, id);
    throw e;
  }
  return { id, name, contentType: sniffed, size: file.bytes.byteLength, url: attachmentUrl(party.side, chat.id, id) };
}

/** A chat's file for one of its parties: served as a download, never rendered as our page. */
export async function downloadAttachment(deps: ChatDeps, party: Party, chatId: string, attachmentId: string): Promise<Response> {
  const { db, chat } = await openChat(deps.data, party, chatId);
  const a = await q.selectAttachment(db, chat.id, attachmentId);
  const object = a ? await deps.files.get(a.key) : null;
  if (!a || !object) throw new AppError(404, "not_found");
  const inline = a.contentType.startsWith("image/");
  return new Response(object.body, {
    headers: {
      "content-type": a.contentType,
      "content-length": String(a.size),
      "content-disposition": `${inline ? "inline" : "attachment"}; filename*=UTF-8''${encodeURIComponent(a.name)}`,
      "cache-control": "private, no-store",
      "content-security-policy": "default-src 'none'; sandbox",
      "x-content-type-options": "nosniff",
    },
  });
}

export function cannedAnswers(lang: Lang, operatorName: string) {
  return CANNED_ANSWERS.map((a) => ({ id: a.id, title: a.title[lang], text: a.text[lang].replace("{operator}", operatorName) }));
}
