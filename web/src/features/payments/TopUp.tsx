import { useNavigate } from "@solidjs/router";
import { createResource, createSignal, For, Show } from "solid-js";
import type { PaymentMethod } from "../../../../worker/adapters/payments";
import { Loadable } from "../../app/Loadable";
import { useI18n } from "../../i18n";
import { createAction } from "../../lib/createAction";
import { formatRub } from "../../lib/format";
import { useOnline } from "../../lib/online";
import { runOrStepUp } from "../../lib/stepUp";
import { authApi } from "../auth/authApi";
import { CodeField } from "../auth/fields";
import { ProblemAlert } from "../auth/ProblemAlert";
import { type CardDto, type PaymentDto, paymentsApi } from "./paymentsApi";
import { SbpPayment } from "./SbpPayment";

const newKey = () => crypto.randomUUID();

/** A phone: a narrow screen or a touch screen gets the bank link instead of a QR it cannot scan. */
const isPhone = () => typeof matchMedia === "function" && matchMedia("(max-width: 40rem), (pointer: coarse) and (hover: none)").matches;

/**
 * Top-up: suggested amounts (enough for next month first), then the method.
 * A card is a new one on the acquirer's page (3-D Secure there) or a saved
 * card in one click; saving a card or paying with a saved one asks for an SMS
 * code first. СБП shows a QR to scan on a desktop and the bank-choice link on
 * a phone, and waits for the payment; SberPay and T-Pay open their page.
 * Every attempt carries one idempotency key, so a double click or a retry
 * never pays twice.
 */
export function TopUpForm(props: { accountNo: string }) {
  const { t, lang } = useI18n();
  const online = useOnline();
  const navigate = useNavigate();
  const [options, { refetch }] = createResource(() => props.accountNo, paymentsApi.paymentOptions);
  const [amount, setAmount] = createSignal<string>("");
  const [method, setMethod] = createSignal<PaymentMethod>("card");
  const [card, setCard] = createSignal<string>("new");
  const [save, setSave] = createSignal(false);
  const [stage, setStage] = createSignal<"enter" | "code">("enter");
  const [sbp, setSbp] = createSignal<{ payment: PaymentDto; payload: string; url: string; phone: boolean } | null>(null);
  // One key per payment asked for: a retry of the same request keeps it (never paid twice); a changed amount,
  // method or card after a refusal is another payment and gets its own (the server refuses a key reused for another body).
  let key = newKey();
  let keyFor = "";
  const a = createAction();
  const amountKop = () => Math.round(Number(amount().replace(",", ".").replace(/\s/g, "")) * 100);
  const pay = async () => {
    const body =
      method() !== "card"
        ? { amountKop: amountKop(), method: method() }
        : card() === "new"
          ? { amountKop: amountKop(), method: method(), saveCard: save() }
          : { amountKop: amountKop(), method: method(), cardId: card() };
    const asked = JSON.stringify(body);
    if (keyFor && keyFor !== asked) key = newKey();
    keyFor = asked;
    await runOrStepUp(
      async () => {
        const { payment, confirmationUrl, confirmation } = await paymentsApi.pay(props.accountNo, body, key);
        key = newKey();
        keyFor = "";
        if (confirmation?.type === "qr") setSbp({ payment, payload: confirmation.payload, url: confirmation.url, phone: isPhone() });
        else if (confirmationUrl) location.assign(confirmationUrl);
        else navigate(`/accounts/${props.accountNo}/payments/${payment.id}`);
      },
      () => setStage("code"),
    );
  };
  const submit = (e: SubmitEvent) => {
    e.preventDefault();
    const f = new FormData(e.currentTarget as HTMLFormElement);
    void a.run(async () => {
      if (stage() === "code") {
        await authApi.verifyStepUp(String(f.get("code") ?? ""));
        setStage("enter");
      }
      await pay();
    });
  };
  return (
    <Loadable resource={options} onRetry={refetch}>
      {(o) => {
        if (!amount() && o.suggestedKop[0]) setAmount(String(o.suggestedKop[0] / 100));
        const methods = (): PaymentMethod[] => (o.methods?.length ? o.methods : ["card"]);
        return (
          <Show
            when={sbp()}
            fallback={
              <form class="form" onSubmit={submit} aria-busy={a.busy()} novalidate>
                <ProblemAlert problem={a.problem()} />
                <fieldset class="segmented">
                  <legend>{t("pay.suggested")}</legend>
                  <For each={o.suggestedKop}>
                    {(k, i) => (
                      <button type="button" aria-pressed={amountKop() === k} onClick={() => setAmount(String(k / 100))}>
                        {formatRub(k, lang())}
                        <Show when={i() === 0 && o.suggestedKop.length > 1}>
                          <span class="visually-hidden"> — {t("pay.forMonth")}</span>
                        </Show>
                      </button>
                    )}
                  </For>
                </fieldset>
                <label class="field">
                  <span>{t("pay.amount")}</span>
                  <input
                    name="amount"
                    inputmode="decimal"
                    value={amount()}
                    onInput={(e) => setAmount(e.currentTarget.value)}
                    aria-describedby="pay-limits"
                    required
                  />
                  <small id="pay-limits" class="muted">
                    {t("pay.limits", { min: formatRub(o.minKop, lang()), max: formatRub(o.maxKop, lang()) })}
                  </small>
                </label>
                <fieldset class="radios">
                  <legend>{t("pay.method")}</legend>
                  <For each={methods()}>
                    {(m) => (
                      <label class="check">
                        <input type="radio" name="method" value={m} checked={method() === m} onChange={() => setMethod(m)} />
                        {t(`pay.method.${m}`)}
                      </label>
                    )}
                  </For>
                  <Show when={method() !== "card"}>
                    <small class="muted">{t("pay.cardOnly")}</small>
                  </Show>
                </fieldset>
                <Show when={method() === "card"}>
                  <fieldset class="radios">
                    <legend>{t("pay.card")}</legend>
                    <label class="check">
                      <input type="radio" name="card" value="new" checked={card() === "new"} onChange={() => setCard("new")} />
                      {t("pay.newCard")}
                    </label>
                    <For each={o.cards}>
                      {(c: CardDto) => (
                        <label class="check">
                          <input type="radio" name="card" value={c.id} checked={card() === c.id} onChange={() => setCard(c.id)} />
                          {c.brand.toUpperCase()} •••• {c.last4}
                        </label>
                      )}
                    </For>
                    <Show when={card() === "new"}>
                      <label class="check">
                        <input type="checkbox" name="save" checked={save()} onChange={(e) => setSave(e.currentTarget.checked)} />
                        {t("pay.saveCard")}
                      </label>
                    </Show>
                  </fieldset>
                </Show>
                <Show when={stage() === "code"}>
                  <CodeField problem={a.problem()} notice={t("stepUp.sent")} resend={authApi.startStepUp} />
                </Show>
                <button type="submit" class="button button--primary" disabled={a.busy() || !online()}>
                  {stage() === "code" ? t("code.confirm") : t("pay.submit", { amount: formatRub(amountKop() || 0, lang()) })}
                </button>
                <Show when={!online()}>
                  <p class="muted">{t("offline.disabled")}</p>
                </Show>
              </form>
            }
          >
            {(q) => (
              <SbpPayment
                accountNo={props.accountNo}
                payment={q().payment}
                payload={q().payload}
                url={q().url}
                phone={q().phone}
                onAgain={() => {
                  setSbp(null);
                  void a.run(pay);
                }}
                onBack={() => setSbp(null)}
              />
            )}
          </Show>
        );
      }}
    </Loadable>
  );
}
