import { createRoute, z } from "@hono/zod-openapi";
import { CHAT_TOPICS, MESSAGE_MAX_CHARS } from "../../data/support.data";
import { BUSINESS_TICKET_CATEGORIES, SUPPORT_QUEUES, TICKET_CATEGORIES, TICKET_STATUSES } from "../../db/schema/region";
import { jsonBody, jsonResponse, problem, type ResponseOf } from "../../platform/openapi";

const ChatParam = z.object({ chatId: z.string().max(60).openapi({ example: "msk_0000000000000000000000000" }) });
const TicketParam = z.object({ ticketId: z.string().max(60) });
const ClientId = z
  .string()
  .regex(/^[\w-]{8,64}$/)
  .openapi({ description: "The client's id for this message: a resend with the same id lands once" });
const notFound = problem("No such chat among yours (another's answers the same)");
const unauthorized = problem("Neither a session nor this chat's visitor key");

export const Attachment = z
  .object({ id: z.string(), name: z.string(), contentType: z.string(), size: z.number().int(), url: z.string() })
  .openapi("ChatAttachment");

export const Message = z
  .object({
    id: z.string(),
    seq: z.number().int(),
    author: z.enum(["subscriber", "visitor", "operator", "system"]),
    authorName: z.string().nullable(),
    text: z.string().openapi({ description: "A system line's text is in the request's language" }),
    system: z
      .discriminatedUnion("key", [
        z.object({ key: z.literal("joined"), name: z.string() }),
        z.object({ key: z.literal("passed"), name: z.string() }),
        z.object({ key: z.literal("queued") }),
        z.object({ key: z.literal("ended") }),
      ])
      .optional()
      .openapi({ description: "What a system line says, for a page to write it in its reader's language" }),
    attachment: Attachment.nullable(),
    clientId: z.string().nullable(),
    createdAt: z.string(),
  })
  .openapi("ChatMessage");

export const Chat = z
  .object({
    id: z.string(),
    region: z.string(),
    status: z.enum(["waiting", "active", "closed"]),
    topic: z.string(),
    accountNo: z.string().nullable(),
    operatorName: z.string().nullable(),
    lastSeq: z.number().int(),
    customerReadSeq: z.number().int(),
    operatorReadSeq: z.number().int(),
    createdAt: z.string(),
    updatedAt: z.string(),
    closedAt: z.string().nullable(),
    queue: z.enum(SUPPORT_QUEUES).openapi({ description: "private subscribers' queue, or the business queue" }),
    orgId: z.string().nullable().openapi({ description: "A business cabinet's chat: its organisation" }),
  })
  .openapi("Chat");

export const OperatorChat = Chat.extend({
  operatorId: z.string().nullable(),
  customerName: z.string(),
  customerPhone: z.string().nullable(),
  subscriberId: z.string().nullable(),
  kind: z.enum(["subscriber", "visitor"]),
  company: z.string().nullable().openapi({ description: "A business visitor's company and ИНН, as given" }),
}).openapi("OperatorChat");

const TicketEvent = z.object({
  id: z.string(),
  from: z.enum(TICKET_STATUSES).nullable(),
  to: z.enum(TICKET_STATUSES).nullable(),
  toLabel: z.string().nullable(),
  actor: z.enum(["subscriber", "operator", "system"]),
  actorName: z.string().nullable(),
  comment: z.string().nullable(),
  at: z.string(),
});

export const Ticket = z
  .object({
    id: z.string(),
    number: z.string(),
    region: z.string(),
    accountNo: z.string().nullable(),
    category: z.enum([...TICKET_CATEGORIES, ...BUSINESS_TICKET_CATEGORIES]),
    subject: z.string(),
    text: z.string(),
    status: z.enum(TICKET_STATUSES),
    statusLabel: z.string(),
    operatorName: z.string().nullable(),
    next: z.array(z.enum(TICKET_STATUSES)).openapi({ description: "The statuses the caller may move it to" }),
    createdAt: z.string(),
    updatedAt: z.string(),
    history: z.array(TicketEvent).nullable(),
    queue: z.enum(SUPPORT_QUEUES),
    orgId: z.string().nullable().openapi({ description: "A business request: its organisation" }),
    categoryLabel: z.string().nullable().openapi({ description: "A business request's category, in the caller's language" }),
    dueAt: z.string().nullable().openapi({ description: "A business request's response-time target (UTC instant)" }),
    overdue: z.boolean().openapi({ description: "Past its target and not yet taken into work" }),
    rating: z
      .number()
      .int()
      .min(1)
      .max(5)
      .nullable()
      .optional()
      .openapi({ description: "With the history (one request): the subscriber's rating, null until given" }),
    operatorId: z.string().nullable().optional().openapi({ description: "To operators only: the operator who has it, null in the queue" }),
  })
  .openapi("SupportTicket");

