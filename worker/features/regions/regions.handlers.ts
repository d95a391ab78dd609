import type { RouteHandler } from "@hono/zod-openapi";
import type { AppEnv } from "../../env";
import { mapConfig } from "../../platform/map";
import type { GeoHint } from "../../platform/region";
import type { contactsRoute, listRegionsRoute, officesRoute, regionContextRoute, servicesRoute, tariffsRoute } from "./regions.routes";
import {
  listRegions,
  regionContacts,
  regionContext,
  regionOffices,
  regionServiceOptions,
  regionTariffs,
  requireRegion,
} from "./regions.service";

/** Public catalogue data changes rarely: let browsers and the edge keep it a few minutes. */
const PUBLIC_CACHE = "public, max-age=300, stale-while-revalidate=3600";

export const listRegionsHandler: RouteHandler<typeof listRegionsRoute, AppEnv> = (c) => {
  c.header("cache-control", PUBLIC_CACHE);
  return c.json({ items: listRegions(new URL(c.req.url), c.env.BASE_DOMAIN) }, 200);
};

export const regionContextHandler: RouteHandler<typeof regionContextRoute, AppEnv> = (c) => {
  const geo = (c.req.raw as Request & { cf?: GeoHint }).cf;
  // Detection depends on the caller's location: never shared between visitors.
  c.header("cache-control", "private, no-store");
  return c.json(regionContext(c.get("region"), geo, new URL(c.req.url), c.env.BASE_DOMAIN), 200);
};

export const tariffsHandler: RouteHandler<typeof tariffsRoute, AppEnv> = async (c) => {
  const region = requireRegion(c.get("region"));
  const { kind } = c.req.valid("query");
  c.header("cache-control", PUBLIC_CACHE);
  return c.json({ items: await regionTariffs(c.get("data"), region, kind) }, 200);
};

export const servicesHandler: RouteHandler<typeof servicesRoute, AppEnv> = async (c) => {
  const region = requireRegion(c.get("region"));
  c.header("cache-control", PUBLIC_CACHE);
  return c.json({ items: await regionServiceOptions(c.get("data"), region) }, 200);
};

export const officesHandler: RouteHandler<typeof officesRoute, AppEnv> = async (c) => {
  const region = requireRegion(c.get("region"));
  c.header("cache-control", PUBLIC_CACHE);
  return c.json({ items: await regionOffices(c.get("data"), region), map: mapConfig(c.env) }, 200);
};

export const contactsHandler: RouteHandler<typeof contactsRoute, AppEnv> = async (c) => {
  const region = requireRegion(c.get("region"));
  c.header("cache-control", PUBLIC_CACHE);
  return c.json({ items: await regionContacts(c.get("data"), region) }, 200);
};
