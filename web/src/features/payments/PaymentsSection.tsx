import { A } from "@solidjs/router";
import { createResource, createSignal, For, Match, Show, Switch } from "solid-js";
import { Loadable } from "../../app/Loadable";
import { useI18n } from "../../i18n";
import { createAction } from "../../lib/createAction";
import { formatRub } from "../../lib/format";
import { useOnline } from "../../lib/online";
import { runOrStepUp } from "../../lib/stepUp";
import { authApi } from "../auth/authApi";
import { CodeField, Field } from "../auth/fields";
import { ProblemAlert } from "../auth/ProblemAlert";
import { type AutopayDto, type PaymentOptionsDto, paymentsApi } from "./paymentsApi";
import { ReceiptView } from "./Receipt";

/** The account's payments with their receipts (раздел «Платежи и чеки»). */
export function PaymentsSection(props: { accountNo: string }) {
  const { t, lang } = useI18n();
  const [items, { refetch }] = createResource(() => props.accountNo, paymentsApi.payments);
  const [open, setOpen] = createSignal<string | null>(null);
  return (
    <section aria-labelledby="payments-title">
      <h2 id="payments-title">{t("pay.listTitle")}</h2>
      <Loadable resource={items} onRetry={refetch}>
        {(list) => (
          <Show when={list.length > 0} fallback={<p>{t("pay.none")}</p>}>
            <ul class="list">
              <For each={list}>
                {(p) => (
                  <li class="list__row">
                    <span>
                      {new Date(p.createdAt).toLocaleDateString(lang() === "ru" ? "ru-RU" : "en-GB")} ·{" "}
                      <A href={`/accounts/${props.accountNo}/payments/${p.id}`}>{formatRub(p.amountKop, lang())}</A> ·{" "}
                      {t(`pay.status.${p.status}`)} {t(`pay.methodShort.${p.method ?? "card"}`)}
                      {p.purpose === "autopay" ? ` · ${t("autopay.title")}` : ""}
                    </span>
                    <Show when={p.receiptNumber}>
                      <button
                        type="button"
                        class="button button--small"
                        aria-expanded={open() === p.id}
                        onClick={() => setOpen(open() === p.id ? null : p.id)}
                      >
                        {t("receipt.show")}
                      </button>
                    </Show>
                    <Show when={open() === p.id}>
                      <ReceiptView accountNo={props.accountNo} paymentId={p.id} />
                    </Show>
                  </li>
                )}
              </For>
            </ul>
          </Show>
        )}
      </Loadable>
    </section>
  );
}

/**
 * Autopay settings: needs a saved card; turning on or changing asks for an SMS code; stopping does not. `action`
 * (busy, problem, «Автоплатёж включён.») is the owner's when `onChange` redraws this section: one of its own went with it.
 */
