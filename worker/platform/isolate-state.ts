/**
 * What an isolate keeps in memory between requests and that depends on data or on what happened before (remembered
 * refusals, storm views, catalogue and usage caches, search indexes, health answers, counters). Each module that keeps
 * such state registers here how to forget it, once, when it is first evaluated.
 *
 * Production never forgets: an isolate's state goes with the isolate. The Worker tests run many files in one isolate
 * (test/worker/isolation.ts) and call `forgetIsolateState()` before each file, so a file starts as in a new isolate.
 * Caches that depend only on code, constants or the built assets (password dictionaries, the argon2 module, fonts,
 * HMAC keys by secret) are not registered: forgetting them changes nothing but the time of the next request.
 */
const forgetters = new Map<string, () => void>();

/** Registers how to forget one module's state; `name` says whose it is (one name per module). */
export function isolateState(name: string, forget: () => void) {
  forgetters.set(name, forget);
}

/** Forgets every registered state, as if the isolate were new; returns whose. Tests only. */
export function forgetIsolateState(): string[] {
  for (const forget of forgetters.values()) forget();
  return [...forgetters.keys()];
}
