/**
 * The report PDFs must draw their Cyrillic text in a real PDF reader, not only carry it: a subset font made by
 * fontkit left most Cyrillic glyphs without outlines, so poppler (Evince, Okular, pdftoppm) drew blank spaces
 * where pdftotext still read the words. Rendered here with poppler and measured in ink.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { ensurePdftotext } from "../../../scripts/chromium.mts";
import { PdfTableWriter } from "./usage.pdf";

// The fonts the build copies for the Worker (vite.config.ts), from their package.
const FONTS = join(dirname(new URL(import.meta.url).pathname), "../../../node_modules/@expo-google-fonts/pt-sans");
const font = (path: string) => new Uint8Array(readFileSync(join(FONTS, path))).buffer;

/** Dark pixels of each text line of a page rendered at 72 dpi in grey (a PGM from pdftoppm). */
function inkPerLine(pdf: Uint8Array, lines: number): number[] {
  const dir = mkdtempSync(join(tmpdir(), "kabinet-pdf-"));
  writeFileSync(join(dir, "t.pdf"), pdf);
  const pdftoppm = join(dirname(ensurePdftotext()), "pdftoppm");
  execFileSync(pdftoppm, ["-gray", "-r", "72", "-f", "1", "-l", "1", join(dir, "t.pdf"), join(dir, "p")]);
  const pgm = readFileSync(join(dir, "p-1.pgm"));
  // P5 header: magic, width, height, max value, each followed by one whitespace byte.
  const header = /^P5\s+(\d+)\s+(\d+)\s+(\d+)\s/.exec(pgm.subarray(0, 40).toString("latin1"));
  if (!header) throw new Error("not a PGM");
  const [w, h] = [Number(header[1]), Number(header[2])];
  const pixels = pgm.subarray(header[0].length);
  // The heading and field lines sit in the top of the page; count ink per 11-pt band below the top margin.
  const counts = Array.from({ length: lines }, () => 0);
  for (let y = 0; y < h; y++) {
    const band = Math.floor((y - 36) / 20);
    if (band < 0 || band >= lines) continue;
    for (let x = 0; x < w; x++) if ((pixels[y * w + x] ?? 255) < 128) counts[band] = (counts[band] ?? 0) + 1;
  }
  return counts;
}

describe("report PDFs in a real reader", () => {
  it("draw Cyrillic text with as much ink as the same words in Latin letters", async () => {
    const pdf = await PdfTableWriter.create(
      { regular: font("400Regular/PTSans_400Regular.ttf"), bold: font("700Bold/PTSans_700Bold.ttf") },
      { title: "Проверка", author: "Кабинет", lang: "ru" },
    );
    pdf.heading("Детализация расходов за ноябрь", 14);
    pdf.heading("Detalizatsiya raskhodov za noyabr", 14);
    const bytes = await pdf.finish(() => "");
    const [cyrillic = 0, latin = 0] = inkPerLine(bytes, 2);
    expect(latin).toBeGreaterThan(200);
    expect(cyrillic / latin).toBeGreaterThan(0.6);
  });
});
