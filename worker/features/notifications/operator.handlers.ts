import type { RouteHandler } from "@hono/zod-openapi";
import type { AppEnv } from "../../env";
import { replayDeadLetter } from "./dead-letters.service";
import type { NotificationQueue } from "./notifications.service";
import type * as r from "./operator.routes";
import { announce, declareOutage, resolveOutage } from "./outages.service";

const queue = (env: Env) => env.NOTIFICATIONS as unknown as NotificationQueue;

export const declareOutageHandler: RouteHandler<typeof r.declareOutageRoute, AppEnv> = async (c) => {
  const { outage, created } = await declareOutage(c.get("data").global, queue(c.env), c.req.valid("json"));
  return created ? c.json(outage, 201) : c.json(outage, 200);
};

export const resolveOutageHandler: RouteHandler<typeof r.resolveOutageRoute, AppEnv> = async (c) => {
  return c.json(await resolveOutage(c.get("data").global, queue(c.env), c.req.valid("param").id), 200);
};

export const announceHandler: RouteHandler<typeof r.announceRoute, AppEnv> = async (c) => {
  return c.json({ eventId: await announce(queue(c.env), c.req.valid("json")) }, 202);
};

export const replayDeadLetterHandler: RouteHandler<typeof r.replayDeadLetterRoute, AppEnv> = async (c) => {
  return c.json(await replayDeadLetter(c.get("data").global, queue(c.env), c.req.valid("param").id), 202);
};
