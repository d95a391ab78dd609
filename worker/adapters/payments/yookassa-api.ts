/**
 * ЮKassa's API v3 (https://yookassa.ru/developers/api), the part the cabinet
 * uses: payments (create, read, capture, cancel), refunds, and the shapes of
 * their objects and errors. Transport rules of the documentation:
 *
 * - HTTP Basic auth with the shop id as the user and the secret key as the password;
 * - every POST carries an `Idempotence-Key` (at most 64 characters); the same key
 *   with the same body answers the first result again, with another body it is a 400;
 * - an HTTP 500, a timeout or a lost connection leaves the result unknown: the request
 *   is repeated with the same data and the same key («Общие правила обработки ответов»);
 *   429 (too many requests) is repeated later, also with the same key; 202 means
 *   «still processing», to be asked again after `retry_after` milliseconds;
 * - any other 4xx is final: `{ type: "error", id, code, description, parameter }`.
 */

export const YOOKASSA_API = "https://api.yookassa.ru/v3";

export interface YkAmount {
  value: string;
  currency: string;
}

export type YkPaymentStatus = "pending" | "waiting_for_capture" | "succeeded" | "canceled";

/** `payment_method_data.type` of the methods the cabinet offers. */
export type YkMethodType = "bank_card" | "sbp" | "sberbank" | "tinkoff_bank";

export type YkConfirmationRequest =
  | { type: "redirect"; return_url: string; enforce?: boolean }
  | { type: "qr"; return_url?: string }
  | { type: "mobile_application"; return_url: string };

export type YkConfirmation =
  | { type: "redirect"; confirmation_url: string; return_url?: string }
  | { type: "qr"; confirmation_data: string }
  | { type: "mobile_application"; confirmation_url: string };

export interface YkCard {
  first6?: string;
  last4: string;
  expiry_month: string;
  expiry_year: string;
  card_type: string;
  issuer_country?: string;
}

export interface YkPaymentMethod {
  type: string;
  id: string;
  saved: boolean;
  title?: string;
  card?: YkCard;
}

/** 54-ФЗ receipt item (`receipt.items[]`). */
export interface YkReceiptItem {
  description: string;
  quantity: string | number;
  amount: YkAmount;
  vat_code: number;
  payment_subject: string;
  payment_mode: string;
}

/** The 54-ФЗ receipt that ЮKassa («Чеки от ЮKassa») registers with the fiscal data operator. */
export interface YkReceipt {
  customer: { full_name?: string; inn?: string; email?: string; phone?: string };
  items: YkReceiptItem[];
  tax_system_code?: number;
}

export interface YkPayment {
  id: string;
  status: YkPaymentStatus;
  paid: boolean;
  amount: YkAmount;
  description?: string;
  payment_method?: YkPaymentMethod;
  confirmation?: YkConfirmation;
  created_at: string;
  captured_at?: string;
  expires_at?: string;
  test: boolean;
  /** Present when the shop sends receipts through ЮKassa («Чеки от ЮKassa»): the receipt's registration. */
  receipt_registration?: "pending" | "succeeded" | "canceled";
  refunded_amount?: YkAmount;
  refundable: boolean;
  metadata?: Record<string, string>;
  cancellation_details?: { party: "merchant" | "yoo_money" | "payment_network"; reason: string };
}

export interface YkRefund {
  id: string;
  payment_id: string;
  status: "pending" | "succeeded" | "canceled";
  amount: YkAmount;
  created_at: string;
  description?: string;
  cancellation_details?: { party: string; reason: string };
}

export interface YkCreatePayment {
  amount: YkAmount;
  capture?: boolean;
  description?: string;
  confirmation?: YkConfirmationRequest;
  payment_method_data?: { type: YkMethodType };
  payment_method_id?: string;
  save_payment_method?: boolean;
  metadata?: Record<string, string>;
  receipt?: YkReceipt;
}

export interface YkCreateRefund {
  payment_id: string;
  amount: YkAmount;
  description?: string;
  receipt?: YkReceipt;
}

/** An answer of ЮKassa that is not the object asked for (or no answer at all: `status` 0). */
export class YooKassaError extends Error {
  constructor(
    /** HTTP status; 0 when the request timed out or the connection failed. */
    readonly status: number,
    /** ЮKassa's error code (`invalid_request`, `invalid_credentials`, …) or `timeout` / `network`. */
    readonly code: string,
    readonly description: string,
    /** The request parameter the error is about, when ЮKassa names one. */
    readonly parameter?: string,
  ) {
    super(`ЮKassa ${status || "no answer"} ${code}${parameter ? ` (${parameter})` : ""}: ${description}`);
    this.name = "YooKassaError";
  }

  /** The result is unknown and the same request with the same key may be sent again. */
  get retryable() {
    return this.status === 0 || this.status === 429 || this.status >= 500;
  }
}

export interface YooKassaApiConfig {
  shopId: string;
  secretKey: string;
  apiUrl?: string;
  /** The transport (the platform's fetch by default; a fake in tests). */
  fetch?: (request: Request) => Promise<Response>;
  /** One attempt's limit, ms. */
  timeoutMs?: number;
  /** Attempts in all for an unknown result (500, 429, 202, timeout, lost connection). */
  attempts?: number;
  /** Waits between attempts (ms, by attempt number from 1); an injected clock in tests. */
  sleep?: (ms: number) => Promise<void>;
}

