import { createResource, For, Show } from "solid-js";
import { Loadable } from "../../app/Loadable";
import { useI18n } from "../../i18n";
import { api } from "../../lib/api";
import { summarizeWeek } from "../../lib/format";
import { useRegion } from "../region/RegionContext";

/** Sales offices of the region with hours and a link to a map; a call-us note where there are none. */
export default function OfficesPage() {
  const { t, lang } = useI18n();
  const { region } = useRegion();
  const [offices, { refetch }] = createResource(api.offices);
  return (
    <>
      <h1>{t("offices.title", { region: region.name[lang()] })}</h1>
      <Loadable resource={offices} onRetry={refetch}>
        {(items) => (
          <Show when={items.length > 0} fallback={<p class="notice">{t("offices.none")}</p>}>
            <ul class="grid plain">
              <For each={items}>
                {(o) => (
                  <li class="card office">
                    <p class="tariff__kind">{o.kind === "b2b" ? t("offices.b2b") : t("offices.b2c")}</p>
                    <h2 class="office__address">
                      {o.city[lang()]}, {o.address[lang()]}
                    </h2>
                    <p>
                      <span class="muted">{t("offices.hours")}: </span>
                      {summarizeWeek(o.hours, t("days").split(","), t("offices.closed"))}
                    </p>
                    <a href={`https://yandex.ru/maps/?pt=${o.lon},${o.lat}&z=16&l=map`} target="_blank" rel="noopener noreferrer">
                      {t("offices.map")}
                    </a>
                  </li>
                )}
              </For>
            </ul>
          </Show>
        )}
      </Loadable>
    </>
  );
}
