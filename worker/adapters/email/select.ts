import { EmailMessage } from "cloudflare:email";
import type { GlobalDb } from "../../platform/db";
import { AppError } from "../../platform/errors";
import { log } from "../../platform/log";
import type { MessageRows } from "../provider-messages";
import { CLOUDFLARE_EMAIL_DEFAULTS, cloudflareEmail } from "./cloudflare";
import { type EmailSender, localEmail } from "./index";

/**
 * The email settings. `EMAIL` is a `[[send_email]]` binding of Cloudflare
 * Email Service (a production environment's wrangler.toml); none locally.
 */
export interface EmailEnv {
  /** "local" (the dev outbox, default) or "cloudflare". */
  EMAIL_PROVIDER?: string;
  /** `Личный кабинет <noreply@mail.example.ru>`, on a domain onboarded to Email Sending. */
  EMAIL_FROM?: string;
  EMAIL?: SendEmail;
}

/** The email adapter named by `EMAIL_PROVIDER`; an unknown name or a missing binding throw, never fall back quietly. */
/** `db` keeps the dev outbox; `rows` the messages handed to a real provider. */
export function emailFor(bindings: object, db: GlobalDb, rows: MessageRows): EmailSender {
  const env = bindings as EmailEnv;
  const provider = env.EMAIL_PROVIDER ?? "local";
  if (provider === "local") return localEmail(db);
  if (provider === "cloudflare") {
    const binding = env.EMAIL;
    if (!binding) {
      log("error", "config.missing_binding", { binding: "EMAIL" });
      throw new AppError(503, "not_configured", {}, [], { "retry-after": "300" });
    }
    return cloudflareEmail(rows, {
      ...CLOUDFLARE_EMAIL_DEFAULTS,
      from: env.EMAIL_FROM ?? "",
      transport: (from, to, raw) => binding.send(new EmailMessage(from, to, raw)),
    });
  }
  log("error", "config.unknown_provider", { variable: "EMAIL_PROVIDER" });
  throw new AppError(503, "not_configured", {}, [], { "retry-after": "300" });
}
