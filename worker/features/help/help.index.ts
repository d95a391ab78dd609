import { createRouter } from "../../app";
import * as h from "./help.handlers";
import * as r from "./help.routes";

/** The help centre: articles per region and language, and their search. */
export const helpRouter = createRouter()
  .openapi(r.articlesRoute, h.articlesHandler)
  .openapi(r.articleRoute, h.articleHandler)
  .openapi(r.searchRoute, h.searchHandler);
