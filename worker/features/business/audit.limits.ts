/**
 * The audit's move home (audit.drain.ts), as numbers the capacity model reads too (scripts/capacity.mts imports no
 * Worker code).
 */

/** Shards one housekeeping run copies entries to (a statement each, of an invocation's 1,000 queries). */
export const AUDIT_DRAIN_SHARDS = 60;
/** Entries a shard's copy takes at most (one JSON parameter, a few hundred KB). */
export const AUDIT_DRAIN_PAGE = 500;
