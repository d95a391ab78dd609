// The Node build: its zip deflates in this thread (the universal build hands big files to Web Workers, which Workers lack).

import { xlsxWriter } from "../../platform/document-libs";
import type { Lang } from "../../platform/i18n";
import { moneyText, type PdfColumn, type PdfFonts, PdfTableWriter } from "../usage/pdf.service";
import { type Act, type ActAccount, balanceWording, OPERATOR_NAME, OPERATOR_NAME_EN } from "./reconciliation.act";

/** Who the act is with: the organisation's name and codes, as its header prints them. */
export interface ActParty {
  name: string;
  inn: string;
  kpp: string | null;
}

const L = {
  ru: {
    title: "Акт сверки взаимных расчётов",
    period: "Период",
    between: "Между",
    customer: "Покупатель",
    accounts: "Лицевых счетов",
    generated: "Сформирован",
    summary: "Итоги по лицевым счетам",
    account: "Лицевой счёт",
    region: "Регион",
    opening: "Сальдо на",
    turnover: "Обороты за период",
    closing: "Сальдо на",
    date: "Дата",
    document: "Документ",
    text: "Содержание операции",
    debit: "Дебет",
    credit: "Кредит",
    openingDt: "Сальдо нач. Дт",
    openingCt: "Сальдо нач. Кт",
    dt: "Оборот Дт",
    ct: "Оборот Кт",
    closingDt: "Сальдо кон. Дт",
    closingCt: "Сальдо кон. Кт",
    total: "Итого по организации",
    totalShort: "Итого",
    result: "Итог",
    resultText: (day: string, wording: string, amount: string) => `на ${day} ${wording}${amount ? `: ${amount} руб.` : ""}`,
    page: (n: number, m: number) => `стр. ${n} из ${m}`,
    sheet: "Акт сверки",
    sheetSummary: "Итоги",
    note: "Дебет — начислено за услуги, кредит — оплачено. Суммы в рублях, с НДС.",
  },
  en: {
    title: "Reconciliation statement",
    period: "Period",
    between: "Between",
    customer: "Customer",
    accounts: "Accounts",
    generated: "Generated",
    summary: "Totals by account",
    account: "Account",
    region: "Region",
    opening: "Balance on",
    turnover: "Turnover for the period",
    closing: "Balance on",
    date: "Date",
    document: "Document",
    text: "Operation",
    debit: "Debit",
    credit: "Credit",
    openingDt: "Opening Dt",
    openingCt: "Opening Ct",
    dt: "Turnover Dt",
    ct: "Turnover Ct",
    closingDt: "Closing Dt",
    closingCt: "Closing Ct",
    total: "Organisation total",
    totalShort: "Total",
    result: "Result",
    resultText: (day: string, wording: string, amount: string) => `on ${day} ${wording}${amount ? `: RUB ${amount}` : ""}`,
    page: (n: number, m: number) => `page ${n} of ${m}`,
    sheet: "Reconciliation",
    sheetSummary: "Totals",
    note: "Debit: charged for services; credit: paid. Amounts in roubles, VAT included.",
  },
} as const;

const dmy = (day: string) => day.split("-").reverse().join(".");
/** A balance in the ledger's sign as the act's two columns: a debt is a debit balance, an advance a credit one. */
const debtSide = (balanceKop: number) => ({ dt: balanceKop < 0 ? -balanceKop : 0, ct: Math.max(balanceKop, 0) });
const money = (kop: number, lang: Lang) => (kop === 0 ? "" : moneyText(kop, lang));

function partyText(p: ActParty) {
  return `${p.name}, ИНН ${p.inn}${p.kpp ? `, КПП ${p.kpp}` : ""}`;
}

function conclusion(act: Act, party: ActParty, lang: Lang) {
  const l = L[lang];
  const amount = act.closingKop === 0 ? "" : moneyText(Math.abs(act.closingKop), lang);
  return l.resultText(dmy(act.toDay), balanceWording(act.closingKop, party.name, lang), amount);
}

