import { A } from "@solidjs/router";
import { createResource, For } from "solid-js";
import { Loadable } from "../../app/Loadable";
import { useI18n } from "../../i18n";
import { latestOf } from "../../lib/resource";
import { OutageBanner } from "../notifications/OutageBanner";
import { useRegion } from "../region/RegionContext";
import { regionApi } from "../region/regionApi";
import { TariffCard } from "../tariffs/TariffCard";

/** The regional landing page: what the cabinet does, popular tariffs, the way in. */
export default function HomePage() {
  const { t, lang } = useI18n();
  const { region } = useRegion();
  const [tariffs, { refetch }] = createResource(regionApi.tariffs);
  const popular = () => (latestOf(tariffs) ?? []).filter((x) => x.kind === "bundle" || x.id.endsWith("inet-300")).slice(0, 3);
  return (
    <>
      <OutageBanner />
      <section class="hero">
        <h1>{t("home.title", { region: region.name[lang()] })}</h1>
        <p class="lead">{t("home.lead")}</p>
        <A href="/login" class="button button--primary">
          {t("home.login")}
        </A>
      </section>
      <h2>{t("home.popular")}</h2>
      <Loadable resource={tariffs} onRetry={refetch}>
        {() => (
          <div class="grid">
            <For each={popular()}>{(tariff) => <TariffCard tariff={tariff} />}</For>
          </div>
        )}
      </Loadable>
      <p>
        <A href="/tariffs">{t("home.allTariffs")} →</A>
      </p>
    </>
  );
}
