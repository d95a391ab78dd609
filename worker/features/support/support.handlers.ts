import type { RouteHandler } from "@hono/zod-openapi";
import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import type { AppEnv } from "../../env";
import { clientAddress } from "../../platform/client";
import { hasOwnOrigin } from "../../platform/csrf";
import { AppError } from "../../platform/errors";
import { notifier } from "../../platform/notify";
import { clearOperatorCookie, endOperatorSession, requireOperator, setOperatorCookie } from "../../platform/operator";
import { guardCount } from "../../platform/throttle";
import { decodeHeader } from "../../platform/validation";
import { parseInn } from "../business/business.service";
import * as callbacks from "./callbacks.service";
import * as chats from "./chat.service";
import * as ops from "./operators.service";
import {
  LISTED,
  selectAccountLink,
  selectChatsOf,
  selectDirectory,
  selectListed,
  selectSubscriberContact,
  selectSubscriberName,
} from "./support.queries";
import type * as r from "./support.routes";
import * as tickets from "./tickets.service";

/** The visitor's chat key: `<chatId>.<key>`, only for the support API of this host. */
const VISITOR_COOKIE = "kab_chat";
const VISITOR_COOKIE_PATH = "/api/v1/support";

const noStore = (c: Context<AppEnv>) => c.header("cache-control", "private, no-store");

export function chatDeps(c: Context<AppEnv>): chats.ChatDeps {
  return { data: c.get("data"), rooms: c.env.CHAT_ROOMS, files: c.env.FILES, notify: notifier(c.env) };
}

function siteRegion(c: Context<AppEnv>) {
  const region = c.get("region");
  if (!region) throw new AppError(400, "region_required");
  return region.code;
}

function visitorCookie(c: Context<AppEnv>): { chatId: string; key: string } | null {
  const raw = getCookie(c, VISITOR_COOKIE);
  const m = raw ? /^([a-z]{2,8}_[0-9a-v]{26})\.([\w-]{20,100})$/.exec(raw) : null;
  return m ? { chatId: m[1] as string, key: m[2] as string } : null;
}

/** The customer side of a chat: the visitor holding this chat's key, else the signed-in subscriber; else 401. */
async function customer(c: Context<AppEnv>, chatId?: string): Promise<chats.Party> {
  const visitor = visitorCookie(c);
  if (visitor && (!chatId || visitor.chatId === chatId)) return { side: "customer", visitorKey: visitor.key };
  const session = c.get("session");
  if (session)
    return {
      side: "customer",
      subscriberId: session.subscriberId,
      name: await selectSubscriberName(c.get("data").global, session.subscriberId),
    };
  throw new AppError(401, "unauthorized");
}

const operatorParty = (c: Context<AppEnv>): chats.Party => ({ side: "operator", operator: requireOperator(c) });

// Subscribers and visitors

export const startChatHandler: RouteHandler<typeof r.startChatRoute, AppEnv> = async (c) => {
  const body = c.req.valid("json");
  const region = siteRegion(c);
  const session = c.get("session");
  // The business chat's ИНН is optional, but one given must be a real one (checked before the visitor's quota is spent).
  const inn = body.inn ? parseInn(body.inn) : null;
  if (body.queue === "business" && body.inn && !inn) throw new AppError(400, "validation", {}, [{ field: "inn", message: "field.inn" }]);
  const deps = chatDeps(c);
  let who: Parameters<typeof chats.startChat>[1];
  if (session) {
    if (body.accountNo) {
      if (!(await selectAccountLink(deps.data, { id: session.subscriberId, homeShard: session.homeShard }, body.accountNo)))
        throw new AppError(404, "not_found");
    }
    who = {
      subscriberId: session.subscriberId,
      homeShard: session.homeShard,
      name: await selectSubscriberName(deps.data.global, session.subscriberId),
    };
  } else {
    const fields = [
      ...(body.name ? [] : [{ field: "name", message: "field.support.name" }]),
      ...(body.phone ? [] : [{ field: "phone", message: "field.phone" }]),
      ...(body.queue === "business" && !body.company ? [{ field: "company", message: "field.support.company" }] : []),
    ];
    if (fields.length) throw new AppError(400, "validation", {}, fields);
    await guardCount("chats", clientAddress(c));
    who = { visitorName: body.name as string, visitorPhone: body.phone as string };
  }

  const started = await chats.startChat(deps, who, {
    region,
    topic: body.topic,
    text: body.text,
    clientId: body.clientId,
    accountNo: session ? body.accountNo : null,
    business:
      body.queue === "business" ? { orgId: null, company: body.company ? `${body.company}${inn ? `, ИНН ${inn}` : ""}` : null } : undefined,
  });
  if (started.visitorKey) {
    setCookie(c, VISITOR_COOKIE, `${started.chat.id}.${started.visitorKey}`, {
      path: VISITOR_COOKIE_PATH,
      httpOnly: true,
      secure: new URL(c.req.url).protocol === "https:",
      sameSite: "Strict",
      maxAge: 30 * 24 * 3600,
    });
  }
  noStore(c);
  return c.json({ chat: started.chat }, started.created ? 201 : 200);
};

