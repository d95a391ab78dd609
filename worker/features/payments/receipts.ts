import { OPERATOR } from "../../data/operator.data";
import { formatAccountNoPlain } from "../../platform/format";
import { percentOfRate, type VatRate, vatIncludedKop, vatRateOn } from "../../platform/vat";

/**
 * An electronic cash receipt (кассовый чек) with the fields 54-ФЗ requires of
 * an online payment: seller and its INN, taxation system, the calculation sign
 * (приход), the item with its price, the payment method (full prepayment for
 * communication services), VAT at the calculated rate of the day (`vatRateOn`,
 * platform/vat: 22/122 from 1 January 2026, 20/120 before), the total, the
 * payment form, the register and fiscal data, and the site of the seller.
 * The fiscal numbers come from the fiscal data operator in production; the
 * local default derives them from the payment. When the acquirer registers
 * the receipt itself (ЮKassa), `fiscal` is null: this is the payment's
 * information («Информация о платеже»), and the fiscal receipt is the acquirer's.
 */
export interface Receipt {
  number: string;
  issuedAt: string;
  seller: { name: string; inn: string; address: string; site: string; taxation: string };
  kind: "Приход";
  items: {
    name: string;
    quantity: number;
    priceKop: number;
    amountKop: number;
    vatRate: VatRate;
    vatKop: number;
    paymentMethod: "Предоплата 100%";
    subject: "Услуга";
  }[];
  totalKop: number;
  vatKop: number;
  /** The payment form (безналичными) and the payer's means: method, and the card's mask for a card. */
  payment: { form: "Безналичными"; method?: string; card: string | null };
  fiscal: { register: string; fiscalDrive: string; document: number; sign: string } | null;
  accountNo: string;
  paymentId: string;
}

/**
 * The seller on a receipt: the operator of `operator.data.ts`, the same requisites invoices and closing documents
 * carry (54-ФЗ ст. 4.7: the user's name and ИНН, the place of settlement — the site for an online payment).
 */
export const SELLER = {
  name: OPERATOR.name,
  inn: OPERATOR.inn,
  address: OPERATOR.legalAddress,
  site: "kabinet.localhost",
  taxation: "ОСН",
};

/** n decimal digits derived from the whole seed (FNV-1a, then a multiplicative stream). */
function digits(seed: string, n: number): string {
  let h = 2166136261;
  for (let i = 0; i < seed.length; i++) {
    h ^= seed.charCodeAt(i);
    h = Math.imul(h, 16777619) >>> 0;
  }
  let out = "";
  while (out.length < n) {
    h = Math.imul(h ^ (h >>> 15), 2246822507) >>> 0;
    h = Math.imul(h ^ (h >>> 13), 3266489909) >>> 0;
    out += String(((h ^ (h >>> 16)) >>> 0) % 10);
  }
  return out;
}

/** The payment method as a receipt names it. */
export const RECEIPT_METHOD = { card: "Банковская карта", sbp: "СБП", sberpay: "SberPay", tpay: "T-Pay" } as const;

/** The ledger entry's text of a payment and of its refund, by method (ru, en). */
export const METHOD_TEXT: Record<keyof typeof RECEIPT_METHOD, { paid: [string, string]; refunded: [string, string] }> = {
  card: { paid: ["Оплата банковской картой", "Bank card payment"], refunded: ["Возврат платежа на карту", "Payment refunded to the card"] },
  sbp: {
    paid: ["Оплата через СБП", "Payment by SBP (Faster Payments System)"],
    refunded: ["Возврат платежа по СБП", "Payment refunded by SBP"],
  },
  sberpay: { paid: ["Оплата через SberPay", "SberPay payment"], refunded: ["Возврат платежа в SberPay", "Payment refunded to SberPay"] },
  tpay: { paid: ["Оплата через T-Pay", "T-Pay payment"], refunded: ["Возврат платежа в T-Pay", "Payment refunded to T-Pay"] },
};

export function buildReceipt(
  p: {
    id: string;
    accountNo: string;
    amountKop: number;
    purpose: string;
    method: keyof typeof RECEIPT_METHOD;
    cardLast4: string | null;
    cardBrand: string | null;
  },
  _region: string,
  at: Date,
  /** The acquirer registers the fiscal receipt: no fiscal numbers are made up here. */
  byAcquirer = false,
): Receipt {
  const rate = vatRateOn(at);
  const vat = vatIncludedKop(p.amountKop, percentOfRate(rate));
  const day = at.toISOString().slice(0, 10).replace(/-/g, "");
  return {
    number: `${day}-${digits(p.id, 10)}`,
    issuedAt: at.toISOString(),
    seller: SELLER,
    kind: "Приход",
    items: [
      {
        name: `Оплата услуг связи, лицевой счёт ${formatAccountNoPlain(p.accountNo)}`,
        quantity: 1,
        priceKop: p.amountKop,
        amountKop: p.amountKop,
        vatRate: rate,
        vatKop: vat,
        paymentMethod: "Предоплата 100%",
        subject: "Услуга",
      },
    ],
    totalKop: p.amountKop,
    vatKop: vat,
    payment: {
      form: "Безналичными",
      method: RECEIPT_METHOD[p.method],
      card: p.method === "card" && p.cardLast4 ? `${(p.cardBrand ?? "card").toUpperCase()} •••• ${p.cardLast4}` : null,
    },
    fiscal: byAcquirer
      ? null
      : {
          register: digits(`kkt${p.accountNo}`, 16),
          fiscalDrive: digits("fn", 16),
          document: Number(digits(`fd${p.id}`, 6)),
          sign: digits(`fp${p.id}`, 10),
        },
    accountNo: p.accountNo,
    paymentId: p.id,
  };
}

/** The receipt as the text of an email. */
export function receiptText(r: Receipt, rub: (kop: number) => string): string {
  return [
    `Кассовый чек № ${r.number} (${r.kind})`,
    `${r.seller.name}, ИНН ${r.seller.inn}, ${r.seller.address}, ${r.seller.site}`,
    `СНО: ${r.seller.taxation}. Дата: ${r.issuedAt.replace("T", " ").slice(0, 16)} UTC`,
    ...r.items.map(
      (i) => `${i.name}: ${i.quantity} × ${rub(i.priceKop)} = ${rub(i.amountKop)}; НДС ${i.vatRate}: ${rub(i.vatKop)}; ${i.paymentMethod}`,
    ),
    `ИТОГО: ${rub(r.totalKop)}, в т.ч. НДС ${rub(r.vatKop)}`,
    `${r.payment.form}${r.payment.method ? ` (${r.payment.method})` : ""}${r.payment.card ? `: ${r.payment.card}` : ""}`,
    ...(r.fiscal ? [`РН ККТ ${r.fiscal.register}, ФН ${r.fiscal.fiscalDrive}, ФД ${r.fiscal.document}, ФП ${r.fiscal.sign}`] : []),
  ].join("\n");
}
