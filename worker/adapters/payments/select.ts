import type { Acquirer } from "./index";
import { sandboxAcquirer } from "./sandbox";

/**
 * The acquirer named by `ACQUIRER`. Only the sandbox exists here; a real
 * provider is added beside it behind the same interface.
 */
export function acquirerFor(env: Env, origin: string): Acquirer {
  if (env.ACQUIRER === "sandbox") return sandboxAcquirer(env, origin);
  throw new Error(`Unknown ACQUIRER "${env.ACQUIRER}"`);
}
