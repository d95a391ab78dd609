import { useLocation } from "@solidjs/router";
import { createResource, For, Show } from "solid-js";
import { useI18n } from "../../i18n";
import { formatMoment } from "../../lib/format";
import { latestOf } from "../../lib/resource";
import { useSession } from "../auth/SessionContext";
import { notificationsApi, outageNotice } from "./notificationsApi";

/** Outages at the addresses of the subscriber's accounts, with the expected end; nothing when there are none. */
export function OutageBanner() {
  const { t, lang } = useI18n();
  const { profile } = useSession();
  const location = useLocation();
  // Read again when a notice opens the same screen with another outage named (`?outage=`, `?outage-resolved=`).
  // (A string key: a profile updated with the same id, or another query, fetches nothing.)
  const [outages] = createResource(
    () => (profile()?.id ? `${profile()?.id}\n${outageNotice(location.search)}` : undefined),
    (key) => notificationsApi.outages(key.slice(key.indexOf("\n") + 1)).catch(() => []),
  );
  return (
    <Show when={(latestOf(outages) ?? []).length > 0}>
      <div class="notice notice--warning" role="status">
        <For each={latestOf(outages)}>
          {(o) => (
            <p>
              <strong>{o.title}.</strong> {t("outage.until", { when: formatMoment(o.expectedEnd, lang()) })}
            </p>
          )}
        </For>
      </div>
    </Show>
  );
}
