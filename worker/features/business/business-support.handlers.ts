import type { RouteHandler } from "@hono/zod-openapi";
import type { Context, MiddlewareHandler } from "hono";
import type { AppEnv } from "../../env";
import { clientAddress } from "../../platform/client";
import { AppError } from "../../platform/errors";
import { notifier } from "../../platform/notify";
import { requireSession } from "../../platform/session";
import type * as r from "./business-support.routes";
import * as svc from "./business-support.service";

const who = (c: Context<AppEnv>) => requireSession(c).subscriberId;
const actor = (c: Context<AppEnv>) => ({ subscriberId: who(c), address: clientAddress(c) });
const noStore = (c: Context<AppEnv>) => c.header("cache-control", "private, no-store");
const OPERATOR_API = "Оператор (API)";

/** Membership and the support right of a state change, before its body is validated (404 stranger, 403 role). */
export const supportGuard: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (c.req.method === "POST") await svc.requireSupportMember(c.get("data").global, who(c), c.req.param("orgId") ?? "");
  await next();
};

export const orgManagerHandler: RouteHandler<typeof r.orgManagerRoute, AppEnv> = async (c) => {
  noStore(c);
  return c.json(await svc.managerOf(c.get("data").global, who(c), c.req.valid("param").orgId), 200);
};

export const orgRequestsHandler: RouteHandler<typeof r.orgRequestsRoute, AppEnv> = async (c) => {
  noStore(c);
  return c.json(await svc.orgRequests(c.get("data"), who(c), c.req.valid("param").orgId, c.get("lang")), 200);
};

export const orgRequestHandler: RouteHandler<typeof r.orgRequestRoute, AppEnv> = async (c) => {
  const { orgId, ticketId } = c.req.valid("param");
  noStore(c);
  return c.json(await svc.orgRequest(c.get("data"), who(c), orgId, ticketId, c.get("lang")), 200);
};

export const fileOrgRequestHandler: RouteHandler<typeof r.fileOrgRequestRoute, AppEnv> = async (c) => {
  const ticket = await svc.fileOrgRequest(
    c.get("data"),
    actor(c),
    c.req.valid("param").orgId,
    c.get("region") ?? null,
    c.req.valid("json"),
    c.get("lang"),
  );
  noStore(c);
  return c.json(ticket, 201);
};

export const startOrgChatHandler: RouteHandler<typeof r.startOrgChatRoute, AppEnv> = async (c) => {
  const deps = { data: c.get("data"), rooms: c.env.CHAT_ROOMS, files: c.env.FILES, notify: notifier(c.env) };
  const started = await svc.startOrgChat(
    deps,
    { ...actor(c), homeShard: requireSession(c).homeShard },
    c.req.valid("param").orgId,
    c.get("region") ?? null,
    c.req.valid("json"),
  );
  noStore(c);
  return c.json({ chat: started.chat }, started.created ? 201 : 200);
};

export const businessTariffsHandler: RouteHandler<typeof r.businessTariffsRoute, AppEnv> = (c) => {
  const region = c.get("region");
  if (!region) throw new AppError(404, "region_required");
  c.header("cache-control", "public, max-age=300, stale-while-revalidate=3600");
  return c.json({ items: svc.businessTariffs(region, c.get("lang")) }, 200);
};

export const opsSetManagerHandler: RouteHandler<typeof r.opsSetManagerRoute, AppEnv> = async (c) => {
  const set = await svc.setManager(c.get("data").global, OPERATOR_API, c.req.valid("param").orgId, c.req.valid("json"), clientAddress(c));
  return c.json(set, 200);
};

export const opsRemoveManagerHandler: RouteHandler<typeof r.opsRemoveManagerRoute, AppEnv> = async (c) => {
  await svc.removeManager(c.get("data").global, OPERATOR_API, c.req.valid("param").orgId, clientAddress(c));
  return c.body(null, 204);
};
