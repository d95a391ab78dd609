import { and, eq, inArray, lt } from "drizzle-orm";
import { providerMessages } from "../db/schema/messages";
import type { GlobalDb, MessagesDb } from "../platform/db";
import { type MessageStores, newMessageId } from "../platform/message-stores";

export type ProviderMessage = typeof providerMessages.$inferSelect;
type Status = ProviderMessage["status"];

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * How long a message handed to an SMS or email provider keeps its row: 30 days after its last report. The row is the
 * message's dedupe (`claimMessage`): while it is kept, the same dedupe key is never sent again.
 */
export const PROVIDER_MESSAGE_RETENTION_MS = 30 * DAY_MS;

/**
 * How long a dead-lettered queue message is kept for an operator to replay: 21 days after it failed, well inside the
 * dedupe window above, so a replay always finds the rows of what its event already sent (a message's texts were sent
 * before it failed: its tries and their backoff take hours, and the queue keeps a message at most 14 days). An older
 * one is deleted by the housekeeping cron and refused by the replay (features/notifications/dead-letters.service.ts):
 * replayed after 30 days, it would send the SMS and the email again.
 */
export const DEAD_LETTER_RETENTION_MS = 21 * DAY_MS;

/** A claim on a message goes stale after this long (its consumer died mid-send, or gave it back): then another may take it. */
export const CLAIM_MS = 60_000;

/**
 * Where provider messages are kept: the message stores, and (while an upgrade's 30 days last) the global table an
 * older deployment wrote them to, `legacy`. Both have the same columns.
 */
export interface MessageRows {
  stores: MessageStores;
  legacy?: GlobalDb;
}

/** The message rows of a request or a consumer's data access (platform/db.ts). */
export function messageRowsOf(data: { messages: MessageStores; legacyProviderMessages: boolean; global: GlobalDb }): MessageRows {
  return { stores: data.messages, legacy: data.legacyProviderMessages ? data.global : undefined };
}

/** The global table under the store's type: the same table and columns (db/schema/global.ts). */
const asStore = (db: GlobalDb) => db as unknown as MessagesDb;

export type Claim =
  /** This call holds the message, kept in `db`; `fresh`: nobody tried it before, so the provider cannot have it. */
  | { kind: "claimed"; row: ProviderMessage; fresh: boolean; db: MessagesDb }
  /** It was sent (or refused for good) already. */
  | { kind: "done"; row: ProviderMessage }
  /** Another consumer is sending it right now. */
  | { kind: "busy" };

/** Draws of a new id a claim makes before it gives up (each is refused only when its random id is taken). */
const ID_DRAWS = 4;

/**
 * Takes the right to send the message of `dedupeKey` through a provider, in the message store its key belongs in.
 * The queue is at-least-once and consumes concurrently, so two copies of one message may arrive together: only one
 * of them gets a claim.
 */
export async function claimMessage(
  rows: MessageRows,
  m: { dedupeKey: string; channel: "sms" | "email"; provider: string; recipient: string; segments?: number },
  now: Date,
): Promise<Claim> {
  if (rows.legacy) {
    // Sent (or being sent) by an older deployment, before the upgrade: its row decides, as it did there.
    const old = await rows.legacy.select().from(providerMessages).where(eq(providerMessages.dedupeKey, m.dedupeKey)).get();
    if (old) return decide(asStore(rows.legacy), old, now);
  }
  const { index, db } = rows.stores.forKey(m.dedupeKey);
  for (let draw = 0; draw < ID_DRAWS; draw++) {
    const inserted = await db
      .insert(providerMessages)
      .values({
        ...m,
        id: newMessageId(index),
        segments: m.segments ?? null,
        status: "sending",
        attempts: 1,
        createdAt: now,
        updatedAt: now,
      })
      .onConflictDoNothing()
      .returning();
    if (inserted[0]) return { kind: "claimed", row: inserted[0], fresh: true, db };
    const row = await db.select().from(providerMessages).where(eq(providerMessages.dedupeKey, m.dedupeKey)).get();
    if (row) return decide(db, row, now);
    // Nothing has the key: the refusal was the random id's, taken by another message. Draw again.
  }
  return { kind: "busy" };
}

