import { createChallenge, verifySolution } from "altcha-lib";
import { deriveKey } from "altcha-lib/algorithms/web/pbkdf2";
import type { Challenge, Payload } from "altcha-lib/types";
import { AppError } from "../../platform/errors";
import { spendOnce } from "../../platform/throttle";

/**
 * Self-hosted proof-of-work captcha (ALTCHA v2, PBKDF2): the browser spends
 * about a second finding the counter; the server checks an HMAC (deterministic
 * mode), so verifying costs nothing. Each solved challenge is accepted once.
 */
const COST = 100;
const TTL_MS = 10 * 60 * 1000;

function secrets(env: Env) {
  return { hmacSignatureSecret: env.ALTCHA_HMAC_KEY, hmacKeySignatureSecret: `${env.ALTCHA_HMAC_KEY}:key` };
}

export async function newCaptcha(env: Env, now = Date.now()): Promise<Challenge> {
  const counter = 2000 + ((crypto.getRandomValues(new Uint32Array(1))[0] ?? 0) % 3000);
  return createChallenge({
    algorithm: "PBKDF2/SHA-256",
    cost: COST,
    counter,
    deriveKey,
    expiresAt: new Date(now + TTL_MS),
    ...secrets(env),
  });
}

const captchaFailed = () => new AppError(400, "captcha_failed", {}, [{ field: "captcha", message: "problem.captcha_failed" }]);

/**
 * Accepts a base64 JSON payload `{challenge, solution}` once; anything else is
 * `failed()` (a 400 by default). The signature is checked first (an HMAC, no
 * database); a valid solution is then spent in a Durable Object of its own
 * (`spendOnce`), which a second use of the same challenge, even at the same
 * moment, cannot repeat. Nothing is written to D1: in storm mode every login
 * brings a solution, and 3,000 logins a second would be 3,000 writes a second
 * to the global database (docs/capacity.md).
 */
export async function assertCaptcha(env: Env, payloadB64: string, failed: () => AppError = captchaFailed): Promise<void> {
  let payload: Payload;
  try {
    payload = JSON.parse(atob(payloadB64)) as Payload;
  } catch {
    throw failed();
  }
  if (!payload?.challenge?.signature || !payload.solution) throw failed();
  // A payload shaped wrongly inside (bad parameters, a non-number counter) is bad input like a wrong solution.
  const verified = await verifySolution({ challenge: payload.challenge, solution: payload.solution, deriveKey, ...secrets(env) }).then(
    (r) => r.verified,
    () => false,
  );
  if (!verified) throw failed();
  // Spent until well past the challenge's own expiry (signed in it, in seconds): another Worker whose clock is behind
  // still takes it for valid a little longer.
  const expires = (payload.challenge.parameters?.expiresAt ?? 0) * 1000;
  if (!(await spendOnce(`captcha:${payload.challenge.signature}`, Math.max(Date.now(), expires) + TTL_MS))) throw failed();
}
