import { createMemo, createResource, createSignal, For, onCleanup, Show } from "solid-js";
import { Loadable } from "../../app/Loadable";
import { useI18n } from "../../i18n";
import { useStrings } from "../../i18n/local";
import { api, type OfficeDto } from "../../lib/api";
import { summarizeWeek } from "../../lib/format";
import { latestOf } from "../../lib/resource";
import { useRegion } from "../region/RegionContext";
import { type OpenState, openState } from "./hours";
import { OfficeMap } from "./OfficeMap";
import { officeStrings } from "./strings";

/** The office finder: the region's sales offices on a schematic map and in a list, with hours and "open now" in the region's time zone. */
export default function OfficesPage() {
  const { t, lang } = useI18n();
  const s = useStrings(officeStrings);
  const { region } = useRegion();
  const [offices, { refetch }] = createResource(api.offices);
  const [kind, setKind] = createSignal<"all" | "b2c" | "b2b">(new URLSearchParams(location.search).get("kind") === "b2b" ? "b2b" : "all");
  const [openOnly, setOpenOnly] = createSignal(false);
  const [query, setQuery] = createSignal("");
  // "Open now" follows the clock.
  const [now, setNow] = createSignal(new Date());
  const timer = setInterval(() => setNow(new Date()), 60_000);
  onCleanup(() => clearInterval(timer));
  const days = () => t("days").split(",");
  const stateText = (st: OpenState) =>
    st.open
      ? s("openUntil", { time: st.until })
      : st.opensDay === null
        ? s("neverOpen")
        : st.today
          ? s("opensToday", { time: st.opensAt })
          : s("opensOn", { day: days()[st.opensDay] ?? "", time: st.opensAt });
  const shown = createMemo(() => {
    const q = query().trim().toLowerCase();
    return (latestOf(offices) ?? [])
      .map((o: OfficeDto) => ({ ...o, state: openState(o.hours, region.tz, now()) }))
      .filter((o) => kind() === "all" || o.kind === kind())
      .filter((o) => !openOnly() || o.state.open)
      .filter((o) => !q || `${o.city[lang()]} ${o.address[lang()]}`.toLowerCase().includes(q));
  });
  return (
    <>
      <h1>{t("offices.title", { region: region.name[lang()] })}</h1>
      <Loadable resource={offices} onRetry={refetch}>
        {(items) => (
          <Show when={items.length > 0} fallback={<p class="notice">{t("offices.none")}</p>}>
            <search aria-label={s("finder")}>
              <form class="form" onSubmit={(e) => e.preventDefault()}>
                <fieldset class="radios">
                  <legend>{s("kind")}</legend>
                  <For each={["all", "b2c", "b2b"] as const}>
                    {(k) => (
                      <label class="checkbox">
                        <input type="radio" name="kind" value={k} checked={kind() === k} onChange={() => setKind(k)} />
                        <span>{s(`kind.${k}`)}</span>
                      </label>
                    )}
                  </For>
                </fieldset>
                <label class="checkbox">
                  <input type="checkbox" checked={openOnly()} onChange={(e) => setOpenOnly(e.currentTarget.checked)} />
                  <span>{s("openOnly")}</span>
                </label>
                <label class="field">
                  <span>{s("city")}</span>
                  <input type="search" value={query()} onInput={(e) => setQuery(e.currentTarget.value)} autocomplete="off" />
                </label>
              </form>
            </search>
            <p class="muted small" role="status" aria-live="polite">
              {s("found", { n: shown().length })} · {s("localTime", { tz: region.tz })}
            </p>
            <Show when={shown().length > 0} fallback={<p>{s("none")}</p>}>
              <OfficeMap
                title={s("map")}
                offices={shown().map((o) => ({ ...o, label: `${o.address[lang()]}: ${stateText(o.state)}`, open: o.state.open }))}
              />
              <ol class="grid plain">
                <For each={shown()}>
                  {(o, i) => (
                    <li class="card office" id={`office-${o.id}`} tabindex="-1">
                      <p class="tariff__kind">
                        {i() + 1} · {o.kind === "b2b" ? t("offices.b2b") : t("offices.b2c")}
                      </p>
                      <h2 class="office__address">
                        {o.city[lang()]}, {o.address[lang()]}
                      </h2>
                      <p class={o.state.open ? "open-now" : "open-now open-now--closed"}>{stateText(o.state)}</p>
                      <p>
                        <span class="muted">{t("offices.hours")}: </span>
                        {summarizeWeek(o.hours, days(), t("offices.closed"))}
                      </p>
                      <a href={`https://yandex.ru/maps/?pt=${o.lon},${o.lat}&z=16&l=map`} target="_blank" rel="noopener noreferrer">
                        {t("offices.map")}
                      </a>
                    </li>
                  )}
                </For>
              </ol>
            </Show>
          </Show>
        )}
      </Loadable>
    </>
  );
}
