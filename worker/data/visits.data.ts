/**
 * Technician visits (выезд специалиста): the 4-hour windows a visit is booked
 * in, and how many visits one region's technicians take per window per day.
 * Data, not code: a region with more crews gets its own number here.
 */
export const VISIT_WINDOWS = ["09-13", "13-17", "17-21"] as const;
export type VisitWindow = (typeof VISIT_WINDOWS)[number];

/** Visits per window per day when a region has no number of its own. */
export const VISIT_CAPACITY_DEFAULT = 3;
export const VISIT_CAPACITY: Readonly<Record<string, number>> = { msk: 6, spb: 5, mo: 4 };

/** A visit is moved or cancelled until this local hour of the day before it (the crews' routes are made then). */
export const VISIT_CUTOFF_HOUR = 18;

/** How many days ahead the page offers free windows. */
export const VISIT_DAYS_SHOWN = 14;

export function visitCapacity(region: string): number {
  return VISIT_CAPACITY[region] ?? VISIT_CAPACITY_DEFAULT;
}
