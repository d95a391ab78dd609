import { useNavigate } from "@solidjs/router";
import { createSignal } from "solid-js";
import { useI18n } from "../../i18n";
import { ApiError, api, type Problem } from "../../lib/api";
import { ProblemAlert } from "./ProblemAlert";
import { useSession } from "./SessionContext";

/**
 * The way into the cabinet: one field for any identifier the seed names
 * (phone, email, login or account number) and a password; paste allowed.
 */
export default function LoginPage() {
  const { t } = useI18n();
  const { setProfile } = useSession();
  const navigate = useNavigate();
  const [show, setShow] = createSignal(false);
  const [busy, setBusy] = createSignal(false);
  const [problem, setProblem] = createSignal<Problem | null>(null);

  const submit = async (e: SubmitEvent) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget as HTMLFormElement);
    setBusy(true);
    setProblem(null);
    try {
      const profile = await api.login(String(form.get("identifier") ?? ""), String(form.get("password") ?? ""));
      setProfile(profile);
      navigate("/profile", { replace: true });
    } catch (err) {
      setProblem(err instanceof ApiError ? err.problem : { type: "network", title: t("common.error"), status: 0 });
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="narrow">
      <h1>{t("login.title")}</h1>
      <form class="form" onSubmit={submit} aria-busy={busy()} novalidate>
        <ProblemAlert problem={problem()} />
        <label class="field">
          <span>{t("login.identifier")}</span>
          <input name="identifier" required autocomplete="username" autocapitalize="none" spellcheck={false} />
        </label>
        <label class="field">
          <span>{t("login.password")}</span>
          <input name="password" type={show() ? "text" : "password"} required autocomplete="current-password" />
        </label>
        <label class="checkbox">
          <input type="checkbox" checked={show()} onChange={(e) => setShow(e.currentTarget.checked)} />
          <span>{t("login.showPassword")}</span>
        </label>
        <button type="submit" class="button button--primary" disabled={busy()}>
          {busy() ? t("common.loading") : t("login.submit")}
        </button>
      </form>
    </section>
  );
}
