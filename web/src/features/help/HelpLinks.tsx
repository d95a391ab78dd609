import { A } from "@solidjs/router";
import { createResource, For, Show } from "solid-js";
import { useStrings } from "../../i18n/local";
import { latestOf } from "../../lib/resource";
import { type HelpScreen, helpApi } from "./helpApi";
import { helpStrings } from "./strings";

/** "Help on this" for a screen: the articles that name it. Quietly absent when there are none or the network fails. */
export default function HelpLinks(props: { screen: HelpScreen }) {
  const s = useStrings(helpStrings);
  const [articles] = createResource(
    () => props.screen,
    (screen) => helpApi.articles({ screen }).catch(() => ({ items: [], topics: [] })),
  );
  return (
    <Show when={(latestOf(articles)?.items.length ?? 0) > 0}>
      <aside class="help-links" aria-label={s("related")}>
        <h2 class="small">{s("related")}</h2>
        <ul class="plain">
          <For each={latestOf(articles)?.items}>
            {(a) => (
              <li>
                <A href={`/help/${a.id}`}>{a.title}</A>
              </li>
            )}
          </For>
        </ul>
      </aside>
    </Show>
  );
}
