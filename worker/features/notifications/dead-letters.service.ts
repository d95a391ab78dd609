import { and, eq, gte } from "drizzle-orm";
import { deadLetters } from "../../db/schema/global";
import type { GlobalDb } from "../../platform/db";
import { AppError } from "../../platform/errors";
import { log } from "../../platform/log";
import { NotificationMessage } from "./notifications.messages";
import { deadLetterCutoff } from "./notifications.retention";
import type { NotificationQueue } from "./notifications.service";

/**
 * Puts a dead-lettered notification message back on the notifications queue and removes it from `dead_letters`
 * (operations.md, "Replay the dead-letter queue"). Its deliveries are idempotent by their dedupe keys, and an SMS or
 * email by its provider row, which lives 30 days: a dead letter that failed longer ago than DEAD_LETTER_RETENTION_MS
 * (21 days) is refused with a 409, as the housekeeping would have deleted it. The row is taken in one statement
 * (DELETE … RETURNING), so two replays at once send it once; if the queue refuses it, it is put back.
 */
export async function replayDeadLetter(db: GlobalDb, queue: NotificationQueue, id: string, now = new Date()) {
  const [row] = await db
    .delete(deadLetters)
    .where(and(eq(deadLetters.id, id), gte(deadLetters.failedAt, deadLetterCutoff(now))))
    .returning();
  if (!row) {
    const old = await db.select({ failedAt: deadLetters.failedAt }).from(deadLetters).where(eq(deadLetters.id, id)).get();
    if (!old) throw new AppError(404, "not_found");
    throw new AppError(409, "dead_letter_expired", { days: Math.floor((now.getTime() - old.failedAt.getTime()) / 86_400_000) });
  }
  let body: unknown;
  try {
    body = JSON.parse(row.body);
  } catch {
    body = undefined;
  }
  const parsed = NotificationMessage.safeParse(body);
  try {
    // Only a notification goes back here; another queue's message (billing, reports, usage) is replayed by hand.
    if (!parsed.success) throw new AppError(409, "dead_letter_not_notification");
    await queue.send(parsed.data);
  } catch (err) {
    const { eventId: _generated, ...stored } = row;
    await db.insert(deadLetters).values(stored).onConflictDoNothing();
    throw err;
  }
  log("info", "dead_letter.replayed", { id: row.id, channel: parsed.data.channel });
  return { id: row.id, channel: parsed.data.channel, eventId: "eventId" in parsed.data ? (parsed.data.eventId ?? null) : null };
}
