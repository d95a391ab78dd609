import { createRoute, z } from "@hono/zod-openapi";
import { BANK_LINE_STATUSES } from "../../db/schema/global";
import { jsonBody, jsonResponse, problem } from "../../platform/openapi";
import { STATEMENT_MAX_BYTES } from "./bank.parse";

const operatorToken = [{ operatorToken: [] }];
const unauthorized = problem("No or wrong operator token");

const Target = z.object({ accountNo: z.string(), amountKop: z.number().int() });

export const BankLineDto = z
  .object({
    id: z.string().openapi({ description: "SHA-256 of the payment's identity: the same in every statement it appears in" }),
    docNumber: z.string(),
    docDate: z.string(),
    receivedOn: z.string().nullable(),
    amountKop: z.number().int(),
    payerName: z.string(),
    payerInn: z.string(),
    payerAccount: z.string(),
    purpose: z.string(),
    status: z.enum(BANK_LINE_STATUSES),
    reason: z.string().nullable().openapi({
      description:
        "Why it waits for an operator: no_match, ambiguous, invoice_not_found, invoice_cancelled, invoice_unavailable (its home shard not bound)",
    }),
    matchedBy: z.string().nullable(),
    invoiceNumber: z.string().nullable(),
    targets: z.array(Target),
    assignedBy: z.string().nullable().openapi({ description: "Who assigned it by hand (the operators' API)" }),
    assignedAddress: z.string().nullable().openapi({ description: "The address the assignment came from" }),
    matchedAt: z.string().nullable(),
    createdAt: z.string(),
    creditedAt: z.string().nullable(),
  })
  .openapi("BankStatementLine");

const ImportResultDto = z
  .object({
    statementId: z.string(),
    encoding: z.string(),
    documents: z.number().int(),
    incoming: z.number().int(),
    newLines: z.number().int(),
    lines: z.object({ credited: z.number().int(), queued: z.number().int(), pending: z.number().int() }),
    creditedNow: z.number().int(),
    tooOld: z
      .number()
      .int()
      .openapi({ description: "Incoming payments dated more than a year before the upload: not imported, to be handled by hand" }),
  })
  .openapi("BankStatementImport");

export const importStatementRoute = createRoute({
  method: "post",
  path: "/bank-statements",
  tags: ["Operators"],
  security: operatorToken,
  summary:
    "Imports a bank statement in the 1CClientBankExchange format (Windows-1251, DOS/CP866 or UTF-8): incoming payments to the operator's account are matched by invoice number, account number or the payer's ИНН and credited exactly once per line; the rest wait in the queue",
  request: {
    headers: z.object({ "x-file-name": z.string().max(300).optional() }),
    body: {
      required: true,
      description: `The file as it is, up to ${STATEMENT_MAX_BYTES / 1024 / 1024} MB`,
      content: { "text/plain": { schema: z.string().openapi({ format: "binary" }) } },
    },
  },
  responses: {
    200: jsonResponse("Imported; `lines.pending` are finished by the queue", ImportResultDto),
    400: problem("Malformed file: the title names the line, `errors` the reason"),
    401: unauthorized,
    413: problem("The file is too large"),
  },
});

export const listLinesRoute = createRoute({
  method: "get",
  path: "/bank-statements/lines",
  tags: ["Operators"],
  security: operatorToken,
  summary: "Statement lines by status, oldest first: `queued` (the default) is the operators' queue of unmatched and ambiguous payments",
  request: {
    query: z.object({
      status: z.enum(BANK_LINE_STATUSES).default("queued"),
      limit: z.coerce.number().int().min(1).max(200).default(50),
      after: z.string().max(100).optional(),
    }),
  },
  responses: {
    200: jsonResponse("A page of lines", z.object({ items: z.array(BankLineDto), next: z.string().nullable() })),
    400: problem("Check the parameters"),
    401: unauthorized,
  },
});

export const assignLineRoute = createRoute({
  method: "post",
  path: "/bank-statements/lines/{id}/assign",
  tags: ["Operators"],
  security: operatorToken,
  summary: "Assigns a queued line by hand to an account or to an invoice (split pro rata over its lines) and credits it, once",
  request: {
    params: z.object({ id: z.string().regex(/^[0-9a-f]{64}$/) }),
    body: jsonBody(
      z
        .object({
          accountNo: z.string().max(30).optional(),
          invoiceNumber: z.string().max(30).optional(),
        })
        .refine((b) => (b.accountNo === undefined) !== (b.invoiceNumber === undefined), {
          message: "field.bankAssign",
          path: ["accountNo"],
        }),
    ),
  },
  responses: {
    200: jsonResponse("Assigned and credited", BankLineDto),
    400: problem("Neither or both of accountNo and invoiceNumber, or no such account or open invoice"),
    401: unauthorized,
    404: problem("No such line"),
    409: problem("The line is not in the queue (already matched or credited)"),
  },
});
