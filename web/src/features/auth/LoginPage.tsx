import { A, useNavigate } from "@solidjs/router";
import { createSignal, lazy, Show } from "solid-js";
import { useI18n } from "../../i18n";
import { sendCode } from "../../lib/codes";
import { createAction } from "../../lib/createAction";
import { authApi } from "./authApi";
import { isChallengeRequired, solveCaptcha } from "./captcha";
import { ChannelChoice, CodeField, Field } from "./fields";
import { passkeyLogin } from "./Passkeys";
import { ProblemAlert } from "./ProblemAlert";
import { ProviderButtons } from "./Providers";
import { useSession } from "./SessionContext";

const HelpLinks = lazy(() => import("../help/HelpLinks"));

/**
 * The way into the cabinet: one field for any identifier the seed names
 * (phone, email, login or account number), then a password or a one-time
 * code by SMS or email. Paste is allowed everywhere.
 */
export default function LoginPage() {
  const { t } = useI18n();
  const { setProfile } = useSession();
  const navigate = useNavigate();
  const [mode, setMode] = createSignal<"password" | "code">("password");
  const [show, setShow] = createSignal(false);
  // A provider login that came back without a linked cabinet (or failed) says so here.
  const authError = new URLSearchParams(location.search).get("auth_error");
  const { busy, problem, run, clear } = createAction(
    authError === "oidc_unlinked" || authError === "oidc_failed" ? { type: authError, title: t(`oidc.${authError}`), status: 400 } : null,
  );
  const [codeSent, setCodeSent] = createSignal(false);
  // Where the code went, for «Отправить ещё раз»; and, when a code had just been sent, how long until another.
  const [sentTo, setSentTo] = createSignal("");
  const [wait, setWait] = createSignal<number | undefined>();
  const [channel, setChannel] = createSignal<"sms" | "email">("sms");

  // While many logins are failing the server asks for a solved challenge first: solved here, and the login sent once more.
  const [checking, setChecking] = createSignal(false);
  const passwordLogin = async (identifier: string, password: string) => {
    try {
      return await authApi.login(identifier, password);
    } catch (e) {
      if (!isChallengeRequired(e)) throw e;
      setChecking(true);
      try {
        return await authApi.login(identifier, password, await solveCaptcha());
      } finally {
        setChecking(false);
      }
    }
  };

  const submit = (e: SubmitEvent) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget as HTMLFormElement);
    const identifier = String(form.get("identifier") ?? "");
    void run(async () => {
      if (mode() === "password") {
        setProfile(await passwordLogin(identifier, String(form.get("password") ?? "")));
        navigate("/accounts", { replace: true });
      } else if (!codeSent()) {
        setWait(await sendCode(() => authApi.requestLoginCode(identifier, channel())));
        setSentTo(identifier);
        setCodeSent(true);
      } else {
        setProfile(await authApi.loginWithCode(identifier, String(form.get("code") ?? "")));
        navigate("/accounts", { replace: true });
      }
    });
  };

  const switchTo = (m: "password" | "code") => {
    setMode(m);
    clear();
    setCodeSent(false);
  };

  return (
    <section class="narrow">
      <h1>{t("login.title")}</h1>
      <fieldset class="segmented">
        <legend class="visually-hidden">{t("login.method")}</legend>
        <button type="button" aria-pressed={mode() === "password"} onClick={() => switchTo("password")}>
          {t("login.byPassword")}
        </button>
        <button type="button" aria-pressed={mode() === "code"} onClick={() => switchTo("code")}>
          {t("login.byCode")}
        </button>
      </fieldset>
      <form class="form" onSubmit={submit} aria-busy={busy()} novalidate>
        <ProblemAlert problem={problem()} />
        <Field
          label={t("login.identifier")}
          name="identifier"
          problem={problem()}
          required
          autocomplete="username"
          autocapitalize="none"
          spellcheck={false}
          readOnly={codeSent()}
        />
        <Show when={mode() === "password"}>
          <Field
            label={t("login.password")}
            name="password"
            problem={problem()}
            type={show() ? "text" : "password"}
            required
            autocomplete="current-password"
          />
          <label class="checkbox">
            <input type="checkbox" checked={show()} onChange={(e) => setShow(e.currentTarget.checked)} />
            <span>{t("login.showPassword")}</span>
          </label>
        </Show>
        <Show when={checking()}>
          <p role="status" class="loading">
            {t("login.checking")}
          </p>
        </Show>
        <Show when={mode() === "code" && !codeSent()}>
          <ChannelChoice value={channel()} onChange={setChannel} />
        </Show>
        <Show when={mode() === "code" && codeSent()}>
          <CodeField
            problem={problem()}
            notice={wait() ? t("code.alreadySent") : t("code.sentIfExists")}
            resend={() => authApi.requestLoginCode(sentTo(), channel())}
            waitSeconds={wait()}
          />
        </Show>
        <button type="submit" class="button button--primary" disabled={busy()}>
          {busy() ? t("common.loading") : mode() === "code" && !codeSent() ? t("code.get") : t("login.submit")}
        </button>
      </form>
      <Show when={typeof window !== "undefined" && "PublicKeyCredential" in window}>
        <p>
          <button
            type="button"
            class="button"
            disabled={busy()}
            onClick={() =>
              void run(async () => {
                setProfile(await passkeyLogin());
                navigate("/accounts", { replace: true });
              })
            }
          >
            {t("passkey.login")}
          </button>
        </p>
      </Show>
      <ProviderButtons />
      <p>
        <A href="/recover">{t("login.forgot")}</A>
      </p>
      <p>
        {t("login.noCabinet")} <A href="/register">{t("login.register")}</A>
      </p>
      <HelpLinks screen="login" />
    </section>
  );
}
