import { createResource, createSignal, For, Show } from "solid-js";
import { Loadable } from "../../app/Loadable";
import { useI18n } from "../../i18n";
import { ApiError, type Problem } from "../../lib/api";
import { formatPhone } from "../../lib/format";
import { authApi, type SessionDto } from "./authApi";
import { PasskeysSection } from "./Passkeys";
import { ProblemAlert } from "./ProblemAlert";
import { ChangeContactForm, ChangePasswordForm } from "./ProfileForms";
import { LinkedProviders } from "./Providers";
import { RequireLogin } from "./RequireLogin";
import { useSession } from "./SessionContext";

/** A short device name from a User-Agent string ("Chrome on Android"). */
export function deviceName(ua: string | null): string {
  if (!ua) return "—";
  const browser = /Edg\//.test(ua)
    ? "Edge"
    : /YaBrowser/.test(ua)
      ? "Yandex Browser"
      : /Firefox\//.test(ua)
        ? "Firefox"
        : /Chrome\//.test(ua)
          ? "Chrome"
          : /Safari\//.test(ua)
            ? "Safari"
            : "";
  const os = /Android/.test(ua)
    ? "Android"
    : /iPhone|iPad/.test(ua)
      ? "iOS"
      : /Windows/.test(ua)
        ? "Windows"
        : /Mac OS X/.test(ua)
          ? "macOS"
          : /Linux/.test(ua)
            ? "Linux"
            : "";
  return [browser, os].filter(Boolean).join(" · ") || ua.slice(0, 40);
}

/** The subscriber's profile and the devices where they are logged in. */
export default function ProfilePage() {
  const { t, lang } = useI18n();
  const { profile, logout } = useSession();
  const [sessions, { refetch }] = createResource(() => profile() ?? false, authApi.sessions);
  const [problem, setProblem] = createSignal<Problem | null>(null);
  const act = async (fn: () => Promise<void>) => {
    setProblem(null);
    try {
      await fn();
      await refetch();
    } catch (e) {
      setProblem(e instanceof ApiError ? e.problem : { type: "network", title: t("common.error"), status: 0 });
    }
  };
  const date = (iso: string) =>
    new Date(iso).toLocaleString(lang() === "ru" ? "ru-RU" : "en-GB", { dateStyle: "medium", timeStyle: "short" });

  return (
    <RequireLogin>
      {(p) => (
        <>
          <h1>{p().displayName}</h1>
          <dl class="facts">
            <Show when={p().phone}>
              <dt>{t("profile.phone")}</dt>
              <dd>{formatPhone(p().phone ?? "")}</dd>
            </Show>
            <Show when={p().email}>
              <dt>{t("profile.email")}</dt>
              <dd>{p().email}</dd>
            </Show>
            <Show when={p().login}>
              <dt>{t("profile.login")}</dt>
              <dd>{p().login}</dd>
            </Show>
          </dl>
          <h2>{t("profile.security")}</h2>
          <div class="grid">
            <ChangePasswordForm />
            <ChangeContactForm kind="phone" />
            <ChangeContactForm kind="email" />
          </div>
          <PasskeysSection />
          <LinkedProviders />
          <h2>{t("profile.devices")}</h2>
          <ProblemAlert problem={problem()} />
          <Loadable resource={sessions} onRetry={refetch}>
            {(items) => (
              <>
                <ul class="list">
                  <For each={items as SessionDto[]}>
                    {(s) => (
                      <li class="list__row">
                        <span>
                          <strong>{deviceName(s.userAgent)}</strong>
                          <Show when={s.current}> — {t("profile.thisDevice")}</Show>
                          <br />
                          <span class="muted">{t("profile.lastSeen", { when: date(s.lastSeenAt) })}</span>
                        </span>
                        <Show when={!s.current}>
                          <button type="button" class="button" onClick={() => act(() => authApi.endSession(s.id))}>
                            {t("profile.endSession")}
                          </button>
                        </Show>
                      </li>
                    )}
                  </For>
                </ul>
                <Show when={(items as SessionDto[]).length > 1}>
                  <p>
                    <button type="button" class="button" onClick={() => act(authApi.endOtherSessions)}>
                      {t("profile.endOthers")}
                    </button>
                  </p>
                </Show>
              </>
            )}
          </Loadable>
          <p>
            <button type="button" class="button" onClick={() => act(logout)}>
              {t("nav.logout")}
            </button>
          </p>
        </>
      )}
    </RequireLogin>
  );
}
