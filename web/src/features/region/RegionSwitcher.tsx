import { createSignal, Show } from "solid-js";
import { lazyScreen } from "../../app/lazyScreen";
import { useI18n } from "../../i18n";
import { useRegion } from "./RegionContext";

// The dialog (Kobalte) and the region list load on first use: they are not needed to draw the page.
const RegionDialog = lazyScreen(() => import("./RegionDialog"));

/** Header button that opens the region picker in a modal dialog (focus trapped, Esc closes, focus returns here). */
export function RegionSwitcher() {
  const { t, lang } = useI18n();
  const { region } = useRegion();
  const [open, setOpen] = createSignal(false);
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
        class="region-button"
        aria-haspopup="dialog"
        aria-expanded={open()}
        aria-label={`${t("region.change")}: ${region.name[lang()]}`}
        onClick={() => setOpen(true)}
      >
        <svg aria-hidden="true" width="14" height="14" viewBox="0 0 24 24" class="pin">
          <path
            fill="currentColor"
            d="M12 2a7 7 0 0 0-7 7c0 5.25 7 13 7 13s7-7.75 7-13a7 7 0 0 0-7-7Zm0 9.5A2.5 2.5 0 1 1 12 6.5a2.5 2.5 0 0 1 0 5Z"
          />
        </svg>{" "}
        {region.name[lang()]}
      </button>
      <Show when={open()}>
        <RegionDialog onClose={close} />
      </Show>
    </>
  );
}
