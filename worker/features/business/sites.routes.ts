import { createRoute, z } from "@hono/zod-openapi";
import { jsonBody, jsonResponse, problem } from "../../platform/openapi";

const tags = ["Business"];
const LIST_SORTS = ["site", "accountNo", "balance", "monthly"] as const;
const OrgParam = z.object({ orgId: z.string().max(60).openapi({ example: "org-demo-veter", description: "Organisation id" }) });

const unauthorized = problem("Not logged in");
const notFound = problem("No such organisation among yours (another organisation's id answers the same)");
const forbidden = problem("A member whose role does not allow this (the problem names the role)");
const invalid = problem("Invalid");

/** The accounts list's filters and order, shared by the list and its export. */
const ListQuery = z.object({
  q: z.string().max(100).optional().openapi({ description: "Part of an account number, an address, or a site's name or address" }),
  region: z
    .string()
    .regex(/^[a-z]{2,5}$/)
    .optional()
    .openapi({ description: "Only accounts of this region (its code: msk, spb, ekb…)" }),
  status: z.enum(["active", "blocked", "closed"]).optional(),
  negative: z
    .enum(["true", "false"])
    .optional()
    .transform((v) => v === "true")
    .openapi({ description: "Only accounts below zero" }),
  sort: z
    .enum(LIST_SORTS)
    .default("site")
    .openapi({ description: "Grouped by site always; within a site by number, balance or monthly charge" }),
  order: z.enum(["asc", "desc"]).default("asc"),
});

export const Figures = z
  .object({
    count: z.number().int(),
    balanceKop: z.number().int().openapi({ description: "Sum of the balances" }),
    monthlyKop: z.number().int().openapi({ description: "Sum of the monthly charges" }),
    negative: z.number().int().openapi({ description: "Accounts below zero" }),
  })
  .openapi("OrgAccountFigures");

export const ListedAccount = z
  .object({
    accountNo: z.string(),
    region: z.string(),
    address: z.string(),
    status: z.enum(["active", "blocked", "closed"]),
    balanceKop: z.number().int(),
    monthlyKop: z.number().int().openapi({ description: "Monthly fees of the active services" }),
    siteId: z.string().nullable(),
    siteName: z.string().nullable(),
  })
  .openapi("OrgListedAccount");

export const Site = z.object({ id: z.string(), name: z.string(), address: z.string(), accounts: z.number().int() }).openapi("OrgSite");

export const accountListRoute = createRoute({
  method: "get",
  path: "/business/organisations/{orgId}/account-list",
  tags,
  summary:
    "The accounts list: search, filters, grouped by site and sorted within each, with totals of the whole filtered set (one round of queries per shard; past 200 shards, the organisation's snapshot of at most 10 minutes)",
  request: {
    params: OrgParam,
    query: ListQuery.extend({
      offset: z.coerce.number().int().min(0).max(100_000).default(0),
      limit: z.coerce.number().int().min(1).max(100).default(50),
    }),
  },
  responses: {
    200: jsonResponse(
      "A page of the list, the totals and each site's figures",
      z.object({
        items: z.array(ListedAccount),
        totals: Figures,
        sites: z.array(Figures.extend({ id: z.string().nullable(), name: z.string().nullable() })),
        regions: z.array(z.string()).openapi({ description: "The regions of the caller's accounts (for the filter)" }),
        figuresAt: z.string().datetime().nullable().openapi({
          description:
            "For an organisation whose accounts are on many shards: the time of the balances and fees shown (a snapshot, at most 10 minutes old, or older while a new one is made); null when read now",
        }),
        offset: z.number().int(),
        nextOffset: z.number().int().nullable(),
      }),
    ),
    400: invalid,
    401: unauthorized,
    404: notFound,
    503: problem("An organisation on many shards whose balances are being read for the first time: try again in a minute"),
  },
});

export const accountListExportRoute = createRoute({
  method: "get",
  path: "/business/organisations/{orgId}/account-list/export",
  tags,
  summary: "The filtered accounts list with balances and monthly charges as XLSX or CSV (UTF-8 with BOM, `;`), audited",
  request: { params: OrgParam, query: ListQuery.extend({ format: z.enum(["xlsx", "csv"]).default("xlsx") }) },
  responses: {
    200: {
      description: "The file, as an attachment",
      content: {
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": { schema: z.string().openapi({ format: "binary" }) },
        "text/csv": { schema: z.string().openapi({ format: "binary" }) },
      },
    },
    400: invalid,
    401: unauthorized,
    404: notFound,
    503: problem("An organisation on many shards whose balances are being read for the first time: try again in a minute"),
  },
});

export const sitesRoute = createRoute({
  method: "get",
  path: "/business/organisations/{orgId}/sites",
  tags,
  summary: "The organisation's sites (площадки) the caller sees, with how many of their accounts each has",
  request: { params: OrgParam },
  responses: { 200: jsonResponse("Sites", z.object({ items: z.array(Site) })), 401: unauthorized, 404: notFound },
});

export const renameSiteRoute = createRoute({
  method: "patch",
  path: "/business/organisations/{orgId}/sites/{siteId}",
  tags,
  summary: "Rename a site (administrators; audited)",
  request: {
    params: OrgParam.extend({ siteId: z.string().max(80) }),
    // Checked after the membership (a stranger learns nothing from a 400): 2 to 100 characters.
    body: jsonBody(z.object({ name: z.string().max(200).optional() })),
  },
  responses: {
    200: jsonResponse("Renamed", z.object({ id: z.string(), name: z.string(), address: z.string() })),
    400: invalid,
    401: unauthorized,
    403: forbidden,
    404: notFound,
  },
});

export const moveAccountRoute = createRoute({
  method: "put",
  path: "/business/organisations/{orgId}/accounts/{accountNo}/site",
  tags,
  summary: "Move an account of the organisation to another of its sites (administrators; audited)",
  request: {
    params: OrgParam.extend({ accountNo: z.string().max(40) }),
    // Checked after the membership (a stranger learns nothing from a 400).
    body: jsonBody(z.object({ siteId: z.string().max(80).optional() })),
  },
  responses: {
    200: jsonResponse("Moved", z.object({ accountNo: z.string(), siteId: z.string() })),
    400: invalid,
    401: unauthorized,
    403: forbidden,
    404: notFound,
  },
});
