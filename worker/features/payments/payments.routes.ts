import { createRoute, z } from "@hono/zod-openapi";
import { PAYMENT_METHODS } from "../../adapters/payments";
import { PAYMENT_STATUSES } from "../../db/schema/region";
import { type BodyOf, jsonBody, jsonResponse, problem, type ResponseOf } from "../../platform/openapi";

const AccountParam = z.object({ accountNo: z.string().max(40).openapi({ example: "201000000012" }) });
const PaymentParam = AccountParam.extend({ paymentId: z.string().max(64) });
const IdempotencyHeader = z.object({
  "idempotency-key": z.string().max(100).openapi({ description: "A client-made key (UUID): the same key returns the same payment" }),
});

export const Payment = z
  .object({
    id: z.string(),
    accountNo: z.string(),
    amountKop: z.number().int(),
    method: z.enum(PAYMENT_METHODS).openapi({ description: "card, СБП (sbp), SberPay, T-Pay" }),
    status: z.enum(PAYMENT_STATUSES),
    purpose: z.enum(["topup", "autopay"]),
    card: z.object({ last4: z.string(), brand: z.string() }).nullable(),
    failureCode: z.string().nullable(),
    createdAt: z.string().datetime(),
    updatedAt: z.string().datetime(),
    receiptNumber: z.string().nullable().optional(),
  })
  .openapi("Payment");

const Card = z
  .object({ id: z.string(), brand: z.string(), last4: z.string(), expMonth: z.number().int(), expYear: z.number().int() })
  .openapi("Card");

/** A 54-ФЗ receipt's body; the private receipt adds its account, an organisation's its accounts and buyer. */
export const ReceiptBody = z.object({
  number: z.string(),
  issuedAt: z.string(),
  seller: z.object({ name: z.string(), inn: z.string(), address: z.string(), site: z.string(), taxation: z.string() }),
  kind: z.string(),
  items: z.array(
    z.object({
      name: z.string(),
      quantity: z.number(),
      priceKop: z.number().int(),
      amountKop: z.number().int(),
      vatRate: z.string(),
      vatKop: z.number().int(),
      paymentMethod: z.string(),
      subject: z.string(),
    }),
  ),
  totalKop: z.number().int(),
  vatKop: z.number().int(),
  payment: z.object({
    form: z.string(),
    method: z
      .string()
      .optional()
      .openapi({ description: "Банковская карта, СБП, SberPay, T-Pay (absent on receipts issued before methods)" }),
    card: z.string().nullable(),
  }),
  fiscal: z
    .object({ register: z.string(), fiscalDrive: z.string(), document: z.number().int(), sign: z.string() })
    .nullable()
    .openapi({ description: "null: the acquirer (ЮKassa) registers the 54-ФЗ receipt; this is the payment's information" }),
});

const ReceiptSchema = ReceiptBody.extend({ accountNo: z.string(), paymentId: z.string() }).openapi("Receipt");

const Autopay = z
  .object({
    cardId: z.string(),
    mode: z.enum(["threshold", "monthly"]),
    thresholdKop: z.number().int().nullable(),
    dayOfMonth: z.number().int().nullable(),
    amountKop: z.number().int(),
    monthlyLimitKop: z.number().int(),
    nextChargeAfter: z.string().nullable(),
    lastResult: z.string().nullable(),
  })
  .openapi("Autopay");

const AutopayInput = z.object({
  cardId: z.string().max(64),
  mode: z.enum(["threshold", "monthly"]),
  thresholdKop: z.number().int().nullable().optional(),
  dayOfMonth: z.number().int().nullable().optional(),
  amountKop: z.number().int(),
  monthlyLimitKop: z.number().int(),
});

const Promised = z
  .object({
    eligible: z.boolean(),
    refusals: z.array(z.string()),
    minKop: z.number().int(),
    maxKop: z.number().int(),
    days: z.number().int(),
    open: z.object({ id: z.string(), amountKop: z.number().int(), dueAt: z.string() }).nullable(),
  })
  .openapi("PromisedPaymentOffer");

const Options = z
  .object({
    minKop: z.number().int(),
    maxKop: z.number().int(),
    suggestedKop: z.array(z.number().int()).openapi({ description: "Enough for the next month first, then round sums" }),
    methods: z.array(z.enum(PAYMENT_METHODS)).openapi({ description: "What the acquirer offers, in the order to show" }),
    cards: z.array(Card),
    autopay: Autopay.nullable(),
    promised: Promised,
  })
  .openapi("PaymentOptions");

const notFound = problem("No such account or payment among yours");
const unauthorized = problem("Not logged in");
const tags = ["Payments"];

export const optionsRoute = createRoute({
  method: "get",
  path: "/accounts/{accountNo}/payment-options",
  tags,
  summary: "How this account can be paid: limits, suggested amounts, saved cards, autopay, promised payment",
  request: { params: AccountParam },
  responses: { 200: jsonResponse("Options", Options), 401: unauthorized, 404: notFound },
});

