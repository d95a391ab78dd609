/**
 * D1 calls one region message spends on its day's shards (of an invocation's 1,000): each shard's tariff changes,
 * blocks and charge batches count against it, not a budget of their own, so a branch of hundreds of shards (Moscow's
 * 447 at the target: docs/capacity.md) is charged over as many messages as it takes, each from the shard and row the
 * last got to (daily.service.ts `runRegionDay`). Plain figures, free of Worker-only imports: `npm run capacity` reads them.
 */
export const CHARGE_CALLS_PER_MESSAGE = 700;
/**
 * A shard's day begins with its tariff changes and blocks due, a page of each at a time (four statements a change,
 * about ten a block's start and twenty a block's end with its applications' steps and notice): a day with more (the
 * first of September, when summer blocks end) goes on in a message of its own, from the shard's start again.
 */
export const MIDNIGHT_CHANGES_PAGE = 25;
export const MIDNIGHT_BLOCKS_PAGE = 10;
/** A message starts a shard only with this many calls left: its pages of changes and blocks at most, and a batch or two. */
export const SHARD_START_CALLS = MIDNIGHT_CHANGES_PAGE * 4 + MIDNIGHT_BLOCKS_PAGE * (10 + 20) + 20;
/**
 * Shards one region message reads for the region's first ledger day, where its first close starts (one query a shard:
 * daily.service.ts `closeMonths`). Volga's 976 shards at the target are read over 20 messages, each from the shard
 * the last got to, with the earliest day so far. The scan's messages do nothing else of the close; the month's first
 * close then goes on from its own resume, never back to the scan.
 */
export const FIRST_DAY_SHARDS_PER_MESSAGE = 50;
