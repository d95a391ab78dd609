import { createRouter } from "../../app";
import { operatorAuth } from "../../platform/operator";
import * as h from "./business.handlers";
import * as r from "./business.routes";
import * as sh from "./business-support.handlers";
import * as sr from "./business-support.routes";
import * as ch from "./closing.handlers";
import * as cr from "./closing.routes";
import { invoicesRouter } from "./invoices.index";
import * as nh from "./numbers.handlers";
import * as nr from "./numbers.routes";
import * as rh from "./reconciliation.handlers";
import * as rr from "./reconciliation.routes";
import * as sih from "./sites.handlers";
import * as sir from "./sites.routes";
import * as th from "./topup.handlers";
import * as tr from "./topup.routes";

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
  .openapi(r.auditExportRoute, h.auditExportHandler)
  // Closing documents (issue 24): УПД and corrections, PDF and the ФНС XML.
  .openapi(cr.closingDocumentsRoute, ch.closingDocumentsHandler)
  .openapi(cr.closingFileRoute, ch.closingFileHandler)
  // Paying for the organisation's accounts: one or many in one payment (topup.*).
  .openapi(tr.orgPayOptionsRoute, th.orgPayOptionsHandler)
  .openapi(tr.startOrgPaymentRoute, th.startOrgPaymentHandler)
  .openapi(tr.getOrgPaymentRoute, th.getOrgPaymentHandler)
  .openapi(tr.orgReceiptRoute, th.orgReceiptHandler)
  // Акт сверки (issue 24).
  .openapi(rr.requestReconciliationRoute, rh.requestReconciliationHandler)
  .openapi(rr.reconciliationRoute, rh.reconciliationHandler)
  .openapi(rr.reconciliationFileRoute, rh.reconciliationFileHandler)
  // Corporate mobile numbers (numbers.*).
  .openapi(nr.numbersRoute, nh.numbersHandler)
  // A change's caller is checked before its input (a stranger gets a 404, never a 400).
  .openapi({ ...nr.changeNumberRoute, middleware: [nh.numbersAccess] }, nh.changeNumberHandler)
  .openapi({ ...nr.blockNumberRoute, middleware: [nh.numbersAccess] }, nh.blockNumberHandler)
  .openapi({ ...nr.unblockNumberRoute, middleware: [nh.numbersAccess] }, nh.unblockNumberHandler)
  // Sites, the accounts list and its export (issue 23).
  .openapi(sir.accountListRoute, sih.accountListHandler)
  .openapi(sir.accountListExportRoute, sih.accountListExportHandler)
  .openapi(sir.sitesRoute, sih.sitesHandler)
  .openapi(sir.renameSiteRoute, sih.renameSiteHandler)
  .openapi(sir.moveAccountRoute, sih.moveAccountHandler);

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
  .openapi(cr.opsClosingMonthRoute, ch.opsClosingMonthHandler)
  .openapi(nr.opsChargeNumberRoute, nh.opsChargeNumberHandler)
  .openapi(nr.opsNumberEsiaRoute, nh.opsNumberEsiaHandler)
  .openapi(sr.opsSetManagerRoute, sh.opsSetManagerHandler)
  .openapi(sr.opsRemoveManagerRoute, sh.opsRemoveManagerHandler);

// Invoices for payment (issue 24): their own routes under /business/organisations/{orgId}/invoices.
businessRouter.route("/", invoicesRouter);
