import { z } from "zod";

/** A message on the `reports` queue: make this report's file. Declared once for the producer and the consumer. */
export const ReportMessage = z.object({
  kind: z.literal("usage_report"),
  reportId: z.string().min(1).max(64),
  accountNo: z.string().regex(/^\d{12}$/),
  shard: z.string().max(40),
});
export type ReportMessage = z.infer<typeof ReportMessage>;

export const REPORTS_QUEUE = "kabinet-reports";