export const createPaymentRoute = createRoute({
  method: "post",
  path: "/accounts/{accountNo}/payments",
  tags,
  summary: "Top up an account: by card (hosted page, or a saved card after a step-up), СБП (QR or bank link), SberPay, T-Pay",
  request: {
    params: AccountParam,
    headers: IdempotencyHeader,
    body: jsonBody(
      z.object({
        amountKop: z.number().int(),
        method: z
          .enum(PAYMENT_METHODS)
          .default("card")
          .openapi({ description: "How to pay (card if absent); one of payment-options' `methods`" }),
        saveCard: z.boolean().default(false),
        cardId: z.string().max(64).optional(),
      }),
    ),
  },
  responses: {
    201: jsonResponse(
      "The payment, and where the payer confirms it (null for a saved card)",
      z.object({
        payment: Payment,
        confirmationUrl: z.string().nullable().openapi({ description: "The page to open (for СБП, the bank-choice link)" }),
        confirmation: z
          .discriminatedUnion("type", [
            z.object({ type: z.literal("redirect"), url: z.string() }),
            z.object({
              type: z.literal("qr"),
              payload: z.string().openapi({ description: "The СБП QR's content (https://qr.nspk.ru/…)" }),
              url: z.string().openapi({ description: "The deep link to the bank-choice list, for a phone" }),
            }),
          ])
          .nullable(),
      }),
    ),
    400: problem(
      "Invalid input: amount out of limits, a malformed Idempotency-Key, an unknown card, a method the acquirer does not offer, card options with another method",
    ),
    401: unauthorized,
    403: problem("The payer role or a fresh SMS code is needed"),
    404: notFound,
    409: problem("The key was used for a different request"),
  },
});

export const listPaymentsRoute = createRoute({
  method: "get",
  path: "/accounts/{accountNo}/payments",
  tags,
  summary: "The account's payments, newest first, with their receipt numbers",
  request: { params: AccountParam },
  responses: { 200: jsonResponse("Payments", z.object({ items: z.array(Payment) })), 401: unauthorized, 404: notFound },
});

export const getPaymentRoute = createRoute({
  method: "get",
  path: "/accounts/{accountNo}/payments/{paymentId}",
  tags,
  summary: "One payment (an unfinished one is checked with the acquirer)",
  request: { params: PaymentParam },
  responses: { 200: jsonResponse("The payment", Payment), 401: unauthorized, 404: notFound },
});

export const receiptRoute = createRoute({
  method: "get",
  path: "/accounts/{accountNo}/payments/{paymentId}/receipt",
  tags,
  summary: "The electronic receipt of a succeeded payment",
  request: { params: PaymentParam },
  responses: { 200: jsonResponse("The receipt", ReceiptSchema), 401: unauthorized, 404: notFound },
});

export const cardsRoute = createRoute({
  method: "get",
  path: "/me/cards",
  tags,
  summary: "Saved cards (brand, last four digits, expiry)",
  responses: { 200: jsonResponse("Cards", z.object({ items: z.array(Card) })), 401: unauthorized },
});

export const deleteCardRoute = createRoute({
  method: "delete",
  path: "/me/cards/{cardId}",
  tags,
  summary: "Forget a saved card",
  request: { params: z.object({ cardId: z.string().max(64) }) },
  responses: { 204: { description: "Forgotten" }, 401: unauthorized, 404: notFound },
});

export const setAutopayRoute = createRoute({
  method: "put",
  path: "/accounts/{accountNo}/autopay",
  tags,
  summary: "Turn autopay on or change it (needs a fresh SMS code)",
  request: { params: AccountParam, body: jsonBody(AutopayInput) },
  responses: {
    204: { description: "Saved" },
    400: problem("Invalid settings or an unknown card"),
    401: unauthorized,
    403: problem("A fresh SMS code is needed"),
    404: notFound,
  },
});

export const stopAutopayRoute = createRoute({
  method: "delete",
  path: "/accounts/{accountNo}/autopay",
  tags,
  summary: "Stop autopay now (including an announced charge)",
  request: { params: AccountParam },
  responses: { 204: { description: "Stopped" }, 401: unauthorized, 404: notFound },
});

export const promisedRoute = createRoute({
  method: "post",
  path: "/accounts/{accountNo}/promised-payment",
  tags,
  summary: "Take a promised payment (обещанный платёж)",
  request: { params: AccountParam, headers: IdempotencyHeader, body: jsonBody(z.object({ amountKop: z.number().int() })) },
  responses: {
    201: jsonResponse("Taken", z.object({ id: z.string(), amountKop: z.number().int(), dueAt: z.string() })),
    400: problem("Amount out of the offer's limits"),
    401: unauthorized,
    404: notFound,
    409: problem("Not eligible now (reasons in errors)"),
  },
});

export type PaymentDto = z.infer<typeof Payment>;
export type ReceiptDto = z.infer<typeof ReceiptSchema>;
export type CardDto = z.infer<typeof Card>;
export type AutopayDto = z.infer<typeof Autopay>;
export type AutopayBody = BodyOf<typeof setAutopayRoute>;
export type PaymentOptionsDto = z.infer<typeof Options>;
export type PayBody = BodyOf<typeof createPaymentRoute>;
/** A started top-up: the payment and where the payer confirms it. */
export type PaymentStartedDto = ResponseOf<typeof createPaymentRoute, 201>;
export type PromisedTakenDto = ResponseOf<typeof promisedRoute, 201>;
