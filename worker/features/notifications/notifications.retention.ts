import { and, type Column, inArray, isNotNull, lt, not, sql } from "drizzle-orm";
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";
import { DEAD_LETTER_RETENTION_MS } from "../../adapters/provider-messages";
import { deadLetters, globalDeliveries, globalInbox } from "../../db/schema/global";
import { deliveries, inbox } from "../../db/schema/region";
import { type DataAccess, inList, type RegionDb, type ShardBinding } from "../../platform/db";
import { log } from "../../platform/log";

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * How long the in-app inbox keeps a message: 12 months. The seed (/work/shared/seed/) states no period for the
 * notifications a subscriber is shown; a year covers every yearly event (the autopay notices, a renewal) and what a
 * subscriber looks back for, and the statements and history keep the money for longer. Expired messages are neither
 * listed nor counted as unread (`inboxCutoff`), even before housekeeping has deleted them.
 */
export const INBOX_RETENTION_MONTHS = 12;

/**
 * How long a delivery row (one channel of one event: its status, attempts and detail) is kept: 90 days. Who reads
 * them: the consumer, whose push claim makes a redelivered queue message a no-op (Queues keep a message at most
 * 14 days: https://developers.cloudflare.com/queues/platform/limits/), and an operator looking into failed pushes
 * (docs/observability.md: a 30-minute alert). Rows of an event kept in `dead_letters` stay while it is there: an
 * operator may replay it, and its deliveries must still say what was already sent.
 */
export const DELIVERY_RETENTION_MS = 90 * DAY_MS;

/** Rows one statement deletes (D1: 30 s per query; a thousand rows and their index entries take milliseconds). */
export const RETENTION_PAGE = 1_000;
/** Statements per table, database and run: at most 10,000 rows of a table deleted from one database a run. */
export const RETENTION_PAGES = 10;
/**
 * Statements one run may spend on the shards' inbox and deliveries (half an invocation's 1,000 queries; the drain
 * takes at most 292 calls more, 29 a table of its ten and 2 for their cursors (up to 388 statements with the cards', passkeys' and links' checks), and the audit's move home 64: AUDIT_DRAIN_SHARDS): a run visits RETENTION_STATEMENTS / (2 × pages) shards (25 at the defaults), the next run the
 * next ones. At the capacity model's 2,874 shards each is visited about every 29 hours and may lose 10,000 rows a
 * table a visit: about 8,350 a day, where a shard's 21,954 accounts write about 7,200 delivery rows a day
 * (docs/capacity.md §5).
 */
export const RETENTION_STATEMENTS = 500;
/** How often housekeeping runs (its cron, every 15 minutes): the step between two runs' first shards. */
const RUN_MS = 15 * 60 * 1000;
/**
 * Events with a dead-lettered message one run protects, at most: their ids go to each shard's delete as one JSON
 * parameter (D1: 2 MB a value). With more dead letters than this (an incident), the run deletes no inbox or
 * delivery row and says so; the dead letters expire in 21 days and the deletes resume.
 */
export const PROTECTED_EVENTS_MAX = 10_000;

/** The oldest moment an inbox message may be from at `now` (the same day and time 12 months earlier, UTC). */
export function inboxCutoff(now: Date): Date {
  const at = new Date(now);
  at.setUTCMonth(at.getUTCMonth() - INBOX_RETENTION_MONTHS);
  return at;
}

/** The oldest moment a dead letter may have failed at `now` and still be replayed (DEAD_LETTER_RETENTION_MS). */
export const deadLetterCutoff = (now: Date) => new Date(now.getTime() - DEAD_LETTER_RETENTION_MS);

/** The shards a run at `now` visits: `count` of them, from where the run before stopped (a rotation by the clock). */
export function shardsOfRun(shards: readonly ShardBinding[], now: Date, count: number): ShardBinding[] {
  if (shards.length <= count) return [...shards];
  const start = (Math.floor(now.getTime() / RUN_MS) * count) % shards.length;
  return Array.from({ length: count }, (_, i) => shards[(start + i) % shards.length] as ShardBinding);
}

