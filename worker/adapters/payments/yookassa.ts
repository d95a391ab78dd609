import { z } from "zod";
import { AppError } from "../../platform/errors";
import { log, maskPersonal } from "../../platform/log";
import { type VatRate, vatRateOn } from "../../platform/vat";
import type { Acquirer, AcquirerCard, AcquirerPayment, Confirmation, PaymentMethod, ReceiptCustomer, WebhookEvent } from "./index";
import {
  kopToValue,
  valueToKop,
  type YkConfirmationRequest,
  type YkMethodType,
  type YkPayment,
  type YkReceipt,
  type YooKassaApi,
  type YooKassaApiConfig,
  YooKassaError,
  yookassaApi,
} from "./yookassa-api";

declare global {
  /** Secrets of an environment with `ACQUIRER = "yookassa"` (`wrangler secret put`), absent elsewhere. */
  interface Env {
    /** ЮKassa's shop id (the Basic auth user). */
    YOOKASSA_SHOP_ID?: string;
    /** ЮKassa's secret key (`live_…`, `test_…`), issued and rotated in ЮKassa's dashboard. */
    YOOKASSA_SECRET_KEY?: string;
    /** "live" (production: a `test_` key and test payments are refused) or "test" (staging's test shop); a var. */
    YOOKASSA_MODE?: string;
  }
}

/**
 * The acquirer ЮKassa (`ACQUIRER = "yookassa"`). Card on ЮKassa's page (3-D
 * Secure there), СБП by a QR whose payload is the НСПК link, SberPay and
 * T-Pay by a redirect to the bank; saved cards (`payment_method_id`) for
 * autopay; payments are captured at once (`capture: true`). Each payment
 * carries the 54-ФЗ receipt that «Чеки от ЮKassa» registers.
 *
 * ЮKassa's notifications are not signed: a notification only names a payment
 * or a refund, and what is applied is what the API answers when asked again
 * (`verifyWebhook`). A forged `payment.succeeded` for a payment the API calls
 * pending credits nothing.
 */

/** `payment_method_data.type` of each cabinet method, and back. */
const METHOD_TYPE: Record<PaymentMethod, YkMethodType> = { card: "bank_card", sbp: "sbp", sberpay: "sberbank", tpay: "tinkoff_bank" };
const METHOD_OF: Record<string, PaymentMethod> = { bank_card: "card", sbp: "sbp", sberbank: "sberpay", tinkoff_bank: "tpay" };

/**
 * ЮKassa's `cancellation_details.reason` as the cabinet's failure code (the
 * web app words each one for the payer in Russian and English). Reasons of
 * ЮKassa's «Неуспешные платежи» page; anything new is `other`.
 */
export const FAILURE_OF_REASON: Record<string, string> = {
  "3d_secure_failed": "3ds_failed",
  call_issuer: "card_declined",
  general_decline: "card_declined",
  insufficient_funds: "insufficient_funds",
  card_expired: "card_expired",
  invalid_card_number: "invalid_card",
  invalid_csc: "invalid_card",
  expired_on_confirmation: "timed_out",
  expired_on_capture: "timed_out",
  issuer_unavailable: "issuer_unavailable",
  internal_timeout: "issuer_unavailable",
  payment_method_limit_exceeded: "limit_exceeded",
  payment_method_restricted: "method_restricted",
  country_forbidden: "method_restricted",
  fraud_suspected: "fraud_suspected",
  permission_revoked: "permission_revoked",
};

export function failureCodeOf(reason: string | undefined, method: PaymentMethod): string {
  // An СБП payment that ran out of time is an expired QR code (the sandbox's `expired`).
  if (method === "sbp" && reason === "expired_on_confirmation") return "expired";
  return reason ? (FAILURE_OF_REASON[reason] ?? "other") : "other";
}

/**
 * 54-ФЗ fields of the receipt: the seller's taxation system (1 — ОСН), a
 * service (`service`) paid in advance in full (`full_prepayment`): a top-up of
 * a communication services account. VAT is at the calculated rate of the day
 * (`vatRateOn`, platform/vat), as the cabinet's own receipts state it
 * (`features/payments/receipts.ts`).
 */
export const RECEIPT = { taxSystemCode: 1, paymentSubject: "service", paymentMode: "full_prepayment" } as const;

