import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { XMLParser } from "fast-xml-parser";
import { describe, expect, it } from "vitest";
import { vatPercentOn } from "../../platform/vat";
import {
  type ChargeLine,
  type ClosingDoc,
  correctionLines,
  currentState,
  type Parties,
  rubXml,
  splitVat,
  totalsOf,
  updLines,
  vatOf,
} from "./closing.document";
import { closingPdf } from "./closing.pdf";
import { encodeWindows1251, updFileId, updXml } from "./closing.xml";

const FONTS_DIR = "node_modules/@expo-google-fonts/pt-sans";
const fonts = () => {
  const read = (p: string) => {
    const b = readFileSync(join(FONTS_DIR, p));
    return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
  };
  return { regular: read("400Regular/PTSans_400Regular.ttf"), bold: read("700Bold/PTSans_700Bold.ttf") };
};

const PARTIES: Parties = {
  seller: {
    name: "ПАО «Кабинет Телеком»",
    inn: "7703123457",
    kpp: "770301001",
    address: "123112, г. Москва, Пресненская наб., д. 12",
    edoId: "2KB-7703123457770301001",
  },
  buyer: { name: "ООО «Северный ветер»", inn: "7707083893", kpp: "773601001", address: "Москва, ул. Тверская, д. 1", kind: "legal" },
  signer: { position: "Главный бухгалтер", lastName: "Соколова", firstName: "Ирина", middleName: "Викторовна" },
  contract: { number: "org-demo-veter", date: "2026-01-15" },
};

const CHARGES: ChargeLine[] = [
  { accountNo: "500000000010", region: "msk", serviceId: "s1", name: "Домашний интернет 500", kop: 85_000 },
  { accountNo: "500000000010", region: "msk", serviceId: "s2", name: "ТВ Базовый", kop: 35_001 },
  { accountNo: "780000000012", region: "spb", serviceId: "s3", name: "Мобильный «Бизнес»", kop: 59_999 },
];

/** A month's УПД; the rate is the period's: 20 % for December 2025, 22 % for any month of 2026. */
function upd(charges = CHARGES, period = "2026-11"): ClosingDoc {
  const lines = updLines(charges, vatPercentOn(period));
  const [y, m] = period.split("-").map(Number) as [number, number];
  const last = new Date(Date.UTC(y, m, 0)).toISOString().slice(0, 10);
  return {
    id: "doc1",
    kind: "upd",
    number: `УПД-${y}-000007`,
    period,
    docDate: last,
    ...totalsOf(lines),
    parties: PARTIES,
    fileGuid: "0b6c3a3e-6a0e-4f59-9d1d-1c2f0e4a7b11",
    createdAt: new Date("2026-12-01T06:05:09Z"),
    lines,
  };
}

describe("VAT of a closing document", () => {
  it("is round(total × p/(100+p)) for the document at either rate, and the lines add up to it exactly", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 5_000_000 }), { minLength: 1, maxLength: 60 }),
        fc.constantFrom(20 as const, 22 as const),
        (amounts, p) => {
          const vat = splitVat(amounts, p);
          const total = amounts.reduce((s, a) => s + a, 0);
          expect(vat.reduce((s, v) => s + v, 0)).toBe(Math.round((total * p) / (100 + p)));
          // No line is more than a kopeck away from its exact share.
          for (const [i, v] of vat.entries()) expect(Math.abs(v - ((amounts[i] as number) * p) / (100 + p))).toBeLessThan(1);
        },
      ),
    );
    expect(vatOf(120_00, 20)).toBe(20_00);
    expect(vatOf(122_00, 22)).toBe(22_00);
    expect(vatOf(-3, 20)).toBe(-vatOf(3, 20));
    expect(vatOf(-1_000_01, 22)).toBe(-180_33);
  });

  it("a correction carries exactly the change between the documents' lines and the ledger's charges now", () => {
    const line = fc.record({
      accountNo: fc.constantFrom("500000000010", "780000000012"),
      serviceId: fc.constantFrom("a", "b", "c"),
      kop: fc.integer({ min: 0, max: 900_000 }),
    });
    fc.assert(
      fc.property(
        fc.array(line, { maxLength: 6 }),
        fc.array(line, { maxLength: 6 }),
        fc.constantFrom(20 as const, 22 as const),
        (first, later, p) => {
          const dedupe = (ls: typeof first) => [
            ...new Map(ls.map((l) => [`${l.accountNo}|${l.serviceId}`, { ...l, region: "msk", name: l.serviceId }])).values(),
          ];
          const original = updLines(dedupe(first), p);
          const now = dedupe(later);
          const fix = correctionLines(currentState([{ revision: 0, lines: original }]), now, p);
          expect(totalsOf(original).totalKop + totalsOf(fix).totalKop).toBe(now.reduce((s, l) => s + l.kop, 0));
          // Applied, the correction leaves nothing more to correct.
          const state = currentState([
            { revision: 0, lines: original },
            { revision: 1, lines: fix },
          ]);
          expect(correctionLines(state, now, p)).toEqual([]);
        },
      ),
    );
  });
});