/** A claim on a message that has a row already: done, taken by another consumer, or stale and taken over here. */
async function decide(db: MessagesDb, row: ProviderMessage, now: Date): Promise<Claim> {
  if (row.status !== "sending") return { kind: "done", row };
  const retaken = await db
    .update(providerMessages)
    .set({ attempts: row.attempts + 1, updatedAt: now })
    .where(
      and(
        eq(providerMessages.id, row.id),
        eq(providerMessages.status, "sending"),
        lt(providerMessages.updatedAt, new Date(now.getTime() - CLAIM_MS)),
      ),
    )
    .returning();
  return retaken[0] ? { kind: "claimed", row: retaken[0], fresh: false, db } : { kind: "busy" };
}

/** Records the provider's answer to a send, in the claim's store. */
export async function settleMessage(
  db: MessagesDb,
  id: number,
  s: { status: Exclude<Status, "sending">; providerStatus?: string; providerId?: string; segments?: number },
  now: Date,
) {
  await db
    .update(providerMessages)
    .set({ ...s, updatedAt: now })
    .where(eq(providerMessages.id, id));
}

/**
 * Gives a claim back after the provider answered "not now": the next try may take it at once. It takes it over as a
 * stale claim (not a fresh one), so one that may have reached the provider before is asked about first. The row's
 * date goes back by a claim's length only (not to 1970, which housekeeping would take for a month old and delete,
 * and with the row the sign that it was tried), and only while this claim still holds it: one taken over by another
 * consumer meanwhile is left to that one.
 */
export async function releaseMessage(db: MessagesDb, claimed: Pick<ProviderMessage, "id" | "attempts">, now: Date) {
  await db
    .update(providerMessages)
    .set({ updatedAt: new Date(now.getTime() - CLAIM_MS - 1) })
    .where(
      and(eq(providerMessages.id, claimed.id), eq(providerMessages.status, "sending"), eq(providerMessages.attempts, claimed.attempts)),
    );
}

/**
 * The row of a provider's id (SMSC's), found in the store the id names, or (while the upgrade's legacy table is read)
 * in the global table an older deployment numbered its own from 1: that one is also looked at when the store's row
 * of the id is another recipient's. Undefined when neither has it for this recipient.
 */
export async function messageById(
  rows: MessageRows,
  id: number,
  provider: string,
  matches: (recipient: string) => boolean,
): Promise<{ db: MessagesDb; row: Pick<ProviderMessage, "id" | "recipient"> } | undefined> {
  const places = [rows.stores.forId(id), rows.legacy && asStore(rows.legacy)];
  for (const db of places) {
    if (!db) continue;
    const row = await db
      .select({ id: providerMessages.id, recipient: providerMessages.recipient })
      .from(providerMessages)
      .where(and(eq(providerMessages.id, id), eq(providerMessages.provider, provider)))
      .get();
    if (row && matches(row.recipient)) return { db, row };
  }
  return undefined;
}

/** Statuses a delivery report may move a message from: reports only move forward, and a final one is never changed. */
const BEFORE: Record<"accepted" | "delivered" | "failed", Status[]> = {
  accepted: ["sending"],
  delivered: ["sending", "accepted"],
  failed: ["sending", "accepted"],
};

/** Applies a delivery report once: true when it changed the status, false for a repeat, a late or an out-of-order one. */
export async function reportStatus(
  db: MessagesDb,
  id: number,
  status: "accepted" | "delivered" | "failed",
  providerStatus: string,
  now: Date,
): Promise<boolean> {
  const changed = await db
    .update(providerMessages)
    .set({ status, providerStatus, updatedAt: now })
    .where(and(eq(providerMessages.id, id), inArray(providerMessages.status, BEFORE[status])))
    .returning({ id: providerMessages.id });
  return changed.length > 0;
}
