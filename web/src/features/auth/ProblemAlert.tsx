import { Show } from "solid-js";
import type { Problem } from "../../lib/api";

/**
 * A problem from the API, read out by screen readers as soon as it appears. When its fields already say the
 * title (a wrong code: «Неверный или устаревший код» under the code field), only the detail is shown here, so
 * the same words are not printed, and read out, twice.
 */
export function ProblemAlert(props: { problem: Problem | null }) {
  const saidByField = (p: Problem) => (p.errors ?? []).length > 0 && (p.errors ?? []).every((e) => e.message === p.title);
  return (
    <Show when={props.problem && (!saidByField(props.problem) || props.problem.detail) ? props.problem : null}>
      {(p) => (
        <div class="notice notice--error" role="alert">
          <Show when={!saidByField(p())}>
            <p>
              <strong>{p().title}</strong>
            </p>
          </Show>
          <Show when={p().detail}>
            <p>{p().detail}</p>
          </Show>
        </div>
      )}
    </Show>
  );
}
