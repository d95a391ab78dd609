import { Dialog } from "@kobalte/core/dialog";
import { useLocation } from "@solidjs/router";
import { useI18n } from "../../i18n";
import { useRegion } from "./RegionContext";
import { RegionList } from "./RegionList";

/** The region picker: a modal dialog, open while it is shown. */
export default function RegionDialog(props: { onClose: () => void }) {
  const { t } = useI18n();
  const { region, context } = useRegion();
  const location = useLocation();
  return (
    <Dialog open onOpenChange={(open) => !open && props.onClose()}>
      <Dialog.Portal>
        <Dialog.Overlay class="dialog-overlay" />
        <div class="dialog-positioner">
          <Dialog.Content class="dialog">
            <div class="dialog-header">
              <Dialog.Title as="h2">{t("region.choose")}</Dialog.Title>
              <Dialog.CloseButton class="icon-button" aria-label={t("region.close")}>
                ✕
              </Dialog.CloseButton>
            </div>
            <RegionList baseDomain={context.baseDomain} path={location.pathname} current={region.code} />
          </Dialog.Content>
        </div>
      </Dialog.Portal>
    </Dialog>
  );
}
