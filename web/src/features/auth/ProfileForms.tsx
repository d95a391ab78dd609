import { createSignal, Match, Show, Switch } from "solid-js";
import { useI18n } from "../../i18n";
import { ApiError } from "../../lib/api";
import { tooSoonFor } from "../../lib/codes";
import { createAction } from "../../lib/createAction";
import { startStepUp } from "../../lib/stepUp";
import { authApi } from "./authApi";
import { CodeField, Field, NewPasswordField } from "./fields";
import { ProblemAlert } from "./ProblemAlert";
import { useSession } from "./SessionContext";

/**
 * Change the password, confirmed by a code sent by SMS (step-up); a
 * subscriber without a phone confirms with the current password instead.
 * Other sessions end.
 */
export function ChangePasswordForm() {
  const { t } = useI18n();
  const { profile } = useSession();
  const a = createAction();
  const [stage, setStage] = createSignal<"enter" | "code">("enter");
  const [pending, setPending] = createSignal("");
  const hasPhone = () => !!profile()?.phone;
  const submit = (e: SubmitEvent) => {
    e.preventDefault();
    const form = e.currentTarget as HTMLFormElement;
    const f = new FormData(form);
    void a.run(async () => {
      if (stage() === "enter") {
        const next = String(f.get("newPassword") ?? "");
        if (!hasPhone()) {
          await authApi.changePassword(String(f.get("currentPassword") ?? ""), next);
          form.reset();
          return t("profile.passwordChanged");
        }
        setPending(next);
        await startStepUp();
        setStage("code");
        return undefined;
      }
      await authApi.verifyStepUp(String(f.get("code") ?? ""));
      await authApi.changePassword("", pending());
      setPending("");
      setStage("enter");
      form.reset();
      return t("profile.passwordChanged");
    });
  };
  return (
    <form class="form card" onSubmit={submit} aria-busy={a.busy()} novalidate>
      <h3>{t("profile.changePassword")}</h3>
      <ProblemAlert problem={a.problem()} />
      <Switch>
        <Match when={stage() === "enter"}>
          <Show when={!hasPhone()}>
            <Field
              label={t("profile.currentPassword")}
              name="currentPassword"
              problem={a.problem()}
              type="password"
              autocomplete="current-password"
              required
            />
          </Show>
          <NewPasswordField
            problem={a.problem()}
            name="newPassword"
            label={t("recover.newPassword")}
            personal={() => [profile()?.login ?? "", profile()?.phone ?? "", profile()?.email ?? ""]}
          />
        </Match>
        <Match when={stage() === "code"}>
          <CodeField problem={a.problem()} notice={t("stepUp.sent")} resend={authApi.startStepUp} />
        </Match>
      </Switch>
      <p role="status">{a.done()}</p>
      <button type="submit" class="button button--primary" disabled={a.busy()}>
        {stage() === "enter" ? t("profile.save") : t("code.confirm")}
      </button>
    </form>
  );
}

/**
 * Change the phone or email, confirmed by a code sent to the new one. The
 * phone also receives step-up codes, so changing it first asks for a code
 * sent to the current phone.
 */
export function ChangeContactForm(props: { kind: "phone" | "email" }) {
  const { t } = useI18n();
  const { setProfile } = useSession();
  const a = createAction();
  const [stage, setStage] = createSignal<"enter" | "stepUp" | "confirm">("enter");
  const [value, setValue] = createSignal("");

  const requestChange = async () => {
    try {
      await authApi.startContactChange(props.kind, value());
      setStage("confirm");
    } catch (e) {
      if (e instanceof ApiError && e.problem.type.endsWith("step-up-required")) {
        await startStepUp();
        setStage("stepUp");
        return;
      }
      // A code sent to the new contact a moment ago is still good.
      if (tooSoonFor(e) !== null) {
        setStage("confirm");
        return;
      }
      throw e;
    }
  };

  const submit = (e: SubmitEvent) => {
    e.preventDefault();
    const form = e.currentTarget as HTMLFormElement;
    const f = new FormData(form);
    void a.run(async () => {
      if (stage() === "enter") {
        setValue(String(f.get(props.kind) ?? ""));
        await requestChange();
      } else if (stage() === "stepUp") {
        await authApi.verifyStepUp(String(f.get("code") ?? ""));
        form.reset();
        await requestChange();
      } else {
        setProfile(await authApi.confirmContactChange(props.kind, String(f.get("code") ?? "")));
        setStage("enter");
        form.reset();
        return t("profile.contactChanged");
      }
      return undefined;
    });
  };

  return (
    <form class="form card" onSubmit={submit} aria-busy={a.busy()} novalidate>
      <h3>{t(props.kind === "phone" ? "profile.changePhone" : "profile.changeEmail")}</h3>
      <ProblemAlert problem={a.problem()} />
      <Switch>
        <Match when={stage() === "enter"}>
          <Field
            label={t(props.kind === "phone" ? "profile.newPhone" : "profile.newEmail")}
            name={props.kind}
            problem={a.problem()}
            type={props.kind === "phone" ? "tel" : "email"}
            required
          />
        </Match>
        <Match when={stage() === "stepUp"}>
          <CodeField problem={a.problem()} notice={t("stepUp.sent")} resend={authApi.startStepUp} />
        </Match>
        <Match when={stage() === "confirm"}>
          <CodeField problem={a.problem()} notice={t("profile.codeToNew")} resend={() => authApi.startContactChange(props.kind, value())} />
        </Match>
      </Switch>
      <p role="status">{a.done()}</p>
      <button type="submit" class="button button--primary" disabled={a.busy()}>
        {stage() === "enter" ? t("code.get") : t("code.confirm")}
      </button>
    </form>
  );
}
