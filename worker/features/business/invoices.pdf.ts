import type { PDFFont, PDFPage } from "pdf-lib";
import { OPERATOR } from "../../data/operator.data";
import { pdfLibrary } from "../../platform/document-libs";
import { qrPng } from "../../platform/png";
import { vatPercentOn } from "../../platform/vat";
import { type Payee, rubles, ruDate } from "./invoices.rules";

export interface PdfFonts {
  regular: ArrayBuffer;
  bold: ArrayBuffer;
}

export interface InvoiceDocument {
  number: string;
  /** YYYY-MM-DD, Moscow. */
  date: string;
  totalKop: number;
  vatKop: number;
  purpose: string;
  qrPayload: string;
  lines: { accountNo: string; region: string; amountKop: number }[];
  payer: { name: string; inn: string; kpp: string | null; address: string };
}

const A4: [number, number] = [595.28, 841.89];
const MARGIN = 40;
const WIDTH = A4[0] - 2 * MARGIN;

/** "2010 0000 0012" as printed on an account's documents. */
const accountText = (no: string) => no.replace(/(\d{4})(?=\d)/g, "$1 ");

/**
 * The invoice for payment as a PDF (A4, PT Sans with Cyrillic): the payee's bank block, the number and date, the
 * supplier and the payer, one line per account, the total with the VAT it includes, the purpose of payment and
 * the payment QR (ГОСТ Р 56042-2014) as a PNG image a banking app — or a test — reads back.
 */
