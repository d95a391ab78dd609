import { cleanup, render, screen } from "@solidjs/testing-library";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { TariffCard } from "../../web/src/features/tariffs/TariffCard";
import { I18nProvider, loadLang, loadMoreStrings, type MessageKey, translate } from "../../web/src/i18n";
import { en } from "../../web/src/i18n/en";
import { plural } from "../../web/src/i18n/plural";
import { ru } from "../../web/src/i18n/ru";
import { ruMore } from "../../web/src/i18n/ru.more";

beforeAll(async () => {
  await loadMoreStrings();
  await loadLang("en");
});
afterEach(cleanup);

describe("plural", () => {
  const points = { one: "балл", few: "балла", many: "баллов", other: "балла" };
  it("picks the Russian form by Intl.PluralRules: one, few, many", () => {
    const cases: [number, string][] = [
      [1, "балл"],
      [2, "балла"],
      [5, "баллов"],
      [11, "баллов"],
      [21, "балл"],
      [22, "балла"],
      [25, "баллов"],
      [111, "баллов"],
      [0, "баллов"],
      [1.5, "балла"],
    ];
    for (const [n, form] of cases) expect(plural("ru", n, points), String(n)).toBe(form);
  });
  it("picks the English form: one, other", () => {
    const forms = { one: "point", other: "points" };
    expect(plural("en", 1, forms)).toBe("point");
    expect(plural("en", 2, forms)).toBe("points");
    expect(plural("en", 0, forms)).toBe("points");
  });
});

describe("counted strings", () => {
  it("agree with the number in Russian", () => {
    expect(translate("ru", "bonus.points", { n: 383 })).toBe("Бонусы: 383 балла");
    expect(translate("ru", "bonus.points", { n: 1 })).toBe("Бонусы: 1 балл");
    expect(translate("ru", "bonus.points", { n: 11 })).toBe("Бонусы: 11 баллов");
    expect(translate("ru", "bonus.points", { n: 21 })).toBe("Бонусы: 21 балл");
    expect(translate("ru", "bonus.expiring", { n: 1 })).toBe("1 балл сгорит в ближайший месяц");
    expect(translate("ru", "bonus.expiring", { n: 25 })).toBe("25 баллов сгорят в ближайший месяц");
    expect(translate("ru", "bonus.confirm", { n: 2 })).toBe("Списать 2 балла?");
    expect(translate("ru", "bonus.rule.expiry", { months: 12 })).toBe("Баллы действуют 12 месяцев с начисления");
    expect(translate("ru", "bonus.rule.expiry", { months: 24 })).toBe("Баллы действуют 24 месяца с начисления");
    expect(translate("ru", "usage.status.ready", { rows: 24 })).toBe("Готов: 24 записи");
    expect(translate("ru", "usage.status.ready", { rows: 111 })).toBe("Готов: 111 записей");
    expect(translate("ru", "usage.status.ready", { rows: 1 })).toBe("Готов: 1 запись");
    expect(translate("ru", "tariffs.channels", { n: 102 })).toBe("102 канала");
    expect(translate("ru", "tariffs.channels", { n: 201 })).toBe("201 канал");
    expect(translate("ru", "promised.rules", { days: 3, max: "500 ₽" })).toContain("на 3 дня;");
    expect(translate("ru", "block.saving", { amount: "90 ₽", days: 21 })).toBe("Экономия 90 ₽ за 21 день");
    expect(translate("ru", "block.rules", { min: 1, max: 90, year: 21, free: 2, fee: "1 ₽", used: 22 })).toBe(
      "Правила: от 1 до 90 дней, не больше 21 дня в году, 2 дня в году бесплатно, далее 1 ₽ в день. В этом году использовано дней: 22.",
    );
  });

  it("agree with the number in English", () => {
    expect(translate("en", "bonus.points", { n: 1 })).toBe("Bonus: 1 point");
    expect(translate("en", "bonus.points", { n: 2 })).toBe("Bonus: 2 points");
    expect(translate("en", "bonus.expiring", { n: 1 })).toBe("1 point expires within a month");
    expect(translate("en", "usage.status.ready", { rows: 1 })).toBe("Ready: 1 record");
    expect(translate("en", "tariffs.channels", { n: 2 })).toBe("2 channels");
    expect(translate("en", "block.saving", { amount: "£1", days: 1 })).toBe("You save £1 over 1 day");
  });

  it("leave no hand-made plural in the dictionaries: a count before a noun goes through {n, plural, …}", () => {
    const counted =
      /\{\w+\}\s*(балл|запис|дн|дне|месяц|канал|минут|час|сч[её]т|заяв|файл|раз\b|points?\b|records?\b|days?\b|months?\b|channels?\b)/;
    const all = { ...ruMore, ...ru, ...Object.fromEntries(Object.entries(en).map(([k, v]) => [`en:${k}`, v])) } as Record<
      MessageKey,
      string
    >;
    expect(Object.entries(all).filter(([, v]) => counted.test(v))).toEqual([]);
  });

  it("parse: every counted string expands to plain text in both languages", () => {
    const params = { n: 22, rows: 22, days: 22, months: 22, min: 1, max: 22, year: 22, free: 22, used: 22 };
    for (const lang of ["ru", "en"] as const)
      for (const key of Object.keys(en) as MessageKey[]) {
        const text = translate(lang, key, params);
        expect(text, `${lang} ${key}`).not.toMatch(/plural|#/);
      }
  });
});

describe("a screen", () => {
  it("shows a tariff's channels with the agreeing form", () => {
    const tariff = {
      id: "msk-tv-102",
      kind: "tv" as const,
      name: { ru: "ТВ Базовый", en: "TV Basic" },
      description: { ru: "Каналы", en: "Channels" },
      priceKop: 35_000,
      speedMbps: null,
      tvChannels: 102,
      minutes: null,
      dataGb: null,
    };
    render(() => (
      <I18nProvider initial="ru">
        <TariffCard tariff={tariff} />
      </I18nProvider>
    ));
    expect(screen.getByRole("listitem").textContent).toBe("102 канала");
  });
});
