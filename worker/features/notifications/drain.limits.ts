/**
 * The upgrade's drain of the global notification tables (notifications.drain.ts), as numbers the capacity model reads
 * too (scripts/capacity.mts imports no Worker code).
 */

/** Rows a page reads from the global table (each shard's share goes in one statement as one JSON parameter). */
export const DRAIN_PAGE = 500;
/**
 * The tables it drains: the inbox, deliveries, push subscriptions, the directories of applications and of chats and
 * requests, notification choices and settings, saved cards and passkeys, and links to identity providers.
 */
export const DRAIN_TABLES = 10;
/**
 * D1 calls one run may spend on the drain, per table (of an invocation's 1,000): 290 over its ten tables (up to 377
 * statements: the cards', passkeys' and links' batches check what the shard holds, and the links' what their identity
 * stores hold), and 2 calls a run for the tables' cursors (up to 11 statements), beside the inbox's retention, the
 * expiry and the audit's move (business/audit.limits.ts).
 */
export const DRAIN_CALLS = 29;
