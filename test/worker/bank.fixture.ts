/** Bank statements in the 1CClientBankExchange format, as a bank's export writes them, for the import's tests. */
import { OPERATOR_REQUISITES } from "../../worker/data/operator.data";

export interface DocSpec {
  number: string;
  /** dd.mm.yyyy */
  date: string;
  /** Rubles as the file writes them: `1500.00`. */
  sum: string;
  payerInn?: string;
  payerAccount?: string;
  payerName?: string;
  payeeAccount?: string;
  purpose: string;
}

export const PAYER_ACCOUNT = "40702810538000123456";

/**
 * Day `n` of last month as a statement writes it (dd.mm.yyyy): in the past, and within the year the import takes
 * (features/bank/bank.limits.ts BANK_LINE_MAX_AGE_DAYS), whenever the tests run.
 */
export function day(n: number): string {
  const now = new Date();
  const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, n));
  return `${String(d.getUTCDate()).padStart(2, "0")}.${String(d.getUTCMonth() + 1).padStart(2, "0")}.${d.getUTCFullYear()}`;
}

/** The same day as an ISO date (yyyy-mm-dd), as the import stores it. */
export const isoDay = (n: number) => day(n).split(".").reverse().join("-");

/** One document section (платёжное поручение), incoming to the operator unless `payeeAccount` says otherwise. */
export function documentLines(d: DocSpec): string[] {
  return [
    "СекцияДокумент=Платежное поручение",
    `Номер=${d.number}`,
    `Дата=${d.date}`,
    `Сумма=${d.sum}`,
    `ПлательщикСчет=${d.payerAccount ?? PAYER_ACCOUNT}`,
    `Плательщик=ИНН ${d.payerInn ?? ""} ${d.payerName ?? "ООО «Плательщик»"}`,
    `ПлательщикИНН=${d.payerInn ?? ""}`,
    `Плательщик1=${d.payerName ?? "ООО «Плательщик»"}`,
    "ПлательщикБИК=044525225",
    `ПолучательСчет=${d.payeeAccount ?? OPERATOR_REQUISITES.settlementAccount}`,
    `Получатель=${OPERATOR_REQUISITES.name}`,
    `ПолучательИНН=${OPERATOR_REQUISITES.inn}`,
    `Получатель1=${OPERATOR_REQUISITES.name}`,
    `ПолучательБИК=${OPERATOR_REQUISITES.bik}`,
    `ДатаПоступило=${d.date}`,
    "ВидОплаты=01",
    "Очередность=5",
    `НазначениеПлатежа=${d.purpose}`,
    "КонецДокумента",
  ];
}

/** A whole statement file's text (CRLF line ends, as banks write them). */
export function statementText(docs: DocSpec[], opts: { encoding?: "Windows" | "DOS"; end?: boolean } = {}): string {
  const lines = [
    "1CClientBankExchange",
    "ВерсияФормата=1.03",
    `Кодировка=${opts.encoding ?? "Windows"}`,
    "Отправитель=Сбербанк Бизнес Онлайн",
    "Получатель=1С:Предприятие",
    "ДатаСоздания=02.03.2026",
    "ВремяСоздания=09:15:00",
    "ДатаНачала=01.03.2026",
    "ДатаКонца=01.03.2026",
    `РасчСчет=${OPERATOR_REQUISITES.settlementAccount}`,
    "Документ=Платежное поручение",
    "СекцияРасчСчет",
    "ДатаНачала=01.03.2026",
    "ДатаКонца=01.03.2026",
    `РасчСчет=${OPERATOR_REQUISITES.settlementAccount}`,
    "НачальныйОстаток=0.00",
    "ВсегоПоступило=0.00",
    "ВсегоСписано=0.00",
    "КонечныйОстаток=0.00",
    "КонецРасчСчет",
    ...docs.flatMap(documentLines),
  ];
  if (opts.end !== false) lines.push("КонецФайла");
  return `${lines.join("\r\n")}\r\n`;
}
