import { createRouter } from "../../app";
import * as h from "./accounts.handlers";
import * as r from "./accounts.routes";

/** The money view: accounts across shards, balances from the ledger, history, insight, relatives' accounts. */
export const accountsRouter = createRouter()
  .openapi(r.listAccountsRoute, h.listHandler)
  .openapi(r.linkStartRoute, h.linkStartHandler)
  .openapi(r.linkConfirmRoute, h.linkConfirmHandler)
  .openapi(r.accountRoute, h.detailHandler)
  .openapi(r.historyRoute, h.historyHandler)
  .openapi(r.insightRoute, h.insightHandler)
  .openapi(r.lowBalanceRoute, h.lowBalanceHandler)
  .openapi(r.unlinkRoute, h.unlinkHandler);
