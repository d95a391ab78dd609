import type { RouteHandler } from "@hono/zod-openapi";
import type { AppEnv } from "../../env";
import { clientAddress } from "../../platform/client";
import { requireSession } from "../../platform/session";
import type * as r from "./reconciliation.routes";
import * as svc from "./reconciliation.service";

export const requestReconciliationHandler: RouteHandler<typeof r.requestReconciliationRoute, AppEnv> = async (c) => {
  const actor = { subscriberId: requireSession(c).subscriberId, address: clientAddress(c) };
  const queued = await svc.requestReconciliation(
    c.get("data"),
    c.env.REPORTS,
    actor,
    c.req.valid("param").orgId,
    c.req.valid("json"),
    c.get("lang"),
  );
  c.header("cache-control", "private, no-store");
  return c.json(queued, 202);
};

export const reconciliationHandler: RouteHandler<typeof r.reconciliationRoute, AppEnv> = async (c) => {
  const { orgId, id } = c.req.valid("param");
  c.header("cache-control", "private, no-store");
  return c.json(await svc.getReconciliation(c.get("data"), requireSession(c).subscriberId, orgId, id), 200);
};

export const reconciliationFileHandler: RouteHandler<typeof r.reconciliationFileRoute, AppEnv> = async (c) => {
  const { orgId, id, format } = c.req.valid("param");
  const file = await svc.reconciliationFile(c.get("data"), c.env.FILES, requireSession(c).subscriberId, orgId, id, format);
  return new Response(file.body, {
    status: 200,
    headers: {
      "content-type": file.contentType,
      "content-disposition": `attachment; filename="${file.fileName}"`,
      "cache-control": "private, no-store",
      "x-content-type-options": "nosniff",
    },
  }) as never;
};
