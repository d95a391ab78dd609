import { createRoute, z } from "@hono/zod-openapi";
import { jsonResponse, problem, type ResponseOf } from "../../platform/openapi";

const tags = ["Accounts"];
const AccountParam = z.object({
  accountNo: z.string().max(40).openapi({ example: "201000000012", description: "Personal account number (лицевой счёт)" }),
});
const notFound = problem("No such account of yours, or no such closed month");

/** A closed month of an account: what its monthly statement (выписка) says. */
export const Statement = z
  .object({
    month: z.string().openapi({ example: "2026-10", description: "YYYY-MM, the region's calendar" }),
    openingKop: z.number().int().openapi({ description: "Balance at the month's start" }),
    chargesKop: z.number().int().openapi({ description: "Charged in the month (negative)" }),
    paymentsKop: z.number().int(),
    refundsKop: z.number().int(),
    adjustmentsKop: z.number().int(),
    promisedKop: z.number().int(),
    bonusKop: z.number().int(),
    closingKop: z.number().int().openapi({ description: "Balance at the month's end" }),
    pdfUrl: z.string(),
  })
  .openapi("Statement");

export const statementsRoute = createRoute({
  method: "get",
  path: "/accounts/{accountNo}/statements",
  tags,
  summary: "The account's monthly statements (closed months, up to 36, newest first)",
  request: { params: AccountParam },
  responses: { 200: jsonResponse("The statements", z.object({ items: z.array(Statement) })), 401: problem("Not logged in"), 404: notFound },
});

export const statementPdfRoute = createRoute({
  method: "get",
  path: "/accounts/{accountNo}/statements/{month}/pdf",
  tags,
  summary: "A monthly statement as PDF: opening balance, every entry of the month, totals, closing balance",
  request: { params: AccountParam.extend({ month: z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/) }) },
  responses: {
    200: { description: "The PDF, as an attachment", content: { "application/pdf": { schema: z.string().openapi({ format: "binary" }) } } },
    400: problem("Not a month"),
    401: problem("Not logged in"),
    404: notFound,
  },
});

export type StatementsDto = ResponseOf<typeof statementsRoute>;
