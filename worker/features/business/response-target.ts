import {
  BUSINESS_CATEGORIES,
  type BusinessTicketCategory,
  PUBLIC_HOLIDAYS,
  type ResponseTarget,
  WORKING_HOURS,
} from "../../data/business-support.data";
import { addDays, tzOffsetMs } from "../../platform/region";

const HOUR_MS = 3_600_000;

/** Whether a local calendar day (YYYY-MM-DD) is a working day: Monday to Friday and not a public holiday. */
export function isWorkingDay(day: string): boolean {
  const weekday = new Date(`${day}T00:00:00Z`).getUTCDay();
  return weekday !== 0 && weekday !== 6 && !PUBLIC_HOLIDAYS.has(day.slice(5));
}

/**
 * `hours` of working time after `from` in the time zone `tz`: the working day is 09:00–18:00 local on working days,
 * so a request filed on Friday at 16:00 with 9 working hours is due on Monday at 16:00, and one filed at night or on
 * a day off starts counting when the next working day opens.
 */
export function addWorkingHours(tz: string, from: Date, hours: number): Date {
  let remaining = hours * HOUR_MS;
  let at = from.getTime();
  // Russian zones keep one offset all year; a year of days off in a row is not a calendar.
  for (let i = 0; i < 400; i++) {
    const offset = tzOffsetMs(tz, new Date(at));
    const wall = at + offset;
    const day = new Date(wall).toISOString().slice(0, 10);
    const open = Date.parse(`${day}T00:00:00Z`) + WORKING_HOURS.from * HOUR_MS;
    const close = Date.parse(`${day}T00:00:00Z`) + WORKING_HOURS.to * HOUR_MS;
    if (isWorkingDay(day) && wall < close) {
      const start = Math.max(wall, open);
      if (remaining <= close - start) return new Date(start + remaining - offset);
      remaining -= close - start;
    }
    at = Date.parse(`${addDays(day, 1)}T00:00:00Z`) - offset;
  }
  throw new Error("no working day within a year");
}

/** When a response is due for a target, counted from `from` in the region's time zone. */
export function dueBy(target: ResponseTarget, tz: string, from: Date): Date {
  return "hours" in target ? new Date(from.getTime() + target.hours * HOUR_MS) : addWorkingHours(tz, from, target.workingHours);
}

/** The response-time target of a business request of this category filed at `from` in a region of zone `tz`. */
export function responseDue(category: BusinessTicketCategory, tz: string, from: Date): Date {
  return dueBy(BUSINESS_CATEGORIES[category].target, tz, from);
}