export const callbackSlotsHandler: RouteHandler<typeof r.callbackSlotsRoute, AppEnv> = async (c) => {
  const region = siteRegion(c);
  noStore(c);
  return c.json(
    {
      tz: c.get("region")?.tz ?? "Europe/Moscow",
      slots: await callbacks.freeSlots(c.get("data").global, region, new Date(), c.get("session")?.subscriberId),
    },
    200,
  );
};

export const requestCallbackHandler: RouteHandler<typeof r.requestCallbackRoute, AppEnv> = async (c) => {
  const body = c.req.valid("json");
  const region = siteRegion(c);
  const session = c.get("session");
  const db = c.get("data").global;
  let who: callbacks.CallbackWho;
  if (session) {
    const contact = await selectSubscriberContact(db, session.subscriberId);
    // The phone given, else the one in the profile.
    const phone = body.phone ?? contact?.phone;
    if (!contact || !phone) throw new AppError(400, "validation", {}, [{ field: "phone", message: "field.phone" }]);
    who = { subscriberId: session.subscriberId, name: contact.name, phone };
  } else {
    const fields = [
      ...(body.name ? [] : [{ field: "name", message: "field.support.name" }]),
      ...(body.phone ? [] : [{ field: "phone", message: "field.phone" }]),
    ];
    if (fields.length) throw new AppError(400, "validation", {}, fields);
    who = { visitorName: body.name as string, visitorPhone: body.phone as string };
  }
  const callback = await callbacks.requestCallback(
    db,
    who,
    { region, topic: body.topic, slotStart: body.slotStart },
    session ? `sub:${session.subscriberId}` : `addr:${clientAddress(c)}`,
  );
  noStore(c);
  return c.json({ callback }, 201);
};

export const myCallbackHandler: RouteHandler<typeof r.myCallbackRoute, AppEnv> = async (c) => {
  const session = c.get("session");
  if (!session) throw new AppError(401, "unauthorized");
  noStore(c);
  return c.json({ callback: await callbacks.myCallback(c.get("data").global, session.subscriberId) }, 200);
};

export const myChatsHandler: RouteHandler<typeof r.myChatsRoute, AppEnv> = async (c) => {
  noStore(c);
  const data = c.get("data");
  const visitor = visitorCookie(c);
  const session = c.get("session");
  const items: chats.ChatDto[] = [];
  if (visitor) {
    try {
      items.push(chats.chatDto((await chats.openChat(data, { side: "customer", visitorKey: visitor.key }, visitor.chatId)).chat));
    } catch {
      deleteCookie(c, VISITOR_COOKIE, { path: VISITOR_COOKIE_PATH });
    }
  }
  if (session) {
    const entries = await selectDirectory(data, session, "chat");
    const rows = await selectListed(
      entries,
      (region, ids) => selectChatsOf(data.shardForRegion(region), session.subscriberId, ids),
      LISTED.chat,
    );
    items.push(...rows.map((row) => chats.chatDto(row)));
  }
  return c.json({ items }, 200);
};

export const chatHandler: RouteHandler<typeof r.chatRoute, AppEnv> = async (c) => {
  const { chatId } = c.req.valid("param");
  const { chat, messages, queue } = await chats.chatWithMessages(
    c.get("data"),
    await customer(c, chatId),
    chatId,
    c.req.valid("query").after,
    c.get("lang"),
  );
  noStore(c);
  return c.json({ chat: chats.chatDto(chat), messages, queue }, 200);
};

