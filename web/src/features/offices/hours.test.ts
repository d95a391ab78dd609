import { describe, expect, it } from "vitest";
import { openState } from "./hours";

const std = ["09:00-20:00", "09:00-20:00", "09:00-20:00", "09:00-20:00", "09:00-20:00", "10:00-18:00", null];

describe("openState", () => {
  it("answers in the office's time zone, not the device's", () => {
    // Tuesday 2026-12-01 10:30 UTC = 13:30 in Moscow (open), 20:30 in Vladivostok (closed since 20:00).
    const at = new Date("2026-12-01T10:30:00Z");
    expect(openState(std, "Europe/Moscow", at)).toEqual({ open: true, until: "20:00" });
    expect(openState(std, "Asia/Vladivostok", at)).toEqual({ open: false, opensDay: 2, opensAt: "09:00", today: false });
  });

  it("says when a closed office opens: later today, or the next working day", () => {
    // Saturday 2026-12-05 06:00 Moscow: opens at 10:00 today.
    expect(openState(std, "Europe/Moscow", new Date("2026-12-05T03:00:00Z"))).toEqual({
      open: false,
      opensDay: 5,
      opensAt: "10:00",
      today: true,
    });
    // Sunday: closed all day, opens Monday 09:00.
    expect(openState(std, "Europe/Moscow", new Date("2026-12-06T09:00:00Z"))).toEqual({
      open: false,
      opensDay: 0,
      opensAt: "09:00",
      today: false,
    });
    // The closing minute is closed.
    expect(openState(std, "Europe/Moscow", new Date("2026-12-01T17:00:00Z")).open).toBe(false);
    expect(openState([null, null, null, null, null, null, null], "Europe/Moscow", new Date())).toEqual({ open: false, opensDay: null });
  });
});
