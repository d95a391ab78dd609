import type { RouteHandler } from "@hono/zod-openapi";
import type { AppEnv } from "../../env";
import { clientAddress } from "../../platform/client";
import { decodeHeader } from "../../platform/validation";
import type * as r from "./bank.routes";
import { assignLine, importStatement, listLines } from "./bank.service";

/** The operators' token names no person: uploads and assignments are recorded as the API's. */
const OPERATOR_API = "operator-api";

export const importStatementHandler: RouteHandler<typeof r.importStatementRoute, AppEnv> = async (c) => {
  const name = decodeHeader(c.req.header("x-file-name") ?? "", "X-File-Name");
  const bytes = new Uint8Array(await c.req.arrayBuffer());
  const result = await importStatement(c.get("data"), bytes, {
    fileName: name || null,
    uploadedBy: OPERATOR_API,
    address: clientAddress(c),
    queue: c.env.BILLING,
    notifications: c.env.NOTIFICATIONS,
  });
  return c.json(result, 200);
};

export const listLinesHandler: RouteHandler<typeof r.listLinesRoute, AppEnv> = async (c) => {
  const q = c.req.valid("query");
  return c.json(await listLines(c.get("data"), q.status, q.limit, q.after), 200);
};

export const assignLineHandler: RouteHandler<typeof r.assignLineRoute, AppEnv> = async (c) =>
  c.json(
    await assignLine(
      c.get("data"),
      c.req.valid("param").id,
      c.req.valid("json"),
      { name: OPERATOR_API, address: clientAddress(c) },
      c.env.NOTIFICATIONS,
    ),
    200,
  );
