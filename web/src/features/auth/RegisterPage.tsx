import { useNavigate } from "@solidjs/router";
import { createSignal, Match, Show, Switch } from "solid-js";
import { useI18n } from "../../i18n";
import { sendCode } from "../../lib/codes";
import { createAction } from "../../lib/createAction";
import { authApi, type RegisterBy } from "./authApi";
import { ChannelChoice, CodeField, Field, NewPasswordField } from "./fields";
import { ProblemAlert } from "./ProblemAlert";
import { useSession } from "./SessionContext";

/** Registration of an existing subscriber: by account number, phone or email, then a code, a login and a password. */
export default function RegisterPage() {
  const { t } = useI18n();
  const { setProfile } = useSession();
  const navigate = useNavigate();
  const [by, setBy] = createSignal<RegisterBy["by"]>("account");
  const [channel, setChannel] = createSignal<"sms" | "email">("sms");
  const [target, setTarget] = createSignal<RegisterBy | null>(null);
  const [login, setLogin] = createSignal("");
  const [wait, setWait] = createSignal<number | undefined>();
  const { busy, problem, run } = createAction();

  const start = (e: SubmitEvent) => {
    e.preventDefault();
    const v = String(new FormData(e.currentTarget as HTMLFormElement).get(by() === "account" ? "accountNo" : by()) ?? "");
    const body: RegisterBy =
      by() === "account"
        ? { by: "account", accountNo: v, channel: channel() }
        : by() === "phone"
          ? { by: "phone", phone: v }
          : { by: "email", email: v };
    void run(async () => {
      setWait(await sendCode(() => authApi.startRegistration(body)));
      setTarget(body);
    });
  };

  const complete = (e: SubmitEvent) => {
    e.preventDefault();
    const f = new FormData(e.currentTarget as HTMLFormElement);
    const t0 = target();
    if (!t0) return;
    void run(async () => {
      setProfile(
        await authApi.completeRegistration({
          ...t0,
          code: String(f.get("code") ?? ""),
          login: String(f.get("login") ?? ""),
          password: String(f.get("password") ?? ""),
          displayName: String(f.get("displayName") ?? "") || undefined,
        }),
      );
      navigate("/accounts", { replace: true });
    });
  };

  return (
    <section class="narrow">
      <h1>{t("register.title")}</h1>
      <ProblemAlert problem={problem()} />
      <Show
        when={target()}
        fallback={
          <form class="form" onSubmit={start} aria-busy={busy()} novalidate>
            <fieldset class="radios">
              <legend>{t("register.by")}</legend>
              {(["account", "phone", "email"] as const).map((b) => (
                <label class="checkbox">
                  <input type="radio" name="by" checked={by() === b} onChange={() => setBy(b)} />
                  <span>{t(`register.by.${b}`)}</span>
                </label>
              ))}
            </fieldset>
            <Switch>
              <Match when={by() === "account"}>
                <Field label={t("register.accountNo")} name="accountNo" problem={problem()} inputmode="numeric" required />
                <ChannelChoice value={channel()} onChange={setChannel} />
              </Match>
              <Match when={by() === "phone"}>
                <Field label={t("profile.phone")} name="phone" problem={problem()} type="tel" autocomplete="tel" required />
              </Match>
              <Match when={by() === "email"}>
                <Field label={t("profile.email")} name="email" problem={problem()} type="email" autocomplete="email" required />
              </Match>
            </Switch>
            <button type="submit" class="button button--primary" disabled={busy()}>
              {t("code.get")}
            </button>
          </form>
        }
      >
        <form class="form" onSubmit={complete} aria-busy={busy()} novalidate>
          <CodeField
            problem={problem()}
            notice={wait() ? t("code.alreadySent") : t("register.codeSent")}
            resend={() => authApi.startRegistration(target() as RegisterBy)}
            waitSeconds={wait()}
          />
          <Field label={t("register.name")} name="displayName" problem={problem()} autocomplete="name" />
          <Field
            label={t("profile.login")}
            name="login"
            problem={problem()}
            required
            autocomplete="username"
            autocapitalize="none"
            hint={t("register.loginHint")}
            onInput={(e) => setLogin(e.currentTarget.value)}
          />
          <NewPasswordField problem={problem()} label={t("login.password")} personal={() => [login()]} />
          <button type="submit" class="button button--primary" disabled={busy()}>
            {t("register.submit")}
          </button>
        </form>
      </Show>
    </section>
  );
}
