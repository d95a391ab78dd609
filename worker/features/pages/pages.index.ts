import { Hono } from "hono";
import type { AppEnv } from "../../env";
import { selectRecentOutbox } from "./pages.queries";
import { API_DOCS_INIT, apiDocsPage, outboxPage } from "./pages.views";

/** Server-rendered pages outside the SPA: API docs and the dev outbox. */
export const pagesRouter = new Hono<AppEnv>()
  .get("/api/docs", (c) => c.html(apiDocsPage()))
  .get("/api/docs/init.js", (c) => c.body(API_DOCS_INIT, 200, { "content-type": "text/javascript; charset=utf-8" }))
  .get("/dev/outbox", async (c) => {
    if (c.env.DEV_MODE !== "true") return c.notFound();
    const rows = await selectRecentOutbox(c.get("data").global);
    c.header("cache-control", "no-store");
    return c.html(outboxPage(c.get("lang"), rows));
  });
