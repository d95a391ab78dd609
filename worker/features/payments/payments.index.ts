import { Hono } from "hono";
import { WebhookEventShape } from "../../adapters/payments";
import { acquirerFor } from "../../adapters/payments/select";
import { createRouter } from "../../app";
import type { AppEnv } from "../../env";
import { createDataAccess } from "../../platform/db";
import { AppError } from "../../platform/errors";
import { log } from "../../platform/log";
import { notifier } from "../../platform/notify";
import * as h from "./payments.handlers";
import * as r from "./payments.routes";
import { applyAcquirerPayment } from "./payments.service";

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
 * check). A bad signature is refused with 401 and logged, a signed body that
 * is not an event with 400; a good one is applied idempotently and answered
 * 200, so the acquirer stops retrying.
 */
export const webhookRouter = new Hono<AppEnv>().post("/webhooks/acquirer", async (c) => {
  const body = await c.req.text();
  if (body.length > 64_000) throw new AppError(413, "payload_too_large");
  const event = await acquirerFor(c.env, new URL(c.req.url).origin).verifyWebhook(body, c.req.header("x-signature"));
  if (!event) {
    log("warn", "webhook.bad_signature", { requestId: c.get("requestId") });
    throw new AppError(401, "bad_signature");
  }
  const parsed = WebhookEventShape.safeParse(event);
  if (!parsed.success) {
    log("warn", "webhook.malformed", {
      requestId: c.get("requestId"),
      fields: parsed.error.issues
        .map((i) => i.path.join("."))
        .slice(0, 5)
        .join(" "),
    });
    throw new AppError(400, "validation");
  }
  const result = await applyAcquirerPayment(createDataAccess(c.env), notifier(c.env), parsed.data.object, "webhook", parsed.data.id);
  log("info", "webhook.applied", { eventId: parsed.data.id, type: parsed.data.type, result });
  return c.json({ ok: true, result }, 200);
});
