import { formatAccountNoPlain } from "../../platform/format";
import { percentOfRate, vatIncludedKop, vatRateOn } from "../../platform/vat";
import { RECEIPT_METHOD, type Receipt, SELLER } from "../payments/receipts.service";

/** The ledger key of one account's credit from an organisation's payment: each line is credited once. */
export const lineKey = (paymentId: string, accountNo: string) => `orgpay:${paymentId}:${accountNo}`;

/**
 * The receipt (54-ФЗ) of an organisation's payment: one item per account, VAT per item, at the rate of the day, and
 * the buyer's name and ИНН (54-ФЗ ст. 4.7 п. 1 asks for them when the buyer is an organisation or an entrepreneur).
 */
export type OrgReceipt = Omit<Receipt, "accountNo"> & { accountNos: string[]; buyer: { name: string; inn: string } };

export function buildOrgReceipt(
  p: { id: string; amountKop: number; method: keyof typeof RECEIPT_METHOD; cardLast4: string | null; cardBrand: string | null },
  lines: readonly { accountNo: string; amountKop: number }[],
  buyer: { name: string; inn: string },
  at: Date,
  byAcquirer: boolean,
): OrgReceipt {
  const rate = vatRateOn(at);
  const items = lines.map((l) => ({
    name: `Оплата услуг связи, лицевой счёт ${formatAccountNoPlain(l.accountNo)}`,
    quantity: 1,
    priceKop: l.amountKop,
    amountKop: l.amountKop,
    vatRate: rate,
    vatKop: vatIncludedKop(l.amountKop, percentOfRate(rate)),
    paymentMethod: "Предоплата 100%" as const,
    subject: "Услуга" as const,
  }));
  const digits = (seed: string, n: number) => {
    let h = 2166136261;
    for (const ch of seed) h = Math.imul(h ^ ch.charCodeAt(0), 16777619) >>> 0;
    let out = "";
    while (out.length < n) {
      h = Math.imul(h ^ (h >>> 15), 2246822507) >>> 0;
      out += String(h % 10);
    }
    return out;
  };
  return {
    number: `${at.toISOString().slice(0, 10).replace(/-/g, "")}-${digits(p.id, 10)}`,
    issuedAt: at.toISOString(),
    seller: SELLER,
    kind: "Приход",
    items,
    totalKop: p.amountKop,
    vatKop: items.reduce((s, i) => s + i.vatKop, 0),
    payment: {
      form: "Безналичными",
      method: RECEIPT_METHOD[p.method],
      card: p.method === "card" && p.cardLast4 ? `${(p.cardBrand ?? "card").toUpperCase()} •••• ${p.cardLast4}` : null,
    },
    fiscal: byAcquirer
      ? null
      : {
          register: digits(`kkt${p.id}`, 16),
          fiscalDrive: digits("fn", 16),
          document: Number(digits(`fd${p.id}`, 6)),
          sign: digits(`fp${p.id}`, 10),
        },
    accountNos: lines.map((l) => l.accountNo),
    buyer,
    paymentId: p.id,
  };
}
