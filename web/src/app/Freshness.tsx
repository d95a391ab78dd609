import { Show } from "solid-js";
import { useI18n } from "../i18n";
import { formatMoment } from "../lib/format";

/** "Offline: data as of …" for cached data, "Updated at …" for fresh data; announced politely. */
export function Freshness(props: { stale: boolean; savedAt: string }) {
  const { t, lang } = useI18n();
  const when = () => formatMoment(props.savedAt, lang());
  return (
    <p class="freshness" classList={{ "freshness--stale": props.stale }} role="status">
      <Show when={props.stale} fallback={t("offline.updated", { when: when() })}>
        {t("offline.stale", { when: when() })}
      </Show>
    </p>
  );
}