export const postMessageHandler: RouteHandler<typeof r.postMessageRoute, AppEnv> = async (c) => {
  const { chatId } = c.req.valid("param");
  const message = await chats.postMessage(chatDeps(c), await customer(c, chatId), chatId, c.req.valid("json"));
  return c.json(message, 201);
};

export const readHandler: RouteHandler<typeof r.readRoute, AppEnv> = async (c) => {
  const { chatId } = c.req.valid("param");
  return c.json(await chats.markRead(chatDeps(c), await customer(c, chatId), chatId, c.req.valid("json").seq), 200);
};

export const closeChatHandler: RouteHandler<typeof r.closeChatRoute, AppEnv> = async (c) => {
  const { chatId } = c.req.valid("param");
  const chat = await chats.closeChat(chatDeps(c), await customer(c, chatId), chatId);
  return c.json({ chat: chats.chatDto(chat) }, 200);
};

export const feedbackHandler: RouteHandler<typeof r.feedbackRoute, AppEnv> = async (c) => {
  const body = c.req.valid("json");
  const data = c.get("data");
  const session = c.get("session");
  if (!session && !body.chatId) await guardCount("feedback", clientAddress(c));
  const result = await tickets.leaveFeedback(
    data,
    { subscriberId: session?.subscriberId ?? null, region: siteRegion(c) },
    body,
    async (chatId) => chats.openChat(data, await customer(c, chatId), chatId),
  );
  return c.json(result, 201);
};

const subscriberParty = (c: Context<AppEnv>): tickets.TicketParty => {
  const session = c.get("session");
  if (!session) throw new AppError(401, "unauthorized");
  return { side: "subscriber", subscriberId: session.subscriberId };
};

/** The signed-in subscriber and their home shard (their directory of chats and requests), or a 401. */
const directoryOwner = (c: Context<AppEnv>) => {
  const session = c.get("session");
  if (!session) throw new AppError(401, "unauthorized");
  return { subscriberId: session.subscriberId, homeShard: session.homeShard };
};

export const createTicketHandler: RouteHandler<typeof r.createTicketRoute, AppEnv> = async (c) => {
  const ticket = await tickets.createTicket(
    c.get("data"),
    directoryOwner(c),
    { siteRegion: siteRegion(c), ...c.req.valid("json") },
    c.get("lang"),
  );
  return c.json(ticket, 201);
};

export const myTicketsHandler: RouteHandler<typeof r.myTicketsRoute, AppEnv> = async (c) => {
  const owner = directoryOwner(c);
  noStore(c);
  return c.json({ items: await tickets.myTickets(c.get("data"), owner, c.get("lang")) }, 200);
};

export const ticketHandler: RouteHandler<typeof r.ticketRoute, AppEnv> = async (c) => {
  noStore(c);
  return c.json(await tickets.ticketWithHistory(c.get("data"), subscriberParty(c), c.req.valid("param").ticketId, c.get("lang")), 200);
};

export const ticketCommentHandler: RouteHandler<typeof r.ticketCommentRoute, AppEnv> = async (c) => {
  const t = await tickets.commentTicket(
    c.get("data"),
    notifier(c.env),
    subscriberParty(c),
    c.req.valid("param").ticketId,
    c.req.valid("json").text,
    c.get("lang"),
  );
  return c.json(t, 200);
};

export const ticketTransitionHandler: RouteHandler<typeof r.ticketTransitionRoute, AppEnv> = async (c) => {
  const { to, comment } = c.req.valid("json");
  const t = await tickets.moveTicket(
    c.get("data"),
    notifier(c.env),
    subscriberParty(c),
    c.req.valid("param").ticketId,
    to,
    comment ?? null,
    c.get("lang"),
  );
  return c.json(t, 200);
};

// Operators

export const opsLoginHandler: RouteHandler<typeof r.opsLoginRoute, AppEnv> = async (c) => {
  const { login, password } = c.req.valid("json");
  const { token, operator } = await ops.operatorLogin(c.get("data"), login, password, clientAddress(c));
  setOperatorCookie(c, token);
  noStore(c);
  return c.json(operator, 200);
};

export const opsMeHandler: RouteHandler<typeof r.opsMeRoute, AppEnv> = async (c) => {
  const o = requireOperator(c);
  noStore(c);
  return c.json({ id: o.id, login: o.login, name: o.name, regions: o.regions }, 200);
};

