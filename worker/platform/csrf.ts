import type { Context, MiddlewareHandler } from "hono";
import type { AppEnv } from "../env";
import { AppError } from "./errors";
import { classifyHost, isLocalBase, siteScheme } from "./host";
import { regionByCode } from "./region";

const SAFE = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * True when an Origin is one of our own sites: the apex or the subdomain of a
 * region in the catalogue, not just any name under the base domain (a page
 * on `evil.<base>`, a preview or a forgotten DNS record is not ours). In
 * production it must be https on the default port; given the request's URL,
 * it must also have the scheme and port of the site the request came to.
 */
export function isOwnOrigin(origin: string, baseDomain: string, requestUrl?: URL): boolean {
  if (!URL.canParse(origin)) return false;
  const url = new URL(origin);
  const host = classifyHost(url.hostname, baseDomain);
  const known = host.kind === "apex" || (host.kind === "region" && regionByCode(host.code) !== undefined);
  if (!known) return false;
  if (!requestUrl && isLocalBase(baseDomain)) return true;
  const expected = requestUrl ? siteScheme(requestUrl, baseDomain) : { protocol: "https:", port: "" };
  return url.protocol === expected.protocol && url.port === expected.port;
}

/** Whether the request's Origin header names one of our own sites (see `isOwnOrigin`). */
export function hasOwnOrigin(c: Context<AppEnv>): boolean {
  const origin = c.req.header("origin");
  return origin !== undefined && isOwnOrigin(origin, c.env.BASE_DOMAIN, new URL(c.req.url));
}

/**
 * CSRF: a state-changing request must come from one of our own pages.
 * Browsers send Origin on every such request (and Sec-Fetch-Site with it):
 * it must name one of our sites. A page on a sibling subdomain is
 * "same-site" to the browser, so that header alone proves nothing; only
 * "same-origin" without an Origin is taken as our own page.
 */
export const csrfGuard: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (SAFE.has(c.req.method)) return next();
  const site = c.req.header("sec-fetch-site");
  const origin = c.req.header("origin");
  const ok = origin === undefined ? site === "same-origin" : hasOwnOrigin(c) && (!site || site === "same-origin" || site === "same-site");
  if (ok) return next();
  throw new AppError(403, "csrf");
};
