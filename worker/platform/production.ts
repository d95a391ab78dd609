import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../env";
import { isDevMode } from "./secrets";

/**
 * Development helpers (`/dev/*`, the sandbox acquirer's pages and webhook):
 * outside DEV_MODE they do not exist, a 404 problem like any unknown path.
 */
export const devOnly: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (!isDevMode(c.env)) return c.notFound();
  await next();
};

/** The sandbox acquirer's webhook is a development helper too; a real acquirer's is not. */
export const sandboxWebhookDevOnly: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (c.env.ACQUIRER === "sandbox" && !isDevMode(c.env)) return c.notFound();
  await next();
};
