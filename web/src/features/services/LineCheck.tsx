import { createSignal, For, Show } from "solid-js";
import { useI18n } from "../../i18n";
import { createAction } from "../../lib/createAction";
import { formatMoment } from "../../lib/format";
import { useOnline } from "../../lib/online";
import { ProblemAlert } from "../auth/ProblemAlert";
import { type ApplicationDto, type LineCheckDto, servicesApi, type VisitWindow } from "./servicesApi";

const SLOTS = ["09-13", "13-17", "17-21"] as const;
const inDays = (n: number) => {
  const d = new Date(Date.now() + n * 86_400_000);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
};

/**
 * «Проверить линию»: the operator's side of a home line (port, session,
 * speed); when it does not work, what to do, in order, and a repair request
 * («Создать заявку») that carries the check.
 */
export function LineCheck(props: { accountNo: string; serviceId: string }) {
  const { t, lang } = useI18n();
  const online = useOnline();
  const [result, setResult] = createSignal<LineCheckDto | null>(null);
  const [filed, setFiled] = createSignal<ApplicationDto | null>(null);
  const check = createAction();
  const request = createAction();
  const run = () =>
    void check.run(async () => {
      setFiled(null);
      setResult(await servicesApi.lineCheck(props.accountNo, props.serviceId));
    });
  const file = (e: SubmitEvent, r: LineCheckDto) => {
    e.preventDefault();
    const f = new FormData(e.currentTarget as HTMLFormElement);
    void request.run(async () => {
      const app = await servicesApi.apply({
        kind: "callout",
        accountNo: props.accountNo,
        serviceId: props.serviceId,
        problem: t("line.problem", { verdict: t(`line.verdict.${r.verdict}`) }),
        preferredDay: String(f.get("preferredDay") ?? ""),
        // One of the <select>'s windows; the server checks it.
        preferredSlot: String(f.get("preferredSlot") ?? "") as VisitWindow,
        contactPhone: String(f.get("contactPhone") ?? ""),
      });
      setFiled(app);
      return undefined;
    });
  };
  return (
    <section aria-labelledby="line-title">
      <h2 id="line-title">{t("line.title")}</h2>
      <p class="muted">{t("line.lead")}</p>
      <button type="button" class="button" disabled={check.busy() || !online()} aria-busy={check.busy()} onClick={run}>
        {check.busy() ? t("line.checking") : t("line.check")}
      </button>
      <ProblemAlert problem={check.problem()} />
      <Show when={result()}>
        {(r) => (
          <div class="notice" classList={{ "notice--error": r().verdict !== "ok" }} role="status" aria-live="polite">
            <p>
              <strong>{t(`line.verdict.${r().verdict}`)}</strong>
            </p>
            <ul class="plain small">
              <li>{t(r().port === "up" ? "line.port.up" : "line.port.down")}</li>
              <li>{t(r().session === "up" ? "line.session.up" : "line.session.down")}</li>
              <Show when={r().speedMbps}>{(s) => <li>{t("line.speed", { n: s() })}</li>}</Show>
              <li class="muted">{t("line.checkedAt", { when: formatMoment(r().checkedAt, lang()) })}</li>
            </ul>
            <Show when={r().nextSteps.length > 0}>
              <h3 class="small">{t("line.next")}</h3>
              <ol>
                <For each={r().nextSteps}>{(s) => <li>{t(`line.step.${s}`)}</li>}</For>
              </ol>
            </Show>
          </div>
        )}
      </Show>
      <Show when={result()?.nextSteps.includes("callout") && result()}>
        {(r) => (
          <Show
            when={filed()}
            fallback={
              <form class="form" aria-labelledby="line-request" onSubmit={(e) => file(e, r())}>
                <h3 id="line-request">{t("line.request.title")}</h3>
                <p class="small muted">{t("line.request.lead")}</p>
                <label class="field">
                  <span>{t("connect.day")}</span>
                  <input type="date" name="preferredDay" required min={inDays(1)} max={inDays(30)} value={inDays(2)} />
                </label>
                <label class="field">
                  <span>{t("connect.slot")}</span>
                  <select name="preferredSlot">
                    <For each={SLOTS}>{(s) => <option value={s}>{s.replace("-", ":00–")}:00</option>}</For>
                  </select>
                </label>
                <label class="field">
                  <span>{t("connect.phone")}</span>
                  <input name="contactPhone" type="tel" autocomplete="tel" required />
                </label>
                <ProblemAlert problem={request.problem()} />
                <button type="submit" class="button button--primary" disabled={request.busy() || !online()} aria-busy={request.busy()}>
                  {t("line.request.submit")}
                </button>
              </form>
            }
          >
            {(app) => (
              <p class="notice" role="status">
                {t("line.request.done", { number: app().number })} <a href={`/applications/${app().id}`}>{t("line.request.open")}</a>
              </p>
            )}
          </Show>
        )}
      </Show>
      <Show when={!online()}>
        <p class="small muted">{t("services.offline")}</p>
      </Show>
    </section>
  );
}
