/**
 * The payment provider (эквайринг), as the cabinet sees it. Production plugs a
 * real acquirer in behind this interface; locally `sandboxAcquirer` behaves
 * like one: a hosted payment page, test cards, 3-D Secure, saved-card tokens,
 * an СБП QR, SberPay/T-Pay pages and signed webhooks that arrive late, twice
 * and out of order.
 */
import { z } from "zod";

/**
 * How the payer pays: a bank card on the hosted page (and a saved card later),
 * СБП (Система быстрых платежей: a QR or the bank-choice deep link), SberPay
 * or T-Pay (the bank's own app, by a redirect).
 */
export type PaymentMethod = "card" | "sbp" | "sberpay" | "tpay";
export const PAYMENT_METHODS = ["card", "sbp", "sberpay", "tpay"] as const satisfies readonly PaymentMethod[];

/**
 * What the payer does next: open the acquirer's page (`redirect`), or, for
 * СБП, scan the QR whose `payload` is an НСПК link (`https://qr.nspk.ru/…`);
 * `url` is then the deep link that opens the bank-choice list on a phone.
 */
export type Confirmation = { type: "redirect"; url: string } | { type: "qr"; payload: string; url: string };

export type AcquirerStatus = "pending" | "waiting_for_3ds" | "succeeded" | "canceled" | "refunded";

export interface AcquirerCard {
  last4: string;
  brand: string;
  expMonth: number;
  expYear: number;
  /** Present when the payer agreed to save the card. */
  token?: string;
}

export interface AcquirerPayment {
  id: string;
  status: AcquirerStatus;
  amountKop: number;
  method: PaymentMethod;
  metadata: { paymentId: string; accountNo: string };
  card?: AcquirerCard;
  failureCode?: string;
  /** The acquirer registers the 54-ФЗ receipt itself (ЮKassa's «Чеки от ЮKassa») and sends it to the payer. */
  receiptByAcquirer?: boolean;
}

export interface WebhookEvent {
  id: string;
  type: "payment.pending" | "payment.succeeded" | "payment.canceled" | "refund.succeeded";
  createdAt: string;
  object: AcquirerPayment;
}

/**
 * What a verified webhook must look like before it is applied: a signature
 * says who sent the body, not that it is well formed (an acquirer's API
 * change, a bug of theirs).
 */
export const WebhookEventShape = z.object({
  id: z.string().min(1).max(200),
  type: z.enum(["payment.pending", "payment.succeeded", "payment.canceled", "refund.succeeded"]),
  createdAt: z.string().max(64),
  object: z.object({
    id: z.string().min(1).max(200),
    status: z.enum(["pending", "waiting_for_3ds", "succeeded", "canceled", "refunded"]),
    amountKop: z.number().int().nonnegative(),
    method: z.enum(PAYMENT_METHODS),
    metadata: z.object({ paymentId: z.string().max(100), accountNo: z.string().max(40) }),
    card: z
      .object({
        last4: z.string().max(4),
        brand: z.string().max(32),
        expMonth: z.number().int(),
        expYear: z.number().int(),
        token: z.string().max(200).optional(),
      })
      .optional(),
    failureCode: z.string().max(100).optional(),
    receiptByAcquirer: z.boolean().optional(),
  }),
}) satisfies z.ZodType<WebhookEvent>;

/**
 * Whom the acquirer sends the 54-ФЗ receipt to, when it registers one (ЮKassa's
 * «Чеки от ЮKassa» refuses a receipt without the buyer's email or phone).
 */
export interface ReceiptCustomer {
  email?: string;
  /** E.164, `+79001234567`. */
  phone?: string;
}

export interface Acquirer {
  /** The methods this acquirer offers (in the order the payer should see them). */
  readonly methods: readonly PaymentMethod[];
  /**
   * Starts a payment the payer completes on the acquirer's side: a page to
   * open, or an СБП QR and deep link. `saveCard` only means something for `card`.
   */
  createPayment(p: {
    method: PaymentMethod;
    amountKop: number;
    description: string;
    returnUrl: string;
    saveCard: boolean;
    metadata: AcquirerPayment["metadata"];
    idempotenceKey: string;
    /** The payer's contacts, for the receipt. */
    customer?: ReceiptCustomer;
  }): Promise<{ id: string; confirmation: Confirmation }>;
  /** Charges a saved card without the payer (autopay, one-click); answers at once. */
  chargeSavedCard(p: {
    token: string;
    amountKop: number;
    description: string;
    metadata: AcquirerPayment["metadata"];
    idempotenceKey: string;
    customer?: ReceiptCustomer;
  }): Promise<AcquirerPayment>;
  /** The acquirer's view of a payment (to settle without waiting for a webhook). */
  getPayment(id: string): Promise<AcquirerPayment | null>;
  /** Checks a webhook's signature and freshness; null when it is not from the acquirer. */
  verifyWebhook(body: string, signature: string | undefined, now?: Date): Promise<WebhookEvent | null>;
}

const enc = new TextEncoder();
const hex = (buf: ArrayBuffer) => [...new Uint8Array(buf)].map((b) => b.toString(16).padStart(2, "0")).join("");

/** HMAC-SHA-256 webhook signature header: `t=<unix seconds>,v1=<hex of HMAC(secret, "<t>.<body>")>`. */
export async function signWebhook(secret: string, body: string, at = new Date()): Promise<string> {
  const t = Math.floor(at.getTime() / 1000);
  const key = await crypto.subtle.importKey("raw", enc.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return `t=${t},v1=${hex(await crypto.subtle.sign("HMAC", key, enc.encode(`${t}.${body}`)))}`;
}

/** Verifies a signature header made by `signWebhook`, at most `toleranceS` old (replays of old captures fail). */
export async function verifySignature(secret: string, body: string, header: string | undefined, now = new Date(), toleranceS = 300) {
  const m = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header ?? "");
  if (!m) return false;
  const t = Number(m[1]);
  if (Math.abs(now.getTime() / 1000 - t) > toleranceS) return false;
  const key = await crypto.subtle.importKey("raw", enc.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["verify"]);
  const sig = new Uint8Array((m[2] ?? "").match(/../g)?.map((b) => Number.parseInt(b, 16)) ?? []);
  return crypto.subtle.verify("HMAC", key, sig, enc.encode(`${t}.${body}`));
}
