/**
 * How long the copy of a subscriber's links and profile in their home shard is trusted (region `session_links`,
 * platform/session.ts). Every change of a link or of what the profile shows forgets it, before its global write and
 * after it, and a copy is kept only outside a change's window (`COPY_CHANGE_WINDOW_MS`): so a forget lost after a
 * change (a crash between the change and it) leaves no stale copy behind, and the copy need not expire soon. This bounds
 * what nothing forgets (a row changed by hand: docs/operations.md says how to forget it). Its own module so that the
 * capacity model (scripts/capacity.mts, in Node) reads it without the Worker's.
 */
export const LINKS_COPY_TTL_MS = 30 * 24 * 60 * 60 * 1000;

/**
 * How long a change of a subscriber's links or profile may take between the forget before it and its global write
 * (one D1 call, whose queries end within 30 s): while it is under way no copy is kept, and when the forget after it is
 * lost the window lapses and the next request reads the changed truth.
 */
export const COPY_CHANGE_WINDOW_MS = 10 * 60 * 1000;
