import { createRoute, z } from "@hono/zod-openapi";
import { jsonBody, jsonResponse, problem } from "../../platform/openapi";
import { MAX_INVOICE_KOP, MAX_INVOICE_LINES } from "./invoices.rules";

const tags = ["Business documents"];
const OrgParam = z.object({ orgId: z.string().max(60).openapi({ example: "org-demo-veter", description: "Organisation id" }) });
const InvoiceParam = OrgParam.extend({ invoiceId: z.string().max(60).openapi({ description: "Invoice id" }) });
const Kop = z.number().int().min(1).max(MAX_INVOICE_KOP);

const unauthorized = problem("Not logged in");
const notFound = problem("No such organisation or invoice among yours (another organisation's id answers the same)");
const forbidden = problem("A member whose role does not allow this (the problem names the role)");

export const Invoice = z
  .object({
    id: z.string(),
    number: z
      .string()
      .openapi({ example: "СЧ-2026-000123", description: "СЧ-<year>-<sequence: 6 digits, 7 past 999,999>, unique, never reused" }),
    date: z.string().openapi({ description: "Date of issue, YYYY-MM-DD (Moscow)" }),
    totalKop: z.number().int(),
    vatKop: z.number().int().openapi({
      description:
        "VAT included in the total at the rate of the issue day (22 % from 2026, 20 % before): total × p/(100+p), rounded half up to the kopeck",
    }),
    paidKop: z.number().int(),
    status: z
      .enum(["issued", "part_paid", "paid", "cancelled"])
      .openapi({ description: "issued, part_paid, paid (as bank payments are matched), cancelled" }),
    lines: z.array(z.object({ accountNo: z.string(), region: z.string(), amountKop: z.number().int() })),
    purpose: z.string().openapi({ description: "Purpose of payment, with the invoice's number and the VAT" }),
    qrPayload: z.string().openapi({
      description: "The payment QR's text per ГОСТ Р 56042-2014 (ST00012|Name=…|PersonalAcc=…|…|Sum=<kopecks>), drawn in the PDF",
    }),
    createdAt: z.string().datetime(),
  })
  .openapi("Invoice");

export const issueInvoiceRoute = createRoute({
  method: "post",
  path: "/business/organisations/{orgId}/invoices",
  tags,
  summary: "Issues an invoice for payment (счёт на оплату) for one or several accounts, exactly once per Idempotency-Key (kept 30 days)",
  description:
    "Administrators and accountants, for accounts within their scope. Give each line's amount, or a total that is split evenly (to the kopeck) across the lines without one.",
  request: {
    params: OrgParam,
    headers: z.object({
      "idempotency-key": z
        .string()
        .max(100)
        .openapi({ description: "A client-made key (UUID): the same key returns the same invoice for 30 days" }),
    }),
    body: jsonBody(
      z.object({
        lines: z
          .array(z.object({ accountNo: z.string().max(40), amountKop: Kop.optional() }))
          .min(1)
          .max(MAX_INVOICE_LINES),
        totalKop: Kop.optional().openapi({ description: "The total; required when a line has no amount" }),
      }),
    ),
  },
  responses: {
    201: jsonResponse("Issued", Invoice),
    200: jsonResponse("The same request again: the invoice issued the first time", Invoice),
    400: problem("Invalid amounts, accounts not of the organisation or outside the employee's scope, a malformed Idempotency-Key"),
    401: unauthorized,
    403: forbidden,
    404: notFound,
    409: problem("The key was used for a different request"),
  },
});

export const invoicesRoute = createRoute({
  method: "get",
  path: "/business/organisations/{orgId}/invoices",
  tags,
  summary: "The organisation's invoices, newest first (a limited employee sees those of their accounts)",
  request: {
    params: OrgParam,
    query: z.object({
      cursor: z
        .string()
        .max(64)
        .optional()
        .openapi({ description: "The page's `nextCursor` as it came (an invoice's id is taken for the position just after it, too)" }),
      limit: z.coerce.number().int().min(1).max(100).default(30),
    }),
  },
  responses: {
    200: jsonResponse("A page of invoices", z.object({ items: z.array(Invoice), nextCursor: z.string().nullable() })),
    400: problem("Invalid cursor"),
    401: unauthorized,
    403: forbidden,
    404: notFound,
  },
});

export const invoiceRoute = createRoute({
  method: "get",
  path: "/business/organisations/{orgId}/invoices/{invoiceId}",
  tags,
  summary: "One invoice",
  request: { params: InvoiceParam },
  responses: { 200: jsonResponse("Invoice", Invoice), 401: unauthorized, 403: forbidden, 404: notFound },
});

export const invoicePdfRoute = createRoute({
  method: "get",
  path: "/business/organisations/{orgId}/invoices/{invoiceId}/pdf",
  tags,
  summary: "The invoice as a PDF with the payment QR (ГОСТ Р 56042-2014)",
  request: { params: InvoiceParam },
  responses: {
    200: { description: "The PDF", content: { "application/pdf": { schema: z.string().openapi({ format: "binary" }) } } },
    401: unauthorized,
    403: forbidden,
    404: notFound,
  },
});
