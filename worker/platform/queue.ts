import { log } from "./log";

/** Backoff for a retried queue message (a delivery, a report, a webhook, a region's day): 10 s, 40 s, 90 s, ... capped at 15 minutes. */
export function retryDelaySeconds(attempts: number): number {
  return Math.min(900, 10 * attempts * attempts);
}

/** The `billing` queue (its role; each environment prefixes it): region days of the daily charge and the sandbox acquirer's webhook deliveries. */
export const BILLING_QUEUE = "kabinet-billing";

/**
 * Queues' limits on one `sendBatch` (<https://developers.cloudflare.com/queues/platform/limits/>): 100 messages and
 * 256 KB in all. The bytes are counted as the body's JSON in UTF-8 plus a margin per message for its metadata, and a
 * batch stops short of the limit (a Cyrillic letter is two bytes: a hundred messages of 1,500 letters pass it).
 */
export const SEND_BATCH_MESSAGES = 100;
export const SEND_BATCH_BYTES = 240_000;
const METADATA_BYTES = 128;

const utf8 = new TextEncoder();

/** The messages split into batches that `sendBatch` takes, in order (each message once). */
export function sendBatches<M extends { body: unknown }>(messages: readonly M[]): M[][] {
  const batches: M[][] = [];
  let batch: M[] = [];
  let bytes = 0;
  for (const m of messages) {
    const size = utf8.encode(JSON.stringify(m.body)).length + METADATA_BYTES;
    if (batch.length > 0 && (batch.length >= SEND_BATCH_MESSAGES || bytes + size > SEND_BATCH_BYTES)) {
      batches.push(batch);
      batch = [];
      bytes = 0;
    }
    batch.push(m);
    bytes += size;
  }
  if (batch.length > 0) batches.push(batch);
  return batches;
}

/** Sends the messages in as few `sendBatch` calls as Queues' limits allow; returns the calls made. */
export async function sendInBatches<M extends { body: unknown }>(
  queue: { sendBatch(messages: M[]): Promise<unknown> },
  messages: readonly M[],
): Promise<number> {
  const batches = sendBatches(messages);
  for (const batch of batches) await queue.sendBatch(batch);
  return batches.length;
}

/**
 * Calls one Worker invocation may make on Workers Paid: 1,000 D1 queries
 * (<https://developers.cloudflare.com/d1/platform/limits/>), and 1,000 operations on Cloudflare's services such as
 * KV and R2 together (<https://developers.cloudflare.com/kv/platform/limits/>); fetches and queue sends are
 * subrequests (10,000, <https://developers.cloudflare.com/workers/platform/limits/>). A consumer counts all of them
 * against the smallest, which keeps it inside each.
 */
export const CALLS_PER_INVOCATION = 1_000;

/** Kept back from an invocation's budget to hand the rest of a batch on (a `sendBatch` per 100 messages or 240 KB). */
export const HAND_ON_CALLS = 10;

/**
 * The head of a batch whose most possible calls fit the budget, and the rest. A consumer works the head and hands
 * the rest on as new messages, so one invocation of a full batch never passes the platform's limit (which would
 * fail every message of the batch, again on each retry, until all are dead-lettered). Messages keep their order,
 * and the first is always worked, so a batch always moves.
 */
export function splitByBudget<T>(items: readonly T[], cost: (item: T) => number, budget: number): { work: T[]; handOn: T[] } {
  let spent = 0;
  let i = 0;
  for (; i < items.length; i++) {
    const c = cost(items[i] as T);
    if (i > 0 && spent + c > budget) break;
    spent += c;
  }
  return { work: items.slice(0, i), handOn: items.slice(i) };
}

/**
 * A batch's messages with those that failed before (delivered more than once) first, the rest in their order: a
 * consumer that works the head of a batch and hands the rest on works them first. A message handed on is sent again
 * as a new one, whose attempts start at one; one that failed before and was handed on each time would never reach
 * the dead letters, and one that was retried instead would use up its attempts without being worked (a backlog after
 * an outage, all of it failed once, would be dead-lettered unworked). First in line, it is worked, and its
 * failures count.
 */
export function failedFirst<T extends { attempts: number }>(messages: readonly T[]): T[] {
  return [...messages.filter((m) => m.attempts > 1), ...messages.filter((m) => m.attempts <= 1)];
}

/**
 * Sends messages again as new ones, for another invocation, and acks them here; if the queue cannot take them now,
 * they are retried instead (nothing is lost, and a message handed on is worked once more at most: each is idempotent).
 * Callers put the messages that failed before at the head of what they work ({@link failedFirst}).
 */
export async function handOn(
  queue: { sendBatch(messages: { body: unknown }[]): Promise<unknown> },
  // What a queue message is to this (the Workers `Message` shape), so the web app's type check, which reaches this file
  // through a feature's schemas, needs no Workers types.
  messages: readonly { body: unknown; ack(): void; retry(options?: { delaySeconds?: number }): void }[],
): Promise<void> {
  if (messages.length === 0) return;
  try {
    await sendInBatches(
      queue,
      messages.map((m) => ({ body: m.body })),
    );
    for (const m of messages) m.ack();
    log("info", "queue.handed_on", { messages: messages.length });
  } catch {
    for (const m of messages) m.retry({ delaySeconds: retryDelaySeconds(1) });
  }
}
