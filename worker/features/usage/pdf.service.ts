/**
 * The PDF table writer (PT Sans with Cyrillic, pdf-lib) and the money format for other features' documents: the
 * business cabinet's closing documents and акты сверки.
 */
export { moneyText } from "./usage.format";
export { type PdfColumn, type PdfFonts, PdfTableWriter } from "./usage.pdf";
