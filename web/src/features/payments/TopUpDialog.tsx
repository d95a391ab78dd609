import { Dialog } from "@kobalte/core/dialog";
import { createSignal, Show } from "solid-js";
import { useI18n } from "../../i18n";
import { formatAccountNo } from "../../lib/format";
import { TopUpForm } from "./TopUp";

/** The top-up dialog: card payment here, or by the account number in any bank's app. Loaded on first use. */
export default function TopUpDialog(props: { accountNo: string; onClose: () => void }) {
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
    <Dialog open onOpenChange={(open) => !open && props.onClose()}>
      <Dialog.Portal>
        <Dialog.Overlay class="dialog-overlay" />
        <div class="dialog-positioner">
          <Dialog.Content class="dialog">
            <div class="dialog-header">
              <Dialog.Title as="h2">{t("pay.title", { account: formatAccountNo(props.accountNo) })}</Dialog.Title>
              <Dialog.CloseButton class="icon-button" aria-label={t("region.close")}>
                ✕
              </Dialog.CloseButton>
            </div>
            <TopUpForm accountNo={props.accountNo} />
            <details>
              <summary>{t("topup.title")}</summary>
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
            </details>
          </Dialog.Content>
        </div>
      </Dialog.Portal>
    </Dialog>
  );
}
