import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { normalizeEmail, normalizePhone, parseIdentifier } from "./identifiers";
import { makeAccountNo } from "./ids";

describe("identifiers", () => {
  it("normalise every usual spelling of a Russian phone to E.164", () => {
    for (const v of ["+7 900 000-00-01", "8 (900) 000-00-01", "89000000001", "9000000001", " +7(900)0000001 "]) {
      expect(normalizePhone(v), v).toBe("+79000000001");
    }
    expect(normalizePhone("+1 212 555 0100")).toBeNull();
    expect(normalizePhone("12345")).toBeNull();
  });

  it("lower-case emails and refuse non-addresses", () => {
    expect(normalizeEmail("  Anna.Ivanova@Example.COM ")).toBe("anna.ivanova@example.com");
    expect(normalizeEmail("anna@")).toBeNull();
  });

  it("tell phones, emails, logins and account numbers apart", () => {
    const account = makeAccountNo("20100000001");
    expect(parseIdentifier("8 900 000 00 01")).toEqual({ kind: "phone", value: "+79000000001" });
    expect(parseIdentifier("ANNA@example.com")).toEqual({ kind: "email", value: "anna@example.com" });
    expect(parseIdentifier("Anna")).toEqual({ kind: "login", value: "anna" });
    expect(parseIdentifier(`${account.slice(0, 6)} ${account.slice(6)}`)).toEqual({ kind: "account", value: account });
    expect(parseIdentifier("201000000010")).toBeNull(); // 12 digits, wrong check digit
    expect(parseIdentifier("")).toBeNull();
  });

  it("never throw, whatever is typed", () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        parseIdentifier(s);
        return true;
      }),
    );
  });
});
