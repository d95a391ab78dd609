import { createRouter } from "../../app";
import { operatorAuth } from "../../platform/operator";
import * as h from "./business.handlers";
import * as r from "./business.routes";
import * as nh from "./numbers.handlers";
import * as nr from "./numbers.routes";

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
  // Corporate mobile numbers (numbers.*).
  .openapi(nr.numbersRoute, nh.numbersHandler)
  // A change's caller is checked before its input (a stranger gets a 404, never a 400).
  .openapi({ ...nr.changeNumberRoute, middleware: [nh.numbersAccess] }, nh.changeNumberHandler)
  .openapi({ ...nr.blockNumberRoute, middleware: [nh.numbersAccess] }, nh.blockNumberHandler)
  .openapi({ ...nr.unblockNumberRoute, middleware: [nh.numbersAccess] }, nh.unblockNumberHandler);

/** Operators' API for organisations (a token, outside /api and its cookie and CSRF rules). */
export const opsBusinessRouter = createRouter();
opsBusinessRouter.use("/business/*", operatorAuth);
opsBusinessRouter
  .openapi(r.opsCreateOrganisationRoute, h.opsCreateOrganisationHandler)
  .openapi(r.opsAddAdministratorRoute, h.opsAddAdministratorHandler)
  .openapi(nr.opsChargeNumberRoute, nh.opsChargeNumberHandler)
  .openapi(nr.opsNumberEsiaRoute, nh.opsNumberEsiaHandler);
