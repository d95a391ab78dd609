import { createRoute, z } from "@hono/zod-openapi";
import { HELP_TOPICS } from "../../data/help.data";
import { jsonResponse, problem, type ResponseOf } from "../../platform/openapi";

const SCREENS = ["login", "payments", "autopay", "promised", "usage", "tariffs", "block", "connect", "applications", "support"] as const;

export const HelpArticle = z
  .object({
    id: z.string(),
    topic: z.enum(HELP_TOPICS),
    topicLabel: z.string(),
    title: z.string(),
    body: z.string().openapi({ description: "Paragraphs separated by blank lines, plain text" }),
    screens: z.array(z.enum(SCREENS)),
  })
  .openapi("HelpArticle");

const regionOnly = problem("The apex has no help centre: it is per region");

export const articlesRoute = createRoute({
  method: "get",
  path: "/help/articles",
  tags: ["Help"],
  summary: "The region's help articles in the request's language, optionally of one topic or for one screen",
  request: { query: z.object({ topic: z.enum(HELP_TOPICS).optional(), screen: z.enum(SCREENS).optional() }) },
  responses: {
    200: jsonResponse(
      "Articles",
      z.object({ items: z.array(HelpArticle), topics: z.array(z.object({ id: z.enum(HELP_TOPICS), label: z.string() })) }),
    ),
    400: regionOnly,
  },
});

export const articleRoute = createRoute({
  method: "get",
  path: "/help/articles/{id}",
  tags: ["Help"],
  summary: "One help article",
  request: { params: z.object({ id: z.string().max(80) }) },
  responses: { 200: jsonResponse("Article", HelpArticle), 400: regionOnly, 404: problem("No such article in this region") },
});

export const searchRoute = createRoute({
  method: "get",
  path: "/help/search",
  tags: ["Help"],
  summary: "Full-text search of the region's articles (stemmed: «оплатить» finds «оплата»), best first",
  request: { query: z.object({ q: z.string().trim().min(1).max(200) }) },
  responses: { 200: jsonResponse("Hits", z.object({ items: z.array(HelpArticle) })), 400: regionOnly },
});

export type HelpArticleDto = z.infer<typeof HelpArticle>;
/** The region's articles (of a topic or a screen) and the topics to browse. */
export type HelpArticlesDto = ResponseOf<typeof articlesRoute>;
