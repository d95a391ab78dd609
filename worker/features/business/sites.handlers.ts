import type { RouteHandler } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { AppEnv } from "../../env";
import { clientAddress } from "../../platform/client";
import { requireSession } from "../../platform/session";
import type * as r from "./sites.routes";
import * as svc from "./sites.service";
import { fileResponse } from "./spreadsheet";

const who = (c: Context<AppEnv>) => requireSession(c).subscriberId;
const actor = (c: Context<AppEnv>) => ({ subscriberId: who(c), address: clientAddress(c) });
const noStore = (c: Context<AppEnv>) => c.header("cache-control", "private, no-store");

export const accountListHandler: RouteHandler<typeof r.accountListRoute, AppEnv> = async (c) => {
  const { offset, limit, ...filter } = c.req.valid("query");
  noStore(c);
  const sources = { files: c.env.FILES, queue: c.env.REPORTS };
  return c.json(await svc.accountList(c.get("data"), who(c), c.req.valid("param").orgId, filter, offset, limit, sources), 200);
};

export const accountListExportHandler: RouteHandler<typeof r.accountListExportRoute, AppEnv> = async (c) => {
  const { format, ...filter } = c.req.valid("query");
  const sources = { files: c.env.FILES, queue: c.env.REPORTS };
  const file = await svc.exportAccounts(
    c.get("data"),
    actor(c),
    c.req.valid("param").orgId,
    filter,
    format,
    c.get("lang"),
    new Date(),
    sources,
  );
  return fileResponse(file.body, format, file.filename) as never;
};

export const sitesHandler: RouteHandler<typeof r.sitesRoute, AppEnv> = async (c) => {
  noStore(c);
  return c.json(await svc.sites(c.get("data").global, who(c), c.req.valid("param").orgId), 200);
};

export const renameSiteHandler: RouteHandler<typeof r.renameSiteRoute, AppEnv> = async (c) => {
  const { orgId, siteId } = c.req.valid("param");
  return c.json(await svc.renameSite(c.get("data").global, actor(c), orgId, siteId, c.req.valid("json").name), 200);
};

export const moveAccountHandler: RouteHandler<typeof r.moveAccountRoute, AppEnv> = async (c) => {
  const { orgId, accountNo } = c.req.valid("param");
  return c.json(await svc.moveAccount(c.get("data").global, actor(c), orgId, accountNo, c.req.valid("json").siteId), 200);
};
