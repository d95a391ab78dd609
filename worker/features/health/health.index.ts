import { createRouter } from "../../app";
import { problemBody, problemResponse } from "../../platform/errors";
import { checkHealth } from "./health.service";

/**
 * `/healthz` for a load balancer or an uptime monitor: 200 with each
 * binding's check, or a 503 problem naming the failing ones. No secrets, no
 * data, no writes; not cached anywhere.
 */
export const healthRouter = createRouter().get("/healthz", async (c) => {
  const health = await checkHealth(c.env);
  const headers = { "cache-control": "no-store" };
  if (health.ok) return c.json({ status: "ok", checks: health.checks }, 200, headers);
  const lang = c.get("lang");
  const body = {
    ...problemBody(lang, 503, "unhealthy", { failing: health.failing.join(", ") }, { requestId: c.get("requestId") }),
    failing: health.failing,
    checks: health.checks,
  };
  return problemResponse(body, lang, headers);
});
