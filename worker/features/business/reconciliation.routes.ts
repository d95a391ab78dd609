import { createRoute, z } from "@hono/zod-openapi";
import { RECONCILIATION_STATUSES } from "../../db/schema/global";
import { jsonBody, jsonResponse, problem } from "../../platform/openapi";

const tags = ["Business"];
const OrgParam = z.object({ orgId: z.string().max(60).openapi({ example: "org-demo-veter", description: "Organisation id" }) });
const ActParam = OrgParam.extend({ id: z.string().max(80).openapi({ description: "The act's id" }) });
// Optional in the schema and checked by the service after the membership (a 400 naming the field), so a stranger
// gets the same 404 whatever the body says.
const Day = z.string().max(40).optional().openapi({ example: "2026-01-01", description: "A local day, YYYY-MM-DD (required)" });

const unauthorized = problem("Not logged in");
const notFound = problem("No such organisation or act among yours (another organisation's id answers the same)");
const forbidden = problem("A member whose role does not allow documents (the problem names the role)");

export const Reconciliation = z
  .object({
    id: z.string(),
    status: z.enum(RECONCILIATION_STATUSES),
    from: z.string(),
    to: z.string(),
    accounts: z.number().int().openapi({ description: "Accounts the act covers" }),
    createdAt: z.string().datetime(),
    readyAt: z.string().datetime().nullable(),
    totals: z
      .object({
        openingKop: z.number().int(),
        debitKop: z.number().int().openapi({ description: "Charged in the period (дебет)" }),
        creditKop: z.number().int().openapi({ description: "Paid in the period (кредит)" }),
        closingKop: z.number().int(),
      })
      .nullable()
      .openapi({ description: "Balances in the ledger's sign: positive is the customer's advance, negative their debt" }),
    pdfUrl: z.string().nullable(),
    xlsxUrl: z.string().nullable(),
  })
  .openapi("Reconciliation");

export const requestReconciliationRoute = createRoute({
  method: "post",
  path: "/business/organisations/{orgId}/reconciliations",
  tags,
  summary: "Ask for an акт сверки over a period (administrators, accountants; made by the reports queue)",
  request: {
    params: OrgParam,
    body: jsonBody(
      z.object({
        from: Day,
        to: Day,
        accounts: z
          .array(z.string().max(40))
          .max(1000)
          .nullable()
          .optional()
          .openapi({ description: "Only these of the caller's accounts; absent or empty: all of them" }),
      }),
    ),
  },
  responses: {
    202: jsonResponse("Queued", z.object({ id: z.string(), status: z.literal("queued"), accounts: z.number().int() })),
    400: problem("Invalid period (not a date, ends before it starts or in the future, longer than 3 years) or accounts"),
    401: unauthorized,
    403: forbidden,
    404: notFound,
  },
});

export const reconciliationRoute = createRoute({
  method: "get",
  path: "/business/organisations/{orgId}/reconciliations/{id}",
  tags,
  summary: "An акт сверки: its status, totals and the links to its PDF and XLSX",
  request: { params: ActParam },
  responses: {
    200: jsonResponse("The act", Reconciliation),
    401: unauthorized,
    403: forbidden,
    404: notFound,
  },
});

export const reconciliationFileRoute = createRoute({
  method: "get",
  path: "/business/organisations/{orgId}/reconciliations/{id}/{format}",
  tags,
  summary: "Downloads a ready акт сверки as PDF or XLSX",
  // The format is checked after membership (pdf or xlsx, else 404), so a stranger gets a 404 whatever they send.
  request: {
    params: ActParam.extend({
      format: z
        .string()
        .max(60)
        .openapi({ enum: ["pdf", "xlsx"], example: "pdf" }),
    }),
  },
  responses: {
    200: {
      description: "The file",
      content: {
        "application/pdf": { schema: z.string().openapi({ format: "binary" }) },
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": { schema: z.string().openapi({ format: "binary" }) },
      },
    },
    401: unauthorized,
    403: forbidden,
    404: notFound,
    409: problem("Still being made"),
    410: problem("Could not be made"),
  },
});

export type ReconciliationDto = z.infer<typeof Reconciliation>;
