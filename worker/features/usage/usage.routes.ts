import { createRoute, z } from "@hono/zod-openapi";
import { REPORT_FORMATS, REPORT_STATUSES, TARIFF_KINDS, USAGE_CATEGORIES } from "../../db/schema/region";
import { type BodyOf, CalendarDay, jsonBody, jsonResponse, problem } from "../../platform/openapi";

const AccountParam = z.object({ accountNo: z.string().max(40).openapi({ example: "201000000012" }) });
const ReportParam = AccountParam.extend({ reportId: z.string().max(64) });
const Day = CalendarDay;
const Category = z.enum(USAGE_CATEGORIES);
const Localized = z.object({ ru: z.string(), en: z.string() });

const notFound = problem("No such account among yours, or no such report of yours (a stranger's answers the same)");
const unauthorized = problem("Not logged in");
const holderOnly = problem("Only the contract holder gets usage detail (communications privacy)");

const Totals = z.array(
  z.object({
    category: Category,
    count: z.number().int(),
    durationSec: z.number().int(),
    volumeKb: z.number().int(),
    costKop: z.number().int(),
  }),
);

export const UsageView = z
  .object({
    accountNo: z.string(),
    tz: z.string(),
    from: z.string(),
    to: z.string(),
    serviceId: z.string().nullable(),
    categories: z.array(Category),
    labels: z.record(Category, Localized).openapi({ description: "What each category is called" }),
    services: z.array(
      z.object({ id: z.string(), kind: z.enum(TARIFF_KINDS), name: Localized, status: z.string(), categories: z.array(Category) }),
    ),
    items: z.array(
      z.object({
        id: z.string(),
        serviceId: z.string(),
        category: Category,
        direction: z.enum(["in", "out"]).nullable(),
        peer: z.string().nullable(),
        startedAt: z.string().datetime(),
        local: z.string().openapi({ description: "Region-local date and time, dd.mm.yyyy hh:mm:ss" }),
        durationSec: z.number().int().nullable(),
        volumeKb: z.number().int().nullable(),
        costKop: z.number().int(),
        title: Localized.nullable(),
      }),
    ),
    totals: Totals.openapi({ description: "Per category, over the whole filter (not only this page)" }),
    total: z
      .object({
        records: z.number().int(),
        callSec: z.number().int().openapi({ description: "Time of calls only (not of internet sessions)" }),
        dataKb: z.number().int().openapi({ description: "Internet volume" }),
        smsCount: z.number().int().openapi({ description: "SMS, in pieces" }),
        costKop: z.number().int(),
      })
      .openapi({ description: "«Всего» over the whole filter, one figure per unit" }),
    nextCursor: z.string().nullable(),
  })
  .openapi("UsageView");

export const Report = z
  .object({
    id: z.string(),
    accountNo: z.string(),
    serviceId: z.string().nullable(),
    from: z.string(),
    to: z.string(),
    categories: z.array(Category),
    format: z.enum(REPORT_FORMATS),
    delivery: z.enum(["cabinet", "email"]),
    email: z.string().nullable(),
    status: z.enum(REPORT_STATUSES),
    progress: z.number().int().min(0).max(100),
    rowCount: z.number().int().nullable(),
    totalCostKop: z.number().int().nullable(),
    sizeBytes: z.number().int().nullable(),
    createdAt: z.string().datetime(),
    readyAt: z.string().datetime().nullable(),
    expiresAt: z.string().datetime().nullable(),
    downloadUrl: z.string().nullable(),
  })
  .openapi("UsageReport");

const categoriesParam = z
  .string()
  .regex(new RegExp(`^(${USAGE_CATEGORIES.join("|")})(,(${USAGE_CATEGORIES.join("|")}))*$`))
  .optional()
  .openapi({ description: "Comma-separated categories; default: every one the service has" });

export const usageRoute = createRoute({
  method: "get",
  path: "/accounts/{accountNo}/usage",
  tags: ["Usage detail"],
  summary: "Usage detail on screen («Обновить»): records in time order with totals, for a period, a service and categories",
  request: {
    params: AccountParam,
    query: z.object({
      from: Day.optional(),
      to: Day.optional(),
      service: z.string().max(100).optional(),
      categories: categoriesParam,
      cursor: z.string().max(300).optional(),
      limit: z.coerce.number().int().min(1).max(200).default(50),
    }),
  },
  responses: {
    200: jsonResponse("A page of records and the totals", UsageView),
    400: problem("Invalid period, service, categories or cursor"),
    401: unauthorized,
    403: holderOnly,
    404: notFound,
  },
});

export const orderRoute = createRoute({
  method: "post",
  path: "/accounts/{accountNo}/usage/reports",
  tags: ["Usage detail"],
  summary: "Orders a report as PDF or XLSX, into the cabinet or to an email; it is made in the background",
  request: {
    params: AccountParam,
    body: jsonBody(
      z.object({
        from: Day,
        to: Day,
        serviceId: z.string().max(100).optional(),
        categories: z.array(Category).max(USAGE_CATEGORIES.length).optional(),
        format: z.enum(REPORT_FORMATS),
        delivery: z.enum(["cabinet", "email"]).default("cabinet"),
        email: z.string().email().max(254).optional(),
      }),
    ),
  },
  responses: {
    202: jsonResponse("Queued", Report),
    400: problem("Invalid period, service, categories or email"),
    401: unauthorized,
    403: holderOnly,
    404: notFound,
    429: problem("Too many reports ordered this hour"),
  },
});

export const reportsRoute = createRoute({
  method: "get",
  path: "/accounts/{accountNo}/usage/reports",
  tags: ["Usage detail"],
  summary: "Reports you ordered for this account, newest first, with their progress",
  request: { params: AccountParam },
  responses: { 200: jsonResponse("Reports", z.object({ items: z.array(Report) })), 401: unauthorized, 403: holderOnly, 404: notFound },
});

export const reportRoute = createRoute({
  method: "get",
  path: "/accounts/{accountNo}/usage/reports/{reportId}",
  tags: ["Usage detail"],
  summary: "One report and its progress",
  request: { params: ReportParam },
  responses: { 200: jsonResponse("Report", Report), 401: unauthorized, 403: holderOnly, 404: notFound },
});

export const fileRoute = createRoute({
  method: "get",
  path: "/accounts/{accountNo}/usage/reports/{reportId}/file",
  tags: ["Usage detail"],
  summary: "Downloads a ready report (the orderer's session)",
  request: { params: ReportParam },
  responses: {
    200: {
      description: "The file",
      content: {
        "application/pdf": { schema: z.string().openapi({ format: "binary" }) },
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": { schema: z.string().openapi({ format: "binary" }) },
      },
    },
    401: unauthorized,
    403: holderOnly,
    404: notFound,
    409: problem("Still being made"),
    410: problem("Expired or failed"),
  },
});

export type UsageViewDto = z.infer<typeof UsageView>;
export type UsageReportDto = z.infer<typeof Report>;
/** An order of a usage-detail report (детализация), as the client sends it. */
export type UsageOrder = BodyOf<typeof orderRoute>;
