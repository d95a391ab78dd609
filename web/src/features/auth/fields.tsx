import { createMemo, createResource, createSignal, createUniqueId, For, type JSX, onCleanup, Show } from "solid-js";
import { useI18n } from "../../i18n";
import { ApiError, type Problem } from "../../lib/api";
import { RESEND_AFTER_SECONDS } from "../../lib/codes";

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

/**
 * «Отправить код ещё раз»: unavailable, with the time left, until the server would take another code (a minute
 * after the last one, or what its Retry-After said), then sends one. The time left is counted from the clock, so
 * it does not stop in a background tab; it is not announced every second, only the outcome of a send is.
 */
export function ResendCode(props: { resend: () => Promise<unknown>; waitSeconds?: number }) {
  const { t } = useI18n();
  const [until, setUntil] = createSignal(Date.now() + (props.waitSeconds ?? RESEND_AFTER_SECONDS) * 1000);
  const [now, setNow] = createSignal(Date.now());
  const [busy, setBusy] = createSignal(false);
  const [status, setStatus] = createSignal<{ text: string; error: boolean } | null>(null);
  const timer = setInterval(() => setNow(Date.now()), 1000);
  onCleanup(() => clearInterval(timer));
  const left = () => Math.max(0, Math.ceil((until() - now()) / 1000));
  const clock = () => `${Math.floor(left() / 60)}:${String(left() % 60).padStart(2, "0")}`;
  const send = async () => {
    setBusy(true);
    setStatus(null);
    try {
      await props.resend();
      setUntil(Date.now() + RESEND_AFTER_SECONDS * 1000);
      setStatus({ text: t("code.resent"), error: false });
    } catch (e) {
      const problem = e instanceof ApiError ? e.problem : null;
      if (problem?.retryAfter) setUntil(Date.now() + problem.retryAfter * 1000);
      setStatus({ text: problem?.title ?? t("common.error"), error: true });
    } finally {
      setNow(Date.now());
      setBusy(false);
    }
  };
  return (
    <div class="resend">
      <button type="button" class="link-button" disabled={busy() || left() > 0} onClick={() => void send()}>
        {left() > 0 ? t("code.resendIn", { time: clock() }) : t("code.resend")}
      </button>
      <span role="status" class={status()?.error ? "field__error" : "muted"}>
        {status()?.text ?? ""}
      </span>
    </div>
  );
}

/** Where the code went (announced), then its input: digits, autofill from SMS; with `resend`, a way to get another. */
export function CodeField(props: { problem: Problem | null; notice: string; resend?: () => Promise<unknown>; waitSeconds?: number }) {
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
      <Show when={props.resend}>{(resend) => <ResendCode resend={resend()} waitSeconds={props.waitSeconds} />}</Show>
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
