import { describe, expect, it } from "vitest";
import { BRANCHES, REGIONS } from "../data/regions.data";
import { detectRegion, localDay } from "./region";

describe("the regions catalogue", () => {
  it("has every federal subject once, in one of the eight branches, with a real time zone", () => {
    expect(REGIONS).toHaveLength(89);
    expect(new Set(REGIONS.map((r) => r.code)).size).toBe(89);
    const branches = new Set(BRANCHES.map((b) => b.code));
    for (const r of REGIONS) {
      expect(branches.has(r.branch), r.code).toBe(true);
      expect(r.code).toMatch(/^[a-z]+$/);
      expect(() => new Intl.DateTimeFormat("en", { timeZone: r.tz }), r.code).not.toThrow();
    }
  });
});

describe("detectRegion", () => {
  it("uses the ISO subdivision, then coordinates, then Moscow", () => {
    expect(detectRegion({ country: "RU", regionCode: "TA" }).region.code).toBe("kzn");
    expect(detectRegion({ country: "RU", latitude: "43.1", longitude: "131.9" }).region.code).toBe("vl");
    expect(detectRegion({ country: "DE", regionCode: "BE" })).toMatchObject({ by: "default", region: { code: "msk" } });
    expect(detectRegion(undefined).region.code).toBe("msk");
  });
});

describe("localDay", () => {
  it("is the region's calendar day: Kaliningrad, Moscow and Vladivostok differ around midnight", () => {
    const at = new Date("2026-03-31T21:30:00Z"); // 00:30 in Moscow, 23:30 in Kaliningrad, 07:30 in Vladivostok
    expect(localDay("Europe/Kaliningrad", at)).toBe("2026-03-31");
    expect(localDay("Europe/Moscow", at)).toBe("2026-04-01");
    expect(localDay("Asia/Vladivostok", at)).toBe("2026-04-01");
  });
});
