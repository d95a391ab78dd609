import type { Handler } from "hono";
import { acquirerFor } from "../../adapters/payments/select";
import type { AppEnv } from "../../env";
import { createDataAccess } from "../../platform/db";
import { notifier } from "../../platform/notify";
import { receiveAcquirerWebhook } from "./webhook.service";

/** POST /webhooks/acquirer: the acquirer's server (not a browser) tells a payment's new status. */
export const acquirerWebhookHandler: Handler<AppEnv> = async (c) => {
  const result = await receiveAcquirerWebhook(
    acquirerFor(c.env, new URL(c.req.url).origin),
    createDataAccess(c.env),
    notifier(c.env),
    await c.req.text(),
    c.req.header("x-signature"),
    c.get("requestId"),
  );
  return c.json({ ok: true, result }, 200);
};
