import { Show } from "solid-js";
import type { Problem } from "../../lib/api";

/** A problem from the API, read out by screen readers as soon as it appears. */
export function ProblemAlert(props: { problem: Problem | null }) {
  return (
    <Show when={props.problem}>
      {(p) => (
        <div class="notice notice--error" role="alert">
          <p>
            <strong>{p().title}</strong>
          </p>
          <Show when={p().detail}>
            <p>{p().detail}</p>
          </Show>
        </div>
      )}
    </Show>
  );
}
