/**
 * The most shards one probe checks. At the target there are 4,980 (docs/capacity.md): one query each would pass the
 * 1,000 D1 queries and subrequests an invocation may make, and load every database with a load balancer's probes. The
 * branches' home shards are checked every time (they hold the catalogues and cron progress); the others take turns,
 * `HEALTH_SHARDS` minus the home shards a probe, each probe going on from where the last stopped, so a failing shard
 * shows within `ceil(others / room)` probes (at the target, 89 probes; a probe is reused for 5 s).
 */
export const HEALTH_SHARDS = 64;