/**
 * Deletes dead letters past 21 days (first: their events' rows may go in the same run), then inbox messages past
 * 12 months and delivery rows past 90 days, oldest first, in pages of `page` rows (one DELETE … WHERE rowid IN
 * (SELECT … LIMIT) along `inbox_created_idx` / `deliveries_updated_idx`), at most `pages` statements per table and
 * database: in the subscribers' home shards (a share of them a run: `shardsOfRun`) and in the global tables the
 * shards' rows came from, until they are drained (notifications.drain.ts). Rows of an event whose message is still
 * in `dead_letters` stay (an operator may replay it): their ids are read once from the global database. A backlog
 * is worked off over several runs. Safe to run any number of times.
 */
export async function expireNotifications(
  data: DataAccess,
  now = new Date(),
  { page = RETENTION_PAGE, pages = RETENTION_PAGES, shards }: { page?: number; pages?: number; shards?: readonly ShardBinding[] } = {},
): Promise<{ deadLetters: number; inbox: number; deliveries: number; statements: number }> {
  const db = data.global;
  const deadLettersBefore = deadLetterCutoff(now);
  const inboxBefore = inboxCutoff(now);
  const deliveriesBefore = new Date(now.getTime() - DELIVERY_RETENTION_MS);
  let statements = 0;
  const drain = async (next: () => Promise<D1Result>) => {
    let removed = 0;
    for (let i = 0; i < pages; i++) {
      const n = (await next()).meta.changes;
      statements++;
      removed += n;
      if (n < page) break;
    }
    return removed;
  };
  const removedDeadLetters = await drain(() =>
    db
      .delete(deadLetters)
      .where(
        inArray(
          sql`rowid`,
          db
            .select({ r: sql`rowid` })
            .from(deadLetters)
            .where(lt(deadLetters.failedAt, deadLettersBefore))
            .orderBy(deadLetters.failedAt)
            .limit(page),
        ),
      )
      .run(),
  );
  const kept = await db
    .selectDistinct({ eventId: deadLetters.eventId })
    .from(deadLetters)
    .where(isNotNull(deadLetters.eventId))
    .limit(PROTECTED_EVENTS_MAX + 1);
  statements++;
  if (kept.length > PROTECTED_EVENTS_MAX) {
    log("warn", "retention.dead_letters_over_max", { max: PROTECTED_EVENTS_MAX });
    return { deadLetters: removedDeadLetters, inbox: 0, deliveries: 0, statements };
  }
  const protectedEvents = kept.map((k) => k.eventId as string);
  // The global tables have the shards' columns and indexes (worker/db/schema/global.ts): the same statements serve them.
  const targets: { db: RegionDb; inbox: typeof inbox; deliveries: typeof deliveries }[] = [
    {
      db: db as unknown as RegionDb,
      inbox: globalInbox as unknown as typeof inbox,
      deliveries: globalDeliveries as unknown as typeof deliveries,
    },
    ...shardsOfRun(shards ?? data.shards, now, Math.max(1, Math.floor(RETENTION_STATEMENTS / (2 * pages)))).map((s) => ({
      db: data.shard(s),
      inbox,
      deliveries,
    })),
  ];
  let removedInbox = 0;
  let removedDeliveries = 0;
  for (const t of targets) {
    const unprotected = (column: Column) => (protectedEvents.length ? not(inList(column, protectedEvents)) : undefined);
    // One page of the table's rows older than `before` by `at`, oldest first, along that column's index.
    const oldestPage = (table: typeof inbox | typeof deliveries, at: SQLiteColumn, before: Date, eventId: Column) => () =>
      t.db
        .delete(table)
        .where(
          inArray(
            sql`rowid`,
            t.db
              .select({ r: sql`rowid` })
              .from(table)
              .where(and(lt(at, before), unprotected(eventId)))
              .orderBy(at)
              .limit(page),
          ),
        )
        .run();
    removedInbox += await drain(oldestPage(t.inbox, t.inbox.createdAt, inboxBefore, t.inbox.eventId));
    removedDeliveries += await drain(oldestPage(t.deliveries, t.deliveries.updatedAt, deliveriesBefore, t.deliveries.eventId));
  }
  return { deadLetters: removedDeadLetters, inbox: removedInbox, deliveries: removedDeliveries, statements };
}