/**
 * ЮKassa's `vat_code` of each calculated rate. ЮKassa's table of VAT codes
 * (https://yookassa.ru/developers/54fz/parameters-values, «Коды ставок НДС»):
 * 6 — НДС по расчетной ставке 20/120; 12 — по расчетной ставке 22/122 (the
 * codes 11 and 12 are the rates in force from 1 January 2026).
 */
export const VAT_CODE: Record<VatRate, number> = { "20/120": 6, "22/122": 12 };

/**
 * The receipt of one payment (or refund): one item, the whole amount, the payer as the customer, VAT at the rate
 * of `at` — the moment the money is paid (for a refund, the moment the refunded payment was made: the return of a
 * 2025 advance is at 2025's rate).
 */
export function buildYooKassaReceipt(
  p: { amountKop: number; description: string },
  customer: ReceiptCustomer,
  at: Date = new Date(),
): YkReceipt {
  const contact = customer.email ? { email: customer.email } : { phone: (customer.phone ?? "").replace(/\D/g, "") };
  return {
    customer: contact,
    tax_system_code: RECEIPT.taxSystemCode,
    items: [
      {
        description: p.description.slice(0, 128),
        quantity: "1.00",
        amount: { value: kopToValue(p.amountKop), currency: "RUB" },
        vat_code: VAT_CODE[vatRateOn(at)],
        payment_subject: RECEIPT.paymentSubject,
        payment_mode: RECEIPT.paymentMode,
      },
    ],
  };
}

/** ЮKassa's payment as the cabinet sees it. */
export function toAcquirerPayment(yk: YkPayment, fallbackMethod: PaymentMethod = "card"): AcquirerPayment {
  const amountKop = valueToKop(yk.amount.value) ?? -1;
  const refundedKop = yk.refunded_amount ? (valueToKop(yk.refunded_amount.value) ?? 0) : 0;
  const status: AcquirerPayment["status"] =
    yk.status === "succeeded"
      ? refundedKop > 0 && refundedKop >= amountKop
        ? "refunded"
        : "succeeded"
      : yk.status === "canceled"
        ? "canceled"
        : "pending"; // pending, and waiting_for_capture until it is captured
  const pm = yk.payment_method;
  const card: AcquirerCard | undefined = pm?.card
    ? {
        last4: pm.card.last4,
        brand: pm.card.card_type.toLowerCase(),
        expMonth: Number(pm.card.expiry_month),
        expYear: Number(pm.card.expiry_year),
        ...(pm.saved && pm.id ? { token: pm.id } : {}),
      }
    : undefined;
  const method = (pm && METHOD_OF[pm.type]) ?? fallbackMethod;
  return {
    id: yk.id,
    status,
    amountKop,
    method,
    metadata: { paymentId: yk.metadata?.paymentId ?? "", accountNo: yk.metadata?.accountNo ?? "" },
    ...(card ? { card } : {}),
    ...(status === "canceled" ? { failureCode: failureCodeOf(yk.cancellation_details?.reason, method) } : {}),
    ...(yk.receipt_registration ? { receiptByAcquirer: true } : {}),
  };
}

/** What a notification must look like to be worth asking the API about (its object is not trusted). */
const NotificationShape = z.object({
  type: z.literal("notification"),
  event: z.enum(["payment.succeeded", "payment.waiting_for_capture", "payment.canceled", "refund.succeeded"]),
  object: z.object({ id: z.string().regex(/^[\w-]{1,64}$/) }),
});

const EVENT_OF_STATUS: Record<AcquirerPayment["status"], WebhookEvent["type"]> = {
  pending: "payment.pending",
  waiting_for_3ds: "payment.pending",
  succeeded: "payment.succeeded",
  canceled: "payment.canceled",
  refunded: "refund.succeeded",
};

/** ЮKassa's object ids (UUID-like); anything else is not asked about. */
const YK_ID = /^[\w-]{1,64}$/;

export interface YooKassaAcquirer extends Acquirer {
  /** Refunds a payment in full (an operator's decision); the cabinet applies it on `refund.succeeded`. */
  refund(p: {
    acquirerPaymentId: string;
    amountKop: number;
    description: string;
    idempotenceKey: string;
    customer?: ReceiptCustomer;
    /** When the refunded payment was made: its receipt's VAT rate is the refund receipt's (now if not given). */
    paidAt?: Date;
  }): Promise<{
    id: string;
    status: "pending" | "succeeded" | "canceled";
  }>;
}

