import { A, useParams } from "@solidjs/router";
import { createEffect, createResource, createSignal, For, on, Show } from "solid-js";
import { Freshness } from "../../app/Freshness";
import { Loadable } from "../../app/Loadable";
import { useI18n } from "../../i18n";
import { type Problem, problemOf } from "../../lib/api";
import { createAction } from "../../lib/createAction";
import { formatAccountNo, formatDay, formatRub } from "../../lib/format";
import { fetchWithSnapshot, isNetworkError, loadSnapshot, saveSnapshot } from "../../lib/offline";
import { enqueue, lastRefused, pending } from "../../lib/outbox";
import { latestOf } from "../../lib/resource";
import { Field } from "../auth/fields";
import { ProblemAlert } from "../auth/ProblemAlert";
import HelpLinks from "../help/HelpLinks";
import { AutopaySection, PaymentsSection, PromisedSection } from "../payments/PaymentsSection";
import { paymentsApi } from "../payments/paymentsApi";
import { AccountServices, Termination } from "../services/AccountServices";
import { AccountCard } from "./AccountsPage";
import { accountsApi, type LedgerEntryDto } from "./accountsApi";
import { SpendingChart } from "./SpendingChart";

const KINDS = ["charge", "payment", "refund", "adjustment", "promised_payment", "bonus"] as const;

/** The history filters applied on the device, to cached entries (offline). */
export function filterEntries(items: LedgerEntryDto[], f: URLSearchParams): LedgerEntryDto[] {
  const type = f.get("type");
  const service = f.get("service");
  const from = f.get("from");
  const to = f.get("to");
  // The period filters by the day the ledger counts an entry on, as the server does (a copy cached
  // before that field existed has only localDay).
  const day = (e: LedgerEntryDto) => e.bookedDay ?? e.localDay;
  return items.filter(
    (e) =>
      (!type || type.split(",").includes(e.kind)) &&
      (!service || e.serviceId === service) &&
      (!from || day(e) >= from) &&
      (!to || day(e) <= to),
  );
}

/** Payments and charges with filters and "show more" (cursor pages). */
function History(props: { accountNo: string; services: { id: string; name: { ru: string; en: string } }[] }) {
  const { t, lang } = useI18n();
  const [filters, setFilters] = createSignal(new URLSearchParams({ limit: "30" }));
  const [extra, setExtra] = createSignal<LedgerEntryDto[]>([]);
  const [cursor, setCursor] = createSignal<string | null>(null);
  const [page, { refetch }] = createResource(filters, async (f) => {
    setExtra([]);
    try {
      const res = await accountsApi.history(props.accountNo, f);
      setCursor(res.nextCursor);
      // The newest 100 entries, unfiltered, are kept on the device for offline use.
      if ([...f.keys()].every((k) => k === "limit")) {
        void accountsApi
          .history(props.accountNo, new URLSearchParams({ limit: "100" }))
          .then((all) => saveSnapshot(`history:${props.accountNo}`, all.items))
          .catch(() => undefined);
      }
      return { ...res, stale: false };
    } catch (e) {
      if (!isNetworkError(e)) throw e;
      const snap = await loadSnapshot<LedgerEntryDto[]>(`history:${props.accountNo}`);
      if (!snap) throw e;
      setCursor(null);
      return { items: filterEntries(snap.data, f), nextCursor: null, stale: true };
    }
  });
  const more = async () => {
    const c = cursor();
    if (!c) return;
    const f = new URLSearchParams(filters());
    f.set("cursor", c);
    const res = await accountsApi.history(props.accountNo, f);
    setExtra([...extra(), ...res.items]);
    setCursor(res.nextCursor);
  };
  const apply = (e: SubmitEvent) => {
    e.preventDefault();
    const f = new FormData(e.currentTarget as HTMLFormElement);
    const p = new URLSearchParams({ limit: "30" });
    for (const k of ["type", "service", "from", "to"]) {
      const v = String(f.get(k) ?? "");
      if (v) p.set(k, v);
    }
    setFilters(p);
  };
  return (
    <section aria-labelledby="history-title">
      <h2 id="history-title">{t("history.title")}</h2>
      <form class="filters" onSubmit={apply}>
        <label class="field">
          <span>{t("history.type")}</span>
          <select name="type">
            <option value="">{t("tariffs.all")}</option>
            <For each={KINDS}>{(k) => <option value={k}>{t(`ledger.${k}`)}</option>}</For>
          </select>
        </label>
        <Show when={props.services.length > 1}>
          <label class="field">
            <span>{t("history.service")}</span>
            <select name="service">
              <option value="">{t("tariffs.all")}</option>
              <For each={props.services}>{(sv) => <option value={sv.id}>{sv.name[lang()]}</option>}</For>
            </select>
          </label>
        </Show>
        <label class="field">
          <span>{t("history.from")}</span>
          <input type="date" name="from" />
        </label>
        <label class="field">
          <span>{t("history.to")}</span>
          <input type="date" name="to" />
        </label>
        <button type="submit" class="button">
          {t("history.apply")}
        </button>
      </form>
      <Loadable resource={page} onRetry={refetch}>
        {(p) => (
          <Show when={p.items.length > 0} fallback={<p>{t("history.empty")}</p>}>
            <table class="history">
              <thead>
                <tr>
                  <th scope="col">{t("history.date")}</th>
                  <th scope="col">{t("history.what")}</th>
                  <th scope="col" class="num">
                    {t("history.amount")}
                  </th>
                  <th scope="col" class="num">
                    {t("history.balance")}
                  </th>
                </tr>
              </thead>
              <tbody>
                <For each={[...p.items, ...extra()]}>
                  {(e) => (
                    <tr>
                      <td>{formatDay(e.localDay, lang())}</td>
                      <td>{e.description[lang()]}</td>
                      <td class="num" classList={{ credit: e.amountKop > 0 }}>
                        {e.amountKop > 0 ? "+" : ""}
                        {formatRub(e.amountKop, lang())}
                      </td>
                      <td class="num">{e.balanceAfterKop === null ? "" : formatRub(e.balanceAfterKop, lang())}</td>
                    </tr>
                  )}
                </For>
              </tbody>
            </table>
            <Show when={cursor()}>
              <button type="button" class="button" onClick={() => void more()}>
                {t("history.more")}
              </button>
            </Show>
          </Show>
        )}
      </Loadable>
    </section>
  );
}

