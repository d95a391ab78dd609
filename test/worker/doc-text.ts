import { strFromU8, unzipSync } from "fflate";
import { decodePDFRawStream, PDFArray, PDFDict, PDFDocument, PDFName, PDFRawStream, PDFRef } from "pdf-lib";

/**
 * The text of a PDF as a reader would copy it, for tests: pdf-lib cannot extract text, so this reads each page's
 * content streams, follows `Tf` to the font and maps the glyph codes of `<hex> Tj` through the font's ToUnicode
 * CMap (what pdf-lib writes for an embedded subset font). Returns the text pieces of every page, in order.
 */
export async function pdfText(bytes: Uint8Array): Promise<string[][]> {
  const doc = await PDFDocument.load(bytes);
  const latin1 = (b: Uint8Array) => Array.from(b, (c) => String.fromCharCode(c)).join("");
  const streamText = (s: unknown) => (s instanceof PDFRawStream ? latin1(decodePDFRawStream(s).decode()) : "");
  const lookup = (v: unknown) => (v instanceof PDFRef ? doc.context.lookup(v) : v);
  const cmaps = new Map<string, Map<string, string>>();
  const cmapOf = (font: PDFDict): Map<string, string> => {
    const key = String(font.get(PDFName.of("BaseFont")));
    const known = cmaps.get(key);
    if (known) return known;
    const map = new Map<string, string>();
    const text = streamText(lookup(font.get(PDFName.of("ToUnicode"))));
    const hexToStr = (h: string) => String.fromCodePoint(...(h.match(/.{4}/g) ?? []).map((x) => Number.parseInt(x, 16)));
    for (const block of text.matchAll(/beginbfchar([\s\S]*?)endbfchar/g))
      for (const m of (block[1] ?? "").matchAll(/<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>/g))
        map.set((m[1] ?? "").toUpperCase(), hexToStr(m[2] ?? ""));
    for (const block of text.matchAll(/beginbfrange([\s\S]*?)endbfrange/g))
      for (const m of (block[1] ?? "").matchAll(/<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>\s*(<[0-9a-fA-F]+>|\[[^\]]*\])/g)) {
        const lo = Number.parseInt(m[1] ?? "0", 16);
        const hi = Number.parseInt(m[2] ?? "0", 16);
        const dst = m[3] ?? "";
        const width = (m[1] ?? "").length;
        const list = dst.startsWith("[") ? [...dst.matchAll(/<([0-9a-fA-F]+)>/g)].map((x) => x[1] ?? "") : null;
        for (let code = lo; code <= hi; code++) {
          const src = code.toString(16).toUpperCase().padStart(width, "0");
          if (list) map.set(src, hexToStr(list[code - lo] ?? ""));
          else {
            const base = Number.parseInt(dst.slice(1, -1), 16) + (code - lo);
            map.set(src, String.fromCodePoint(base));
          }
        }
      }
    cmaps.set(key, map);
    return map;
  };
  return doc.getPages().map((page) => {
    const fonts = new Map<string, PDFDict>();
    const resources = page.node.Resources();
    const fontDict = lookup(resources?.get(PDFName.of("Font")));
    if (fontDict instanceof PDFDict)
      for (const [name, ref] of fontDict.entries()) {
        const f = lookup(ref);
        if (f instanceof PDFDict) fonts.set(name.asString(), f);
      }
    const contents = lookup(page.node.get(PDFName.of("Contents")));
    const streams = contents instanceof PDFArray ? contents.asArray().map(lookup) : [contents];
    const pieces: string[] = [];
    for (const s of streams) {
      let font: Map<string, string> | undefined;
      for (const m of streamText(s).matchAll(/(\/[^\s/<[\]()]+)\s+[\d.]+\s+Tf|<([0-9a-fA-F]*)>\s*Tj/g)) {
        if (m[1]) {
          const f = fonts.get(m[1]);
          font = f ? cmapOf(f) : undefined;
        } else if (font) {
          const codes = (m[2] ?? "").toUpperCase().match(/.{4}/g) ?? [];
          pieces.push(codes.map((c) => font?.get(c) ?? "\uFFFD").join(""));
        }
      }
    }
    return pieces;
  });
}

/** The cells of an XLSX's sheets by reference ("B7"): strings (shared or inline) and numbers, for tests. */
export function xlsxCells(bytes: Uint8Array): Map<string, Map<string, string | number>> {
  const zip = unzipSync(bytes);
  const file = (name: string) => (zip[name] ? strFromU8(zip[name]) : "");
  const decode = (s: string) =>
    s
      .replace(/&lt;/g, "<")
      .replace(/&gt;/g, ">")
      .replace(/&quot;/g, '"')
      .replace(/&apos;/g, "'")
      .replace(/&amp;/g, "&");
  const shared = [...file("xl/sharedStrings.xml").matchAll(/<si>([\s\S]*?)<\/si>/g)].map((m) =>
    decode([...(m[1] ?? "").matchAll(/<t[^>]*>([\s\S]*?)<\/t>/g)].map((t) => t[1] ?? "").join("")),
  );
  const workbook = file("xl/workbook.xml");
  const rels = file("xl/_rels/workbook.xml.rels");
  const out = new Map<string, Map<string, string | number>>();
  for (const tag of workbook.matchAll(/<sheet ([^>]*)\/?>/g)) {
    const sheet = [tag[0], /name="([^"]*)"/.exec(tag[1] ?? "")?.[1], /r:id="([^"]*)"/.exec(tag[1] ?? "")?.[1]];
    const target = new RegExp(`Id="${sheet[2]}"[^>]*Target="([^"]*)"|Target="([^"]*)"[^>]*Id="${sheet[2]}"`).exec(rels);
    const path = `xl/${(target?.[1] ?? target?.[2] ?? "").replace(/^\/?xl\//, "")}`;
    const cells = new Map<string, string | number>();
    for (const c of file(path).matchAll(/<c r="([A-Z]+\d+)"([^>]*?)(?:\/>|>([\s\S]*?)<\/c>)/g)) {
      const attrs = c[2] ?? "";
      const inner = c[3] ?? "";
      const v = /<v>([\s\S]*?)<\/v>/.exec(inner)?.[1];
      if (/t="s"/.test(attrs) && v !== undefined) cells.set(c[1] ?? "", shared[Number(v)] ?? "");
      else if (/t="inlineStr"/.test(attrs)) cells.set(c[1] ?? "", decode(/<t[^>]*>([\s\S]*?)<\/t>/.exec(inner)?.[1] ?? ""));
      else if (/t="str"/.test(attrs) && v !== undefined) cells.set(c[1] ?? "", decode(v));
      else if (v !== undefined) cells.set(c[1] ?? "", Number(v));
    }
    out.set(decode(sheet[1] ?? ""), cells);
  }
  return out;
}
