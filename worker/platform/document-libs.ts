/**
 * The document libraries (XLSX, PDF with its font engine: ~3 MB of JavaScript
 * together), loaded on first use rather than when the Worker starts: most
 * requests never make a document, and an isolate's start-up evaluates every
 * module it imports statically (Workers bound start-up time; each test file
 * starts one). The bundle still contains them; only their evaluation waits.
 */
export async function xlsxWriter() {
  return (await import("write-excel-file/node")).default;
}

export async function pdfLibrary() {
  const [lib, fontkit] = await Promise.all([import("pdf-lib"), import("@pdf-lib/fontkit")]);
  return { PDFDocument: lib.PDFDocument, rgb: lib.rgb, fontkit: fontkit.default };
}
