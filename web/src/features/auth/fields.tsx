import { createMemo, createResource, createSignal, createUniqueId, For, type JSX, Show } from "solid-js";
import { useI18n } from "../../i18n";
import type { Problem } from "../../lib/api";

/** The field error the API gave for `name`, if any. */
export function fieldError(problem: Problem | null, name: string): string | undefined {
  return problem?.errors?.find((e) => e.field === name)?.message;
}

/** A labelled input with its error announced and linked by aria-describedby. */
export function Field(
  props: { label: string; name: string; problem: Problem | null; hint?: string } & JSX.InputHTMLAttributes<HTMLInputElement>,
) {
  const error = () => fieldError(props.problem, props.name);
  // Unique per field, not per name: one page has several forms with a "threshold" or "amount" field.
  const id = `f-${props.name}-${createUniqueId()}`;
  return (
    <div class="field">
      <label for={id}>{props.label}</label>
      <input
        {...props}
        id={id}
        aria-invalid={error() ? "true" : undefined}
        aria-describedby={[error() ? `${id}-err` : "", props.hint ? `${id}-hint` : ""].filter(Boolean).join(" ") || undefined}
      />
      <Show when={props.hint}>
        <small id={`${id}-hint`} class="muted">
          {props.hint}
        </small>
      </Show>
      <Show when={error()}>
        <small id={`${id}-err`} class="field__error">
          {error()}
        </small>
      </Show>
    </div>
  );
}

/** Where the code went (announced), then its input: digits, autofill from SMS. */
export function CodeField(props: { problem: Problem | null; notice: string }) {
  const { t } = useI18n();
  return (
    <>
      <p class="notice" role="status">
        {props.notice}
      </p>
      <Field
        label={t("code.label")}
        name="code"
        problem={props.problem}
        inputmode="numeric"
        autocomplete="one-time-code"
        pattern="\d{6}"
        maxlength={6}
        required
      />
    </>
  );
}

/**
 * New password with "show password" and a strength meter (zxcvbn, loaded
 * on demand) that encourages passphrases; the server has the final word.
 */
export function NewPasswordField(props: { problem: Problem | null; name?: string; label: string; personal?: () => string[] }) {
  const { t } = useI18n();
  const [show, setShow] = createSignal(false);
  const [value, setValue] = createSignal("");
  const [zxcvbn] = createResource(async () => {
    const [{ ZxcvbnFactory }, common] = await Promise.all([import("@zxcvbn-ts/core"), import("@zxcvbn-ts/language-common")]);
    return new ZxcvbnFactory({ dictionary: common.dictionary, graphs: common.adjacencyGraphs });
  });
  const score = createMemo(() => {
    const z = zxcvbn();
    const v = value();
    if (!z || !v) return null;
    return v.length < 8 ? 0 : z.check(v, props.personal?.() ?? []).score;
  });
  const labels = () => t("password.strength").split(",");
  const name = props.name ?? "password";
  return (
    <div class="field">
      <Field
        label={props.label}
        name={name}
        problem={props.problem}
        type={show() ? "text" : "password"}
        autocomplete="new-password"
        minlength={8}
        required
        hint={t("password.hint")}
        onInput={(e) => setValue(e.currentTarget.value)}
      />
      <Show when={score() !== null}>
        <div class="strength">
          <meter min={0} max={4} low={2} high={3} optimum={4} value={score() ?? 0} aria-label={t("password.strengthLabel")} />
          <span aria-live="polite">{labels()[score() ?? 0]}</span>
        </div>
      </Show>
      <label class="checkbox">
        <input type="checkbox" checked={show()} onChange={(e) => setShow(e.currentTarget.checked)} />
        <span>{t("login.showPassword")}</span>
      </label>
    </div>
  );
}

/** Radio group for the code channel. */
export function ChannelChoice(props: { value: "sms" | "email"; onChange: (v: "sms" | "email") => void }) {
  const { t } = useI18n();
  return (
    <fieldset class="radios">
      <legend>{t("code.channel")}</legend>
      <For each={["sms", "email"] as const}>
        {(ch) => (
          <label class="checkbox">
            <input type="radio" name="channel" value={ch} checked={props.value === ch} onChange={() => props.onChange(ch)} />
            <span>{t(`code.channel.${ch}`)}</span>
          </label>
        )}
      </For>
    </fieldset>
  );
}
