/**
 * The figures of a closing document (УПД) and of its corrections (УКД), pure: what a month's ledger charges become
 * as lines, how VAT is split, how a later change of the ledger becomes a correction. Amounts are whole kopecks,
 * VAT included (tariffs are VAT-inclusive) at the rate of the period of the services (`vatPercentOn(period)`: 20 % for
 * December 2025, 22 % from January 2026); a correction is of the same period, so it keeps its original's rate.
 */

import { monthName } from "../../platform/dates";
import { type VatPercent, vatIncludedKop } from "../../platform/vat";

/** One account's service for the month, as the ledger charged it (positive kopecks). */
export interface ChargeLine {
  accountNo: string;
  region: string;
  serviceId: string | null;
  name: string;
  kop: number;
}

export interface DocLine {
  lineNo: number;
  accountNo: string;
  region: string;
  serviceId: string | null;
  /** The service's name (the tariff's); `lineName` makes the printed one. */
  nameRu: string;
  /** A correction's line: the amounts before it (null on a УПД). */
  beforeKop: number | null;
  vatBeforeKop: number | null;
  amountKop: number;
  vatKop: number;
}

/**
 * VAT inside a VAT-inclusive amount at `percent`: round(total × p / (100 + p)) to the kopeck, half away from zero (a
 * negative change rounds like its positive twin). This is the one place a closing document's VAT is rounded.
 */
export function vatOf(totalKop: number, percent: VatPercent): number {
  return vatIncludedKop(totalKop, percent);
}

/**
 * The document's VAT, round(total × p/(100+p)), split over its lines by the largest remainder: each line gets its
 * exact share rounded down, the kopecks left go to the lines with the largest fractions. So the lines add up to
 * the total's VAT exactly (the ФНС checks the sum of СумНал against СумНалВсего) and no line is off by a kopeck more.
 */
export function splitVat(amountsKop: readonly number[], percent: VatPercent): number[] {
  const target = vatOf(
    amountsKop.reduce((s, a) => s + a, 0),
    percent,
  );
  const exact = amountsKop.map((a) => (a * percent) / (100 + percent));
  const out = exact.map((x) => Math.floor(x));
  let left = target - out.reduce((s, v) => s + v, 0);
  const order = exact.map((x, i) => ({ i, frac: x - Math.floor(x) })).sort((a, b) => b.frac - a.frac || a.i - b.i);
  const bump = (k: number, by: number) => {
    const i = order[k % order.length]?.i ?? 0;
    out[i] = (out[i] ?? 0) + by;
  };
  // Positive lines leave 0 ≤ left < n kopecks; a correction's mixed signs may need some taken back instead.
  for (let k = 0; left > 0 && order.length > 0; k++, left--) bump(k, 1);
  for (let k = order.length - 1; left < 0 && order.length > 0; k = (k - 1 + order.length) % order.length, left++) bump(k, -1);
  return out;
}

const keyOf = (l: { accountNo: string; serviceId: string | null }) => `${l.accountNo}|${l.serviceId ?? "-"}`;

/** Lines in a fixed order (account, then service), so the same charges always make the same document. */
function ordered<T extends { accountNo: string; serviceId: string | null }>(lines: T[]): T[] {
  return [...lines].sort((a, b) => (keyOf(a) < keyOf(b) ? -1 : keyOf(a) > keyOf(b) ? 1 : 0));
}

/** «ноябрь 2026». */
export function monthRu(period: string): string {
  return monthName(period, "ru");
}

/** A line's name in the XML (НаимТов): the service, the account it was rendered on, the month. */
export function lineName(l: Pick<DocLine, "nameRu" | "accountNo">, period: string): string {
  return `Услуги связи «${l.nameRu}», лицевой счёт ${l.accountNo}, за ${monthRu(period)}`;
}

/** The lines of a month's УПД from its charges (zero lines dropped), with VAT at the period's rate split so that it adds up. */
export function updLines(charges: readonly ChargeLine[], percent: VatPercent): DocLine[] {
  const lines = ordered(charges.filter((c) => c.kop !== 0));
  const vat = splitVat(
    lines.map((c) => c.kop),
    percent,
  );
  return lines.map((c, i) => ({
    lineNo: i + 1,
    accountNo: c.accountNo,
    region: c.region,
    serviceId: c.serviceId,
    nameRu: c.name,
    beforeKop: null,
    vatBeforeKop: null,
    amountKop: c.kop,
    vatKop: vat[i] ?? 0,
  }));
}

