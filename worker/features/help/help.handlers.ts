import type { RouteHandler } from "@hono/zod-openapi";
import type { Context } from "hono";
import { HELP_TOPIC_LABELS, HELP_TOPICS } from "../../data/help.data";
import type { AppEnv } from "../../env";
import { AppError } from "../../platform/errors";
import type * as r from "./help.routes";
import * as svc from "./help.service";

function siteRegion(c: Context<AppEnv>) {
  const region = c.get("region");
  if (!region) throw new AppError(400, "region_required");
  return region;
}
// Public, per region and language: a short private cache (the language may come from a cookie).
const cacheable = (c: Context<AppEnv>) => c.header("cache-control", "private, max-age=300");

export const articlesHandler: RouteHandler<typeof r.articlesRoute, AppEnv> = async (c) => {
  const { topic, screen } = c.req.valid("query");
  const lang = c.get("lang");
  const all = await svc.regionArticles(c.get("data"), siteRegion(c), lang);
  cacheable(c);
  return c.json(
    {
      items: all.filter((a) => (!topic || a.topic === topic) && (!screen || a.screens.includes(screen))),
      topics: HELP_TOPICS.filter((t) => all.some((a) => a.topic === t)).map((id) => ({ id, label: HELP_TOPIC_LABELS[id][lang] })),
    },
    200,
  );
};

export const articleHandler: RouteHandler<typeof r.articleRoute, AppEnv> = async (c) => {
  const found = await svc.article(c.get("data"), siteRegion(c), c.get("lang"), c.req.valid("param").id);
  cacheable(c);
  return c.json(found, 200);
};

export const searchHandler: RouteHandler<typeof r.searchRoute, AppEnv> = async (c) => {
  const items = await svc.searchArticles(c.get("data"), siteRegion(c), c.get("lang"), c.req.valid("query").q);
  cacheable(c);
  return c.json({ items }, 200);
};
