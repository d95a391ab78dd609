import { A } from "@solidjs/router";
import { createEffect, createResource, createSignal, For, Show } from "solid-js";
import { Freshness } from "../../app/Freshness";
import { Loadable } from "../../app/Loadable";
import { useI18n } from "../../i18n";
import { afterPaint } from "../../lib/afterPaint";
import { type Problem, problemOf } from "../../lib/api";
import { sendCode } from "../../lib/codes";
import { formatAccountNo, formatDay, formatRub } from "../../lib/format";
import { fetchWithSnapshot } from "../../lib/offline";
import { useOnline } from "../../lib/online";
import { createStaged } from "../../lib/tasks";
import { ChannelChoice, CodeField, Field } from "../auth/fields";
import { ProblemAlert } from "../auth/ProblemAlert";
import { RequireLogin } from "../auth/RequireLogin";
import { useSession } from "../auth/SessionContext";
import { OutageBanner } from "../notifications/OutageBanner";
import { TopUpButton } from "../payments/TopUpButton";
import { PackageMeters } from "../services/PackageMeters";
import { type AccountDto, accountsApi } from "./accountsApi";

/** One account's card: whose, where, balance, what is subscribed, the next charge. */
export function AccountCard(props: { account: AccountDto; openTopUp?: boolean }) {
  const { t, lang } = useI18n();
  const a = () => props.account;
  // The packages' remainders are asked for after the cards are drawn: their requests and their second render
  // stay out of the first paint's long task (the accounts page is the one people land on after login).
  const [painted, setPainted] = createSignal(false);
  afterPaint(() => setPainted(true));
  return (
    <article class="card account" aria-labelledby={`acc-${a().accountNo}`}>
      <p class="tariff__kind">{t(`account.role.${a().role}`)}</p>
      <h2 id={`acc-${a().accountNo}`} class="account__no">
        <A href={`/accounts/${a().accountNo}`}>
          {t("account.number")} {formatAccountNo(a().accountNo)}
        </A>
      </h2>
      <p class="muted">
        {a().holderName} · {a().address}
      </p>
      <p class="account__balance" classList={{ "account__balance--low": a().balanceKop < 0 || a().lowBalance }}>
        <span class="muted">{t("account.balance")}: </span>
        <strong>{formatRub(a().balanceKop, lang())}</strong>
      </p>
      <Show when={a().lowBalance}>
        <p class="notice notice--error">{t("account.lowBalance")}</p>
      </Show>
      <ul class="plain">
        <For each={a().services}>
          {(s) => (
            <li>
              {s.name[lang()]} — {formatRub(s.priceKop, lang()).replace(/\s₽$/, "")} {t("common.perMonth")}
            </li>
          )}
        </For>
      </ul>
      <Show when={painted() && a().services.some((s) => s.kind === "mobile" && s.status !== "ended")}>
        <PackageMeters accountNo={a().accountNo} />
      </Show>
      <p class="muted">{t("account.nextCharge", { day: formatDay(a().nextChargeDay, lang()) })}</p>
      <Show when={a().bonusPoints !== null}>
        <p>
          <A href={`/bonus?account=${a().accountNo}`}>{t("bonus.points", { n: a().bonusPoints ?? 0 })}</A>
        </p>
      </Show>
      <Show when={a().role !== "viewer"}>
        <div class="actions">
          <TopUpButton accountNo={a().accountNo} open={props.openTopUp} />
        </div>
      </Show>
    </article>
  );
}

