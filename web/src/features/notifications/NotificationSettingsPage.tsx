import { createResource, createSignal, For, Show, untrack } from "solid-js";
import { Loadable } from "../../app/Loadable";
import { useI18n } from "../../i18n";
import { createAction, createEdit } from "../../lib/createAction";
import { formatAccountNo } from "../../lib/format";
import { useOnline } from "../../lib/online";
import { currentSubscription, disablePush, enablePush, permission } from "../../lib/push";
import { latestOf } from "../../lib/resource";
import { accountsApi } from "../accounts/accountsApi";
import { ProblemAlert } from "../auth/ProblemAlert";
import { RequireLogin } from "../auth/RequireLogin";
import { useSession } from "../auth/SessionContext";
import { type Channel, type NotificationPrefsDto, notificationsApi } from "./notificationsApi";

const CHANNELS: Channel[] = ["sms", "email", "push", "inapp"];

type Quiet = { on: boolean; from: string; to: string };
const quietOf = (p: NotificationPrefsDto): Quiet => ({ on: p.quiet !== null, from: p.quiet?.from ?? "22:00", to: p.quiet?.to ?? "08:00" });

/** Push on this device: on, off, blocked by the browser, or not available here. */
function PushDevice() {
  const { t, lang } = useI18n();
  const session = useSession();
  const [sub, { refetch }] = createResource(currentSubscription);
  const a = createAction();
  const state = () => (permission() === "unsupported" ? "unsupported" : permission() === "denied" ? "denied" : sub() ? "on" : "off");
  return (
    <section class="card" aria-labelledby="push-device">
      <h2 id="push-device" class="small-heading">
        {t("push.device.title")}
      </h2>
      <p role="status">{t(`push.device.${state()}`)}</p>
      <p class="muted">{t("push.offer.how")}</p>
      <Show when={state() === "off"}>
        <button
          type="button"
          class="button button--primary"
          disabled={a.busy()}
          onClick={() =>
            a.run(async () => {
              await enablePush(lang(), session.profile()?.id ?? "");
              await refetch();
            })
          }
        >
          {t("push.offer.enable")}
        </button>
      </Show>
      <Show when={state() === "on"}>
        <button
          type="button"
          class="button"
          disabled={a.busy()}
          onClick={() =>
            a.run(async () => {
              await disablePush();
              await refetch();
            })
          }
        >
          {t("push.device.disable")}
        </button>
      </Show>
      <ProblemAlert problem={a.problem()} />
    </section>
  );
}

