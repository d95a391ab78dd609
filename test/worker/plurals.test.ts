import { describe, expect, it } from "vitest";
import { HELP_ARTICLES } from "../../worker/data/help.data";
import { BLOCK_RULES } from "../../worker/data/services.data";
import { articleText, blockPlaceholders } from "../../worker/features/help/help.service";
import { render, smsParts } from "../../worker/features/notifications/notifications.catalog";

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

  it("the help article on a voluntary block says «до 21 дня» and «21 день в году» where a region's rules say 21", () => {
    const article = HELP_ARTICLES.find((a) => a.id === "voluntary-block");
    if (!article) throw new Error("no voluntary-block article");
    const rules = { ...BLOCK_RULES, minDays: 1, maxDays: 21, freeDaysPerYear: 21, feePerDayKop: 300 };
    const ru = articleText(article.body.ru, blockPlaceholders(rules, "ru"));
    expect(ru).toContain("от 1 до 21 дня:");
    expect(ru).toContain("Бесплатно — 21 день в году");
    const en = articleText(article.body.en, blockPlaceholders({ ...rules, freeDaysPerYear: 1 }, "en"));
    expect(en).toContain("for 1 to 21 days:");
    expect(en).toContain("Free of charge: 1 day a year, then");
    const usual = articleText(article.body.ru, blockPlaceholders(BLOCK_RULES, "ru"));
    expect(usual).toContain("от 7 до 90 дней:");
    expect(usual).toContain("Бесплатно — 90 дней в году");
  });
});
