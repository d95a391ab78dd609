import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { statementText } from "../../../test/worker/bank.fixture";
import { decodeSingleByte, decodeStatement, encodeWindows1251 } from "./bank.decode";
import { parseStatement, parseSumKop, StatementFormatError } from "./bank.parse";

const ALL_BYTES = Uint8Array.from({ length: 256 }, (_, b) => b);

describe("statement decoding", () => {
  it("decodes every byte of Windows-1251 and CP866 as ICU does", () => {
    expect(decodeSingleByte(ALL_BYTES, "windows-1251")).toBe(new TextDecoder("windows-1251").decode(ALL_BYTES));
    expect(decodeSingleByte(ALL_BYTES, "cp866")).toBe(new TextDecoder("ibm866").decode(ALL_BYTES));
  });

  it("reads the same statement from Windows-1251, CP866 and UTF-8 bytes", () => {
    const text = statementText([
      { number: "17", date: "01.03.2026", sum: "1500.00", purpose: "Оплата по счёту № СЧ-2026-000123, НДС 20 %" },
    ]);
    const cp1251 = decodeStatement(encodeWindows1251(text));
    const utf8 = decodeStatement(new TextEncoder().encode(text));
    const dosText = text.replace("Кодировка=Windows", "Кодировка=DOS");
    // CP866 has no «»: the bank's export writes them as "?", as here.
    const cp866 = new TextDecoder("ibm866").decode(ALL_BYTES);
    const dosBytes = Uint8Array.from([...dosText], (ch) => (cp866.includes(ch) ? cp866.indexOf(ch) : 0x3f));
    const dos = decodeStatement(dosBytes);
    expect(cp1251.encoding).toBe("windows-1251");
    expect(utf8.encoding).toBe("utf-8");
    expect(dos.encoding).toBe("cp866");
    expect(cp1251.text).toBe(text);
    expect(utf8.text).toBe(text);
    expect(dos.text).toBe([...dosText].map((ch) => (cp866.includes(ch) ? ch : "?")).join(""));
    expect(parseStatement(dos.text).documents[0]?.purpose).toBe("Оплата по счёту № СЧ-2026-000123, НДС 20 %");
    expect(parseStatement(cp1251.text).documents[0]?.purpose).toBe("Оплата по счёту № СЧ-2026-000123, НДС 20 %");
  });
});

describe("statement parsing", () => {
  it("reads sums in rubles as whole kopecks", () => {
    expect(parseSumKop("1500.00")).toBe(150000);
    expect(parseSumKop("1500,5")).toBe(150050);
    expect(parseSumKop("7")).toBe(700);
    for (const bad of ["", "1.234", "-5", "1 500.00", "12a", "1e3"]) expect(parseSumKop(bad)).toBeNull();
  });

  it("refuses any file cut short (no КонецФайла) at its last line, whatever it holds", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4 }), (n) => {
        const docs = Array.from({ length: n }, (_, i) => ({ number: String(i + 1), date: "01.03.2026", sum: "10.00", purpose: "x" }));
        const text = statementText(docs, { end: false });
        const lastLine = text.trimEnd().split("\r\n").length;
        try {
          parseStatement(text);
          return false;
        } catch (err) {
          return err instanceof StatementFormatError && err.reason === "missingEnd" && err.line === lastLine;
        }
      }),
    );
  });
});
