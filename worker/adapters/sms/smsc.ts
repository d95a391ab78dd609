import { errorText, log } from "../../platform/log";
import { claimMessage, type MessageRows, messageById, releaseMessage, reportStatus, settleMessage } from "../provider-messages";
import { SmsRejected, type SmsSender, SmsUnavailable } from "./index";
import { isValidSenderName, smsLength } from "./segments";

/**
 * SMSC.ru's HTTP API (https://smsc.ru/api/http/): `sys/send.php` and
 * `sys/status.php`, form parameters, `charset=utf-8`, answers as JSON
 * (`fmt=3`). Authentication is `login` + `psw` or a single `apikey`.
 */
export interface SmscConfig {
  login?: string;
  password?: string;
  apiKey?: string;
  /** The registered sender name (альфа-имя). */
  sender: string;
  /** https://smsc.ru (its reserve: https://www2.smsc.ru). */
  baseUrl: string;
  /** A longer text is refused (`maxsms` makes the gateway refuse it too). */
  maxSegments: number;
  /** One request's limit; then it counts as a timeout. */
  timeoutMs: number;
  /** Tries per send (the first included) on 5xx answers and timeouts. */
  tries: number;
  /** The first wait between tries; it doubles. */
  backoffMs: number;
  fetch: typeof fetch;
}

export const SMSC_DEFAULTS = { baseUrl: "https://smsc.ru", maxSegments: 6, timeoutMs: 10_000, tries: 3, backoffMs: 500 };

/** send.php's `error_code`s: what each means for the message. */
const SEND_ERRORS: Record<number, { permanent: boolean; detail: string }> = {
  1: { permanent: true, detail: "parameters" },
  2: { permanent: false, detail: "credentials" },
  3: { permanent: false, detail: "funds" },
  4: { permanent: false, detail: "address_blocked" },
  5: { permanent: true, detail: "date_format" },
  6: { permanent: true, detail: "forbidden_text_or_sender" },
  7: { permanent: true, detail: "phone_format" },
  8: { permanent: true, detail: "undeliverable" },
};
/** Error 9: the same request again within a minute. Our request for a message is the same every time: it was taken. */
const DUPLICATE = 9;

/** status.php's message statuses: −3 not found; −1 queued, 0 handed to the operator; 1 delivered, 2 read, 4 link opened; the rest failed. */
export function deliveryOf(code: number): "accepted" | "delivered" | "failed" | null {
  if (code === -1 || code === 0) return "accepted";
  if (code === 1 || code === 2 || code === 4) return "delivered";
  if (code === 3 || code >= 20) return "failed";
  return null;
}

const digits = (phone: string) => phone.replace(/\D/g, "");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

class Ambiguous extends Error {}

/** Checks the configuration once, where the adapter is chosen: a wrong one fails loudly, never quietly at the first send. */
export function checkSmscConfig(cfg: SmscConfig): void {
  if (!cfg.apiKey && !(cfg.login && cfg.password)) throw new Error("SMS_PROVIDER=smsc needs SMSC_API_KEY, or SMSC_LOGIN and SMSC_PASSWORD");
  if (!isValidSenderName(cfg.sender)) throw new Error(`SMS_SENDER "${cfg.sender}" is not a sender name: 1–11 Latin letters or digits`);
}

