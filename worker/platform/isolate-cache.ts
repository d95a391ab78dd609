import { isolateState } from "./isolate-state";

/** Every cache made here (module-level constants of their modules: they live as long as the isolate). */
const caches = new Set<Map<string, unknown>>();
isolateState("platform/isolate-cache", () => {
  for (const entries of caches) entries.clear();
});

/**
 * Reference data that does not change per request (a region's catalogue, offices, phone numbers), kept in the
 * isolate's memory for `ttlMs` so that a request does not pay a D1 round trip for it. A change in the database
 * is seen by every isolate within `ttlMs`. Only settled values are kept, never a pending promise: a promise made
 * in one request must not be awaited by another (workerd ties I/O to the request that started it). A failed
 * load is not kept (a kept value whose reload fails stays as it was, its check noted: see `many`).
 */
/** How long, from the start of a load of a kept key, other requests of `many` take its old value instead of loading it too. */
const REFRESH_MS = 2_000;

export function isolateCache<T>(ttlMs: number) {
  // `checked`: when a load of the key last began (a value kept, or a stale one being read again).
  const entries = new Map<string, { until: number; value: T; checked: number }>();
  caches.add(entries);
  // Raised by `forget`: a load that began before it does not keep what it read (it may predate the change).
  let forgotten = 0;
  const read = async (key: string, load: () => Promise<T>, now = Date.now()): Promise<T> => {
    const hit = entries.get(key);
    if (hit && hit.until > now) return hit.value;
    const began = forgotten;
    const value = await load();
    if (began === forgotten) entries.set(key, { until: now + ttlMs, value, checked: now });
    return value;
  };
  /** The value kept for a key, if any and not past its time, without loading it. */
  const peek = (key: string, now = Date.now()): T | undefined => {
    const hit = entries.get(key);
    return hit && hit.until > now ? hit.value : undefined;
  };
  /**
   * Several keys at once: those not kept are loaded together (`load` answers each key it is given; one it leaves out
   * is not kept), so a miss of several costs one round trip. `stale` may turn a kept value down (given when a load of
   * it last began), which is then loaded with the missing ones; that it began is noted at once, so requests at the
   * same time see a recent check and take the kept value rather than each load it too. So it is when a value's time
   * is up: the first request loads it, and for `REFRESH_MS` the others take the value being refreshed (a city-wide
   * outage's visits would otherwise each read the database at the moment an isolate's copy expires).
   */
  const many = async (
    keys: readonly string[],
    load: (missing: string[]) => Promise<Map<string, T>>,
    now = Date.now(),
    stale?: (key: string, value: T, checkedAt: number) => boolean,
  ) => {
    const found = new Map<string, T>();
    const missing: string[] = [];
    for (const key of new Set(keys)) {
      const hit = entries.get(key);
      // A load began after the value was kept, and not long ago: another request is refreshing it.
      const refreshing = hit !== undefined && hit.checked > hit.until - ttlMs && now - hit.checked < REFRESH_MS;
      if (hit && (hit.until > now ? !stale?.(key, hit.value, hit.checked) : refreshing)) found.set(key, hit.value);
      else {
        if (hit) hit.checked = now;
        missing.push(key);
      }
    }
    if (missing.length === 0) return found;
    const began = forgotten;
    for (const [key, value] of await load(missing)) {
      if (!missing.includes(key)) continue;
      if (began === forgotten) entries.set(key, { until: now + ttlMs, value, checked: now });
      found.set(key, value);
    }
    return found;
  };
  /**
   * Drops a key in this isolate (after a change made here: this isolate sees it at once, the others within `ttlMs`),
   * and keeps nothing a load still under way read (from before the change, maybe).
   */
  const forget = (key: string) => {
    forgotten++;
    entries.delete(key);
  };
  return Object.assign(read, { many, peek, forget });
}
