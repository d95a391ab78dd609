import type { MiddlewareHandler } from "hono";
import { getCookie, setCookie } from "hono/cookie";
import type { AppEnv } from "../env";
import { AppError } from "./errors";
import { siteUrl } from "./host";
import type { Lang } from "./i18n";
import { regionByCode } from "./region";

/** The cookie that remembers the visitor's region across the apex and subdomains. */
export const REGION_COOKIE = "region";
const YEAR_S = 365 * 24 * 60 * 60;

function wantsHtml(req: Request): boolean {
  return req.method === "GET" && (req.headers.get("accept") ?? "").includes("text/html");
}

/**
 * What the host decides before any route (and before the CSRF check): only
 * our own hosts are served, any other Host is a 404 problem; bare localhost
 * goes to the apex; an unknown subdomain is a 404 (a page for a browser's
 * navigation, else problem+json); the apex sends a visitor who has chosen a
 * region to it; a page opened on a regional site remembers that region for
 * the next visit to the apex. The page for an unknown region is the app's
 * to draw (platform knows no feature): it is passed in.
 */
export const siteRouting =
  (pages: { unknownRegion: (lang: Lang, code: string, apexUrl: string) => string | Promise<string> }): MiddlewareHandler<AppEnv> =>
  async (c, next) => {
    const url = new URL(c.req.url);
    const host = c.get("host");
    const base = c.env.BASE_DOMAIN;

    if (host.kind === "other") throw new AppError(404, "not_found");

    if (host.kind === "redirect-apex") {
      return c.redirect(siteUrl(url, base, null, url.pathname + url.search), 308);
    }

    if (host.kind === "region" && !c.get("region")) {
      if (url.pathname.startsWith("/api/") || !wantsHtml(c.req.raw)) throw new AppError(404, "region_not_found", { code: host.code });
      c.status(404);
      c.header("cache-control", "no-store");
      return c.html(pages.unknownRegion(c.get("lang"), host.code, siteUrl(url, base, null)));
    }

    if (host.kind === "apex" && url.pathname === "/" && !url.searchParams.has("choose") && wantsHtml(c.req.raw)) {
      const remembered = getCookie(c, REGION_COOKIE);
      if (remembered && regionByCode(remembered)) {
        c.header("cache-control", "no-store");
        return c.redirect(siteUrl(url, base, remembered, "/"), 302);
      }
    }

    await next();

    const region = c.get("region");
    if (region && wantsHtml(c.req.raw) && getCookie(c, REGION_COOKIE) !== region.code) {
      setCookie(c, REGION_COOKIE, region.code, {
        domain: base,
        path: "/",
        maxAge: YEAR_S,
        sameSite: "Lax",
        secure: url.protocol === "https:",
      });
    }
  };
