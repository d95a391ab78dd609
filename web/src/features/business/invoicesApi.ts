import type { z } from "zod";
import type { Invoice, issueInvoiceRoute } from "../../../../worker/features/business/invoices.routes";
import type { BodyOf } from "../../../../worker/platform/openapi";
import { apiRequest } from "../../lib/api";

/** Invoices for payment (счета на оплату) of an organisation: types from the Worker's route contracts. */
export type InvoiceDto = z.infer<typeof Invoice>;
export type IssueInvoiceBody = BodyOf<typeof issueInvoiceRoute>;

const base = (orgId: string) => `/api/v1/business/organisations/${encodeURIComponent(orgId)}/invoices`;

export const invoicesApi = {
  list: (orgId: string, cursor?: string | null, limit = 20) =>
    apiRequest<{ items: InvoiceDto[]; nextCursor: string | null }>(
      `${base(orgId)}?limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`,
    ),
  /** Issues an invoice; the same `key` (one per attempt on the screen) never issues a second one. */
  issue: (orgId: string, body: IssueInvoiceBody, key: string) =>
    apiRequest<InvoiceDto>(base(orgId), {
      method: "POST",
      body: JSON.stringify(body),
      headers: { "content-type": "application/json", "idempotency-key": key },
    }),
  /** The PDF's address (a download link: the session cookie goes with it). */
  pdfUrl: (orgId: string, invoiceId: string) => `${base(orgId)}/${encodeURIComponent(invoiceId)}/pdf`,
};

/**
 * Roubles as a person types them ("1 500", "1500,5", "1500.50") in kopecks; null for anything else (more than two
 * decimals, letters, a sign). The server checks the range.
 */
export function parseRubles(input: string): number | null {
  const s = input.replace(/[\s\u00a0₽]/g, "").replace(",", ".");
  const m = /^(\d{1,9})(?:\.(\d{1,2}))?$/.exec(s);
  if (!m) return null;
  return Number(m[1]) * 100 + Number((m[2] ?? "").padEnd(2, "0"));
}
