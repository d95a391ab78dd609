import { Show } from "solid-js";
import { Dynamic } from "solid-js/web";
import { useI18n } from "../../i18n";
import { formatRub } from "../../lib/format";
import type { TariffDto } from "../region/regionApi";

export function TariffCard(props: { tariff: TariffDto; headingLevel?: "h2" | "h3" }) {
  const { t, lang } = useI18n();
  const features = () =>
    [
      props.tariff.speedMbps != null ? t("tariffs.speed", { n: props.tariff.speedMbps }) : null,
      props.tariff.tvChannels != null ? t("tariffs.channels", { n: props.tariff.tvChannels }) : null,
      props.tariff.dataGb != null ? t("tariffs.data", { n: props.tariff.dataGb }) : null,
      props.tariff.minutes != null ? t("tariffs.minutes", { n: props.tariff.minutes }) : null,
    ].filter(Boolean) as string[];
  return (
    <article class="card tariff" aria-labelledby={`tariff-${props.tariff.id}`}>
      <p class="tariff__kind">{t(`tariffs.kind.${props.tariff.kind}`)}</p>
      <Dynamic component={props.headingLevel ?? "h3"} id={`tariff-${props.tariff.id}`} class="tariff__name">
        {props.tariff.name[lang()]}
      </Dynamic>
      <p>{props.tariff.description[lang()]}</p>
      <Show when={features().length > 0}>
        <ul class="chips">
          {features().map((f) => (
            <li>{f}</li>
          ))}
        </ul>
      </Show>
      <p class="tariff__price">
        <strong>{formatRub(props.tariff.priceKop, lang()).replace(/\s₽$/, "")}</strong> {t("common.perMonth")}
      </p>
    </article>
  );
}
