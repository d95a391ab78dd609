import { createMemo, createResource, createSignal, For, lazy, onCleanup, Show, Suspense } from "solid-js";
import { Loadable } from "../../app/Loadable";
import { useI18n } from "../../i18n";
import { useStrings } from "../../i18n/local";
import { formatPhone, summarizeWeek } from "../../lib/format";
import { useOnline } from "../../lib/online";
import { latestOf } from "../../lib/resource";
import { useRegion } from "../region/RegionContext";
import { type OfficeDto, regionApi } from "../region/regionApi";
import { distanceKm, formatDistance } from "./distance";
import { type OpenState, openState } from "./hours";
import { OfficeMap } from "./OfficeMap";
import { officeStrings } from "./strings";

// Leaflet and its stylesheet load only with the map, on this page.
const OfficeTileMap = lazy(() => import("./OfficeTileMap"));

type Here = { lat: number; lon: number };

/**
 * The office finder: the region's sales offices on a map (the configured tiles; the schematic map offline or when
 * the tiles do not come) and in a list, with hours and "open now" in the region's time zone, the line to call, and
 * the nearest first once the visitor shares where they are.
 */
export default function OfficesPage() {
  const { t, lang } = useI18n();
  const s = useStrings(officeStrings);
  const { region } = useRegion();
  const online = useOnline();
  const [offices, { refetch }] = createResource(regionApi.offices);
  // The lines to call: the region's desk for private customers, the business line for business offices.
  const [contacts] = createResource(() => regionApi.contacts().catch(() => []));
  const phoneFor = (kind: "b2c" | "b2b") => {
    const list = contacts() ?? [];
    const want = kind === "b2b" ? ["b2b_hotline", "b2b_smb"] : ["regional", "support"];
    return want.map((k) => list.find((c) => c.kind === k)).find(Boolean)?.phone;
  };
  const [tilesFailed, setTilesFailed] = createSignal(false);
  const [here, setHere] = createSignal<Here | null>(null);
  const [locating, setLocating] = createSignal<"idle" | "busy" | "denied" | "unavailable">("idle");
  const locate = () => {
    if (!("geolocation" in navigator)) return setLocating("unavailable");
    setLocating("busy");
    navigator.geolocation.getCurrentPosition(
      (p) => {
        setHere({ lat: p.coords.latitude, lon: p.coords.longitude });
        setLocating("idle");
      },
      (e) => setLocating(e.code === e.PERMISSION_DENIED ? "denied" : "unavailable"),
      { enableHighAccuracy: false, timeout: 15_000, maximumAge: 300_000 },
    );
  };
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
    const from = here();
    const list = (latestOf(offices)?.items ?? [])
      .map((o: OfficeDto) => ({ ...o, state: openState(o.hours, region.tz, now()), km: from ? distanceKm(from, o) : null }))
      .filter((o) => kind() === "all" || o.kind === kind())
      .filter((o) => !openOnly() || o.state.open)
      .filter((o) => !q || `${o.city[lang()]} ${o.address[lang()]}`.toLowerCase().includes(q));
    return from ? list.sort((a, b) => (a.km ?? 0) - (b.km ?? 0)) : list;
  });
  const pins = () => shown().map((o) => ({ ...o, label: `${o.address[lang()]}: ${stateText(o.state)}`, open: o.state.open }));
  return (
    <>
      <h1>{t("offices.title", { region: region.name[lang()] })}</h1>
      <Loadable resource={offices} onRetry={refetch}>
        {({ items, map }) => (
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
                <div>
                  <button type="button" class="button" onClick={locate} disabled={locating() === "busy"} aria-pressed={here() !== null}>
                    {locating() === "busy" ? s("locating") : s("nearest")}
                  </button>
                  <Show when={locating() === "denied" || locating() === "unavailable"}>
                    <p class="field__error" role="alert">
                      {s(locating() === "denied" ? "locationDenied" : "locationUnavailable")}
                    </p>
                  </Show>
                </div>
              </form>
            </search>
            <p class="muted small" role="status" aria-live="polite">
              {s("found", { n: shown().length })} · {s("localTime", { tz: region.tz })}
              {here() ? ` · ${s("sortedByDistance")}` : ""}
            </p>
            <Show when={shown().length > 0} fallback={<p>{s("none")}</p>}>
              <Show
                when={map && online() && !tilesFailed() && map}
                fallback={
                  <>
                    <Show when={map}>
                      <p class="muted small">{online() ? s("tilesFailed") : s("tilesOffline")}</p>
                    </Show>
                    <OfficeMap title={s("map")} offices={pins()} />
                  </>
                }
              >
                {(tiles) => (
                  <Suspense fallback={<div class="office-tiles" aria-hidden="true" />}>
                    <OfficeTileMap offices={pins()} tiles={tiles()} onFail={() => setTilesFailed(true)} />
                  </Suspense>
                )}
              </Show>
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
                      <Show when={o.km !== null}>
                        <p class="office__distance">{s("away", { distance: formatDistance(o.km ?? 0, lang()) })}</p>
                      </Show>
                      <p>
                        <span class="muted">{t("offices.hours")}: </span>
                        {summarizeWeek(o.hours, days(), t("offices.closed"))}
                      </p>
                      <Show when={phoneFor(o.kind)}>
                        {(phone) => (
                          <p>
                            <span class="muted">{s("phone")}: </span>
                            <a href={`tel:${phone()}`}>{formatPhone(phone())}</a>
                          </p>
                        )}
                      </Show>
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