/** The rows of one account's section: the opening balance, each operation, the turnover, the closing balance. */
function sectionRows(a: ActAccount, act: Act, lang: Lang): string[][] {
  const l = L[lang];
  const open = debtSide(a.openingKop);
  const close = debtSide(a.closingKop);
  return [
    ["", "", `${l.opening} ${dmy(act.fromDay)}`, money(open.dt, lang), money(open.ct, lang)],
    ...a.lines.map((x) => [dmy(x.day), x.document, lang === "ru" ? x.textRu : x.textEn, money(x.debitKop, lang), money(x.creditKop, lang)]),
    ["", "", l.turnover, moneyText(a.debitKop, lang), moneyText(a.creditKop, lang)],
    ["", "", `${l.closing} ${dmy(act.toDay)}`, money(close.dt, lang), money(close.ct, lang)],
  ];
}

function summaryCells(
  label: string,
  region: string,
  x: { openingKop: number; debitKop: number; creditKop: number; closingKop: number },
  lang: Lang,
) {
  const o = debtSide(x.openingKop);
  const c = debtSide(x.closingKop);
  return [
    label,
    region,
    money(o.dt, lang),
    money(o.ct, lang),
    moneyText(x.debitKop, lang),
    moneyText(x.creditKop, lang),
    money(c.dt, lang),
    money(c.ct, lang),
  ];
}

/**
 * The act as a PDF (A4, PT Sans with Cyrillic): the parties and period, the totals per account and of the
 * organisation with the «в пользу …» conclusion, then a section per account with every operation.
 */
export async function actPdf(fonts: PdfFonts, act: Act, party: ActParty, lang: Lang, generatedAt: Date): Promise<Uint8Array> {
  const l = L[lang];
  const operator = lang === "ru" ? OPERATOR_NAME : OPERATOR_NAME_EN;
  const pdf = await PdfTableWriter.create(fonts, {
    title: `${l.title} ${dmy(act.fromDay)}–${dmy(act.toDay)}: ${party.name}`,
    author: operator,
    lang,
  });
  pdf.heading(l.title);
  pdf.fields([
    [l.period, `${dmy(act.fromDay)} – ${dmy(act.toDay)}`],
    [l.between, operator],
    [l.customer, partyText(party)],
    [l.accounts, String(act.accounts.length)],
    [l.generated, generatedAt.toISOString().slice(0, 16).replace("T", " ")],
    [l.result, conclusion(act, party, lang)],
  ]);
  pdf.heading(l.summary, 11);
  const summary: PdfColumn[] = [
    { title: l.account, width: 79 },
    { title: l.region, width: 36 },
    { title: l.openingDt, width: 68, align: "right" },
    { title: l.openingCt, width: 68, align: "right" },
    { title: l.dt, width: 68, align: "right" },
    { title: l.ct, width: 68, align: "right" },
    { title: l.closingDt, width: 68, align: "right" },
    { title: l.closingCt, width: 68, align: "right" },
  ];
  await pdf.table(summary, [act.accounts.map((a) => summaryCells(a.accountNo, a.region, a, lang))]);
  pdf.boldRow(summary, summaryCells(l.totalShort, "", act, lang));
  const columns: PdfColumn[] = [
    { title: l.date, width: 56 },
    { title: l.document, width: 110 },
    { title: l.text, width: 197 },
    { title: l.debit, width: 80, align: "right" },
    { title: l.credit, width: 80, align: "right" },
  ];
  for (const a of act.accounts) {
    pdf.heading(`${l.account} ${a.accountNo} · ${l.region} ${a.region}`, 10);
    await pdf.table(columns, [sectionRows(a, act, lang)]);
  }
  pdf.fields([[l.result, conclusion(act, party, lang)]]);
  return pdf.finish((n, m) => `${l.title} · ${party.name} · ${dmy(act.fromDay)}–${dmy(act.toDay)} · ${l.page(n, m)}`);
}

type Cell = { value?: string | number | null; type?: typeof String | typeof Number; format?: string; fontWeight?: "bold" };
const FORMAT = "#,##0.00";
const rub = (kop: number): Cell => ({ value: kop / 100, type: Number, format: FORMAT });
const rubOrEmpty = (kop: number): Cell => (kop === 0 ? { value: null } : rub(kop));