export function AutopaySection(props: {
  accountNo: string;
  options: PaymentOptionsDto;
  onChange: () => void;
  action?: ReturnType<typeof createAction>;
}) {
  const { t, lang } = useI18n();
  const online = useOnline();
  const a = props.action ?? createAction();
  const current = (): AutopayDto | null => props.options.autopay;
  const [mode, setMode] = createSignal<"threshold" | "monthly">(current()?.mode ?? "threshold");
  const [stage, setStage] = createSignal<"enter" | "code">("enter");
  const submit = (e: SubmitEvent) => {
    e.preventDefault();
    const f = new FormData(e.currentTarget as HTMLFormElement);
    const kop = (name: string) => Math.round(Number(String(f.get(name) ?? "").replace(",", ".")) * 100);
    const body = {
      cardId: String(f.get("cardId") ?? ""),
      mode: mode(),
      thresholdKop: mode() === "threshold" ? kop("threshold") : null,
      dayOfMonth: mode() === "monthly" ? Number(f.get("day")) : null,
      amountKop: kop("amount"),
      monthlyLimitKop: kop("limit"),
    };
    void a.run(async () => {
      if (stage() === "code") {
        await authApi.verifyStepUp(String(f.get("code") ?? ""));
        setStage("enter");
      }
      if (
        !(await runOrStepUp(
          () => paymentsApi.setAutopay(props.accountNo, body),
          () => setStage("code"),
        ))
      )
        return undefined;
      props.onChange();
      return t("autopay.saved");
    });
  };
  const stop = () =>
    void a.run(async () => {
      await paymentsApi.stopAutopay(props.accountNo);
      props.onChange();
      return t("autopay.stopped");
    });
  return (
    <section aria-labelledby="autopay-title">
      <h2 id="autopay-title">{t("autopay.title")}</h2>
      <p class="muted">{t("autopay.explain")}</p>
      <Show when={current()}>
        {(c) => (
          <p role="status">
            {c().mode === "threshold"
              ? t("autopay.onThreshold", { amount: formatRub(c().amountKop, lang()), threshold: formatRub(c().thresholdKop ?? 0, lang()) })
              : t("autopay.onMonthly", { amount: formatRub(c().amountKop, lang()), day: c().dayOfMonth ?? 1 })}
          </p>
        )}
      </Show>
      <Show when={props.options.cards.length > 0}>
        <h3>{t("cards.title")}</h3>
        <ul class="list">
          <For each={props.options.cards}>
            {(c) => (
              <li class="list__row">
                <span>
                  {c.brand.toUpperCase()} •••• {c.last4} · {String(c.expMonth).padStart(2, "0")}/{String(c.expYear).slice(2)}
                </span>
                <button
                  type="button"
                  class="button button--small"
                  disabled={a.busy() || !online()}
                  aria-label={t("cards.removeLabel", { last4: c.last4 })}
                  onClick={() =>
                    void a.run(async () => {
                      await paymentsApi.deleteCard(c.id);
                      props.onChange();
                      return t("cards.removed");
                    })
                  }
                >
                  {t("cards.remove")}
                </button>
              </li>
            )}
          </For>
        </ul>
      </Show>
      <Show when={props.options.cards.length > 0} fallback={<p>{t("autopay.needCard")}</p>}>
        <form class="form narrow" onSubmit={submit} aria-busy={a.busy()} novalidate>
          <ProblemAlert problem={a.problem()} />
          <label class="field">
            <span>{t("pay.card")}</span>
            <select name="cardId">
              <For each={props.options.cards}>
                {(c) => (
                  <option value={c.id} selected={current()?.cardId === c.id}>
                    {c.brand.toUpperCase()} •••• {c.last4}
                  </option>
                )}
              </For>
            </select>
          </label>
          <fieldset class="radios">
            <legend>{t("autopay.when")}</legend>
            <label class="check">
              <input type="radio" name="mode" checked={mode() === "threshold"} onChange={() => setMode("threshold")} />
              {t("autopay.modeThreshold")}
            </label>
            <label class="check">
              <input type="radio" name="mode" checked={mode() === "monthly"} onChange={() => setMode("monthly")} />
              {t("autopay.modeMonthly")}
            </label>
          </fieldset>
          <Switch>
            <Match when={mode() === "threshold"}>
              <Field
                label={t("autopay.threshold")}
                name="threshold"
                problem={a.problem()}
                inputmode="decimal"
                value={String((current()?.thresholdKop ?? 10_000) / 100)}
              />
            </Match>
            <Match when={mode() === "monthly"}>
              <Field
                label={t("autopay.day")}
                name="day"
                problem={a.problem()}
                inputmode="numeric"
                value={String(current()?.dayOfMonth ?? 1)}
              />
            </Match>
          </Switch>
          <Field
            label={t("autopay.amount")}
            name="amount"
            problem={a.problem()}
            inputmode="decimal"
            value={String((current()?.amountKop ?? 50_000) / 100)}
          />
          <Field
            label={t("autopay.limit")}
            name="limit"
            problem={a.problem()}
            inputmode="decimal"
            value={String((current()?.monthlyLimitKop ?? 150_000) / 100)}
          />
          <Show when={stage() === "code"}>
            <CodeField problem={a.problem()} notice={t("stepUp.sent")} resend={authApi.startStepUp} />
          </Show>
          <p role="status">{a.done()}</p>
          <button type="submit" class="button button--primary" disabled={a.busy() || !online()}>
            {stage() === "code" ? t("code.confirm") : t("autopay.save")}
          </button>
          <Show when={current()}>
            <button type="button" class="button" disabled={a.busy() || !online()} onClick={stop}>
              {t("autopay.stop")}
            </button>
          </Show>
        </form>
      </Show>
    </section>
  );
}

/**
 * Promised payment (обещанный платёж): offered when the balance is low, with the rules and the reason if not.
 * `action` is the owner's when `onChange` redraws this section (as for autopay).
 */
export function PromisedSection(props: {
  accountNo: string;
  options: PaymentOptionsDto;
  onChange: () => void;
  action?: ReturnType<typeof createAction>;
}) {
  const { t, lang } = useI18n();
  const online = useOnline();
  const a = props.action ?? createAction();
  const key = crypto.randomUUID();
  const p = () => props.options.promised;
  const take = (e: SubmitEvent) => {
    e.preventDefault();
    const amount = Math.round(Number(String(new FormData(e.currentTarget as HTMLFormElement).get("amount") ?? "").replace(",", ".")) * 100);
    void a.run(async () => {
      await paymentsApi.takePromised(props.accountNo, amount, key);
      props.onChange();
      return t("promised.taken");
    });
  };
  return (
    <section aria-labelledby="promised-title">
      <h2 id="promised-title">{t("promised.title")}</h2>
      <p class="muted">{t("promised.rules", { days: p().days, max: formatRub(p().maxKop, lang()) })}</p>
      <Show when={p().open}>
        {(o) => (
          <p role="status">
            {t("promised.open", {
              amount: formatRub(o().amountKop, lang()),
              due: new Date(o().dueAt).toLocaleDateString(lang() === "ru" ? "ru-RU" : "en-GB"),
            })}
          </p>
        )}
      </Show>
      <Show
        when={p().eligible}
        fallback={
          <Show when={!p().open}>
            <p>
              {t("promised.unavailable", {
                reasons: p()
                  .refusals.map((r) => t(`promised.reason.${r}` as "promised.reason.balance_ok"))
                  .join("; "),
              })}
            </p>
          </Show>
        }
      >
        <form class="form narrow" onSubmit={take} aria-busy={a.busy()} novalidate>
          <ProblemAlert problem={a.problem()} />
          <Field label={t("promised.amount")} name="amount" problem={a.problem()} inputmode="decimal" value={String(p().maxKop / 100)} />
          <button type="submit" class="button button--primary" disabled={a.busy() || !online()}>
            {t("promised.take")}
          </button>
        </form>
      </Show>
      {/* Not in the form: a payment taken is open, and the form gives way to it. */}
      <p role="status">{a.done()}</p>
    </section>
  );
}
