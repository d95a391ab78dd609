/**
 * Checks of a Russian organisation's requisites (реквизиты): the check digits of ИНН, ОГРН/ОГРНИП and the
 * control key of a settlement account against its bank's БИК. Pure functions, no I/O.
 */

const digitsOnly = (s: string) => s.replace(/[\s-]/g, "");

/** Σ digit × weight, mod 11, mod 10: the ФНС check digit of an ИНН. */
function innDigit(digits: string, weights: readonly number[]): number {
  let sum = 0;
  for (let i = 0; i < weights.length; i++) sum += Number(digits[i]) * (weights[i] ?? 0);
  return (sum % 11) % 10;
}

const INN10 = [2, 4, 10, 3, 5, 9, 4, 6, 8] as const;
const INN12_11 = [7, 2, 4, 10, 3, 5, 9, 4, 6, 8] as const;
const INN12_12 = [3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8] as const;

/**
 * ИНН: 10 digits for a legal entity (one check digit), 12 for a person or an individual entrepreneur (two).
 * Returns the digits, or null when the length or a check digit is wrong.
 */
export function parseInn(input: string): string | null {
  const d = digitsOnly(input);
  if (/^\d{10}$/.test(d)) return innDigit(d, INN10) === Number(d[9]) ? d : null;
  if (/^\d{12}$/.test(d)) return innDigit(d, INN12_11) === Number(d[10]) && innDigit(d, INN12_12) === Number(d[11]) ? d : null;
  return null;
}

/** The remainder of a long decimal number (ОГРН has 13–15 digits: beyond a double's exact range for a product). */
function modDecimal(digits: string, m: number): number {
  let r = 0;
  for (const ch of digits) r = (r * 10 + Number(ch)) % m;
  return r;
}

/**
 * ОГРН (13 digits, a legal entity: the first 12 mod 11, mod 10) or ОГРНИП (15 digits, an entrepreneur: the first 14
 * mod 13, mod 10). Returns the digits, or null.
 */
export function parseOgrn(input: string): string | null {
  const d = digitsOnly(input);
  if (/^\d{13}$/.test(d)) return modDecimal(d.slice(0, 12), 11) % 10 === Number(d[12]) ? d : null;
  if (/^\d{15}$/.test(d)) return modDecimal(d.slice(0, 14), 13) % 10 === Number(d[14]) ? d : null;
  return null;
}

/** КПП: 9 characters, NNNNPPNNN, where PP (the reason) may be digits or capital Latin letters. */
export function parseKpp(input: string): string | null {
  const d = digitsOnly(input).toUpperCase();
  return /^\d{4}[\dA-Z]{2}\d{3}$/.test(d) ? d : null;
}

/** БИК: 9 digits, Russia's start with 04. */
export function parseBik(input: string): string | null {
  const d = digitsOnly(input);
  return /^04\d{7}$/.test(d) ? d : null;
}

const ACCOUNT_WEIGHTS = [7, 1, 3] as const;

/**
 * A settlement account (расчётный счёт, 20 digits) checked against its bank's БИК by the Bank of Russia's control
 * key: the three digits from the БИК followed by the account, weighted 7-1-3 repeated, sum to a multiple of 10.
 * For a bank's cash settlement centre (БИК ending in 000–002) the three digits are "0" and the БИК's 5th–6th digits.
 */
export function settlementAccountMatchesBik(bik: string, account: string): boolean {
  const a = digitsOnly(account);
  if (!/^\d{9}$/.test(bik) || !/^\d{20}$/.test(a)) return false;
  const tail = bik.slice(6);
  const prefix = ["000", "001", "002"].includes(tail) ? `0${bik.slice(4, 6)}` : tail;
  const all = prefix + a;
  let sum = 0;
  for (let i = 0; i < all.length; i++) sum += ((Number(all[i]) * (ACCOUNT_WEIGHTS[i % 3] ?? 0)) % 10) as number;
  return sum % 10 === 0;
}

export type OrgKind = "legal" | "entrepreneur";

export interface RequisitesInput {
  kind: OrgKind;
  inn: string;
  kpp?: string | null;
  ogrn: string;
  bik: string;
  settlementAccount: string;
}

export interface Requisites {
  inn: string;
  kpp: string | null;
  ogrn: string;
  bik: string;
  settlementAccount: string;
}

/**
 * Every requisite of an organisation, checked together: a legal entity has a 10-digit ИНН, a КПП and a 13-digit
 * ОГРН; an entrepreneur (ИП) a 12-digit ИНН, no КПП and a 15-digit ОГРНИП. Returns the normalised values, or the
 * fields that are wrong with an i18n key each.
 */
export function checkRequisites(
  r: RequisitesInput,
): { ok: true; value: Requisites } | { ok: false; errors: { field: string; message: string }[] } {
  const errors: { field: string; message: string }[] = [];
  const legal = r.kind === "legal";
  const inn = parseInn(r.inn);
  if (!inn || inn.length !== (legal ? 10 : 12)) errors.push({ field: "inn", message: legal ? "field.innLegal" : "field.innPerson" });
  const kpp = legal ? parseKpp(r.kpp ?? "") : null;
  if (legal && !kpp) errors.push({ field: "kpp", message: "field.kpp" });
  if (!legal && r.kpp) errors.push({ field: "kpp", message: "field.kppEntrepreneur" });
  const ogrn = parseOgrn(r.ogrn);
  if (!ogrn || ogrn.length !== (legal ? 13 : 15)) errors.push({ field: "ogrn", message: legal ? "field.ogrn" : "field.ogrnip" });
  const bik = parseBik(r.bik);
  if (!bik) errors.push({ field: "bik", message: "field.bik" });
  const account = digitsOnly(r.settlementAccount);
  if (!bik || !settlementAccountMatchesBik(bik, account)) errors.push({ field: "settlementAccount", message: "field.settlementAccount" });
  if (errors.length > 0 || !inn || !ogrn || !bik) return { ok: false, errors };
  return { ok: true, value: { inn, kpp, ogrn, bik, settlementAccount: account } };
}
