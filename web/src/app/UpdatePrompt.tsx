import { useRegisterSW } from "virtual:pwa-register/solid";
import { Show } from "solid-js";
import { useI18n } from "../i18n";

/**
 * Announces a new version (the service worker waits) and applies it on request;
 * the reload keeps the current URL, so the user stays where they were.
 */
export default function UpdatePrompt() {
  const { t } = useI18n();
  const {
    needRefresh: [needRefresh, setNeedRefresh],
    offlineReady: [offlineReady, setOfflineReady],
    updateServiceWorker,
  } = useRegisterSW({ immediate: false });
  return (
    <div class="toast-region" role="status" aria-live="polite">
      <Show when={needRefresh()}>
        <div class="toast">
          <span>{t("update.available")}</span>
          <button type="button" class="button button--primary" onClick={() => updateServiceWorker(true)}>
            {t("update.reload")}
          </button>
          <button type="button" class="button" onClick={() => setNeedRefresh(false)}>
            {t("update.later")}
          </button>
        </div>
      </Show>
      {/* A quiet note, not a banner: it appears when the worker has installed, seconds after the page, and must not
          become the largest thing the first visit paints (it was the accounts page's LCP element). */}
      <Show when={offlineReady()}>
        <div class="toast toast--note">
          <span>{t("update.offlineReady")}</span>
          <button type="button" class="link-button" onClick={() => setOfflineReady(false)} aria-label={t("update.dismiss")}>
            ✕
          </button>
        </div>
      </Show>
    </div>
  );
}
