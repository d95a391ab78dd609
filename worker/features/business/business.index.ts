import { createRouter } from "../../app";
import { operatorAuth } from "../../platform/operator";
import * as h from "./business.handlers";
import * as r from "./business.routes";
import * as sh from "./sites.handlers";
import * as sr from "./sites.routes";

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
  .openapi(r.auditRoute, h.auditHandler)
  // Sites, the accounts list and its export (issue 23).
  .openapi(sr.accountListRoute, sh.accountListHandler)
  .openapi(sr.accountListExportRoute, sh.accountListExportHandler)
  .openapi(sr.sitesRoute, sh.sitesHandler)
  .openapi(sr.renameSiteRoute, sh.renameSiteHandler)
  .openapi(sr.moveAccountRoute, sh.moveAccountHandler);

/** Operators' API for organisations (a token, outside /api and its cookie and CSRF rules). */
export const opsBusinessRouter = createRouter();
opsBusinessRouter.use("/business/*", operatorAuth);
opsBusinessRouter
  .openapi(r.opsCreateOrganisationRoute, h.opsCreateOrganisationHandler)
  .openapi(r.opsAddAdministratorRoute, h.opsAddAdministratorHandler);
