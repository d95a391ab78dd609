import { createResource, createSignal, For, Show } from "solid-js";
import { Loadable } from "../../app/Loadable";
import { useI18n } from "../../i18n";
import { type Problem, problemOf } from "../../lib/api";
import { authApi } from "./authApi";
import { ProblemAlert } from "./ProblemAlert";

const browserSupports = () => typeof window !== "undefined" && "PublicKeyCredential" in window;

/** Runs the browser's WebAuthn login ceremony; returns the profile. */
export async function passkeyLogin() {
  const { startAuthentication } = await import("@simplewebauthn/browser");
  const optionsJSON = (await authApi.passkeyLoginOptions()) as unknown as Parameters<typeof startAuthentication>[0]["optionsJSON"];
  const credential = await startAuthentication({ optionsJSON });
  return authApi.loginWithPasskey(credential);
}

/** The subscriber's passkeys in the profile: add one for this device, remove any. */
export function PasskeysSection() {
  const { t, lang } = useI18n();
  const [items, { refetch }] = createResource(authApi.passkeys);
  const [problem, setProblem] = createSignal<Problem | null>(null);
  const [busy, setBusy] = createSignal(false);
  const add = async () => {
    setBusy(true);
    setProblem(null);
    try {
      const { startRegistration } = await import("@simplewebauthn/browser");
      const optionsJSON = (await authApi.passkeyRegisterOptions()) as unknown as Parameters<typeof startRegistration>[0]["optionsJSON"];
      const credential = await startRegistration({ optionsJSON });
      await authApi.registerPasskey(credential, navigator.platform || "Passkey");
      await refetch();
    } catch (e) {
      setProblem(problemOf(e, t("passkey.failed")));
    } finally {
      setBusy(false);
    }
  };
  const remove = async (id: string) => {
    setProblem(null);
    try {
      await authApi.deletePasskey(id);
      await refetch();
    } catch (e) {
      setProblem(problemOf(e, t("common.error")));
    }
  };
  const date = (iso: string) => new Date(iso).toLocaleDateString(lang() === "ru" ? "ru-RU" : "en-GB", { dateStyle: "medium" });
  return (
    <Show when={browserSupports()}>
      <h2>{t("passkey.title")}</h2>
      <p class="muted">{t("passkey.lead")}</p>
      <ProblemAlert problem={problem()} />
      <Loadable resource={items} onRetry={refetch}>
        {(list) => (
          <Show when={list.length > 0}>
            <ul class="list">
              <For each={list}>
                {(k) => (
                  <li class="list__row">
                    <span>
                      <strong>{k.name}</strong>
                      <br />
                      <span class="muted">{t("passkey.added", { when: date(k.createdAt) })}</span>
                    </span>
                    <button type="button" class="button" onClick={() => remove(k.id)}>
                      {t("passkey.remove", { name: k.name })}
                    </button>
                  </li>
                )}
              </For>
            </ul>
          </Show>
        )}
      </Loadable>
      <p>
        <button type="button" class="button" onClick={add} disabled={busy()}>
          {t("passkey.add")}
        </button>
      </p>
    </Show>
  );
}
