import type { RouteHandler } from "@hono/zod-openapi";
import type { Context } from "hono";
import { acquirerFor } from "../../adapters/payments/select";
import type { AppEnv } from "../../env";
import { clientAddress } from "../../platform/client";
import { notifier } from "../../platform/notify";
import { requireSession } from "../../platform/session";
import type * as r from "./topup.routes";
import * as svc from "./topup.service";

const who = (c: Context<AppEnv>) => requireSession(c).subscriberId;
const noStore = (c: Context<AppEnv>) => c.header("cache-control", "private, no-store");
const acquirer = (c: Context<AppEnv>) => acquirerFor(c.env, new URL(c.req.url).origin);

export const orgPayOptionsHandler: RouteHandler<typeof r.orgPayOptionsRoute, AppEnv> = async (c) => {
  noStore(c);
  return c.json(await svc.payOptions(c.get("data").global, acquirer(c), who(c), c.req.valid("param").orgId), 200);
};

export const startOrgPaymentHandler: RouteHandler<typeof r.startOrgPaymentRoute, AppEnv> = async (c) => {
  const body = c.req.valid("json");
  const result = await svc.startOrgPayment(
    c.get("data"),
    acquirer(c),
    { subscriberId: who(c), address: clientAddress(c) },
    c.req.valid("param").orgId,
    {
      items: body.items ?? [],
      totalKop: body.totalKop ?? Number.NaN,
      method: body.method,
      idempotencyKey: c.req.valid("header")["idempotency-key"] ?? "",
      returnOrigin: new URL(c.req.url).origin,
    },
  );
  noStore(c);
  return c.json(result, 201);
};

export const getOrgPaymentHandler: RouteHandler<typeof r.getOrgPaymentRoute, AppEnv> = async (c) => {
  const { orgId, paymentId } = c.req.valid("param");
  noStore(c);
  return c.json(await svc.getOrgPayment(c.get("data"), acquirer(c), notifier(c.env), who(c), orgId, paymentId), 200);
};

export const orgReceiptHandler: RouteHandler<typeof r.orgReceiptRoute, AppEnv> = async (c) => {
  const { orgId, paymentId } = c.req.valid("param");
  noStore(c);
  return c.json(await svc.getOrgReceipt(c.get("data"), who(c), orgId, paymentId), 200);
};
