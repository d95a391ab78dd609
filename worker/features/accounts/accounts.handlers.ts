import type { RouteHandler } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { LedgerKind } from "../../db/schema/region";
import type { AppEnv } from "../../env";
import { clientAddress } from "../../platform/client";
import { notifier } from "../../platform/notify";
import { requireSession, whileCopyChanging } from "../../platform/session";
import type * as r from "./accounts.routes";
import * as svc from "./accounts.service";

const who = (c: Context<AppEnv>) => requireSession(c).subscriberId;
/**
 * A change of the subscriber's links: their sessions' copy of them is forgotten before it (a failure there changes
 * nothing) and after it (platform/session.ts).
 */
function changingLinks<T>(c: Context<AppEnv>, change: () => Promise<T>): Promise<T> {
  const session = requireSession(c);
  return whileCopyChanging(c.get("data"), { id: session.subscriberId, homeShard: session.homeShard }, change);
}
const noStore = (c: Context<AppEnv>) => c.header("cache-control", "private, no-store");

export const listHandler: RouteHandler<typeof r.listAccountsRoute, AppEnv> = async (c) => {
  noStore(c);
  return c.json(await svc.listAccounts(c.get("data"), who(c)), 200);
};

export const detailHandler: RouteHandler<typeof r.accountRoute, AppEnv> = async (c) => {
  noStore(c);
  return c.json(await svc.accountDetail(c.get("data"), who(c), c.req.valid("param").accountNo), 200);
};

export const historyHandler: RouteHandler<typeof r.historyRoute, AppEnv> = async (c) => {
  const q = c.req.valid("query");
  noStore(c);
  return c.json(
    await svc.accountHistory(c.get("data"), c.env.FILES, who(c), c.req.valid("param").accountNo, {
      ...q,
      type: q.type ? (q.type.split(",") as LedgerKind[]) : undefined,
    }),
    200,
  );
};

export const insightHandler: RouteHandler<typeof r.insightRoute, AppEnv> = async (c) => {
  noStore(c);
  return c.json(await svc.accountInsight(c.get("data"), who(c), c.req.valid("param").accountNo), 200);
};

export const lowBalanceHandler: RouteHandler<typeof r.lowBalanceRoute, AppEnv> = async (c) => {
  await changingLinks(c, () => svc.setLowBalance(c.get("data"), who(c), c.req.valid("param").accountNo, c.req.valid("json").thresholdKop));
  return c.body(null, 204);
};

export const linkStartHandler: RouteHandler<typeof r.linkStartRoute, AppEnv> = async (c) => {
  const { accountNo, channel } = c.req.valid("json");
  const sent = await svc.startLink(c.get("data"), notifier(c.env), who(c), accountNo, channel, clientAddress(c));
  return c.json({ expiresAt: sent.expiresAt.toISOString() }, 202);
};

export const linkConfirmHandler: RouteHandler<typeof r.linkConfirmRoute, AppEnv> = async (c) => {
  const { accountNo, code, role } = c.req.valid("json");
  await changingLinks(c, () => svc.confirmLink(c.get("data"), who(c), accountNo, code, role, clientAddress(c)));
  return c.body(null, 204);
};

export const unlinkHandler: RouteHandler<typeof r.unlinkRoute, AppEnv> = async (c) => {
  await changingLinks(c, () => svc.unlinkAccount(c.get("data"), who(c), c.req.valid("param").accountNo));
  return c.body(null, 204);
};