const PhoneRu = z
  .string()
  .trim()
  .transform((s) => s.replace(/[\s()-]/g, "").replace(/^8(\d{10})$/, "+7$1"))
  .pipe(z.string().regex(/^\+7\d{10}$/, { message: "field.phone" }));

// Subscribers and visitors

export const startChatRoute = createRoute({
  method: "post",
  path: "/support/chats",
  tags: ["Support"],
  summary:
    "Starts a chat with an operator (or returns the subscriber's open one). Without a session, a visitor gives a name and a phone and gets the chat's key in an HttpOnly cookie",
  request: {
    body: jsonBody(
      z.object({
        topic: z.enum(CHAT_TOPICS).default("other"),
        text: z.string().trim().max(MESSAGE_MAX_CHARS).optional(),
        clientId: ClientId.optional(),
        accountNo: z.string().max(40).nullable().optional(),
        name: z.string().trim().min(2).max(80).optional(),
        phone: PhoneRu.optional(),
        queue: z
          .enum(SUPPORT_QUEUES)
          .default("private")
          .openapi({ description: "business: the business chat of the public business page (a visitor gives the company too)" }),
        company: z.string().trim().min(2).max(120).optional().openapi({ description: "The business chat: the company's name" }),
        inn: z
          .string()
          .trim()
          .max(14)
          .optional()
          .openapi({ description: "The business chat: the company's ИНН, optional (check digits verified)" }),
      }),
    ),
  },
  responses: {
    201: jsonResponse("Started", z.object({ chat: Chat })),
    200: jsonResponse("The open chat", z.object({ chat: Chat })),
    400: problem("A visitor without a name or phone"),
    404: problem("A stranger's account"),
    409: problem("The chat was being started and closed at the same moment: try again"),
    429: problem("Too many chats from this address"),
  },
});

export const Callback = z
  .object({
    id: z.string(),
    region: z.string(),
    name: z.string(),
    phone: z.string(),
    topic: z.string(),
    slotStart: z.string().openapi({ description: "The window's start (UTC instant); the window is in the region's time zone" }),
    slotEnd: z.string(),
    status: z.enum(["open", "done"]),
    operatorName: z.string().nullable(),
    createdAt: z.string(),
  })
  .openapi("SupportCallback");

export const callbackSlotsRoute = createRoute({
  method: "get",
  path: "/support/callbacks/slots",
  tags: ["Support"],
  summary: "«Перезвоните мне»: the next free call-back windows of this site's region, in its time zone",
  responses: {
    200: jsonResponse("Windows", z.object({ tz: z.string(), slots: z.array(z.object({ start: z.string(), end: z.string() })) })),
  },
});

export const requestCallbackRoute = createRoute({
  method: "post",
  path: "/support/callbacks",
  tags: ["Support"],
  summary: "Asks an operator to call back in one of the offered windows; a visitor gives a name and a phone. One open request per person",
  request: {
    body: jsonBody(
      z.object({
        slotStart: z.string().max(40),
        topic: z.enum(CHAT_TOPICS).default("other"),
        name: z.string().trim().min(2).max(80).optional(),
        phone: PhoneRu.optional(),
      }),
    ),
  },
  responses: {
    201: jsonResponse("Requested", z.object({ callback: Callback })),
    400: problem("A window not offered (full or past), or a visitor without a name or phone"),
    409: problem("The person already has an open request"),
    429: problem("Too many requests"),
  },
});

export const myCallbackRoute = createRoute({
  method: "get",
  path: "/support/callbacks/mine",
  tags: ["Support"],
  summary: "The subscriber's open call-back request, if any",
  responses: { 200: jsonResponse("Request", z.object({ callback: Callback.nullable() })), 401: problem("No session") },
});

export const myChatsRoute = createRoute({
  method: "get",
  path: "/support/chats",
  tags: ["Support"],
  summary: "The subscriber's chats (newest first), or the visitor's chat",
  responses: { 200: jsonResponse("Chats", z.object({ items: z.array(Chat) })) },
});

