import type { RouteHandler } from "@hono/zod-openapi";
import type { AppEnv } from "../../env";
import { requireSession } from "../../platform/session";
import { assetFonts } from "../usage/fonts.service";
import type * as r from "./statements.routes";
import * as svc from "./statements.service";

export const statementsHandler: RouteHandler<typeof r.statementsRoute, AppEnv> = async (c) => {
  c.header("cache-control", "private, no-store");
  return c.json(await svc.statements(c.get("data"), requireSession(c).subscriberId, c.req.valid("param").accountNo), 200);
};

export const statementPdfHandler: RouteHandler<typeof r.statementPdfRoute, AppEnv> = async (c) => {
  const { accountNo, month } = c.req.valid("param");
  const file = await svc.statementPdf(
    c.get("data"),
    requireSession(c).subscriberId,
    accountNo,
    month,
    c.env.FILES,
    assetFonts(c.env.ASSETS),
    c.get("lang"),
  );
  return new Response(file.body, {
    status: 200,
    headers: {
      "content-type": "application/pdf",
      "content-disposition": `attachment; filename="${file.filename}"`,
      "cache-control": "private, no-store",
      "x-content-type-options": "nosniff",
    },
  }) as never;
};
