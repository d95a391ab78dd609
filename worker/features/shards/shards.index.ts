import { createRouter } from "../../app";
import { operatorAuth } from "../../platform/operator";
import * as h from "./shards.handlers";
import * as r from "./shards.routes";

/** The shard map and account moves between shards (Bearer OPERATOR_TOKEN, like the rest of /ops). */
export const opsShardsRouter = createRouter();
opsShardsRouter.use("/shards", operatorAuth);
opsShardsRouter.use("/shards/*", operatorAuth);
opsShardsRouter.use("/shard-moves", operatorAuth);
opsShardsRouter.use("/shard-moves/*", operatorAuth);
opsShardsRouter
  .openapi(r.shardsRoute, h.shardsHandler)
  .openapi(r.putShardRoute, h.putShardHandler)
  .openapi(r.moveAccountRoute, h.moveAccountHandler)
  .openapi(r.abandonMoveRoute, h.abandonMoveHandler)
  .openapi(r.getMoveRoute, h.getMoveHandler)
  .openapi(r.rebuildPlacesRoute, h.rebuildPlacesHandler);
