import { createRoute, z } from "@hono/zod-openapi";
import { LEDGER_KINDS, TARIFF_KINDS } from "../../db/schema/region";
import { type BodyOf, CalendarDay, jsonBody, jsonResponse, problem, type ResponseOf } from "../../platform/openapi";

const Localized = z.object({ ru: z.string(), en: z.string() });
const AccountParam = z.object({
  accountNo: z.string().max(40).openapi({ example: "201000000012", description: "Personal account number (лицевой счёт)" }),
});

export const AccountService = z
  .object({
    id: z.string(),
    tariffId: z.string(),
    kind: z.enum(TARIFF_KINDS),
    name: Localized,
    priceKop: z.number().int(),
    status: z.enum(["active", "suspended", "ended"]),
    since: z.string().datetime(),
  })
  .openapi("AccountService");

export const Account = z
  .object({
    accountNo: z.string(),
    role: z.enum(["owner", "payer", "viewer"]),
    region: z.string(),
    holderName: z.string(),
    address: z.string(),
    status: z.enum(["active", "blocked", "closed"]),
    balanceKop: z.number().int().openapi({ description: "The sum of the account's ledger, in kopecks" }),
    lowBalanceKop: z.number().int().nullable(),
    lowBalance: z.boolean(),
    monthlyKop: z.number().int(),
    nextChargeDay: z.string(),
    bonusPoints: z.number().int().nullable().openapi({ description: "«Бонус» points; null when not in the programme" }),
    services: z.array(AccountService),
  })
  .openapi("Account");

export const LedgerEntry = z
  .object({
    id: z.string(),
    kind: z.enum(LEDGER_KINDS),
    amountKop: z.number().int().openapi({ description: "Positive: money in; negative: charges" }),
    occurredAt: z.string().datetime(),
    localDay: z.string().openapi({ description: "The region-local day it happened (shown)" }),
    bookedDay: z.string().openapi({
      description:
        "The local day the ledger counts it on (what from/to filter by): localDay, or the first day after the last closed month for an entry that came after its month was closed",
    }),
    tz: z.string(),
    serviceId: z.string().nullable(),
    description: Localized,
    balanceAfterKop: z.number().int().nullable(),
  })
  .openapi("LedgerEntry");

const notFound = problem("No such account among yours (a stranger's account answers the same)");
const unauthorized = problem("Not logged in");

export const listAccountsRoute = createRoute({
  method: "get",
  path: "/accounts",
  tags: ["Accounts"],
  summary: "Every account of the subscriber (own and relatives'), with balances and the total",
  responses: {
    200: jsonResponse(
      "Accounts",
      z.object({
        items: z.array(Account),
        totalKop: z.number().int().openapi({ description: "Balances of the subscriber's own accounts and of relatives' they may pay for" }),
        viewOnlyKop: z.number().int().openapi({ description: "Balances of relatives' accounts shown view-only, not in the total" }),
      }),
    ),
    401: unauthorized,
  },
});

export const accountRoute = createRoute({
  method: "get",
  path: "/accounts/{accountNo}",
  tags: ["Accounts"],
  summary: "One account with its services",
  request: { params: AccountParam },
  responses: { 200: jsonResponse("Account", Account), 401: unauthorized, 404: notFound },
});

const Day = CalendarDay;

export const historyRoute = createRoute({
  method: "get",
  path: "/accounts/{accountNo}/history",
  tags: ["Accounts"],
  summary: "Payments and charges, newest first, with the running balance (cursor pagination)",
  request: {
    params: AccountParam,
    query: z.object({
      from: Day.optional(),
      to: Day.optional(),
      type: z
        .string()
        .regex(new RegExp(`^(${LEDGER_KINDS.join("|")})(,(${LEDGER_KINDS.join("|")}))*$`))
        .optional()
        .openapi({ description: "Comma-separated kinds" }),
      service: z.string().max(100).optional(),
      cursor: z.string().max(200).optional(),
      limit: z.coerce.number().int().min(1).max(100).default(30),
    }),
  },
  responses: {
    200: jsonResponse("A page of entries", z.object({ items: z.array(LedgerEntry), nextCursor: z.string().nullable() })),
    400: problem("Invalid filter or cursor"),
    401: unauthorized,
    404: notFound,
  },
});

export const insightRoute = createRoute({
  method: "get",
  path: "/accounts/{accountNo}/insight",
  tags: ["Accounts"],
  summary: "Spending per month and service, the daily rate and how long the money lasts",
  request: { params: AccountParam },
  responses: {
    200: jsonResponse(
      "Insight",
      z.object({
        balanceKop: z.number().int(),
        dailyKop: z.number().int(),
        daysLeft: z.number().int().nullable(),
        lastsUntil: z.string().nullable(),
        lowBalanceKop: z.number().int().nullable(),
        months: z.array(
          z.object({
            month: z.string(),
            totalKop: z.number().int(),
            services: z.array(z.object({ serviceId: z.string().nullable(), name: Localized, spentKop: z.number().int() })),
          }),
        ),
      }),
    ),
    401: unauthorized,
    404: notFound,
  },
});

export const lowBalanceRoute = createRoute({
  method: "put",
  path: "/accounts/{accountNo}/low-balance",
  tags: ["Accounts"],
  summary: "Set (or turn off with null) the low-balance threshold",
  request: { params: AccountParam, body: jsonBody(z.object({ thresholdKop: z.number().int().min(0).max(100_000_000).nullable() })) },
  responses: { 204: { description: "Saved" }, 400: problem("Invalid"), 401: unauthorized, 404: notFound },
});

export const linkStartRoute = createRoute({
  method: "post",
  path: "/accounts/link/start",
  tags: ["Accounts"],
  summary: "Link a relative's account: a code to the contact on that account's contract",
  request: { body: jsonBody(z.object({ accountNo: z.string().max(40), channel: z.enum(["sms", "email"]).default("sms") })) },
  responses: {
    202: jsonResponse("A code was sent if the account exists", z.object({ expiresAt: z.string().datetime() })),
    400: problem("Invalid"),
    401: unauthorized,
    429: problem("Too soon"),
  },
});

export const linkConfirmRoute = createRoute({
  method: "post",
  path: "/accounts/link/confirm",
  tags: ["Accounts"],
  summary: "Confirm the link with the code; choose what you may do: pay, or only view",
  request: { body: jsonBody(z.object({ accountNo: z.string().max(40), code: z.string().max(12), role: z.enum(["payer", "viewer"]) })) },
  responses: { 204: { description: "Linked" }, 400: problem("Wrong code"), 401: unauthorized },
});

export const unlinkRoute = createRoute({
  method: "delete",
  path: "/accounts/{accountNo}/link",
  tags: ["Accounts"],
  summary: "Unlink a relative's account",
  request: { params: AccountParam },
  responses: { 204: { description: "Unlinked" }, 401: unauthorized, 404: notFound, 409: problem("Your own account cannot be unlinked") },
});

export type AccountDto = z.infer<typeof Account>;
export type LedgerEntryDto = z.infer<typeof LedgerEntry>;
/** The subscriber's accounts with the total they may pay for. */
export type AccountsDto = ResponseOf<typeof listAccountsRoute>;
export type HistoryPageDto = ResponseOf<typeof historyRoute>;
export type InsightDto = ResponseOf<typeof insightRoute>;
export type LinkStartBody = BodyOf<typeof linkStartRoute>;
export type LinkConfirmBody = BodyOf<typeof linkConfirmRoute>;
export type LinkCodeSentDto = ResponseOf<typeof linkStartRoute, 202>;
