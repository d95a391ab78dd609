import { For, Show } from "solid-js";
import { useI18n } from "../../i18n";
import { formatRub } from "../../lib/format";
import type { UsageViewDto } from "./usageApi";

const pad = (n: number) => String(n).padStart(2, "0");

/** "1:51:49": hours are not wrapped at a day. */
export function durationText(sec: number): string {
  return `${Math.floor(sec / 3600)}:${pad(Math.floor((sec % 3600) / 60))}:${pad(sec % 60)}`;
}

export function volumeText(kb: number, lang: "ru" | "en"): string {
  const [n, unit] =
    kb >= 1024 * 1024 ? [(kb / 1024 / 1024).toFixed(2), "GB"] : kb >= 1024 ? [(kb / 1024).toFixed(1), "MB"] : [String(kb), "KB"];
  const ru: Record<string, string> = { GB: "ГБ", MB: "МБ", KB: "КБ" };
  return lang === "ru" ? `${n.replace(".", ",")} ${ru[unit]}` : `${n} ${unit}`;
}

/**
 * Totals of the filter per category, and «Всего» as the server adds it up: one
 * figure per unit (time of calls, volume of data, SMS in pieces) and the cost.
 */
export function UsageTotals(props: { view: Pick<UsageViewDto, "totals" | "total" | "labels"> }) {
  const { t, lang } = useI18n();
  const all = () => props.view.total;
  return (
    <Show when={props.view.totals.length > 0}>
      <section class="table-scroll" tabindex="0" aria-labelledby="usage-totals">
        <table class="history history--cards">
          <caption id="usage-totals">{t("usage.totals")}</caption>
          <thead>
            <tr>
              <th scope="col">{t("usage.kind")}</th>
              <th scope="col" class="num">
                {t("usage.count")}
              </th>
              <th scope="col" class="num">
                {t("usage.duration")}
              </th>
              <th scope="col" class="num">
                {t("usage.volume")}
              </th>
              <th scope="col" class="num">
                {t("usage.cost")}
              </th>
            </tr>
          </thead>
          <tbody>
            <For each={props.view.totals}>
              {(c) => (
                <tr>
                  <th scope="row">{props.view.labels[c.category][lang()]}</th>
                  <td class="num" data-label={t("usage.count")}>
                    {c.count}
                  </td>
                  <td class="num" data-label={t("usage.duration")}>
                    {c.category.startsWith("call_") ? durationText(c.durationSec) : null}
                  </td>
                  <td class="num" data-label={t("usage.volume")}>
                    {c.category === "internet" ? volumeText(c.volumeKb, lang()) : null}
                  </td>
                  <td class="num" data-label={t("usage.cost")}>
                    {formatRub(c.costKop, lang())}
                  </td>
                </tr>
              )}
            </For>
          </tbody>
          <tfoot>
            <tr>
              <th scope="row">{t("usage.total")}</th>
              <td class="num" data-label={t("usage.count")}>
                {all().smsCount ? t("usage.smsCount", { n: all().smsCount }) : null}
              </td>
              <td class="num" data-label={t("usage.duration")}>
                {all().callSec ? durationText(all().callSec) : null}
              </td>
              <td class="num" data-label={t("usage.volume")}>
                {all().dataKb ? volumeText(all().dataKb, lang()) : null}
              </td>
              <td class="num" data-label={t("usage.cost")}>
                <strong>{formatRub(all().costKop, lang())}</strong>
              </td>
            </tr>
          </tfoot>
        </table>
      </section>
    </Show>
  );
}
