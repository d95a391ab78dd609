import type { RouteHandler } from "@hono/zod-openapi";
import { and, eq, isNull } from "drizzle-orm";
import { outages } from "../../db/schema/global";
import type { AppEnv } from "../../env";
import { AppError } from "../../platform/errors";
import { newId } from "../../platform/ids";
import { log } from "../../platform/log";
import { regionByCode } from "../../platform/region";
import { outageJson } from "./notifications.handlers";
import type { NotificationQueue } from "./notifications.service";
import type * as r from "./operator.routes";

const queue = (env: Env) => env.NOTIFICATIONS as unknown as NotificationQueue;

function knownRegion(code: string) {
  if (!regionByCode(code)) throw new AppError(400, "validation", {}, [{ field: "region", message: "unknown region" }]);
}

export const declareOutageHandler: RouteHandler<typeof r.declareOutageRoute, AppEnv> = async (c) => {
  const body = c.req.valid("json");
  knownRegion(body.region);
  const now = new Date();
  const expectedEnd = new Date(body.expectedEnd);
  if (expectedEnd.getTime() <= now.getTime())
    throw new AppError(400, "validation", {}, [{ field: "expectedEnd", message: "in the future" }]);
  const row = {
    id: newId(now.getTime()),
    region: body.region,
    street: body.street,
    houses: body.houses ? JSON.stringify(body.houses) : null,
    title: body.title,
    expectedEnd,
    declaredAt: now,
    resolvedAt: null,
  };
  await c.get("data").global.insert(outages).values(row);
  await queue(c.env).send({
    channel: "area",
    kind: "outage",
    eventId: `outage:${row.id}:declared`,
    region: row.region,
    street: row.street,
    houses: body.houses,
    params: { phase: "declared", title: row.title, until: expectedEnd.toISOString() },
  });
  log("info", "outage.declared", { id: row.id, region: row.region });
  return c.json(outageJson(row), 201);
};

export const resolveOutageHandler: RouteHandler<typeof r.resolveOutageRoute, AppEnv> = async (c) => {
  const { id } = c.req.valid("param");
  const db = c.get("data").global;
  const now = new Date();
  const [row] = await db
    .update(outages)
    .set({ resolvedAt: now })
    .where(and(eq(outages.id, id), isNull(outages.resolvedAt)))
    .returning();
  if (!row) {
    const exists = await db.select({ id: outages.id }).from(outages).where(eq(outages.id, id)).get();
    throw new AppError(exists ? 409 : 404, exists ? "outage_resolved" : "not_found");
  }
  await queue(c.env).send({
    channel: "area",
    kind: "outage",
    eventId: `outage:${row.id}:resolved`,
    region: row.region,
    street: row.street,
    houses: row.houses ? (JSON.parse(row.houses) as string[]) : null,
    params: { phase: "resolved", title: row.title },
  });
  log("info", "outage.resolved", { id: row.id });
  return c.json(outageJson(row), 200);
};

export const announceHandler: RouteHandler<typeof r.announceRoute, AppEnv> = async (c) => {
  const body = c.req.valid("json");
  knownRegion(body.region);
  const eventId = `${body.kind}:${body.region}:${body.key}`;
  await queue(c.env).send({
    channel: "area",
    kind: body.kind,
    eventId,
    region: body.region,
    street: null,
    houses: null,
    params: { title: body.title, body: body.body, url: body.url ?? "" },
  });
  return c.json({ eventId }, 202);
};