/** Payments and receipts, autopay and promised payment: they need the network, and say so offline. */
function MoneySections(props: { accountNo: string }) {
  const [options, { refetch }] = createResource(() => props.accountNo, paymentsApi.paymentOptions);
  // Each change loads the options again, which redraws both sections: their messages live here, not in them.
  const autopay = createAction();
  const promised = createAction();
  return (
    <>
      <PaymentsSection accountNo={props.accountNo} />
      <Loadable resource={options} onRetry={refetch}>
        {(o) => (
          <>
            <AutopaySection accountNo={props.accountNo} options={o} action={autopay} onChange={() => void refetch()} />
            <PromisedSection accountNo={props.accountNo} options={o} action={promised} onChange={() => void refetch()} />
          </>
        )}
      </Loadable>
    </>
  );
}

/** Account detail: the card, "money lasts until", spending by month, low-balance threshold, history. */
export default function AccountPage() {
  const { t, lang } = useI18n();
  const params = useParams<{ no: string }>();
  const [account, { refetch }] = createResource(
    () => params.no,
    (no) => fetchWithSnapshot(`account:${no}`, () => accountsApi.account(no)),
  );
  const [insight, { refetch: refetchInsight }] = createResource(
    () => params.no,
    (no) => fetchWithSnapshot(`insight:${no}`, () => accountsApi.insight(no)),
  );
  const [problem, setProblem] = createSignal<Problem | null>(null);
  const thresholdKey = () => `low-balance:${params.no}`;
  const queued = () => pending().includes(thresholdKey());
  // Sent from the queue once the network is back: show what the server now has.
  createEffect(
    on(queued, (now, before) => {
      if (before && !now) void Promise.all([refetch(), refetchInsight()]);
    }),
  );
  const refusal = () => {
    const r = lastRefused();
    return r?.change.key === thresholdKey() ? r.error.problem : null;
  };
  const saveThreshold = (e: SubmitEvent) => {
    e.preventDefault();
    const v = String(new FormData(e.currentTarget as HTMLFormElement).get("threshold") ?? "").replace(",", ".");
    const thresholdKop = v === "" ? null : Math.round(Number(v) * 100);
    setProblem(null);
    void (async () => {
      try {
        await accountsApi.setLowBalance(params.no, thresholdKop);
        await Promise.all([refetch(), refetchInsight()]);
      } catch (err) {
        // A setting is safe to send later: without a network it waits on the device.
        if (isNetworkError(err)) await enqueue({ key: thresholdKey(), kind: "low-balance", accountNo: params.no, thresholdKop });
        else setProblem(problemOf(err, t("common.error")));
      }
    })();
  };
  return (
    <>
      <h1>
        {t("account.number")} {formatAccountNo(params.no)}
      </h1>
      <Loadable resource={account} onRetry={refetch}>
        {(a) => (
          <>
            <Freshness stale={a.stale} savedAt={a.savedAt} />
            <AccountCard account={a.data} />
          </>
        )}
      </Loadable>
      <Loadable resource={insight} onRetry={refetchInsight}>
        {(snap) => {
          const i = snap.data;
          return (
            <section aria-labelledby="insight-title">
              <h2 id="insight-title">{t("insight.title")}</h2>
              <p>
                <Show when={i.lastsUntil} fallback={t("insight.noForecast")}>
                  {(d) => t("insight.lastsUntil", { day: formatDay(d(), lang()) })}
                </Show>
              </p>
              <p class="muted">{t("insight.daily", { amount: formatRub(i.dailyKop, lang()) })}</p>
              <SpendingChart months={i.months} />
              <form class="form narrow" onSubmit={saveThreshold}>
                <ProblemAlert problem={problem() ?? refusal()} />
                <Field
                  label={t("insight.threshold")}
                  name="threshold"
                  problem={problem()}
                  inputmode="decimal"
                  value={i.lowBalanceKop === null ? "" : String(i.lowBalanceKop / 100)}
                  hint={t("insight.thresholdHint")}
                />
                <button type="submit" class="button">
                  {t("profile.save")}
                </button>
                <Show when={queued()}>
                  <p class="notice" role="status">
                    {t("offline.queued")}
                  </p>
                </Show>
              </form>
            </section>
          );
        }}
      </Loadable>
      <Show when={latestOf(account)?.data.role === "owner"}>
        <p>
          <A class="button" href={`/accounts/${params.no}/usage`}>
            {t("usage.link")}
          </A>
        </p>
      </Show>
      <AccountServices accountNo={params.no} />
      <MoneySections accountNo={params.no} />
      <History accountNo={params.no} services={latestOf(account)?.data.services ?? []} />
      <Show when={latestOf(account)?.data.role === "owner" && latestOf(account)?.data.status !== "closed"}>
        <Termination accountNo={params.no} balanceKop={latestOf(account)?.data.balanceKop ?? 0} />
      </Show>
      <HelpLinks screen="payments" />
    </>
  );
}
