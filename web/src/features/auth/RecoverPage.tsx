import { useNavigate } from "@solidjs/router";
import { createSignal, Show } from "solid-js";
import { useI18n } from "../../i18n";
import { type Problem, problemOf } from "../../lib/api";
import { sendCode } from "../../lib/codes";
import { authApi } from "./authApi";
import { solveCaptcha } from "./captcha";
import { ChannelChoice, CodeField, Field, NewPasswordField } from "./fields";
import { ProblemAlert } from "./ProblemAlert";
import { useSession } from "./SessionContext";

/** "Забыл пароль": identifier, a bot check, the channel, the code, a new password. */
export default function RecoverPage() {
  const { t } = useI18n();
  const { setProfile } = useSession();
  const navigate = useNavigate();
  const [channel, setChannel] = createSignal<"sms" | "email">("sms");
  const [identifier, setIdentifier] = createSignal<string | null>(null);
  const [busy, setBusy] = createSignal<false | "captcha" | "sending">(false);
  const [problem, setProblem] = createSignal<Problem | null>(null);
  // When a code had been sent a moment ago: the seconds until another can be sent (that code is still good).
  const [wait, setWait] = createSignal<number | undefined>();
  const send = async (id: string) => authApi.startRecovery(id, channel(), await solveCaptcha());

  const start = (e: SubmitEvent) => {
    e.preventDefault();
    const id = String(new FormData(e.currentTarget as HTMLFormElement).get("identifier") ?? "");
    setProblem(null);
    void (async () => {
      try {
        setBusy("captcha");
        const captcha = await solveCaptcha();
        setBusy("sending");
        setWait(await sendCode(() => authApi.startRecovery(id, channel(), captcha)));
        setIdentifier(id);
      } catch (err) {
        setProblem(problemOf(err, t("common.error")));
      } finally {
        setBusy(false);
      }
    })();
  };

  const complete = (e: SubmitEvent) => {
    e.preventDefault();
    const f = new FormData(e.currentTarget as HTMLFormElement);
    setProblem(null);
    setBusy("sending");
    void (async () => {
      try {
        setProfile(await authApi.completeRecovery(identifier() ?? "", String(f.get("code") ?? ""), String(f.get("password") ?? "")));
        navigate("/accounts", { replace: true });
      } catch (err) {
        setProblem(problemOf(err, t("common.error")));
      } finally {
        setBusy(false);
      }
    })();
  };

  return (
    <section class="narrow">
      <h1>{t("recover.title")}</h1>
      <ProblemAlert problem={problem()} />
      <Show
        when={identifier()}
        fallback={
          <form class="form" onSubmit={start} aria-busy={!!busy()} novalidate>
            <Field
              label={t("recover.identifier")}
              name="identifier"
              problem={problem()}
              required
              autocomplete="username"
              autocapitalize="none"
            />
            <ChannelChoice value={channel()} onChange={setChannel} />
            <p class="muted">{t("recover.captchaNote")}</p>
            <Show when={busy() === "captcha"}>
              <p role="status" class="loading">
                {t("recover.checking")}
              </p>
            </Show>
            <button type="submit" class="button button--primary" disabled={!!busy()}>
              {t("code.get")}
            </button>
          </form>
        }
      >
        <form class="form" onSubmit={complete} aria-busy={!!busy()} novalidate>
          <CodeField
            problem={problem()}
            notice={wait() ? t("code.alreadySent") : t("code.sentIfExists")}
            resend={() => send(identifier() ?? "")}
            waitSeconds={wait()}
          />
          <NewPasswordField problem={problem()} label={t("recover.newPassword")} />
          <button type="submit" class="button button--primary" disabled={!!busy()}>
            {t("recover.submit")}
          </button>
        </form>
      </Show>
    </section>
  );
}