export const chatRoute = createRoute({
  method: "get",
  path: "/support/chats/{chatId}",
  tags: ["Support"],
  summary: "A chat and its messages after `after` (polling: ask again with the last seq you have)",
  request: { params: ChatParam, query: z.object({ after: z.coerce.number().int().min(0).default(0) }) },
  responses: {
    200: jsonResponse(
      "Chat",
      z.object({
        chat: Chat,
        messages: z.array(Message),
        queue: z
          .object({ position: z.number().int().min(1), waitMinutes: z.number().int().min(1) })
          .nullable()
          .openapi({
            description: "While waiting: the place in the region's queue and the estimated wait (place × recent average handling time)",
          }),
      }),
    ),
    401: unauthorized,
    404: notFound,
  },
});

export const postMessageRoute = createRoute({
  method: "post",
  path: "/support/chats/{chatId}/messages",
  tags: ["Support"],
  summary: "Sends a message (text and/or an uploaded attachment); published to the live room",
  request: {
    params: ChatParam,
    body: jsonBody(
      z.object({ text: z.string().max(MESSAGE_MAX_CHARS).optional(), clientId: ClientId, attachmentId: z.string().max(40).optional() }),
    ),
  },
  responses: {
    201: jsonResponse("Sent (or the first one with this client id)", Message),
    400: problem("Neither text nor a file"),
    401: unauthorized,
    404: notFound,
    409: problem("The chat is closed"),
  },
});

export const readRoute = createRoute({
  method: "post",
  path: "/support/chats/{chatId}/read",
  tags: ["Support"],
  summary: "Marks messages up to `seq` read (the other side sees it)",
  request: { params: ChatParam, body: jsonBody(z.object({ seq: z.number().int().min(0) })) },
  responses: { 200: jsonResponse("Read mark", z.object({ seq: z.number().int() })), 401: unauthorized, 404: notFound },
});

export const closeChatRoute = createRoute({
  method: "post",
  path: "/support/chats/{chatId}/close",
  tags: ["Support"],
  summary: "Ends the chat",
  request: { params: ChatParam },
  responses: {
    200: jsonResponse("Closed", z.object({ chat: Chat })),
    401: unauthorized,
    404: notFound,
    409: problem("The chat kept changing (taken, passed on) while it was being closed: try again"),
  },
});

export const feedbackRoute = createRoute({
  method: "post",
  path: "/support/feedback",
  tags: ["Support"],
  summary: "Leaves feedback (отзыв): a rating 1–5 and a text, about a chat, a request or the service; once per chat or request",
  request: {
    body: jsonBody(
      z.object({
        rating: z.number().int().min(1).max(5),
        text: z.string().trim().max(2000).optional(),
        chatId: z.string().max(60).optional(),
        ticketId: z.string().max(60).optional(),
      }),
    ),
  },
  responses: {
    201: jsonResponse("Thank you", z.object({ id: z.string() })),
    404: notFound,
    409: problem("Already rated"),
    429: problem("Too many"),
  },
});

export const createTicketRoute = createRoute({
  method: "post",
  path: "/support/tickets",
  tags: ["Support"],
  summary: "Files a support request (обращение) with a category and optionally one of the subscriber's accounts",
  request: {
    body: jsonBody(
      z.object({
        category: z.enum(TICKET_CATEGORIES),
        accountNo: z.string().max(40).nullable().optional(),
        subject: z.string().trim().min(3).max(120),
        text: z.string().trim().min(10).max(MESSAGE_MAX_CHARS),
      }),
    ),
  },
  responses: { 201: jsonResponse("Filed", Ticket), 401: unauthorized, 404: problem("A stranger's account"), 429: problem("Ten a day") },
});

export const myTicketsRoute = createRoute({
  method: "get",
  path: "/support/tickets",
  tags: ["Support"],
  summary: "The subscriber's requests, newest first",
  responses: { 200: jsonResponse("Requests", z.object({ items: z.array(Ticket) })), 401: unauthorized },
});

export const ticketRoute = createRoute({
  method: "get",
  path: "/support/tickets/{ticketId}",
  tags: ["Support"],
  summary: "A request with its status history and comments",
  request: { params: TicketParam },
  responses: { 200: jsonResponse("Request", Ticket), 401: unauthorized, 404: notFound },
});

export const ticketCommentRoute = createRoute({
  method: "post",
  path: "/support/tickets/{ticketId}/comments",
  tags: ["Support"],
  summary: "Adds a comment; an answer to a request waiting for it brings it back into work",
  request: { params: TicketParam, body: jsonBody(z.object({ text: z.string().trim().min(1).max(MESSAGE_MAX_CHARS) })) },
  responses: { 200: jsonResponse("Request", Ticket), 401: unauthorized, 404: notFound, 409: problem("Closed") },
});

