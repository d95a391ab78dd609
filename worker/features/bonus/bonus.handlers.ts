import type { RouteHandler } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { AppEnv } from "../../env";
import { requireSession } from "../../platform/session";
import type * as r from "./bonus.routes";
import * as svc from "./bonus.service";

const noStore = (c: Context<AppEnv>) => c.header("cache-control", "private, no-store");

export const overviewHandler: RouteHandler<typeof r.overviewRoute, AppEnv> = async (c) => {
  noStore(c);
  return c.json(await svc.bonusOverview(c.get("data"), requireSession(c).subscriberId, c.req.valid("param").accountNo), 200);
};

export const rewardsHandler: RouteHandler<typeof r.rewardsRoute, AppEnv> = async (c) => {
  const rewards = await svc.rewardsForAccount(c.get("data"), requireSession(c).subscriberId, c.req.valid("param").accountNo);
  const lang = c.get("lang");
  noStore(c);
  return c.json(
    {
      items: rewards.map((w) => ({
        id: w.id,
        kind: w.kind,
        cost: w.cost,
        title: lang === "en" ? w.titleEn : w.titleRu,
        partner: w.partner?.[lang] ?? null,
        valueKop: w.valueKop ?? null,
      })),
    },
    200,
  );
};

export const joinHandler: RouteHandler<typeof r.joinRoute, AppEnv> = async (c) => {
  await svc.joinBonus(c.get("data"), requireSession(c), c.req.valid("param").accountNo);
  return c.body(null, 204);
};

export const leaveHandler: RouteHandler<typeof r.leaveRoute, AppEnv> = async (c) => {
  await svc.leaveBonus(c.get("data"), requireSession(c), c.req.valid("param").accountNo);
  return c.body(null, 204);
};

export const redeemHandler: RouteHandler<typeof r.redeemRoute, AppEnv> = async (c) => {
  const { redemption, replayed } = await svc.redeem(
    c.get("data"),
    requireSession(c),
    c.req.valid("param").accountNo,
    c.req.valid("json").rewardId,
    c.req.valid("header")["idempotency-key"],
  );
  noStore(c);
  return c.json(redemption, replayed ? 200 : 201);
};

export const redemptionsHandler: RouteHandler<typeof r.redemptionsRoute, AppEnv> = async (c) => {
  noStore(c);
  return c.json({ items: await svc.listRedemptions(c.get("data"), requireSession(c).subscriberId, c.req.valid("param").accountNo) }, 200);
};
