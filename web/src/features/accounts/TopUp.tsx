import { Dialog } from "@kobalte/core/dialog";
import { createSignal, Show } from "solid-js";
import { useI18n } from "../../i18n";
import { formatAccountNo } from "../../lib/format";

/**
 * "Пополнить": how to top up this account now: by its number in any bank's
 * app (the way subscribers pay today), with the number ready to copy.
 */
export function TopUpButton(props: { accountNo: string; open?: boolean }) {
  const { t } = useI18n();
  const [copied, setCopied] = createSignal(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(props.accountNo);
      setCopied(true);
    } catch {
      setCopied(false);
    }
  };
  return (
    <Dialog defaultOpen={props.open} onOpenChange={() => setCopied(false)}>
      <Dialog.Trigger class="button button--primary">{t("topup.cta")}</Dialog.Trigger>
      <Dialog.Portal>
        <Dialog.Overlay class="dialog-overlay" />
        <div class="dialog-positioner">
          <Dialog.Content class="dialog">
            <div class="dialog-header">
              <Dialog.Title as="h2">{t("topup.title")}</Dialog.Title>
              <Dialog.CloseButton class="icon-button" aria-label={t("region.close")}>
                ✕
              </Dialog.CloseButton>
            </div>
            <Dialog.Description as="div">
              <ol>
                <li>{t("topup.step1")}</li>
                <li>{t("topup.step2")}</li>
                <li>
                  {t("topup.step3")} <strong class="account-number">{formatAccountNo(props.accountNo)}</strong>
                </li>
              </ol>
              <p class="muted">{t("topup.note")}</p>
            </Dialog.Description>
            <button type="button" class="button" onClick={() => void copy()}>
              {t("topup.copy")}
            </button>
            <Show when={copied()}>
              <p role="status">{t("topup.copied")}</p>
            </Show>
          </Dialog.Content>
        </div>
      </Dialog.Portal>
    </Dialog>
  );
}
