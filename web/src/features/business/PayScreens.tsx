import { A, useNavigate, useParams, useSearchParams } from "@solidjs/router";
import { createMemo, createResource, createSignal, createUniqueId, For, Match, onCleanup, Show, Switch } from "solid-js";
import { createStore } from "solid-js/store";
import type { PaymentMethod } from "../../../../worker/adapters/payments";
import { Loadable } from "../../app/Loadable";
import { useI18n } from "../../i18n";
import { useStrings } from "../../i18n/local";
import { createAction } from "../../lib/createAction";
import { formatAccountNo, formatRub } from "../../lib/format";
import { ProblemAlert } from "../auth/ProblemAlert";
import { businessApi, type OrgAccountDto } from "./business.api";
import { OrgFrame } from "./OrgScreens";
import { payStrings } from "./payStrings";
import { type OrgPaymentDto, type OrgPayOptionsDto, parseRub, topupApi } from "./topupApi";

/** Every account the person sees in the organisation, a hundred at a time (an organisation has hundreds). */
async function allAccounts(orgId: string): Promise<OrgAccountDto[]> {
  const out: OrgAccountDto[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < 50; page++) {
    const p: Awaited<ReturnType<typeof businessApi.accounts>> = await businessApi.accounts(orgId, cursor, 100);
    out.push(...p.items);
    cursor = p.nextCursor;
    if (!cursor) break;
  }
  return out;
}

/** The bulk top-up (and the one-account one, preselected by `?account=`): accounts, amounts, the total, pay once. */
export function OrgPayPage() {
  const s = useStrings(payStrings);
  const [search] = useSearchParams();
  return (
    <OrgFrame tab="accounts">
      {(orgId) => {
        const [data, { refetch }] = createResource(
          () => orgId,
          async (id) => {
            const [options, accounts] = await Promise.all([topupApi.options(id), allAccounts(id)]);
            return { options, accounts };
          },
        );
        const preselect = () => {
          const a = search.account;
          return typeof a === "string" ? a : undefined;
        };
        return (
          <section aria-labelledby="org-pay">
            <h2 id="org-pay">{s("payTitle")}</h2>
            <p>{s("payLead")}</p>
            <Loadable resource={data} onRetry={refetch}>
              {(d) => <PayForm orgId={orgId} options={d.options} accounts={d.accounts} preselect={preselect()} />}
            </Loadable>
          </section>
        );
      }}
    </OrgFrame>
  );
}

const newKey = () => crypto.randomUUID();

