import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { OPERATOR } from "../../data/operator.data";
import { vatIncludedKop } from "../../platform/vat";
import { gostPayload, MAX_INVOICE_KOP, type Payee, parseGostPayload, purposeOf, resolveLines, rubles, splitEvenly } from "./invoices.rules";
import { parseBik, parseInn, parseKpp, settlementAccountMatchesBik } from "./requisites";

const PAYEE: Payee = {
  name: OPERATOR.name,
  personalAcc: OPERATOR.bank.settlementAccount,
  bankName: OPERATOR.bank.name,
  bic: OPERATOR.bank.bik,
  correspAcc: OPERATOR.bank.correspondentAccount,
  payeeInn: OPERATOR.inn,
  kpp: OPERATOR.kpp,
};

describe("splitting an invoice's total across accounts", () => {
  it("adds up to the total exactly, kopeck for kopeck, the parts differing by at most one kopeck", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: MAX_INVOICE_KOP }), fc.integer({ min: 1, max: 500 }), (total, n) => {
        const parts = splitEvenly(total, n);
        expect(parts).toHaveLength(n);
        expect(parts.reduce((s, p) => s + p, 0)).toBe(total);
        expect(Math.max(...parts) - Math.min(...parts)).toBeLessThanOrEqual(1);
        expect(parts.every((p) => Number.isInteger(p) && p >= 0)).toBe(true);
      }),
    );
  });

  it("keeps the given amounts and shares the rest of the total among the other lines, summing to the total", () => {
    fc.assert(
      fc.property(
        fc.array(fc.option(fc.integer({ min: 1, max: 1_000_000 }), { nil: undefined }), { minLength: 1, maxLength: 50 }),
        fc.integer({ min: 0, max: 100_000_000 }),
        (amounts, extra) => {
          const input = amounts.map((amountKop, i) => ({ accountNo: String(i), amountKop }));
          const fixed = amounts.reduce<number>((s, a) => s + (a ?? 0), 0);
          const open = amounts.filter((a) => a === undefined).length;
          const total = fixed + (open > 0 ? open + extra : 0);
          const got = resolveLines(input, total);
          if (!got.ok) throw new Error(got.message);
          expect(got.totalKop).toBe(total);
          expect(got.lines.reduce((s, l) => s + l.amountKop, 0)).toBe(total);
          got.lines.forEach((l, i) => {
            if (amounts[i] !== undefined) expect(l.amountKop).toBe(amounts[i]);
            else expect(l.amountKop).toBeGreaterThanOrEqual(1);
          });
        },
      ),
    );
  });

  it("refuses a total too small to give every line a kopeck, a total unlike the lines' sum, and no total to split", () => {
    expect(resolveLines([{ accountNo: "a" }, { accountNo: "b" }, { accountNo: "c" }], 2)).toMatchObject({ ok: false, field: "totalKop" });
    expect(resolveLines([{ accountNo: "a", amountKop: 100 }], 101)).toMatchObject({ ok: false, message: "field.invoiceTotalMismatch" });
    expect(resolveLines([{ accountNo: "a" }])).toMatchObject({ ok: false, field: "totalKop" });
    expect(
      resolveLines([
        { accountNo: "a", amountKop: MAX_INVOICE_KOP },
        { accountNo: "b", amountKop: 1 },
      ]),
    ).toMatchObject({
      ok: false,
      message: "field.invoiceTotal",
    });
  });
});

describe("the VAT an invoice includes (prices VAT-inclusive; 20 % until 2025, 22 % from 2026)", () => {
  it("is total × p / (100 + p) rounded half up to the kopeck at either rate, computed exactly (checked in BigInt)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: MAX_INVOICE_KOP }), fc.constantFrom(20 as const, 22 as const), (total, p) => {
        const d = BigInt(100 + p);
        const exact = (BigInt(total) * BigInt(p) * 2n + d) / (d * 2n); // ⌊x + ½⌋ of total·p/(100+p)
        expect(BigInt(vatIncludedKop(total, p))).toBe(exact);
      }),
    );
  });

  it("rounds the worked examples as an accountant would", () => {
    expect(vatIncludedKop(120_00, 20)).toBe(20_00);
    expect(vatIncludedKop(100_00, 20)).toBe(16_67); // 16.666…
    expect(vatIncludedKop(3, 20)).toBe(1); // 0.5 → 1 (half up)
    expect(vatIncludedKop(2, 20)).toBe(0); // 0.333…
    expect(vatIncludedKop(9, 20)).toBe(2); // 1.5 → 2
    expect(vatIncludedKop(122_00, 22)).toBe(22_00);
    expect(vatIncludedKop(100_00, 22)).toBe(18_03); // 18.032…
    expect(vatIncludedKop(1_000_01, 22)).toBe(180_33); // 180.330…
  });

  it("names the rate of the invoice's day in the purpose: 22 % from 1 January 2026, 20 % before", () => {
    expect(purposeOf("СЧ-2026-000001", "2026-01-01", 22_00)).toBe(
      "Оплата по счёту № СЧ-2026-000001 от 01.01.2026 за услуги связи, в т.ч. НДС 22% 22,00 руб.",
    );
    expect(purposeOf("СЧ-2025-000999", "2025-12-31", 20_00)).toBe(
      "Оплата по счёту № СЧ-2025-000999 от 31.12.2025 за услуги связи, в т.ч. НДС 20% 20,00 руб.",
    );
  });
});

