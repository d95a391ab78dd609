/**
 * Whether `error` means the server (or a file of the app) could not be reached, as opposed to an answer from it or
 * a bug: the browser says it is offline, or a fetch or a lazy chunk's import failed at the network level.
 * Browsers word these differently (Chromium "Failed to fetch", "Failed to fetch dynamically imported module",
 * Firefox "NetworkError …", "error loading dynamically imported module", Safari "Load failed",
 * "Importing a module script failed").
 */
export function isUnreachable(error: unknown): boolean {
  if (typeof navigator !== "undefined" && navigator.onLine === false) return true;
  return (
    error instanceof TypeError &&
    /failed to fetch|networkerror|load failed|dynamically imported module|importing a module script failed/i.test(error.message)
  );
}
