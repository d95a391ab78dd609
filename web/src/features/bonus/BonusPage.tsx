import { A, useSearchParams } from "@solidjs/router";
import { createMemo, createResource, createSignal, For, Show } from "solid-js";
import { Loadable } from "../../app/Loadable";
import { useI18n } from "../../i18n";
import { createAction } from "../../lib/createAction";
import { formatAccountNo, formatMoment, formatRub } from "../../lib/format";
import { fetchWithSnapshot } from "../../lib/offline";
import { useOnline } from "../../lib/online";
import { latestOf } from "../../lib/resource";
import { accountsApi } from "../accounts/accountsApi";
import { ProblemAlert } from "../auth/ProblemAlert";
import { RequireLogin } from "../auth/RequireLogin";
import { type BonusDto, bonusApi, type RedemptionDto, type RewardDto } from "./bonusApi";

const KINDS = ["all", "discount", "traffic", "partner"] as const;

/** The rules as shown before joining and leaving. */
function Rules(props: { rules: BonusDto["rules"] }) {
  const { t } = useI18n();
  return (
    <ul class="small">
      <For each={Object.entries(props.rules.ratePct)}>
        {([kind, pct]) => <li>{t("bonus.rule.rate", { kind: t(`tariffs.kind.${kind}` as "tariffs.kind.internet"), pct })}</li>}
      </For>
      <li>{t("bonus.rule.autopay", { n: props.rules.autopayMonthly })}</li>
      <li>{t("bonus.rule.tenure", { n: props.rules.tenureYearly })}</li>
      <li>{t("bonus.rule.expiry", { months: props.rules.expiryMonths })}</li>
      <li>{t("bonus.rule.leave")}</li>
    </ul>
  );
}

type Result = { reward: RewardDto; redemption: RedemptionDto };

/** What the last exchange gave (kept by the page: the catalogue is redrawn when the points change). */
function RedeemResult(props: { result: Result | null }) {
  const { t, lang } = useI18n();
  return (
    <Show when={props.result}>
      {(r) => (
        <div class="notice" role="status">
          <p>
            <strong>{t("bonus.done", { title: r().reward.title })}</strong>
          </p>
          <Show
            when={r().redemption.code}
            fallback={<p>{t("bonus.credited", { amount: formatRub(r().redemption.creditedKop ?? 0, lang()) })}</p>}
          >
            <p>
              {t("bonus.code")}: <strong class="phone">{r().redemption.code}</strong>
            </p>
          </Show>
        </div>
      )}
    </Show>
  );
}

function Catalogue(props: { accountNo: string; balance: number; onRedeemed: (r: Result) => void }) {
  const { t } = useI18n();
  const online = useOnline();
  const [rewards, { refetch }] = createResource(() => props.accountNo, bonusApi.bonusRewards);
  const [chosenKind, setKind] = createSignal<(typeof KINDS)[number]>("all");
  const [confirming, setConfirming] = createSignal<RewardDto | null>(null);
  const a = createAction();
  let key = crypto.randomUUID();
  // Only the kinds this account is offered (no «Трафик» for an account without mobile service).
  const kinds = createMemo(() => KINDS.filter((k) => k === "all" || (latestOf(rewards) ?? []).some((r) => r.kind === k)));
  // A kind chosen for another account that this one is not offered falls back to all.
  const kind = () => (kinds().includes(chosenKind()) ? chosenKind() : "all");
  const shown = createMemo(() => (latestOf(rewards) ?? []).filter((r) => kind() === "all" || r.kind === kind()));
  const confirm = (reward: RewardDto) =>
    a.run(async () => {
      const redemption = await bonusApi.redeem(props.accountNo, reward.id, key);
      key = crypto.randomUUID();
      setConfirming(null);
      props.onRedeemed({ reward, redemption });
    });
  return (
    <section aria-labelledby="bonus-catalogue">
      <h2 id="bonus-catalogue">{t("bonus.catalogue")}</h2>
      <fieldset class="chips">
        <legend class="visually-hidden">{t("bonus.filter")}</legend>
        <For each={kinds()}>
          {(k) => (
            <button type="button" class="button button--small" aria-pressed={kind() === k} onClick={() => setKind(k)}>
              {t(`bonus.kind.${k}`)}
            </button>
          )}
        </For>
      </fieldset>
      <Loadable resource={rewards} onRetry={refetch}>
        {() => (
          <ul class="plain grid">
            <For each={shown()}>
              {(reward) => (
                <li class="card">
                  <h3>{reward.title}</h3>
                  <Show when={reward.partner}>
                    <p class="muted">{t("bonus.partner", { partner: reward.partner ?? "" })}</p>
                  </Show>
                  <p>{t("bonus.cost", { n: reward.cost })}</p>
                  <Show
                    when={confirming()?.id === reward.id}
                    fallback={
                      <button
                        type="button"
                        class="button"
                        disabled={reward.cost > props.balance || !online()}
                        onClick={() => {
                          a.clear();
                          setConfirming(reward);
                        }}
                      >
                        {reward.cost > props.balance ? t("bonus.notEnough") : t("bonus.redeem")}
                      </button>
                    }
                  >
                    <p>{t("bonus.confirm", { n: reward.cost })}</p>
                    <div class="actions">
                      <button type="button" class="button button--primary" disabled={a.busy()} onClick={() => confirm(reward)}>
                        {t("bonus.confirmYes")}
                      </button>
                      <button type="button" class="button" onClick={() => setConfirming(null)}>
                        {t("common.cancel")}
                      </button>
                    </div>
                  </Show>
                </li>
              )}
            </For>
          </ul>
        )}
      </Loadable>
      <ProblemAlert problem={a.problem()} />
    </section>
  );
}

