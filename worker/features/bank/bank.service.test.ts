import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { referencesIn, splitProRata } from "./bank.service";

describe("matching rules", () => {
  it("splits any payment over an invoice's lines pro rata, in kopecks that sum to the payment exactly", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10_000_000_000 }),
        fc.array(fc.integer({ min: 1, max: 1_000_000_000 }), { minLength: 1, maxLength: 12 }),
        (amountKop, amounts) => {
          const lines = amounts.map((a, i) => ({ accountNo: String(100000000000 + i), amountKop: a }));
          const split = splitProRata(amountKop, lines);
          const total = amounts.reduce((s, a) => s + a, 0);
          expect(split.reduce((s, x) => s + x.amountKop, 0)).toBe(amountKop);
          for (const s of split) {
            const exact = (amountKop * (lines.find((l) => l.accountNo === s.accountNo)?.amountKop ?? 0)) / total;
            expect(Math.abs(s.amountKop - exact)).toBeLessThan(1.000001);
          }
          if (amountKop === total) expect(split).toEqual(lines.filter((l) => l.amountKop > 0));
        },
      ),
    );
  });

  it("finds invoice numbers (Cyrillic or Latin С) and valid account numbers in a purpose, not the payer's ИНН", () => {
    expect(referencesIn("Оплата по счету CЧ-2026-000123 от 01.03.2026", "")).toEqual({ invoiceNos: ["СЧ-2026-000123"], accountNos: [] });
    // 201900000013 is a valid account number (Luhn); 201900000019 is not.
    expect(referencesIn("Абонентская плата, л/с 201900000013 и 201900000019").accountNos).toEqual(["201900000013"]);
    expect(referencesIn("Оплата ИП 201900000013", "201900000013").accountNos).toEqual([]);
  });
});