export const opsLogoutHandler: RouteHandler<typeof r.opsLogoutRoute, AppEnv> = async (c) => {
  await endOperatorSession(c.get("data").global, requireOperator(c).sessionHash);
  clearOperatorCookie(c);
  return c.body(null, 204);
};

export const opsQueueHandler: RouteHandler<typeof r.opsQueueRoute, AppEnv> = async (c) => {
  noStore(c);
  const operator = requireOperator(c);
  const { region, queue: which } = c.req.valid("query");
  // Call-back requests are private subscribers' and visitors' («Перезвоните мне»): the business queue has none.
  const [queue, open] = await Promise.all([
    ops.operatorQueue(c.get("data"), operator, c.get("lang"), region, which),
    which === "private" ? callbacks.operatorCallbacks(c.get("data").global, operator, region) : [],
  ]);
  return c.json({ ...queue, callbacks: open }, 200);
};

const opsChatDto = (row: Awaited<ReturnType<typeof chats.openChat>>["chat"]) => chats.operatorChatDto(row, row.visitorName ?? "");

export const opsChatHandler: RouteHandler<typeof r.opsChatRoute, AppEnv> = async (c) => {
  const { chatId } = c.req.valid("param");
  const { chat, messages } = await chats.chatWithMessages(
    c.get("data"),
    operatorParty(c),
    chatId,
    c.req.valid("query").after,
    c.get("lang"),
  );
  noStore(c);
  return c.json({ chat: opsChatDto(chat), messages }, 200);
};

export const opsTakeHandler: RouteHandler<typeof r.opsTakeRoute, AppEnv> = async (c) => {
  const chat = await chats.takeChat(chatDeps(c), requireOperator(c), c.req.valid("param").chatId);
  return c.json({ chat: opsChatDto(chat) }, 200);
};

async function colleague(c: Context<AppEnv>, id: string | null) {
  if (id === null) return null;
  const o = await ops.operatorById(c.get("data"), id);
  if (!o) throw new AppError(400, "operator_region");
  return o;
}

export const opsTransferHandler: RouteHandler<typeof r.opsTransferRoute, AppEnv> = async (c) => {
  const to = await colleague(c, c.req.valid("json").operatorId);
  const chat = await chats.transferChat(chatDeps(c), requireOperator(c), c.req.valid("param").chatId, to);
  return c.json({ chat: opsChatDto(chat) }, 200);
};

export const opsCloseHandler: RouteHandler<typeof r.opsCloseRoute, AppEnv> = async (c) => {
  const chat = await chats.closeChat(chatDeps(c), operatorParty(c), c.req.valid("param").chatId);
  return c.json({ chat: opsChatDto(chat) }, 200);
};

export const opsMessageHandler: RouteHandler<typeof r.opsMessageRoute, AppEnv> = async (c) => {
  const message = await chats.postMessage(chatDeps(c), operatorParty(c), c.req.valid("param").chatId, c.req.valid("json"));
  return c.json(message, 201);
};

export const opsReadHandler: RouteHandler<typeof r.opsReadRoute, AppEnv> = async (c) => {
  return c.json(await chats.markRead(chatDeps(c), operatorParty(c), c.req.valid("param").chatId, c.req.valid("json").seq), 200);
};

export const opsCannedHandler: RouteHandler<typeof r.opsCannedRoute, AppEnv> = async (c) => {
  const o = requireOperator(c);
  return c.json({ items: chats.cannedAnswers(c.get("lang"), o.name), colleagues: await ops.colleagues(c.get("data"), o) }, 200);
};

const opsTicketParty = (c: Context<AppEnv>): tickets.TicketParty => ({ side: "operator", operator: requireOperator(c) });

export const opsTicketHandler: RouteHandler<typeof r.opsTicketRoute, AppEnv> = async (c) => {
  noStore(c);
  return c.json(await tickets.ticketWithHistory(c.get("data"), opsTicketParty(c), c.req.valid("param").ticketId, c.get("lang")), 200);
};