describe("the УПД in the ФНС format 5.03", () => {
  const parse = (bytes: Uint8Array) =>
    new XMLParser({ ignoreAttributes: false, attributeNamePrefix: "@", parseAttributeValue: false, isArray: (n) => n === "СведТов" }).parse(
      new TextDecoder("windows-1251").decode(bytes),
    );

  it("is windows-1251 XML with the root Файл, version 5.03, КНД 1115131 СЧФДОП, and sums that agree", () => {
    const doc = upd();
    const bytes = encodeWindows1251(updXml(doc));
    // Cyrillic is one byte a letter: «Файл» is D4 E0 E9 EB.
    const head = new TextDecoder("latin1").decode(bytes.slice(0, 60));
    expect(head).toContain('encoding="windows-1251"');
    expect([...bytes.slice(bytes.indexOf(0x3c, 10) + 1, bytes.indexOf(0x3c, 10) + 5)]).toEqual([0xd4, 0xe0, 0xe9, 0xeb]);
    const x = parse(bytes);
    const file = x.Файл;
    expect(file["@ВерсФорм"]).toBe("5.03");
    expect(file["@ВерсПрог"]).toBeTruthy();
    expect(file["@ИдФайл"]).toBe(updFileId(doc));
    expect(file["@ИдФайл"]).toMatch(/^ON_NSCHFDOPPR_2KB-7707083893773601001_2KB-7703123457770301001_20261130_[0-9a-f-]{36}$/);
    const d = file.Документ;
    expect(d["@КНД"]).toBe("1115131");
    expect(d["@Функция"]).toBe("СЧФДОП");
    expect(d["@ДатаИнфПр"]).toBe("01.12.2026");
    expect(d["@ВремИнфПр"]).toBe("09.05.09");
    expect(d["@НаимЭконСубСост"]).toContain("Кабинет Телеком");
    const sf = d.СвСчФакт;
    expect(sf["@НомерДок"]).toBe("УПД-2026-000007");
    expect(sf["@ДатаДок"]).toBe("30.11.2026");
    expect(sf.СвПрод.ИдСв.СвЮЛУч).toMatchObject({ "@НаимОрг": "ПАО «Кабинет Телеком»", "@ИННЮЛ": "7703123457", "@КПП": "770301001" });
    expect(sf.СвПрод.Адрес.АдрИнф["@АдрТекст"]).toContain("Пресненская");
    expect(sf.СвПокуп.ИдСв.СвЮЛУч).toMatchObject({ "@НаимОрг": "ООО «Северный ветер»", "@ИННЮЛ": "7707083893", "@КПП": "773601001" });
    expect(sf.ДенИзм["@КодОКВ"]).toBe("643");
    const rows = d.ТаблСчФакт.СведТов as Record<string, unknown>[];
    expect(rows).toHaveLength(3);
    const kop = (s: unknown) => Math.round(Number(s) * 100);
    let net = 0;
    let vat = 0;
    let gross = 0;
    for (const r of rows) {
      expect(r["@НалСт"]).toBe("22%");
      expect(r["@ОКЕИ_Тов"]).toBe("876");
      const tax = kop((r.СумНал as { СумНал: string }).СумНал);
      expect(kop(r["@СтТовБезНДС"]) + tax).toBe(kop(r["@СтТовУчНал"]));
      net += kop(r["@СтТовБезНДС"]);
      vat += tax;
      gross += kop(r["@СтТовУчНал"]);
    }
    const all = d.ТаблСчФакт.ВсегоОпл;
    expect(kop(all["@СтТовУчНалВсего"])).toBe(gross);
    expect(gross).toBe(85_000 + 35_001 + 59_999);
    expect(kop(all["@СтТовБезНДСВсего"])).toBe(net);
    expect(kop(all.СумНалВсего.СумНал)).toBe(vat);
    // November 2026: 22 % (425-ФЗ), 1 800,00 × 22/122 = 324,59.
    expect(vat).toBe(Math.round((gross * 22) / 122));
    expect(vat).toBe(324_59);
    expect(d.СвПродПер.СвПер.ОснПер["@РеквНомерДок"]).toBe("org-demo-veter");
    expect(d.Подписант.ФИО["@Фамилия"]).toBe("Соколова");
    expect(rubXml(-5)).toBe("-0.05");
  });

  it("keeps 20 % for the services of December 2025 and takes 22 % from January 2026 (the rate of the period)", () => {
    for (const [period, rate, vatKop] of [
      ["2025-12", "20%", 300_00],
      ["2026-01", "22%", 324_59],
    ] as const) {
      const d = parse(encodeWindows1251(updXml(upd(CHARGES, period)))).Файл.Документ;
      const rows = d.ТаблСчФакт.СведТов as Record<string, unknown>[];
      expect(
        rows.map((r) => r["@НалСт"]),
        period,
      ).toEqual([rate, rate, rate]);
      expect(Math.round(Number(d.ТаблСчФакт.ВсегоОпл.СумНалВсего.СумНал) * 100), period).toBe(vatKop);
      const lineVat = rows.reduce((s, r) => s + Math.round(Number((r.СумНал as { СумНал: string }).СумНал) * 100), 0);
      expect(lineVat, period).toBe(vatKop);
    }
  });

  it("keeps characters windows-1251 lacks as character references, and escapes markup", () => {
    const doc = upd([{ accountNo: "500000000010", region: "msk", serviceId: "s1", name: "Wi‑Fi <5 ГГц> & “Ω”", kop: 100 }]);
    const x = parse(encodeWindows1251(updXml(doc)));
    // The parser decodes &lt; &gt; &amp; and leaves numeric references as written.
    expect(x.Файл.Документ.ТаблСчФакт.СведТов[0]["@НаимТов"]).toBe(
      "Услуги связи «Wi&#8209;Fi <5 ГГц> & “&#937;”», лицевой счёт 500000000010, за ноябрь 2026",
    );
  });
});

