import { sha256Hex } from "../../platform/crypto";
import { log, maskPersonal } from "../../platform/log";
import { claimMessage, type MessageRows, releaseMessage, settleMessage } from "../provider-messages";
import { EmailRejected, type EmailSender, EmailUnavailable } from "./index";
import { buildMime, parseMailbox } from "./mime";

/**
 * Hands a raw message to Cloudflare Email Service: production passes
 * `(from, to, raw) => env.EMAIL.send(new EmailMessage(from, to, raw))` (the
 * `send_email` binding, `cloudflare:email`); the tests pass a fake.
 */
export type RawTransport = (from: string, to: string, raw: string) => Promise<{ messageId: string }>;

export interface CloudflareEmailConfig {
  /** `Личный кабинет <noreply@mail.example.ru>`: the address must be on a domain onboarded to Email Sending. */
  from: string;
  transport: RawTransport;
  timeoutMs: number;
  /** Tries per send (the first included) when the service failed or did not answer in time. */
  tries: number;
  backoffMs: number;
}

export const CLOUDFLARE_EMAIL_DEFAULTS = { timeoutMs: 15_000, tries: 3, backoffMs: 500 };

const ADDRESS = /^[^\s@<>()",;:\\[\]]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$/;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A failure worth an immediate retry: the service's own (internal, unavailable, 5xx) or no answer in time. Not a rate limit. */
function transient(err: unknown): boolean {
  if (err instanceof Error && (err.name === "TimeoutError" || err.name === "AbortError")) return true;
  const text = err instanceof Error ? err.message : String(err);
  return /\b(5\d\d|internal|unavailable|timed? ?out)\b/i.test(text) && !/rate|limit|429/i.test(text);
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DOMException("no answer in time", "TimeoutError")), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export function checkCloudflareEmailConfig(from: string): { name: string; address: string } {
  const mailbox = parseMailbox(from);
  if (!ADDRESS.test(mailbox.address)) throw new Error(`EMAIL_FROM "${from}" has no valid address`);
  return mailbox;
}

/**
 * Email through Cloudflare Email Service with a raw MIME message built here.
 * Idempotent by `dedupeKey`: one claim row per key, and a Message-ID made
 * from the key, so a resend after a lost answer is the same message.
 */
export function cloudflareEmail(rows: MessageRows, cfg: CloudflareEmailConfig, now: () => Date = () => new Date()): EmailSender {
  const from = checkCloudflareEmailConfig(cfg.from);
  const domain = from.address.split("@")[1] ?? "";
  return {
    async send(to, subject, text, dedupeKey, html, options) {
      if (!ADDRESS.test(to)) throw new EmailRejected("address");
      const claim = await claimMessage(rows, { dedupeKey, channel: "email", provider: "cloudflare", recipient: to }, now());
      if (claim.kind === "busy") throw new EmailUnavailable("busy");
      if (claim.kind === "done") return false;
      const db = claim.db;
      const messageId = `<${(await sha256Hex(`kabinet:${dedupeKey}`)).slice(0, 40)}@${domain}>`;
      const raw = buildMime({
        from,
        to,
        subject,
        text,
        html,
        messageId,
        date: now(),
        listUnsubscribe: options?.listUnsubscribe,
      });
      let result: { messageId: string } | undefined;
      for (let attempt = 1; !result; attempt++) {
        try {
          result = await withTimeout(cfg.transport(from.address, to, raw), cfg.timeoutMs);
        } catch (err) {
          // The service's text can quote the recipient's address: masked.
          const detail = err instanceof Error ? maskPersonal(err.message, 120) : "error";
          if (!transient(err) || attempt >= cfg.tries) {
            // Not taken: a wrong sender domain, a rate limit, a service down for longer. The queue tries again later.
            log("warn", "email.provider_error", { provider: "cloudflare", detail, attempts: attempt });
            if (!transient(err)) await releaseMessage(db, claim.row, now());
            throw new EmailUnavailable(detail);
          }
          await sleep(cfg.backoffMs * 2 ** (attempt - 1));
        }
      }
      // The service took the message: a failure to record it is not a failed send (resending would send it twice).
      // The claim stays "sending", so a retry of the same key within its claim finds it busy rather than sending again.
      try {
        await settleMessage(db, claim.row.id, { status: "accepted", providerId: result.messageId || messageId }, now());
      } catch (err) {
        log("error", "email.settle_failed", { provider: "cloudflare", error: err instanceof Error ? err.name : "unknown" });
      }
      return true;
    },
  };
}