export const opsTicketTransitionHandler: RouteHandler<typeof r.opsTicketTransitionRoute, AppEnv> = async (c) => {
  const { to, comment } = c.req.valid("json");
  const t = await tickets.moveTicket(
    c.get("data"),
    notifier(c.env),
    opsTicketParty(c),
    c.req.valid("param").ticketId,
    to,
    comment ?? null,
    c.get("lang"),
  );
  return c.json(t, 200);
};

export const opsTicketCommentHandler: RouteHandler<typeof r.opsTicketCommentRoute, AppEnv> = async (c) => {
  const t = await tickets.commentTicket(
    c.get("data"),
    notifier(c.env),
    opsTicketParty(c),
    c.req.valid("param").ticketId,
    c.req.valid("json").text,
    c.get("lang"),
  );
  return c.json(t, 200);
};

export const opsTicketAssignHandler: RouteHandler<typeof r.opsTicketAssignRoute, AppEnv> = async (c) => {
  const to = await colleague(c, c.req.valid("json").operatorId);
  return c.json(await tickets.assignTicketTo(c.get("data"), requireOperator(c), c.req.valid("param").ticketId, to, c.get("lang")), 200);
};

export const opsCallbackDoneHandler: RouteHandler<typeof r.opsCallbackDoneRoute, AppEnv> = async (c) => {
  const callback = await callbacks.markCallbackDone(c.get("data").global, requireOperator(c), c.req.valid("param").callbackId);
  return c.json({ callback }, 200);
};

export const opsFeedbackHandler: RouteHandler<typeof r.opsFeedbackRoute, AppEnv> = async (c) => {
  noStore(c);
  return c.json(await ops.regionFeedback(c.get("data"), requireOperator(c)), 200);
};

/** The party a plain route acts for: the signed-in operator, or the chat's subscriber or visitor. */
const partyOf = async (c: Context<AppEnv>, side: "customer" | "operator", chatId: string): Promise<chats.Party> =>
  side === "operator" ? operatorParty(c) : customer(c, chatId);

// Plain routes: WebSockets and files (not JSON, so outside the OpenAPI contract; described in the README)

/**
 * A WebSocket to the chat's live room, after the same authorization as the
 * chat itself. Browsers send Origin on WebSocket requests and cookies go
 * with them, so a page that is not one of our sites is refused (cross-site
 * WebSocket hijacking), a sibling subdomain outside the catalogue included.
 */
export async function liveSocket(c: Context<AppEnv>, side: "customer" | "operator") {
  if (c.req.header("upgrade")?.toLowerCase() !== "websocket") throw new AppError(400, "validation");
  if (!hasOwnOrigin(c)) throw new AppError(403, "csrf");
  const chatId = c.req.param("chatId") ?? "";
  const party = await partyOf(c, side, chatId);
  await chats.openChat(c.get("data"), party, chatId);
  const res = await chats.connect(c.env.CHAT_ROOMS, chatId, side, c.req.raw);
  // A fresh response: middleware may add headers (the room's are immutable).
  return new Response(null, { status: res.status, webSocket: res.webSocket, headers: { "cache-control": "no-store" } });
}

export async function uploadHandler(c: Context<AppEnv>, side: "customer" | "operator") {
  const chatId = c.req.param("chatId") ?? "";
  const party = await partyOf(c, side, chatId);
  const name = decodeHeader(c.req.header("x-file-name") ?? "", "X-File-Name");
  const bytes = new Uint8Array(await c.req.arrayBuffer());
  const a = await chats.uploadAttachment(chatDeps(c), party, chatId, { bytes, declaredType: c.req.header("content-type") ?? "", name });
  return c.json(a, 201);
}

export async function downloadHandler(c: Context<AppEnv>, side: "customer" | "operator") {
  const chatId = c.req.param("chatId") ?? "";
  const party = await partyOf(c, side, chatId);
  return chats.downloadAttachment(chatDeps(c), party, chatId, c.req.param("attachmentId") ?? "");
}

/** Dev tools only: closes every socket of a chat's room, as a deploy would (the browser test checks reconnection with it). */
export async function devDropHandler(c: Context<AppEnv>) {
  if (c.env.DEV_MODE !== "true") throw new AppError(404, "not_found");
  const chatId = c.req.param("chatId") ?? "";
  chats.regionOfId(chatId);
  const chatRoom = c.env.CHAT_ROOMS.get(c.env.CHAT_ROOMS.idFromName(chatId));
  return c.json(await chatRoom.drop(), 200);
}
