import type { GlobalDb } from "../../platform/db";
import { AppError } from "../../platform/errors";
import { log } from "../../platform/log";
import type { MessageRows } from "../provider-messages";
import { localSms, type SmsSender } from "./index";
import { SMSC_DEFAULTS, smscSms } from "./smsc";

/**
 * The SMS settings: variables in wrangler.toml, credentials as secrets
 * (`wrangler secret put SMSC_PASSWORD`, `SMSC_API_KEY`, `SMS_CALLBACK_SECRET`).
 * None is set locally: the dev outbox is the default.
 */
export interface SmsEnv {
  /** "local" (the dev outbox, default) or "smsc". */
  SMS_PROVIDER?: string;
  SMSC_LOGIN?: string;
  SMSC_PASSWORD?: string;
  SMSC_API_KEY?: string;
  /** The sender name registered at SMSC for every operator. */
  SMS_SENDER?: string;
  /** Another SMSC host (its reserve www2.smsc.ru, or a local fake). */
  SMSC_BASE_URL?: string;
  /** The `key` parameter of the delivery-report URL given to SMSC. */
  SMS_CALLBACK_SECRET?: string;
}

/** The SMS adapter named by `SMS_PROVIDER`; an unknown name or missing credentials throw, never fall back quietly. */
/** `db` keeps the dev outbox; `rows` the messages handed to a real provider. */
export function smsFor(bindings: object, db: GlobalDb, rows: MessageRows, fetcher: typeof fetch = fetch): SmsSender {
  // Secrets are not in wrangler.toml, so not in the generated Env: read as optional.
  const env = bindings as SmsEnv;
  const provider = env.SMS_PROVIDER ?? "local";
  if (provider === "local") return localSms(db);
  if (provider === "smsc")
    return smscSms(rows, {
      ...SMSC_DEFAULTS,
      login: env.SMSC_LOGIN,
      password: env.SMSC_PASSWORD,
      apiKey: env.SMSC_API_KEY,
      sender: env.SMS_SENDER ?? "",
      baseUrl: env.SMSC_BASE_URL || SMSC_DEFAULTS.baseUrl,
      fetch: fetcher,
    });
  log("error", "config.unknown_provider", { variable: "SMS_PROVIDER" });
  throw new AppError(503, "not_configured", {}, [], { "retry-after": "300" });
}
