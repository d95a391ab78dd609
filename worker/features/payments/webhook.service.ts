import { type Acquirer, WebhookEventShape } from "../../adapters/payments";
import type { DataAccess } from "../../platform/db";
import { AppError } from "../../platform/errors";
import { log } from "../../platform/log";
import { applyAcquirerPayment, type Notify } from "./payments.service";

/** The largest webhook body taken (an acquirer's event is a few kilobytes). */
export const WEBHOOK_MAX_CHARS = 64_000;

/**
 * One webhook of the acquirer's: a bad signature is refused with 401 and
 * logged, a signed body that is not an event with 400; a good one is applied
 * idempotently (a duplicate or a late event changes nothing) and its result
 * returned, so the caller answers 200 and the acquirer stops retrying.
 */
export async function receiveAcquirerWebhook(
  acquirer: Acquirer,
  data: DataAccess,
  notify: Notify,
  body: string,
  signature: string | undefined,
  requestId: string,
): Promise<string> {
  if (body.length > WEBHOOK_MAX_CHARS) throw new AppError(413, "payload_too_large");
  const event = await acquirer.verifyWebhook(body, signature);
  if (!event) {
    log("warn", "webhook.bad_signature", { requestId });
    throw new AppError(401, "bad_signature");
  }
  const parsed = WebhookEventShape.safeParse(event);
  if (!parsed.success) {
    log("warn", "webhook.malformed", {
      requestId,
      fields: parsed.error.issues
        .map((i) => i.path.join("."))
        .slice(0, 5)
        .join(" "),
    });
    throw new AppError(400, "validation");
  }
  const result = await applyAcquirerPayment(data, notify, parsed.data.object, "webhook", parsed.data.id);
  log("info", "webhook.applied", { eventId: parsed.data.id, type: parsed.data.type, result });
  return result;
}
