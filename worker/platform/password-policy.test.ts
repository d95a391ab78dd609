import { describe, expect, it } from "vitest";
import { checkPassword } from "./password-policy";

describe("password policy (NIST SP 800-63B)", () => {
  it("accepts passphrases of any characters, with no composition rules", () => {
    expect(checkPassword("лось пьёт чай у реки", [])).toBeNull();
    expect(checkPassword("correct horse battery staple", [])).toBeNull();
    expect(checkPassword("Kabinet2026", [])).toBeNull();
    expect(checkPassword(`${"x".repeat(64).replace(/x/g, (_, i) => String.fromCharCode(97 + (i % 26)))}!`, [])).toBeNull();
  });
  it("refuses short, common and trivially guessable ones", () => {
    expect(checkPassword("Ab1!", [])).toBe("too_short");
    expect(checkPassword("password1", [])).toBe("common");
    expect(checkPassword("qwertyuiop", [])).toBe("common");
    expect(checkPassword("aaaaaaaaaaaa", [])).not.toBeNull();
    expect(checkPassword("x".repeat(300), [])).toBe("too_long");
  });
  it("refuses one containing the login, phone or email", () => {
    expect(checkPassword("sergey-petrov-42!", ["sergey.petrov@example.com", "sergey-petrov"])).toBe("contains_personal");
    expect(checkPassword("my9000000005pass", ["+79000000005"])).toBe("contains_personal");
  });
});
