import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import worker from "../../worker/index";

/** Staging and production (wrangler.toml's environments) run the same Worker with their own resources. */
describe("each environment's queues reach their consumers", () => {
  it("a batch from kabinet-production-dlq is stored as a dead letter, like kabinet-dlq's", async () => {
    const id = `prod-dlq-${crypto.randomUUID()}`;
    const batch = createMessageBatch("kabinet-production-dlq", [{ id, timestamp: new Date(), attempts: 6, body: { any: "thing" } }]);
    const ctx = createExecutionContext();
    await worker.queue(batch, env, ctx);
    expect((await getQueueResult(batch, ctx)).explicitAcks).toEqual([id]);
    const row = await env.DB.prepare("SELECT attempts FROM dead_letters WHERE id = ?").bind(id).first<{ attempts: number }>();
    expect(row?.attempts).toBe(6);
  });
});
