import { A, useParams } from "@solidjs/router";
import { createResource, createSignal, For, Show } from "solid-js";
import { Loadable } from "../../app/Loadable";
import { useI18n } from "../../i18n";
import { createAction } from "../../lib/createAction";
import { formatAccountNo, formatDay, formatMoment, formatRub } from "../../lib/format";
import { useOnline } from "../../lib/online";
import { ProblemAlert } from "../auth/ProblemAlert";
import { RequireLogin } from "../auth/RequireLogin";
import HelpLinks from "../help/HelpLinks";
import { type ApplicationDto, servicesApi } from "./servicesApi";
import { slotText, VisitCard } from "./VisitCard";

/** "Отключение услуги «Домашний 500»": the kind of request and the service it is about. */
export function ApplicationSubject(props: { app: Pick<ApplicationDto, "kindLabel" | "service"> }) {
  const { lang } = useI18n();
  const service = () => props.app.service?.[lang()];
  return (
    <>
      {props.app.kindLabel[lang()]}
      <Show when={service()}>{(name) => (lang() === "ru" ? ` «${name()}»` : ` “${name()}”`)}</Show>
    </>
  );
}

export function StatusBadge(props: { app: Pick<ApplicationDto, "status" | "statusLabel"> }) {
  const { lang } = useI18n();
  return <span class={`badge badge--${props.app.status}`}>{props.app.statusLabel[lang()]}</span>;
}

/** «Мои заявки»: every application with its number and status. */
export function ApplicationsPage() {
  const { t, lang } = useI18n();
  const [items, { refetch }] = createResource(servicesApi.applications);
  return (
    <RequireLogin>
      {() => (
        <>
          <h1>{t("apps.title")}</h1>
          <p>
            <A class="button" href="/connect">
              {t("connect.title")}
            </A>
          </p>
          <Loadable resource={items} onRetry={refetch}>
            {(list) => (
              <Show when={list.length > 0} fallback={<p>{t("apps.none")}</p>}>
                <ul class="list">
                  <For each={list}>
                    {(a) => (
                      <li class="list__row">
                        <span>
                          <A href={`/applications/${a.id}`}>
                            {t("apps.number", { number: a.number })} · <ApplicationSubject app={a} />
                          </A>
                          <br />
                          <small class="muted">
                            <time datetime={a.createdAt}>{formatMoment(a.createdAt, lang())}</time>
                          </small>
                        </span>
                        <StatusBadge app={a} />
                      </li>
                    )}
                  </For>
                </ul>
              </Show>
            )}
          </Loadable>
          <HelpLinks screen="applications" />
        </>
      )}
    </RequireLogin>
  );
}

/** One application: what it is, its status history, and "withdraw" while nobody has started on it. */
export function ApplicationPage() {
  const params = useParams<{ id: string }>();
  return <RequireLogin>{() => <ApplicationDetail id={params.id} />}</RequireLogin>;
}

/** The application page's content: details, the technician's visit (move it, until the cutoff), history, withdrawal. */
export function ApplicationDetail(props: { id: string }) {
  const { t, lang } = useI18n();
  const online = useOnline();
  const [app, { refetch, mutate }] = createResource(() => props.id, servicesApi.application);
  const [notice, setNotice] = createSignal<string | null>(null);
  const cancel = createAction();
  // What the application is about, each value as a person reads it (days in words, money, grouped account numbers).
  const detail = (a: ApplicationDto) => {
    const d = a.details;
    const text = (k: string) => (typeof d[k] === "string" && d[k] !== "" ? (d[k] as string) : null);
    const day = (k: string) => (text(k) ? formatDay(text(k) as string, lang()) : null);
    const refund = text("refund");
    // A repair request filed after a line check carries it: what the network said, and when.
    const check = d.lineCheck as { verdict?: string; checkedAt?: string } | undefined;
    const lineCheck =
      check && typeof check.verdict === "string" && typeof check.checkedAt === "string"
        ? `${t("apps.lineCheck")}: ${t(`line.verdict.${check.verdict}` as "line.verdict.ok")} (${formatMoment(check.checkedAt, lang())})`
        : null;
    return [
      a.service ? `${t("apps.service")}: ${a.service[lang()]}` : text("tariffName") && `${t("connect.tariff")}: ${text("tariffName")}`,
      text("toTariffName") && `${t("apps.newTariff")}: ${text("toTariffName")}`,
      a.accountNo ? `${t("account.number")}: ${formatAccountNo(a.accountNo)}` : null,
      a.address,
      day("fromDay") && `${t("apps.period")}: ${t("block.period", { from: day("fromDay") ?? "", to: day("toDay") ?? "" })}`,
      typeof d.feeKop === "number" && d.feeKop > 0 ? `${t("apps.fee")}: ${formatRub(d.feeKop, lang())}` : null,
      a.preferredDay && !a.visit
        ? `${t("connect.day")}: ${formatDay(a.preferredDay, lang())}${a.preferredSlot ? `, ${slotText(a.preferredSlot)}` : ""}`
        : null,
      text("problem") && `${t("apps.problem")}: ${text("problem")}`,
      lineCheck,
      refund === "card" || refund === "bank" ? `${t("apps.refund")}: ${t(`termination.refund.${refund}`)}` : null,
      text("reason") && `${t("apps.reason")}: ${text("reason")}`,
      a.technician ? `${t("apps.technician")}: ${a.technician}` : null,
    ].filter((x): x is string => Boolean(x));
  };
  return (
    <Loadable resource={app} onRetry={refetch}>
      {(a) => (
        <>
          <p class="small">
            <A href="/applications">← {t("apps.title")}</A>
          </p>
          <h1>
            {t("apps.number", { number: a.number })}: {a.kindLabel[lang()]}
          </h1>
          <p role="status">
            {t("apps.status")}: <StatusBadge app={a} />
          </p>
          <ul class="plain">
            <For each={detail(a)}>{(line) => <li>{line}</li>}</For>
          </ul>
          <Show when={notice()}>
            <p role="status" class="notice">
              {notice()}
            </p>
          </Show>
          <Show when={a.visit ? { ...a, visit: a.visit } : null}>
            {(v) => (
              <VisitCard
                app={v()}
                onChanged={(next, message) => {
                  setNotice(message);
                  mutate(next);
                }}
              />
            )}
          </Show>
          <h2>{t("apps.history")}</h2>
          <ol class="timeline">
            <For each={a.history ?? []}>
              {(h) => (
                <li>
                  <strong>{h.label[lang()]}</strong> · <time datetime={h.at}>{formatMoment(h.at, lang())}</time>
                  <Show when={h.comment}>
                    <br />
                    <span class="muted">{h.comment}</span>
                  </Show>
                </li>
              )}
            </For>
          </ol>
          <Show when={a.next.includes("cancelled") && a.kind !== "block" && (!a.visit || a.visit.changeable)}>
            <ProblemAlert problem={cancel.problem()} />
            <button
              type="button"
              class="button"
              aria-describedby={a.visit ? "visit-cutoff" : undefined}
              disabled={cancel.busy() || !online()}
              onClick={() => void cancel.run(async () => mutate(await servicesApi.cancel(a.id)))}
            >
              {t("apps.cancel")}
            </button>
          </Show>
        </>
      )}
    </Loadable>
  );
}
