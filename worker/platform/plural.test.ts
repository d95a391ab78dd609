import { describe, expect, it } from "vitest";
import { t } from "./i18n";
import { countOf, DAYS, DAYS_GENITIVE } from "./plural";

describe("plural", () => {
  it("agrees Russian days with the number: one, few, many", () => {
    expect([1, 2, 4, 5, 11, 12, 14, 21, 22, 25, 101, 111].map((n) => countOf("ru", n, DAYS.ru))).toEqual([
      "1 день",
      "2 дня",
      "4 дня",
      "5 дней",
      "11 дней",
      "12 дней",
      "14 дней",
      "21 день",
      "22 дня",
      "25 дней",
      "101 день",
      "111 дней",
    ]);
    expect([1, 3, 7, 21, 90].map((n) => `до ${countOf("ru", n, DAYS_GENITIVE.ru)}`)).toEqual([
      "до 1 дня",
      "до 3 дней",
      "до 7 дней",
      "до 21 дня",
      "до 90 дней",
    ]);
  });

  it("says 1 day and 2 days in English", () => {
    expect([0, 1, 2, 21].map((n) => countOf("en", n, DAYS.en))).toEqual(["0 days", "1 day", "2 days", "21 days"]);
  });

  it('makes the block\'s limits in error messages agree: «до 21 дня», «не больше 21 дня»; "1 day"', () => {
    expect(t("ru", "field.block.length", { min: 7, max: 21 })).toBe("Срок блокировки — от 7 до 21 дня");
    expect(t("ru", "field.block.length", { min: 7, max: 90 })).toBe("Срок блокировки — от 7 до 90 дней");
    expect(t("ru", "field.block.year", { max: 21 })).toBe("Не больше 21 дня блокировки за календарный год");
    expect(t("ru", "field.block.year", { max: 180 })).toBe("Не больше 180 дней блокировки за календарный год");
    expect(t("en", "field.block.length", { min: 1, max: 21 })).toBe("A block lasts from 1 to 21 days");
    expect(t("en", "field.block.year", { max: 1 })).toBe("At most 1 day of block in a calendar year");
  });
});
