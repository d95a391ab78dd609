/** Backoff for a retried queue message (a delivery, a report, a webhook, a region's day): 10 s, 40 s, 90 s, ... capped at 15 minutes. */
export function retryDelaySeconds(attempts: number): number {
  return Math.min(900, 10 * attempts * attempts);
}

/** The `billing` queue (its role; each environment prefixes it): region days of the daily charge and the sandbox acquirer's webhook deliveries. */
export const BILLING_QUEUE = "kabinet-billing";
