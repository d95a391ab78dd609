/** Days in the month of a YYYY-MM-DD day. */
export function daysInMonth(day: string): number {
  const [y, m] = day.split("-").map(Number) as [number, number];
  return new Date(Date.UTC(y, m, 0)).getUTCDate();
}

/**
 * The charge for day `d` of a month of `days` days for a monthly price in
 * kopecks: a difference of floors, so the days of a month add up to the
 * price exactly (no kopeck created or lost by rounding).
 */
export function dailyChargeKop(monthlyKop: number, d: number, days: number): number {
  return Math.floor((monthlyKop * d) / days) - Math.floor((monthlyKop * (d - 1)) / days);
}
