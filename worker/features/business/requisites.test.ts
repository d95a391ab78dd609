import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { checkRequisites, parseInn, parseKpp, parseOgrn, settlementAccountMatchesBik } from "./requisites";

// Real-format numbers: ПАО Сбербанк (ИНН 7707083893, ОГРН 1027700132195, БИК 044525225, корр. счёт
// 30101810400000000225), ООО «Яндекс» (7736207543, 1027700229193), the ФНС's sample person (500100732259) and ОГРНИП.
describe("ИНН", () => {
  it("accepts 10-digit (organisation) and 12-digit (person) numbers with right check digits, spaces allowed", () => {
    expect(parseInn("7707083893")).toBe("7707083893");
    expect(parseInn("7736 207 543")).toBe("7736207543");
    expect(parseInn("500100732259")).toBe("500100732259");
  });

  it("refuses a wrong check digit, a wrong length and letters", () => {
    expect(parseInn("7707083894")).toBeNull();
    expect(parseInn("500100732258")).toBeNull();
    expect(parseInn("500100732249")).toBeNull();
    expect(parseInn("770708389")).toBeNull();
    expect(parseInn("77070838930")).toBeNull();
    expect(parseInn("77070838AB")).toBeNull();
  });

  it("catches every single mistyped digit of a valid 10-digit number's check digit", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 9 }), (d) => {
        const typed = `770708389${d}`;
        expect(parseInn(typed) !== null).toBe(d === 3);
      }),
    );
  });
});

describe("ОГРН / ОГРНИП", () => {
  it("accepts a 13-digit ОГРН and a 15-digit ОГРНИП with right check digits", () => {
    expect(parseOgrn("1027700132195")).toBe("1027700132195");
    expect(parseOgrn("1027700229193")).toBe("1027700229193");
    expect(parseOgrn("304500116000157")).toBe("304500116000157");
  });

  it("refuses a wrong check digit or length", () => {
    expect(parseOgrn("1027700132196")).toBeNull();
    expect(parseOgrn("304500116000158")).toBeNull();
    expect(parseOgrn("10277001321950")).toBeNull();
  });
});

describe("КПП", () => {
  it("takes digits or Latin capitals in the reason part", () => {
    expect(parseKpp("773601001")).toBe("773601001");
    expect(parseKpp("7736AB001")).toBe("7736AB001");
    expect(parseKpp("77360100")).toBeNull();
    expect(parseKpp("7736АБ001")).toBeNull();
  });
});

describe("settlement account against БИК (control key)", () => {
  it("accepts accounts whose key matches the bank, and the bank's correspondent account at its settlement centre", () => {
    expect(settlementAccountMatchesBik("044525225", "40702810938000000001")).toBe(true);
    expect(settlementAccountMatchesBik("044525225", "40802810700000054321")).toBe(true);
  });

  it("refuses a mistyped digit and an account of another bank", () => {
    expect(settlementAccountMatchesBik("044525225", "40702810938000000002")).toBe(false);
    expect(settlementAccountMatchesBik("044525225", "40702810838000000001")).toBe(false);
    expect(settlementAccountMatchesBik("044525187", "40702810938000000001")).toBe(false);
  });
});

describe("requisites together", () => {
  const legal = {
    kind: "legal" as const,
    inn: "7707083893",
    kpp: "773601001",
    ogrn: "1027700132195",
    bik: "044525225",
    settlementAccount: "40702810938000000001",
  };

  it("accepts a legal entity's set and an entrepreneur's (no КПП, ОГРНИП)", () => {
    expect(checkRequisites(legal).ok).toBe(true);
    expect(
      checkRequisites({
        kind: "entrepreneur",
        inn: "500100732259",
        ogrn: "304500116000157",
        bik: "044525225",
        settlementAccount: "40802810700000054321",
      }).ok,
    ).toBe(true);
  });

  it("names every wrong field: a person's ИНН for a legal entity, no КПП, an ОГРНИП, an account of another bank", () => {
    const r = checkRequisites({ ...legal, inn: "500100732259", kpp: "", ogrn: "304500116000157", bik: "044525187" });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors.map((e) => e.field)).toEqual(["inn", "kpp", "ogrn", "settlementAccount"]);
  });
});
