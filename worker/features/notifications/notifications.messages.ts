import { z } from "zod";

/**
 * Messages on the `notifications` queue, declared once for producers and the
 * consumer. `dedupeKey` makes delivery idempotent under at-least-once delivery.
 */
export const NotificationMessage = z.discriminatedUnion("channel", [
  z.object({
    channel: z.literal("sms"),
    to: z.string().regex(/^\+\d{10,15}$/),
    text: z.string().min(1).max(1000),
    dedupeKey: z.string().min(1).max(200),
  }),
  z.object({
    channel: z.literal("email"),
    to: z.string().email(),
    subject: z.string().min(1).max(200),
    text: z.string().min(1).max(20000),
    dedupeKey: z.string().min(1).max(200),
  }),
]);
export type NotificationMessage = z.infer<typeof NotificationMessage>;

export const NOTIFICATIONS_QUEUE = "kabinet-notifications";
export const DEAD_LETTER_QUEUE = "kabinet-dlq";