function pdfText(bytes: Uint8Array): string {
  const path = join(tmpdir(), `closing-${process.pid}-${Math.random().toString(36).slice(2)}.pdf`);
  writeFileSync(path, bytes);
  return execFileSync("pdftotext", ["-layout", path, "-"], { encoding: "utf8" });
}

/**
 * What a reader sees, not the text layer: every word of page 1 (three or more letters or digits, as pdftotext finds
 * it with its box) rendered at 150 dpi has ink in its box — at least 4 dark pixels a character. A font whose glyphs
 * have no outlines prints blanks while pdftotext still reads the text.
 */
function wordsWithoutInk(bytes: Uint8Array): string[] {
  const path = join(tmpdir(), `closing-ink-${process.pid}-${Math.random().toString(36).slice(2)}.pdf`);
  writeFileSync(path, bytes);
  const html = execFileSync("pdftotext", ["-bbox", "-f", "1", "-l", "1", path, "-"], { encoding: "utf8" });
  const pgm = execFileSync("pdftoppm", ["-gray", "-r", "150", "-f", "1", "-l", "1", path], { maxBuffer: 64 * 1024 * 1024 });
  const head = /^P5\s+(\d+)\s+(\d+)\s+\d+\s/.exec(pgm.subarray(0, 40).toString("latin1"));
  const [width, offset] = [Number(head?.[1]), head?.[0].length ?? 0];
  const scale = 150 / 72;
  const blank: string[] = [];
  for (const m of html.matchAll(/<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)<\/word>/g)) {
    const word = (m[5] ?? "").replace(/&[a-z]+;/g, "");
    const letters = word.replace(/[^0-9A-Za-zА-Яа-яЁё]/g, "").length;
    if (letters < 3) continue;
    const [x0, y0, x1, y1] = [m[1], m[2], m[3], m[4]].map((v) => Math.round(Number(v) * scale)) as [number, number, number, number];
    let ink = 0;
    for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) if ((pgm[offset + y * width + x] as number) < 128) ink++;
    if (ink < letters * 4) blank.push(word);
  }
  return blank;
}

