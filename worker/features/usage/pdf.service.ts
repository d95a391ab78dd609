/** The PDF table writer (PT Sans with Cyrillic, pdf-lib) for other features' documents: the business cabinet's closing documents. */
export { type PdfColumn, type PdfFonts, PdfTableWriter } from "./usage.pdf";
