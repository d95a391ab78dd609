import { and, eq, inArray, lt } from "drizzle-orm";
import { providerMessages } from "../db/schema/global";
import type { GlobalDb } from "../platform/db";

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

export type Claim =
  /** This call holds the message; `fresh`: nobody tried it before, so the provider cannot have it. */
  | { kind: "claimed"; row: ProviderMessage; fresh: boolean }
  /** It was sent (or refused for good) already. */
  | { kind: "done"; row: ProviderMessage }
  /** Another consumer is sending it right now. */
  | { kind: "busy" };

/**
 * Takes the right to send the message of `dedupeKey` through a provider.
 * The queue is at-least-once and consumes concurrently, so two copies of one
 * message may arrive together: only one of them gets a claim.
 */
export async function claimMessage(
  db: GlobalDb,
  m: { dedupeKey: string; channel: "sms" | "email"; provider: string; recipient: string; segments?: number },
  now: Date,
): Promise<Claim> {
  const inserted = await db
    .insert(providerMessages)
    .values({ ...m, segments: m.segments ?? null, status: "sending", attempts: 1, createdAt: now, updatedAt: now })
    .onConflictDoNothing()
    .returning();
  if (inserted[0]) return { kind: "claimed", row: inserted[0], fresh: true };
  const row = await db.select().from(providerMessages).where(eq(providerMessages.dedupeKey, m.dedupeKey)).get();
  if (!row) return { kind: "busy" };
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
  return retaken[0] ? { kind: "claimed", row: retaken[0], fresh: false } : { kind: "busy" };
}

/** Records the provider's answer to a send. */
export async function settleMessage(
  db: GlobalDb,
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
 * Gives a claim back after a failure that certainly sent nothing (the
 * provider answered "not now"): the next try may take it at once.
 */
export async function releaseMessage(db: GlobalDb, id: number) {
  await db
    .update(providerMessages)
    .set({ updatedAt: new Date(0) })
    .where(and(eq(providerMessages.id, id), eq(providerMessages.status, "sending")));
}

/** Statuses a delivery report may move a message from: reports only move forward, and a final one is never changed. */
const BEFORE: Record<"accepted" | "delivered" | "failed", Status[]> = {
  accepted: ["sending"],
  delivered: ["sending", "accepted"],
  failed: ["sending", "accepted"],
};

/** Applies a delivery report once: true when it changed the status, false for a repeat, a late or an out-of-order one. */
export async function reportStatus(
  db: GlobalDb,
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
