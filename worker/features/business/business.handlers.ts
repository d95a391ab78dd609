import type { RouteHandler } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { AppEnv } from "../../env";
import { clientAddress } from "../../platform/client";
import { notifier } from "../../platform/notify";
import { requireSession } from "../../platform/session";
import { exportAudit } from "./audit.export";
import type * as r from "./business.routes";
import * as svc from "./business.service";
import { fileResponse } from "./spreadsheet";

const who = (c: Context<AppEnv>) => requireSession(c).subscriberId;
const actor = (c: Context<AppEnv>) => ({ subscriberId: who(c), address: clientAddress(c) });
const noStore = (c: Context<AppEnv>) => c.header("cache-control", "private, no-store");

export const myOrganisationsHandler: RouteHandler<typeof r.myOrganisationsRoute, AppEnv> = async (c) => {
  noStore(c);
  return c.json(await svc.myOrganisations(c.get("data").global, who(c)), 200);
};

export const organisationHandler: RouteHandler<typeof r.organisationRoute, AppEnv> = async (c) => {
  noStore(c);
  return c.json(await svc.organisationCard(c.get("data").global, who(c), c.req.valid("param").orgId), 200);
};

export const orgAccountsHandler: RouteHandler<typeof r.orgAccountsRoute, AppEnv> = async (c) => {
  const { cursor, limit } = c.req.valid("query");
  noStore(c);
  return c.json(await svc.organisationAccounts(c.get("data"), who(c), c.req.valid("param").orgId, cursor, limit), 200);
};

export const employeesHandler: RouteHandler<typeof r.employeesRoute, AppEnv> = async (c) => {
  noStore(c);
  return c.json(await svc.employees(c.get("data").global, who(c), c.req.valid("param").orgId), 200);
};

export const inviteHandler: RouteHandler<typeof r.inviteRoute, AppEnv> = async (c) => {
  const sent = await svc.invite(
    c.get("data"),
    notifier(c.env),
    actor(c),
    c.req.valid("param").orgId,
    c.req.valid("json"),
    new URL(c.req.url).origin,
  );
  return c.json(sent, 201);
};

export const changeEmployeeHandler: RouteHandler<typeof r.changeEmployeeRoute, AppEnv> = async (c) => {
  const { orgId, subscriberId } = c.req.valid("param");
  await svc.changeEmployee(c.get("data").global, actor(c), orgId, subscriberId, c.req.valid("json"));
  return c.body(null, 204);
};

export const removeEmployeeHandler: RouteHandler<typeof r.removeEmployeeRoute, AppEnv> = async (c) => {
  const { orgId, subscriberId } = c.req.valid("param");
  await svc.removeEmployee(c.get("data").global, actor(c), orgId, subscriberId);
  return c.body(null, 204);
};

export const auditHandler: RouteHandler<typeof r.auditRoute, AppEnv> = async (c) => {
  const { cursor, limit, ...filter } = c.req.valid("query");
  noStore(c);
  return c.json(await svc.auditLog(c.get("data"), who(c), c.req.valid("param").orgId, cursor, limit, filter), 200);
};

export const auditExportHandler: RouteHandler<typeof r.auditExportRoute, AppEnv> = async (c) => {
  const { format, ...filter } = c.req.valid("query");
  const file = await exportAudit(c.get("data"), actor(c), c.req.valid("param").orgId, filter, format, c.get("lang"));
  return fileResponse(file.body, format, file.filename) as never;
};

export const acceptInviteHandler: RouteHandler<typeof r.acceptInviteRoute, AppEnv> = async (c) => {
  return c.json(await svc.acceptInvite(c.get("data").global, who(c), c.req.valid("json").code, clientAddress(c)), 200);
};

export const joinStartHandler: RouteHandler<typeof r.joinStartRoute, AppEnv> = async (c) => {
  const { inn, channel } = c.req.valid("json");
  const sent = await svc.startJoin(c.get("data"), notifier(c.env), who(c), inn, channel, clientAddress(c));
  return c.json({ expiresAt: sent.expiresAt.toISOString() }, 202);
};

export const joinConfirmHandler: RouteHandler<typeof r.joinConfirmRoute, AppEnv> = async (c) => {
  const { inn, code } = c.req.valid("json");
  return c.json(await svc.confirmJoin(c.get("data"), who(c), inn, code, clientAddress(c)), 200);
};

/** The operators' API has one shared token, not a person: the audit log says so. */
const OPERATOR_API = "Оператор (API)";

export const opsCreateOrganisationHandler: RouteHandler<typeof r.opsCreateOrganisationRoute, AppEnv> = async (c) => {
  return c.json(await svc.createOrganisation(c.get("data"), OPERATOR_API, c.req.valid("json"), clientAddress(c)), 201);
};

export const opsAddAdministratorHandler: RouteHandler<typeof r.opsAddAdministratorRoute, AppEnv> = async (c) => {
  const added = await svc.addAdministrator(
    c.get("data"),
    OPERATOR_API,
    c.req.valid("param").orgId,
    c.req.valid("json").contact,
    clientAddress(c),
  );
  return c.json(added, 201);
};
