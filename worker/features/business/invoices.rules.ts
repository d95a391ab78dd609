/**
 * The rules of an invoice for payment (счёт на оплату), pure: how a total is split across accounts, the purpose of
 * payment and the payment QR (ГОСТ Р 56042-2014). No I/O; the service and the PDF use them. The VAT it includes is
 * `vatIncludedKop(total, vatPercentOn(issue day))` (platform/vat): rounded once, half up, on the total — never per
 * line, so the lines' VAT cannot drift from the document's.
 */

import { vatPercentOn } from "../../platform/vat";

/** The largest invoice: 100 million roubles, in kopecks (an integer far inside 2^53; 11 digits in the QR's Sum). */
export const MAX_INVOICE_KOP = 10_000_000_000;
/** Accounts one invoice may name (its lines); a larger organisation issues several. */
export const MAX_INVOICE_LINES = 500;
/**
 * `totalKop` split across `n` accounts as evenly as kopecks allow: every part is ⌊total / n⌋ and the first
 * (total mod n) parts get one kopeck more, so the parts add up to the total exactly and differ by at most one.
 */
export function splitEvenly(totalKop: number, n: number): number[] {
  const base = Math.floor(totalKop / n);
  const extra = totalKop - base * n;
  return Array.from({ length: n }, (_, i) => base + (i < extra ? 1 : 0));
}

export interface LineInput {
  accountNo: string;
  /** Absent: the line's share of what `totalKop` leaves after the lines with amounts. */
  amountKop?: number;
}

export type LinesResult =
  | { ok: true; lines: { accountNo: string; amountKop: number }[]; totalKop: number }
  | { ok: false; field: "totalKop" | "lines"; message: string };

/**
 * The amount of every line: its own, or an even share of what the total leaves for the lines without one. With
 * every amount given the total is their sum (and must equal `totalKop` if that is given too). Every line gets at
 * least one kopeck and the total stays within {@link MAX_INVOICE_KOP}.
 */
export function resolveLines(input: readonly LineInput[], totalKop?: number): LinesResult {
  const open = input.filter((l) => l.amountKop === undefined);
  const fixedKop = input.reduce((s, l) => s + (l.amountKop ?? 0), 0);
  if (open.length === 0) {
    if (totalKop !== undefined && totalKop !== fixedKop) return { ok: false, field: "totalKop", message: "field.invoiceTotalMismatch" };
    if (fixedKop < 1 || fixedKop > MAX_INVOICE_KOP) return { ok: false, field: "totalKop", message: "field.invoiceTotal" };
    return { ok: true, lines: input.map((l) => ({ accountNo: l.accountNo, amountKop: l.amountKop as number })), totalKop: fixedKop };
  }
  if (totalKop === undefined) return { ok: false, field: "totalKop", message: "field.invoiceTotal" };
  const rest = totalKop - fixedKop;
  if (rest < open.length) return { ok: false, field: "totalKop", message: "field.invoiceTotalSplit" };
  const shares = splitEvenly(rest, open.length);
  let k = 0;
  const lines = input.map((l) => ({ accountNo: l.accountNo, amountKop: l.amountKop ?? (shares[k++] as number) }));
  return { ok: true, lines, totalKop };
}

/** "2026-12-03" → "03.12.2026". */
export const ruDate = (day: string) => day.split("-").reverse().join(".");

/** 1234567 → "12 345,67" (a non-breaking-free space between thousands: a banking app shows it as written). */
export function rubles(kop: number): string {
  const sign = kop < 0 ? "-" : "";
  const abs = Math.abs(kop);
  const whole = String(Math.floor(abs / 100)).replace(/\B(?=(\d{3})+(?!\d))/g, " ");
  return `${sign}${whole},${String(abs % 100).padStart(2, "0")}`;
}

/**
 * The purpose of payment (назначение платежа), with the VAT rate of the invoice's day: the bank statement import
 * finds the invoice by its number in it.
 */
