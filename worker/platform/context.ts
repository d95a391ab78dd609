import type { MiddlewareHandler } from "hono";
import { getCookie } from "hono/cookie";
import type { AppEnv } from "../env";
import { createDataAccess } from "./db";
import { classifyHost } from "./host";
import { negotiateLang } from "./i18n";
import { regionByCode } from "./region";

/**
 * Sets what every handler reads from the context: the language, what the
 * host means (apex, region), the region itself and the database handles.
 * An unknown regional subdomain leaves `region` null with host kind "region";
 * the fetch entry answers it before any route runs.
 */
export const requestContext: MiddlewareHandler<AppEnv> = async (c, next) => {
  const url = new URL(c.req.url);
  c.set("lang", negotiateLang(url, getCookie(c, "lang"), c.req.header("accept-language") ?? null));
  const host = classifyHost(url.hostname, c.env.BASE_DOMAIN);
  c.set("host", host);
  c.set("region", host.kind === "region" ? (regionByCode(host.code) ?? null) : null);
  c.set("data", createDataAccess(c.env));
  await next();
};
