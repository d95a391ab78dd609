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

/**
 * The time of the snapshot a list of an organisation on many shards comes from (`figuresAt`), said in the screen's
 * words (`text` puts the time in); nothing when the list was read now.
 */
export function SnapshotTime(props: { at: string | null | undefined; text: (time: string) => string }) {
  const { lang } = useI18n();
  return (
    <Show when={props.at}>
      {(at) => (
        <p class="muted">
          <time datetime={at()}>{props.text(formatMoment(at(), lang()))}</time>
        </p>
      )}
    </Show>
  );
}
