import { localEmail } from "../../adapters/email";
import { localSms } from "../../adapters/sms";
import { deadLetters } from "../../db/schema/global";
import { createDataAccess, type GlobalDb } from "../../platform/db";
import { log } from "../../platform/log";
import { NotificationMessage } from "./notifications.messages";

/** Backoff for a retried delivery: 10 s, 40 s, 90 s, ... capped at 15 minutes. */
export function retryDelaySeconds(attempts: number): number {
  return Math.min(900, 10 * attempts * attempts);
}

async function deliver(db: GlobalDb, msg: NotificationMessage): Promise<boolean> {
  if (msg.channel === "sms") return localSms(db).send(msg.to, msg.text, msg.dedupeKey);
  return localEmail(db).send(msg.to, msg.subject, msg.text, msg.dedupeKey);
}

/**
 * Delivers each message on its own: a malformed one is acked and recorded as
 * a dead letter at once (retrying cannot fix it); a failed delivery is retried
 * with backoff, and the queue moves it to the dead-letter queue after the last try.
 */
export async function consumeNotifications(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  const db = createDataAccess(env).global;
  for (const message of batch.messages) {
    const parsed = NotificationMessage.safeParse(message.body);
    if (!parsed.success) {
      await db
        .insert(deadLetters)
        .values({
          id: message.id,
          queue: batch.queue,
          body: JSON.stringify(message.body),
          attempts: message.attempts,
          failedAt: new Date(),
        })
        .onConflictDoNothing();
      log("warn", "notification.malformed", { messageId: message.id });
      message.ack();
      continue;
    }
    try {
      const sent = await deliver(db, parsed.data);
      log("info", sent ? "notification.sent" : "notification.duplicate", { messageId: message.id, channel: parsed.data.channel });
      message.ack();
    } catch (err) {
      log("error", "notification.failed", {
        messageId: message.id,
        attempts: message.attempts,
        error: err instanceof Error ? err.name : "unknown",
      });
      message.retry({ delaySeconds: retryDelaySeconds(message.attempts) });
    }
  }
}

/** Dead-letter queue: keep what could not be delivered for an operator, then ack. */
export async function consumeDeadLetters(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  const db = createDataAccess(env).global;
  for (const message of batch.messages) {
    await db
      .insert(deadLetters)
      .values({ id: message.id, queue: batch.queue, body: JSON.stringify(message.body), attempts: message.attempts, failedAt: new Date() })
      .onConflictDoNothing();
    log("warn", "dead_letter.stored", { messageId: message.id });
    message.ack();
  }
}
