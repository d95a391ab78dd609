import { ErrorBoundary, type JSX, type ParentProps } from "solid-js";
import { useI18n } from "../i18n";
import { isUnreachable } from "../lib/reachable";

/**
 * What a screen (or a dialog) shows when it cannot be drawn: its files or its data could not be fetched
 * (offline: "this section opens when the network is back") or it failed (the generic error). Either way with a
 * retry, and the rest of the app keeps working; without it, one failed lazy import left the page on «Загрузка…»
 * and stopped the app's updates (the header too).
 */
export function ScreenBoundary(props: ParentProps): JSX.Element {
  const { t } = useI18n();
  return (
    <ErrorBoundary
      fallback={(error: unknown, reset) => {
        const offline = isUnreachable(error);
        // A bug is not the network's fault: it still goes to the console (and the browser's error reports).
        if (!offline) console.error(error);
        return (
          <div class="notice" classList={{ "notice--error": !offline }} role="alert">
            <p>{offline ? t("offline.screen") : t("common.error")}</p>
            <button type="button" class="button" onClick={() => reset()}>
              {t("common.retry")}
            </button>
          </div>
        );
      }}
    >
      {props.children}
    </ErrorBoundary>
  );
}
