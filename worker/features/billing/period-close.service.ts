import type { RegionDb } from "../../platform/db";
import { rawBatch } from "../../platform/db";
import { monthStart } from "../../platform/region";
import { closeMonthStatements, closePage } from "./ledger.service";

/** Accounts one close batch covers: three statements with a dozen parameters, whatever the page's size. */
export const CLOSE_PAGE = 200;

/**
 * Pages one queue message closes (a query and a three-statement batch each):
 * 50 × 200 = 10,000 accounts in about 200 D1 queries, leaving the rest of an
 * invocation's 1,000 to the day's other work. A larger region's month goes on
 * in a message of its own, from the last account closed.
 */
export const CLOSE_PAGES_PER_MESSAGE = 50;

/**
 * Closes `month` (YYYY-MM) for a region's accounts after `afterAccount`, a
 * page at a time, each page one atomic batch (ledger.ts `closeMonthStatements`).
 * `next` is the last account closed when the pages ran out before the
 * accounts did, null when the month is closed for every account. Safe to run
 * again from any point: a page already closed changes nothing.
 * `afterPage` is called after each page's batch (tests inject a crash there).
 */
export async function closeMonthPart(
  db: RegionDb,
  region: string,
  month: string,
  afterAccount: string,
  maxPages: number,
  now: Date,
  pageSize = CLOSE_PAGE,
  afterPage?: (lastAccount: string) => void,
): Promise<{ accounts: number; pages: number; next: string | null }> {
  let after = afterAccount;
  let closed = 0;
  for (let pages = 0; ; pages++) {
    if (pages >= maxPages) return { accounts: closed, pages, next: after };
    const page = await closePage(db, region, after, pageSize);
    const last = page[page.length - 1];
    if (last === undefined) return { accounts: closed, pages: pages + 1, next: null };
    await rawBatch(db, closeMonthStatements(region, month, after, last, now));
    closed += page.length;
    after = last;
    afterPage?.(last);
    if (page.length < pageSize) return { accounts: closed, pages: pages + 1, next: null };
  }
}

/** The month (YYYY-MM) after `month`. */
export function nextMonth(month: string): string {
  return monthStart(month, 1).slice(0, 7);
}

/**
 * The last month a region may close: the one before the month of the day up
 * to which every daily job is done (charges, the points of its last day and
 * the alerts that read its charges), or null while any job has never run.
 */
export function lastClosableMonth(done: (string | undefined)[]): string | null {
  if (done.some((d) => d === undefined)) return null;
  const least = (done as string[]).toSorted()[0] ?? "";
  const [y, m] = least.slice(0, 7).split("-").map(Number) as [number, number];
  return new Date(Date.UTC(y, m - 2, 1)).toISOString().slice(0, 7);
}
