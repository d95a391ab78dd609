import { createRoute, z } from "@hono/zod-openapi";
import { jsonBody, jsonResponse, problem } from "../../platform/openapi";

const tags = ["Business"];
const OrgParam = z.object({ orgId: z.string().max(60).openapi({ example: "org-demo-veter", description: "Organisation id" }) });
const NumberParam = OrgParam.extend({
  msisdn: z
    .string()
    .max(30)
    .openapi({ example: "+79160000101", description: "The number, +7 and 10 digits (other usual spellings are accepted)" }),
});

const unauthorized = problem("Not logged in");
const notFound = problem("No such organisation or number among yours (another organisation's answers the same)");
const forbidden = problem("A member whose role does not allow this (the problem names the role)");
const invalid = problem("Invalid (a bad number, a negative limit, an empty name)");
const preparing = problem("An organisation on many shards whose numbers are being read for the first time: try again in a minute");

export const CorporateNumber = z
  .object({
    msisdn: z.string(),
    accountNo: z.string(),
    region: z.string(),
    assignee: z.object({
      kind: z.enum(["employee", "device"]),
      name: z.string(),
      subscriberId: z.string().nullable().openapi({ description: "The organisation's member, when the employee is one" }),
    }),
    esiaConfirmed: z.boolean().openapi({ description: "The user is registered in ЕСИА (set by the operator)" }),
    limitKop: z.number().int().nullable().openapi({ description: "Monthly spend limit; null: none" }),
    blockAtLimit: z.boolean(),
    month: z.string().openapi({ description: "The region-local month the spend is of, YYYY-MM" }),
    spendKop: z.number().int(),
    usedPct: z.number().int().nullable(),
    status: z.enum(["active", "blocked", "limit_reached"]).openapi({
      description: "blocked: by a person (a lost SIM); limit_reached: blocked at 100 % until next month or a higher limit",
    }),
    changedAt: z.string().datetime().optional().openapi({
      description:
        "In the answer to a change or a block: when the server made it (a list from a snapshot older than this does not show it yet)",
    }),
  })
  .openapi("CorporateNumber");

export const numbersRoute = createRoute({
  method: "get",
  path: "/business/organisations/{orgId}/numbers",
  tags,
  summary: "The organisation's corporate mobile numbers: assignee, ЕСИА status, this month's spend against the limit, status",
  request: {
    params: OrgParam,
    query: z.object({
      esia: z.enum(["unconfirmed"]).optional().openapi({ description: "Only numbers not confirmed in ЕСИА" }),
      over: z.enum(["80"]).optional().openapi({ description: "Only numbers at 80 % of their limit or more" }),
    }),
  },
  responses: {
    200: jsonResponse(
      "Numbers",
      z.object({
        items: z.array(CorporateNumber),
        total: z.number().int(),
        unconfirmed: z.number().int(),
        over80: z.number().int(),
        blocked: z.number().int(),
        figuresAt: z.string().datetime().nullable().openapi({
          description:
            "For an organisation whose accounts are on many shards: the time of the snapshot the numbers and their spend come from (at most 10 minutes old, or older while a new one is made); null when read now",
        }),
      }),
    ),
    400: invalid,
    401: unauthorized,
    404: notFound,
    503: preparing,
  },
});

export const changeNumberRoute = createRoute({
  method: "put",
  path: "/business/organisations/{orgId}/numbers/{msisdn}",
  tags,
  summary: "Assign a number to an employee or a device, set its monthly limit and whether it is blocked at 100 %",
  request: {
    params: NumberParam,
    body: jsonBody(
      z.object({
        assignee: z.object({
          kind: z.enum(["employee", "device"]),
          name: z.string().min(1).max(120),
          subscriberId: z.string().max(60).nullable().optional(),
        }),
        limitKop: z.number().int().min(100).max(100_000_000).nullable().openapi({ description: "Kopecks; null: no limit" }),
        blockAtLimit: z.boolean(),
      }),
    ),
  },
  responses: {
    200: jsonResponse("Changed", CorporateNumber),
    400: invalid,
    401: unauthorized,
    403: forbidden,
    404: notFound,
    503: preparing,
  },
});

export const blockNumberRoute = createRoute({
  method: "post",
  path: "/business/organisations/{orgId}/numbers/{msisdn}/block",
  tags,
  summary: "Block a lost SIM (it stops being served and charged until unblocked)",
  request: { params: NumberParam },
  responses: {
    200: jsonResponse("Blocked", CorporateNumber),
    400: invalid,
    401: unauthorized,
    403: forbidden,
    404: notFound,
    503: preparing,
  },
});

export const unblockNumberRoute = createRoute({
  method: "post",
  path: "/business/organisations/{orgId}/numbers/{msisdn}/unblock",
  tags,
  summary: "Unblock a number blocked as a lost SIM",
  request: { params: NumberParam },
  responses: {
    200: jsonResponse("Unblocked", CorporateNumber),
    400: invalid,
    401: unauthorized,
    403: forbidden,
    404: notFound,
    503: preparing,
  },
});

// ── Operators' API (OPERATOR_TOKEN): the billing side's charges of a number, the ЕСИА status ──────────

const operatorToken = [{ operatorToken: [] }];
const OpsNumberParam = z.object({ msisdn: NumberParam.shape.msisdn });
const AccountNo = z.string().max(20).openapi({ description: "The account the number belongs to (where its data lives)" });

export const opsChargeNumberRoute = createRoute({
  method: "post",
  path: "/business/numbers/{msisdn}/charges",
  tags: ["Operators"],
  summary: "Charge a corporate number's use to its account, once per key; refused while the number is blocked or at its limit",
  security: operatorToken,
  request: {
    params: OpsNumberParam,
    body: jsonBody(
      z.object({
        accountNo: AccountNo,
        amountKop: z.number().int().min(1).max(100_000_000),
        key: z
          .string()
          .regex(/^[0-9A-Za-z._:-]{1,80}$/)
          .openapi({ description: "The billing side's id of the charge" }),
        occurredAt: z.iso.datetime({ offset: true }).optional(),
        description: z.object({ ru: z.string().min(1).max(200), en: z.string().min(1).max(200) }).optional(),
      }),
    ),
  },
  responses: {
    200: jsonResponse(
      "Charged, or why not",
      z.object({
        charged: z.boolean(),
        reason: z.enum(["blocked", "limit_reached", "repeated"]).nullable(),
        number: CorporateNumber,
      }),
    ),
    400: invalid,
    401: problem("No or wrong operator token"),
    404: problem("No such number on this account"),
  },
});

export const opsNumberEsiaRoute = createRoute({
  method: "put",
  path: "/business/numbers/{msisdn}/esia",
  tags: ["Operators"],
  summary: "Record whether the number's user is confirmed in ЕСИА (audited in the organisation's log)",
  security: operatorToken,
  request: { params: OpsNumberParam, body: jsonBody(z.object({ accountNo: AccountNo, confirmed: z.boolean() })) },
  responses: {
    200: jsonResponse("Recorded", CorporateNumber),
    400: invalid,
    401: problem("No or wrong operator token"),
    404: problem("No such number on this account"),
  },
});
