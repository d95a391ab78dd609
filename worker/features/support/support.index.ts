import { bodyLimit } from "hono/body-limit";
import { createRouter } from "../../app";
import { ATTACHMENT_MAX_BYTES } from "../../data/support.data";
import { csrfGuard } from "../../platform/csrf";
import { AppError } from "../../platform/errors";
import { operatorSession } from "../../platform/operator";
import * as h from "./support.handlers";
import * as r from "./support.routes";

// The body is refused while it streams in, before it is all read: a 50 MB upload costs 5 MB.
const fileLimit = bodyLimit({
  maxSize: ATTACHMENT_MAX_BYTES,
  onError: () => {
    throw new AppError(413, "attachment_too_large", { mb: ATTACHMENT_MAX_BYTES / 1024 / 1024 });
  },
});

/** Support for subscribers and visitors: chats (live over WebSockets, or polled), requests and feedback. */
export const supportRouter = createRouter()
  .openapi(r.startChatRoute, h.startChatHandler)
  .openapi(r.myChatsRoute, h.myChatsHandler)
  .openapi(r.callbackSlotsRoute, h.callbackSlotsHandler)
  .openapi(r.requestCallbackRoute, h.requestCallbackHandler)
  .openapi(r.myCallbackRoute, h.myCallbackHandler)
  .openapi(r.chatRoute, h.chatHandler)
  .openapi(r.postMessageRoute, h.postMessageHandler)
  .openapi(r.readRoute, h.readHandler)
  .openapi(r.closeChatRoute, h.closeChatHandler)
  .openapi(r.feedbackRoute, h.feedbackHandler)
  .openapi(r.createTicketRoute, h.createTicketHandler)
  .openapi(r.myTicketsRoute, h.myTicketsHandler)
  .openapi(r.ticketRoute, h.ticketHandler)
  .openapi(r.ticketCommentRoute, h.ticketCommentHandler)
  .openapi(r.ticketTransitionRoute, h.ticketTransitionHandler);
supportRouter.get("/support/chats/:chatId/live", (c) => h.liveSocket(c, "customer"));
supportRouter.post("/support/chats/:chatId/attachments", fileLimit, (c) => h.uploadHandler(c, "customer"));
supportRouter.get("/support/chats/:chatId/attachments/:attachmentId", (c) => h.downloadHandler(c, "customer"));

/** The operators' console API (`/ops/v1/support/...`): sign-in is open, the rest needs an operator session. */
export const opsSupportRouter = createRouter();
// Sign-in has no session yet, but is a state change all the same: the own-origin check (CSRF) still applies.
// Registered before every route, sign-in included: Hono runs handlers in the order they were added.
opsSupportRouter.use("/support/*", (c, next) => (c.req.path.endsWith("/support/session") ? csrfGuard(c, next) : operatorSession(c, next)));
opsSupportRouter
  .openapi(r.opsLoginRoute, h.opsLoginHandler)
  .openapi(r.opsMeRoute, h.opsMeHandler)
  .openapi(r.opsLogoutRoute, h.opsLogoutHandler)
  .openapi(r.opsQueueRoute, h.opsQueueHandler)
  .openapi(r.opsChatRoute, h.opsChatHandler)
  .openapi(r.opsTakeRoute, h.opsTakeHandler)
  .openapi(r.opsTransferRoute, h.opsTransferHandler)
  .openapi(r.opsCloseRoute, h.opsCloseHandler)
  .openapi(r.opsMessageRoute, h.opsMessageHandler)
  .openapi(r.opsReadRoute, h.opsReadHandler)
  .openapi(r.opsCannedRoute, h.opsCannedHandler)
  .openapi(r.opsTicketRoute, h.opsTicketHandler)
  .openapi(r.opsTicketTransitionRoute, h.opsTicketTransitionHandler)
  .openapi(r.opsTicketCommentRoute, h.opsTicketCommentHandler)
  .openapi(r.opsTicketAssignRoute, h.opsTicketAssignHandler)
  .openapi(r.opsCallbackDoneRoute, h.opsCallbackDoneHandler)
  .openapi(r.opsFeedbackRoute, h.opsFeedbackHandler);
opsSupportRouter.get("/support/chats/:chatId/live", (c) => h.liveSocket(c, "operator"));
opsSupportRouter.post("/support/chats/:chatId/attachments", fileLimit, (c) => h.uploadHandler(c, "operator"));
opsSupportRouter.get("/support/chats/:chatId/attachments/:attachmentId", (c) => h.downloadHandler(c, "operator"));
