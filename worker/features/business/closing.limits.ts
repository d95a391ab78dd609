/**
 * Organisations one page of the monthly job queues (closing.service.ts `queueClosingPage`): one read and ten
 * `sendBatch` calls of 100, far inside an invocation's subrequests and memory at 0.7 M organisations
 * (docs/capacity.md), which one read of them all was not. Its own module so that the capacity model (Node) reads it.
 */
export const CLOSING_PAGE = 1_000;
