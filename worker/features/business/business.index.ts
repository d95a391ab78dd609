import { createRouter } from "../../app";
import { operatorAuth } from "../../platform/operator";
import * as h from "./business.handlers";
import * as r from "./business.routes";
import * as rh from "./reconciliation.handlers";
import * as rr from "./reconciliation.routes";

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
  // Акт сверки (issue 24).
  .openapi(rr.requestReconciliationRoute, rh.requestReconciliationHandler)
  .openapi(rr.reconciliationRoute, rh.reconciliationHandler)
  .openapi(rr.reconciliationFileRoute, rh.reconciliationFileHandler);

/** Operators' API for organisations (a token, outside /api and its cookie and CSRF rules). */
export const opsBusinessRouter = createRouter();
opsBusinessRouter.use("/business/*", operatorAuth);
opsBusinessRouter
  .openapi(r.opsCreateOrganisationRoute, h.opsCreateOrganisationHandler)
  .openapi(r.opsAddAdministratorRoute, h.opsAddAdministratorHandler);
