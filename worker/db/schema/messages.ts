import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

/** A provider message's columns but its id: the stores' table and the global one an older deployment wrote share them. */
export function providerMessageColumns() {
  return {
    dedupeKey: text("dedupe_key").notNull(),
    channel: text("channel", { enum: ["sms", "email"] }).notNull(),
    provider: text("provider").notNull(),
    recipient: text("recipient").notNull(),
    /** sending: claimed, the provider's answer not yet known; accepted: the provider took it; delivered/failed: final. */
    status: text("status", { enum: ["sending", "accepted", "delivered", "failed", "rejected"] }).notNull(),
    /** The provider's own status or error code, as it reported it. */
    providerStatus: text("provider_status"),
    /** The provider's message id (an email's Message-ID). */
    providerId: text("provider_id"),
    /** SMS parts billed (GSM-7 153 / UCS-2 67 characters per part of a long message). */
    segments: integer("segments"),
    attempts: integer("attempts").notNull().default(0),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
    updatedAt: integer("updated_at", { mode: "timestamp_ms" }).notNull(),
  };
}

/**
 * Each SMS and email handed to a real provider (SMS_PROVIDER / EMAIL_PROVIDER), one row per `dedupeKey`, in the
 * message store its key hashes to (`MESSAGES_<n>`, platform/message-stores.ts): the claim that makes a redelivered
 * queue message send once, the provider's id (SMSC's `id` is this row's `id`; an email's Message-ID) and the delivery
 * status its callbacks report. Kept 30 days after the last report (housekeeping, in every store).
 */
export const providerMessages = sqliteTable(
  "provider_messages",
  {
    /**
     * SMSC's client-assigned message id («id» of send.php, 1…2^31−1): a random number whose low five bits are the
     * store's index, so a delivery report, which carries only this id and the phone, finds its store.
     */
    id: integer("id").primaryKey(),
    ...providerMessageColumns(),
  },
  (t) => [uniqueIndex("provider_messages_dedupe_uq").on(t.dedupeKey), index("provider_messages_updated_idx").on(t.updatedAt)],
);