/** The state a month's documents leave, per line key: the УПД's lines, then each correction's "after" amounts. */
export function currentState(docs: readonly { revision: number; lines: readonly DocLine[] }[]) {
  const state = new Map<string, DocLine>();
  for (const doc of [...docs].sort((a, b) => a.revision - b.revision))
    for (const l of doc.lines) state.set(keyOf(l), { ...l, beforeKop: null, vatBeforeKop: null });
  return state;
}

/**
 * The correction a month needs when its charges now differ from what its documents say: one line per account
 * and service whose amount changed (new ones from 0, vanished ones to 0); each line's VAT after is
 * round(after × p/(100+p)) at the period's rate (the original's), its VAT before is what the documents said. Empty
 * when nothing changed.
 */
export function correctionLines(state: Map<string, DocLine>, charges: readonly ChargeLine[], percent: VatPercent): DocLine[] {
  const now = new Map(charges.filter((c) => c.kop !== 0).map((c) => [keyOf(c), c]));
  const keys = [...new Set([...state.keys(), ...now.keys()])].sort();
  const out: DocLine[] = [];
  for (const key of keys) {
    const before = state.get(key);
    const after = now.get(key);
    const beforeKop = before?.amountKop ?? 0;
    const afterKop = after?.kop ?? 0;
    if (beforeKop === afterKop) continue;
    const source = (after ?? before) as { accountNo: string; region: string; serviceId: string | null };
    out.push({
      lineNo: out.length + 1,
      accountNo: source.accountNo,
      region: source.region,
      serviceId: source.serviceId,
      nameRu: after?.name ?? before?.nameRu ?? "",
      beforeKop,
      vatBeforeKop: before?.vatKop ?? 0,
      amountKop: afterKop,
      vatKop: vatOf(afterKop, percent),
    });
  }
  return out;
}

/** A document's totals: a УПД's sums, or a correction's change (after − before). */
export function totalsOf(lines: readonly DocLine[]): { totalKop: number; vatKop: number } {
  let totalKop = 0;
  let vatKop = 0;
  for (const l of lines) {
    totalKop += l.amountKop - (l.beforeKop ?? 0);
    vatKop += l.vatKop - (l.vatBeforeKop ?? 0);
  }
  return { totalKop, vatKop };
}

/** Kopecks as the XML writes them: 1234.50 (a dot, two decimals, a minus when negative). */
export function rubXml(kop: number): string {
  const sign = kop < 0 ? "-" : "";
  const a = Math.abs(kop);
  return `${sign}${Math.floor(a / 100)}.${String(a % 100).padStart(2, "0")}`;
}

/** Kopecks as the PDF prints them: 1 234,50. */
export function rubPrint(kop: number): string {
  const sign = kop < 0 ? "−" : "";
  const a = Math.abs(kop);
  const whole = String(Math.floor(a / 100)).replace(/\B(?=(\d{3})+(?!\d))/g, " ");
  return `${sign}${whole},${String(a % 100).padStart(2, "0")}`;
}

/** YYYY-MM-DD → DD.MM.YYYY, the format's dates. */
export function dotted(day: string): string {
  const [y, m, d] = day.split("-");
  return `${d}.${m}.${y}`;
}

/** The parties as frozen on the document. */
export interface Parties {
  seller: { name: string; inn: string; kpp: string; address: string; edoId: string };
  buyer: { name: string; inn: string; kpp: string | null; address: string; kind: "legal" | "entrepreneur" };
  signer: { position: string; lastName: string; firstName: string; middleName: string };
  contract: { number: string; date: string };
}

/** What renders a document: its row, its lines and, for a correction, the document it corrects. */
export interface ClosingDoc {
  id: string;
  kind: "upd" | "ukd";
  number: string;
  period: string;
  docDate: string;
  totalKop: number;
  vatKop: number;
  parties: Parties;
  fileGuid: string;
  /** When the document was made (its ДатаИнфПр / ВремИнфПр, Moscow time). */
  createdAt: Date;
  lines: DocLine[];
  corrects?: { number: string; docDate: string } | null;
}
