/** Whether an office is open at a moment, in its region's time zone, and when that changes. */
export type OpenState =
  | { open: true; until: string }
  | { open: false; opensDay: number; opensAt: string; today: boolean }
  | { open: false; opensDay: null };

/** Monday-first weekday (0–6) and "HH:MM" of a moment in a time zone. */
export function localClock(tz: string, at: Date): { day: number; time: string } {
  const parts = new Intl.DateTimeFormat("en-GB", {
    timeZone: tz,
    weekday: "short",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  }).formatToParts(at);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? "";
  const day = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"].indexOf(get("weekday"));
  return { day, time: `${get("hour")}:${get("minute")}` };
}

/**
 * Open now? `hours` is Monday first, "HH:MM-HH:MM" or null (closed), in the
 * region's local time — so the answer is computed in `tz`, not the device's zone.
 */
export function openState(hours: readonly (string | null)[], tz: string, at: Date): OpenState {
  const { day, time } = localClock(tz, at);
  const today = hours[day];
  if (today) {
    const [from = "", to = ""] = today.split("-");
    if (time >= from && time < to) return { open: true, until: to };
    if (time < from) return { open: false, opensDay: day, opensAt: from, today: true };
  }
  for (let i = 1; i <= 7; i++) {
    const d = (day + i) % 7;
    const h = hours[d];
    if (h) return { open: false, opensDay: d, opensAt: h.split("-")[0] ?? "", today: false };
  }
  return { open: false, opensDay: null };
}
