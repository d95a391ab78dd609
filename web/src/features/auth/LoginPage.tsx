import { createSignal } from "solid-js";
import { useI18n } from "../../i18n";

/**
 * The way into the cabinet: one field for any identifier the seed names
 * (phone, email, login or account number) and a password; paste allowed.
 */
export default function LoginPage() {
  const { t } = useI18n();
  const [show, setShow] = createSignal(false);
  return (
    <section class="narrow">
      <h1>{t("login.title")}</h1>
      <form class="form" method="post" action="/api/v1/auth/login" novalidate>
        <label class="field">
          <span>{t("login.identifier")}</span>
          <input name="identifier" required autocomplete="username" inputmode="text" />
        </label>
        <label class="field">
          <span>{t("login.password")}</span>
          <input name="password" type={show() ? "text" : "password"} required autocomplete="current-password" />
        </label>
        <label class="checkbox">
          <input type="checkbox" checked={show()} onChange={(e) => setShow(e.currentTarget.checked)} />
          <span>{t("login.showPassword")}</span>
        </label>
        <button type="submit" class="button button--primary">
          {t("login.submit")}
        </button>
      </form>
    </section>
  );
}
