import { Navigate } from "@solidjs/router";
import { type JSX, Match, Switch } from "solid-js";
import { useI18n } from "../../i18n";
import type { ProfileDto } from "./authApi";
import { useSession } from "./SessionContext";

/** Renders its children for a logged-in subscriber, sends anyone else to the login page. */
export function RequireLogin(props: { children: (profile: () => ProfileDto) => JSX.Element }) {
  const { t } = useI18n();
  const { profile } = useSession();
  return (
    <Switch>
      <Match when={profile.state === "ready" && profile() === null}>
        <Navigate href="/login" />
      </Match>
      <Match when={profile()}>{(p) => props.children(p)}</Match>
      <Match when={true}>
        <p class="loading" role="status">
          {t("common.loading")}
        </p>
      </Match>
    </Switch>
  );
}
