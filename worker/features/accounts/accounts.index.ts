import { createRouter } from "../../app";
import * as h from "./accounts.handlers";
import * as r from "./accounts.routes";
import * as sh from "./statements.handlers";
import * as sr from "./statements.routes";

/** The money view: accounts across shards, balances from the ledger, history, insight, relatives' accounts. */
export const accountsRouter = createRouter()
  .openapi(r.listAccountsRoute, h.listHandler)
  .openapi(r.linkStartRoute, h.linkStartHandler)
  .openapi(r.linkConfirmRoute, h.linkConfirmHandler)
  .openapi(r.accountRoute, h.detailHandler)
  .openapi(r.historyRoute, h.historyHandler)
  .openapi(r.insightRoute, h.insightHandler)
  .openapi(r.lowBalanceRoute, h.lowBalanceHandler)
  .openapi(r.unlinkRoute, h.unlinkHandler)
  // Monthly statements (выписки) of closed months, issue 24's «Документы» of the private cabinet.
  .openapi(sr.statementsRoute, sh.statementsHandler)
  .openapi(sr.statementPdfRoute, sh.statementPdfHandler);
