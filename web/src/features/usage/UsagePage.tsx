import { A, useParams, useSearchParams } from "@solidjs/router";
import { createEffect, createMemo, createResource, createSignal, For, onCleanup, Show } from "solid-js";
import { Loadable } from "../../app/Loadable";
import { useI18n } from "../../i18n";
import { createAction } from "../../lib/createAction";
import { formatAccountNo, formatDay, formatRub } from "../../lib/format";
import { useOnline } from "../../lib/online";
import { latestOf } from "../../lib/resource";
import { ProblemAlert } from "../auth/ProblemAlert";
import { RequireLogin } from "../auth/RequireLogin";
import HelpLinks from "../help/HelpLinks";
import { durationText, UsageTotals, volumeText } from "./UsageTotals";
import { type UsageReportDto, type UsageViewDto, usageApi } from "./usageApi";

type Item = UsageViewDto["items"][number];
type Category = UsageViewDto["categories"][number];

const pad = (n: number) => String(n).padStart(2, "0");
const isoDay = (d: Date) => `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
const dmy = (day: string) => `${day.slice(8, 10)}.${day.slice(5, 7)}.${day.slice(0, 4)}`;

/** Ready-made periods: the last 30 days, this month, last month (device calendar; the server checks the region's). */
function quickPeriods() {
  const today = new Date();
  const monthStart = new Date(today.getFullYear(), today.getMonth(), 1);
  const prevStart = new Date(today.getFullYear(), today.getMonth() - 1, 1);
  const prevEnd = new Date(today.getFullYear(), today.getMonth(), 0);
  return {
    "30": [isoDay(new Date(today.getTime() - 29 * 86_400_000)), isoDay(today)],
    month: [isoDay(monthStart), isoDay(today)],
    prev: [isoDay(prevStart), isoDay(prevEnd)],
  } as const;
}

/** The records of the view and "show more" (cursor pages). */
function Records(props: { accountNo: string; params: URLSearchParams; view: UsageViewDto }) {
  const { t, lang } = useI18n();
  const [extra, setExtra] = createSignal<Item[]>([]);
  const [cursor, setCursor] = createSignal<string | null>(props.view.nextCursor);
  const more = createAction();
  const total = () => props.view.total.records;
  const items = () => [...props.view.items, ...extra()];
  const describe = (i: Item) =>
    i.category === "option"
      ? (i.title?.[lang()] ?? "")
      : i.category === "internet"
        ? t("usage.session")
        : i.category === "sms"
          ? `${i.peer ?? ""} (${i.direction === "in" ? t("usage.in") : t("usage.out")})`
          : (i.peer ?? "");
  const loadMore = () =>
    more.run(async () => {
      const c = cursor();
      if (!c) return;
      const p = new URLSearchParams(props.params);
      p.set("cursor", c);
      const page = await usageApi.view(props.accountNo, p);
      setExtra([...extra(), ...page.items]);
      setCursor(page.nextCursor);
    });
  return (
    <Show when={items().length > 0} fallback={<p>{t("usage.empty")}</p>}>
      <section class="table-scroll" tabindex="0" aria-labelledby="usage-records">
        <table class="history usage">
          <caption id="usage-records" class="visually-hidden">
            {t("usage.records")}
          </caption>
          <thead>
            <tr>
              <th scope="col">{t("usage.when")}</th>
              <th scope="col">{t("usage.kind")}</th>
              <th scope="col">{t("usage.peer")}</th>
              <th scope="col" class="num">
                {t("usage.qty")}
              </th>
              <th scope="col" class="num">
                {t("usage.cost")}
              </th>
            </tr>
          </thead>
          <tbody>
            <For each={items()}>
              {(i) => (
                <tr>
                  <td>{i.local}</td>
                  <td>{props.view.labels[i.category][lang()]}</td>
                  <td>{describe(i)}</td>
                  <td class="num">
                    {i.durationSec !== null && i.category.startsWith("call_")
                      ? durationText(i.durationSec)
                      : i.volumeKb !== null
                        ? volumeText(i.volumeKb, lang())
                        : ""}
                  </td>
                  <td class="num">{formatRub(i.costKop, lang())}</td>
                </tr>
              )}
            </For>
          </tbody>
        </table>
      </section>
      <p class="muted" aria-live="polite">
        {t("usage.shown", { n: items().length, total: total() })}
      </p>
      <ProblemAlert problem={more.problem()} />
      <Show when={cursor()}>
        <button type="button" class="button" disabled={more.busy()} aria-busy={more.busy()} onClick={() => void loadMore()}>
          {t("usage.more")}
        </button>
      </Show>
    </Show>
  );
}

/** One ordered report: its status and progress, the download when ready. */
function ReportRow(props: { report: UsageReportDto; highlight: boolean }) {
  const { t, lang } = useI18n();
  const r = () => props.report;
  const format = () => (r().format === "pdf" ? "PDF" : "XLSX");
  return (
    <li class="report" classList={{ "report--highlight": props.highlight }} id={`report-${r().id}`}>
      <div>
        <strong>{t("usage.report.name", { format: format(), from: dmy(r().from), to: dmy(r().to) })}</strong>
        <p class="small" role="status">
          {r().status === "running"
            ? t("usage.status.running", { pct: r().progress })
            : r().status === "ready"
              ? t("usage.status.ready", { rows: r().rowCount ?? 0 })
              : t(`usage.status.${r().status}` as "usage.status.queued")}
        </p>
        <Show when={r().status === "queued" || r().status === "running"}>
          <progress max="100" value={r().progress} aria-label={t("usage.progress")} />
        </Show>
        <Show when={r().status === "ready" && r().delivery === "email" && r().email}>
          <p class="small muted">{t("usage.sentTo", { email: r().email ?? "" })}</p>
        </Show>
        <Show when={r().status === "ready" ? r().expiresAt : null}>
          {(exp) => <p class="small muted">{t("usage.until", { day: formatDay(exp().slice(0, 10), lang()) })}</p>}
        </Show>
      </div>
      <Show when={r().downloadUrl}>
        {(url) => (
          <a class="button" href={url()} download="">
            {t("usage.download", { format: format() })}
          </a>
        )}
      </Show>
    </li>
  );
}

/** Reports of the account, refreshed while any is still being made. */
function Reports(props: { accountNo: string; version: number }) {
  const { t } = useI18n();
  const [search] = useSearchParams<{ report?: string }>();
  const [reports, { refetch }] = createResource(
    () => [props.accountNo, props.version] as const,
    ([no]) => usageApi.reports(no),
  );
  createEffect(() => {
    const busy = latestOf(reports)?.some((r) => r.status === "queued" || r.status === "running");
    if (!busy) return;
    const timer = setInterval(() => void refetch(), 1500);
    onCleanup(() => clearInterval(timer));
  });
  return (
    <section aria-labelledby="usage-reports">
      <h2 id="usage-reports">{t("usage.reports")}</h2>
      <Loadable resource={reports} onRetry={refetch}>
        {(items) => (
          <Show when={items.length > 0} fallback={<p>{t("usage.reports.none")}</p>}>
            <ul class="reports">
              <For each={items}>{(r) => <ReportRow report={r} highlight={search.report === r.id} />}</For>
            </ul>
          </Show>
        )}
      </Loadable>
    </section>
  );
}

/** «Детализация расходов» of one account: filters, «Обновить», totals and records, then a report to order. */
export default function UsagePage() {
  const { t, lang } = useI18n();
  const params = useParams<{ no: string }>();
  const online = useOnline();
  const quick = quickPeriods();
  const [from, setFrom] = createSignal<string>(quick["30"][0]);
  const [to, setTo] = createSignal<string>(quick["30"][1]);
  const [serviceId, setServiceId] = createSignal("");
  const [picked, setPicked] = createSignal<Category[] | null>(null);
  const [query, setQuery] = createSignal(new URLSearchParams({ from: from(), to: to(), limit: "50" }));
  const [view, { refetch }] = createResource(
    () => [params.no, query()] as const,
    ([no, q]) => usageApi.view(no, q),
  );
  const [format, setFormat] = createSignal<"pdf" | "xlsx">("pdf");
  const [delivery, setDelivery] = createSignal<"cabinet" | "email">("cabinet");
  const [reportsVersion, setReportsVersion] = createSignal(0);
  const order = createAction();
  const services = () => latestOf(view)?.services ?? [];
  const offered = createMemo<Category[]>(() => {
    const s = services().find((x) => x.id === serviceId());
    return s ? s.categories : [...new Set(services().flatMap((x) => x.categories))];
  });
  const chosen = () => (picked() ?? offered()).filter((c) => offered().includes(c));
  // Every offered kind unticked: said by the form that was sent, never sent (the server refuses no kinds with a 400).
  const [noKinds, setNoKinds] = createSignal<"filter" | "order" | null>(null);
  const toggle = (c: Category, on: boolean) => {
    setNoKinds(null);
    setPicked(on ? [...new Set([...chosen(), c])] : chosen().filter((x) => x !== c));
  };
  /** The kinds to ask for: the ticked ones, or undefined for every kind (the server's default) — also before the first answer offers any. */
  const kinds = (): Category[] | undefined => (offered().length > 0 && chosen().length !== offered().length ? chosen() : undefined);
  const noneTicked = () => kinds()?.length === 0;
  const filterParams = () => {
    const p = new URLSearchParams({ from: from(), to: to(), limit: "50" });
    if (serviceId()) p.set("service", serviceId());
    const k = kinds();
    if (k) p.set("categories", k.join(","));
    return p;
  };
  const refresh = (e: SubmitEvent) => {
    e.preventDefault();
    if (noneTicked()) return setNoKinds("filter");
    setQuery(filterParams());
  };
  const submitOrder = (e: SubmitEvent) => {
    e.preventDefault();
    if (noneTicked()) return setNoKinds("order");
    const email = String(new FormData(e.currentTarget as HTMLFormElement).get("email") ?? "").trim();
    const k = kinds();
    void order.run(async () => {
      await usageApi.order(params.no, {
        from: from(),
        to: to(),
        ...(serviceId() ? { serviceId: serviceId() } : {}),
        ...(k ? { categories: k } : {}),
        format: format(),
        delivery: delivery(),
        ...(delivery() === "email" && email ? { email } : {}),
      });
      setReportsVersion(reportsVersion() + 1);
      return t("usage.ordered");
    });
  };
  return (
    <RequireLogin>
      {(profile) => (
        <>
          <p class="small">
            <A href={`/accounts/${params.no}`}>
              ← {t("account.number")} {formatAccountNo(params.no)}
            </A>
          </p>
          <h1>{t("usage.title")}</h1>
          <p class="muted">{t("usage.lead")}</p>
          <Show when={!online()}>
            <p class="notice" role="status">
              {t("usage.offline")}
            </p>
          </Show>
          <form class="filters usage-filters" onSubmit={refresh} aria-label={t("usage.title")}>
            <Show when={services().length > 1}>
              <label class="field">
                <span>{t("usage.service")}</span>
                <select
                  name="service"
                  value={serviceId()}
                  onChange={(e) => {
                    setServiceId(e.currentTarget.value);
                    setPicked(null);
                  }}
                >
                  <option value="">{t("usage.allServices")}</option>
                  <For each={services()}>{(s) => <option value={s.id}>{s.name[lang()]}</option>}</For>
                </select>
              </label>
            </Show>
            <label class="field">
              <span>{t("usage.from")}</span>
              <input type="date" name="from" required value={from()} max={to()} onInput={(e) => setFrom(e.currentTarget.value)} />
            </label>
            <label class="field">
              <span>{t("usage.to")}</span>
              <input type="date" name="to" required value={to()} min={from()} onInput={(e) => setTo(e.currentTarget.value)} />
            </label>
            <fieldset class="quick">
              <legend class="visually-hidden">{t("usage.period")}</legend>
              <For each={["30", "month", "prev"] as const}>
                {(k) => (
                  <button
                    type="button"
                    class="chip"
                    onClick={() => {
                      setFrom(quick[k][0]);
                      setTo(quick[k][1]);
                    }}
                  >
                    {t(`usage.quick.${k}`)}
                  </button>
                )}
              </For>
            </fieldset>
            <Show when={latestOf(view)}>
              {(v) => (
                <fieldset class="chips" aria-describedby={noKinds() === "filter" ? "usage-kinds-none" : undefined}>
                  <legend>{t("usage.kinds")}</legend>
                  <Show when={noKinds() === "filter"}>
                    <p class="field__error" role="alert" id="usage-kinds-none">
                      {t("usage.kinds.none")}
                    </p>
                  </Show>
                  <For each={offered()}>
                    {(c) => (
                      <label class="chip">
                        <input type="checkbox" checked={chosen().includes(c)} onChange={(e) => toggle(c, e.currentTarget.checked)} />
                        {v().labels[c][lang()]}
                      </label>
                    )}
                  </For>
                </fieldset>
              )}
            </Show>
            <button type="submit" class="button button--primary" disabled={!online()}>
              {t("usage.refresh")}
            </button>
          </form>
          <Loadable resource={view} onRetry={refetch}>
            {(v) => (
              <section aria-labelledby="usage-result">
                <h2 id="usage-result" class="visually-hidden">
                  {t("usage.totals")}
                </h2>
                <p class="small muted">{t("usage.tz", { tz: v.tz })}</p>
                <UsageTotals view={v} />
                <Records accountNo={params.no} params={query()} view={v} />
              </section>
            )}
          </Loadable>
          <section aria-labelledby="usage-order">
            <h2 id="usage-order">{t("usage.order.title")}</h2>
            <p class="small muted">{t("usage.order.lead")}</p>
            <form class="form" onSubmit={submitOrder}>
              <fieldset class="radios">
                <legend>{t("usage.format")}</legend>
                <For each={["pdf", "xlsx"] as const}>
                  {(f) => (
                    <label>
                      <input type="radio" name="format" value={f} checked={format() === f} onChange={() => setFormat(f)} />
                      {t(`usage.format.${f}`)}
                    </label>
                  )}
                </For>
              </fieldset>
              <fieldset class="radios">
                <legend>{t("usage.delivery")}</legend>
                <For each={["cabinet", "email"] as const}>
                  {(d) => (
                    <label>
                      <input type="radio" name="delivery" value={d} checked={delivery() === d} onChange={() => setDelivery(d)} />
                      {t(`usage.delivery.${d}`)}
                    </label>
                  )}
                </For>
              </fieldset>
              <Show when={delivery() === "email"}>
                <label class="field">
                  <span>{t("usage.email")}</span>
                  <input
                    type="email"
                    name="email"
                    autocomplete="email"
                    required
                    value={profile().email ?? ""}
                    aria-describedby="usage-email-hint"
                  />
                  <small id="usage-email-hint">{t("usage.emailHint")}</small>
                </label>
              </Show>
              <Show when={noKinds() === "order"}>
                <p class="field__error" role="alert">
                  {t("usage.kinds.none")}
                </p>
              </Show>
              <ProblemAlert problem={order.problem()} />
              <Show when={order.done()}>
                <p class="notice" role="status">
                  {order.done()}
                </p>
              </Show>
              <button type="submit" class="button button--primary" disabled={order.busy() || !online()} aria-busy={order.busy()}>
                {t("usage.order")}
              </button>
            </form>
          </section>
          <Reports accountNo={params.no} version={reportsVersion()} />
          <HelpLinks screen="usage" />
        </>
      )}
    </RequireLogin>
  );
}
