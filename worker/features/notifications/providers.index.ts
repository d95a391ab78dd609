import { Hono } from "hono";
import { messageRowsOf } from "../../adapters/provider-messages";
import type { SmsEnv } from "../../adapters/sms/select";
import { applySmscReport } from "../../adapters/sms/smsc";
import type { AppEnv } from "../../env";
import { sha256Hex, timingSafeEqual } from "../../platform/crypto";
import { AppError } from "../../platform/errors";
import { log } from "../../platform/log";

/**
 * The SMS gateway's delivery reports (a server, not a browser: outside /api
 * and its CSRF check). SMSC posts them to the handler URL set in its cabinet,
 * `https://<BASE_DOMAIN>/webhooks/sms/smsc?key=<SMS_CALLBACK_SECRET>`: a report
 * without that key is refused with 401 and logged, never applied. A good one
 * is applied once and answered 200 «OK», so the gateway stops repeating it.
 */
export const providersRouter = new Hono<AppEnv>().post("/webhooks/sms/smsc", async (c) => {
  const secret = (c.env as SmsEnv).SMS_CALLBACK_SECRET ?? "";
  const key = c.req.query("key") ?? "";
  if (!secret || !key || !timingSafeEqual(await sha256Hex(key), await sha256Hex(secret))) {
    log("warn", "sms.report_refused", { requestId: c.get("requestId") });
    throw new AppError(401, "bad_signature");
  }
  const body = await c.req.arrayBuffer();
  if (body.byteLength > 8_000) throw new AppError(413, "payload_too_large");
  const form = new URLSearchParams(new TextDecoder().decode(body));
  const result = await applySmscReport(messageRowsOf(c.get("data")), {
    id: form.get("id") ?? undefined,
    phone: form.get("phone") ?? undefined,
    status: form.get("status") ?? undefined,
    err: form.get("err") ?? undefined,
  });
  log("info", "sms.report", { requestId: c.get("requestId"), result });
  return c.text("OK", 200);
});
