import { createRouter } from "../../app";
import { operatorAuth } from "../../platform/operator";
import * as h from "./business.handlers";
import * as r from "./business.routes";
import * as sh from "./business-support.handlers";
import * as sr from "./business-support.routes";

/** The business cabinet: organisations, their accounts across regions, employees with roles, the audit log. */
export const businessRouter = createRouter()
  .openapi(r.myOrganisationsRoute, h.myOrganisationsHandler)
  .openapi(r.acceptInviteRoute, h.acceptInviteHandler)
  .openapi(r.joinStartRoute, h.joinStartHandler)
  .openapi(r.joinConfirmRoute, h.joinConfirmHandler)
  .openapi(r.organisationRoute, h.organisationHandler)
  .openapi(r.orgAccountsRoute, h.orgAccountsHandler)
  .openapi(r.employeesRoute, h.employeesHandler)
  .openapi(r.inviteRoute, h.inviteHandler)
  .openapi(r.changeEmployeeRoute, h.changeEmployeeHandler)
  .openapi(r.removeEmployeeRoute, h.removeEmployeeHandler)
  .openapi(r.auditRoute, h.auditHandler);
// Business support: requests and chats in the business queue, the personal manager, the public tariffs. The guard
// (membership, role) runs before the routes' own body validation.
businessRouter.use("/business/organisations/:orgId/support/*", sh.supportGuard);
businessRouter
  .openapi(sr.orgManagerRoute, sh.orgManagerHandler)
  .openapi(sr.orgRequestsRoute, sh.orgRequestsHandler)
  .openapi(sr.orgRequestRoute, sh.orgRequestHandler)
  .openapi(sr.fileOrgRequestRoute, sh.fileOrgRequestHandler)
  .openapi(sr.startOrgChatRoute, sh.startOrgChatHandler)
  .openapi(sr.businessTariffsRoute, sh.businessTariffsHandler);

/** Operators' API for organisations (a token, outside /api and its cookie and CSRF rules). */
export const opsBusinessRouter = createRouter();
opsBusinessRouter.use("/business/*", operatorAuth);
opsBusinessRouter
  .openapi(r.opsCreateOrganisationRoute, h.opsCreateOrganisationHandler)
  .openapi(r.opsAddAdministratorRoute, h.opsAddAdministratorHandler)
  .openapi(sr.opsSetManagerRoute, sh.opsSetManagerHandler)
  .openapi(sr.opsRemoveManagerRoute, sh.opsRemoveManagerHandler);
