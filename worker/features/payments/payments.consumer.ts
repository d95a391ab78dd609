import { signWebhook } from "../../adapters/payments";
import type { WebhookDelivery } from "../../adapters/payments/sandbox";
import { log } from "../../platform/log";
import { retryDelaySeconds } from "../notifications/notifications.consumer";

export const BILLING_QUEUE = "kabinet-billing";

/**
 * The `billing` queue: the sandbox acquirer's webhook deliveries, signed at
 * delivery and POSTed over HTTP to `/webhooks/acquirer` (through `post`, the
 * Worker's own fetch, as the acquirer's servers would). A non-2xx answer is
 * retried with backoff and finally dead-lettered, like a real acquirer does.
 */
export async function consumeBilling(batch: MessageBatch<unknown>, env: Env, post: (req: Request) => Promise<Response>): Promise<void> {
  for (const message of batch.messages) {
    const m = message.body as WebhookDelivery;
    if (m?.kind !== "acquirer.webhook") {
      log("warn", "billing.unknown_message", { messageId: message.id });
      message.ack();
      continue;
    }
    const body = JSON.stringify(m.event);
    const res = await post(
      new Request(`http://${env.BASE_DOMAIN}/webhooks/acquirer`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-signature": await signWebhook(env.ACQUIRER_WEBHOOK_SECRET, body) },
        body,
      }),
    );
    await res.body?.cancel();
    if (res.ok) message.ack();
    else {
      log("warn", "billing.webhook_refused", { messageId: message.id, status: res.status, attempts: message.attempts });
      message.retry({ delaySeconds: retryDelaySeconds(message.attempts) });
    }
  }
}
