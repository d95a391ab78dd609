/**
 * Organisations one page of the monthly job queues (closing.service.ts `queueClosingPage`): one read and ten
 * `sendBatch` calls of 100, far inside an invocation's subrequests and memory at 0.7 M organisations
 * (docs/capacity.md), which one read of them all was not. Its own module so that the capacity model (Node) reads it.
 */
export const CLOSING_PAGE = 1_000;
/**
 * How long a chain of the monthly job's pages may go without a page before the hourly cron starts another (a page
 * message that was dead-lettered ends its chain): its page messages wait behind the organisations' messages the pages
 * before queued, on the same queue, so this is hours, not minutes.
 */
export const CLOSING_LEASE_STALE_MS = 3 * 3600_000;
