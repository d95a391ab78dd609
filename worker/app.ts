import { OpenAPIHono } from "@hono/zod-openapi";
import { HTTPException } from "hono/http-exception";
import { requestId } from "hono/request-id";
import type { AppEnv } from "./env";
import { unknownRegionPage } from "./features/pages/pages.views";
import { requestContext } from "./platform/context";
import { csrfGuard } from "./platform/csrf";
import { d1ServerTiming, failedDatabase } from "./platform/db";
import { AppError, accountMovingError, isAccountMoving, problemBody, problemResponse } from "./platform/errors";
import { hasMessage, t } from "./platform/i18n";
import { errorText, log } from "./platform/log";
import { metricsSink, withMetrics, writeRequestMetrics } from "./platform/metrics";
import { securityHeaders } from "./platform/security";
import { siteRouting } from "./platform/sites";
import { fieldName, issueMessage } from "./platform/validation";

/** A router for one feature; validation failures become problem+json with field errors. */
export function createRouter() {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result, c) => {
      if (result.success) return;
      const lang = c.get("lang") ?? "ru";
      const errors = result.error.issues.map((issue) => ({
        field: fieldName(issue.path),
        message: issueMessage(issue, lang),
      }));
      return problemResponse(problemBody(lang, 400, "validation", {}, { errors, requestId: c.get("requestId") }), lang);
    },
  });
}

/** The whole API app: shared middleware, error rendering and the OpenAPI document. */
export function createApp() {
  const app = createRouter();

  // Our own id for every request (an incoming X-Request-Id is not trusted): in logs, problems and the response.
  app.use("*", requestId({ headerName: "", generator: () => crypto.randomUUID() }));
  app.use("*", async (c, next) => {
    const started = Date.now();
    // Errors are rendered by onError inside next(), which does not throw: c.res is the answer sent.
    await withMetrics(next, (recorded) => {
      c.res.headers.set("x-request-id", c.get("requestId"));
      const d1 = c.get("data")?.stats;
      for (const entry of d1 ? d1ServerTiming(d1) : []) c.res.headers.append("server-timing", entry);
      // No personal data: the route pattern, not the URL; no query, no address.
      const request = {
        route: c.req.routePath,
        method: c.req.method,
        status: c.res.status,
        ms: Date.now() - started,
        region: c.get("region")?.code ?? null,
      };
      log(c.res.status >= 500 ? "error" : "info", "request", { requestId: c.get("requestId"), ...request, d1: d1?.roundTrips ?? 0 });
      // One data point per request, after the answer is made; writeDataPoint does not wait for the write.
      const d1Counts = { d1RoundTrips: d1?.roundTrips ?? 0, d1Statements: d1?.statements ?? 0 };
      writeRequestMetrics(metricsSink(c.env), { ...request, ...d1Counts }, recorded);
    });
  });
  app.use("*", securityHeaders);
  app.use("*", requestContext);
  // Only our own hosts are served: a foreign Host is a 404 before anything else reads it.
  app.use("*", siteRouting({ unknownRegion: unknownRegionPage }));
  app.use("/api/*", csrfGuard);

  app.notFound((c) => {
    const lang = c.get("lang") ?? "ru";
    return problemResponse(problemBody(lang, 404, "not_found", {}, { requestId: c.get("requestId") }), lang);
  });

  app.onError((raw, c) => {
    const lang = c.get("lang") ?? "ru";
    const requestId = c.get("requestId");
    // A write to an account frozen for a move to another shard: a 503 to retry, not a failure.
    const err = isAccountMoving(raw) ? accountMovingError() : raw;
    if (err instanceof AppError) {
      return problemResponse(
        problemBody(lang, err.status, err.slug, err.params, {
          requestId,
          ...(err.fields.length
            ? {
                errors: err.fields.map((f) => ({
                  field: f.field,
                  message: hasMessage(f.message) ? t(lang, f.message, f.params) : f.message,
                })),
              }
            : {}),
        }),
        lang,
        err.headers,
      );
    }
    if (err instanceof HTTPException && err.status < 500) {
      const slug = err.status === 413 ? "payload_too_large" : err.status === 405 ? "method_not_allowed" : "bad_json";
      return problemResponse(problemBody(lang, err.status, slug, {}, { requestId }), lang);
    }
    // `db`: the binding a failed D1 call ran on (a shard, a message store, "DB"), so a failing shard is found by its errors.
    const db = failedDatabase(err);
    log("error", "unhandled", { requestId, error: errorText(err), ...(db ? { db } : {}) });
    return problemResponse(problemBody(lang, 500, "internal", {}, { requestId }), lang);
  });

  return app;
}

export type App = ReturnType<typeof createApp>;
