import { createRouter } from "../../app";
import * as h from "./invoices.handlers";
import * as r from "./invoices.routes";

/** Invoices for payment (счета на оплату) of an organisation, with the payment QR. */
export const invoicesRouter = createRouter();
invoicesRouter.use("/business/organisations/:orgId/invoices", h.issueGate);
invoicesRouter
  .openapi(r.issueInvoiceRoute, h.issueInvoiceHandler)
  .openapi(r.invoicesRoute, h.invoicesHandler)
  .openapi(r.invoiceRoute, h.invoiceHandler)
  .openapi(r.invoicePdfRoute, h.invoicePdfHandler);