/**
 * The act as an XLSX: one sheet of every operation (account, region, date, document, text, debit, credit in
 * roubles as numbers) with the opening and closing balances of each account, and a sheet of totals per account
 * and of the organisation with the conclusion.
 */
export async function actXlsx(act: Act, party: ActParty, lang: Lang): Promise<Uint8Array> {
  const l = L[lang];
  const bold = { fontWeight: "bold" as const };
  const head = [l.account, l.region, l.date, l.document, l.text, l.debit, l.credit].map((value) => ({ value, ...bold }));
  const data: Cell[][] = [head];
  for (const a of act.accounts) {
    const open = debtSide(a.openingKop);
    const close = debtSide(a.closingKop);
    const id = [
      { value: a.accountNo, type: String },
      { value: a.region, type: String },
    ] as Cell[];
    data.push([
      ...id,
      { value: dmy(act.fromDay), type: String },
      { value: null },
      { value: `${l.opening} ${dmy(act.fromDay)}`, type: String },
      rubOrEmpty(open.dt),
      rubOrEmpty(open.ct),
    ]);
    for (const x of a.lines)
      data.push([
        ...id,
        { value: dmy(x.day), type: String },
        { value: x.document, type: String },
        { value: lang === "ru" ? x.textRu : x.textEn, type: String },
        rubOrEmpty(x.debitKop),
        rubOrEmpty(x.creditKop),
      ]);
    data.push([
      ...id,
      { value: null },
      { value: null },
      { value: l.turnover, type: String, ...bold },
      { ...rub(a.debitKop), ...bold },
      { ...rub(a.creditKop), ...bold },
    ]);
    data.push([
      ...id,
      { value: dmy(act.toDay), type: String },
      { value: null },
      { value: `${l.closing} ${dmy(act.toDay)}`, type: String },
      rubOrEmpty(close.dt),
      rubOrEmpty(close.ct),
    ]);
  }
  const operator = lang === "ru" ? OPERATOR_NAME : OPERATOR_NAME_EN;
  const summary: Cell[][] = [
    [{ value: l.title, ...bold }],
    [
      { value: l.period, ...bold },
      { value: `${dmy(act.fromDay)} – ${dmy(act.toDay)}`, type: String },
    ],
    [
      { value: l.between, ...bold },
      { value: operator, type: String },
    ],
    [
      { value: l.customer, ...bold },
      { value: partyText(party), type: String },
    ],
    [
      { value: l.result, ...bold },
      { value: conclusion(act, party, lang), type: String },
    ],
    [{ value: l.note, type: String }],
    [],
    [l.account, l.region, l.openingDt, l.openingCt, l.dt, l.ct, l.closingDt, l.closingCt].map((value) => ({ value, ...bold })),
  ];
  const totals = (x: { openingKop: number; debitKop: number; creditKop: number; closingKop: number }) => {
    const o = debtSide(x.openingKop);
    const c = debtSide(x.closingKop);
    return [rub(o.dt), rub(o.ct), rub(x.debitKop), rub(x.creditKop), rub(c.dt), rub(c.ct)];
  };
  for (const a of act.accounts) summary.push([{ value: a.accountNo, type: String }, { value: a.region, type: String }, ...totals(a)]);
  summary.push([{ value: l.total, ...bold }, { value: null }, ...totals(act).map((c) => ({ ...c, ...bold }))]);
  const writeXlsxFile = await xlsxWriter();
  const buffer = await writeXlsxFile([
    {
      data: data as never,
      sheet: l.sheet,
      stickyRowsCount: 1,
      columns: [{ width: 15 }, { width: 8 }, { width: 11 }, { width: 26 }, { width: 44 }, { width: 14 }, { width: 14 }],
    },
    {
      data: summary as never,
      sheet: l.sheetSummary,
      columns: [{ width: 22 }, { width: 10 }, ...Array.from({ length: 6 }, () => ({ width: 15 }))],
    },
  ]).toBuffer();
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}
