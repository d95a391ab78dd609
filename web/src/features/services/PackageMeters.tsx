import { createResource, For, Show } from "solid-js";
import { Loadable } from "../../app/Loadable";
import { useI18n } from "../../i18n";
import { type AllowanceDto, servicesApi } from "./servicesApi";

const gb = (mb: number, lang: "ru" | "en") =>
  new Intl.NumberFormat(lang === "ru" ? "ru-RU" : "en-GB", { maximumFractionDigits: 1 }).format(Math.floor((mb / 1024) * 10) / 10);

/** One allowance as a bar with its words («осталось 120 из 500 минут»); the bar is named by the words. */
function Meter(props: { id: string; label: string; text: string; a: AllowanceDto }) {
  return (
    <div class="package__row">
      <span id={props.id}>
        {props.label}: {props.text}
      </span>
      <meter
        aria-labelledby={props.id}
        min={0}
        max={Math.max(1, props.a.total)}
        value={props.a.left}
        low={props.a.total * 0.2}
        high={props.a.total * 0.5}
        optimum={props.a.total}
      />
    </div>
  );
}

/**
 * What is left this month of the packages of an account's mobile numbers (or
 * of one number): minutes, SMS and gigabytes, each with a bar. Shown on the
 * home card and the service page.
 */
export function PackageMeters(props: { accountNo: string; serviceId?: string }) {
  const { t, lang } = useI18n();
  const [packages, { refetch }] = createResource(() => props.accountNo, servicesApi.packages);
  return (
    <Loadable resource={packages} onRetry={refetch}>
      {(p) => (
        <For each={p.items.filter((i) => !props.serviceId || i.serviceId === props.serviceId)}>
          {(i) => {
            const id = (what: string) => `pkg-${i.serviceId}-${what}`;
            return (
              <section class="package" aria-labelledby={id("title")}>
                <h3 id={id("title")} class="small">
                  {t("package.title", { name: i.name[lang()] })}
                </h3>
                <Show when={i.minutes.total > 0}>
                  <Meter
                    id={id("min")}
                    label={t("package.minutes")}
                    text={t("package.minutesLeft", { left: i.minutes.left, total: i.minutes.total })}
                    a={i.minutes}
                  />
                </Show>
                <Show when={i.sms.total > 0}>
                  <Meter
                    id={id("sms")}
                    label={t("package.sms")}
                    text={t("package.smsLeft", { left: i.sms.left, total: i.sms.total })}
                    a={i.sms}
                  />
                </Show>
                <Show when={i.dataMb.total > 0}>
                  <Meter
                    id={id("data")}
                    label={t("package.data")}
                    text={t("package.dataLeft", { left: gb(i.dataMb.left, lang()), total: gb(i.dataMb.total, lang()) })}
                    a={i.dataMb}
                  />
                </Show>
              </section>
            );
          }}
        </For>
      )}
    </Loadable>
  );
}