export const ticketTransitionRoute = createRoute({
  method: "post",
  path: "/support/tickets/{ticketId}/transition",
  tags: ["Support"],
  summary: "Withdraws a new request, confirms a resolved one (closed) or reopens it (in_work)",
  request: {
    params: TicketParam,
    body: jsonBody(z.object({ to: z.enum(TICKET_STATUSES), comment: z.string().trim().max(2000).optional() })),
  },
  responses: { 200: jsonResponse("Request", Ticket), 401: unauthorized, 404: notFound, 409: problem("Not a move the subscriber may make") },
});

// Operators' console

const OperatorProfile = z.object({ id: z.string(), login: z.string(), name: z.string(), regions: z.array(z.string()) }).openapi("Operator");

export const opsLoginRoute = createRoute({
  method: "post",
  path: "/support/session",
  tags: ["Operators"],
  summary: "Signs an operator in to the console (HttpOnly SameSite=Strict cookie)",
  request: { body: jsonBody(z.object({ login: z.string().trim().min(1).max(80), password: z.string().min(1).max(200) })) },
  responses: { 200: jsonResponse("Signed in", OperatorProfile), 401: problem("Wrong login or password"), 429: problem("Throttled") },
});

export const opsMeRoute = createRoute({
  method: "get",
  path: "/support/me",
  tags: ["Operators"],
  summary: "The signed-in operator",
  responses: { 200: jsonResponse("Operator", OperatorProfile), 401: unauthorized },
});

export const opsLogoutRoute = createRoute({
  method: "post",
  path: "/support/logout",
  tags: ["Operators"],
  summary: "Ends the console session",
  responses: { 204: { description: "Signed out" } },
});

export const opsQueueRoute = createRoute({
  method: "get",
  path: "/support/queue",
  tags: ["Operators"],
  summary:
    "Waiting and active chats and open requests of the operator's regions (or one of them), in the private subscribers' queue or the business queue (overdue business requests first)",
  request: {
    query: z.object({
      region: z.string().max(8).optional(),
      queue: z.enum(SUPPORT_QUEUES).default("private").openapi({ description: "private (default) or business" }),
    }),
  },
  responses: {
    200: jsonResponse(
      "Queue",
      z.object({
        regions: z.array(z.object({ code: z.string(), name: z.string() })),
        chats: z.array(OperatorChat),
        tickets: z.array(Ticket),
        callbacks: z.array(Callback).openapi({ description: "Open call-back requests, earliest window first" }),
      }),
    ),
    401: unauthorized,
  },
});

export const opsChatRoute = createRoute({
  method: "get",
  path: "/support/chats/{chatId}",
  tags: ["Operators"],
  summary: "A chat of the operator's regions with its messages after `after`",
  request: { params: ChatParam, query: z.object({ after: z.coerce.number().int().min(0).default(0) }) },
  responses: { 200: jsonResponse("Chat", z.object({ chat: OperatorChat, messages: z.array(Message) })), 401: unauthorized, 404: notFound },
});

export const opsTakeRoute = createRoute({
  method: "post",
  path: "/support/chats/{chatId}/take",
  tags: ["Operators"],
  summary: "Takes a waiting chat",
  request: { params: ChatParam },
  responses: { 200: jsonResponse("Taken", z.object({ chat: OperatorChat })), 404: notFound, 409: problem("Another operator has it") },
});

export const opsTransferRoute = createRoute({
  method: "post",
  path: "/support/chats/{chatId}/transfer",
  tags: ["Operators"],
  summary: "Passes the chat to a colleague serving its region, or back to the queue (operatorId null)",
  request: { params: ChatParam, body: jsonBody(z.object({ operatorId: z.string().max(60).nullable() })) },
  responses: {
    200: jsonResponse("Passed", z.object({ chat: OperatorChat })),
    400: problem("Not an operator of the region"),
    404: notFound,
    409: problem("Not yours"),
  },
});

export const opsCloseRoute = createRoute({
  method: "post",
  path: "/support/chats/{chatId}/close",
  tags: ["Operators"],
  summary: "Ends the chat",
  request: { params: ChatParam },
  responses: {
    200: jsonResponse("Closed", z.object({ chat: OperatorChat })),
    404: notFound,
    409: problem("Not yours, or it kept changing"),
  },
});

export const opsMessageRoute = createRoute({
  method: "post",
  path: "/support/chats/{chatId}/messages",
  tags: ["Operators"],
  summary: "Answers in a chat the operator has taken",
  request: {
    params: ChatParam,
    body: jsonBody(
      z.object({ text: z.string().max(MESSAGE_MAX_CHARS).optional(), clientId: ClientId, attachmentId: z.string().max(40).optional() }),
    ),
  },
  responses: { 201: jsonResponse("Sent", Message), 404: notFound, 409: problem("Not taken, or closed") },
});