/**
 * An answer of ЮKassa that is not a payment, as the subscriber sees it: the
 * payment is unavailable for now (503, try again: the same key then finds the
 * same payment). The log line names the cause for the operator (a wrong
 * shop id or secret key is `invalid_credentials`), never the secret.
 */
function unavailable(e: unknown, op: string): never {
  if (e instanceof YooKassaError) {
    log(e.status === 401 || e.status === 403 ? "error" : "warn", "yookassa.error", {
      op,
      status: e.status,
      code: e.code,
      parameter: e.parameter ?? null,
      // ЮKassa's text can quote the receipt's customer (an email, a phone): masked.
      description: maskPersonal(e.description),
    });
    throw new AppError(503, "acquirer_unavailable", {}, [], { "retry-after": "30" });
  }
  throw e;
}

export function yookassaAcquirer(config: (YooKassaApiConfig | { api: YooKassaApi }) & { live?: boolean }): YooKassaAcquirer {
  const api = "api" in config ? config.api : yookassaApi(config);

  /** A test shop's payment (`test: true`) seen by a live shop: the keys are mixed up, and it is no money. */
  const testInLive = (yk: YkPayment) => {
    if (!config.live || !yk.test) return false;
    log("error", "yookassa.test_payment_in_live_mode", {});
    return true;
  };

  const receiptOf = (p: { amountKop: number; description: string; customer?: ReceiptCustomer }) => {
    if (p.customer?.email || p.customer?.phone) return { receipt: buildYooKassaReceipt(p, p.customer) };
    // ЮKassa refuses a receipt without a contact (400, receipt.customer): better no receipt than no payment.
    log("warn", "yookassa.receipt_without_customer", {});
    return {};
  };

  /** Captures a payment that waits for it (the cabinet always asks for `capture: true`; this is the safety net). */
  async function settled(yk: YkPayment): Promise<YkPayment> {
    if (yk.status !== "waiting_for_capture") return yk;
    return api.capturePayment(yk.id, `capture-${yk.id}`, yk.amount);
  }

  return {
    methods: ["card", "sbp", "sberpay", "tpay"],

    async createPayment(p) {
      const confirmation: YkConfirmationRequest = p.method === "sbp" ? { type: "qr" } : { type: "redirect", return_url: p.returnUrl };
      let yk: YkPayment;
      try {
        yk = await api.createPayment(
          {
            amount: { value: kopToValue(p.amountKop), currency: "RUB" },
            capture: true,
            confirmation,
            payment_method_data: { type: METHOD_TYPE[p.method] },
            ...(p.method === "card" && p.saveCard ? { save_payment_method: true } : {}),
            description: p.description.slice(0, 128),
            metadata: { paymentId: p.metadata.paymentId, accountNo: p.metadata.accountNo },
            ...receiptOf(p),
          },
          p.idempotenceKey,
        );
      } catch (e) {
        unavailable(e, "create_payment");
      }
      const c = yk.confirmation;
      let out: Confirmation | null = null;
      if (c?.type === "qr") out = { type: "qr", payload: c.confirmation_data, url: c.confirmation_data };
      else if (c?.type === "redirect" || c?.type === "mobile_application") out = { type: "redirect", url: c.confirmation_url };
      if (!out) {
        log("warn", "yookassa.no_confirmation", { status: yk.status });
        throw new AppError(503, "acquirer_unavailable", {}, [], { "retry-after": "30" });
      }
      return { id: yk.id, confirmation: out };
    },

    async chargeSavedCard(p) {
      try {
        const yk = await api.createPayment(
          {
            amount: { value: kopToValue(p.amountKop), currency: "RUB" },
            capture: true,
            payment_method_id: p.token,
            description: p.description.slice(0, 128),
            metadata: { paymentId: p.metadata.paymentId, accountNo: p.metadata.accountNo },
            ...receiptOf(p),
          },
          p.idempotenceKey,
        );
        if (testInLive(yk)) throw new AppError(503, "acquirer_unavailable", {}, [], { "retry-after": "30" });
        return toAcquirerPayment(await settled(yk), "card");
      } catch (e) {
        if (e instanceof AppError) throw e;
        // A saved method ЮKassa no longer knows is a decline of this charge (the payer links a card again), not an outage.
        if (e instanceof YooKassaError && e.status === 400 && e.parameter === "payment_method_id")
          return {
            id: `refused-${p.idempotenceKey}`,
            status: "canceled",
            amountKop: p.amountKop,
            method: "card",
            metadata: p.metadata,
            failureCode: "permission_revoked",
          };
        unavailable(e, "charge_saved");
      }
    },

    /** Null when ЮKassa does not know the payment, or cannot say now: the payer's page shows what the cabinet knows and asks again. */
    async getPayment(id) {
      if (!YK_ID.test(id)) return null;
      try {
        const yk = await api.getPayment(id);
        if (testInLive(yk)) return null;
        return toAcquirerPayment(await settled(yk));
      } catch (e) {
        if (!(e instanceof YooKassaError)) throw e;
        if (e.status !== 404)
          log(e.status === 401 || e.status === 403 ? "error" : "warn", "yookassa.error", {
            op: "get_payment",
            status: e.status,
            code: e.code,
          });
        return null;
      }
    },

    async verifyWebhook(body, _signature, now = new Date()) {
      let claim: z.infer<typeof NotificationShape>;
      try {
        const parsed = NotificationShape.safeParse(JSON.parse(body));
        if (!parsed.success) return null;
        claim = parsed.data;
      } catch {
        return null;
      }
      // The notification only says which object to look at; the API says what it is.
      let yk: YkPayment;
      try {
        if (claim.event === "refund.succeeded") {
          const refund = await api.getRefund(claim.object.id);
          if (!YK_ID.test(refund.payment_id)) return null;
          yk = await api.getPayment(refund.payment_id);
        } else yk = await settled(await api.getPayment(claim.object.id));
      } catch (e) {
        if (e instanceof YooKassaError && e.status === 404) {
          log("warn", "yookassa.notification_unknown_object", { event: claim.event });
          return null;
        }
        unavailable(e, "notification_reread");
      }
      const object = toAcquirerPayment(yk);
      // A test payment names no payment of a live shop: applied as foreign, it credits nothing (and is answered 200).
      if (testInLive(yk)) object.metadata = { paymentId: "", accountNo: "" };
      // Every event ЮKassa notifies is final; an API that still says pending lags behind it. A 503 makes ЮKassa
      // deliver the notification again later (a 200 would end its retries with nothing applied).
      if (object.status === "pending" || object.status === "waiting_for_3ds") {
        log("warn", "yookassa.notification_not_final_yet", { event: claim.event });
        throw new AppError(503, "acquirer_unavailable", {}, [], { "retry-after": "60" });
      }
      if (claim.event !== EVENT_OF_STATUS[object.status])
        log("warn", "yookassa.notification_disagrees", { event: claim.event, status: object.status });
      return { id: `yk:${object.id}:${object.status}`, type: EVENT_OF_STATUS[object.status], createdAt: now.toISOString(), object };
    },

    async refund(p) {
      try {
        const r = await api.createRefund(
          {
            payment_id: p.acquirerPaymentId,
            amount: { value: kopToValue(p.amountKop), currency: "RUB" },
            description: p.description.slice(0, 250),
            ...(p.customer?.email || p.customer?.phone ? { receipt: buildYooKassaReceipt(p, p.customer, p.paidAt) } : {}),
          },
          p.idempotenceKey,
        );
        return { id: r.id, status: r.status };
      } catch (e) {
        unavailable(e, "refund");
      }
    },
  };
}

/** The acquirer of `ACQUIRER = "yookassa"`: its shop id and secret key come from the environment's secrets. */
export function yookassaFromEnv(env: Env): YooKassaAcquirer {
  const shopId = env.YOOKASSA_SHOP_ID ?? "";
  const secretKey = env.YOOKASSA_SECRET_KEY ?? "";
  if (!shopId || !secretKey) {
    log("error", "yookassa.missing_secret", { secret: !shopId ? "YOOKASSA_SHOP_ID" : "YOOKASSA_SECRET_KEY" });
    throw new AppError(503, "acquirer_unavailable", {}, [], { "retry-after": "30" });
  }
  return yookassaAcquirer({ shopId, secretKey, live: env.YOOKASSA_MODE === "live" });
}
