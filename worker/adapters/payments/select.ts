import type { Acquirer } from "./index";
import { sandboxAcquirer } from "./sandbox";
import { yookassaFromEnv } from "./yookassa";

/** The acquirer named by `ACQUIRER`: the local sandbox, or ЮKassa (its shop id and secret key are secrets). */
export function acquirerFor(env: Env, origin: string): Acquirer {
  if (env.ACQUIRER === "sandbox") return sandboxAcquirer(env, origin);
  if (env.ACQUIRER === "yookassa") return yookassaFromEnv(env);
  throw new Error(`Unknown ACQUIRER "${env.ACQUIRER}"`);
}
