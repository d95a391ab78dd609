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
  /** A read of the month's charges over many shards going on (platform/gather.ts): its run and next shard. */
  gather: z.object({ run: z.string().regex(/^[\w-]{1,60}$/), from: z.number().int().min(0).max(100_000) }).optional(),
});
export type ClosingMessage = z.infer<typeof ClosingMessage>;

/**
 * A message on the `reports` queue: queue the next page of organisations for a month's documents (the monthly job's
 * chain: at 0.7 M organisations one cron invocation could not read them nor send their messages).
 */
export const ClosingPageMessage = z.object({
  kind: z.literal("closing_page"),
  /** YYYY-MM. */
  period: z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/),
  /** The sixth day's check of the organisations that have a document, instead of those that have none. */
  check: z.boolean(),
  /** The last organisation of the page before. */
  after: z.string().min(1).max(60),
  /** The chain's run (its lease: platform/lease.ts); none from a deployment before leases. */
  run: z.string().min(1).max(60).optional(),
});
export type ClosingPageMessage = z.infer<typeof ClosingPageMessage>;

/** A message of these kinds, whatever else is on the queue (the usage reports). */
export const isClosingMessage = (body: unknown) => {
  const kind = (body as { kind?: unknown } | null)?.kind;
  return kind === "closing_documents" || kind === "closing_page";
};
