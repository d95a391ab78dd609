import { sendInBatches } from "./queue";

/**
 * What a producer reaches subscribers through: a message on the `notifications` queue (the consumer fans it out by
 * their preferences). `many`, where a producer has it, sends several in as few `sendBatch` calls as Queues' limits
 * allow (100 messages, 256 KB a call): a page of balance alerts is then a call or two, not one a message.
 */
export type Notify<M = unknown> = ((message: M) => Promise<void>) & { many?: (messages: readonly M[]) => Promise<number> };

export const notifier = (env: Env): Notify => {
  const one = async (message: unknown): Promise<void> => void (await env.NOTIFICATIONS.send(message));
  return Object.assign(one, {
    /** Sends the messages in batches; returns the calls made. */
    many: (messages: readonly unknown[]) =>
      sendInBatches(
        env.NOTIFICATIONS,
        messages.map((body) => ({ body })),
      ),
  });
};
