import { Navigate } from "@solidjs/router";
import { createResource, Show } from "solid-js";
import { useI18n } from "../../i18n";
import { fetchWithSnapshot } from "../../lib/offline";
import { RequireLogin } from "../auth/RequireLogin";
import { accountsApi } from "./accountsApi";

/** The installed app's "История" shortcut: the history of the subscriber's first own account. */
export default function HistoryShortcut() {
  const { t } = useI18n();
  const [accounts] = createResource(() => fetchWithSnapshot("accounts", accountsApi.accounts));
  const first = () => {
    const items = accounts()?.data.items ?? [];
    return (items.find((a) => a.role === "owner") ?? items[0])?.accountNo;
  };
  return (
    <RequireLogin>
      {() => (
        <Show when={accounts.state === "ready"} fallback={<p role="status">{t("common.loading")}</p>}>
          <Navigate href={first() ? `/accounts/${first()}#history-title` : "/accounts"} />
        </Show>
      )}
    </RequireLogin>
  );
}
