import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { idTime, isId, luhnCheckDigit, makeAccountNo, newId, parseAccountNo } from "./ids";

describe("account numbers", () => {
  it("are 12 digits whose last is the Luhn check digit", () => {
    expect(makeAccountNo("20100000001")).toMatch(/^\d{12}$/);
    expect(luhnCheckDigit("7992739871")).toBe(3); // the textbook Luhn example
    expect(parseAccountNo(makeAccountNo("20100000001"))).toBe(makeAccountNo("20100000001"));
  });

  it("accept the spaces and dashes people type", () => {
    const no = makeAccountNo("30200000004");
    expect(parseAccountNo(`${no.slice(0, 4)} ${no.slice(4, 8)}-${no.slice(8)}`)).toBe(no);
  });

  it("catch any single mistyped digit", () => {
    fc.assert(
      fc.property(fc.stringMatching(/^\d{11}$/), fc.integer({ min: 0, max: 11 }), fc.integer({ min: 1, max: 9 }), (body, pos, delta) => {
        const no = makeAccountNo(body);
        const wrong = no.slice(0, pos) + String((Number(no[pos]) + delta) % 10) + no.slice(pos + 1);
        return parseAccountNo(wrong) === null;
      }),
    );
  });

  it("refuse wrong lengths and letters", () => {
    expect(parseAccountNo("12345")).toBeNull();
    expect(parseAccountNo("20100000001a")).toBeNull();
    expect(() => makeAccountNo("123")).toThrow(RangeError);
  });
});

describe("ids", () => {
  it("are unique and sort by creation time", () => {
    const a = newId(1_000);
    const b = newId(2_000);
    expect(a).not.toBe(newId(1_000));
    expect(a < b).toBe(true);
    expect(a).toMatch(/^[0-9a-v]{26}$/);
  });

  it("give back the time they were made at; anything else is not an id", () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 48 - 1 }), (t) => idTime(newId(t)) === t));
    expect(isId(newId())).toBe(true);
    for (const s of ["", "x", newId().toUpperCase(), `${newId()}0`, "wwwwwwwwwwwwwwwwwwwwwwwwww", "'; DROP TABLE x;--"]) {
      expect(isId(s)).toBe(false);
      expect(idTime(s)).toBeNull();
    }
  });
});
