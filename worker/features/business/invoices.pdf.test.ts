import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import jsQR from "jsqr";
import { PNG } from "pngjs";
import { describe, expect, it } from "vitest";
import { ensurePdftotext } from "../../../scripts/chromium.mts";
import { qrPng } from "../../platform/png";
import { invoicePdf } from "./invoices.pdf";
import { gostPayload, purposeOf } from "./invoices.rules";

const FONTS = "node_modules/@expo-google-fonts/pt-sans/";
const font = (path: string) => {
  const b = readFileSync(FONTS + path);
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
};
const fonts = { regular: font("400Regular/PTSans_400Regular.ttf"), bold: font("700Bold/PTSans_700Bold.ttf") };
const PAYEE = {
  name: "ПАО «Кабинет Телеком»",
  personalAcc: "40702810200000012345",
  bankName: "ПАО Сбербанк",
  bic: "044525225",
  correspAcc: "30101810400000000225",
  payeeInn: "7707123458",
  kpp: "997750001",
};

describe("the payment QR as a PNG", () => {
  it("is a PNG that a QR reader decodes back to the payload, Cyrillic included", async () => {
    const text = gostPayload(PAYEE, purposeOf("СЧ-2026-000042", "2026-12-03", 16_67), 100_00);
    const png = PNG.sync.read(Buffer.from(await qrPng(text)));
    const decoded = jsQR(new Uint8ClampedArray(png.data), png.width, png.height);
    expect(decoded?.data).toBe(text);
  });
});

describe("the invoice PDF", () => {
  it("has the number, date, payee's bank details, payer, every line, total, VAT and the purpose in its text", async () => {
    const totalKop = 1_234_567;
    const vatKop = 2_226_27; // issued on 03.12.2026: 22/122 of 12 345,67 = 2 226,268… → 2 226,27
    const purpose = purposeOf("СЧ-2026-000042", "2026-12-03", vatKop);
    const bytes = await invoicePdf(
      fonts,
      {
        number: "СЧ-2026-000042",
        date: "2026-12-03",
        totalKop,
        vatKop,
        purpose,
        qrPayload: gostPayload(PAYEE, purpose, totalKop),
        lines: [
          { accountNo: "201900000013", region: "msk", amountKop: 617_284 },
          { accountNo: "302900000018", region: "spb", amountKop: 617_283 },
        ],
        payer: { name: "ООО «Северный ветер»", inn: "7704123450", kpp: "770401001", address: "119034, Москва, ул. Остоженка, д. 10" },
      },
      PAYEE,
    );
    const text = execFileSync(ensurePdftotext(), ["-layout", "-", "-"], { input: Buffer.from(bytes) }).toString("utf8");
    for (const expected of [
      "Счёт на оплату № СЧ-2026-000042 от 03.12.2026",
      "ПАО Сбербанк, БИК 044525225, корр. счёт 30101810400000000225",
      "расчётный счёт 40702810200000012345",
      "ООО «Северный ветер», ИНН 7704123450, КПП 770401001",
      "2019 0000 0013",
      "6 172,84",
      "6 172,83",
      "12 345,67",
      "В том числе НДС (22%):",
      "2 226,27",
      "Оплата по счёту № СЧ-2026-000042 от 03.12.2026 за услуги связи, в т.ч. НДС 22% 2 226,27 руб.",
    ])
      expect(text.replace(/\s+/g, " ")).toContain(expected);
  });
});
