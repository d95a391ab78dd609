import { and, asc, gt, gte, inArray, isNotNull, lte } from "drizzle-orm";
import type { Acquirer } from "../../adapters/payments";
import { payments } from "../../db/schema/region";
import { settledHere } from "../../platform/arriving";
import { type DataAccess, type Sweep, sweptPage } from "../../platform/db";
import { log } from "../../platform/log";
import { type Notify, settleFromAcquirer } from "./payments.service";

/** Which payments the hourly sweep asks the acquirer about: started 15 minutes to 3 days ago, at most 50 per shard. */
export const RECONCILE = { minAgeMs: 15 * 60_000, maxAgeMs: 3 * 24 * 3600_000, batch: 50 };

/**
 * Cron (hourly): the payments the acquirer knows of but whose result never
 * arrived (a notification lost, or answered while its API still said
 * pending) are asked about and applied like a notification: credited once,
 * or failed. Oldest first (the nearest to leaving the window), in id order from after the page before, so a sweep in
 * pages reaches every one — newest first, a shard with more than a page never asked about its oldest, and they left
 * the window unasked, paid and never credited. One shard or payment that fails does not stop the rest.
 */
export async function reconcilePending(data: DataAccess, acquirer: Acquirer, notify: Notify, now = new Date(), sweep: Sweep = {}) {
  const done = { asked: 0, settled: 0 };
  for (const binding of sweep.shards ?? data.shards) {
    try {
      const rows = await data
        .shard(binding)
        .select({ id: payments.id, acquirerPaymentId: payments.acquirerPaymentId })
        .from(payments)
        .where(
          and(
            inArray(payments.status, ["created", "pending"]),
            isNotNull(payments.acquirerPaymentId),
            lte(payments.createdAt, new Date(now.getTime() - RECONCILE.minAgeMs)),
            gte(payments.createdAt, new Date(now.getTime() - RECONCILE.maxAgeMs)),
            settledHere(payments.accountNo),
            sweep.after === undefined ? undefined : gt(payments.id, sweep.after),
          ),
        )
        // Ids are time-ordered (platform/ids.ts): oldest first, and a cursor that only moves on.
        .orderBy(asc(payments.id))
        .limit(sweep.limit ?? RECONCILE.batch)
        .all();
      sweptPage(sweep, rows.length, rows.at(-1)?.id);
      for (const row of rows) {
        if (!row.acquirerPaymentId) continue;
        done.asked++;
        if ((await settleFromAcquirer(data, acquirer, notify, row.acquirerPaymentId, now)) === "applied") done.settled++;
      }
    } catch (e) {
      log("warn", "payments.reconcile_failed", { shard: binding, error: e instanceof Error ? e.name : "unknown" });
    }
  }
  return done;
}
