import type { RouteHandler } from "@hono/zod-openapi";
import type { AppEnv } from "../../env";
import { notifier } from "../../platform/notify";
import { listShards, registerShard } from "../../platform/shard-map";
import { abandonMove, getMove, moveAccount } from "./move.service";
import { rebuildPlaces } from "./rebuild.service";
import type * as r from "./shards.routes";

export const shardsHandler: RouteHandler<typeof r.shardsRoute, AppEnv> = async (c) =>
  c.json({ items: await listShards(c.get("data")) }, 200);

export const putShardHandler: RouteHandler<typeof r.putShardRoute, AppEnv> = async (c) => {
  const shard = await registerShard(c.get("data"), c.req.valid("param").binding, c.req.valid("json"));
  return shard.catalogue === "ready" ? c.json(shard, 200) : c.json(shard, 202);
};

export const moveAccountHandler: RouteHandler<typeof r.moveAccountRoute, AppEnv> = async (c) => {
  const { accountNo, toShard } = c.req.valid("json");
  const move = await moveAccount(c.get("data"), accountNo, toShard, { notify: notifier(c.env) });
  return move.step === "done" ? c.json(move, 200) : c.json(move, 202);
};

export const getMoveHandler: RouteHandler<typeof r.getMoveRoute, AppEnv> = async (c) =>
  c.json(await getMove(c.get("data"), c.req.valid("param").id), 200);

export const abandonMoveHandler: RouteHandler<typeof r.abandonMoveRoute, AppEnv> = async (c) => {
  const move = await abandonMove(c.get("data"), c.req.valid("json").accountNo, { notify: notifier(c.env) });
  return move.step === "abandoned" ? c.json(move, 200) : c.json(move, 202);
};

export const rebuildPlacesHandler: RouteHandler<typeof r.rebuildPlacesRoute, AppEnv> = async (c) =>
  c.json(await rebuildPlaces(c.get("data"), c.req.valid("param").binding, { restart: c.req.valid("query").restart === "true" }), 200);
