import { Dialog } from "@kobalte/core/dialog";
import { useLocation } from "@solidjs/router";
import { useI18n } from "../../i18n";
import { useRegion } from "./RegionContext";
import { RegionList } from "./RegionList";

/** Header button that opens the region picker in a modal dialog (focus trapped, Esc closes). */
export function RegionSwitcher() {
  const { t, lang } = useI18n();
  const { region, context } = useRegion();
  const location = useLocation();
  return (
    <Dialog>
      <Dialog.Trigger class="region-button" aria-label={`${t("region.change")}: ${region.name[lang()]}`}>
        <svg aria-hidden="true" width="14" height="14" viewBox="0 0 24 24" class="pin">
          <path
            fill="currentColor"
            d="M12 2a7 7 0 0 0-7 7c0 5.25 7 13 7 13s7-7.75 7-13a7 7 0 0 0-7-7Zm0 9.5A2.5 2.5 0 1 1 12 6.5a2.5 2.5 0 0 1 0 5Z"
          />
        </svg>{" "}
        {region.name[lang()]}
      </Dialog.Trigger>
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