const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_ATTEMPTS = 3;
/** Backoff between attempts: 0.5 s, 2 s, 5 s… (the documentation asks for «a growing, reasonable interval»). */
const BACKOFF_MS = [500, 2_000, 5_000, 10_000];

/** Kopecks as ЮKassa's decimal string (`12345` → `"123.45"`); integer arithmetic only. */
export function kopToValue(kop: number): string {
  if (!Number.isSafeInteger(kop) || kop < 0) throw new RangeError(`bad amount ${kop}`);
  return `${Math.floor(kop / 100)}.${String(kop % 100).padStart(2, "0")}`;
}

/** ЮKassa's decimal string as kopecks, null for anything that is not one. */
export function valueToKop(value: string): number | null {
  const m = /^(\d{1,12})(?:\.(\d{1,2}))?$/.exec(value);
  if (!m) return null;
  return Number(m[1]) * 100 + Number((m[2] ?? "0").padEnd(2, "0"));
}

const sleepReal = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A thin client of ЮKassa's API with its retry rules; throws `YooKassaError` for anything but the object. */
export function yookassaApi(config: YooKassaApiConfig) {
  const base = (config.apiUrl ?? YOOKASSA_API).replace(/\/$/, "");
  const send = config.fetch ?? ((r: Request) => fetch(r));
  const timeoutMs = config.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const attempts = Math.max(1, config.attempts ?? DEFAULT_ATTEMPTS);
  const sleep = config.sleep ?? sleepReal;
  const auth = `Basic ${btoa(`${config.shopId}:${config.secretKey}`)}`;

  async function once(method: "GET" | "POST", path: string, body: unknown, key: string | undefined): Promise<Response> {
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        controller.abort();
        reject(new YooKassaError(0, "timeout", `no answer in ${timeoutMs} ms`));
      }, timeoutMs);
    });
    const headers: Record<string, string> = { authorization: auth, accept: "application/json" };
    if (key) headers["idempotence-key"] = key;
    if (body !== undefined) headers["content-type"] = "application/json";
    const request = new Request(`${base}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: controller.signal,
    });
    try {
      return await Promise.race([send(request), timeout]);
    } catch (e) {
      if (e instanceof YooKassaError) throw e;
      throw new YooKassaError(0, "network", e instanceof Error ? e.message : String(e));
    } finally {
      clearTimeout(timer);
    }
  }

  async function call<T>(method: "GET" | "POST", path: string, body?: unknown, key?: string): Promise<T> {
    let last: YooKassaError | undefined;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      if (attempt > 1) await sleep(BACKOFF_MS[Math.min(attempt - 2, BACKOFF_MS.length - 1)] ?? 0);
      let res: Response;
      try {
        res = await once(method, path, body, key);
      } catch (e) {
        if (!(e instanceof YooKassaError)) throw e;
        last = e;
        continue;
      }
      const text = await res.text();
      let json: Record<string, unknown> | null = null;
      try {
        json = text ? (JSON.parse(text) as Record<string, unknown>) : null;
      } catch {
        json = null;
      }
      if (res.status === 200 && json && json.type !== "error") return json as T;
      if (res.status === 202) {
        // «Still processing»: ask again after retry_after (ms), within this call's attempts.
        const wait = Number(json?.retry_after);
        last = new YooKassaError(202, "processing", "the request is still being processed");
        if (attempt < attempts && Number.isFinite(wait) && wait > 0) await sleep(Math.min(wait, 30_000));
        continue;
      }
      const error = new YooKassaError(
        res.status,
        typeof json?.code === "string" ? json.code : `http_${res.status}`,
        typeof json?.description === "string" ? json.description : text.slice(0, 200),
        typeof json?.parameter === "string" ? json.parameter : undefined,
      );
      if (!error.retryable) throw error;
      last = error;
    }
    throw last ?? new YooKassaError(0, "network", "no attempt made");
  }

  const id = (s: string) => encodeURIComponent(s);
  return {
    createPayment: (body: YkCreatePayment, idempotenceKey: string) => call<YkPayment>("POST", "/payments", body, idempotenceKey),
    getPayment: (paymentId: string) => call<YkPayment>("GET", `/payments/${id(paymentId)}`),
    capturePayment: (paymentId: string, idempotenceKey: string, amount?: YkAmount) =>
      call<YkPayment>("POST", `/payments/${id(paymentId)}/capture`, amount ? { amount } : {}, idempotenceKey),
    cancelPayment: (paymentId: string, idempotenceKey: string) =>
      call<YkPayment>("POST", `/payments/${id(paymentId)}/cancel`, {}, idempotenceKey),
    createRefund: (body: YkCreateRefund, idempotenceKey: string) => call<YkRefund>("POST", "/refunds", body, idempotenceKey),
    getRefund: (refundId: string) => call<YkRefund>("GET", `/refunds/${id(refundId)}`),
  };
}

export type YooKassaApi = ReturnType<typeof yookassaApi>;
