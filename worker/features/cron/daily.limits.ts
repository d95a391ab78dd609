/**
 * D1 calls one region message spends on its day's shards (of an invocation's 1,000): each shard's tariff changes,
 * blocks and charge batches count against it, not a budget of their own, so a branch of hundreds of shards (Moscow's
 * 447 at the target: docs/capacity.md) is charged over as many messages as it takes, each from the shard and row the
 * last got to (daily.service.ts `runRegionDay`). Plain figures, free of Worker-only imports: `npm run capacity` reads them.
 */
export const CHARGE_CALLS_PER_MESSAGE = 700;
/** A message starts a shard only with this many calls left (its tariff changes and blocks, and a batch or two). */
export const SHARD_START_CALLS = 60;
/**
 * Shards one region message reads for the region's first ledger day, where its first close starts (one query a shard:
 * daily.service.ts `closeMonths`). Volga's 976 shards at the target are read over 20 messages, each from the shard
 * the last got to, with the earliest day so far. The scan's messages do nothing else of the close; the month's first
 * close then goes on from its own resume, never back to the scan.
 */
export const FIRST_DAY_SHARDS_PER_MESSAGE = 50;
