import type { YkCard, YkPayment, YkRefund } from "../../../worker/adapters/payments/yookassa-api";

/**
 * A local ЮKassa (API v3) that keeps its published contract, for contract
 * tests. It runs in the test's isolate as a `fetch` function; nothing leaves
 * the machine.
 *
 * - Basic auth (shop id : secret key), else 401 `invalid_credentials`.
 * - `Idempotence-Key` on every POST (at most 64 characters): the same key and
 *   the same body answer the first result again; the same key with another
 *   body is 400 `invalid_request` about `Idempotence-Key`.
 * - Request shapes: amount as a two-decimal string in RUB, description ≤ 128,
 *   metadata ≤ 16 keys, `payment_method_data` xor `payment_method_id`, the
 *   confirmation types each method allows (bank card: redirect; СБП: qr,
 *   redirect, mobile_application; SberPay: all three; T-Pay: redirect,
 *   mobile_application), and — the shop sends receipts through ЮKassa — a
 *   54-ФЗ receipt whose items add up to the amount, with a customer contact,
 *   VAT code 1–12, tax system 1–6 and the documented subjects and modes.
 * - Payments: pending → succeeded | canceled (| waiting_for_capture with
 *   `capture: false` → capture/cancel); saved methods (`save_payment_method`)
 *   charged by `payment_method_id` at once; refunds (full or partial).
 * - Faults on demand: 500 before or after doing the work, 429, 202 «processing»,
 *   an answer that comes too late (a timeout) and a connection lost after the
 *   work was done, each for the next request.
 * - Notifications `{ type: "notification", event, object }`, unsigned, POSTed
 *   to the shop's URL.
 */

export type Fault = "500" | "500-after" | "429" | "202" | "slow" | "reset-after";

export interface FakePayment extends YkPayment {
  /** What the shop sent, as sent (for assertions on shapes the API does not echo). */
  request: Record<string, unknown>;
}