export async function invoicePdf(fonts: PdfFonts, doc: InvoiceDocument, payee: Payee): Promise<Uint8Array> {
  const { PDFDocument, rgb, fontkit } = await pdfLibrary();
  const BLACK = rgb(0, 0, 0);
  const pdf = await PDFDocument.create();
  pdf.registerFontkit(fontkit);
  pdf.setTitle(`Счёт на оплату № ${doc.number} от ${ruDate(doc.date)}`);
  pdf.setAuthor(OPERATOR.name);
  pdf.setCreator("Kabinet");
  pdf.setProducer("Kabinet (pdf-lib)");
  pdf.setLanguage("ru-RU");
  // The whole font, not a subset: with pdf-lib's subsetting of PT Sans, poppler-based viewers (Evince, Okular,
  // pdftoppm) draw most Cyrillic glyphs blank although the text layer is right; an invoice must print. ~330 KB.
  const regular = await pdf.embedFont(fonts.regular, { subset: false });
  const bold = await pdf.embedFont(fonts.bold, { subset: false });
  const qr = await pdf.embedPng(await qrPng(doc.qrPayload));

  let page: PDFPage = pdf.addPage(A4);
  let y = A4[1] - MARGIN;
  const text = (s: string, x: number, size = 9, font: PDFFont = regular) => page.drawText(s, { x, y, size, font, color: BLACK });
  const right = (s: string, xRight: number, size = 9, font: PDFFont = regular) =>
    text(s, xRight - font.widthOfTextAtSize(s, size), size, font);
  const wrap = (s: string, width: number, size: number, font: PDFFont = regular): string[] => {
    const out: string[] = [];
    let line = "";
    for (const word of s.split(" ")) {
      const next = line ? `${line} ${word}` : word;
      if (line && font.widthOfTextAtSize(next, size) > width) {
        out.push(line);
        line = word;
      } else line = next;
    }
    if (line) out.push(line);
    return out;
  };
  const paragraph = (s: string, x: number, width: number, size = 9, font: PDFFont = regular) => {
    for (const l of wrap(s, width, size, font)) {
      text(l, x, size, font);
      y -= size + 3;
    }
  };
  const ensure = (height: number) => {
    if (y - height < MARGIN + 20) {
      page = pdf.addPage(A4);
      y = A4[1] - MARGIN;
    }
  };
  const rule = (width = 0.5) => page.drawLine({ start: { x: MARGIN, y }, end: { x: MARGIN + WIDTH, y }, thickness: width, color: BLACK });

  // The payee's bank block, as on the payment order.
  text("Банк получателя", MARGIN, 8, bold);
  y -= 11;
  paragraph(`${payee.bankName}, БИК ${payee.bic}, корр. счёт ${payee.correspAcc}`, MARGIN, WIDTH);
  text("Получатель", MARGIN, 8, bold);
  y -= 11;
  paragraph(`${payee.name}, ИНН ${payee.payeeInn}, КПП ${payee.kpp}, расчётный счёт ${payee.personalAcc}`, MARGIN, WIDTH);
  y -= 6;
  rule(1);
  y -= 22;
  text(`Счёт на оплату № ${doc.number} от ${ruDate(doc.date)}`, MARGIN, 15, bold);
  y -= 10;
  rule(1);
  y -= 16;

  const party = (label: string, value: string) => {
    text(label, MARGIN, 9, bold);
    const lines = wrap(value, WIDTH - 110, 9);
    for (const l of lines) {
      text(l, MARGIN + 110, 9);
      y -= 12;
    }
    y -= 4;
  };
  party("Поставщик:", `${OPERATOR.name}, ИНН ${OPERATOR.inn}, КПП ${OPERATOR.kpp}, ${OPERATOR.legalAddress}`);
  party(
    "Покупатель (плательщик):",
    [doc.payer.name, `ИНН ${doc.payer.inn}`, doc.payer.kpp ? `КПП ${doc.payer.kpp}` : null, doc.payer.address].filter(Boolean).join(", "),
  );
  y -= 6;

  // The lines: one per account.
  const cols = { n: MARGIN + 4, what: MARGIN + 34, account: MARGIN + 300, sumRight: MARGIN + WIDTH - 4 };
  const header = () => {
    page.drawRectangle({ x: MARGIN, y: y - 4, width: WIDTH, height: 16, color: rgb(0.92, 0.92, 0.92) });
    text("№", cols.n, 9, bold);
    text("Наименование", cols.what, 9, bold);
    text("Лицевой счёт", cols.account, 9, bold);
    right("Сумма, руб.", cols.sumRight, 9, bold);
    y -= 18;
  };
  header();
  doc.lines.forEach((l, i) => {
    if (y - 14 < MARGIN + 20) {
      page = pdf.addPage(A4);
      y = A4[1] - MARGIN;
      header();
    }
    text(String(i + 1), cols.n);
    text("Услуги связи (авансовый платёж)", cols.what);
    text(accountText(l.accountNo), cols.account);
    right(rubles(l.amountKop), cols.sumRight);
    y -= 14;
  });
  rule();
  y -= 14;

  ensure(60);
  const totals: [string, string][] = [
    ["Итого:", rubles(doc.totalKop)],
    [`В том числе НДС (${vatPercentOn(doc.date)}%):`, rubles(doc.vatKop)],
    ["Всего к оплате:", rubles(doc.totalKop)],
  ];
  for (const [label, value] of totals) {
    right(label, cols.sumRight - 110, 10, bold);
    right(value, cols.sumRight, 10, bold);
    y -= 14;
  }
  y -= 4;
  paragraph(`Всего наименований ${doc.lines.length}, на сумму ${rubles(doc.totalKop)} руб.`, MARGIN, WIDTH);
  y -= 6;
  text("Назначение платежа", MARGIN, 9, bold);
  y -= 12;
  paragraph(doc.purpose, MARGIN, WIDTH);
  y -= 8;

  // The payment QR, 150 pt square, with how to use it.
  const side = 150;
  ensure(side + 20);
  page.drawImage(qr, { x: MARGIN, y: y - side, width: side, height: side });
  const captionTop = y;
  y -= 14;
  for (const l of wrap(
    "Оплата по QR-коду (ГОСТ Р 56042-2014): откройте банковское приложение, выберите «Оплата по QR» и наведите камеру — реквизиты, сумма и назначение платежа заполнятся сами.",
    WIDTH - side - 16,
    9,
  )) {
    text(l, MARGIN + side + 16, 9);
    y -= 12;
  }
  y = captionTop - side - 10;
  text("Платёж зачисляется на лицевые счета по строкам этого счёта.", MARGIN, 8);
  return pdf.save();
}
