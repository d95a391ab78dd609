import { describe, expect, it } from "vitest";
import { formatPhone, formatRub, summarizeWeek } from "./format";

describe("formatRub", () => {
  it("shows whole roubles without kopecks and other amounts with two digits", () => {
    expect(formatRub(105000, "ru")).toBe("1\u00a0050 ₽");
    expect(formatRub(9950, "ru")).toBe("99,50 ₽");
    expect(formatRub(105000, "en")).toBe("1,050 ₽");
    expect(formatRub(0, "ru")).toBe("0 ₽");
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
