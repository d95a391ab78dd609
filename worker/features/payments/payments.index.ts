import { Hono } from "hono";
import { createRouter } from "../../app";
import type { AppEnv } from "../../env";
import * as h from "./payments.handlers";
import * as r from "./payments.routes";
import { acquirerWebhookHandler } from "./webhook.handlers";

/** Top-ups, receipts, saved cards, autopay and promised payments. */
export const paymentsRouter = createRouter()
  .openapi(r.optionsRoute, h.optionsHandler)
  .openapi(r.createPaymentRoute, h.createPaymentHandler)
  .openapi(r.listPaymentsRoute, h.listPaymentsHandler)
  .openapi(r.getPaymentRoute, h.getPaymentHandler)
  .openapi(r.receiptRoute, h.receiptHandler)
  .openapi(r.cardsRoute, h.cardsHandler)
  .openapi(r.deleteCardRoute, h.deleteCardHandler)
  .openapi(r.setAutopayRoute, h.setAutopayHandler)
  .openapi(r.stopAutopayRoute, h.stopAutopayHandler)
  .openapi(r.promisedRoute, h.promisedHandler);

/**
 * The acquirer's webhooks (a server, not a browser: outside /api and its CSRF
 * check); what each answer means is in `webhook.service.ts`.
 */
export const webhookRouter = new Hono<AppEnv>().post("/webhooks/acquirer", acquirerWebhookHandler);
