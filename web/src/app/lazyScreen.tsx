import { type Component, type ComponentProps, lazy } from "solid-js";
import { loadMoreStrings } from "../i18n";
import { ScreenBoundary } from "./ScreenBoundary";

/**
 * A lazily loaded screen or dialog: its chunk and the Russian strings of the lazy screens, fetched in parallel,
 * drawn inside a `ScreenBoundary`, so a chunk that cannot be fetched (offline before the service worker has the
 * app) says so, with a retry, instead of leaving «Загрузка…». `preload` is the lazy component's.
 */
// biome-ignore lint/suspicious/noExplicitAny: the same bound as Solid's lazy()
export function lazyScreen<T extends Component<any>>(load: () => Promise<{ default: T }>) {
  const Screen = lazy(() => Promise.all([load(), loadMoreStrings()]).then(([m]) => m));
  const Guarded = (props: ComponentProps<T>) => (
    <ScreenBoundary>
      <Screen {...props} />
    </ScreenBoundary>
  );
  return Object.assign(Guarded, { preload: Screen.preload }) as unknown as typeof Screen;
}
