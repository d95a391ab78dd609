import { env } from "cloudflare:workers";
import { POLICY } from "../data/limits.data";
import { sha256Hex } from "./crypto";
import { AppError } from "./errors";
import { isolateState } from "./isolate-state";
import type { Scope } from "./throttle.do";

export type { Scope };
/**
 * Abuse limits, each key in its own Durable Object (`Throttle`, binding
 * THROTTLES): one object per key holds across all of Cloudflare's locations
 * (the Rate Limiting binding counts per location and only in 10 s / 60 s
 * windows), and no attempt, count or quota writes to D1 — a login storm or a
 * busy identifier loads only its own objects, never the global database.
 *
 * Every guarded attempt is *taken* before the secret is checked: the key's
 * object checks its allowance and counts the attempt in one call, which it
 * runs alone, so N concurrent attempts can never get more than the allowance
 * checked; a refused attempt is answered 429 before anything secret is
 * looked at. A success gives its attempt back (`succeeded`).
 *
 * Per person (the subscriber behind any identifier, else the identifier as
 * typed): 3 free attempts, then each next waits 2^(n-3) s after the previous
 * one, and the 10th locks for 15 minutes. Per client address: 20 free, then
 * the same doubling, the 50th locks for an hour. Quotas (codes sent, visitor
 * chats, feedback, applications, requests, reports, chat messages, line
 * checks) allow `lockAfter` uses in a fixed window from the first use. Counts
 * older than the window are forgotten: the object's alarm deletes them.
 *
 * The binding is read from the Worker's environment (`cloudflare:workers`):
 * the objects are addressed by key, not by anything of the request.
 */
export { POLICY };

export interface Guard {
  scope: Scope;
  key: string;
  /** The problem type of a refusal by this key (default `rate_limited`). */
  problem?: string;
}

export async function throttleKey(scope: Scope, value: string): Promise<string> {
  return `${scope}:${await sha256Hex(`throttle:${scope}:${value}`)}`;
}

/** The object that counts one key. */
const counter = (key: string) => env.THROTTLES.get(env.THROTTLES.idFromName(key));

/**
 * Spends a one-time token (a solved captcha) in an object of its own: true the first time, false for every use after
 * it, even at the same moment, until `until`. Nothing is written to D1: a storm of logins that each bring a solution
 * spends them in as many objects.
 */
export async function spendOnce(token: string, until: number): Promise<boolean> {
  return counter(`once:${await sha256Hex(`once:${token}`)}`).spend(until);
}

function refuse(seconds: number, type = "rate_limited"): never {
  const s = Math.max(1, Math.ceil(seconds));
  throw new AppError(429, type, { seconds: s }, [], { "retry-after": String(s) });
}

/** A counted attempt: on success the person's count is cleared and the address's lowered by one. */
export interface Attempt {
  succeeded(): Promise<void>;
  /** The secret was right but something else was refused (a taken login, a weak password): the attempt is given back to every key. */
  giveBack(): Promise<void>;
}

const giveBack = (guards: Guard[]) => Promise.all(guards.map((g) => counter(g.key).giveBack())).then(() => undefined);

/**
 * Takes one attempt from every key (their objects in parallel), or refuses
 * with 429 and Retry-After. Keys that counted when another refused are given
 * back (the attempt was never checked), except the address's: probing
 * locked people is not free.
 */
export async function takeAttempt(guards: Guard[], now = Date.now(), opts: { rememberAs?: string } = {}): Promise<Attempt> {
  const results = await Promise.all(guards.map((g) => counter(g.key).take(g.scope, now)));
  let wait = 0;
  let problem = "rate_limited";
  for (const [i, r] of results.entries()) if (!r.ok && r.waitMs >= wait) [wait, problem] = [r.waitMs, guards[i]?.problem ?? "rate_limited"];
  if (results.some((r) => !r.ok)) {
    await giveBack(guards.filter((g, i) => results[i]?.ok && g.scope !== "address"));
    if (opts.rememberAs) remember(opts.rememberAs, now + wait, problem);
    refuse(wait / 1000, problem);
  }
  return {
    async succeeded() {
      await Promise.all(guards.map((g) => (g.scope === "address" ? counter(g.key).giveBack() : counter(g.key).clear())));
    },
    giveBack: () => giveBack(guards),
  };
}

/**
 * Refusals this isolate has seen, by what the client typed (e.g. an identifier
 * as typed), until their wait is over: a flood on one identifier is answered
 * 429 again without reading the database to find the person, or asking the
 * person's object. It holds what the object said: a key refused until T
 * lets nothing through before T. (A success already being checked when the
 * refusal came may clear the key sooner; this isolate then still refuses that
 * spelling until T.) Bounded: the oldest are dropped first.
 */
const refusals = new Map<string, { until: number; problem: string }>();
const REFUSALS_KEPT = 10_000;

function remember(alias: string, until: number, problem: string) {
  refusals.delete(alias);
  refusals.set(alias, { until, problem });
  if (refusals.size > REFUSALS_KEPT) refusals.delete(refusals.keys().next().value as string);
}

/**
 * Refuses with 429, as the key's object did, while a refusal remembered for
 * `alias` (by `takeAttempt`'s `rememberAs`) holds; else nothing.
 */
export function assertNoRefusalFor(alias: string, now = Date.now()) {
  const r = refusals.get(alias);
  if (!r) return;
  if (r.until > now) refuse((r.until - now) / 1000, r.problem);
  refusals.delete(alias);
}

/** Forgets the remembered refusals (tests that reset the objects, as if every wait had passed). */
export const forgetRefusals = () => refusals.clear();
isolateState("platform/throttle", forgetRefusals);

/**
 * Refuses with 429 while any of the keys must wait, without counting: for the
 * steps that reveal nothing (sending a code); what checks a secret uses
 * `takeAttempt`.
 */
export async function assertNotThrottled(guards: Guard[], now = Date.now()) {
  const waits = await Promise.all(guards.map((g) => counter(g.key).wait(now)));
  let wait = 0;
  let problem = "rate_limited";
  for (const [i, w] of waits.entries()) if (w > wait) [wait, problem] = [w, guards[i]?.problem ?? "rate_limited"];
  if (wait > 0) refuse(wait / 1000, problem);
}

/** Counts one use of a quota: past its limit within its window, 429 (one atomic call, so parallel requests cannot slip past). */
export async function guardCount(
  scope: Exclude<Scope, "identifier" | "address" | "step_up" | "confirm">,
  subject: string,
  now = Date.now(),
) {
  await takeAttempt([{ scope, key: await throttleKey(scope, subject) }], now);
}

/** The client address's key: checked first, before any database read or password hash. */
export const addressGuard = async (address: string): Promise<Guard> => ({ scope: "address", key: await throttleKey("address", address) });

/** The keys of a logged-in subscriber's code confirmation (relatives' account linking, a new phone or email): the subscriber and the address. */
export async function confirmGuards(subscriberId: string, address: string): Promise<Guard[]> {
  return [{ scope: "confirm", key: await throttleKey("confirm", subscriberId) }, await addressGuard(address)];
}
