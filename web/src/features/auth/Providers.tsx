import { createResource, createSignal, For, Show } from "solid-js";
import { Loadable } from "../../app/Loadable";
import { useI18n } from "../../i18n";
import { type Problem, problemOf } from "../../lib/api";
import { latestOf } from "../../lib/resource";
import { authApi } from "./authApi";
import { ProblemAlert } from "./ProblemAlert";

/** "Войти через Госуслуги" and the other configured providers (plain links: the browser goes to the provider). */
export function ProviderButtons() {
  const { t, lang } = useI18n();
  const [providers] = createResource(authApi.providers);
  return (
    <Show when={(latestOf(providers) ?? []).length > 0}>
      <section aria-labelledby="providers-title">
        <h2 id="providers-title" class="small-heading">
          {t("oidc.loginWith")}
        </h2>
        <ul class="plain provider-list">
          <For each={latestOf(providers)}>
            {(p) => (
              <li>
                <a class="button" href={authApi.oidcStartUrl(p.id, "login")} rel="external">
                  {t("oidc.via", { name: p.name[lang()] })}
                </a>
              </li>
            )}
          </For>
        </ul>
      </section>
    </Show>
  );
}

/** Linked providers in the profile, with link and unlink. */
export function LinkedProviders() {
  const { t, lang } = useI18n();
  const [providers] = createResource(authApi.providers);
  const [linked, { refetch }] = createResource(authApi.identities);
  const [problem, setProblem] = createSignal<Problem | null>(null);
  const unlink = async (id: string) => {
    setProblem(null);
    try {
      await authApi.unlinkIdentity(id);
      await refetch();
    } catch (e) {
      setProblem(problemOf(e, t("common.error")));
    }
  };
  return (
    <Show when={(latestOf(providers) ?? []).length > 0}>
      <h2>{t("oidc.title")}</h2>
      <ProblemAlert problem={problem()} />
      <Loadable resource={linked} onRetry={refetch}>
        {(items) => (
          <ul class="list">
            <For each={latestOf(providers)}>
              {(p) => {
                const link = () => items.find((i) => i.provider === p.id);
                return (
                  <li class="list__row">
                    <span>
                      <strong>{p.name[lang()]}</strong>
                      <br />
                      <span class="muted">{link() ? t("oidc.linked") : t("oidc.notLinked")}</span>
                    </span>
                    <Show
                      when={link()}
                      fallback={
                        <a class="button" href={authApi.oidcStartUrl(p.id, "link")} rel="external">
                          {t("oidc.link")}
                        </a>
                      }
                    >
                      <button type="button" class="button" onClick={() => unlink(p.id)}>
                        {t("oidc.unlink", { name: p.name[lang()] })}
                      </button>
                    </Show>
                  </li>
                );
              }}
            </For>
          </ul>
        )}
      </Loadable>
    </Show>
  );
}
