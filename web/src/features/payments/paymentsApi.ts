import type {
  AutopayBody,
  AutopayDto,
  CardDto,
  PayBody,
  PaymentDto,
  PaymentOptionsDto,
  PaymentStartedDto,
  PromisedTakenDto,
  ReceiptDto,
} from "../../../../worker/features/payments/payments.routes";
import { accountPath, apiRequest, apiSend, type Items } from "../../lib/api";

export type { AutopayDto, CardDto, PaymentDto, PaymentOptionsDto, ReceiptDto };

const json = (method: string, body: unknown, key?: string): RequestInit => ({
  method,
  body: JSON.stringify(body),
  headers: { "content-type": "application/json", ...(key ? { "idempotency-key": key } : {}) },
});

/** Top-ups, payments and receipts, saved cards, autopay and the promised payment (обещанный платёж). */
export const paymentsApi = {
  paymentOptions: (no: string) => apiRequest<PaymentOptionsDto>(`${accountPath(no)}/payment-options`),
  /** Top-up; the same `key` (one per attempt on the screen) never makes a second payment. */
  pay: (no: string, body: PayBody, key: string) => apiRequest<PaymentStartedDto>(`${accountPath(no)}/payments`, json("POST", body, key)),
  payment: (no: string, id: string) => apiRequest<PaymentDto>(`${accountPath(no)}/payments/${encodeURIComponent(id)}`),
  payments: (no: string) => apiRequest<Items<PaymentDto>>(`${accountPath(no)}/payments`).then((r) => r.items),
  receipt: (no: string, id: string) => apiRequest<ReceiptDto>(`${accountPath(no)}/payments/${encodeURIComponent(id)}/receipt`),
  deleteCard: (id: string) => apiSend<void>("DELETE", `/api/v1/me/cards/${encodeURIComponent(id)}`),
  setAutopay: (no: string, body: AutopayBody) => apiRequest<void>(`${accountPath(no)}/autopay`, json("PUT", body)),
  stopAutopay: (no: string) => apiSend<void>("DELETE", `${accountPath(no)}/autopay`),
  takePromised: (no: string, amountKop: number, key: string) =>
    apiRequest<PromisedTakenDto>(`${accountPath(no)}/promised-payment`, json("POST", { amountKop }, key)),
};
