import { Router } from "@solidjs/router";
import { createResource, createSignal, Match, Show, Switch } from "solid-js";
import { SessionProvider } from "../features/auth/SessionContext";
import { InboxProvider } from "../features/notifications/InboxContext";
import { ApexPage } from "../features/region/ApexPage";
import { RegionProvider } from "../features/region/RegionContext";
import { regionApi } from "../features/region/regionApi";
import { useI18n } from "../i18n";
import { afterPaint } from "../lib/afterPaint";
import { ApiError } from "../lib/api";
import { routes } from "./routes";
import { Shell } from "./Shell";
import UpdatePrompt from "./UpdatePrompt";

/** Loads the region context of this host, then shows the apex picker or the regional site. */
export function App() {
  const { t } = useI18n();
  const [context, { refetch }] = createResource(regionApi.region);
  const [painted, setPainted] = createSignal(false);
  afterPaint(() => setPainted(true));
  // Where the update announcement appears: before the site, in the page's flow.
  const [top, setTop] = createSignal<HTMLElement>();
  return (
    <>
      <div ref={setTop} class="update-slot" />
      <Switch>
        <Match when={context.state === "errored"}>
          <main class="page" id="main">
            <div class="notice notice--error" role="alert">
              <p>{context.error instanceof ApiError ? context.error.problem.title : t("common.error")}</p>
              <button type="button" class="button" onClick={() => refetch()}>
                {t("common.retry")}
              </button>
            </div>
          </main>
        </Match>
        <Match when={context.latest === undefined}>
          <p class="loading page" role="status" aria-live="polite">
            {t("common.loading")}
          </p>
        </Match>
        <Match when={context.latest && !context.latest.region && context.latest}>{(ctx) => <ApexPage context={ctx()} />}</Match>
        <Match when={context.latest?.region && context.latest}>
          {(ctx) => (
            <RegionProvider context={ctx()} region={ctx().region as NonNullable<ReturnType<typeof ctx>["region"]>}>
              <SessionProvider>
                <InboxProvider>
                  <Router root={Shell}>{routes}</Router>
                </InboxProvider>
              </SessionProvider>
            </RegionProvider>
          )}
        </Match>
      </Switch>
      {/* Registers the service worker: after the first paint, in a task of its own. */}
      <Show when={painted() && top()}>{(slot) => <UpdatePrompt baseDomain={context.latest?.baseDomain} top={slot()} />}</Show>
    </>
  );
}
