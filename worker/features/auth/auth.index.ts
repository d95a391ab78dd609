import { createRouter } from "../../app";
import * as h from "./auth.handlers";
import * as r from "./auth.routes";
import * as fh from "./flows.handlers";
import * as fr from "./flows.routes";
import * as oh from "./oidc.handlers";
import * as or from "./oidc.routes";
import * as ph from "./passkeys.handlers";
import * as pr from "./passkeys.routes";

/** Every way in (password, code, registration, recovery), step-up, the profile and devices. */
export const authRouter = createRouter()
  .openapi(r.loginRoute, h.loginHandler)
  .openapi(r.logoutRoute, h.logoutHandler)
  .openapi(r.meRoute, h.meHandler)
  .openapi(r.sessionsRoute, h.sessionsHandler)
  .openapi(r.endSessionRoute, h.endSessionHandler)
  .openapi(r.endOtherSessionsRoute, h.endOtherSessionsHandler)
  .openapi(fr.requestLoginCodeRoute, fh.requestLoginCodeHandler)
  .openapi(fr.verifyLoginCodeRoute, fh.verifyLoginCodeHandler)
  .openapi(fr.startRegistrationRoute, fh.startRegistrationHandler)
  .openapi(fr.completeRegistrationRoute, fh.completeRegistrationHandler)
  .openapi(fr.captchaRoute, fh.captchaHandler)
  .openapi(fr.startRecoveryRoute, fh.startRecoveryHandler)
  .openapi(fr.completeRecoveryRoute, fh.completeRecoveryHandler)
  .openapi(fr.startStepUpRoute, fh.startStepUpHandler)
  .openapi(fr.verifyStepUpRoute, fh.verifyStepUpHandler)
  .openapi(fr.changePasswordRoute, fh.changePasswordHandler)
  .openapi(fr.phoneRoutes.start, fh.startPhoneHandler)
  .openapi(fr.phoneRoutes.verify, fh.verifyPhoneHandler)
  .openapi(fr.emailRoutes.start, fh.startEmailHandler)
  .openapi(fr.emailRoutes.verify, fh.verifyEmailHandler)
  .openapi(or.providersRoute, oh.providersHandler)
  .openapi(or.oidcStartRoute, oh.oidcStartHandler)
  .openapi(or.oidcCallbackRoute, oh.oidcCallbackHandler)
  .openapi(or.identitiesRoute, oh.identitiesHandler)
  .openapi(or.unlinkRoute, oh.unlinkHandler)
  .openapi(pr.passkeyRegisterOptionsRoute, ph.registerOptionsHandler)
  .openapi(pr.passkeyRegisterRoute, ph.registerHandler)
  .openapi(pr.passkeysRoute, ph.listHandler)
  .openapi(pr.passkeyDeleteRoute, ph.deleteHandler)
  .openapi(pr.passkeyLoginOptionsRoute, ph.loginOptionsHandler)
  .openapi(pr.passkeyLoginRoute, ph.loginHandler);
