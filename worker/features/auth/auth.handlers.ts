import type { RouteHandler } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { AppEnv } from "../../env";
import { clientAddress } from "../../platform/client";
import { clearSessionCookie, endSession, requireSession, setSessionCookie } from "../../platform/session";
import type { endOtherSessionsRoute, endSessionRoute, loginRoute, logoutRoute, meRoute, sessionsRoute } from "./auth.routes";
import { type Client, currentProfile, endOneSession, endOtherSessions, listSessions, loginWithPassword } from "./auth.service";

/** The client as the throttle sees it: its address (see `clientAddress`) and browser. */
export function clientOf(c: Context<AppEnv>): Client {
  return { address: clientAddress(c), userAgent: c.req.header("user-agent") ?? null };
}

export const loginHandler: RouteHandler<typeof loginRoute, AppEnv> = async (c) => {
  const { identifier, password, captcha } = c.req.valid("json");
  const site = c.get("region")?.code ?? "apex";
  const { profile, session } = await loginWithPassword(c.get("data"), identifier, password, clientOf(c), {
    site,
    captcha,
    env: c.env,
  });
  // A session from before the login (if any) ends: a new token on every login.
  const previous = c.get("session");
  if (previous) await endSession(c.get("data"), previous);
  setSessionCookie(c, session.token);
  c.header("cache-control", "no-store");
  return c.json({ profile }, 200);
};

export const logoutHandler: RouteHandler<typeof logoutRoute, AppEnv> = async (c) => {
  const session = c.get("session");
  if (session) await endSession(c.get("data"), session);
  clearSessionCookie(c);
  return c.body(null, 204);
};

export const meHandler: RouteHandler<typeof meRoute, AppEnv> = async (c) => {
  const profile = await currentProfile(c.get("data").global, requireSession(c));
  c.header("cache-control", "private, no-store");
  return c.json({ profile }, 200);
};

export const sessionsHandler: RouteHandler<typeof sessionsRoute, AppEnv> = async (c) => {
  c.header("cache-control", "private, no-store");
  return c.json({ items: await listSessions(c.get("data"), requireSession(c)) }, 200);
};

export const endSessionHandler: RouteHandler<typeof endSessionRoute, AppEnv> = async (c) => {
  const wasCurrent = await endOneSession(c.get("data"), requireSession(c), c.req.valid("param").id);
  if (wasCurrent) clearSessionCookie(c);
  return c.body(null, 204);
};

export const endOtherSessionsHandler: RouteHandler<typeof endOtherSessionsRoute, AppEnv> = async (c) => {
  await endOtherSessions(c.get("data"), requireSession(c));
  return c.body(null, 204);
};
