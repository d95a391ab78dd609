import { A, useNavigate } from "@solidjs/router";
import { createResource, createSignal, For, Show } from "solid-js";
import { Loadable } from "../../app/Loadable";
import { useI18n } from "../../i18n";
import { createAction } from "../../lib/createAction";
import { formatRub } from "../../lib/format";
import { useOnline } from "../../lib/online";
import { runOrStepUp } from "../../lib/stepUp";
import { authApi } from "../auth/authApi";
import { CodeField } from "../auth/fields";
import { ProblemAlert } from "../auth/ProblemAlert";
import { type OptionsDto, servicesApi } from "./servicesApi";

type Option = OptionsDto["services"][number]["options"][number];

/**
 * «Подключённые услуги»: each service with its tariff page, and its options as
 * switches. Switching on shows the price first; the change is applied at once
 * on screen and rolled back if the server refuses.
 */
export function AccountServices(props: { accountNo: string }) {
  const { t, lang } = useI18n();
  const online = useOnline();
  const [data, { refetch, mutate }] = createResource(() => props.accountNo, servicesApi.options);
  const [asking, setAsking] = createSignal<{ serviceId: string; option: Option } | null>(null);
  const a = createAction();
  const set = (serviceId: string, optionId: string, on: boolean) => {
    const before = data.latest;
    if (before)
      mutate({
        ...before,
        services: before.services.map((s) =>
          s.serviceId === serviceId ? { ...s, options: s.options.map((o) => (o.id === optionId ? { ...o, on } : o)) } : s,
        ),
      });
    void a.run(async () => {
      try {
        await servicesApi.setOption(props.accountNo, serviceId, optionId, on);
      } catch (e) {
        if (before) mutate(before);
        throw e;
      }
    });
  };
  return (
    <section aria-labelledby="services-title">
      <h2 id="services-title">{t("services.title")}</h2>
      <ProblemAlert problem={a.problem()} />
      <Loadable resource={data} onRetry={refetch}>
        {(d) => (
          <For each={d.services}>
            {(s) => (
              <article class="service-card">
                <h3>{s.name[lang()]}</h3>
                <Show when={s.status === "suspended"}>
                  <p class="badge">{t("services.suspended")}</p>
                </Show>
                <Show when={d.canChange}>
                  <p>
                    <A href={`/accounts/${props.accountNo}/services/${s.serviceId}`}>{t("services.manage")}</A>
                  </p>
                </Show>
                <Show when={s.options.length > 0}>
                  <ul class="options">
                    <For each={s.options}>
                      {(o) => (
                        <li>
                          <button
                            type="button"
                            role="switch"
                            class="switch"
                            aria-checked={o.on}
                            disabled={!d.canChange || !online()}
                            onClick={() => {
                              if (o.on) set(s.serviceId, o.id, false);
                              else setAsking({ serviceId: s.serviceId, option: o });
                            }}
                          >
                            <span class="switch__track" aria-hidden="true" />
                            <span>
                              {o.name[lang()]} — {t("services.monthly", { amount: formatRub(o.priceKop, lang()) })}
                            </span>
                          </button>
                          <Show when={asking()?.option.id === o.id && asking()?.serviceId === s.serviceId}>
                            <div class="notice" role="alertdialog" aria-label={o.name[lang()]}>
                              <p>
                                {t("options.confirm", {
                                  name: o.name[lang()],
                                  daily: formatRub(o.dailyKop, lang()),
                                  rest: formatRub(o.restOfMonthKop, lang()),
                                })}
                              </p>
                              <button
                                type="button"
                                class="button button--primary"
                                onClick={() => {
                                  setAsking(null);
                                  set(s.serviceId, o.id, true);
                                }}
                              >
                                {t("options.on")}
                              </button>{" "}
                              <button type="button" class="button" onClick={() => setAsking(null)}>
                                {t("disconnect.no")}
                              </button>
                            </div>
                          </Show>
                        </li>
                      )}
                    </For>
                  </ul>
                </Show>
              </article>
            )}
          </For>
        )}
      </Loadable>
      <Show when={!online()}>
        <p class="small muted">{t("services.offline")}</p>
      </Show>
    </section>
  );
}

/**
 * «Расторжение договора»: the form, with where the money left on the account
 * goes (the card of the last payment, or bank details) shown before
 * confirming, and confirmed with a fresh SMS code.
 */
