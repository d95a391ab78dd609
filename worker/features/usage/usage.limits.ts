// How long usage is shown and kept, and which months D1 keeps per day: a module of its own, without the Worker's
// imports, so that `npm run capacity` (Node) reads the same figures the code runs on.

import { monthStart } from "../../platform/region";

/** Detail is kept and shown for this many months back (the region's calendar). */
export const RETENTION_MONTHS = 6;
/** 126-ФЗ art. 64: metadata of calls, messages and data sessions is kept three years, then removed (the 15-minute cron). */
export const STORAGE_MONTHS = 36;

/**
 * The oldest month (YYYY-MM) whose usage totals D1 keeps per day on `today` (a region-local day): the oldest the
 * screen, its reports and the advisor may ask for. An older month keeps a **month row** per service, category and
 * direction instead (`usage_daily_totals` with `local_day` = YYYY-MM, which sorts before the month's days and so is
 * in no range of days that starts in its month or later; nothing reads days before this month): a mobile number's month is ~158 day rows and ~12 month rows. Its records stay whole in
 * its R2 object until it expires.
 */
export function firstDailyMonth(today: string): string {
  return monthStart(today, -RETENTION_MONTHS).slice(0, 7);
}

/**
 * Day rows of months before this one (YYYY-MM, on `today` in Moscow's calendar) are folded into month rows by
 * housekeeping: a month after they stopped being written (the ingest writes month rows for a month before
 * {@link firstDailyMonth}), so a day row written by a batch that reckoned the month a moment before it turned is
 * never folded beside the month rows of one that reckoned it after, whatever the region's time zone.
 */
export function foldBeforeMonth(today: string): string {
  return monthStart(today, -RETENTION_MONTHS - 1).slice(0, 7);
}
