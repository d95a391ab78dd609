import { createRoute, z } from "@hono/zod-openapi";
import { PAYMENT_METHODS } from "../../adapters/payments";
import { ORG_PAYMENT_STATUSES } from "../../db/schema/global";
import { jsonBody, jsonResponse, problem } from "../../platform/openapi";
import { ReceiptBody } from "../payments/payments.routes";

const tags = ["Business"];
const OrgParam = z.object({ orgId: z.string().max(60).openapi({ example: "org-demo-veter", description: "Organisation id" }) });
const PaymentParam = OrgParam.extend({ paymentId: z.string().max(64) });

const unauthorized = problem("Not logged in");
const notFound = problem(
  "No such organisation or payment among yours; another organisation's id or account, or one outside the employee's scope, answers the same",
);
const forbidden = problem("A member whose role may not pay (viewer, manager): the problem names the role");

export const OrgPayment = z
  .object({
    id: z.string(),
    orgId: z.string(),
    amountKop: z.number().int().openapi({ description: "The whole payment: the sum of the lines" }),
    method: z.enum(PAYMENT_METHODS),
    status: z.enum(ORG_PAYMENT_STATUSES),
    card: z.object({ last4: z.string(), brand: z.string() }).nullable(),
    failureCode: z.string().nullable(),
    lines: z.array(
      z.object({
        accountNo: z.string(),
        amountKop: z.number().int(),
        credited: z.boolean().openapi({ description: "This account's share is in its ledger" }),
      }),
    ),
    receiptNumber: z.string().nullable(),
    createdAt: z.string().datetime(),
    updatedAt: z.string().datetime(),
  })
  .openapi("OrgPayment");

export const OrgPayOptions = z
  .object({
    methods: z.array(z.enum(PAYMENT_METHODS)),
    minLineKop: z.number().int(),
    maxLineKop: z.number().int(),
    maxTotalKop: z.number().int(),
    maxAccounts: z.number().int(),
  })
  .openapi("OrgPayOptions");

/**
 * What to pay. `items` and `totalKop` are checked by the service after the caller's membership and role, so that a
 * stranger gets the same 404 whatever the body (a missing field is then a 400 naming it, in the request's language).
 */
export const OrgPayBody = z.object({
  items: z
    .array(z.object({ accountNo: z.string().max(40), amountKop: z.number().openapi({ description: "Whole kopecks" }) }))
    .optional()
    .openapi({ description: "Required: the accounts and each one's share (1 to 500 distinct accounts, each 10 ₽ to 100 000 ₽)" }),
  totalKop: z
    .number()
    .optional()
    .openapi({ description: "Required: the total the payer was shown, equal to the sum of the shares (at most 1 000 000 ₽)" }),
  method: z.enum(PAYMENT_METHODS).default("card").openapi({ description: "card, СБП (sbp), SberPay, T-Pay" }),
});

export const orgPayOptionsRoute = createRoute({
  method: "get",
  path: "/business/organisations/{orgId}/payment-options",
  tags,
  summary: "How the organisation's accounts can be paid from the cabinet: methods and limits (administrator, accountant)",
  request: { params: OrgParam },
  responses: { 200: jsonResponse("Options", OrgPayOptions), 401: unauthorized, 403: forbidden, 404: notFound },
});

export const startOrgPaymentRoute = createRoute({
  method: "post",
  path: "/business/organisations/{orgId}/payments",
  tags,
  summary: "Top up one or many of the organisation's accounts in one payment, split exactly per account (administrator, accountant)",
  request: {
    params: OrgParam,
    headers: z.object({
      "idempotency-key": z
        .string()
        .max(100)
        .optional()
        .openapi({ description: "Required: a client-made key (UUID); the same key returns the same payment" }),
    }),
    body: jsonBody(OrgPayBody),
  },
  responses: {
    201: jsonResponse(
      "The payment, and where the payer confirms it (null when a replay finds it finished)",
      z.object({
        payment: OrgPayment,
        confirmation: z
          .discriminatedUnion("type", [
            z.object({ type: z.literal("redirect"), url: z.string() }),
            z.object({ type: z.literal("qr"), payload: z.string(), url: z.string() }),
          ])
          .nullable(),
      }),
    ),
    400: problem(
      "Invalid: no or too many accounts, a repeated account, an amount out of limits or not whole kopecks, a total that is not the sum",
    ),
    401: unauthorized,
    403: forbidden,
    404: notFound,
    409: problem("The Idempotency-Key was used for a different payment"),
  },
});

export const getOrgPaymentRoute = createRoute({
  method: "get",
  path: "/business/organisations/{orgId}/payments/{paymentId}",
  tags,
  summary: "One payment of the organisation (the payer's, or any for an administrator); an unfinished one is checked with the acquirer",
  request: { params: PaymentParam },
  responses: { 200: jsonResponse("The payment", OrgPayment), 401: unauthorized, 403: forbidden, 404: notFound },
});

export const orgReceiptRoute = createRoute({
  method: "get",
  path: "/business/organisations/{orgId}/payments/{paymentId}/receipt",
  tags,
  summary: "The 54-ФЗ receipt of a succeeded payment, one item per account",
  request: { params: PaymentParam },
  responses: {
    200: jsonResponse(
      "The receipt",
      ReceiptBody.extend({
        accountNos: z.array(z.string()),
        buyer: z.object({ name: z.string(), inn: z.string() }).openapi({ description: "The organisation that paid (54-ФЗ ст. 4.7)" }),
        paymentId: z.string(),
      }),
    ),
    401: unauthorized,
    403: forbidden,
    404: notFound,
  },
});
