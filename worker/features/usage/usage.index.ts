import { Hono } from "hono";
import { createRouter } from "../../app";
import type { AppEnv } from "../../env";
import * as h from "./usage.handlers";
import * as r from "./usage.routes";
import { reportBySignedLink } from "./usage.service";

/** Usage detail (детализация): on screen, reports ordered as PDF or XLSX, their progress and files. */
export const usageRouter = createRouter()
  .openapi(r.usageRoute, h.usageHandler)
  .openapi(r.orderRoute, h.orderHandler)
  .openapi(r.reportsRoute, h.reportsHandler)
  .openapi(r.reportRoute, h.reportHandler)
  .openapi(r.fileRoute, h.fileHandler);

/**
 * A report's file by the signed, expiring link an emailed report carries (no
 * session: the mail may be opened elsewhere). Only the HMAC makes it valid;
 * the id alone opens nothing.
 */
export const usageFilesRouter = new Hono<AppEnv>().get("/files/reports/:token{[0-9a-zA-Z._-]{1,200}}", async (c) => {
  const report = await reportBySignedLink(c.get("data"), c.env.REPORT_LINK_SECRET, c.req.param("token"));
  c.header("referrer-policy", "no-referrer");
  return h.sendReportFile(c, report);
});
