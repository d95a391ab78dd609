import { OPERATOR } from "../../data/operator.data";
import type { LedgerKind } from "../../db/schema/region";
import { monthName } from "../../platform/dates";
import type { Lang } from "../../platform/i18n";

/**
 * The акт сверки взаимных расчётов as figures, built from the ledger's rows (`selectReconciliation`), pure.
 *
 * Signs: the ledger's (a positive balance is the customer's money with us, an advance; a negative one their debt).
 * The document is written from the seller's side, as Russian accountants read it: «Дебет» is what was charged
 * (реализация услуг), «Кредит» what was paid; a debit balance is the customer's debt (в пользу оператора), a credit
 * balance their advance (в пользу покупателя). So openingDebt + debit − credit = closingDebt, where debt = −balance.
 *
 * One act per contract (the organisation), in sections per account (each with its region), with the totals of
 * every account and of the whole organisation.
 */

export interface ActLine {
  /** The local day (YYYY-MM-DD). */
  day: string;
  kind: LedgerKind;
  textRu: string;
  textEn: string;
  /** The payment document: the payment's id, a bank payment order's number, or the ledger entry's id. */
  document: string;
  debitKop: number;
  creditKop: number;
}

export interface ActAccount {
  accountNo: string;
  region: string;
  openingKop: number;
  debitKop: number;
  creditKop: number;
  closingKop: number;
  lines: ActLine[];
}

export interface Act {
  fromDay: string;
  toDay: string;
  accounts: ActAccount[];
  openingKop: number;
  debitKop: number;
  creditKop: number;
  closingKop: number;
}

export interface ShardRows {
  openings: { accountNo: string; openingKop: number }[];
  charges: { accountNo: string; month: string; lastDay: string; amountKop: number }[];
  entries: {
    id: string;
    accountNo: string;
    kind: LedgerKind;
    amountKop: number;
    localDay: string;
    descriptionRu: string;
    descriptionEn: string;
    idempotencyKey: string;
  }[];
}

/**
 * The document behind a money entry: a card or СБП payment's id (`payment:<id>`, `refund:<id>`), the number of a
 * bank payment order when the entry names one («п/п № 123» or «платёжному поручению № 123» in its description),
 * else the ledger entry's id.
 */
export function documentOf(e: { id: string; idempotencyKey: string; descriptionRu: string }): string {
  // «п/п № 123», or the bank import's «Оплата по платёжному поручению № 123 от …».
  const order = /(?:п\/п|платёжному поручению)\s*№\s*([\w-]+)/i.exec(e.descriptionRu);
  if (order) return `п/п № ${order[1]}`;
  const payment = /^(?:payment|refund):(.+)$/.exec(e.idempotencyKey);
  if (payment) return payment[1] ?? e.id;
  return e.id;
}

const split = (amountKop: number) => ({ debitKop: amountKop < 0 ? -amountKop : 0, creditKop: Math.max(amountKop, 0) });

/** The act of these accounts (in this order) from every shard's rows; an account with no rows has zeros. */
export function buildAct(fromDay: string, toDay: string, accounts: { accountNo: string; region: string }[], rows: ShardRows[]): Act {
  const openings = new Map<string, number>();
  const lines = new Map<string, ActLine[]>();
  const add = (no: string, line: ActLine) => {
    const list = lines.get(no) ?? [];
    list.push(line);
    lines.set(no, list);
  };
  for (const shard of rows) {
    for (const o of shard.openings) openings.set(o.accountNo, o.openingKop);
    for (const c of shard.charges) {
      if (c.amountKop === 0) continue;
      add(c.accountNo, {
        day: c.lastDay,
        kind: "charge",
        textRu: `Услуги связи за ${monthName(c.month, "ru")}`,
        textEn: `Telecom services for ${monthName(c.month, "en")}`,
        document: `${c.accountNo}/${c.month}`,
        ...split(c.amountKop),
      });
    }
    for (const e of shard.entries) {
      if (e.amountKop === 0) continue;
      add(e.accountNo, {
        day: e.localDay,
        kind: e.kind,
        textRu: e.descriptionRu,
        textEn: e.descriptionEn,
        document: documentOf(e),
        ...split(e.amountKop),
      });
    }
  }
  const out: ActAccount[] = accounts.map(({ accountNo, region }) => {
    // Charges of a day before that day's payments: the order a reader expects within one date.
    const list = (lines.get(accountNo) ?? []).sort((x, y) =>
      x.day === y.day ? Number(y.kind === "charge") - Number(x.kind === "charge") : x.day < y.day ? -1 : 1,
    );
    const openingKop = openings.get(accountNo) ?? 0;
    const debitKop = list.reduce((t, l) => t + l.debitKop, 0);
    const creditKop = list.reduce((t, l) => t + l.creditKop, 0);
    return { accountNo, region, openingKop, debitKop, creditKop, closingKop: openingKop - debitKop + creditKop, lines: list };
  });
  const sum = (k: "openingKop" | "debitKop" | "creditKop" | "closingKop") => out.reduce((t, a) => t + a[k], 0);
  return {
    fromDay,
    toDay,
    accounts: out,
    openingKop: sum("openingKop"),
    debitKop: sum("debitKop"),
    creditKop: sum("creditKop"),
    closingKop: sum("closingKop"),
  };
}

/** The seller's name as printed on the act (the payee of the operator's requisites). */
export const OPERATOR_NAME = OPERATOR.name;
export const OPERATOR_NAME_EN = "Kabinet Telecom PJSC";

/**
 * «в пользу …» as the act's conclusion says it: a debt is in the operator's favour, an advance in the
 * customer's; nothing owed either way says so.
 */
export function balanceWording(balanceKop: number, customer: string, lang: Lang): string {
  if (balanceKop === 0) return lang === "ru" ? "задолженность отсутствует" : "nothing is owed";
  if (balanceKop < 0) return lang === "ru" ? `в пользу ${OPERATOR_NAME}` : `in favour of ${OPERATOR_NAME_EN}`;
  return lang === "ru" ? `в пользу ${customer}` : `in favour of ${customer}`;
}
