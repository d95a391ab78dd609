/**
 * The audit's move home (audit-drain.service.ts), as numbers the capacity model reads too (scripts/capacity.mts imports no
 * Worker code).
 */

/**
 * Shards one housekeeping run copies entries to: a global read and a shard's write each, 2 × 30 + 4 statements of the
 * run's invocation, beside the inbox's retention (RETENTION_STATEMENTS, 500), the notifications' drain (292 calls, up to 388 statements with its cursors: drain.limits.ts) and the
 * global tables' and message stores' expiry (some 30): within its 1,000 queries.
 */
export const AUDIT_DRAIN_SHARDS = 30;
/** Entries a shard's copy takes at most (one JSON parameter, a few hundred KB). */
export const AUDIT_DRAIN_PAGE = 500;
