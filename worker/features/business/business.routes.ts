import { createRoute, z } from "@hono/zod-openapi";
import { ORG_ROLES } from "../../db/schema/global";
import { CalendarDay, jsonBody, jsonResponse, problem } from "../../platform/openapi";

const tags = ["Business"];
const OrgParam = z.object({ orgId: z.string().max(60).openapi({ example: "org-demo-veter", description: "Organisation id" }) });
const MemberParam = OrgParam.extend({ subscriberId: z.string().max(60).openapi({ description: "The employee's person id" }) });
const Role = z
  .enum(ORG_ROLES)
  .openapi({ description: "administrator, accountant (documents, payments), manager (services, tariffs), viewer" });
const AccountNos = z
  .array(z.string().max(40))
  .max(500)
  .nullable()
  .optional()
  .openapi({ description: "Limit the employee to these accounts of the organisation; null or absent: every account" });
const SiteIds = z
  .array(z.string().max(80))
  .max(100)
  .nullable()
  .optional()
  .openapi({ description: "Limit the employee to the accounts of these sites (as they are moved, too); adds to accountNos" });

const unauthorized = problem("Not logged in");
const notFound = problem("No such organisation among yours (another organisation's id answers the same)");
const forbidden = problem("A member whose role does not allow this (the problem names the role)");
const invalid = problem("Invalid");

export const Organisation = z
  .object({
    id: z.string(),
    kind: z.enum(["legal", "entrepreneur"]),
    name: z.string(),
    inn: z.string(),
    kpp: z.string().nullable(),
    ogrn: z.string(),
    legalAddress: z.string(),
    postalAddress: z.string(),
    bank: z.object({ bik: z.string(), name: z.string(), settlementAccount: z.string() }),
    role: Role,
    limited: z.boolean().openapi({ description: "The caller sees only some of the organisation's accounts" }),
    accountCount: z.number().int().openapi({ description: "Accounts the caller sees" }),
  })
  .openapi("Organisation");

export const OrgAccount = z
  .object({
    accountNo: z.string(),
    region: z.string(),
    address: z.string(),
    status: z.enum(["active", "blocked", "closed"]),
    balanceKop: z.number().int(),
    monthlyKop: z.number().int().openapi({ description: "Monthly fees of the active services" }),
  })
  .openapi("OrgAccount");

export const Employee = z
  .object({
    subscriberId: z.string(),
    name: z.string(),
    phone: z.string().nullable(),
    email: z.string().nullable(),
    role: Role,
    accountNos: z.array(z.string()).nullable(),
    siteIds: z.array(z.string()).nullable(),
    since: z.string().datetime(),
  })
  .openapi("Employee");

export const Invite = z
  .object({
    id: z.string(),
    contact: z.string(),
    channel: z.enum(["sms", "email"]),
    role: Role,
    accountNos: z.array(z.string()).nullable(),
    siteIds: z.array(z.string()).nullable(),
    expiresAt: z.string().datetime(),
  })
  .openapi("OrgInvite");

export const AuditItem = z
  .object({
    id: z.string(),
    at: z.string().datetime(),
    actor: z.object({ id: z.string().nullable(), name: z.string(), operator: z.boolean() }),
    action: z.string(),
    target: z.string().nullable(),
    details: z.record(z.string(), z.unknown()).nullable(),
    address: z.string().nullable(),
  })
  .openapi("OrgAuditEntry");

export const myOrganisationsRoute = createRoute({
  method: "get",
  path: "/business/organisations",
  tags,
  summary: "The organisations the person belongs to, with their role (to switch between them and the private cabinet)",
  responses: {
    200: jsonResponse(
      "Organisations",
      z.object({
        items: z.array(
          z.object({ id: z.string(), name: z.string(), kind: z.enum(["legal", "entrepreneur"]), inn: z.string(), role: Role }),
        ),
      }),
    ),
    401: unauthorized,
  },
});

