import { createRouter } from "../../app";
import * as h from "./bonus.handlers";
import * as r from "./bonus.routes";

/** The loyalty programme «Бонус»: join, points and their history, rewards, leave. */
export const bonusRouter = createRouter()
  .openapi(r.overviewRoute, h.overviewHandler)
  .openapi(r.rewardsRoute, h.rewardsHandler)
  .openapi(r.joinRoute, h.joinHandler)
  .openapi(r.leaveRoute, h.leaveHandler)
  .openapi(r.redeemRoute, h.redeemHandler)
  .openapi(r.redemptionsRoute, h.redemptionsHandler);
