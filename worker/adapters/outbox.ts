import { sql } from "drizzle-orm";
import { outbox } from "../db/schema/global";
import type { GlobalDb } from "../platform/db";
import { newId } from "../platform/ids";

/**
 * The dev outbox: where the local SMS and email adapters put what a real
 * gateway would deliver. Idempotent by `dedupeKey`: a redelivered queue
 * message does not send twice. Returns false when it was already there.
 */
export async function putInOutbox(
  db: GlobalDb,
  message: { channel: "sms" | "email"; to: string; subject?: string; body: string; html?: string; dedupeKey: string },
  now = new Date(),
): Promise<boolean> {
  const inserted = await db
    .insert(outbox)
    .values({
      id: newId(now.getTime()),
      channel: message.channel,
      recipient: message.to,
      subject: message.subject ?? null,
      body: message.body,
      html: message.html ?? null,
      dedupeKey: message.dedupeKey,
      createdAt: now,
    })
    .onConflictDoNothing({ target: outbox.dedupeKey })
    .returning({ id: outbox.id });
  return inserted.length > 0;
}

export const outboxCount = (db: GlobalDb) => db.select({ n: sql<number>`count(*)` }).from(outbox).get();
