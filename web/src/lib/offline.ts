import { clear, createStore, del, get, set } from "idb-keyval";

/**
 * What the installed app keeps on the device so that balances and history
 * open without a network: IndexedDB (through idb-keyval), one store for one
 * subscriber. Logging out, a session ended elsewhere, or another subscriber
 * logging in wipes it.
 */
/**
 * The store, opened once and kept (idb-keyval's own default store is kept the same way): one connection for the
 * page's life instead of an `indexedDB.open` per read and write. It also binds every operation to the IndexedDB the
 * page had when it first used the cache, so a wipe still in flight from an earlier test file (the web suite shares a
 * worker between files, each with a new IndexedDB: test/web/setup.ts) lands in that file's database, not the next's.
 */
let opened: ReturnType<typeof createStore> | undefined;
const store = () => {
  opened ??= createStore("kabinet-offline", "snapshots");
  return opened;
};
const OWNER = "owner";

export interface Snapshot<T> {
  data: T;
  savedAt: string;
}

/**
 * The cache's ownership being settled (a claim or a wipe), in the order they were asked for. Reads and writes
 * wait for what was asked before them, so the app need not: it draws the page from the server's answer at
 * once, and its copies still land after another subscriber's data is gone (and never into it).
 */
let settled: Promise<void> = Promise.resolve();
function settle(step: () => Promise<void>): Promise<void> {
  const next = settled.then(step);
  settled = next.catch(() => {});
  return next;
}

/** Makes `subscriberId` the owner of the cache, wiping what another subscriber left. */
export function claimCache(subscriberId: string): Promise<void> {
  return settle(async () => {
    const owner = await get<string>(OWNER, store());
    if (owner !== subscriberId) {
      await clear(store());
      await set(OWNER, subscriberId, store());
    }
  });
}

export async function cacheOwner(): Promise<string | undefined> {
  await settled;
  return get<string>(OWNER, store());
}

/** Writes not yet finished: a wipe waits for them, so none can land after it (logout must leave nothing). */
const writing = new Set<Promise<void>>();

export async function saveSnapshot<T>(key: string, data: T): Promise<void> {
  const savedAt = new Date().toISOString();
  const write = settled.then(() => set(key, { data, savedAt } satisfies Snapshot<T>, store()));
  writing.add(write);
  try {
    await write;
  } finally {
    writing.delete(write);
  }
}

export async function loadSnapshot<T>(key: string): Promise<Snapshot<T> | undefined> {
  await settled;
  return get<Snapshot<T>>(key, store());
}

export async function dropSnapshot(key: string): Promise<void> {
  await settled;
  await del(key, store());
}

/** Everything cached on this device is removed, after the writes already started (taken now: a later one waits for the wipe). */
export function wipeCache(): Promise<void> {
  const started = [...writing];
  return settle(async () => {
    await Promise.allSettled(started);
    await clear(store());
  });
}

/** True for a failure to reach the server (as opposed to an answer from it). */
export function isNetworkError(e: unknown): boolean {
  return e instanceof TypeError;
}

/**
 * Fetches fresh data and keeps a copy; without a network, returns the copy
 * marked stale (or rethrows when there is none).
 */
export async function fetchWithSnapshot<T>(key: string, fetcher: () => Promise<T>): Promise<{ data: T; stale: boolean; savedAt: string }> {
  try {
    const data = await fetcher();
    // Not awaited: the screen draws now, the copy is written meanwhile (IndexedDB keeps the order of its
    // transactions, so a later read still finds it). Awaiting it drew the page in two steps on a busy phone,
    // the list appearing above what had been drawn already (CLS 0.54 on the accounts page).
    void saveSnapshot(key, data).catch(() => {});
    return { data, stale: false, savedAt: new Date().toISOString() };
  } catch (e) {
    if (!isNetworkError(e)) throw e;
    const snap = await loadSnapshot<T>(key);
    if (!snap) throw e;
    return { data: snap.data, stale: true, savedAt: snap.savedAt };
  }
}
