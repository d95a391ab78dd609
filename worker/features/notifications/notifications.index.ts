import { createRouter } from "../../app";
import { operatorAuth } from "../../platform/operator";
import * as h from "./notifications.handlers";
import * as r from "./notifications.routes";
import * as oh from "./operator.handlers";
import * as or from "./operator.routes";

/** The inbox, «Доставка уведомлений» (preferences), push subscriptions and the subscriber's outages. */
export const notificationsRouter = createRouter()
  .openapi(r.inboxRoute, h.inboxHandler)
  .openapi(r.markReadRoute, h.markReadHandler)
  .openapi(r.preferencesRoute, h.preferencesHandler)
  .openapi(r.setPreferencesRoute, h.setPreferencesHandler)
  .openapi(r.pushKeyRoute, h.pushKeyHandler)
  .openapi(r.subscribeRoute, h.subscribeHandler)
  .openapi(r.unsubscribeRoute, h.unsubscribeHandler)
  .openapi(r.myOutagesRoute, h.myOutagesHandler);

/** Operators' API (a token, not a browser session: outside /api and its cookie and CSRF rules). */
export const operatorRouter = createRouter();
// Scoped to its own paths: other /ops/v1 routers (the support console) authenticate their own way.
operatorRouter.use("/outages/*", operatorAuth);
operatorRouter.use("/outages", operatorAuth);
operatorRouter.use("/announcements", operatorAuth);
operatorRouter.use("/dead-letters/*", operatorAuth);
operatorRouter
  .openapi(or.declareOutageRoute, oh.declareOutageHandler)
  .openapi(or.resolveOutageRoute, oh.resolveOutageHandler)
  .openapi(or.announceRoute, oh.announceHandler)
  .openapi(or.replayDeadLetterRoute, oh.replayDeadLetterHandler);
