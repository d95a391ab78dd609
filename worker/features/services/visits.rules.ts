import { VISIT_CUTOFF_HOUR } from "../../data/visits.data";
import { addDays, localDay, regionTz, tzOffsetMs } from "../../platform/region";
import type * as q from "./applications.queries";
import { OPEN_STATUSES } from "./applications.queries";

/** The last moment a visit on `day` can be moved or cancelled: 18:00 local the day before. */
export function visitCutoff(region: string, day: string): Date {
  const naive = Date.parse(`${addDays(day, -1)}T${String(VISIT_CUTOFF_HOUR).padStart(2, "0")}:00:00Z`);
  return new Date(naive - tzOffsetMs(regionTz(region), new Date(naive)));
}

const OPEN = OPEN_STATUSES as readonly string[];

/** The visit of an application as the page shows it, or null when there is none. */
export function visitOf(app: q.Application, now = new Date()) {
  if (!app.preferredDay || !app.preferredSlot) return null;
  const cutoff = visitCutoff(app.region, app.preferredDay);
  return {
    day: app.preferredDay,
    slot: app.preferredSlot,
    cutoffAt: cutoff.toISOString(),
    /** The same cutoff as the region's clock reads it: this hour of the day before. */
    cutoffHour: VISIT_CUTOFF_HOUR,
    changeable: OPEN.includes(app.status) && now < cutoff,
  };
}

/** The first day a visit can be booked for now: one whose cutoff has not passed. */
export function firstBookableDay(region: string, now: Date): string {
  const tomorrow = addDays(localDay(regionTz(region), now), 1);
  return now < visitCutoff(region, tomorrow) ? tomorrow : addDays(tomorrow, 1);
}
