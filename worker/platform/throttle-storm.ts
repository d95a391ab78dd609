import { env } from "cloudflare:workers";
import { LOGIN_STORM } from "../data/limits.data";
import { AppError } from "./errors";
import { isolateState } from "./isolate-state";

/**
 * Storm mode of the password login: whether a site's failed logins run high
 * enough that a login must carry a solved proof of work (see `LOGIN_STORM`).
 *
 * The count is kept where it scales: one `Throttle` object per site
 * (`login-storm:<site>`), and no attempt writes to D1. Each isolate keeps a
 * short local view: the failures it saw since it last asked, and the
 * object's last answer. It asks the object at most every `viewMs` (one call
 * that adds its failures and reads the state), so a storm of any size costs
 * the object one call a second per isolate, and a login nothing more than a
 * map lookup in between. The isolate switches on by itself as soon as its own
 * failures added to the object's last count reach the threshold; it switches
 * off when the object says so.
 */
interface View {
  on: boolean;
  /** The window's failures at the object's last answer. */
  failures: number;
  /** When the object was last asked (0: never). */
  askedAt: number;
  /** Failures this isolate saw since then, not yet added to the object's count. */
  pending: number;
  asking?: Promise<void>;
}

const views = new Map<string, View>();

const viewOf = (site: string): View => {
  let v = views.get(site);
  if (!v) {
    v = { on: false, failures: 0, askedAt: 0, pending: 0 };
    views.set(site, v);
  }
  return v;
};

const stormObject = (site: string) => env.THROTTLES.get(env.THROTTLES.idFromName(`login-storm:${site}`));

function ask(site: string, v: View, now: number): Promise<void> {
  const sent = v.pending;
  v.pending = 0;
  v.askedAt = now;
  v.asking = stormObject(site)
    .weather(sent, now)
    .then(
      (w) => {
        v.on = w.on;
        v.failures = w.failures;
      },
      (e: unknown) => {
        // Not counted: they go with the next question.
        v.pending += sent;
        throw e;
      },
    )
    .finally(() => {
      v.asking = undefined;
    });
  return v.asking;
}

/** Whether password logins on `site` must carry a solved proof of work now. */
export async function loginStormOn(site: string, now = Date.now()): Promise<boolean> {
  const v = viewOf(site);
  if (v.asking) await v.asking;
  else if (now - v.askedAt >= LOGIN_STORM.viewMs || now < v.askedAt) await ask(site, v, now);
  return v.on || v.failures + v.pending >= LOGIN_STORM.onAt;
}

/** One failed password login on `site` (wrong, unknown or refused): counted locally, reported with the next question. */
export function noteLoginFailure(site: string) {
  viewOf(site).pending++;
}

/** The refusal of a login that came without a valid, unused solution while storm mode is on: 429, solve a challenge. */
export const challengeRequired = () =>
  new AppError(429, "challenge_required", {}, [{ field: "captcha", message: "problem.challenge_required" }]);

/** Forgets this isolate's views (tests that reset the objects, as if the storm had passed). */
export const forgetLoginStorm = () => views.clear();
isolateState("platform/throttle-storm", forgetLoginStorm);
