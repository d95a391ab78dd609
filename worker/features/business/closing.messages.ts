import { z } from "zod";

/**
 * A message on the `reports` queue: make (or finish, or correct) an organisation's closing documents for a month.
 * Declared once for the producer (the monthly job) and the consumer.
 */
export const ClosingMessage = z.object({
  kind: z.literal("closing_documents"),
  orgId: z.string().min(1).max(60),
  /** YYYY-MM. */
  period: z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/),
});
export type ClosingMessage = z.infer<typeof ClosingMessage>;

/** A message of this kind, whatever else is on the queue (the usage reports). */
export const isClosingMessage = (body: unknown) => (body as { kind?: unknown } | null)?.kind === "closing_documents";
