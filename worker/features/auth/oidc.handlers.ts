import type { RouteHandler } from "@hono/zod-openapi";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import type { AppEnv } from "../../env";
import { requireSession, setSessionCookie } from "../../platform/session";
import type * as r from "./oidc.routes";
import { beginFlow, callbackUrl, completeFlow, listIdentities, listProviders, unlinkIdentity } from "./oidc.service";

const STATE_COOKIE = "kab_oidc_state";

/** Only a path on our own site: "/profile", never "//evil.example". */
const safePath = (p: string | undefined, fallback: string) => (p && /^\/(?!\/)[\w\-/?=&.%]*$/.test(p) ? p : fallback);

export const providersHandler: RouteHandler<typeof r.providersRoute, AppEnv> = (c) => c.json({ items: listProviders(c.env) }, 200);

export const oidcStartHandler: RouteHandler<typeof r.oidcStartRoute, AppEnv> = async (c) => {
  const { provider } = c.req.valid("param");
  const { mode, return: ret } = c.req.valid("query");
  const url = new URL(c.req.url);
  const start = await beginFlow(c.env, c.get("data").global, {
    provider,
    mode,
    session: c.get("session"),
    redirectUri: callbackUrl(url, c.env.BASE_DOMAIN, provider),
    returnTo: url.origin + safePath(ret, "/profile"),
  });
  // Binds the flow to this browser: the callback must come with the same state.
  setCookie(c, STATE_COOKIE, start.state, {
    domain: c.env.BASE_DOMAIN,
    path: "/api/v1/auth/oidc",
    httpOnly: true,
    sameSite: "Lax",
    secure: url.protocol === "https:",
    maxAge: 600,
  });
  c.header("cache-control", "no-store");
  return c.redirect(start.url, 302);
};

export const oidcCallbackHandler: RouteHandler<typeof r.oidcCallbackRoute, AppEnv> = async (c) => {
  const url = new URL(c.req.url);
  const outcome = await completeFlow(c.env, c.get("data"), {
    provider: c.req.valid("param").provider,
    url,
    cookieState: getCookie(c, STATE_COOKIE),
    session: c.get("session"),
    userAgent: c.req.header("user-agent") ?? null,
  });
  deleteCookie(c, STATE_COOKIE, { domain: c.env.BASE_DOMAIN, path: "/api/v1/auth/oidc" });
  c.header("cache-control", "no-store");
  // returnTo was built from our own request origin when the flow started.
  const back = (path: string | null, fallbackPath: string) => path ?? `${url.origin}${fallbackPath}`;
  if (outcome.kind === "logged-in") {
    setSessionCookie(c, outcome.token);
    return c.redirect(outcome.returnTo, 302);
  }
  if (outcome.kind === "linked") return c.redirect(`${outcome.returnTo}${outcome.returnTo.includes("?") ? "&" : "?"}linked=1`, 302);
  const target = new URL(back(outcome.returnTo, "/login"));
  if (outcome.code === "oidc_unlinked") target.pathname = "/login";
  target.searchParams.set("auth_error", outcome.code);
  return c.redirect(target.href, 302);
};

export const identitiesHandler: RouteHandler<typeof r.identitiesRoute, AppEnv> = async (c) => {
  c.header("cache-control", "private, no-store");
  return c.json({ items: await listIdentities(c.get("data"), requireSession(c)) }, 200);
};

export const unlinkHandler: RouteHandler<typeof r.unlinkRoute, AppEnv> = async (c) => {
  await unlinkIdentity(c.get("data"), requireSession(c), c.req.valid("param").provider);
  return c.body(null, 204);
};