export function Termination(props: { accountNo: string; balanceKop: number }) {
  const { t, lang } = useI18n();
  const navigate = useNavigate();
  const online = useOnline();
  const [open, setOpen] = createSignal(false);
  const [quote, { refetch }] = createResource(
    () => (open() ? props.accountNo : false),
    (no) => servicesApi.terminationQuote(no),
  );
  const [picked, setPicked] = createSignal<"card" | "bank" | null>(null);
  const [stage, setStage] = createSignal<"form" | "code">("form");
  const balanceKop = () => quote()?.balanceKop ?? props.balanceKop;
  const cardName = () => {
    const c = quote()?.refundCard;
    return c ? `${c.brand ? `${c.brand} ` : ""}•••• ${c.last4}` : null;
  };
  /** The refund method: what the subscriber picked, else the card when there is one, else the bank. */
  const refund = (): "card" | "bank" | "none" =>
    balanceKop() <= 0 ? "none" : (picked() ?? (cardName() ? "card" : "bank")) === "card" && cardName() ? "card" : "bank";
  const method = () => {
    const text = refund() === "card" ? t("termination.refund.card.named", { card: cardName() ?? "" }) : t("termination.refund.bank");
    return text.charAt(0).toLowerCase() + text.slice(1);
  };
  const a = createAction();
  const submit = (e: SubmitEvent) => {
    e.preventDefault();
    const f = new FormData(e.currentTarget as HTMLFormElement);
    void a.run(async () => {
      if (stage() === "code") await authApi.verifyStepUp(String(f.get("code") ?? ""));
      let id: string | undefined;
      const ran = await runOrStepUp(
        async () => {
          id = (
            await servicesApi.apply({
              kind: "termination",
              accountNo: props.accountNo,
              refund: refund(),
              bankDetails: String(f.get("bankDetails") ?? "") || undefined,
              reason: String(f.get("reason") ?? "") || undefined,
            })
          ).id;
        },
        () => setStage("code"),
      );
      if (ran && id) navigate(`/applications/${id}`);
    });
  };
  return (
    <section aria-labelledby="termination-title">
      <h2 id="termination-title">{t("termination.title")}</h2>
      <Show
        when={open()}
        fallback={
          <button type="button" class="button" onClick={() => setOpen(true)}>
            {t("termination.open")}
          </button>
        }
      >
        <Loadable resource={quote} onRetry={refetch}>
          {() => (
            <form class="form" onSubmit={submit}>
              <p class="muted">{t("termination.lead")}</p>
              <Show when={balanceKop() > 0}>
                <fieldset class="radios" disabled={stage() === "code"}>
                  <legend>{t("termination.refund", { amount: formatRub(balanceKop(), lang()) })}</legend>
                  <Show when={cardName()} fallback={<p class="small muted">{t("termination.refund.card.none")}</p>}>
                    {(card) => (
                      <label>
                        <input type="radio" name="refund" value="card" checked={refund() === "card"} onChange={() => setPicked("card")} />
                        {t("termination.refund.card.named", { card: card() })}
                      </label>
                    )}
                  </Show>
                  <label>
                    <input type="radio" name="refund" value="bank" checked={refund() === "bank"} onChange={() => setPicked("bank")} />
                    {t("termination.refund.bank")}
                  </label>
                </fieldset>
                <Show when={refund() === "bank"}>
                  <label class="field">
                    <span>{t("termination.bank")}</span>
                    <textarea name="bankDetails" rows="3" required maxlength="300" readOnly={stage() === "code"} />
                  </label>
                </Show>
                <p class="notice" id="termination-summary">
                  {t("termination.summary", { amount: formatRub(balanceKop(), lang()), method: method() })}
                </p>
              </Show>
              <label class="field">
                <span>{t("termination.reason")}</span>
                <textarea name="reason" rows="2" maxlength="500" readOnly={stage() === "code"} />
              </label>
              <Show when={stage() === "code"}>
                <CodeField problem={a.problem()} notice={t("stepUp.sent")} resend={authApi.startStepUp} />
              </Show>
              <Show when={stage() === "form"}>
                <ProblemAlert problem={a.problem()} />
              </Show>
              <button type="submit" class="button button--danger" disabled={a.busy() || !online()} aria-busy={a.busy()}>
                {stage() === "code" ? t("termination.submit") : t("termination.confirm")}
              </button>
            </form>
          )}
        </Loadable>
      </Show>
    </section>
  );
}
