import type { RouteHandler } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { AppEnv } from "../../env";
import { notifier } from "../../platform/notify";
import { requireSession, requireStepUp, rotateSession, STEP_UP_TTL_MS, setSessionCookie } from "../../platform/session";
import { clientOf } from "./auth.handlers";
import { currentProfile, profileOf } from "./auth.service";
import { assertCaptcha, newCaptcha } from "./captcha.service";
import type { Notify } from "./codes.service";
import type * as r from "./flows.routes";
import * as flows from "./flows.service";

type H<R extends Parameters<typeof import("@hono/zod-openapi").createRoute>[0]> = RouteHandler<R, AppEnv>;

/** Codes travel through the notifications queue to the SMS/email adapters. */
const notifyOf = (c: Context<AppEnv>): Notify => notifier(c.env);

const db = (c: Context<AppEnv>) => c.get("data").global;
const sent = (r: { expiresAt: Date }) => ({ expiresAt: r.expiresAt.toISOString() });

export const requestLoginCodeHandler: H<typeof r.requestLoginCodeRoute> = async (c) => {
  const { identifier, channel } = c.req.valid("json");
  return c.json(sent(await flows.requestLoginCode(c.get("data"), notifyOf(c), identifier, channel, clientOf(c))), 202);
};

export const verifyLoginCodeHandler: H<typeof r.verifyLoginCodeRoute> = async (c) => {
  const { identifier, code } = c.req.valid("json");
  const { profile, session } = await flows.loginWithCode(c.get("data"), identifier, code, clientOf(c));
  setSessionCookie(c, session.token);
  return c.json({ profile }, 200);
};

export const startRegistrationHandler: H<typeof r.startRegistrationRoute> = async (c) => {
  return c.json(sent(await flows.startRegistration(c.get("data"), notifyOf(c), c.req.valid("json"), clientOf(c))), 202);
};

export const completeRegistrationHandler: H<typeof r.completeRegistrationRoute> = async (c) => {
  const { subscriber, session } = await flows.completeRegistration(c.get("data"), c.req.valid("json"), clientOf(c));
  setSessionCookie(c, session.token);
  return c.json({ profile: profileOf(subscriber) }, 201);
};

export const captchaHandler: H<typeof r.captchaRoute> = async (c) => {
  c.header("cache-control", "no-store");
  const challenge = await newCaptcha(c.env);
  return c.json({ parameters: { ...challenge.parameters }, signature: challenge.signature }, 200);
};

export const startRecoveryHandler: H<typeof r.startRecoveryRoute> = async (c) => {
  const { identifier, channel, captcha } = c.req.valid("json");
  await assertCaptcha(c.env, captcha);
  return c.json(sent(await flows.startRecovery(c.get("data"), notifyOf(c), identifier, channel, clientOf(c))), 202);
};

export const completeRecoveryHandler: H<typeof r.completeRecoveryRoute> = async (c) => {
  const { identifier, code, password } = c.req.valid("json");
  const { subscriber, session } = await flows.completeRecovery(c.get("data"), identifier, code, password, clientOf(c));
  setSessionCookie(c, session.token);
  return c.json({ profile: profileOf(subscriber) }, 200);
};

export const startStepUpHandler: H<typeof r.startStepUpRoute> = async (c) => {
  return c.json(sent(await flows.startStepUp(c.get("data"), notifyOf(c), requireSession(c))), 202);
};

export const verifyStepUpHandler: H<typeof r.verifyStepUpRoute> = async (c) => {
  const session = requireSession(c);
  await flows.verifyStepUp(c.get("data"), session, c.req.valid("json").code, clientOf(c));
  const now = new Date();
  const rotated = await rotateSession(c.get("data"), session, { stepUpAt: now });
  setSessionCookie(c, rotated.token);
  return c.json({ validUntil: new Date(now.getTime() + STEP_UP_TTL_MS).toISOString() }, 200);
};

export const changePasswordHandler: H<typeof r.changePasswordRoute> = async (c) => {
  const session = requireSession(c);
  const { currentPassword, newPassword } = c.req.valid("json");
  await flows.changePassword(c.get("data"), session, currentPassword, newPassword);
  const rotated = await rotateSession(c.get("data"), session, {});
  setSessionCookie(c, rotated.token);
  return c.body(null, 204);
};

export const startPhoneHandler: H<typeof r.phoneRoutes.start> = async (c) => {
  // The phone receives step-up codes: changing it needs a step-up on the old one.
  const session = requireStepUp(c);
  const body = c.req.valid("json") as { phone: string };
  return c.json(sent(await flows.startContactChange(c.get("data"), notifyOf(c), session, "phone", body.phone, clientOf(c))), 202);
};

export const verifyPhoneHandler: H<typeof r.phoneRoutes.verify> = async (c) => {
  const session = requireSession(c);
  await flows.confirmContactChange(c.get("data"), session, "phone", c.req.valid("json").code, clientOf(c));
  return c.json({ profile: await currentProfile(db(c), session) }, 200);
};

export const startEmailHandler: H<typeof r.emailRoutes.start> = async (c) => {
  const session = requireSession(c);
  const body = c.req.valid("json") as { email: string };
  return c.json(sent(await flows.startContactChange(c.get("data"), notifyOf(c), session, "email", body.email, clientOf(c))), 202);
};

export const verifyEmailHandler: H<typeof r.emailRoutes.verify> = async (c) => {
  const session = requireSession(c);
  await flows.confirmContactChange(c.get("data"), session, "email", c.req.valid("json").code, clientOf(c));
  return c.json({ profile: await currentProfile(db(c), session) }, 200);
};
