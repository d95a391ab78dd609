import { useRegisterSW } from "virtual:pwa-register/solid";
import { createEffect, Show } from "solid-js";
import { Portal } from "solid-js/web";
import { useI18n } from "../i18n";
import { setPreferenceCookie } from "../lib/cookies";

/** Set once the "opens offline" note has been shown on this device (for the base domain: every regional site). */
const NOTE_SHOWN = /(?:^|;\s*)offline_note=1\b/;

/**
 * Announces a new version (the service worker waits) and applies it on request;
 * the reload keeps the current URL, so the user stays where they were. Tells
 * once per device that the cabinet now opens offline. The announcement goes into
 * `top`, an element in the page's flow above the site: a floating one covered
 * fields and buttons on a phone.
 */
export default function UpdatePrompt(props: { baseDomain?: string; top: HTMLElement }) {
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
  // The focused «Позже» goes away with the banner: the keyboard continues from the page, not from nowhere.
  const later = () => {
    setNeedRefresh(false);
    document.getElementById("main")?.focus();
  };
  return (
    <>
      <Portal mount={props.top}>
        <div class="update-banner" role="status" aria-live="polite">
          <Show when={needRefresh()}>
            <p class="update-banner__body">
              <span>{t("update.available")}</span>
              <button type="button" class="button button--primary" onClick={() => updateServiceWorker(true)}>
                {t("update.reload")}
              </button>
              <button type="button" class="button" onClick={later}>
                {t("update.later")}
              </button>
            </p>
          </Show>
        </div>
      </Portal>
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
