import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../env";
import { AppError } from "./errors";

const SAFE = new Set(["GET", "HEAD", "OPTIONS"]);

/** True when an Origin is the apex or a regional subdomain of the base domain. */
export function isOwnOrigin(origin: string, baseDomain: string): boolean {
  try {
    const host = new URL(origin).hostname.toLowerCase();
    return host === baseDomain || host.endsWith(`.${baseDomain}`);
  } catch {
    return false;
  }
}

/**
 * CSRF: a state-changing request must come from one of our own pages.
 * Browsers send Sec-Fetch-Site and Origin on such requests; a request that
 * carries neither, or names another site, is refused.
 */
export const csrfGuard: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (SAFE.has(c.req.method)) return next();
  const site = c.req.header("sec-fetch-site");
  const origin = c.req.header("origin");
  const base = c.env.BASE_DOMAIN;
  const sameSite = site === "same-origin" || site === "same-site";
  const originOk = origin ? isOwnOrigin(origin, base) : false;
  if (site ? sameSite && (!origin || originOk) : originOk) return next();
  throw new AppError(403, "csrf");
};
