import { createResource, createSignal, For, Show } from "solid-js";
import { Loadable } from "../../app/Loadable";
import { useI18n } from "../../i18n";
import { createAction } from "../../lib/createAction";
import { formatAccountNo, formatDay, formatMoment, formatPhone, formatRub, formatSlot } from "../../lib/format";
import { latestOf } from "../../lib/resource";
import { ProblemAlert } from "../auth/ProblemAlert";
import { useRegion } from "../region/RegionContext";
import { regionApi } from "../region/regionApi";
import { StatusBadge } from "./ApplicationsPage";
import { type ApplicationDto, opsApplicationsApi } from "./servicesApi";

const KEY = "kabinet:ops-token";
const OPEN = "received,in_work,technician_assigned";

/** One application in the queue, with the moves the state machine allows an operator. */
function Row(props: { token: string; app: ApplicationDto; regionName: string; onMoved: () => void }) {
  const { t, lang } = useI18n();
  // What the application is about, each value as a person reads it: days in words, money, grouped numbers.
  const detail = () => {
    const a = props.app;
    const d = a.details;
    const text = (k: string) => (typeof d[k] === "string" && d[k] !== "" ? (d[k] as string) : null);
    const day = (k: string) => {
      const v = text(k);
      return v ? formatDay(v, lang()) : null;
    };
    const refund = text("refund");
    return [
      a.service ? `${t("apps.service")}: ${a.service[lang()]}` : text("tariffName") && `${t("connect.tariff")}: ${text("tariffName")}`,
      text("toTariffName") && `${t("apps.newTariff")}: ${text("toTariffName")}`,
      a.accountNo ? `${t("account.number")}: ${formatAccountNo(a.accountNo)}` : null,
      [props.regionName, a.address].filter(Boolean).join(", "),
      a.contactPhone ? `${t("connect.phone")}: ${formatPhone(a.contactPhone)}` : null,
      day("fromDay") && `${t("apps.period")}: ${t("block.period", { from: day("fromDay") ?? "", to: day("toDay") ?? "" })}`,
      typeof d.feeKop === "number" && d.feeKop > 0 ? `${t("apps.fee")}: ${formatRub(d.feeKop, lang())}` : null,
      a.preferredDay
        ? `${t("connect.day")}: ${formatDay(a.preferredDay, lang())}${a.preferredSlot ? `, ${formatSlot(a.preferredSlot)}` : ""}`
        : null,
      text("problem") && `${t("apps.problem")}: ${text("problem")}`,
      refund === "card" || refund === "bank" ? `${t("apps.refund")}: ${t(`termination.refund.${refund}`)}` : null,
      text("bankDetails"),
      text("reason") && `${t("apps.reason")}: ${text("reason")}`,
      a.technician ? `${t("apps.technician")}: ${a.technician}` : null,
    ].filter((x): x is string => Boolean(x));
  };
  const a = createAction();
  const move = (to: ApplicationDto["next"][number], form: HTMLFormElement) => {
    const f = new FormData(form);
    void a.run(async () => {
      await opsApplicationsApi.transition(props.token, props.app.id, {
        to,
        comment: String(f.get("comment") ?? "") || undefined,
        technician: String(f.get("technician") ?? "") || undefined,
      });
      props.onMoved();
    });
  };
  let form!: HTMLFormElement;
  return (
    <li class="report">
      <div>
        <strong>
          {t("apps.number", { number: props.app.number })} · {props.app.kindLabel[lang()]}
        </strong>{" "}
        <StatusBadge app={props.app} />
        <ul class="small plain">
          <For each={detail()}>{(line) => <li>{line}</li>}</For>
        </ul>
        <p class="small muted">{formatMoment(props.app.createdAt, lang())}</p>
      </div>
      <Show when={props.app.next.length > 0}>
        <form ref={form} class="form" onSubmit={(e) => e.preventDefault()} aria-label={t("apps.number", { number: props.app.number })}>
          <Show when={props.app.next.includes("technician_assigned")}>
            <label class="field">
              <span>{t("apps.technician")}</span>
              <input name="technician" autocomplete="off" />
            </label>
          </Show>
          <label class="field">
            <span>{t("ops.comment")}</span>
            <input name="comment" autocomplete="off" />
          </label>
          <ProblemAlert problem={a.problem()} />
          <div class="quick">
            <For each={props.app.next}>
              {(to) => (
                <button type="button" class="button" disabled={a.busy()} onClick={() => move(to, form)}>
                  {t(`ops.to.${to}` as "ops.to.done")}
                </button>
              )}
            </For>
          </div>
        </form>
      </Show>
    </li>
  );
}

/** The operators' screen: this region's applications, moved through their statuses (the operators' token, kept for this tab). */
export default function OpsPage() {
  const { t, lang } = useI18n();
  const { region } = useRegion();
  const [token, setToken] = createSignal(sessionStorage.getItem(KEY) ?? "");
  const [status, setStatus] = createSignal(OPEN);
  const [list, { refetch }] = createResource(
    () => (token() ? ([token(), status()] as const) : false),
    ([tk, st]) => opsApplicationsApi.list(tk, region.code, st),
  );
  // Region names for the codes the applications carry (the list is this site's region; the catalogue names any other).
  const [catalogue] = createResource(regionApi.regions);
  const regionName = (code: string) =>
    latestOf(catalogue)?.find((r) => r.code === code)?.name[lang()] ?? (code === region.code ? region.name[lang()] : code);
  const login = (e: SubmitEvent) => {
    e.preventDefault();
    const v = String(new FormData(e.currentTarget as HTMLFormElement).get("token") ?? "");
    sessionStorage.setItem(KEY, v);
    setToken(v);
  };
  return (
    <>
      <h1>{t("ops.title", { region: region.name[lang()] })}</h1>
      <Show
        when={token()}
        fallback={
          <form class="form narrow" onSubmit={login}>
            <label class="field">
              <span>{t("ops.token")}</span>
              <input name="token" type="password" autocomplete="current-password" required />
            </label>
            <button type="submit" class="button button--primary">
              {t("ops.enter")}
            </button>
          </form>
        }
      >
        <div class="filters">
          <label class="field">
            <span>{t("apps.status")}</span>
            <select value={status()} onChange={(e) => setStatus(e.currentTarget.value)}>
              <option value={OPEN}>{t("ops.open")}</option>
              <option value="done,rejected,cancelled">{t("ops.closed")}</option>
            </select>
          </label>
          <button
            type="button"
            class="button"
            onClick={() => {
              sessionStorage.removeItem(KEY);
              setToken("");
            }}
          >
            {t("ops.leave")}
          </button>
        </div>
        <Loadable resource={list} onRetry={refetch}>
          {(items) => (
            <Show when={items.length > 0} fallback={<p>{t("ops.empty")}</p>}>
              <ul class="reports">
                <For each={items}>
                  {(app) => <Row token={token()} app={app} regionName={regionName(app.region)} onMoved={() => void refetch()} />}
                </For>
              </ul>
            </Show>
          )}
        </Loadable>
      </Show>
    </>
  );
}
