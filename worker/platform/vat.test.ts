import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { vatIncludedKop, vatPercentOn, vatRateOn } from "./vat";

describe("the VAT rate on a day (425-ФЗ: 22 % from 1 January 2026)", () => {
  it("is 20 % to the last moment of 2025 in Moscow and 22 % from its midnight", () => {
    expect(vatPercentOn(new Date("2025-12-31T20:59:59.999Z"))).toBe(20);
    expect(vatPercentOn(new Date("2025-12-31T21:00:00Z"))).toBe(22); // 00:00 on 1 January, Moscow
    expect(vatRateOn(new Date("2025-12-31T20:59:59.999Z"))).toBe("20/120");
    expect(vatRateOn(new Date("2026-06-01T00:00:00Z"))).toBe("22/122");
  });

  it("takes a Moscow day or a month (its first day): December 2025 is 20 %, January 2026 and later 22 %", () => {
    expect(vatPercentOn("2025-12-31")).toBe(20);
    expect(vatPercentOn("2026-01-01")).toBe(22);
    expect(vatPercentOn("2025-12")).toBe(20);
    expect(vatPercentOn("2026-01")).toBe(22);
    expect(vatPercentOn("2026-11")).toBe(22);
    expect(() => vatPercentOn("December")).toThrow(RangeError);
  });
});

describe("the VAT inside a VAT-inclusive amount", () => {
  it("is amount × p/(100+p) rounded half away from zero at either rate, exactly (checked in BigInt)", () => {
    fc.assert(
      fc.property(fc.integer({ min: -10_000_000_000, max: 10_000_000_000 }), fc.constantFrom(20 as const, 22 as const), (amount, p) => {
        const d = BigInt(100 + p);
        const abs = BigInt(Math.abs(amount));
        const exact = (abs * BigInt(p) * 2n + d) / (d * 2n);
        expect(BigInt(vatIncludedKop(amount, p))).toBe(amount < 0 ? -exact : exact);
      }),
    );
  });

  it("gives the accountant's figures", () => {
    expect(vatIncludedKop(122_00, 22)).toBe(22_00);
    expect(vatIncludedKop(120_00, 20)).toBe(20_00);
    expect(vatIncludedKop(750_00, 22)).toBe(135_25); // 135.245… → 135.25
    expect(vatIncludedKop(3, 20)).toBe(1); // 0.5 → 1
    expect(vatIncludedKop(-3, 20)).toBe(-1);
  });
});
