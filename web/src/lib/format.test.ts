import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { dayInZone, formatDay, formatMoment, formatMonth, formatPhone, formatRub, summarizeWeek } from "./format";

describe("formatRub", () => {
  it("shows whole roubles without kopecks and other amounts with two digits", () => {
    expect(formatRub(105000, "ru")).toBe("1\u00a0050\u00a0₽");
    expect(formatRub(9950, "ru")).toBe("99,50\u00a0₽");
    expect(formatRub(105000, "en")).toBe("1,050\u00a0₽");
    expect(formatRub(0, "ru")).toBe("0\u00a0₽");
    expect(formatRub(-123456789, "ru")).toBe("-1\u00a0234\u00a0567,89\u00a0₽");
  });

  it("never lets an amount break between the number and «₽»", () => {
    fc.assert(
      fc.property(fc.integer({ min: -10_000_000_000, max: 10_000_000_000 }), fc.constantFrom("ru" as const, "en" as const), (kop, lang) => {
        expect(formatRub(kop, lang)).not.toMatch(/[ \t\n]/);
      }),
    );
  });

  it("writes every amount exactly as Intl.NumberFormat would", () => {
    fc.assert(
      fc.property(fc.integer({ min: -10_000_000_000, max: 10_000_000_000 }), fc.constantFrom("ru" as const, "en" as const), (kop, lang) => {
        const intl = new Intl.NumberFormat(lang === "ru" ? "ru-RU" : "en-GB", {
          minimumFractionDigits: kop % 100 === 0 ? 0 : 2,
          maximumFractionDigits: 2,
        }).format(kop / 100);
        expect(formatRub(kop, lang)).toBe(`${intl}\u00a0₽`);
      }),
    );
  });
});

describe("formatPhone", () => {
  it("writes free-phone numbers with 8 and mobile numbers with +7", () => {
    expect(formatPhone("+78007071212")).toBe("8 800 707-12-12");
    expect(formatPhone("+79000000001")).toBe("+7 900 000-00-01");
    expect(formatPhone("+4420")).toBe("+4420");
  });
});

describe("summarizeWeek", () => {
  const days = "Пн,Вт,Ср,Чт,Пт,Сб,Вс".split(",");
  it("groups days with the same hours", () => {
    const std = ["09:00-20:00", "09:00-20:00", "09:00-20:00", "09:00-20:00", "09:00-20:00", "10:00-18:00", null];
    expect(summarizeWeek(std, days, "выходной")).toBe("Пн–Пт 09:00–20:00; Сб 10:00–18:00; Вс выходной");
    expect(summarizeWeek(Array(7).fill("10:00-22:00"), days, "выходной")).toBe("Пн–Вс 10:00–22:00");
  });
});

describe("dates written out by hand", () => {
  const day = fc.date({ min: new Date("2000-01-01T00:00:00Z"), max: new Date("2099-12-31T23:59:59Z"), noInvalidDate: true });
  const langs = fc.constantFrom("ru" as const, "en" as const);
  const locale = (lang: "ru" | "en") => (lang === "ru" ? "ru-RU" : "en-GB");

  it("match Intl for days, months and moments", () => {
    fc.assert(
      fc.property(day, langs, (d, lang) => {
        const iso = d.toISOString();
        expect(formatDay(iso.slice(0, 10), lang)).toBe(
          new Intl.DateTimeFormat(locale(lang), { day: "numeric", month: "long", year: "numeric", timeZone: "UTC" }).format(d),
        );
        expect(formatMonth(iso.slice(0, 7), lang)).toBe(
          new Intl.DateTimeFormat(locale(lang), { month: "long", year: "numeric", timeZone: "UTC" }).format(d),
        );
        expect(formatMoment(iso, lang)).toBe(
          d.toLocaleString(locale(lang), { day: "numeric", month: "long", hour: "2-digit", minute: "2-digit" }),
        );
      }),
    );
  });
});

describe("dayInZone", () => {
  it("gives the region's day, not the browser's: after 21:00 UTC it is already tomorrow in Moscow", () => {
    const late = new Date("2026-12-01T21:30:00Z");
    expect(dayInZone("UTC", 0, late)).toBe("2026-12-01");
    expect(dayInZone("Europe/Moscow", 0, late)).toBe("2026-12-02");
    expect(dayInZone("Europe/Moscow", 1, late)).toBe("2026-12-03");
    expect(dayInZone("Asia/Vladivostok", 0, new Date("2026-12-31T14:00:00Z"))).toBe("2027-01-01");
    expect(dayInZone("Europe/Moscow", 30, new Date("2026-02-10T12:00:00Z"))).toBe("2026-03-12");
  });
});
