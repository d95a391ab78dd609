import type { RouteHandler } from "@hono/zod-openapi";
import type { AuthenticationResponseJSON, RegistrationResponseJSON } from "@simplewebauthn/server";
import type { AppEnv } from "../../env";
import { requireSession, setSessionCookie } from "../../platform/session";
import { profileOf } from "./auth.service";
import type * as r from "./passkeys.routes";
import * as svc from "./passkeys.service";

export const registerOptionsHandler: RouteHandler<typeof r.passkeyRegisterOptionsRoute, AppEnv> = async (c) =>
  c.json(await svc.registrationOptions(c.env, c.get("data"), requireSession(c)), 200);

export const registerHandler: RouteHandler<typeof r.passkeyRegisterRoute, AppEnv> = async (c) => {
  const { credential, name } = c.req.valid("json");
  const saved = await svc.registerPasskey(c.env, c.get("data"), requireSession(c), credential as unknown as RegistrationResponseJSON, name);
  return c.json(saved, 201);
};

export const listHandler: RouteHandler<typeof r.passkeysRoute, AppEnv> = async (c) =>
  c.json({ items: await svc.listPasskeys(c.get("data"), requireSession(c)) }, 200);

export const deleteHandler: RouteHandler<typeof r.passkeyDeleteRoute, AppEnv> = async (c) => {
  await svc.deletePasskey(c.get("data"), requireSession(c), c.req.valid("param").id);
  return c.body(null, 204);
};

export const loginOptionsHandler: RouteHandler<typeof r.passkeyLoginOptionsRoute, AppEnv> = async (c) =>
  c.json(await svc.authenticationOptions(c.env, c.get("data").global), 200);

export const loginHandler: RouteHandler<typeof r.passkeyLoginRoute, AppEnv> = async (c) => {
  const { credential } = c.req.valid("json");
  const { subscriber, session } = await svc.loginWithPasskey(
    c.env,
    c.get("data"),
    credential as unknown as AuthenticationResponseJSON,
    c.req.header("user-agent") ?? null,
  );
  setSessionCookie(c, session.token);
  return c.json({ profile: profileOf(subscriber) }, 200);
};
