import { useRegisterSW } from "virtual:pwa-register/solid";
import { createEffect, Show } from "solid-js";
import { useI18n } from "../i18n";
import { setPreferenceCookie } from "../lib/cookies";

/** Set once the "opens offline" note has been shown on this device (for the base domain: every regional site). */
const NOTE_SHOWN = /(?:^|;\s*)offline_note=1\b/;

/**
 * Announces a new version (the service worker waits) and applies it on request;
 * the reload keeps the current URL, so the user stays where they were. Tells
 * once per device that the cabinet now opens offline.
 */
export default function UpdatePrompt(props: { baseDomain?: string }) {
  const { t } = useI18n();
  const {
    needRefresh: [needRefresh, setNeedRefresh],
    offlineReady: [offlineReady, setOfflineReady],
    updateServiceWorker,
  } = useRegisterSW({ immediate: false });
  // Each regional site installs its own service worker, so each would say it again: the device remembers it was said.
  const shownBefore = NOTE_SHOWN.test(document.cookie);
  const showNote = () => offlineReady() && !shownBefore;
  createEffect(() => {
    if (showNote()) setPreferenceCookie("offline_note", "1", props.baseDomain ?? location.hostname);
  });
  return (
    <>
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
      </div>
      {/* A quiet note at the end of the page, in its flow: a floating one covered form fields and dialogs. It appears
          when the worker has installed, seconds after the page, and must not become the largest thing the first
          visit paints (it was the accounts page's LCP element). */}
      <div class="offline-note" role="status" aria-live="polite">
        <Show when={showNote()}>
          <p class="offline-note__text muted">
            <span>{t("update.offlineReady")}</span>
            <button type="button" class="link-button" onClick={() => setOfflineReady(false)} aria-label={t("update.dismiss")}>
              ✕
            </button>
          </p>
        </Show>
      </div>
    </>
  );
}
