import { createSignal } from "solid-js";
import { accountsApi } from "../features/accounts/accountsApi";
import { notificationsApi } from "../features/notifications/notificationsApi";
import { ApiError } from "./api";
import { isNetworkError, loadSnapshot, saveSnapshot } from "./offline";

/**
 * Changes that are safe to make offline and send later: settings whose last
 * value wins (a low-balance threshold now; marking messages read with the
 * inbox). They wait in the subscriber's own IndexedDB store, so logging out
 * wipes them with the rest of the cache, and are sent oldest first when the
 * network returns. Money never goes through here: payments need the network.
 */
export type QueuedChange = {
  /** Same key, same setting: a newer change replaces a waiting one. */
  key: string;
} & ({ kind: "low-balance"; accountNo: string; thresholdKop: number | null } | { kind: "inbox-read" });

const OUTBOX = "outbox";

function send(change: QueuedChange): Promise<unknown> {
  switch (change.kind) {
    case "low-balance":
      return accountsApi.setLowBalance(change.accountNo, change.thresholdKop);
    case "inbox-read":
      return sendInboxRead();
  }
}

const [pendingKeys, setPendingKeys] = createSignal<string[]>([]);
const [refused, setRefused] = createSignal<{ change: QueuedChange; error: ApiError } | null>(null);
/** Keys of the changes waiting for the network, for "saved when the network returns" notes. */
export const pending = pendingKeys;
/** The last queued change the server refused when it was finally sent. */
export const lastRefused = refused;

async function load(): Promise<QueuedChange[]> {
  return (await loadSnapshot<QueuedChange[]>(OUTBOX))?.data ?? [];
}
async function store(changes: QueuedChange[]) {
  await saveSnapshot(OUTBOX, changes);
  setPendingKeys(changes.map((c) => c.key));
}

/** Re-reads what waits (after the cache was wiped or claimed by another subscriber). */
export async function refreshPending(): Promise<void> {
  setPendingKeys((await load()).map((c) => c.key));
}

/** Queues a change, replacing a waiting one with the same key. */
export async function enqueue(change: QueuedChange): Promise<void> {
  await store([...(await load()).filter((c) => c.key !== change.key), change]);
}

/** Messages read on this device and not yet told to the server (ids, kept with the cache). */
async function sendInboxRead(): Promise<void> {
  const ids = (await loadSnapshot<string[]>("inbox-read-waiting"))?.data ?? [];
  for (let i = 0; i < ids.length; i += 100) await notificationsApi.markRead(ids.slice(i, i + 100));
  await saveSnapshot("inbox-read-waiting", []);
}

let flushing: Promise<number> | null = null;
/**
 * Sends what waits, oldest first, and stops at the first network failure. A
 * change the server refuses is dropped (it would be refused again) and kept in
 * `lastRefused` for the screen to show. Returns how many were accepted.
 */
export function flush(): Promise<number> {
  flushing ??= (async () => {
    let sent = 0;
    try {
      for (let next = (await load())[0]; next; next = (await load())[0]) {
        try {
          await send(next);
          sent++;
        } catch (e) {
          if (isNetworkError(e)) break;
          if (!(e instanceof ApiError)) throw e;
          setRefused({ change: next, error: e });
        }
        // A newer change with the same key, queued meanwhile, stays.
        const sentNow = JSON.stringify(next);
        await store((await load()).filter((c) => JSON.stringify(c) !== sentNow));
      }
    } finally {
      flushing = null;
    }
    return sent;
  })();
  return flushing;
}

let started = false;
/** Sends the queue now and whenever the browser says the network is back. */
export function startOutbox(): void {
  void refreshPending().then(flush);
  if (started) return;
  started = true;
  window.addEventListener("online", () => void flush());
}
