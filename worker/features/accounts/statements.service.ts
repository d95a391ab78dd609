import { eq } from "drizzle-orm";
import { accounts } from "../../db/schema/region";
import { monthName } from "../../platform/dates";
import type { DataAccess } from "../../platform/db";
import { AppError } from "../../platform/errors";
import { formatAccountNoPlain } from "../../platform/format";
import type { Lang } from "../../platform/i18n";
import { historyWithArchive, monthFromArchive } from "../billing/archive.service";
import { monthDays, periodOf, selectPeriods } from "../billing/ledger.service";
import { moneyText, type PdfColumn, type PdfFonts, PdfTableWriter } from "../usage/pdf.service";
import { requireAccount } from "./accounts.service";

/** A statement lists at most this many entries of its month (closed months keep one charge line per service). */
const MAX_ENTRIES = 2_000;

const pdfUrl = (accountNo: string, month: string) => `/api/v1/accounts/${accountNo}/statements/${month}/pdf`;

/** The account's closed months, newest first: the monthly statements there are. */
export async function statements(data: DataAccess, subscriberId: string, accountNo: string) {
  const acc = await requireAccount(data, subscriberId, accountNo);
  const rows = await selectPeriods(data.shard(acc.shard), acc.accountNo);
  return {
    items: rows.map((p) => ({
      month: p.month,
      openingKop: p.openingKop,
      chargesKop: p.chargesKop,
      paymentsKop: p.paymentsKop,
      refundsKop: p.refundsKop,
      adjustmentsKop: p.adjustmentsKop,
      promisedKop: p.promisedKop,
      bonusKop: p.bonusKop,
      closingKop: p.closingKop,
      pdfUrl: pdfUrl(acc.accountNo, p.month),
    })),
  };
}

const T = {
  ru: {
    title: "Выписка по лицевому счёту",
    account: "Лицевой счёт",
    holder: "Абонент",
    address: "Адрес",
    period: "Период",
    opening: "Входящий остаток",
    closing: "Исходящий остаток",
    columns: ["Дата", "Операция", "Сумма, ₽"],
    totals: [
      ["chargesKop", "Начислено"],
      ["paymentsKop", "Оплачено"],
      ["refundsKop", "Возвраты"],
      ["adjustmentsKop", "Корректировки"],
      ["promisedKop", "Обещанный платёж"],
      ["bonusKop", "Бонусы"],
    ],
    page: (n: number, of: number) => `Стр. ${n} из ${of}`,
  },
  en: {
    title: "Account statement",
    account: "Account",
    holder: "Holder",
    address: "Address",
    period: "Period",
    opening: "Opening balance",
    closing: "Closing balance",
    columns: ["Date", "Operation", "Amount, ₽"],
    totals: [
      ["chargesKop", "Charged"],
      ["paymentsKop", "Paid"],
      ["refundsKop", "Refunds"],
      ["adjustmentsKop", "Adjustments"],
      ["promisedKop", "Promised payment"],
      ["bonusKop", "Bonuses"],
    ],
    page: (n: number, of: number) => `Page ${n} of ${of}`,
  },
} as const;

/**
 * One closed month of the account as a PDF: the figures of its closed period (`ledger_periods`) and every entry
 * booked in it, oldest first. A month not closed yet has no statement (its figures still change): 404.
 */
export async function statementPdf(
  data: DataAccess,
  subscriberId: string,
  accountNo: string,
  month: string,
  files: R2Bucket,
  fonts: () => Promise<PdfFonts>,
  lang: Lang,
) {
  const acc = await requireAccount(data, subscriberId, accountNo);
  const db = data.shard(acc.shard);
  const { first, last } = monthDays(month);
  // A month of a year archived to R2 is read from there (billing/archive.service.ts).
  const [period, account, history] = await Promise.all([
    periodOf(db, acc.accountNo, month).then((p) => p ?? monthFromArchive(db, files, acc.accountNo, month)),
    db.select().from(accounts).where(eq(accounts.accountNo, acc.accountNo)).get(),
    historyWithArchive(db, files, acc.accountNo, { from: first, to: last, limit: MAX_ENTRIES }),
  ]);
  if (!period || !account) throw new AppError(404, "not_found");
  const t = T[lang];
  const pdf = await PdfTableWriter.create(await fonts(), {
    title: `${t.title} ${formatAccountNoPlain(acc.accountNo)}, ${monthName(month, lang)}`,
    author: "Kabinet",
    lang,
  });
  pdf.heading(`${t.title} — ${monthName(month, lang)}`);
  pdf.fields([
    [t.account, formatAccountNoPlain(acc.accountNo)],
    [t.holder, account.holderName],
    [t.address, account.address],
    [t.period, `${first} — ${last}`],
    [t.opening, `${moneyText(period.openingKop, lang)} ₽`],
  ]);
  const columns: PdfColumn[] = [
    { title: t.columns[0], width: 80 },
    { title: t.columns[1], width: 343 },
    { title: t.columns[2], width: 100, align: "right" },
  ];
  const rows = history.rows
    .slice(0, MAX_ENTRIES)
    .reverse()
    .map((e) => [e.localDay, lang === "ru" ? e.descriptionRu : e.descriptionEn, moneyText(e.amountKop, lang)] as string[]);
  await pdf.table(columns, [rows]);
  for (const [key, label] of t.totals) {
    const kop = period[key];
    if (kop !== 0) pdf.boldRow(columns, ["", label, moneyText(kop, lang)]);
  }
  pdf.boldRow(columns, ["", t.closing, moneyText(period.closingKop, lang)]);
  const body = await pdf.finish((n, of) => t.page(n, of));
  return { body, filename: `statement-${acc.accountNo}-${month}.pdf` };
}
