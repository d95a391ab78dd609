import { createRoute, z } from "@hono/zod-openapi";
import { jsonResponse, problem } from "../../platform/openapi";

const tags = ["Business"];
const OrgParam = z.object({ orgId: z.string().max(60).openapi({ example: "org-demo-veter", description: "Organisation id" }) });
const DocParam = OrgParam.extend({
  docId: z.string().max(40).openapi({ description: "The document's id", example: "01kbq7m3w0v9c6d2h8r4t5y1zx" }),
  // A plain string, checked after the membership: a stranger learns nothing from a wrong format either (404).
  format: z
    .string()
    .max(10)
    .openapi({ example: "pdf", description: "pdf: the printed form; xml: the ФНС format 5.03 (УПД only), windows-1251" }),
});

const unauthorized = problem("Not logged in");
const notFound = problem("No such organisation among yours, or no such document (another organisation's id answers the same)");
const forbidden = problem("A member whose role is not administrator or accountant, or who sees only some of the accounts");

export const ClosingDocument = z
  .object({
    id: z.string(),
    kind: z.enum(["upd", "ukd"]).openapi({ description: "upd: УПД (статус 1); ukd: корректировочный документ to the month's УПД" }),
    number: z.string().nullable().openapi({
      example: "УПД-2026-000124",
      description: "Null for a moment while the document is being made: it takes its number once written",
    }),
    period: z.string().openapi({ description: "The month of the services, YYYY-MM", example: "2026-11" }),
    revision: z.number().int().openapi({ description: "0 for the УПД, 1, 2, … for its corrections" }),
    correctsNumber: z.string().nullable().openapi({ description: "The УПД a correction refers to" }),
    docDate: z.string().openapi({ description: "YYYY-MM-DD" }),
    totalKop: z.number().int().openapi({ description: "With VAT (a correction: the change, signed)" }),
    vatKop: z.number().int().openapi({ description: "VAT included in the total, at the rate of the period of the services" }),
    vatPercent: z
      .union([z.literal(20), z.literal(22)])
      .openapi({ description: "The VAT rate of the period of the services: 20 until December 2025, 22 from January 2026 (425-ФЗ)" }),
    status: z.enum(["generating", "ready"]).openapi({ description: "generating: being made; ready: сформирован, files to download" }),
    pdfUrl: z.string().nullable(),
    xmlUrl: z.string().nullable().openapi({ description: "The ФНС XML (5.03), for a УПД once ready" }),
  })
  .openapi("ClosingDocument");

export const closingDocumentsRoute = createRoute({
  method: "get",
  path: "/business/organisations/{orgId}/documents/closing",
  tags,
  summary: "The organisation's monthly closing documents (УПД and corrections), newest month first (administrators, accountants)",
  request: { params: OrgParam },
  responses: {
    200: jsonResponse("Closing documents", z.object({ items: z.array(ClosingDocument) })),
    401: unauthorized,
    403: forbidden,
    404: notFound,
  },
});

export const closingFileRoute = createRoute({
  method: "get",
  path: "/business/organisations/{orgId}/documents/closing/{docId}/{format}",
  tags,
  summary: "Downloads a closing document: the PDF, or the УПД's XML in the ФНС format 5.03 for an EDO operator",
  request: { params: DocParam },
  responses: {
    200: {
      description: "The file",
      content: {
        "application/pdf": { schema: z.string().openapi({ format: "binary" }) },
        "application/xml": { schema: z.string().openapi({ format: "binary" }) },
      },
    },
    401: unauthorized,
    403: forbidden,
    404: notFound,
    409: problem("Still being made"),
  },
});

// ── Operators' API (OPERATOR_TOKEN) ───────────────────────────────────

export const opsClosingMonthRoute = createRoute({
  method: "post",
  path: "/business/organisations/{orgId}/documents/closing/{period}",
  tags: ["Operators"],
  summary:
    "Make (or check again) an organisation's closing documents for a past month now, through the reports queue: the УПД if there is none, a correction if the month's charges changed since, nothing otherwise",
  security: [{ operatorToken: [] }],
  request: {
    params: OrgParam.extend({ period: z.string().max(7).openapi({ example: "2026-11", description: "A past month, YYYY-MM" }) }),
  },
  responses: {
    202: jsonResponse("Queued", z.object({ orgId: z.string(), period: z.string() })),
    400: problem("Not a past month"),
    401: problem("No or wrong operator token"),
    404: problem("No such organisation"),
  },
});
