import type { PDFDocument, PDFFont, PDFName, PDFPage } from "pdf-lib";
import { pdfLibrary } from "../../platform/document-libs";

export interface PdfFonts {
  regular: ArrayBuffer;
  bold: ArrayBuffer;
}

export interface PdfColumn {
  title: string;
  /** Points; the columns of a table add up to the text width (523 pt on A4 with 36 pt margins). */
  width: number;
  align?: "left" | "right";
}

const A4: [number, number] = [595.28, 841.89];
const MARGIN = 36;
const SIZE = 8;
const ROW = 11;
const TOP = A4[1] - MARGIN;
const BOTTOM = MARGIN + 18;

/**
 * Writes a long table into a PDF with an embedded Cyrillic font (PT Sans, embedded whole).
 *
 * pdf-lib does the document, the font embedding (fontkit) and
 * the compression; the text of each page is written as one content stream of
 * `Tj` operators instead of one `drawText` per cell: for 50,000 rows drawText
 * took 27 s and 700 MB (an object per operator), this takes under 2 s and
 * stays within the Workers' 128 MB. Glyph codes and widths are cached per
 * character (the report's strings need no shaping: no ligatures, LTR only).
 */
export class PdfTableWriter {
  private page: PDFPage | null = null;
  private ops: string[] = [];
  private y = TOP;
  private readonly pages: PDFPage[] = [];
  private readonly keys = new Map<PDFPage, { regular: PDFName; bold: PDFName }>();
  private readonly glyphs = new Map<PDFFont, Map<string, string>>();
  private readonly widths = new Map<PDFFont, Map<string, number>>();

  private constructor(
    private readonly doc: PDFDocument,
    private readonly regular: PDFFont,
    private readonly bold: PDFFont,
  ) {}

  /**
   * The whole font program is embedded unless `subset: true`: pdf-lib's subsetting of PT Sans (with
   * @pdf-lib/fontkit) leaves most glyphs without outlines, so a viewer draws blanks where the text layer has the
   * right characters.
   */
  static async create(fonts: PdfFonts, meta: { title: string; author: string; lang: string }, opts: { subset?: boolean } = {}) {
    const { PDFDocument, fontkit } = await pdfLibrary();
    const doc = await PDFDocument.create();
    doc.registerFontkit(fontkit);
    doc.setTitle(meta.title);
    doc.setAuthor(meta.author);
    doc.setCreator("Kabinet");
    doc.setProducer("Kabinet (pdf-lib)");
    doc.setLanguage(meta.lang);
    // The whole fonts unless asked (~280 KB each, compressed into the file): fontkit's subsets left most glyphs
    // without outlines, so poppler-based readers (Evince, Okular) drew blank spaces (usage.pdf.test.ts renders a page).
    const subset = opts.subset ?? false;
    const regular = await doc.embedFont(fonts.regular, { subset });
    const bold = await doc.embedFont(fonts.bold, { subset });
    return new PdfTableWriter(doc, regular, bold);
  }

  private cacheOf<V>(caches: Map<PDFFont, Map<string, V>>, font: PDFFont): Map<string, V> {
    let cache = caches.get(font);
    if (!cache) {
      cache = new Map();
      caches.set(font, cache);
    }
    return cache;
  }

  private hex(font: PDFFont, text: string): string {
    const cache = this.cacheOf(this.glyphs, font);
    let out = "";
    for (const ch of text) {
      let h = cache.get(ch);
      if (h === undefined) {
        h = font.encodeText(ch).asString().replace(/[<>]/g, "");
        cache.set(ch, h);
      }
      out += h;
    }
    return out;
  }

  width(text: string, size = SIZE, isBold = false): number {
    const font = isBold ? this.bold : this.regular;
    const cache = this.cacheOf(this.widths, font);
    let w = 0;
    for (const ch of text) {
      let cw = cache.get(ch);
      if (cw === undefined) {
        cw = font.widthOfTextAtSize(ch, 1000);
        cache.set(ch, cw);
      }
      w += cw;
    }
    return (w * size) / 1000;
  }

  /** Cuts text to a width with an ellipsis. */
  private fit(text: string, max: number, size: number, isBold: boolean): string {
    if (this.width(text, size, isBold) <= max) return text;
    let s = text;
    while (s.length > 1 && this.width(`${s}…`, size, isBold) > max) s = s.slice(0, -1);
    return `${s}…`;
  }