function PayForm(props: { orgId: string; options: OrgPayOptionsDto; accounts: OrgAccountDto[]; preselect?: string }) {
  const { t, lang } = useI18n();
  const s = useStrings(payStrings);
  const navigate = useNavigate();
  const uid = createUniqueId();
  const [state, setState] = createStore<{ chosen: Record<string, boolean>; amounts: Record<string, string> }>({
    chosen: props.preselect ? { [props.preselect]: true } : {},
    amounts: {},
  });
  const [query, setQuery] = createSignal("");
  const [all, setAll] = createSignal("");
  const [method, setMethod] = createSignal<PaymentMethod>(props.options.methods[0] ?? "card");
  const [local, setLocal] = createSignal<string | null>(null);
  const action = createAction();
  // One key per payment asked for: a retry of the same request keeps it; another split gets its own.
  let key = newKey();
  let keyFor = "";
  const rub = (kop: number) => formatRub(kop, lang());
  const shown = createMemo(() => {
    const q = query().trim().toLowerCase();
    const digits = q.replace(/\s/g, "");
    if (!q) return props.accounts;
    return props.accounts.filter((a) => (digits && a.accountNo.includes(digits)) || a.address.toLowerCase().includes(q));
  });
  const lines = createMemo(() =>
    props.accounts
      .filter((a) => state.chosen[a.accountNo])
      .map((a) => ({ accountNo: a.accountNo, amountKop: parseRub(state.amounts[a.accountNo] ?? "") })),
  );
  const okLine = (kop: number) => Number.isSafeInteger(kop) && kop >= props.options.minLineKop && kop <= props.options.maxLineKop;
  const total = createMemo(() => lines().reduce((sum, l) => sum + (okLine(l.amountKop) ? l.amountKop : 0), 0));
  const limits = () => ({ min: rub(props.options.minLineKop), max: rub(props.options.maxLineKop) });
  /** What the form itself can tell before asking the server (the server checks all of it again). */
  const check = (): string | null => {
    const ls = lines();
    if (ls.length === 0) return s("nothing");
    if (ls.length > props.options.maxAccounts) return s("tooMany", { n: props.options.maxAccounts });
    const bad = ls.find((l) => !okLine(l.amountKop));
    if (bad) return s("badAmount", { no: formatAccountNo(bad.accountNo), ...limits() });
    if (total() > props.options.maxTotalKop) return s("overTotal", { total: rub(props.options.maxTotalKop) });
    return null;
  };
  const applyAll = () => {
    const amounts: Record<string, string> = {};
    for (const l of lines()) amounts[l.accountNo] = all();
    setState("amounts", amounts);
  };
  /** The server's field errors (`items.3.amountKop`) read as the account they are about. */
  const fieldErrors = () =>
    (action.problem()?.errors ?? []).map((e) => {
      const i = /^items\.(\d+)\./.exec(e.field)?.[1];
      const no = i === undefined ? undefined : lines()[Number(i)]?.accountNo;
      return no ? `${formatAccountNo(no)}: ${e.message}` : e.message;
    });
  const submit = (e: SubmitEvent) => {
    e.preventDefault();
    const problem = check();
    setLocal(problem);
    if (problem) return;
    const body = { items: lines(), totalKop: total(), method: method() };
    const asked = JSON.stringify(body);
    if (keyFor && keyFor !== asked) key = newKey();
    keyFor = asked;
    void action.run(async () => {
      const { payment, confirmation } = await topupApi.pay(props.orgId, body, key);
      if (confirmation) location.assign(confirmation.url);
      else navigate(`/business/${encodeURIComponent(props.orgId)}/pay/${encodeURIComponent(payment.id)}`);
    });
  };
  return (
    <form class="form" onSubmit={submit} aria-busy={action.busy()} novalidate>
      <div class="field">
        <label for={`${uid}-search`}>{s("search")}</label>
        <input id={`${uid}-search`} type="search" value={query()} onInput={(e) => setQuery(e.currentTarget.value)} />
      </div>
      <p>
        <button
          type="button"
          class="button button--small"
          onClick={() => setState("chosen", (c) => ({ ...c, ...Object.fromEntries(shown().map((a) => [a.accountNo, true])) }))}
        >
          {s("selectShown")}
        </button>{" "}
        <button type="button" class="button button--small" onClick={() => setState("chosen", {})}>
          {s("clear")}
        </button>
      </p>
      <div class="field">
        <label for={`${uid}-all`}>{s("amountAll")}</label>
        <input id={`${uid}-all`} inputmode="decimal" value={all()} onInput={(e) => setAll(e.currentTarget.value)} />
        <button type="button" class="button button--small" onClick={applyAll}>
          {s("applyAll")}
        </button>
      </div>
      <p class="muted" id={`${uid}-limits`}>
        {s("limits", { ...limits(), total: rub(props.options.maxTotalKop), n: props.options.maxAccounts })}
      </p>
      <fieldset>
        <legend>{s("payTitle")}</legend>
        <Show when={shown().length > 0} fallback={<p>{s("noneFound")}</p>}>
          <ul class="list">
            <For each={shown()}>
              {(a) => {
                const no = formatAccountNo(a.accountNo);
                return (
                  <li class="list__row">
                    <label class="check">
                      <input
                        type="checkbox"
                        checked={state.chosen[a.accountNo] === true}
                        onChange={(e) => setState("chosen", a.accountNo, e.currentTarget.checked)}
                        aria-label={s("select", { no, address: a.address })}
                      />
                      <span>
                        <strong>{no}</strong>
                        <br />
                        <small class="muted">
                          {a.address} · {rub(a.balanceKop)}
                        </small>
                      </span>
                    </label>
                    <Show when={state.chosen[a.accountNo]}>
                      <input
                        inputmode="decimal"
                        aria-label={s("amountFor", { no })}
                        aria-describedby={`${uid}-limits`}
                        aria-invalid={state.amounts[a.accountNo] !== undefined && !okLine(parseRub(state.amounts[a.accountNo] ?? ""))}
                        value={state.amounts[a.accountNo] ?? ""}
                        onInput={(e) => setState("amounts", a.accountNo, e.currentTarget.value)}
                        size={10}
                      />
                    </Show>
                  </li>
                );
              }}
            </For>
          </ul>
        </Show>
      </fieldset>
      <fieldset class="radios">
        <legend>{t("pay.method")}</legend>
        <For each={props.options.methods}>
          {(m) => (
            <label class="check">
              <input type="radio" name="method" value={m} checked={method() === m} onChange={() => setMethod(m)} />
              {t(`pay.method.${m}`)}
            </label>
          )}
        </For>
      </fieldset>
      <p role="status" aria-live="polite">
        {s("summary", { n: lines().length, total: rub(total()) })}
      </p>
      <Show when={local()}>
        <div class="notice notice--error" role="alert">
          <p>{local()}</p>
        </div>
      </Show>
      <ProblemAlert problem={action.problem()} />
      <Show when={fieldErrors().length > 0}>
        <ul class="notice notice--error">
          <For each={fieldErrors()}>{(m) => <li>{m}</li>}</For>
        </ul>
      </Show>
      <button type="submit" class="button button--primary" disabled={action.busy()}>
        {action.busy() ? s("paying") : s("payButton", { total: rub(total()) })}
      </button>
    </form>
  );
}

