import { type JSX, Match, type Resource, Switch } from "solid-js";
import { useI18n } from "../i18n";
import { ApiError } from "../lib/api";
import { isUnreachable } from "../lib/reachable";

/**
 * Loading, error (with retry) and ready states of a resource, announced to screen readers. Data that could not be
 * fetched because there is no network (and has no copy on the device) says that it needs the network, not that
 * something failed.
 */
export function Loadable<T>(props: { resource: Resource<T>; onRetry: () => void; children: (value: T) => JSX.Element }) {
  const { t } = useI18n();
  return (
    <Switch>
      <Match when={props.resource.state === "errored"}>
        <div class="notice" classList={{ "notice--error": !isUnreachable(props.resource.error) }} role="alert">
          <p>
            {props.resource.error instanceof ApiError
              ? props.resource.error.problem.title
              : isUnreachable(props.resource.error)
                ? t("common.needNetwork")
                : t("common.error")}
          </p>
          <button type="button" class="button" onClick={() => props.onRetry()}>
            {t("common.retry")}
          </button>
        </div>
      </Match>
      {/* After an error, a retry is "refreshing" with no value yet: that is still loading. */}
      <Match when={props.resource.latest === undefined}>
        <p class="loading" role="status" aria-live="polite">
          {t("common.loading")}
        </p>
      </Match>
      <Match when={props.resource.latest !== undefined}>{props.children(props.resource.latest as T)}</Match>
    </Switch>
  );
}
