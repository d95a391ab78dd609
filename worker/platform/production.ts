import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../env";
import { problemBody, problemResponse } from "./errors";
import { isolateState } from "./isolate-state";
import { log } from "./log";
import { isDevMode, type SecretProblem, secretProblems } from "./secrets";

/**
 * Development helpers (`/dev/*`, the sandbox acquirer's pages and webhook):
 * outside DEV_MODE they do not exist, a 404 problem like any unknown path.
 */
export const devOnly: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (!isDevMode(c.env)) return c.notFound();
  await next();
};

/** The sandbox acquirer's webhook is a development helper too; a real acquirer's is not. */
export const sandboxWebhookDevOnly: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (c.env.ACQUIRER === "sandbox" && !isDevMode(c.env)) return c.notFound();
  await next();
};

/**
 * Paths that stay up with a broken configuration: the public catalogue and
 * help, which read no secret and identify nobody. Everything else under the
 * Worker's own prefixes signs someone in, moves money or trusts a signature.
 */
const PUBLIC = /^\/api\/(docs|openapi\.json|v1\/(regions|region|help|outages|announcements)(\/|$))/;
const GUARDED = /^\/(api|ops|webhooks|files)(\/|$)/;
const ACQUIRER_WEBHOOK = "/webhooks/acquirer";
/** What the acquirer's notifications need: its choice, its webhook secret, ЮKassa's shop and key. */
const ACQUIRER_CONFIG = /^(ACQUIRER|ACQUIRER_WEBHOOK_SECRET|YOOKASSA_\w+)$/;

/** What is wrong with this environment's configuration, once per env object (one isolate keeps one env). */
let checked = new WeakMap<object, SecretProblem[]>();
isolateState("platform/production", () => {
  checked = new WeakMap();
});
function configProblems(env: Env): SecretProblem[] {
  let problems = checked.get(env);
  if (!problems) {
    problems = secretProblems(env);
    // The sandbox credits any test card: in production it would create money.
    if (env.ACQUIRER === "sandbox") problems.push({ name: "ACQUIRER", problem: "development" });
    else if (env.ACQUIRER !== "yookassa") problems.push({ name: "ACQUIRER", problem: "unknown" });
    // ЮKassa's shop must be said to be live or test (wrangler.toml's [env.*.vars]): a live one refuses test keys and payments.
    if (env.ACQUIRER === "yookassa" && env.YOOKASSA_MODE !== "live" && env.YOOKASSA_MODE !== "test")
      problems.push({ name: "YOOKASSA_MODE", problem: "missing" });
    // The local SMS and email adapters write to the dev outbox, whose page does not exist here: codes would reach nobody.
    const vars = env as unknown as Record<string, unknown>;
    const sms = vars.SMS_PROVIDER ?? "local";
    if (sms === "local") problems.push({ name: "SMS_PROVIDER", problem: "development" });
    else if (sms !== "smsc") problems.push({ name: "SMS_PROVIDER", problem: "unknown" });
    else if (!vars.SMS_SENDER) problems.push({ name: "SMS_SENDER", problem: "missing" });
    const email = vars.EMAIL_PROVIDER ?? "local";
    if (email === "local") problems.push({ name: "EMAIL_PROVIDER", problem: "development" });
    else if (email !== "cloudflare") problems.push({ name: "EMAIL_PROVIDER", problem: "unknown" });
    else {
      if (!vars.EMAIL_FROM) problems.push({ name: "EMAIL_FROM", problem: "missing" });
      // The send_email binding of [[env.*.send_email]].
      if (!vars.EMAIL) problems.push({ name: "EMAIL", problem: "missing" });
    }
    checked.set(env, problems);
    // One line per unusable secret, naming it (never its value), when the isolate first sees this env.
    for (const p of problems) log("error", "config.secret_unusable", { secret: p.name, problem: p.problem });
  }
  return problems;
}

/**
 * Outside DEV_MODE, what keeps this environment from running safely (none in
 * DEV_MODE). Background work checks it too: the hourly autopay would charge
 * saved cards through the sandbox, reports would be signed with no key.
 */
export function unusableConfig(env: Env): SecretProblem[] {
  return isDevMode(env) ? [] : configProblems(env);
}

/**
 * Outside DEV_MODE, a missing or development-valued secret (platform/secrets.ts)
 * closes the money and identity routes with a 503 problem instead of running on
 * a value anyone can read in the repository. Never a silent default.
 */
export const requireSecrets: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (isDevMode(c.env)) return next();
  const path = new URL(c.req.url).pathname;
  if (!GUARDED.test(path) || PUBLIC.test(path)) return next();
  // The acquirer's notification URL depends on its own secrets only: money paid is credited while, say, push is broken.
  const problems = configProblems(c.env).filter((p) => path !== ACQUIRER_WEBHOOK || ACQUIRER_CONFIG.test(p.name));
  if (problems.length === 0) return next();
  const lang = c.get("lang") ?? "ru";
  return problemResponse(problemBody(lang, 503, "not_configured", {}, { requestId: c.get("requestId") }), lang, { "retry-after": "300" });
};
