import { createSignal, Show } from "solid-js";
import { lazyScreen } from "../../app/lazyScreen";
import { useI18n } from "../../i18n";
import { useOnline } from "../../lib/online";

// The dialog (Kobalte) and the payment form load on first use: every account card has this button.
const TopUpDialog = lazyScreen(() => import("./TopUpDialog"));

/**
 * "Пополнить": opens the top-up dialog (focus returns here when it closes). Paying needs the server, so offline
 * the button is disabled and says why; the app's "Пополнить счёт" shortcut (`open`) still opens the dialog, which
 * says the same.
 */
export function TopUpButton(props: { accountNo: string; open?: boolean }) {
  const { t } = useI18n();
  const online = useOnline();
  const [open, setOpen] = createSignal(props.open ?? false);
  let button: HTMLButtonElement | undefined;
  const close = () => {
    setOpen(false);
    button?.focus();
  };
  const reasonId = `topup-offline-${props.accountNo}`;
  return (
    <>
      <button
        ref={button}
        type="button"
        class="button button--primary"
        aria-haspopup="dialog"
        aria-expanded={open()}
        disabled={!online()}
        aria-describedby={online() ? undefined : reasonId}
        onClick={() => setOpen(true)}
      >
        {t("topup.cta")}
      </button>
      <Show when={!online()}>
        <small id={reasonId} class="muted">
          {t("offline.disabled")}
        </small>
      </Show>
      <Show when={open()}>
        <TopUpDialog accountNo={props.accountNo} onClose={close} />
      </Show>
    </>
  );
}
