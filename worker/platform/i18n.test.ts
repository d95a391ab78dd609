import { describe, expect, it } from "vitest";
import { negotiateLang, t } from "./i18n";

const url = (q = "") => new URL(`http://msk.kabinet.localhost/${q}`);

describe("negotiateLang", () => {
  it("speaks Russian by default, whatever the browser asks for that we do not speak", () => {
    expect(negotiateLang(url(), undefined, null)).toBe("ru");
    expect(negotiateLang(url(), undefined, "de-DE,fr;q=0.8")).toBe("ru");
  });
  it("follows Accept-Language weights", () => {
    expect(negotiateLang(url(), undefined, "de;q=1, en;q=0.8, ru;q=0.5")).toBe("en");
    expect(negotiateLang(url(), undefined, "en;q=0.2, ru-RU")).toBe("ru");
  });
  it("prefers ?lang= over the cookie over the header", () => {
    expect(negotiateLang(url("?lang=en"), "ru", "ru")).toBe("en");
    expect(negotiateLang(url(), "en", "ru")).toBe("en");
    expect(negotiateLang(url("?lang=xx"), undefined, "en")).toBe("en");
  });
  it("fills placeholders", () => {
    expect(t("en", "problem.rate_limited.detail", { seconds: 30 })).toBe("Try again in 30 s.");
  });
});
