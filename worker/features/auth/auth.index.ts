import { createRouter } from "../../app";
import * as h from "./auth.handlers";
import * as r from "./auth.routes";

/** Login, logout, the profile and the list of devices. */
export const authRouter = createRouter()
  .openapi(r.loginRoute, h.loginHandler)
  .openapi(r.logoutRoute, h.logoutHandler)
  .openapi(r.meRoute, h.meHandler)
  .openapi(r.sessionsRoute, h.sessionsHandler)
  .openapi(r.endSessionRoute, h.endSessionHandler)
  .openapi(r.endOtherSessionsRoute, h.endOtherSessionsHandler);
