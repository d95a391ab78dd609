import type { z } from "zod";
import type { OrgPayBody, OrgPayment, OrgPayOptions, startOrgPaymentRoute } from "../../../../worker/features/business/topup.routes";
import { apiRequest } from "../../lib/api";

/** Paying for an organisation's accounts: types from the Worker's route contracts. */
export type OrgPaymentDto = z.infer<typeof OrgPayment>;
export type OrgPayOptionsDto = z.infer<typeof OrgPayOptions>;
export type OrgPayBodyDto = z.input<typeof OrgPayBody>;
export type OrgPaymentStartedDto = z.infer<(typeof startOrgPaymentRoute)["responses"][201]["content"]["application/json"]["schema"]>;

const base = (orgId: string) => `/api/v1/business/organisations/${encodeURIComponent(orgId)}`;

export const topupApi = {
  options: (orgId: string) => apiRequest<OrgPayOptionsDto>(`${base(orgId)}/payment-options`),
  /** One payment for the chosen accounts; the same `key` (one per attempt on the screen) never makes a second one. */
  pay: (orgId: string, body: OrgPayBodyDto, key: string) =>
    apiRequest<OrgPaymentStartedDto>(`${base(orgId)}/payments`, {
      method: "POST",
      body: JSON.stringify(body),
      headers: { "content-type": "application/json", "idempotency-key": key },
    }),
  payment: (orgId: string, id: string) => apiRequest<OrgPaymentDto>(`${base(orgId)}/payments/${encodeURIComponent(id)}`),
};

/**
 * Roubles as a person types them («1 500», «1500,50», «1500.5») in whole kopecks; NaN for anything else,
 * including fractions of a kopeck, so they are refused rather than rounded.
 */
export function parseRub(text: string): number {
  const s = text.replace(/[\s\u00a0]/g, "").replace(",", ".");
  if (!/^\d{1,9}(\.\d{1,2})?$/.test(s)) return Number.NaN;
  const [whole, frac = ""] = s.split(".");
  return Number(whole) * 100 + Number(frac.padEnd(2, "0"));
}
