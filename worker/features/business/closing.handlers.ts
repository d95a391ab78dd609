import type { RouteHandler } from "@hono/zod-openapi";
import type { AppEnv } from "../../env";
import { requireSession } from "../../platform/session";
import type * as r from "./closing.routes";
import * as svc from "./closing.service";

export const closingDocumentsHandler: RouteHandler<typeof r.closingDocumentsRoute, AppEnv> = async (c) => {
  c.header("cache-control", "private, no-store");
  return c.json(await svc.listClosingDocuments(c.get("data"), requireSession(c).subscriberId, c.req.valid("param").orgId), 200);
};

export const closingFileHandler: RouteHandler<typeof r.closingFileRoute, AppEnv> = async (c) => {
  const { orgId, docId, format } = c.req.valid("param");
  const file = await svc.closingFile(c.get("data"), c.env.FILES, requireSession(c).subscriberId, orgId, docId, format);
  return new Response(file.body, {
    status: 200,
    headers: { "content-type": file.contentType, "content-disposition": file.disposition, "cache-control": "private, no-store" },
  }) as never;
};

export const opsClosingMonthHandler: RouteHandler<typeof r.opsClosingMonthRoute, AppEnv> = async (c) => {
  const { orgId, period } = c.req.valid("param");
  return c.json(await svc.queueClosing(c.get("data"), c.env.REPORTS, orgId, period), 202);
};