/** SMS through SMSC.ru. Idempotent by `dedupeKey`, which becomes SMSC's own message id (this table's row id). */
export function smscSms(rows: MessageRows, cfg: SmscConfig, now: () => Date = () => new Date()): SmsSender {
  checkSmscConfig(cfg);
  const auth = (): Record<string, string> => (cfg.apiKey ? { apikey: cfg.apiKey } : { login: cfg.login ?? "", psw: cfg.password ?? "" });

  async function call(path: string, params: Record<string, string>): Promise<Record<string, unknown>> {
    let res: Response;
    try {
      res = await cfg.fetch(`${cfg.baseUrl}/sys/${path}`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ ...auth(), ...params, charset: "utf-8", fmt: "3" }),
        signal: AbortSignal.timeout(cfg.timeoutMs),
      });
    } catch {
      throw new Ambiguous("timeout");
    }
    if (res.status >= 500) {
      await res.body?.cancel();
      throw new Ambiguous(`status ${res.status}`);
    }
    if (res.status === 429) {
      await res.body?.cancel();
      throw new SmsUnavailable("rate_limited");
    }
    if (!res.ok) {
      await res.body?.cancel();
      throw new SmsUnavailable(`status ${res.status}`);
    }
    // A 200 whose body cannot be read may still mean the message was taken.
    const body = (await res.json().catch(() => null)) as Record<string, unknown> | null;
    if (!body || typeof body !== "object") throw new Ambiguous("unreadable answer");
    return body;
  }

  /** Whether SMSC has our message `id` for `phone` already (a try whose answer was lost may have reached it). */
  async function known(id: number, phone: string): Promise<boolean> {
    const body = await call("status.php", { phone, id: String(id) });
    if (typeof body.status === "number") return body.status !== -3;
    throw new SmsUnavailable(`status error ${String(body.error_code)}`);
  }

  return {
    async send(to, text, dedupeKey) {
      const length = smsLength(text);
      if (length.segments > cfg.maxSegments) throw new SmsRejected(`too_long ${length.segments}`);
      const phone = digits(to);
      const claim = await claimMessage(
        rows,
        { dedupeKey, channel: "sms", provider: "smsc", recipient: to, segments: length.segments },
        now(),
      );
      if (claim.kind === "busy") throw new SmsUnavailable("busy");
      if (claim.kind === "done") {
        if (claim.row.status === "rejected") throw new SmsRejected(claim.row.providerStatus ?? "rejected");
        return false;
      }
      const { db } = claim;
      const id = claim.row.id;
      // A message tried before may have reached SMSC even though its answer never came back.
      let check = !claim.fresh;
      // Whether a try of this call may have reached SMSC: then finding the message there means this call sent it.
      let triedHere = false;
      for (let attempt = 1; ; attempt++) {
        let posted = false;
        try {
          if (check && (await known(id, phone))) {
            await settleMessage(db, id, { status: "accepted", providerId: String(id) }, now());
            log("info", "sms.already_taken", { provider: "smsc", triedHere });
            return triedHere;
          }
          posted = true;
          const body = await call("send.php", {
            phones: phone,
            mes: text,
            sender: cfg.sender,
            id: String(id),
            maxsms: String(cfg.maxSegments),
          });
          const code = typeof body.error_code === "number" ? body.error_code : null;
          if (code === null) {
            const cnt = typeof body.cnt === "number" ? body.cnt : length.segments;
            await settleMessage(db, id, { status: "accepted", providerId: String(body.id ?? id), segments: cnt }, now());
            return true;
          }
          if (code === DUPLICATE) {
            await settleMessage(db, id, { status: "accepted", providerId: String(id), providerStatus: "error 9" }, now());
            return triedHere;
          }
          const known_ = SEND_ERRORS[code];
          if (known_?.permanent) {
            await settleMessage(db, id, { status: "rejected", providerStatus: `error ${code} ${known_.detail}` }, now());
            throw new SmsRejected(`${known_.detail} (${code})`);
          }
          // Credentials, funds, a blocked address: nothing was sent; the operator must act, the queue keeps the message.
          log("error", "sms.provider_error", { provider: "smsc", code, detail: known_?.detail ?? "unknown" });
          throw new SmsUnavailable(known_?.detail ?? `error ${code}`);
        } catch (err) {
          if (!(err instanceof Ambiguous)) {
            // "Not now" answers (credentials, funds, a blocked address, 429, a status error) sent nothing: the next try may go at once.
            if (err instanceof SmsUnavailable) await releaseMessage(db, claim.row, now());
            throw err;
          }
          // 5xx or timeout: SMSC may or may not have the message. Wait, then ask before sending again.
          check = true;
          if (posted) triedHere = true;
          if (attempt >= cfg.tries) {
            log("warn", "sms.provider_unavailable", { provider: "smsc", detail: errorText(err), attempts: attempt });
            throw new SmsUnavailable(err.message);
          }
          await sleep(cfg.backoffMs * 2 ** (attempt - 1));
        }
      }
    },
  };
}

/**
 * SMSC's delivery report, posted to the handler URL set in its cabinet
 * (Настройки → «Обработчик статусов»): form fields `id`, `phone`, `status`,
 * `err`, `time`. Applied once: a repeat, a late or an out-of-order report
 * changes nothing. A report for a message we did not send is ignored.
 */
export async function applySmscReport(
  rows: MessageRows,
  form: { id?: string; phone?: string; status?: string; err?: string },
  now = new Date(),
): Promise<"updated" | "unchanged" | "unknown"> {
  const id = Number(form.id);
  const code = Number(form.status);
  if (!Number.isSafeInteger(id) || id < 1 || !Number.isInteger(code) || !form.phone) return "unknown";
  const phone = digits(form.phone);
  const found = await messageById(rows, id, "smsc", (recipient) => digits(recipient) === phone);
  if (!found) return "unknown";
  const status = deliveryOf(code);
  if (!status) return "unchanged";
  const detail = form.err && form.err !== "0" ? `${code} err ${form.err}` : String(code);
  return (await reportStatus(found.db, id, status, detail, now)) ? "updated" : "unchanged";
}