/** «Доставка уведомлений»: for each kind of event, the channels; for all accounts or one; quiet hours; promotions. */
export default function NotificationSettingsPage() {
  const { t } = useI18n();
  const online = useOnline();
  const [accountNo, setAccountNo] = createSignal("*");
  const [accounts] = createResource(() => accountsApi.accounts().then((r) => r.items));
  const [prefs, { refetch }] = createResource(accountNo, (no) => notificationsApi.notificationPrefs(no));
  const a = createAction();
  // The quiet hours and the consent are the subscriber's, whichever account is chosen (the Worker keeps one row of them
  // per subscriber and sends it with every account's channels): changed and not saved yet, they are kept here. The form
  // is drawn again each time the preferences come (another account chosen, a reset, a save), which put back the hours
  // last saved over those typed. The channels are an account's own: another account chosen shows its channels.
  const quiet = createEdit<Quiet>();
  const marketing = createEdit<boolean>();
  // Read once as the form is drawn: a time box written again as it is typed would lose a half-typed time.
  const quietShown = (p: NotificationPrefsDto) => untrack(() => quiet.value() ?? quietOf(p));
  const marketingShown = (p: NotificationPrefsDto) => untrack(() => marketing.value() ?? p.marketing);
  const changeQuiet = (p: NotificationPrefsDto, change: Partial<Quiet>) => quiet.set({ ...(quiet.value() ?? quietOf(p)), ...change });
  // The channels ticked are read from the form, as the quiet hours and the consent are: a tick kept in the preferences
  // drew the whole form again, which put back the quiet hours typed and not saved yet (and took the focus off the box).
  const save = (e: SubmitEvent, p: NotificationPrefsDto) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget as HTMLFormElement);
    const quietOn = form.get("quietOn") === "on";
    const was = { quiet: quiet.value(), marketing: marketing.value() };
    void a.run(async () => {
      await notificationsApi.setNotificationPrefs({
        accountNo: p.accountNo,
        kinds: p.kinds.map((k) => ({ kind: k.kind, channels: CHANNELS.filter((c) => form.get(`${k.kind}.${c}`) === "on") })),
        quiet: quietOn ? { from: String(form.get("quietFrom")), to: String(form.get("quietTo")) } : null,
        marketing: form.get("marketing") === "on",
      });
      await refetch();
      quiet.sent(was.quiet);
      marketing.sent(was.marketing);
      return t("prefs.saved");
    });
  };
  const reset = () =>
    void a.run(async () => {
      await notificationsApi.setNotificationPrefs({ accountNo: accountNo(), kinds: [], reset: true });
      await refetch();
      return t("prefs.resetDone");
    });
  return (
    <RequireLogin>
      {() => (
        <>
          <h1>{t("prefs.title")}</h1>
          <p class="lead">{t("prefs.lead")}</p>
          <PushDevice />
          <label class="field">
            <span>{t("prefs.for")}</span>
            <select value={accountNo()} onChange={(e) => setAccountNo(e.currentTarget.value)}>
              <option value="*">{t("prefs.allAccounts")}</option>
              <For each={latestOf(accounts) ?? []}>{(acc) => <option value={acc.accountNo}>{formatAccountNo(acc.accountNo)}</option>}</For>
            </select>
          </label>
          <Loadable resource={prefs} onRetry={refetch}>
            {(p) => (
              <form class="form prefs" onSubmit={(e) => save(e, p)}>
                <Show when={p.accountNo !== "*"}>
                  <p class="muted">
                    {p.kinds.some((k) => !k.isDefault) ? t("prefs.ownChoice") : t("prefs.followsAll")}{" "}
                    <button type="button" class="link-button" onClick={reset} disabled={a.busy() || !online()}>
                      {t("prefs.reset")}
                    </button>
                  </p>
                </Show>
                <For each={p.kinds}>
                  {(k) => (
                    <fieldset class="prefs__kind">
                      <legend>{k.label}</legend>
                      <div class="chips">
                        <For each={CHANNELS}>
                          {(c) => (
                            <label class="check">
                              <input
                                type="checkbox"
                                name={`${k.kind}.${c}`}
                                checked={k.channels.includes(c)}
                                disabled={k.marketing && !p.marketing && c !== "inapp" && !k.channels.includes(c)}
                              />
                              {t(`prefs.channel.${c}`)}
                            </label>
                          )}
                        </For>
                      </div>
                      <Show when={k.required}>
                        <p class="muted small">{t("prefs.required")}</p>
                      </Show>
                      <Show when={k.urgent}>
                        <p class="muted small">{t("prefs.urgent")}</p>
                      </Show>
                    </fieldset>
                  )}
                </For>
                <fieldset>
                  <legend>{t("prefs.quiet")}</legend>
                  <label class="check">
                    <input
                      type="checkbox"
                      name="quietOn"
                      checked={quietShown(p).on}
                      onChange={(e) => changeQuiet(p, { on: e.currentTarget.checked })}
                    />
                    {t("prefs.quietOn")}
                  </label>
                  <div class="chips">
                    <label class="field">
                      <span>{t("prefs.quietFrom")}</span>
                      <input
                        type="time"
                        name="quietFrom"
                        value={quietShown(p).from}
                        onInput={(e) => changeQuiet(p, { from: e.currentTarget.value })}
                        required
                      />
                    </label>
                    <label class="field">
                      <span>{t("prefs.quietTo")}</span>
                      <input
                        type="time"
                        name="quietTo"
                        value={quietShown(p).to}
                        onInput={(e) => changeQuiet(p, { to: e.currentTarget.value })}
                        required
                      />
                    </label>
                  </div>
                  <p class="muted small">{t("prefs.quietHelp")}</p>
                </fieldset>
                <label class="check">
                  <input
                    type="checkbox"
                    name="marketing"
                    checked={marketingShown(p)}
                    onChange={(e) => marketing.set(e.currentTarget.checked)}
                  />
                  {t("prefs.marketing")}
                </label>
                <ProblemAlert problem={a.problem()} />
                <Show when={a.done()}>
                  <p role="status">{a.done()}</p>
                </Show>
                <Show when={!online()}>
                  <p class="muted">{t("prefs.offline")}</p>
                </Show>
                <button type="submit" class="button button--primary" disabled={a.busy() || !online()}>
                  {t("prefs.save")}
                </button>
              </form>
            )}
          </Loadable>
        </>
      )}
    </RequireLogin>
  );
}