export const opsReadRoute = createRoute({
  method: "post",
  path: "/support/chats/{chatId}/read",
  tags: ["Operators"],
  summary: "Marks the customer's messages read up to `seq`",
  request: { params: ChatParam, body: jsonBody(z.object({ seq: z.number().int().min(0) })) },
  responses: { 200: jsonResponse("Read mark", z.object({ seq: z.number().int() })), 404: notFound },
});

export const opsCannedRoute = createRoute({
  method: "get",
  path: "/support/canned",
  tags: ["Operators"],
  summary: "Canned answers (шаблоны) and colleagues to pass chats to",
  responses: {
    200: jsonResponse(
      "Canned answers",
      z.object({ items: z.array(z.object({ id: z.string(), title: z.string(), text: z.string() })), colleagues: z.array(OperatorProfile) }),
    ),
  },
});

export const opsTicketRoute = createRoute({
  method: "get",
  path: "/support/tickets/{ticketId}",
  tags: ["Operators"],
  summary: "A request of the operator's regions with its history",
  request: { params: TicketParam },
  responses: { 200: jsonResponse("Request", Ticket), 404: notFound },
});

export const opsTicketTransitionRoute = createRoute({
  method: "post",
  path: "/support/tickets/{ticketId}/transition",
  tags: ["Operators"],
  summary: "Moves a request (in_work takes it; waiting asks the subscriber; resolved) with an optional comment; notified",
  request: {
    params: TicketParam,
    body: jsonBody(z.object({ to: z.enum(TICKET_STATUSES), comment: z.string().trim().max(2000).optional() })),
  },
  responses: { 200: jsonResponse("Request", Ticket), 404: notFound, 409: problem("Not a move from its status") },
});

export const opsTicketCommentRoute = createRoute({
  method: "post",
  path: "/support/tickets/{ticketId}/comments",
  tags: ["Operators"],
  summary: "Answers on a request (notified to the subscriber)",
  request: { params: TicketParam, body: jsonBody(z.object({ text: z.string().trim().min(1).max(MESSAGE_MAX_CHARS) })) },
  responses: { 200: jsonResponse("Request", Ticket), 404: notFound, 409: problem("Closed") },
});

export const opsTicketAssignRoute = createRoute({
  method: "post",
  path: "/support/tickets/{ticketId}/assign",
  tags: ["Operators"],
  summary: "Passes a request to a colleague of its region, or back to the queue (operatorId null)",
  request: { params: TicketParam, body: jsonBody(z.object({ operatorId: z.string().max(60).nullable() })) },
  responses: { 200: jsonResponse("Request", Ticket), 400: problem("Not an operator of the region"), 404: notFound },
});

export const opsCallbackDoneRoute = createRoute({
  method: "post",
  path: "/support/callbacks/{callbackId}/done",
  tags: ["Operators"],
  summary: "Marks a call-back request of the operator's regions done",
  request: { params: z.object({ callbackId: z.string().max(60) }) },
  responses: { 200: jsonResponse("Request", z.object({ callback: Callback })), 404: problem("Not a request of the operator's regions") },
});

export const opsFeedbackRoute = createRoute({
  method: "get",
  path: "/support/feedback",
  tags: ["Operators"],
  summary: "Latest feedback of the operator's regions and the average rating",
  responses: {
    200: jsonResponse(
      "Feedback",
      z.object({
        average: z.number().nullable(),
        items: z.array(
          z.object({
            id: z.string(),
            region: z.string(),
            rating: z.number().int(),
            text: z.string().nullable(),
            chatId: z.string().nullable(),
            ticketId: z.string().nullable(),
            createdAt: z.string(),
          }),
        ),
      }),
    ),
  },
});

export type ChatDto = z.infer<typeof Chat>;
export type OperatorChatDto = z.infer<typeof OperatorChat>;
export type MessageDto = z.infer<typeof Message>;
export type TicketDto = z.infer<typeof Ticket>;
export type CallbackDto = z.infer<typeof Callback>;
/** A waiting chat's place in its region's queue and the estimated wait. */
export type ChatQueueDto = NonNullable<ResponseOf<typeof chatRoute>["queue"]>;
export type CallbackSlotsDto = ResponseOf<typeof callbackSlotsRoute>;
export type OperatorDto = z.infer<typeof OperatorProfile>;
export type QueueDto = ResponseOf<typeof opsQueueRoute>;
export type CannedDto = ResponseOf<typeof opsCannedRoute>;
export type OpsFeedbackDto = ResponseOf<typeof opsFeedbackRoute>;
