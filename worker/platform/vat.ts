/**
 * The standard VAT rate (НДС) and the VAT a VAT-inclusive amount contains — the one owner of both for receipts,
 * invoices and closing documents. НК ст. 164 п. 3 as amended by 425-ФЗ of 28.11.2025: 22 % from 1 January 2026,
 * 20 % until 31 December 2025; an amount that includes VAT contains rate/(100 + rate) of it (22/122, 20/120).
 */

export type VatPercent = 20 | 22;
/** The calculated rate (расчётная ставка) as a 54-ФЗ receipt names it. */
export type VatRate = "20/120" | "22/122";

/** 1 January 2026, 00:00 Moscow (UTC+3), when 22 % starts. */
const RATE_22_FROM_MS = Date.UTC(2025, 11, 31, 21);
const RATE_22_FROM_DAY = "2026-01-01";

/**
 * The rate on a moment, or on a Moscow calendar day ("YYYY-MM-DD") or month ("YYYY-MM": its first day): an invoice
 * takes its issue day's, a closing document its services' period's, a receipt the moment the money came.
 */
export function vatPercentOn(at: Date | string): VatPercent {
  if (at instanceof Date) return at.getTime() >= RATE_22_FROM_MS ? 22 : 20;
  const day = /^\d{4}-\d{2}$/.test(at) ? `${at}-01` : at;
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) throw new RangeError(`vatPercentOn: not a day or month: ${at}`);
  return day >= RATE_22_FROM_DAY ? 22 : 20;
}

/** The calculated rate of a receipt for money received on `at`: "22/122" from 1 January 2026 (Moscow), "20/120" before. */
export function vatRateOn(at: Date): VatRate {
  return vatPercentOn(at) === 22 ? "22/122" : "20/120";
}

/** A calculated rate's percent: "22/122" → 22. */
export const percentOfRate = (rate: VatRate): VatPercent => (rate === "22/122" ? 22 : 20);

/**
 * The VAT inside a VAT-inclusive amount: amount × p / (100 + p), rounded to the kopeck half away from zero (a
 * negative change rounds like its positive twin), in integers — no float: (|amount| × p + (100 + p) / 2) div (100 + p).
 * Exact for any amount within 2^53 / 22 kopecks.
 */
export function vatIncludedKop(amountKop: number, percent: VatPercent): number {
  const denominator = 100 + percent;
  const abs = Math.abs(amountKop);
  const vat = Math.floor((abs * percent + denominator / 2) / denominator);
  return amountKop < 0 ? -vat : vat;
}
