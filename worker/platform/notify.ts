/**
 * What every producer reaches subscribers through: a message on the
 * `notifications` queue (the consumer fans it out by their preferences).
 */
export const notifier =
  (env: Env) =>
  async (message: unknown): Promise<void> =>
    void (await env.NOTIFICATIONS.send(message));