describe("the payment QR's text (ГОСТ Р 56042-2014)", () => {
  it("uses valid operator requisites", () => {
    expect(parseInn(OPERATOR.inn)).toBe(OPERATOR.inn);
    expect(parseKpp(OPERATOR.kpp)).toBe(OPERATOR.kpp);
    expect(parseBik(OPERATOR.bank.bik)).toBe(OPERATOR.bank.bik);
    expect(settlementAccountMatchesBik(OPERATOR.bank.bik, OPERATOR.bank.settlementAccount)).toBe(true);
  });

  it("starts with ST00012| and carries every requisite, the purpose and the sum in kopecks", () => {
    const purpose = purposeOf("СЧ-2026-000123", "2026-12-03", 21_639);
    expect(purpose).toBe("Оплата по счёту № СЧ-2026-000123 от 03.12.2026 за услуги связи, в т.ч. НДС 22% 216,39 руб.");
    const text = gostPayload(PAYEE, purpose, 120_000);
    expect(text).toBe(
      `ST00012|Name=${OPERATOR.name}|PersonalAcc=40702810200000012345|BankName=ПАО Сбербанк|BIC=044525225|CorrespAcc=30101810400000000225|PayeeINN=7707123458|KPP=997750001|Purpose=${purpose}|Sum=120000`,
    );
    expect(parseGostPayload(text)).toEqual({
      version: "0001",
      encoding: "2",
      fields: {
        Name: OPERATOR.name,
        PersonalAcc: "40702810200000012345",
        BankName: "ПАО Сбербанк",
        BIC: "044525225",
        CorrespAcc: "30101810400000000225",
        PayeeINN: "7707123458",
        KPP: "997750001",
        Purpose: purpose,
        Sum: "120000",
      },
    });
  });

  it("keeps the mandatory block within 300 bytes and the purpose within 210 characters for the largest invoice", () => {
    const purpose = purposeOf("СЧ-2026-999999", "2026-12-31", vatIncludedKop(MAX_INVOICE_KOP, 22));
    expect(purpose.length).toBeLessThanOrEqual(210);
    const text = gostPayload(PAYEE, purpose, MAX_INVOICE_KOP);
    const mandatory = text.split("|PayeeINN=")[0] as string;
    expect(new TextEncoder().encode(mandatory).length).toBeLessThanOrEqual(300);
    expect(parseGostPayload(text)?.fields.Sum).toBe(String(MAX_INVOICE_KOP));
  });

  it("picks another separator when a value contains «|», and a parser reads the same fields back", () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 40 }), (name) => {
        fc.pre(name.trim().length > 0 && !/[\r\n]/.test(name));
        const payee = { ...PAYEE, name: `ООО ${name}`.trim() };
        let text: string;
        try {
          text = gostPayload(payee, "Оплата|услуг", 100);
        } catch (e) {
          // Only when every candidate separator occurs in the values.
          expect(String(e)).toContain("separator");
          return;
        }
        const separator = text[7] as string;
        expect(text.startsWith("ST00012")).toBe(true);
        expect(separator).not.toBe("|");
        const parsed = parseGostPayload(text);
        expect(parsed?.fields.Name).toBe(payee.name);
        expect(parsed?.fields.Purpose).toBe("Оплата|услуг");
      }),
    );
  });

  it("refuses a name longer than the standard allows and a bank name over 45 characters", () => {
    expect(() => gostPayload({ ...PAYEE, name: "Я".repeat(161) }, "x", 1)).toThrow(RangeError);
    expect(() => gostPayload({ ...PAYEE, bankName: "Б".repeat(46) }, "x", 1)).toThrow(RangeError);
  });

  it("prints roubles with thousands and kopecks", () => {
    expect(rubles(123_456_789)).toBe("1 234 567,89");
    expect(rubles(5)).toBe("0,05");
  });
});
