import { vatPercentOn } from "../../platform/vat";
import { type PdfColumn, type PdfFonts, PdfTableWriter } from "../usage/pdf.service";
import { type ClosingDoc, dotted, monthRu, rubPrint } from "./closing.document";
import { OKEI_SERVICE } from "./closing.xml";

/**
 * The printed УПД (the form of ПП № 1137 as amended, статус 1: счёт-фактура and the act of services) with what
 * НК ст. 169 п. 5 requires: number and date, seller and buyer with addresses and ИНН/КПП, the currency (name and
 * code 643), and per line the service, its unit (код ОКЕИ), quantity, price, cost without VAT, the rate, the VAT,
 * the cost with VAT; the totals. A correction (УКД) shows each changed line before and after, and the change.
 * PT Sans (Cyrillic) embedded, as the usage-detail PDFs.
 */
const UPD_COLUMNS: PdfColumn[] = [
  { title: "№", width: 18, align: "right" },
  { title: "Услуга (лицевой счёт, тариф)", width: 200 },
  { title: "ОКЕИ", width: 35 },
  { title: "Кол.", width: 22, align: "right" },
  { title: "Цена", width: 50, align: "right" },
  { title: "Без НДС", width: 52, align: "right" },
  { title: "Ставка", width: 34, align: "right" },
  { title: "НДС", width: 50, align: "right" },
  { title: "С НДС", width: 62, align: "right" },
];

const UKD_COLUMNS: PdfColumn[] = [
  { title: "№", width: 20, align: "right" },
  { title: "Услуга (лицевой счёт, тариф)", width: 183 },
  { title: "Без НДС: до", width: 55, align: "right" },
  { title: "после", width: 55, align: "right" },
  { title: "НДС: до", width: 50, align: "right" },
  { title: "после", width: 50, align: "right" },
  { title: "С НДС: до", width: 55, align: "right" },
  { title: "после", width: 55, align: "right" },
];

/** A line as printed: the account and the service (the month is the document's). */
const printedName = (l: { accountNo: string; nameRu: string }) => `л/с ${l.accountNo} «${l.nameRu}»`;

function partyFields(doc: ClosingDoc): [string, string][] {
  const { seller, buyer } = doc.parties;
  return [
    ["Продавец", seller.name],
    ["Адрес продавца", seller.address],
    ["ИНН/КПП продавца", `${seller.inn}/${seller.kpp}`],
    ["Грузоотправитель", "—"],
    ["Грузополучатель", "—"],
    ["К платёжному документу", "—"],
    ["Покупатель", buyer.name],
    ["Адрес покупателя", buyer.address],
    ["ИНН/КПП покупателя", buyer.kpp ? `${buyer.inn}/${buyer.kpp}` : buyer.inn],
    ["Валюта", "Российский рубль, код 643"],
    ["Единица измерения", `код ОКЕИ ${OKEI_SERVICE.code} — условная единица (${OKEI_SERVICE.name})`],
  ];
}

function signatures(w: PdfTableWriter, doc: ClosingDoc) {
  const { signer, contract } = doc.parties;
  w.fields([
    ["Основание передачи", `Договор об оказании услуг связи № ${contract.number} от ${dotted(contract.date)}`],
    ["Услуги", `оказаны в полном объёме за ${monthRu(doc.period)}; претензий по объёму, качеству и срокам нет`],
    ["Ответственный", `${signer.position} ${signer.lastName} ${signer.firstName[0]}. ${signer.middleName[0]}.`],
    ["Подпись", "квалифицированная электронная подпись при отправке через оператора ЭДО"],
  ]);
}

/** The PDF of a УПД or a УКД. */
export async function closingPdf(fonts: PdfFonts, doc: ClosingDoc): Promise<Uint8Array> {
  const upd = doc.kind === "upd";
  const title = upd ? "Универсальный передаточный документ" : "Универсальный корректировочный документ";
  // The whole font (about 300 KB a document): a subset of PT Sans draws blanks (see PdfTableWriter.create).
  const w = await PdfTableWriter.create(
    fonts,
    { title: `${title} № ${doc.number}`, author: doc.parties.seller.name, lang: "ru" },
    { subset: false },
  );
  w.heading(title);
  w.fields([
    [upd ? "Счёт-фактура №" : "Корр. счёт-фактура №", `${doc.number} от ${dotted(doc.docDate)}`],
    ...(upd
      ? []
      : ([["К счёту-фактуре №", doc.corrects ? `${doc.corrects.number} от ${dotted(doc.corrects.docDate)}` : "—"]] as [string, string][])),
    ["Статус", upd ? "1 — счёт-фактура и передаточный документ (акт)" : "1 — корректировочный счёт-фактура и документ об изменении"],
    ["Период", `услуги связи за ${monthRu(doc.period)}`],
    ...partyFields(doc),
    ...(upd
      ? ([["Документ об отгрузке", `№ п/п 1–${doc.lines.length} № ${doc.number} от ${dotted(doc.docDate)}`]] as [string, string][])
      : []),
  ]);
  if (upd) {
    const rows = doc.lines.map((l) => {
      const net = rubPrint(l.amountKop - l.vatKop);
      return [
        String(l.lineNo),
        printedName(l),
        OKEI_SERVICE.code,
        "1",
        net,
        net,
        `${vatPercentOn(doc.period)}%`,
        rubPrint(l.vatKop),
        rubPrint(l.amountKop),
      ];
    });
    await w.table(UPD_COLUMNS, [rows]);
    w.boldRow(UPD_COLUMNS, [
      "",
      "Всего к оплате",
      "",
      "",
      "",
      rubPrint(doc.totalKop - doc.vatKop),
      "X",
      rubPrint(doc.vatKop),
      rubPrint(doc.totalKop),
    ]);
  } else {
    const rows = doc.lines.map((l) => {
      const before = l.beforeKop ?? 0;
      const vatBefore = l.vatBeforeKop ?? 0;
      return [
        String(l.lineNo),
        printedName(l),
        rubPrint(before - vatBefore),
        rubPrint(l.amountKop - l.vatKop),
        rubPrint(vatBefore),
        rubPrint(l.vatKop),
        rubPrint(before),
        rubPrint(l.amountKop),
      ];
    });
    await w.table(UKD_COLUMNS, [rows]);
    const up = doc.totalKop >= 0;
    w.boldRow(UKD_COLUMNS, [
      "",
      up ? "Всего увеличение" : "Всего уменьшение",
      "",
      rubPrint(Math.abs(doc.totalKop - doc.vatKop)),
      "",
      rubPrint(Math.abs(doc.vatKop)),
      "",
      rubPrint(Math.abs(doc.totalKop)),
    ]);
  }
  signatures(w, doc);
  return w.finish((page, pages) => `${title} № ${doc.number} · Стр. ${page} из ${pages}`);
}
