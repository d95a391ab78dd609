import { createContext, createResource, createSignal, type ParentProps, type Resource, useContext } from "solid-js";
import { claimCache, isNetworkError, loadSnapshot, saveSnapshot, wipeCache } from "../../lib/offline";
import { refreshPending, startOutbox } from "../../lib/outbox";
import { claimPush, disablePush } from "../../lib/push";
import { authApi, type ProfileDto } from "./authApi";

interface SessionState {
  /** The logged-in subscriber; null when logged out; undefined while unknown. */
  profile: Resource<ProfileDto | null>;
  /** True when the profile comes from the device because the network is unreachable. */
  offline: () => boolean;
  setProfile: (p: ProfileDto | null) => void;
  logout: () => Promise<void>;
}

const Ctx = createContext<SessionState>();

/**
 * Who is logged in. Online, the server says (and a 401 wipes the device's
 * cache: the session ended elsewhere); offline, the cached profile of the
 * cache's owner is used so that the app still opens.
 */
export function SessionProvider(props: ParentProps) {
  const [offline, setOffline] = createSignal(false);
  const load = async (): Promise<ProfileDto | null> => {
    try {
      const p = await authApi.me();
      setOffline(false);
      if (!p) {
        // Not awaited either: a visitor's page is drawn now, and the device store orders any later read after
        // the wipe. (Awaited, the profile stayed unknown for a while after the first paint on a slow machine,
        // and a form drawn meanwhile was drawn again when it became known, losing what had been typed.)
        void wipeCache().catch(() => {});
        return null;
      }
      // Not awaited: the page is drawn from the server's answer now (waiting for IndexedDB drew it a task
      // later, after a "loading" paint); the device store orders these after the claim itself.
      void claimCache(p.id).catch(() => {});
      void claimPush(p.id).catch(() => {});
      void saveSnapshot("profile", p).catch(() => {});
      // Online with a session: what was changed offline goes out now.
      startOutbox();
      return p;
    } catch (e) {
      if (!isNetworkError(e)) throw e;
      const snap = await loadSnapshot<ProfileDto>("profile");
      setOffline(!!snap);
      if (snap) startOutbox();
      return snap?.data ?? null;
    }
  };
  const [profile, { mutate }] = createResource(load);
  const value: SessionState = {
    profile,
    offline,
    setProfile: (p) => {
      mutate(p);
      if (p) {
        void claimCache(p.id).then(() => saveSnapshot("profile", p));
        void claimPush(p.id).catch(() => {});
      }
    },
    logout: async () => {
      // This device stops receiving this subscriber's pushes (best effort: offline, the browser still forgets it).
      await disablePush().catch(() => {});
      // Nothing stays on the device, even when the server cannot be told.
      await wipeCache();
      await refreshPending();
      // The login screen comes once the server has ended the session (or cannot be reached): shown sooner, a login
      // made on it could get its new session cookie cleared by this logout's answer arriving after it.
      try {
        await authApi.logout();
      } catch (e) {
        if (!isNetworkError(e)) throw e;
      } finally {
        mutate(null);
      }
    },
  };
  return <Ctx.Provider value={value}>{props.children}</Ctx.Provider>;
}

export function useSession(): SessionState {
  const ctx = useContext(Ctx);
  if (!ctx) throw new Error("useSession outside SessionProvider");
  return ctx;
}
