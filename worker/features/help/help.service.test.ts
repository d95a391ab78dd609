import { describe, expect, it } from "vitest";
import { HELP_ARTICLES } from "../../data/help.data";
import { BLOCK_RULES } from "../../data/services.data";
import { articleText, blockPlaceholders } from "./help.service";

describe("days as people say them", () => {
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