  private text(x: number, y: number, text: string, opts: { size?: number; bold?: boolean } = {}) {
    if (!this.page) return;
    const size = opts.size ?? SIZE;
    const key = this.keys.get(this.page);
    if (!key) return;
    const name = (opts.bold ? key.bold : key.regular).asString();
    this.ops.push(
      `BT ${name} ${size} Tf 1 0 0 1 ${x.toFixed(2)} ${y.toFixed(2)} Tm <${this.hex(opts.bold ? this.bold : this.regular, text)}> Tj ET`,
    );
  }

  private flush() {
    if (!this.page) return;
    const stream = this.doc.context.flateStream(this.ops.join("\n"));
    this.page.node.addContentStream(this.doc.context.register(stream));
    this.ops = [];
  }

  private newPage() {
    this.flush();
    const page = this.doc.addPage(A4);
    this.keys.set(page, {
      regular: page.node.newFontDictionary("F1", this.regular.ref),
      bold: page.node.newFontDictionary("F2", this.bold.ref),
    });
    this.pages.push(page);
    this.page = page;
    this.y = TOP;
  }

  private ensure(height: number, onNewPage?: () => void) {
    if (!this.page || this.y - height < BOTTOM) {
      this.newPage();
      onNewPage?.();
    }
  }

  heading(text: string, size = 14) {
    this.ensure(size + 8);
    this.y -= size;
    this.text(MARGIN, this.y, text, { size, bold: true });
    this.y -= 8;
  }

  /** "Label: value" lines. */
  fields(pairs: [string, string][]) {
    for (const [label, value] of pairs) {
      this.ensure(ROW + 2);
      this.y -= ROW + 1;
      this.text(MARGIN, this.y, `${label}:`, { size: 9, bold: true });
      this.text(MARGIN + 110, this.y, this.fit(value, A4[0] - 2 * MARGIN - 110, 9, false), { size: 9 });
    }
    this.y -= 8;
  }

  private row(columns: PdfColumn[], cells: string[], isBold: boolean) {
    let x = MARGIN;
    columns.forEach((c, i) => {
      const value = this.fit(cells[i] ?? "", c.width - 6, SIZE, isBold);
      const tx = c.align === "right" ? x + c.width - 3 - this.width(value, SIZE, isBold) : x + 3;
      this.text(tx, this.y + 3, value, { bold: isBold });
      x += c.width;
    });
  }

  private headerRow(columns: PdfColumn[]) {
    const w = columns.reduce((t, c) => t + c.width, 0);
    this.y -= ROW + 2;
    this.ops.push(`0.92 g ${MARGIN} ${(this.y).toFixed(2)} ${w.toFixed(2)} ${ROW + 2} re f 0 g`);
    this.row(
      columns,
      columns.map((c) => c.title),
      true,
    );
  }

  /**
   * A table whose rows come in chunks (read from the database a page at a
   * time); the header row repeats on every page. `onRows` hears how many rows
   * are written so far, after each chunk.
   */
  async table(columns: PdfColumn[], chunks: AsyncIterable<string[][]> | Iterable<string[][]>, onRows?: (n: number) => Promise<void>) {
    let n = 0;
    this.ensure(3 * ROW);
    this.headerRow(columns);
    for await (const chunk of chunks) {
      for (const cells of chunk) {
        this.ensure(ROW, () => this.headerRow(columns));
        this.y -= ROW;
        if (n % 2 === 1)
          this.ops.push(`0.97 g ${MARGIN} ${this.y.toFixed(2)} ${columns.reduce((t, c) => t + c.width, 0).toFixed(2)} ${ROW} re f 0 g`);
        this.row(columns, cells, false);
        n++;
      }
      await onRows?.(n);
    }
    this.y -= 10;
    return n;
  }

  /** Rows in bold (a totals line) under the current table. */
  boldRow(columns: PdfColumn[], cells: string[]) {
    this.ensure(ROW);
    this.y -= ROW;
    this.row(columns, cells, true);
    this.y -= 6;
  }

  /** Closes the document: a footer on every page ("page N of M"), then the bytes. */
  async finish(footer: (page: number, pages: number) => string): Promise<Uint8Array> {
    if (!this.page) this.newPage();
    this.flush();
    const total = this.pages.length;
    this.pages.forEach((page, i) => {
      this.page = page;
      this.text(MARGIN, MARGIN, footer(i + 1, total), { size: 7 });
      this.flush();
    });
    return this.doc.save();
  }
}
