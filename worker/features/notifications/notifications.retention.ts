import { and, eq, inArray, lt, notExists, sql } from "drizzle-orm";
import { DEAD_LETTER_RETENTION_MS } from "../../adapters/provider-messages";
import { deadLetters, deliveries, inbox } from "../../db/schema/global";
import type { GlobalDb } from "../../platform/db";

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
/** Statements per table and run: 20 of the 1,000 queries an invocation may make, 20,000 rows a run at most. */
export const RETENTION_PAGES = 10;

/** The oldest moment an inbox message may be from at `now` (the same day and time 12 months earlier, UTC). */
export function inboxCutoff(now: Date): Date {
  const at = new Date(now);
  at.setUTCMonth(at.getUTCMonth() - INBOX_RETENTION_MONTHS);
  return at;
}

/** Whether a dead-lettered message of the row's event is still kept (an operator may replay it). */
const replayable = (db: GlobalDb, eventId: typeof inbox.eventId | typeof deliveries.eventId) =>
  db.select({ one: sql`1` }).from(deadLetters).where(eq(deadLetters.eventId, eventId));

/** The oldest moment a dead letter may have failed at `now` and still be replayed (DEAD_LETTER_RETENTION_MS). */
export const deadLetterCutoff = (now: Date) => new Date(now.getTime() - DEAD_LETTER_RETENTION_MS);

/**
 * Deletes dead letters past 21 days (first: their events' rows may go in the same run), inbox messages past 12 months
 * and delivery rows past 90 days, oldest first, in pages of `page` rows (one DELETE … WHERE rowid IN (SELECT … LIMIT)
 * along `dead_letters_failed_idx` / `inbox_created_idx` / `deliveries_updated_idx`), at most `pages` statements per
 * table: a backlog is worked off over several runs. Safe to run any number of times.
 */
export async function expireNotifications(
  db: GlobalDb,
  now = new Date(),
  { page = RETENTION_PAGE, pages = RETENTION_PAGES }: { page?: number; pages?: number } = {},
): Promise<{ deadLetters: number; inbox: number; deliveries: number; statements: number }> {
  const deadLettersBefore = deadLetterCutoff(now);
  const inboxBefore = inboxCutoff(now);
  const deliveriesBefore = new Date(now.getTime() - DELIVERY_RETENTION_MS);
  const deadLettersPage = () =>
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
      .run();
  const inboxPage = () =>
    db
      .delete(inbox)
      .where(
        inArray(
          sql`rowid`,
          db
            .select({ r: sql`rowid` })
            .from(inbox)
            .where(and(lt(inbox.createdAt, inboxBefore), notExists(replayable(db, inbox.eventId))))
            .orderBy(inbox.createdAt)
            .limit(page),
        ),
      )
      .run();
  const deliveriesPage = () =>
    db
      .delete(deliveries)
      .where(
        inArray(
          sql`rowid`,
          db
            .select({ r: sql`rowid` })
            .from(deliveries)
            .where(and(lt(deliveries.updatedAt, deliveriesBefore), notExists(replayable(db, deliveries.eventId))))
            .orderBy(deliveries.updatedAt)
            .limit(page),
        ),
      )
      .run();
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
  const removedDeadLetters = await drain(deadLettersPage);
  const removedInbox = await drain(inboxPage);
  const removedDeliveries = await drain(deliveriesPage);
  return { deadLetters: removedDeadLetters, inbox: removedInbox, deliveries: removedDeliveries, statements };
}
