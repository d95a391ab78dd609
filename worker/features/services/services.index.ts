import { createRouter } from "../../app";
import { operatorAuth } from "../../platform/operator";
import * as h from "./services.handlers";
import * as r from "./services.routes";

/** Services of an account (tariff change and advisor, options, voluntary block), coverage, applications. */
export const servicesRouter = createRouter()
  .openapi(r.tariffOfferRoute, h.tariffOfferHandler)
  .openapi(r.changeTariffRoute, h.changeTariffHandler)
  .openapi(r.cancelTariffChangeRoute, h.cancelTariffChangeHandler)
  .openapi(r.advisorRoute, h.advisorHandler)
  .openapi(r.optionsRoute, h.optionsHandler)
  .openapi(r.setOptionRoute, h.setOptionHandler)
  .openapi(r.packagesRoute, h.packagesHandler)
  .openapi(r.lineCheckRoute, h.lineCheckHandler)
  .openapi(r.blockQuoteRoute, h.blockQuoteHandler)
  .openapi(r.createBlockRoute, h.createBlockHandler)
  .openapi(r.blocksRoute, h.blocksHandler)
  .openapi(r.endBlockRoute, h.endBlockHandler)
  .openapi(r.coverageRoute, h.coverageHandler)
  .openapi(r.streetsRoute, h.streetsHandler)
  .openapi(r.createApplicationRoute, h.createApplicationHandler)
  .openapi(r.terminationQuoteRoute, h.terminationQuoteHandler)
  .openapi(r.myApplicationsRoute, h.myApplicationsHandler)
  .openapi(r.myApplicationRoute, h.myApplicationHandler)
  .openapi(r.cancelApplicationRoute, h.cancelApplicationHandler)
  .openapi(r.visitSlotsRoute, h.visitSlotsHandler)
  .openapi(r.moveVisitRoute, h.moveVisitHandler);

/** Operators move applications through their statuses (Bearer OPERATOR_TOKEN, like the rest of /ops). */
export const opsApplicationsRouter = createRouter();
// Scoped to its own paths: other /ops/v1 routers (the support console) authenticate their own way.
opsApplicationsRouter.use("/applications", operatorAuth);
opsApplicationsRouter.use("/applications/*", operatorAuth);
opsApplicationsRouter
  .openapi(r.opsApplicationsRoute, h.opsApplicationsHandler)
  .openapi(r.opsApplicationRoute, h.opsApplicationHandler)
  .openapi(r.opsTransitionRoute, h.opsTransitionHandler);
