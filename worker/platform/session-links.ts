/**
 * How long the copy of a subscriber's links and profile in their home shard is trusted (region `session_links`,
 * platform/session.ts): every change of a link or of what the profile shows forgets it at once; this bounds a copy whose forgetting was lost (a crash between the change
 * and it). Its own module so that the capacity model (scripts/capacity.mts, in Node) reads it without the Worker's.
 */
export const LINKS_COPY_TTL_MS = 10 * 60 * 1000;
