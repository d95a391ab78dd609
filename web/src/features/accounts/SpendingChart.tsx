import { For, Show } from "solid-js";
import { useI18n } from "../../i18n";
import { formatMonth, formatRub } from "../../lib/format";
import type { InsightDto } from "./accountsApi";

/**
 * Spending per month as bars (SVG scales to any width, so it reads on a
 * 360 px phone), with the same figures as a table for screen readers.
 */
export function SpendingChart(props: { months: InsightDto["months"] }) {
  const { t, lang } = useI18n();
  const max = () => Math.max(1, ...props.months.map((m) => m.totalKop));
  const barW = () => 100 / Math.max(1, props.months.length);
  return (
    <figure class="chart">
      <svg viewBox="0 0 100 60" preserveAspectRatio="none" role="presentation" aria-hidden="true" class="chart__svg">
        <For each={props.months}>
          {(m, i) => {
            const h = () => (m.totalKop / max()) * 55;
            return <rect x={i() * barW() + barW() * 0.15} width={barW() * 0.7} y={60 - h()} height={h()} rx="1" class="chart__bar" />;
          }}
        </For>
      </svg>
      <div class="chart__labels" aria-hidden="true">
        <For each={props.months}>{(m) => <span>{formatMonth(m.month, lang()).split(" ")[0]}</span>}</For>
      </div>
      <figcaption>{t("insight.byMonth")}</figcaption>
      <Show when={props.months.at(-1)}>
        {(last) => (
          <div class="by-service">
            <h3>{t("insight.byService", { month: formatMonth(last().month, lang()) })}</h3>
            <ul class="plain">
              <For each={last().services}>
                {(s) => (
                  <li>
                    <span>
                      {s.name[lang()]} — {formatRub(s.spentKop, lang())}
                    </span>
                    <span class="hbar" aria-hidden="true">
                      <span style={{ width: `${(s.spentKop / Math.max(1, last().totalKop)) * 100}%` }} />
                    </span>
                  </li>
                )}
              </For>
            </ul>
          </div>
        )}
      </Show>
      <table class="visually-hidden">
        <thead>
          <tr>
            <th scope="col">{t("insight.month")}</th>
            <th scope="col">{t("insight.spent")}</th>
          </tr>
        </thead>
        <tbody>
          <For each={props.months}>
            {(m) => (
              <tr>
                <th scope="row">{formatMonth(m.month, lang())}</th>
                <td>{formatRub(m.totalKop, lang())}</td>
              </tr>
            )}
          </For>
        </tbody>
      </table>
    </figure>
  );
}