export function purposeOf(number: string, day: string, vatKop: number): string {
  return `Оплата по счёту № ${number} от ${ruDate(day)} за услуги связи, в т.ч. НДС ${vatPercentOn(day)}% ${rubles(vatKop)} руб.`;
}

export interface Payee {
  name: string;
  personalAcc: string;
  bankName: string;
  bic: string;
  correspAcc: string;
  payeeInn: string;
  kpp: string;
}

/**
 * ГОСТ Р 56042-2014 «Стандарты финансовых операций. Двумерные символы штрихового кода для осуществления платежей
 * физическими лицами»: the header is the format id «ST», the version «0001» and the encoding «2» (UTF-8),
 * followed by the separator; then `Key=value` pairs joined by it. The mandatory block (header, Name, PersonalAcc,
 * BankName, BIC, CorrespAcc) is at most 300 bytes; a value must not contain the separator: «|» unless a value has
 * it, else the first of these that none has (§ 5.2).
 */
const SEPARATORS = ["|", "#", ";", ":", "^", "_", "~", "{", "}", "!", "$", "%", "&", "(", ")", "*", "+", ",", "/", "@", "[", "]"];
const MAX_MANDATORY_BYTES = 300;
/** The standard's maximum lengths (characters) of the values used here. */
const MAX_LENGTH: Record<string, number> = {
  Name: 160,
  PersonalAcc: 20,
  BankName: 45,
  BIC: 9,
  CorrespAcc: 20,
  PayeeINN: 12,
  KPP: 9,
  Purpose: 210,
  Sum: 18,
};

/** The payment QR's text for `sumKop` with `purpose`: the payee's requisites, the amount in kopecks. */
export function gostPayload(payee: Payee, purpose: string, sumKop: number): string {
  const pairs: [string, string][] = [
    ["Name", payee.name],
    ["PersonalAcc", payee.personalAcc],
    ["BankName", payee.bankName],
    ["BIC", payee.bic],
    ["CorrespAcc", payee.correspAcc],
    ["PayeeINN", payee.payeeInn],
    ["KPP", payee.kpp],
    ["Purpose", purpose],
    ["Sum", String(sumKop)],
  ].map(([k, v]) => [k as string, (v as string).replace(/[\r\n]+/g, " ").trim()]);
  for (const [k, v] of pairs) {
    const max = MAX_LENGTH[k] ?? 0;
    if (v.length === 0 || v.length > max) throw new RangeError(`ГОСТ Р 56042-2014: ${k} must have 1…${max} characters`);
  }
  if (!/^\d{1,18}$/.test(String(sumKop))) throw new RangeError("ГОСТ Р 56042-2014: Sum is kopecks, digits only");
  const separator = SEPARATORS.find((s) => pairs.every(([, v]) => !v.includes(s)));
  if (!separator) throw new RangeError("ГОСТ Р 56042-2014: no separator is free of the values");
  const header = `ST00012${separator}`;
  const mandatory =
    header +
    pairs
      .slice(0, 5)
      .map(([k, v]) => `${k}=${v}`)
      .join(separator);
  if (new TextEncoder().encode(mandatory).length > MAX_MANDATORY_BYTES)
    throw new RangeError("ГОСТ Р 56042-2014: the mandatory block exceeds 300 bytes");
  return `${mandatory}${separator}${pairs
    .slice(5)
    .map(([k, v]) => `${k}=${v}`)
    .join(separator)}`;
}

/** A payment QR's text back into its fields (what a banking app does), or null if it is not ГОСТ Р 56042-2014. */
export function parseGostPayload(text: string): { version: string; encoding: string; fields: Record<string, string> } | null {
  const m = /^ST(\d{4})([123])(.)/su.exec(text);
  if (!m) return null;
  const [head, version, encoding, separator] = m as unknown as [string, string, string, string];
  const fields: Record<string, string> = {};
  for (const part of text.slice(head.length).split(separator)) {
    const eq = part.indexOf("=");
    if (eq <= 0) return null;
    fields[part.slice(0, eq)] = part.slice(eq + 1);
  }
  return { version, encoding, fields };
}
