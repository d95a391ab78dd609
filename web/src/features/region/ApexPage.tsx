import { createSignal, Show } from "solid-js";
import { LangToggle } from "../../app/LangToggle";
import { useI18n } from "../../i18n";
import { setPreferenceCookie } from "../../lib/cookies";
import { RegionList } from "./RegionList";
import type { RegionContextDto } from "./regionApi";

/** The apex site: offers the detected region, or the list to choose from. The choice is remembered. */
export function ApexPage(props: { context: RegionContextDto }) {
  const { t, lang } = useI18n();
  const [choosing, setChoosing] = createSignal(new URLSearchParams(location.search).has("choose"));
  const suggested = () => props.context.suggested;
  return (
    <div class="apex">
      <header class="apex-header">
        <span class="logo">{t("app.name")}</span>
        <LangToggle baseDomain={props.context.baseDomain} />
      </header>
      <main id="main" class="page">
        <h1>{t("apex.title")}</h1>
        <Show
          when={!choosing()}
          fallback={
            <>
              <h2>{t("region.choose")}</h2>
              <RegionList baseDomain={props.context.baseDomain} path="/" />
            </>
          }
        >
          <section class="card suggest" aria-labelledby="suggest-title">
            <h2 id="suggest-title">{t("region.suggested", { name: suggested().name[lang()] })}</h2>
            <p>{t("region.suggestedHint")}</p>
            <div class="actions">
              <a
                class="button button--primary"
                href={suggested().url}
                onClick={() => setPreferenceCookie("region", suggested().code, props.context.baseDomain)}
              >
                {t("region.yes")}
              </a>
              <button type="button" class="button" onClick={() => setChoosing(true)}>
                {t("region.other")}
              </button>
            </div>
          </section>
        </Show>
      </main>
    </div>
  );
}