const VAT_CODES = new Set([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
const SUBJECTS = new Set([
  "commodity",
  "excise",
  "job",
  "service",
  "gambling_bet",
  "gambling_prize",
  "lottery",
  "lottery_prize",
  "intellectual_activity",
  "payment",
  "agent_commission",
  "property_right",
  "non_operating_gain",
  "insurance_premium",
  "sales_tax",
  "resort_fee",
  "composite",
  "another",
]);
const MODES = new Set(["full_prepayment", "partial_prepayment", "advance", "full_payment", "partial_payment", "credit", "credit_payment"]);
const CONFIRMATIONS: Record<string, readonly string[]> = {
  bank_card: ["redirect"],
  sbp: ["qr", "redirect", "mobile_application"],
  sberbank: ["qr", "redirect", "mobile_application"],
  tinkoff_bank: ["redirect", "mobile_application"],
};

class Invalid extends Error {
  constructor(
    readonly parameter: string,
    description: string,
  ) {
    super(description);
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const money = /^\d{1,10}\.\d{2}$/;
const kop = (value: string) => Math.round(Number(value) * 100);
const value = (k: number) => `${Math.floor(k / 100)}.${String(k % 100).padStart(2, "0")}`;

function checkAmount(v: unknown, parameter: string): number {
  if (!isObject(v) || typeof v.value !== "string" || !money.test(v.value) || kop(v.value) <= 0)
    throw new Invalid(`${parameter}.value`, "Invalid amount value");
  if (v.currency !== "RUB") throw new Invalid(`${parameter}.currency`, "Invalid currency");
  return kop(v.value);
}

/** The 54-ФЗ receipt as ЮKassa checks it; returns the sum of its items in kopecks. */
function checkReceipt(r: unknown): number {
  if (!isObject(r)) throw new Invalid("receipt", "Receipt is missing or illegal");
  const customer = r.customer;
  if (!isObject(customer)) throw new Invalid("receipt.customer", "Customer is required");
  const email = typeof customer.email === "string" && /^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(customer.email);
  const phone = typeof customer.phone === "string" && /^\d{11,15}$/.test(customer.phone);
  if (!email && !phone) throw new Invalid("receipt.customer", "Customer email or phone is required");
  if (
    r.tax_system_code !== undefined &&
    (!Number.isInteger(r.tax_system_code) || Number(r.tax_system_code) < 1 || Number(r.tax_system_code) > 6)
  )
    throw new Invalid("receipt.tax_system_code", "Invalid tax system code");
  if (!Array.isArray(r.items) || r.items.length < 1 || r.items.length > 100)
    throw new Invalid("receipt.items", "Receipt items are required");
  let sum = 0;
  r.items.forEach((item: unknown, i: number) => {
    const at = `receipt.items[${i}]`;
    if (!isObject(item)) throw new Invalid(at, "Invalid item");
    if (typeof item.description !== "string" || item.description.length < 1 || item.description.length > 128)
      throw new Invalid(`${at}.description`, "Invalid description");
    const quantity = Number(item.quantity);
    if (!(quantity > 0)) throw new Invalid(`${at}.quantity`, "Invalid quantity");
    const amount = checkAmount(item.amount, `${at}.amount`);
    if (!VAT_CODES.has(Number(item.vat_code)) || !Number.isInteger(item.vat_code)) throw new Invalid(`${at}.vat_code`, "Invalid VAT code");
    if (typeof item.payment_subject !== "string" || !SUBJECTS.has(item.payment_subject))
      throw new Invalid(`${at}.payment_subject`, "Invalid payment subject");
    if (typeof item.payment_mode !== "string" || !MODES.has(item.payment_mode))
      throw new Invalid(`${at}.payment_mode`, "Invalid payment mode");
    sum += Math.round(amount * quantity);
  });
  return sum;
}

function errorBody(status: number, code: string, description: string, parameter?: string) {
  return new Response(JSON.stringify({ type: "error", id: crypto.randomUUID(), code, description, ...(parameter ? { parameter } : {}) }), {
    status,
    headers: { "content-type": "application/json" },
  });
}

const ok = (body: unknown) => new Response(JSON.stringify(body), { status: 200, headers: { "content-type": "application/json" } });

async function sha(text: string) {
  const d = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(d)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

export class FakeYooKassa {
  readonly payments = new Map<string, FakePayment>();
  readonly refunds = new Map<string, YkRefund>();
  /** Saved payment methods by id; `decline` makes their next charges fail with that reason, `pending` leaves them pending. */
  readonly savedMethods = new Map<string, { card: YkCard; decline?: string; pending?: boolean }>();
  /** Every request that reached the API (after authentication), in order. */
  readonly log: { method: string; path: string; key: string | null }[] = [];
  private readonly idempotence = new Map<string, { hash: string; status: number; body: string; at: number }>();
  /** The fake's clock runs ahead of the real one by this much (`advance`). */
  private offsetMs = 0;
  private readonly faults: Fault[] = [];

  constructor(
    readonly shopId = "100500",
    readonly secretKey = "test_fake_secret_key",
    /** How late a `slow` answer comes, ms (longer than the client's timeout). */
    readonly slowMs = 400,
  ) {}

  private now() {
    return Date.now() + this.offsetMs;
  }

  /**
   * Time passes at ЮKassa: keys older than 24 hours are forgotten, and a
   * pending payment whose hour to pay has run out is canceled (expired_on_confirmation).
   */
  advance(ms: number) {
    this.offsetMs += ms;
    for (const p of this.payments.values())
      if (p.status === "pending" && p.expires_at && Date.parse(p.expires_at) <= this.now())
        this.cancel(p, "yoo_money", "expired_on_confirmation");
  }

  /** The next requests fail this way, one fault per request. */
  fail(...faults: Fault[]) {
    this.faults.push(...faults);
  }

  readonly fetch = async (request: Request): Promise<Response> => {
    const url = new URL(request.url);
    if (url.origin !== "https://api.yookassa.ru" || !url.pathname.startsWith("/v3/")) return errorBody(404, "not_found", "Not found");
    const expected = `Basic ${btoa(`${this.shopId}:${this.secretKey}`)}`;
    if (request.headers.get("authorization") !== expected)
      return errorBody(401, "invalid_credentials", "Login or password is incorrect. Check the shopId and the secret key");
    const path = url.pathname.slice(3);
    const key = request.headers.get("idempotence-key");
    this.log.push({ method: request.method, path, key });
    const fault = this.faults.shift();
    if (fault === "500") return errorBody(500, "internal_server_error", "Internal server error");
    if (fault === "429") return errorBody(429, "too_many_requests", "Too many requests");
    if (fault === "202")
      return new Response(JSON.stringify({ type: "processing", description: "Request accepted", retry_after: 5 }), { status: 202 });
    const res = await this.handle(request, path, key);
    if (fault === "500-after") return errorBody(500, "internal_server_error", "Internal server error");
    if (fault === "slow") await new Promise((r) => setTimeout(r, this.slowMs));
    if (fault === "reset-after") throw new TypeError("Network connection lost");
    return res;
  };

  private async handle(request: Request, path: string, key: string | null): Promise<Response> {
    if (request.method === "GET") {
      const p = /^\/payments\/([\w-]+)$/.exec(path);
      if (p) {
        const payment = this.payments.get(p[1] ?? "");
        return payment ? ok(this.view(payment)) : errorBody(404, "not_found", "Payment doesn't exist or access denied");
      }
      const r = /^\/refunds\/([\w-]+)$/.exec(path);
      if (r) {
        const refund = this.refunds.get(r[1] ?? "");
        return refund ? ok(refund) : errorBody(404, "not_found", "Refund doesn't exist or access denied");
      }
      return errorBody(404, "not_found", "Not found");
    }
    if (request.method !== "POST") return new Response(null, { status: 405 });
    if (!(request.headers.get("content-type") ?? "").startsWith("application/json")) return new Response(null, { status: 415 });
    if (!key) return errorBody(400, "invalid_request", "Idempotence key is missing", "Idempotence-Key");
    if (key.length > 64) return errorBody(400, "invalid_request", "Idempotence key is too long", "Idempotence-Key");
    const text = await request.text();
    const hash = await sha(`${path}\n${text}`);
    // ЮKassa keeps a key (and its answer) for 24 hours; then the key is new again.
    const remembered = this.idempotence.get(key);
    const seen = remembered && this.now() - remembered.at < 24 * 3_600_000 ? remembered : undefined;
    if (seen) {
      if (seen.hash !== hash) return errorBody(400, "invalid_request", "Idempotence key duplicated", "Idempotence-Key");
      return new Response(seen.body, { status: seen.status, headers: { "content-type": "application/json" } });
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return errorBody(400, "invalid_request", "Invalid JSON");
    }
    let res: Response;
    try {
      res = this.post(path, isObject(body) ? body : {});
    } catch (e) {
      if (!(e instanceof Invalid)) throw e;
      res = errorBody(400, "invalid_request", e.message, e.parameter);
    }
    // The answer is kept with the key, also a 4xx one.
    const stored = await res.clone().text();
    this.idempotence.set(key, { hash, status: res.status, body: stored, at: this.now() });
    return res;
  }

  private post(path: string, b: Record<string, unknown>): Response {
    if (path === "/payments") return ok(this.view(this.createPayment(b)));
    const cap = /^\/payments\/([\w-]+)\/(capture|cancel)$/.exec(path);
    if (cap) {
      const payment = this.payments.get(cap[1] ?? "");
      if (!payment) return errorBody(404, "not_found", "Payment doesn't exist or access denied");
      if (payment.status !== "waiting_for_capture") throw new Invalid("payment_id", `Payment is in ${payment.status} status`);
      if (cap[2] === "capture") {
        if (b.amount !== undefined && checkAmount(b.amount, "amount") > kop(payment.amount.value))
          throw new Invalid("amount", "Amount too big");
        payment.status = "succeeded";
        payment.paid = true;
        payment.captured_at = new Date().toISOString();
        payment.refundable = true;
      } else this.cancel(payment, "merchant", "canceled_by_merchant");
      return ok(this.view(payment));
    }
    if (path === "/refunds") {
      const payment = this.payments.get(String(b.payment_id ?? ""));
      if (!payment) throw new Invalid("payment_id", "Payment doesn't exist");
      if (payment.status !== "succeeded") throw new Invalid("payment_id", "Payment is not succeeded");
      const amount = checkAmount(b.amount, "amount");
      const refunded = payment.refunded_amount ? kop(payment.refunded_amount.value) : 0;
      if (refunded + amount > kop(payment.amount.value)) throw new Invalid("amount", "Refund amount exceeds the payment amount");
      if (b.receipt !== undefined && checkReceipt(b.receipt) !== amount)
        throw new Invalid("receipt.items", "Items do not add up to the amount");
      const refund: YkRefund = {
        id: crypto.randomUUID(),
        payment_id: payment.id,
        status: "succeeded",
        amount: { value: value(amount), currency: "RUB" },
        created_at: new Date().toISOString(),
        ...(typeof b.description === "string" ? { description: b.description } : {}),
      };
      this.refunds.set(refund.id, refund);
      payment.refunded_amount = { value: value(refunded + amount), currency: "RUB" };
      payment.refundable = refunded + amount < kop(payment.amount.value);
      return ok(refund);
    }
    return errorBody(404, "not_found", "Not found");
  }

  private createPayment(b: Record<string, unknown>): FakePayment {
    const amount = checkAmount(b.amount, "amount");
    if (b.capture !== undefined && typeof b.capture !== "boolean") throw new Invalid("capture", "Invalid capture");
    if (b.description !== undefined && (typeof b.description !== "string" || b.description.length > 128))
      throw new Invalid("description", "Description is too long");
    if (b.metadata !== undefined) {
      if (!isObject(b.metadata) || Object.keys(b.metadata).length > 16) throw new Invalid("metadata", "Invalid metadata");
      for (const [k, v] of Object.entries(b.metadata))
        if (k.length > 32 || typeof v !== "string" || v.length > 512) throw new Invalid(`metadata.${k}`, "Invalid metadata value");
    }
    if (b.payment_method_data !== undefined && b.payment_method_id !== undefined)
      throw new Invalid("payment_method_id", "Only one of payment_method_data and payment_method_id");
    if (b.save_payment_method !== undefined && typeof b.save_payment_method !== "boolean")
      throw new Invalid("save_payment_method", "Invalid save_payment_method");
    // This shop sends receipts through ЮKassa (54-ФЗ): a payment without one is refused.
    if (checkReceipt(b.receipt) !== amount) throw new Invalid("receipt.items", "Items do not add up to the payment amount");
    const capture = b.capture === true;
    const now = new Date().toISOString();
    const base = {
      id: crypto.randomUUID(),
      paid: false,
      amount: { value: value(amount), currency: "RUB" },
      ...(typeof b.description === "string" ? { description: b.description } : {}),
      created_at: now,
      test: true,
      refundable: false,
      metadata: (b.metadata as Record<string, string>) ?? {},
      receipt_registration: "pending" as const,
      request: b,
    };
    if (b.payment_method_id !== undefined) {
      const saved = this.savedMethods.get(String(b.payment_method_id));
      if (!saved) throw new Invalid("payment_method_id", "Payment method not found or not saved");
      const payment: FakePayment = {
        ...base,
        status: "pending",
        payment_method: {
          type: "bank_card",
          id: String(b.payment_method_id),
          saved: true,
          card: saved.card,
          title: `Bank card *${saved.card.last4}`,
        },
      };
      this.payments.set(payment.id, payment);
      if (saved.decline) this.cancel(payment, "payment_network", saved.decline);
      else if (!saved.pending) this.succeed(payment, capture);
      return payment;
    }
    let type = "bank_card";
    if (b.payment_method_data !== undefined) {
      const d = b.payment_method_data;
      if (!isObject(d) || typeof d.type !== "string" || !(d.type in CONFIRMATIONS))
        throw new Invalid("payment_method_data.type", "Unsupported payment method");
      type = d.type;
    }
    const c = b.confirmation;
    if (!isObject(c) || typeof c.type !== "string") throw new Invalid("confirmation", "Confirmation is required");
    if (!(CONFIRMATIONS[type] ?? []).includes(c.type))
      throw new Invalid("confirmation.type", `Confirmation ${c.type} is not allowed for ${type}`);
    if (c.type !== "qr" && (typeof c.return_url !== "string" || c.return_url.length > 2048 || !URL.canParse(c.return_url)))
      throw new Invalid("confirmation.return_url", "Invalid return_url");
    if (b.save_payment_method === true && type !== "bank_card" && type !== "sbp")
      throw new Invalid("save_payment_method", "This payment method cannot be saved");
    const id = base.id;
    const confirmation: YkPayment["confirmation"] =
      c.type === "qr"
        ? {
            type: "qr",
            confirmation_data: `https://qr.nspk.ru/AD${id.replace(/-/g, "").slice(0, 30).toUpperCase()}?type=02&bank=100000000111&sum=${amount}&cur=RUB&crc=AB75`,
          }
        : c.type === "mobile_application"
          ? { type: "mobile_application", confirmation_url: `${type === "sberbank" ? "sberpay" : "bank100000000111"}://pay?orderId=${id}` }
          : {
              type: "redirect",
              confirmation_url: `https://yoomoney.ru/checkout/payments/v2/contract?orderId=${id}`,
              return_url: String(c.return_url),
            };
    const payment: FakePayment = {
      ...base,
      status: "pending",
      confirmation,
      expires_at: new Date(this.now() + 3_600_000).toISOString(),
      payment_method: { type, id: crypto.randomUUID(), saved: false },
    };
    this.payments.set(id, payment);
    return payment;
  }

  private succeed(payment: FakePayment, capture: boolean) {
    payment.paid = true;
    if (capture) {
      payment.status = "succeeded";
      payment.captured_at = new Date().toISOString();
      payment.refundable = true;
    } else payment.status = "waiting_for_capture";
    delete payment.expires_at;
  }

  private cancel(payment: FakePayment, party: "merchant" | "yoo_money" | "payment_network", reason: string) {
    payment.status = "canceled";
    payment.paid = false;
    payment.cancellation_details = { party, reason };
    delete payment.expires_at;
  }

  /** The object as the API shows it (without the fake's own bookkeeping). */
  view(payment: FakePayment): YkPayment {
    const { request: _request, ...shown } = payment;
    return structuredClone(shown);
  }

  /** The payer confirms on ЮKassa's side (a card on its page, the bank's app for СБП/SberPay/T-Pay). */
  pay(id: string, card: Partial<YkCard> = {}) {
    const payment = this.must(id);
    if (payment.status !== "pending") throw new Error(`payment ${id} is ${payment.status}`);
    const pm = payment.payment_method ?? { type: "bank_card", id: crypto.randomUUID(), saved: false };
    if (pm.type === "bank_card") {
      pm.card = {
        first6: "555555",
        last4: "4477",
        expiry_month: "12",
        expiry_year: "2030",
        card_type: "MasterCard",
        issuer_country: "RU",
        ...card,
      };
      pm.title = `Bank card *${pm.card.last4}`;
      if (payment.request.save_payment_method === true) {
        pm.saved = true;
        this.savedMethods.set(pm.id, { card: pm.card });
      }
    }
    payment.payment_method = pm;
    this.succeed(payment, payment.request.capture === true);
    return this.view(payment);
  }

  /** The payment is declined (`party` payment_network) or runs out of time (`expired_on_confirmation`, yoo_money). */
  decline(id: string, reason: string) {
    const payment = this.must(id);
    if (payment.status !== "pending") throw new Error(`payment ${id} is ${payment.status}`);
    this.cancel(payment, reason.startsWith("expired") ? "yoo_money" : "payment_network", reason);
    return this.view(payment);
  }

  /** The unsigned notification ЮKassa would POST for an object, as it is now. */
  notification(event: string, objectId: string): string {
    const object = event.startsWith("refund.") ? this.refunds.get(objectId) : this.payments.get(objectId);
    if (!object) throw new Error(`no object ${objectId}`);
    return JSON.stringify({ type: "notification", event, object: "request" in object ? this.view(object as FakePayment) : object });
  }

  /** POSTs a notification to the shop's URL the way ЮKassa does: JSON, no signature, from its own servers. */
  notify(post: (r: Request) => Promise<Response>, url: string, event: string, objectId: string) {
    return post(
      new Request(url, {
        method: "POST",
        headers: { "content-type": "application/json", "cf-connecting-ip": "185.71.76.10" },
        body: this.notification(event, objectId),
      }),
    );
  }

  private must(id: string): FakePayment {
    const p = this.payments.get(id);
    if (!p) throw new Error(`no payment ${id}`);
    return p;
  }
}
