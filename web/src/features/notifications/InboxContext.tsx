import { createContext, createEffect, createSignal, on, onCleanup, type ParentProps, useContext } from "solid-js";
import { useI18n } from "../../i18n";
import { afterPaint } from "../../lib/afterPaint";
import { isNetworkError, loadSnapshot, saveSnapshot } from "../../lib/offline";
import { enqueue, flush } from "../../lib/outbox";
import { useSession } from "../auth/SessionContext";
import { type InboxDto, notificationsApi } from "./notificationsApi";

interface InboxState {
  inbox: () => InboxDto | undefined;
  /** When the inbox shown comes from the device (no network), the time it was saved. */
  staleSince: () => string | null;
  error: () => unknown;
  refresh: () => Promise<void>;
  /** Appends the next (older) page, when `inbox().nextBefore` says there is one. */
  more: () => Promise<void>;
  /** Whether the next page is being loaded. */
  loadingMore: () => boolean;
  /** Why the last `more` failed (cleared by the next try). */
  moreError: () => unknown;
  /** Marks read at once on screen; sent now, or queued until the network returns. */
  markRead: (ids: string[] | "all") => Promise<void>;
}

const Ctx = createContext<InboxState>();
const KEY = "inbox";

/** The inbox and its unread count, shared by the header's bell and the inbox screen; cached for offline use. */
export function InboxProvider(props: ParentProps) {
  const { profile } = useSession();
  const { lang } = useI18n();
  const [inbox, setInbox] = createSignal<InboxDto>();
  const [staleSince, setStaleSince] = createSignal<string | null>(null);
  const [error, setError] = createSignal<unknown>();
  const [loadingMore, setLoadingMore] = createSignal(false);
  const [moreError, setMoreError] = createSignal<unknown>();
  /** The newest page again; the older pages already shown stay (`keepOlder`), unless the language changed. */
  const refresh = async (keepOlder = true) => {
    try {
      const fresh = await notificationsApi.inbox();
      // Changes still waiting to be sent stay applied on screen.
      const waiting = (await loadSnapshot<string[]>("inbox-read-waiting"))?.data ?? [];
      const old = inbox();
      const shown = applyRead(keepOlder && old ? withOlder(fresh, old) : fresh, waiting);
      setInbox(shown);
      setStaleSince(null);
      setError(undefined);
      await saveSnapshot(KEY, shown);
    } catch (e) {
      if (!isNetworkError(e)) {
        setError(e);
        return;
      }
      const snap = await loadSnapshot<InboxDto>(KEY);
      if (snap) {
        setInbox(snap.data);
        setStaleSince(snap.savedAt);
      } else setError(e);
    }
  };
  createEffect(
    on(
      () => profile()?.id,
      (id) => {
        setInbox(undefined);
        // The bell's count can come a frame after the page; still for the same subscriber.
        if (id) afterPaint(() => profile()?.id === id && void refresh());
      },
    ),
  );
  // The server writes the messages in the language asked for: another language, the inbox again in it.
  createEffect(on(lang, () => profile() && void refresh(false), { defer: true }));
  // The service worker says a push arrived: the inbox has something new.
  const onMessage = (e: MessageEvent) => {
    if (e.data?.type === "push-received" && profile()) void refresh();
  };
  if (typeof navigator !== "undefined" && "serviceWorker" in navigator) {
    navigator.serviceWorker.addEventListener("message", onMessage);
    onCleanup(() => navigator.serviceWorker.removeEventListener("message", onMessage));
  }
  const more = async () => {
    const box = inbox();
    if (!box?.nextBefore || loadingMore()) return;
    setLoadingMore(true);
    setMoreError(undefined);
    try {
      const page = await notificationsApi.inbox(box.nextBefore);
      const waiting = (await loadSnapshot<string[]>("inbox-read-waiting"))?.data ?? [];
      // The list may have changed meanwhile (a refresh): append to what is shown now.
      const now = inbox() ?? box;
      const ids = new Set(now.items.map((i) => i.id));
      const shown = applyRead(
        { ...now, items: [...now.items, ...page.items.filter((i) => !ids.has(i.id))], nextBefore: page.nextBefore },
        waiting,
      );
      setInbox(shown);
      await saveSnapshot(KEY, shown);
    } catch (e) {
      setMoreError(e);
    } finally {
      setLoadingMore(false);
    }
  };
  const markRead = async (ids: string[] | "all") => {
    const box = inbox();
    if (!box) return;
    const targets = ids === "all" ? box.items.filter((i) => !i.read).map((i) => i.id) : ids;
    if (targets.length === 0) return;
    // First on the device (so leaving the screen at once loses nothing), then on screen, then to the server.
    const waiting = (await loadSnapshot<string[]>("inbox-read-waiting"))?.data ?? [];
    await saveSnapshot("inbox-read-waiting", [...new Set([...waiting, ...targets])]);
    await enqueue({ key: "inbox-read", kind: "inbox-read" });
    const shown = applyRead(box, targets);
    await saveSnapshot(KEY, shown);
    setInbox(shown);
    await flush();
  };
  return (
    <Ctx.Provider value={{ inbox, staleSince, error, refresh: () => refresh(), more, loadingMore, moreError, markRead }}>
      {props.children}
    </Ctx.Provider>
  );
}

/**
 * The newest page with the older messages already shown below it, when the two meet (the old list's newest message
 * is on the fresh page): then nothing is between them, and the old list's cursor still leads on. When more than a
 * page arrived since, or the fresh page is the whole inbox, the fresh page alone (paging starts again from it).
 */
export function withOlder(fresh: InboxDto, old: InboxDto): InboxDto {
  const first = old.items[0];
  if (!fresh.nextBefore || !first || !fresh.items.some((i) => i.id === first.id)) return fresh;
  const ids = new Set(fresh.items.map((i) => i.id));
  return { ...fresh, items: [...fresh.items, ...old.items.filter((i) => !ids.has(i.id))], nextBefore: old.nextBefore };
}

function applyRead(box: InboxDto, ids: string[]): InboxDto {
  const set = new Set(ids);
  const items = box.items.map((i) => (set.has(i.id) ? { ...i, read: true } : i));
  const newlyRead = box.items.filter((i) => set.has(i.id) && !i.read).length;
  return { ...box, items, unread: Math.max(0, box.unread - newlyRead) };
}

export function useInbox(): InboxState {
  const ctx = useContext(Ctx);
  if (!ctx) throw new Error("useInbox outside InboxProvider");
  return ctx;
}
