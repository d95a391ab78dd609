import {
  createExecutionContext,
  createMessageBatch,
  createScheduledController,
  getQueueResult,
  waitOnExecutionContext,
} from "cloudflare:test";
import { env } from "cloudflare:workers";
import { expect } from "vitest";
import { isBankLinesMessage } from "../../worker/features/bank/bank.service";
import { isOrgSweepMessage } from "../../worker/features/business/topup.service";
import { isShardTickMessage, type ShardTickMessage } from "../../worker/features/cron/shard-tick.service";
import worker from "../../worker/index";

/** What `runTick` saw: each shard message worked, and whether its invocation acked it. */
export interface TickRun {
  shardMessages: { body: ShardTickMessage; acked: boolean }[];
  /** Messages of the global jobs' chains the tick started (bank statement lines, organisations' payments), worked here too. */
  chainMessages: number;
}

/**
 * A cron tick as production runs it, here and now: the scheduled handler with `e`, then every shard message it sent
 * to the billing queue (and the ones those send on) worked by the Worker's queue handler with `e`, one invocation
 * each, until none is left; so are the chains it starts (bank statement lines, organisations' payments). The tick's other
 * billing messages (a region's day) go to the real queue.
 */
export async function runTick(cron: "0 * * * *" | "*/15 * * * *", scheduledTime: number, e: Env = env): Promise<TickRun> {
  const pending: unknown[] = [];
  const pass = async (body: unknown) => {
    if (isShardTickMessage(body) || isBankLinesMessage(body) || isOrgSweepMessage(body)) pending.push(body);
    else await e.BILLING.send(body);
  };
  const billing = {
    send: async (body: unknown) => pass(body),
    sendBatch: async (messages: { body: unknown }[]) => {
      for (const m of messages) await pass(m.body);
    },
  } as unknown as Queue;
  const withQueue = { ...e, BILLING: billing } as Env;
  const ctx = createExecutionContext();
  await worker.scheduled(createScheduledController({ cron, scheduledTime }), withQueue, ctx);
  await waitOnExecutionContext(ctx);
  const run: TickRun = { shardMessages: [], chainMessages: 0 };
  for (let i = 0; pending.length > 0; i++) {
    expect(i, "a tick's shard messages end").toBeLessThan(1_000);
    const body = pending.shift();
    const batch = createMessageBatch("kabinet-billing", [{ id: `tick-${i}`, timestamp: new Date(), attempts: 1, body }]);
    const qctx = createExecutionContext();
    await worker.queue(batch, withQueue, qctx);
    const result = await getQueueResult(batch, qctx);
    if (isShardTickMessage(body)) run.shardMessages.push({ body, acked: result.explicitAcks.length === 1 });
    else run.chainMessages++;
  }
  return run;
}
