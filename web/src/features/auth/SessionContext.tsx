import { createContext, createResource, type ParentProps, type Resource, useContext } from "solid-js";
import { api, type ProfileDto } from "../../lib/api";

interface SessionState {
  /** The logged-in subscriber; null when logged out; undefined while unknown. */
  profile: Resource<ProfileDto | null>;
  setProfile: (p: ProfileDto | null) => void;
  logout: () => Promise<void>;
}

const Ctx = createContext<SessionState>();

export function SessionProvider(props: ParentProps) {
  const [profile, { mutate }] = createResource(api.me);
  const value: SessionState = {
    profile,
    setProfile: (p) => mutate(p),
    logout: async () => {
      await api.logout();
      mutate(null);
    },
  };
  return <Ctx.Provider value={value}>{props.children}</Ctx.Provider>;
}

export function useSession(): SessionState {
  const ctx = useContext(Ctx);
  if (!ctx) throw new Error("useSession outside SessionProvider");
  return ctx;
}