export const organisationRoute = createRoute({
  method: "get",
  path: "/business/organisations/{orgId}",
  tags,
  summary: "The organisation's card: requisites, addresses, bank details, the caller's role",
  request: { params: OrgParam },
  responses: { 200: jsonResponse("Organisation", Organisation), 401: unauthorized, 404: notFound },
});

export const orgAccountsRoute = createRoute({
  method: "get",
  path: "/business/organisations/{orgId}/accounts",
  tags,
  summary: "The organisation's accounts across regions, with balances (paginated by account number)",
  request: {
    params: OrgParam,
    query: z.object({
      cursor: z.string().max(40).optional(),
      limit: z.coerce.number().int().min(1).max(100).default(50),
    }),
  },
  responses: {
    200: jsonResponse(
      "A page of accounts",
      z.object({ items: z.array(OrgAccount), total: z.number().int(), nextCursor: z.string().nullable() }),
    ),
    400: invalid,
    401: unauthorized,
    404: notFound,
  },
});

export const employeesRoute = createRoute({
  method: "get",
  path: "/business/organisations/{orgId}/employees",
  tags,
  summary: "Employees with roles and scopes, and pending invitations (administrators)",
  request: { params: OrgParam },
  responses: {
    200: jsonResponse("Employees", z.object({ members: z.array(Employee), invites: z.array(Invite) })),
    401: unauthorized,
    403: forbidden,
    404: notFound,
  },
});

export const inviteRoute = createRoute({
  method: "post",
  path: "/business/organisations/{orgId}/invites",
  tags,
  summary: "Invite a person by phone or email with a role (a code valid 72 hours, single use)",
  request: {
    params: OrgParam,
    body: jsonBody(z.object({ contact: z.string().min(1).max(254), role: Role, accountNos: AccountNos, siteIds: SiteIds })),
  },
  responses: {
    201: jsonResponse("Sent", z.object({ id: z.string(), expiresAt: z.string().datetime() })),
    400: invalid,
    401: unauthorized,
    403: forbidden,
    404: notFound,
  },
});

export const changeEmployeeRoute = createRoute({
  method: "put",
  path: "/business/organisations/{orgId}/employees/{subscriberId}",
  tags,
  summary: "Change an employee's role and the accounts they may see",
  request: { params: MemberParam, body: jsonBody(z.object({ role: Role, accountNos: AccountNos, siteIds: SiteIds })) },
  responses: {
    204: { description: "Changed" },
    400: invalid,
    401: unauthorized,
    403: forbidden,
    404: notFound,
    409: problem("The last administrator cannot be demoted"),
  },
});

export const removeEmployeeRoute = createRoute({
  method: "delete",
  path: "/business/organisations/{orgId}/employees/{subscriberId}",
  tags,
  summary: "Remove an employee from the organisation",
  request: { params: MemberParam },
  responses: {
    204: { description: "Removed" },
    401: unauthorized,
    403: forbidden,
    404: notFound,
    409: problem("The last administrator cannot be removed"),
  },
});

/** The audit log's filter (`auditFilterOf` in business.service.ts reads the same rules before validation). */
const Day = CalendarDay;
const AuditFilterQuery = z.object({
  kind: z
    .enum(["people", "money", "numbers", "sites", "documents", "support"])
    .optional()
    .openapi({ description: "people: employees and invitations; money: payments and invoices; numbers; sites; documents; support" }),
  actor: z.string().max(60).optional().openapi({ description: "Only what this person did (their id)" }),
  from: Day.optional().openapi({ description: "From this Moscow day, YYYY-MM-DD" }),
  to: Day.optional().openapi({ description: "Up to this Moscow day, YYYY-MM-DD" }),
});

export const auditRoute = createRoute({
  method: "get",
  path: "/business/organisations/{orgId}/audit",
  tags,
  summary: "Who did what in the organisation, newest first (administrators; cursor pagination; filters)",
  request: {
    params: OrgParam,
    query: AuditFilterQuery.extend({
      cursor: z.string().max(40).optional(),
      limit: z.coerce.number().int().min(1).max(100).default(30),
    }),
  },
  responses: {
    200: jsonResponse("A page of the log", z.object({ items: z.array(AuditItem), nextCursor: z.string().nullable() })),
    400: invalid,
    401: unauthorized,
    403: forbidden,
    404: notFound,
  },
});

