import type { RouteHandler } from "@hono/zod-openapi";
import type { Context, MiddlewareHandler } from "hono";
import type { AppEnv } from "../../env";
import { clientAddress } from "../../platform/client";
import { notifier } from "../../platform/notify";
import { requireSession } from "../../platform/session";
import type * as r from "./numbers.routes";
import * as svc from "./numbers.service";

const who = (c: Context<AppEnv>) => requireSession(c).subscriberId;
const actor = (c: Context<AppEnv>) => ({ subscriberId: who(c), address: clientAddress(c) });

/** Where an organisation on many shards has its numbers listed and found: its snapshot (figures.service.ts). */
const sourcesOf = (c: Context<AppEnv>): svc.NumbersSources => ({ files: c.env.FILES, queue: c.env.REPORTS });

/** What `numbersAccess` read for a request: the member's accounts. */
const accessOf = new WeakMap<Request, svc.MemberAccess>();

/**
 * Before a change's input is validated: the caller must be a member whose role manages numbers (a stranger gets
 * the 404 of a missing organisation whatever they send, a member without the right a 403 naming the role).
 */
export const numbersAccess: MiddlewareHandler<AppEnv> = async (c, next) => {
  accessOf.set(c.req.raw, await svc.memberAccess(c.get("data"), who(c), c.req.param("orgId") ?? "", "numbers"));
  await next();
};

export const numbersHandler: RouteHandler<typeof r.numbersRoute, AppEnv> = async (c) => {
  c.header("cache-control", "private, no-store");
  return c.json(
    await svc.listNumbers(c.get("data"), who(c), c.req.valid("param").orgId, c.req.valid("query"), new Date(), sourcesOf(c)),
    200,
  );
};

export const changeNumberHandler: RouteHandler<typeof r.changeNumberRoute, AppEnv> = async (c) => {
  const { orgId, msisdn } = c.req.valid("param");
  return c.json(
    await svc.changeNumber(
      c.get("data"),
      notifier(c.env),
      actor(c),
      orgId,
      msisdn,
      c.req.valid("json"),
      accessOf.get(c.req.raw),
      new Date(),
      sourcesOf(c),
    ),
    200,
  );
};

export const blockNumberHandler: RouteHandler<typeof r.blockNumberRoute, AppEnv> = async (c) => {
  const { orgId, msisdn } = c.req.valid("param");
  return c.json(
    await svc.blockNumber(c.get("data"), actor(c), orgId, msisdn, true, accessOf.get(c.req.raw), new Date(), sourcesOf(c)),
    200,
  );
};

export const unblockNumberHandler: RouteHandler<typeof r.unblockNumberRoute, AppEnv> = async (c) => {
  const { orgId, msisdn } = c.req.valid("param");
  return c.json(
    await svc.blockNumber(c.get("data"), actor(c), orgId, msisdn, false, accessOf.get(c.req.raw), new Date(), sourcesOf(c)),
    200,
  );
};

/** The operators' API has one shared token, not a person: the audit log says so. */
const OPERATOR_API = "Оператор (API)";

export const opsChargeNumberHandler: RouteHandler<typeof r.opsChargeNumberRoute, AppEnv> = async (c) => {
  return c.json(await svc.opsChargeNumber(c.get("data"), notifier(c.env), c.req.valid("param").msisdn, c.req.valid("json")), 200);
};

export const opsNumberEsiaHandler: RouteHandler<typeof r.opsNumberEsiaRoute, AppEnv> = async (c) => {
  const { accountNo, confirmed } = c.req.valid("json");
  return c.json(
    await svc.setEsiaStatus(c.get("data"), OPERATOR_API, c.req.valid("param").msisdn, accountNo, confirmed, clientAddress(c)),
    200,
  );
};
