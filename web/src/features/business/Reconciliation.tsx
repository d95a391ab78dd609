import { useParams } from "@solidjs/router";
import { createSignal, For, onCleanup, Show } from "solid-js";
import { useI18n } from "../../i18n";
import { useStrings } from "../../i18n/local";
import { createAction } from "../../lib/createAction";
import { formatAccountNo, formatRub } from "../../lib/format";
import { Field } from "../auth/fields";
import { ProblemAlert } from "../auth/ProblemAlert";
import { RequireLogin } from "../auth/RequireLogin";
import { businessApi, type OrgAccountDto } from "./business.api";
import { reconciliationStrings } from "./reconciliation.strings";
import { presetPeriod, type ReconciliationDto, reconciliationApi } from "./reconciliationApi";

/** How often a queued act's status is asked for. */
const POLL_MS = 1500;

/**
 * «Акт сверки»: a period (presets: last month, quarter, year; or any dates), all the caller's accounts or some,
 * the request, its status while the reports queue makes it, then the totals and the PDF and XLSX links.
 */
export default function Reconciliation() {
  const s = useStrings(reconciliationStrings);
  const { lang } = useI18n();
  const params = useParams();
  const orgId = () => params.id ?? "";
  const initial = presetPeriod("month");
  const [from, setFrom] = createSignal(initial.from);
  const [to, setTo] = createSignal(initial.to);
  const [some, setSome] = createSignal(false);
  const [chosen, setChosen] = createSignal<ReadonlySet<string>>(new Set());
  const [list, setList] = createSignal<OrgAccountDto[]>([]);
  const [cursor, setCursor] = createSignal<string | null>(null);
  const [act, setAct] = createSignal<ReconciliationDto | null>(null);
  const [localProblem, setLocalProblem] = createSignal<string | null>(null);
  const send = createAction();
  const loadAccounts = createAction();

  let timer: ReturnType<typeof setTimeout> | undefined;
  onCleanup(() => clearTimeout(timer));
  const poll = (id: string) => {
    timer = setTimeout(async () => {
      try {
        const now = await reconciliationApi.get(orgId(), id);
        setAct(now);
        if (now.status === "queued" || now.status === "running") poll(id);
      } catch {
        // A dropped connection: ask again a little later.
        poll(id);
      }
    }, POLL_MS);
  };

  const more = () =>
    loadAccounts.run(async () => {
      const page = await businessApi.accounts(orgId(), cursor(), 100);
      setList([...list(), ...page.items]);
      setCursor(page.nextCursor);
    });
  const chooseSome = (value: boolean) => {
    setSome(value);
    if (value && list().length === 0) void more();
  };
  const toggle = (no: string, on: boolean) => {
    const next = new Set(chosen());
    if (on) next.add(no);
    else next.delete(no);
    setChosen(next);
  };
  const pick = (preset: "month" | "quarter" | "year") => {
    const p = presetPeriod(preset);
    setFrom(p.from);
    setTo(p.to);
  };
  const submit = (e: SubmitEvent) => {
    e.preventDefault();
    setLocalProblem(null);
    if (some() && chosen().size === 0) {
      setLocalProblem(s("noneChosen"));
      return;
    }
    clearTimeout(timer);
    void send.run(async () => {
      const queued = await reconciliationApi.request(orgId(), {
        from: from(),
        to: to(),
        ...(some() ? { accounts: [...chosen()].sort() } : {}),
      });
      setAct({
        id: queued.id,
        status: "queued",
        from: from(),
        to: to(),
        accounts: queued.accounts,
        createdAt: new Date().toISOString(),
        readyAt: null,
        totals: null,
        pdfUrl: null,
        xlsxUrl: null,
      });
      poll(queued.id);
    });
  };
  /** A balance (the ledger's sign) as an amount and in whose favour. */
  const balance = (kop: number) =>
    `${formatRub(Math.abs(kop), lang())} ${kop < 0 ? s("owedToUs") : kop > 0 ? s("owedToYou") : s("settled")}`;

  return (
    <RequireLogin>
      {() => (
        <section aria-labelledby="rc-title" class="reconciliation">
          <h1 id="rc-title">{s("title")}</h1>
          <p class="muted">{s("lead")}</p>
          <form onSubmit={submit} novalidate>
            <fieldset>
              <legend>{s("period")}</legend>
              <fieldset class="chips">
                <legend class="visually-hidden">{s("presets")}</legend>
                <button type="button" class="button button--small" onClick={() => pick("month")}>
                  {s("lastMonth")}
                </button>
                <button type="button" class="button button--small" onClick={() => pick("quarter")}>
                  {s("lastQuarter")}
                </button>
                <button type="button" class="button button--small" onClick={() => pick("year")}>
                  {s("lastYear")}
                </button>
              </fieldset>
              <Field
                label={s("from")}
                name="from"
                type="date"
                required
                value={from()}
                onInput={(e) => setFrom(e.currentTarget.value)}
                problem={send.problem()}
              />
              <Field
                label={s("to")}
                name="to"
                type="date"
                required
                value={to()}
                onInput={(e) => setTo(e.currentTarget.value)}
                problem={send.problem()}
              />
            </fieldset>
            <fieldset>
              <legend>{s("accounts")}</legend>
              <label class="choice">
                <input type="radio" name="rc-scope" checked={!some()} onChange={() => chooseSome(false)} /> {s("allAccounts")}
              </label>
              <label class="choice">
                <input type="radio" name="rc-scope" checked={some()} onChange={() => chooseSome(true)} /> {s("someAccounts")}
              </label>
              <Show when={some()}>
                <fieldset class="reconciliation__accounts">
                  <legend>{s("chooseAccounts")}</legend>
                  <ul class="plain-list">
                    <For each={list()}>
                      {(a) => (
                        <li>
                          <label class="choice">
                            <input
                              type="checkbox"
                              checked={chosen().has(a.accountNo)}
                              onChange={(e) => toggle(a.accountNo, e.currentTarget.checked)}
                            />{" "}
                            {formatAccountNo(a.accountNo)} · {a.region} · {a.address}
                          </label>
                        </li>
                      )}
                    </For>
                  </ul>
                  <Show when={loadAccounts.busy()}>
                    <p role="status">{s("loading")}</p>
                  </Show>
                  <ProblemAlert problem={loadAccounts.problem()} />
                  <Show when={cursor()}>
                    <button type="button" class="button" onClick={() => void more()} disabled={loadAccounts.busy()}>
                      {s("more")}
                    </button>
                  </Show>
                </fieldset>
              </Show>
            </fieldset>
            <Show when={localProblem()}>
              <p class="notice notice--error" role="alert">
                {localProblem()}
              </p>
            </Show>
            <ProblemAlert problem={send.problem()} />
            <button type="submit" class="button button--primary" disabled={send.busy()}>
              {send.busy() ? s("requesting") : s("request")}
            </button>
          </form>
          <div role="status" aria-live="polite">
            <Show when={act()}>
              {(a) => (
                <div class="reconciliation__result">
                  <Show when={a().status === "queued" || a().status === "running"}>
                    <p aria-busy="true">{s("queued")}</p>
                  </Show>
                  <Show when={a().status === "failed"}>
                    <p class="notice notice--error">{s("failed")}</p>
                  </Show>
                  <Show when={a().status === "ready" && a().totals}>
                    {(totals) => (
                      <>
                        <h2>{s("ready")}</h2>
                        <p>{s("covers", { n: a().accounts })}</p>
                        <dl class="list">
                          <div class="list__row">
                            <dt>{s("opening")}</dt>
                            <dd>{balance(totals().openingKop)}</dd>
                          </div>
                          <div class="list__row">
                            <dt>{s("debit")}</dt>
                            <dd>{formatRub(totals().debitKop, lang())}</dd>
                          </div>
                          <div class="list__row">
                            <dt>{s("credit")}</dt>
                            <dd>{formatRub(totals().creditKop, lang())}</dd>
                          </div>
                          <div class="list__row">
                            <dt>{s("closing")}</dt>
                            <dd>{balance(totals().closingKop)}</dd>
                          </div>
                        </dl>
                        <p class="chips">
                          <Show when={a().pdfUrl}>
                            {(href) => (
                              <a class="button" href={href()} download="">
                                {s("downloadPdf")}
                              </a>
                            )}
                          </Show>
                          <Show when={a().xlsxUrl}>
                            {(href) => (
                              <a class="button" href={href()} download="">
                                {s("downloadXlsx")}
                              </a>
                            )}
                          </Show>
                        </p>
                      </>
                    )}
                  </Show>
                </div>
              )}
            </Show>
          </div>
        </section>
      )}
    </RequireLogin>
  );
}