/** Link a relative's account: the code goes to the contact on that account's contract. */
export function LinkAccountForm(props: { onLinked: () => void }) {
  const { t } = useI18n();
  const online = useOnline();
  const [channel, setChannel] = createSignal<"sms" | "email">("sms");
  const [accountNo, setAccountNo] = createSignal<string | null>(null);
  const [role, setRole] = createSignal<"payer" | "viewer">("payer");
  const [problem, setProblem] = createSignal<Problem | null>(null);
  const [busy, setBusy] = createSignal(false);
  /** The account just linked, for the success message (until the next attempt). */
  const [linked, setLinked] = createSignal<string | null>(null);
  const [wait, setWait] = createSignal<number | undefined>();
  const submit = (e: SubmitEvent) => {
    e.preventDefault();
    const f = new FormData(e.currentTarget as HTMLFormElement);
    setBusy(true);
    setProblem(null);
    setLinked(null);
    void (async () => {
      try {
        const no = accountNo();
        if (!no) {
          const v = String(f.get("accountNo") ?? "");
          setWait(await sendCode(() => accountsApi.startAccountLink(v, channel())));
          setAccountNo(v);
        } else {
          await accountsApi.confirmAccountLink(no, String(f.get("code") ?? ""), role());
          // Back to the first step with its defaults (its fields are drawn afresh). Not form.reset():
          // it cleared the radios Solid had just checked.
          setAccountNo(null);
          setChannel("sms");
          setRole("payer");
          setLinked(no);
          props.onLinked();
        }
      } catch (err) {
        setProblem(problemOf(err, t("common.error")));
      } finally {
        setBusy(false);
      }
    })();
  };
  return (
    <form class="form card" onSubmit={submit} aria-busy={busy()} novalidate>
      <h2>{t("account.link.title")}</h2>
      <p class="muted">{t("account.link.lead")}</p>
      <ProblemAlert problem={problem()} />
      <Show when={linked()}>
        {(no) => (
          <p class="notice" role="status">
            {t("account.link.done", { no: formatAccountNo(no()) })}
          </p>
        )}
      </Show>
      <Show
        when={accountNo()}
        fallback={
          <>
            <Field label={t("register.accountNo")} name="accountNo" problem={problem()} inputmode="numeric" required />
            <ChannelChoice value={channel()} onChange={setChannel} />
          </>
        }
      >
        <CodeField
          problem={problem()}
          notice={wait() ? t("code.alreadySent") : t("register.codeSent")}
          resend={() => accountsApi.startAccountLink(accountNo() ?? "", channel())}
          waitSeconds={wait()}
        />
        <fieldset class="radios">
          <legend>{t("account.link.role")}</legend>
          <For each={["payer", "viewer"] as const}>
            {(r) => (
              <label class="checkbox">
                <input type="radio" name="role" checked={role() === r} onChange={() => setRole(r)} />
                <span>{t(`account.role.${r}`)}</span>
              </label>
            )}
          </For>
        </fieldset>
      </Show>
      <button
        type="submit"
        class="button button--primary"
        disabled={busy() || !online()}
        aria-describedby={online() ? undefined : "link-offline"}
      >
        {accountNo() ? t("code.confirm") : t("code.get")}
      </button>
      <Show when={!online()}>
        <small id="link-offline" class="muted">
          {t("offline.disabled")}
        </small>
      </Show>
    </form>
  );
}

/** The home screen of a logged-in subscriber: every account's balance and the total (раздел «Лицевые счета»). */
export default function AccountsPage() {
  const { t, lang } = useI18n();
  const { profile } = useSession();
  // The installed app's "Пополнить" shortcut opens the top-up of the first account one can pay.
  // "?topup" (the installed app's shortcut) opens the first account one can pay; "?topup=<account>" that account.
  const topUp = new URLSearchParams(location.search).get("topup");
  const [accounts, { refetch }] = createResource(
    () => profile() ?? false,
    () => fetchWithSnapshot("accounts", accountsApi.accounts),
  );
  /** Every card is drawn: the form below them may come. */
  const [listed, setListed] = createSignal(false);
  return (
    <RequireLogin>
      {() => (
        <>
          <h1>{t("account.title")}</h1>
          <OutageBanner />
          <Loadable resource={accounts} onRetry={refetch}>
            {(snap) => {
              // One card per task (see lib/tasks): the cards are most of the page's first render.
              const staged = createStaged(() => snap.data.items);
              createEffect(() => setListed(staged.done()));
              return (
                <>
                  <Freshness stale={snap.stale} savedAt={snap.savedAt} />
                  <p class="total" aria-describedby="total-includes">
                    {t("account.total")}: <strong>{formatRub(snap.data.totalKop, lang())}</strong>
                  </p>
                  <p id="total-includes" class="muted small">
                    {t("account.total.includes")}
                  </p>
                  {/* A copy saved on the device before view-only money was counted apart has no such field. */}
                  <Show when={(snap.data.viewOnlyKop ?? 0) !== 0}>
                    <p class="muted small">{t("account.total.viewOnly", { amount: formatRub(snap.data.viewOnlyKop, lang()) })}</p>
                  </Show>
                  <Show when={snap.data.items.length > 0} fallback={<p>{t("account.none")}</p>}>
                    <div class="grid">
                      <For each={staged.shown()}>
                        {(a) => (
                          <AccountCard
                            account={a}
                            openTopUp={
                              topUp !== null &&
                              (topUp === a.accountNo ||
                                (!/^\d{12}$/.test(topUp) && a.accountNo === snap.data.items.find((x) => x.role !== "viewer")?.accountNo))
                            }
                          />
                        )}
                      </For>
                    </div>
                  </Show>
                </>
              );
            }}
          </Loadable>
          {/* After the cards (drawn a task each), so that none of them pushes the form down. */}
          <Show when={listed() || accounts.state === "errored"}>
            <LinkAccountForm onLinked={() => void refetch()} />
          </Show>
        </>
      )}
    </RequireLogin>
  );
}
