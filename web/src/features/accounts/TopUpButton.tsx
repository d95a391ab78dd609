import { createSignal, lazy, Show } from "solid-js";
import { useI18n } from "../../i18n";

// The dialog (Kobalte) and the payment form load on first use: every account card has this button.
const TopUpDialog = lazy(() => import("./TopUpDialog"));

/** "Пополнить": opens the top-up dialog (focus returns here when it closes). */
export function TopUpButton(props: { accountNo: string; open?: boolean }) {
  const { t } = useI18n();
  const [open, setOpen] = createSignal(props.open ?? false);
  let button: HTMLButtonElement | undefined;
  const close = () => {
    setOpen(false);
    button?.focus();
  };
  return (
    <>
      <button
        ref={button}
        type="button"
        class="button button--primary"
        aria-haspopup="dialog"
        aria-expanded={open()}
        onClick={() => setOpen(true)}
      >
        {t("topup.cta")}
      </button>
      <Show when={open()}>
        <TopUpDialog accountNo={props.accountNo} onClose={close} />
      </Show>
    </>
  );
}