describe("the printed УПД and УКД", () => {
  it("draws every word it prints (the font's glyphs are there, not only the text layer)", async () => {
    expect(wordsWithoutInk(await closingPdf(fonts(), upd()))).toEqual([]);
  });

  it("has the number, the parties with ИНН/КПП, the currency, every line and the totals", async () => {
    const doc = upd();
    const text = pdfText(await closingPdf(fonts(), doc));
    expect(text).toContain("Универсальный передаточный документ");
    expect(text).toContain("УПД-2026-000007 от 30.11.2026");
    expect(text).toMatch(/Статус:\s+1/);
    expect(text).toContain("7703123457/770301001");
    expect(text).toContain("7707083893/773601001");
    expect(text).toContain("ООО «Северный ветер»");
    expect(text).toContain("Российский рубль, код 643");
    expect(text).toContain("код ОКЕИ 876 — условная единица");
    const lines = text.split("\n");
    for (const l of doc.lines) {
      const row = (lines.find((s) => s.includes(`л/с ${l.accountNo} «${l.nameRu}»`)) ?? "").trim().split(/\s{2,}/);
      const rub = (kop: number) => (kop / 100).toFixed(2).replace(".", ",");
      const net = rub(l.amountKop - l.vatKop);
      expect(row.slice(-7), l.nameRu).toEqual(["876", "1", net, net, "22%", rub(l.vatKop), rub(l.amountKop)]);
    }
    const total = (lines.find((s) => s.includes("Всего к оплате")) ?? "").trim().split(/\s{2,}/);
    // November 2026, 1 800,00 with VAT: 324,59 VAT (22/122), 1 475,41 without.
    expect(total.slice(-4)).toEqual(["1 475,41", "X", "324,59", "1 800,00"]);
    expect(text).toMatch(/Стр\. 1 из \d+/);
  });

  it("prints the rate of the period: 20 % on a УПД for December 2025, with 300,00 VAT in 1 800,00", async () => {
    const doc = upd(CHARGES, "2025-12");
    const lines = pdfText(await closingPdf(fonts(), doc)).split("\n");
    for (const l of doc.lines) {
      const row = (lines.find((s) => s.includes(`л/с ${l.accountNo} «${l.nameRu}»`)) ?? "").trim().split(/\s{2,}/);
      expect(row.at(-3), l.nameRu).toBe("20%");
    }
    const total = (lines.find((s) => s.includes("Всего к оплате")) ?? "").trim().split(/\s{2,}/);
    expect(total.slice(-4)).toEqual(["1 500,00", "X", "300,00", "1 800,00"]);
  });

  it("a correction names the document it corrects and shows each line before and after and the change", async () => {
    const original = upd();
    const now = CHARGES.map((c, i) => (i === 0 ? { ...c, kop: c.kop - 12_000 } : c));
    const lines = correctionLines(currentState([{ revision: 0, lines: original.lines }]), now, 22);
    const doc: ClosingDoc = {
      ...original,
      id: "doc2",
      kind: "ukd",
      number: "УКД-2026-000001",
      docDate: "2026-12-10",
      ...totalsOf(lines),
      lines,
      corrects: { number: original.number, docDate: original.docDate },
    };
    expect(doc.totalKop).toBe(-12_000);
    const text = pdfText(await closingPdf(fonts(), doc));
    expect(text).toContain("Универсальный корректировочный документ");
    expect(text).toContain("УКД-2026-000001 от 10.12.2026");
    expect(text).toContain("УПД-2026-000007 от 30.11.2026");
    const row = (text.split("\n").find((s) => s.includes("Домашний интернет")) ?? "").trim().split(/\s{2,}/);
    // November 2026 at 22 %: 850,00 carried 153,28 VAT (its share of the УПД's), 730,00 carries 131,64 (22/122).
    expect(row.slice(-6)).toEqual(["696,72", "598,36", "153,28", "131,64", "850,00", "730,00"]);
    const total = (text.split("\n").find((s) => s.includes("Всего уменьшение")) ?? "").trim().split(/\s{2,}/);
    expect(total.slice(-3)).toEqual(["98,36", "21,64", "120,00"]);
  });
});
