import { createRouter } from "../../app";
import * as handlers from "./regions.handlers";
import * as routes from "./regions.routes";

/** Public region context: the catalogue, tariffs, offices and contacts of a subdomain. */
export const regionsRouter = createRouter()
  .openapi(routes.listRegionsRoute, handlers.listRegionsHandler)
  .openapi(routes.regionContextRoute, handlers.regionContextHandler)
  .openapi(routes.tariffsRoute, handlers.tariffsHandler)
  .openapi(routes.servicesRoute, handlers.servicesHandler)
  .openapi(routes.officesRoute, handlers.officesHandler)
  .openapi(routes.contactsRoute, handlers.contactsHandler);