export const auditExportRoute = createRoute({
  method: "get",
  path: "/business/organisations/{orgId}/audit/export",
  tags,
  summary: "The audit log found by the filter as XLSX or CSV (UTF-8 with BOM, `;`), newest first, up to 10,000 entries; audited",
  request: { params: OrgParam, query: AuditFilterQuery.extend({ format: z.enum(["xlsx", "csv"]).default("xlsx") }) },
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
    403: forbidden,
    404: notFound,
  },
});

export const acceptInviteRoute = createRoute({
  method: "post",
  path: "/business/invites/accept",
  tags,
  summary: "Accept an invitation with its code",
  request: { body: jsonBody(z.object({ code: z.string().min(1).max(20) })) },
  responses: {
    200: jsonResponse("Joined", z.object({ orgId: z.string() })),
    400: problem("Wrong, spent or expired code"),
    401: unauthorized,
    429: problem("Too many tries"),
  },
});

export const joinStartRoute = createRoute({
  method: "post",
  path: "/business/join/start",
  tags,
  summary: "The first administrator: a code to the contact on the organisation's contract, found by ИНН",
  request: { body: jsonBody(z.object({ inn: z.string().max(20), channel: z.enum(["sms", "email"]).default("sms") })) },
  responses: {
    202: jsonResponse("A code was sent if the organisation exists", z.object({ expiresAt: z.string().datetime() })),
    400: invalid,
    401: unauthorized,
    429: problem("Too soon"),
  },
});

export const joinConfirmRoute = createRoute({
  method: "post",
  path: "/business/join/confirm",
  tags,
  summary: "Confirm with the code: become the organisation's administrator (if it has none yet)",
  request: { body: jsonBody(z.object({ inn: z.string().max(20), code: z.string().max(12) })) },
  responses: {
    200: jsonResponse("Joined", z.object({ orgId: z.string() })),
    400: problem("Wrong code"),
    401: unauthorized,
    409: problem("The organisation already has an administrator: ask them for an invitation"),
    429: problem("Too many tries"),
  },
});

// ── Operators' API (OPERATOR_TOKEN) ───────────────────────────────────

const operatorToken = [{ operatorToken: [] }];

export const opsCreateOrganisationRoute = createRoute({
  method: "post",
  path: "/business/organisations",
  tags: ["Operators"],
  summary: "Register an organisation from its contract: requisites (checked) and its accounts in any regions",
  security: operatorToken,
  request: {
    body: jsonBody(
      z.object({
        kind: z.enum(["legal", "entrepreneur"]),
        name: z.string().min(2).max(300),
        inn: z.string().max(20),
        kpp: z.string().max(20).nullable().optional(),
        ogrn: z.string().max(20),
        legalAddress: z.string().min(5).max(500),
        postalAddress: z.string().min(5).max(500),
        bik: z.string().max(20),
        bankName: z.string().min(2).max(300),
        settlementAccount: z.string().max(30),
        contactPhone: z.string().max(30).nullable().optional(),
        contactEmail: z.string().max(254).nullable().optional(),
        accountNos: z.array(z.string().max(40)).max(5000),
      }),
    ),
  },
  responses: {
    201: jsonResponse("Registered", z.object({ id: z.string() })),
    400: invalid,
    401: problem("No or wrong operator token"),
    409: problem("An organisation with this ИНН exists"),
  },
});

export const opsAddAdministratorRoute = createRoute({
  method: "post",
  path: "/business/organisations/{orgId}/administrators",
  tags: ["Operators"],
  summary: "Make a subscriber (by phone or email) the organisation's administrator",
  security: operatorToken,
  request: { params: OrgParam, body: jsonBody(z.object({ contact: z.string().min(1).max(254) })) },
  responses: {
    201: jsonResponse("Added", z.object({ subscriberId: z.string() })),
    400: invalid,
    401: problem("No or wrong operator token"),
    404: problem("No such organisation"),
  },
});