const FINAL = new Set(["succeeded", "failed", "refunded"]);
const FAILURES = new Set(["card_declined", "insufficient_funds", "3ds_failed", "canceled", "expired"]);

/** Where the acquirer sends the payer back: the payment's result (asked again until final and credited), its split. */
export function OrgPayResultPage() {
  const { t, lang } = useI18n();
  const s = useStrings(payStrings);
  const params = useParams<{ id: string; paymentId: string }>();
  const [tick, setTick] = createSignal(0);
  const [payment, { refetch }] = createResource(
    () => [params.id, params.paymentId, tick()] as const,
    ([orgId, id]) => topupApi.payment(orgId, id),
  );
  // Unfinished or not yet credited everywhere: ask again every 1.5 s for a minute (the server asks the acquirer).
  let tries = 0;
  const done = (p: OrgPaymentDto | undefined) => p && FINAL.has(p.status) && (p.status !== "succeeded" || p.lines.every((l) => l.credited));
  const timer = setInterval(() => {
    if (done(payment.latest) || ++tries > 40) clearInterval(timer);
    else setTick((n) => n + 1);
  }, 1500);
  onCleanup(() => clearInterval(timer));
  const reason = (code: string | null) => t(`pay.failure.${code && FAILURES.has(code) ? code : "other"}` as "pay.failure.other");
  return (
    <OrgFrame tab="accounts">
      {(orgId) => (
        <section aria-labelledby="org-pay-result">
          <h2 id="org-pay-result">{s("resultTitle")}</h2>
          <Loadable resource={payment} onRetry={refetch}>
            {(p) => {
              const total = () => formatRub(p.amountKop, lang());
              return (
                <>
                  <p class="payment-status" role="status" aria-live="polite">
                    <Switch fallback={s("processing", { total: total() })}>
                      <Match when={p.status === "succeeded" && p.lines.every((l) => l.credited)}>
                        {s("succeeded", { total: total() })}
                      </Match>
                      <Match when={p.status === "succeeded"}>{s("crediting", { total: total() })}</Match>
                      <Match when={p.status === "failed"}>{s("failed", { reason: reason(p.failureCode) })}</Match>
                      <Match when={p.status === "refunded"}>{s("refunded", { total: total() })}</Match>
                    </Switch>
                  </p>
                  <Show when={p.receiptNumber}>{(n) => <p>{s("receipt", { number: n() })}</p>}</Show>
                  <section aria-labelledby={`lines-${p.id}`}>
                    <h3 id={`lines-${p.id}`}>{s("lines")}</h3>
                    <ul class="list">
                      <For each={p.lines}>
                        {(l) => (
                          <li class="list__row">
                            <span>{formatAccountNo(l.accountNo)}</span>
                            <span>
                              {formatRub(l.amountKop, lang())}
                              <Show when={p.status === "succeeded"}> · {l.credited ? s("credited") : s("waiting")}</Show>
                            </span>
                          </li>
                        )}
                      </For>
                    </ul>
                  </section>
                  <p>
                    <A href={`/business/${encodeURIComponent(orgId)}/accounts`} class="button">
                      {s("back")}
                    </A>{" "}
                    <Show when={p.status === "failed"}>
                      <A href={`/business/${encodeURIComponent(orgId)}/pay`} class="button button--primary">
                        {s("again")}
                      </A>
                    </Show>
                  </p>
                </>
              );
            }}
          </Loadable>
        </section>
      )}
    </OrgFrame>
  );
}
