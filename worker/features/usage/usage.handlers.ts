import type { RouteHandler } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { UsageCategory } from "../../db/schema/region";
import type { AppEnv } from "../../env";
import { requireSession } from "../../platform/session";
import type { Report } from "./usage.queries";
import type * as r from "./usage.routes";
import * as svc from "./usage.service";

const noStore = (c: Context<AppEnv>) => c.header("cache-control", "private, no-store");

export const usageHandler: RouteHandler<typeof r.usageRoute, AppEnv> = async (c) => {
  const qy = c.req.valid("query");
  noStore(c);
  return c.json(
    await svc.usageView(c.get("data"), c.env.FILES, requireSession(c).subscriberId, c.req.valid("param").accountNo, {
      from: qy.from,
      to: qy.to,
      serviceId: qy.service,
      categories: qy.categories ? (qy.categories.split(",") as UsageCategory[]) : undefined,
      cursor: qy.cursor,
      limit: qy.limit,
    }),
    200,
  );
};

export const orderHandler: RouteHandler<typeof r.orderRoute, AppEnv> = async (c) => {
  const report = await svc.orderReport(
    c.get("data"),
    c.env.REPORTS,
    requireSession(c).subscriberId,
    c.req.valid("param").accountNo,
    c.req.valid("json"),
    c.get("lang"),
  );
  noStore(c);
  return c.json(report, 202);
};

export const reportsHandler: RouteHandler<typeof r.reportsRoute, AppEnv> = async (c) => {
  noStore(c);
  return c.json({ items: await svc.listReports(c.get("data"), requireSession(c).subscriberId, c.req.valid("param").accountNo) }, 200);
};

export const reportHandler: RouteHandler<typeof r.reportRoute, AppEnv> = async (c) => {
  const { accountNo, reportId } = c.req.valid("param");
  noStore(c);
  return c.json(svc.reportView(await svc.getReport(c.get("data"), requireSession(c).subscriberId, accountNo, reportId)), 200);
};

/** Streams a report's file from R2 as an attachment, never cached by anyone but the browser's download. */
export async function sendReportFile(c: Context<AppEnv>, report: Report): Promise<Response> {
  const obj = await svc.reportFile(c.env.FILES, report);
  return new Response(obj.body, {
    status: 200,
    headers: {
      "content-type": svc.contentType[report.format],
      "content-disposition": svc.contentDisposition(report),
      "content-length": String(obj.size),
      "cache-control": "private, no-store",
      "x-content-type-options": "nosniff",
    },
  });
}

export const fileHandler: RouteHandler<typeof r.fileRoute, AppEnv> = async (c) => {
  const { accountNo, reportId } = c.req.valid("param");
  const report = await svc.getReport(c.get("data"), requireSession(c).subscriberId, accountNo, reportId);
  return sendReportFile(c, report) as never;
};
