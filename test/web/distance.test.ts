// @vitest-environment node
import { describe, expect, it } from "vitest";
import { distanceKm, formatDistance } from "../../web/src/features/offices/distance";

describe("distance to an office", () => {
  it("is the great-circle distance, in the words a person reads", () => {
    // Moscow (Tverskaya 7) to Saint Petersburg (Nevsky 54): about 634 km.
    expect(distanceKm({ lat: 55.7584, lon: 37.6119 }, { lat: 59.9343, lon: 30.3351 })).toBeCloseTo(634, -1);
    expect(distanceKm({ lat: 55.75, lon: 37.6 }, { lat: 55.75, lon: 37.6 })).toBe(0);
    expect(formatDistance(0.347, "ru")).toBe("350\u00a0м");
    expect(formatDistance(1.24, "ru")).toBe("1,2\u00a0км");
    expect(formatDistance(1.24, "en")).toBe("1.2\u00a0km");
    expect(formatDistance(23.6, "ru")).toBe("24\u00a0км");
  });
});
