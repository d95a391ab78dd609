import { AppError } from "../../platform/errors";
import { log } from "../../platform/log";
import type { Acquirer, PaymentMethod } from "./index";
import { sandboxAcquirer } from "./sandbox";
import { yookassaFromEnv } from "./yookassa";

/**
 * Optional: the methods the operator's contract with the acquirer covers
 * (`ACQUIRER_METHODS = "card,sbp"`); unset, every method the acquirer offers.
 * Not in `wrangler.toml`'s vars, since an environment does not inherit them.
 */
type MethodsVar = { ACQUIRER_METHODS?: string };

/**
 * The acquirer named by `ACQUIRER`, offering what it can and the
 * configuration allows. Only the sandbox exists here; a real provider is
 * added beside it behind the same interface.
 */
export function acquirerFor(env: Env, origin: string): Acquirer {
  if (env.ACQUIRER === "sandbox") return restrict(sandboxAcquirer(env, origin), (env as Env & MethodsVar).ACQUIRER_METHODS);
  if (env.ACQUIRER === "yookassa") return restrict(yookassaFromEnv(env), (env as Env & MethodsVar).ACQUIRER_METHODS);
  log("error", "config.unknown_provider", { variable: "ACQUIRER" });
  throw new AppError(503, "not_configured", {}, [], { "retry-after": "300" });
}

function restrict(acquirer: Acquirer, allowed: string | undefined): Acquirer {
  if (!allowed?.trim()) return acquirer;
  const names = new Set(allowed.split(",").map((m) => m.trim()));
  const methods: readonly PaymentMethod[] = acquirer.methods.filter((m) => names.has(m));
  return Object.assign(Object.create(acquirer) as Acquirer, { methods });
}
