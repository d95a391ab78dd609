import { bodyLimit } from "hono/body-limit";
import { createRouter } from "../../app";
import { AppError } from "../../platform/errors";
import { operatorAuth } from "../../platform/operator";
import * as h from "./bank.handlers";
import { STATEMENT_MAX_BYTES } from "./bank.parse";
import * as r from "./bank.routes";

/** The operators' bank statement import (Bearer OPERATOR_TOKEN, like the rest of /ops). */
export const opsBankRouter = createRouter();
opsBankRouter.use("/bank-statements", operatorAuth);
opsBankRouter.use("/bank-statements/*", operatorAuth);
// Refused while it streams in, before it is all read.
opsBankRouter.post(
  "/bank-statements",
  bodyLimit({
    maxSize: STATEMENT_MAX_BYTES,
    onError: () => {
      throw new AppError(413, "bank_statement_too_large", { mb: STATEMENT_MAX_BYTES / 1024 / 1024 });
    },
  }),
);
opsBankRouter
  .openapi(r.importStatementRoute, h.importStatementHandler)
  .openapi(r.listLinesRoute, h.listLinesHandler)
  .openapi(r.assignLineRoute, h.assignLineHandler);
