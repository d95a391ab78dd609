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
      <Show when={offlineReady()}>
        <div class="toast">
          <span>{t("update.offlineReady")}</span>
          <button type="button" class="button" onClick={() => setOfflineReady(false)}>
            OK
          </button>
        </div>
      </Show>
    </div>
  );
}