/** «Бонус»: points per account, what earns them, rewards to exchange them for, history, join and leave. */
export default function BonusPage() {
  const { t, lang } = useI18n();
  const [params, setParams] = useSearchParams<{ account?: string }>();
  // The device's copy when offline, so the account is known and the points say they need the network.
  const [accounts, { refetch: refetchAccounts }] = createResource(() =>
    fetchWithSnapshot("accounts", accountsApi.accounts).then((r) => r.data.items),
  );
  const accountNo = () => params.account ?? latestOf(accounts)?.find((a) => a.role === "owner")?.accountNo;
  const [bonus, { refetch }] = createResource(accountNo, bonusApi.bonus);
  const account = () => latestOf(accounts)?.find((a) => a.accountNo === accountNo());
  const holder = () => account()?.role === "owner";
  const a = createAction();
  const [leaving, setLeaving] = createSignal(false);
  const [result, setResult] = createSignal<Result | null>(null);
  return (
    <RequireLogin>
      {() => (
        <>
          <h1>{t("bonus.title")}</h1>
          <p class="lead">{t("bonus.lead")}</p>
          <label class="field">
            <span>{t("bonus.account")}</span>
            <select value={accountNo() ?? ""} onChange={(e) => setParams({ account: e.currentTarget.value })}>
              <For each={latestOf(accounts) ?? []}>{(acc) => <option value={acc.accountNo}>{formatAccountNo(acc.accountNo)}</option>}</For>
            </select>
          </label>
          {/* Without the accounts (offline, none on the device) the points would wait for them forever. */}
          <Show
            when={accounts.state !== "errored"}
            fallback={
              <Loadable resource={accounts} onRetry={refetchAccounts}>
                {() => null}
              </Loadable>
            }
          >
            <Loadable resource={bonus} onRetry={refetch}>
              {(b) => (
                <>
                  <Show
                    when={b.status === "active"}
                    fallback={
                      <section class="card" aria-labelledby="bonus-join">
                        <h2 id="bonus-join">{t("bonus.join")}</h2>
                        <Rules rules={b.rules} />
                        <Show when={holder()} fallback={<p class="muted">{t("bonus.holderOnly")}</p>}>
                          <form
                            class="form"
                            onSubmit={(e) => {
                              e.preventDefault();
                              void a.run(async () => {
                                await bonusApi.joinBonus(b.accountNo);
                                await refetch();
                              });
                            }}
                          >
                            <label class="check">
                              <input type="checkbox" name="consent" required />
                              {t("bonus.consent")}
                            </label>
                            <button type="submit" class="button button--primary" disabled={a.busy()}>
                              {t("bonus.joinButton")}
                            </button>
                          </form>
                        </Show>
                      </section>
                    }
                  >
                    <p class="account__balance" role="status">
                      {t("bonus.points", { n: b.balance })}
                    </p>
                    <Show when={b.expiringSoon > 0}>
                      <p class="muted">{t("bonus.expiring", { n: b.expiringSoon })}</p>
                    </Show>
                    <RedeemResult result={result()} />
                    <Show when={holder()}>
                      <Catalogue
                        accountNo={b.accountNo}
                        balance={b.balance}
                        onRedeemed={(r) => {
                          setResult(r);
                          void refetch();
                        }}
                      />
                    </Show>
                    <details>
                      <summary>{t("bonus.rules")}</summary>
                      <Rules rules={b.rules} />
                    </details>
                  </Show>
                  <h2>{t("bonus.history")}</h2>
                  <Show when={b.history.length > 0} fallback={<p class="muted">{t("bonus.noHistory")}</p>}>
                    <ul class="plain history">
                      <For each={b.history}>
                        {(h) => (
                          <li class="list__row">
                            <span>{h.description[lang()]}</span>
                            <span class="muted">{formatMoment(h.createdAt, lang())}</span>
                            <strong>{h.points > 0 ? `+${h.points}` : h.points}</strong>
                          </li>
                        )}
                      </For>
                    </ul>
                  </Show>
                  <Show when={b.status === "active" && holder()}>
                    <Show
                      when={leaving()}
                      fallback={
                        <button type="button" class="link-button" onClick={() => setLeaving(true)}>
                          {t("bonus.leave")}
                        </button>
                      }
                    >
                      <div class="notice" role="alert">
                        <p>{t("bonus.leaveConfirm", { n: b.balance })}</p>
                        <div class="actions">
                          <button
                            type="button"
                            class="button"
                            disabled={a.busy()}
                            onClick={() =>
                              void a.run(async () => {
                                await bonusApi.leaveBonus(b.accountNo);
                                setLeaving(false);
                                await refetch();
                              })
                            }
                          >
                            {t("bonus.leaveYes")}
                          </button>
                          <button type="button" class="button button--primary" onClick={() => setLeaving(false)}>
                            {t("bonus.leaveNo")}
                          </button>
                        </div>
                      </div>
                    </Show>
                  </Show>
                  <ProblemAlert problem={a.problem()} />
                  <p>
                    <A href="/accounts">{t("nav.accounts")}</A>
                  </p>
                </>
              )}
            </Loadable>
          </Show>
        </>
      )}
    </RequireLogin>
  );
}
