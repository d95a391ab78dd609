/**
 * The most shards one probe checks. At the target there are 4,980 (docs/capacity.md): one query each would pass the
 * 1,000 D1 queries and subrequests an invocation may make, and load every database with a load balancer's probes. The
 * branches' home shards are checked every time (they hold the catalogues and cron progress); of the others, a run of
 * `HEALTH_SHARDS` minus the home shards a probe, from a place drawn from the probe's 5-second slot: a failing shard is
 * in a given probe's share with a chance of room / others (56 in 4,972 at the target: 1.1 %; within 300 probes, at one
 * a 10 s, 97 %).
 */
export const HEALTH_SHARDS = 64;
