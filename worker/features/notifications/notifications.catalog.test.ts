import { describe, expect, it } from "vitest";
import { render, smsParts } from "./notifications.catalog";

const runsOut = (lang: "ru" | "en", days: number) => render("runs_out", lang, "201000000012", { balanceKop: 45_000, days });

describe("days as people say them", () => {
  it("«хватит на N дней» agrees with the number in the title, the text and the SMS", () => {
    const cases: Array<[number, string]> = [
      [1, "1 день"],
      [3, "3 дня"],
      [5, "5 дней"],
      [11, "11 дней"],
      [21, "21 день"],
    ];
    for (const [days, words] of cases) {
      const t = runsOut("ru", days);
      expect(t.title).toBe(`Денег хватит на ${words}`);
      expect(t.body).toBe(`По счёту 2010 0000 0012 баланса 450,00 ₽ хватит примерно на ${words}.`);
      expect(t.sms).toContain(`денег хватит на ${words}.`);
      expect(smsParts(t.sms)).toBe(1);
    }
  });

  it("says 1 more day and 2 more days in English", () => {
    expect(runsOut("en", 1).title).toBe("Money lasts 1 more day");
    expect(runsOut("en", 1).body).toContain("lasts about 1 day.");
    expect(runsOut("en", 1).sms).toMatch(/money lasts 1 day$/);
    expect(runsOut("en", 2).title).toBe("Money lasts 2 more days");
    expect(runsOut("en", 2).sms).toMatch(/money lasts 2 days$/);
  });
});
