import type { Context } from "hono";
import { getCookie } from "hono/cookie";
import type { AppEnv } from "../../env";
import { AppError } from "../../platform/errors";
import type { GeoHint } from "../../platform/region";
import { findSession, renewedSessionCookies, SESSION_COOKIE } from "../../platform/session";
import { listAccounts } from "../accounts/accounts.service";
import { currentProfile } from "../auth/auth.service";
import { myOutages } from "../notifications/notifications.service";
import { regionContacts, regionContext, regionServiceOptions, regionTariffs } from "../regions/regions.service";
import { preloadLinks, preloadsFor } from "./pages.preload";

/** JSON that is safe inside a `<script>` element (no `</script>`, no HTML comment openers). */
export function scriptSafeJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, "\\u003c").replace(/>/g, "\\u003e").replace(/&/g, "\\u0026");
}

/**
 * Only a page the browser navigates to gets boot data. Never the service
 * worker's precache download of `/index.html` (a fetch, `Sec-Fetch-Dest:
 * empty`): that copy is kept on the device and served to whoever opens the app
 * next, so it must hold nothing personal.
 */
export function isPageNavigation(req: Request): boolean {
  if (new URL(req.url).pathname === "/index.html") return false;
  const dest = req.headers.get("sec-fetch-dest");
  return dest === null || dest === "document";
}

/**
 * The app's first page carries what it would otherwise fetch before drawing
 * anything (the region context, its support numbers, and on the home and
 * tariff pages the region's catalogue; for a logged-in subscriber the profile
 * and the outages at their addresses, and on the accounts page the accounts),
 * as a JSON data block (not executed,
 * so the CSP's `script-src 'self'` is unaffected). Saves round trips on a slow
 * mobile network. The page then depends on the visitor, so it is never stored
 * by any cache (the service worker serves its own copy of the shell offline).
 */
export async function withBootData(c: Context<AppEnv>, res: Response): Promise<Response> {
  const region = c.get("region");
  const geo = (c.req.raw as Request & { cf?: GeoHint }).cf;
  const url = new URL(c.req.url);
  const data = c.get("data");
  const page = url.pathname.replace(/\/+$/, "") || "/";
  // The public pages people land on get their catalogue too, so they are drawn in one pass.
  const [contacts, tariffs, services, preloads] = await Promise.all([
    region ? regionContacts(data, region) : [],
    region && (page === "/" || page === "/tariffs") ? regionTariffs(data, region) : undefined,
    region && page === "/tariffs" ? regionServiceOptions(data, region) : undefined,
    // The app's language is its cookie's (not Accept-Language): the same choice `initialLang` makes in the browser.
    preloadsFor(c.env.ASSETS, url, getCookie(c, "lang") === "en" ? "en" : "ru"),
  ]);
  const token = region ? getCookie(c, SESSION_COOKIE) : undefined;
  // Outages too: their banner goes above the page, and drawn after it, it pushed the whole page down (CLS 0.54).
  // Only the pages with the outage banner (home, accounts): the others would pay for a query they do not show.
  // The profile comes with the session (the home shard's copy), the outages from the isolate's copy of the regions'.
  const outagePage = page === "/" || page === "/accounts";
  // A store that does not answer (a 503 to retry: platform/places.ts) leaves the page its shell without the session's
  // data; the app's own requests then say so, with their retry.
  const unavailable = (e: unknown) => {
    if (e instanceof AppError && e.status === 503) return undefined;
    throw e;
  };
  const session = token ? ((await findSession(data, token, new Date()).catch(unavailable)) ?? null) : null;
  const [me, accounts, outages] = session
    ? await Promise.all([
        currentProfile(data.global, session),
        page === "/accounts" ? listAccounts(data, session.subscriberId) : undefined,
        // Opened from an outage's notice: a copy of the outages that contradicts it is read again.
        outagePage
          ? myOutages(data, session.subscriberId, {
              declared: url.searchParams.get("outage") ?? undefined,
              resolved: url.searchParams.get("outage-resolved") ?? undefined,
            })
          : undefined,
      ]).catch((e: unknown) => [unavailable(e), undefined, undefined] as const)
    : [undefined, undefined, undefined];
  const boot = { region: regionContext(region, geo, url, c.env.BASE_DOMAIN), contacts, tariffs, services, me, accounts, outages };
  const rewritten = new HTMLRewriter()
    .on("head", {
      element(head) {
        head.append(`${preloadLinks(preloads)}<script type="application/json" id="kabinet-boot">${scriptSafeJson(boot)}</script>`, {
          html: true,
        });
      },
    })
    .transform(res);
  const out = new Response(rewritten.body, res);
  out.headers.set("cache-control", "private, no-store");
  out.headers.delete("etag");
  out.headers.delete("content-length");
  // A page is a use of the session as much as an API call: the browser keeps the renewed proof of it.
  for (const cookie of renewedSessionCookies(c, session)) out.headers.append("set-cookie", cookie);
  return out;
}
