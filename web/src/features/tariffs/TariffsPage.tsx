import { createEffect, createMemo, createResource, createSignal, For, lazy, Show } from "solid-js";
import { Loadable } from "../../app/Loadable";
import { useI18n } from "../../i18n";
import { formatPhone, formatRub } from "../../lib/format";
import { latestOf } from "../../lib/resource";
import { createStaged } from "../../lib/tasks";
import { useRegion } from "../region/RegionContext";
import { regionApi, type TariffDto } from "../region/regionApi";
import { TariffCard } from "./TariffCard";

const HelpLinks = lazy(() => import("../help/HelpLinks"));

const KINDS = ["internet", "tv", "landline", "mobile", "bundle"] as const;
type Kind = TariffDto["kind"];

/** The region's tariffs with a filter by service type, and its add-on services. */
export default function TariffsPage() {
  const { t, lang } = useI18n();
  const { region } = useRegion();
  const [tariffs, { refetch }] = createResource(regionApi.tariffs);
  const [services] = createResource(regionApi.services);
  const [kind, setKind] = createSignal<Kind | "all">("all");
  const shown = createMemo(() => (latestOf(tariffs) ?? []).filter((x) => kind() === "all" || x.kind === kind()));
  /** Every card is drawn: what follows them may come. */
  const [listed, setListed] = createSignal(false);
  return (
    <>
      <h1>{t("tariffs.title", { region: region.name[lang()] })}</h1>
      <fieldset class="segmented">
        <legend class="visually-hidden">{t("tariffs.filter")}</legend>
        <button type="button" aria-pressed={kind() === "all"} onClick={() => setKind("all")}>
          {t("tariffs.all")}
        </button>
        <For each={KINDS}>
          {(k) => (
            <button type="button" aria-pressed={kind() === k} onClick={() => setKind(k)}>
              {t(`tariffs.kind.${k}`)}
            </button>
          )}
        </For>
      </fieldset>
      <Loadable resource={tariffs} onRetry={refetch}>
        {() => {
          // One card per task (lib/tasks), as on the accounts page: the cards are most of the page's first render.
          const staged = createStaged(shown);
          createEffect(() => setListed(staged.done()));
          return (
            <Show when={shown().length > 0} fallback={<p>{t("tariffs.empty")}</p>}>
              <div class="grid" aria-live="polite">
                <For each={staged.shown()}>{(tariff) => <TariffCard tariff={tariff} headingLevel="h2" />}</For>
              </div>
            </Show>
          );
        }}
      </Loadable>
      {/* After the cards (drawn a task each), so that none of them pushes what follows down. */}
      <Show when={listed() || tariffs.state === "errored"}>
        <p class="muted">{t("tariffs.connect", { phone: formatPhone("+78007078000") })}</p>
        <Show when={(latestOf(services) ?? []).length > 0}>
          <h2>{t("tariffs.services")}</h2>
          <ul class="list">
            <For each={latestOf(services)}>
              {(s) => (
                <li class="list__row">
                  <span>{s.name[lang()]}</span>
                  <span>
                    {formatRub(s.priceKop, lang())} / {lang() === "ru" ? "мес" : "month"}
                  </span>
                </li>
              )}
            </For>
          </ul>
        </Show>
        <HelpLinks screen="tariffs" />
      </Show>
    </>
  );
}
