import { createMemo, createResource, createSignal, For, Show } from "solid-js";
import { Loadable } from "../../app/Loadable";
import { useI18n } from "../../i18n";
import { api, type RegionSummaryDto } from "../../lib/api";
import { setPreferenceCookie } from "../../lib/cookies";

/** Case- and ё-insensitive match on either language's name or the code. */
export function matchesRegion(r: RegionSummaryDto, query: string): boolean {
  const norm = (s: string) => s.toLowerCase().replace(/ё/g, "е");
  const q = norm(query.trim());
  if (!q) return true;
  return norm(r.name.ru).includes(q) || norm(r.name.en).includes(q) || r.code === q;
}

/** Searchable list of every region, grouped by branch; each links to the same page on that region's site. */
export function RegionList(props: { baseDomain: string; path: string; current?: string }) {
  const { t, lang } = useI18n();
  const [regions, { refetch }] = createResource(api.regions);
  const [query, setQuery] = createSignal("");
  const groups = createMemo(() => {
    const list = (regions.latest ?? []).filter((r) => matchesRegion(r, query()));
    const map = new Map<string, { name: string; items: RegionSummaryDto[] }>();
    for (const r of list) {
      const g = map.get(r.branch.code) ?? { name: r.branch.name[lang()], items: [] };
      g.items.push(r);
      map.set(r.branch.code, g);
    }
    return [...map.values()];
  });
  return (
    <div class="region-list">
      <label class="field">
        <span>{t("region.search")}</span>
        <input
          type="search"
          placeholder={t("region.searchPlaceholder")}
          value={query()}
          onInput={(e) => setQuery(e.currentTarget.value)}
          autocomplete="off"
        />
      </label>
      <Loadable resource={regions} onRetry={refetch}>
        {() => (
          <Show when={groups().length > 0} fallback={<p role="status">{t("region.none")}</p>}>
            <For each={groups()}>
              {(g) => (
                <section class="region-group">
                  <h3>{g.name}</h3>
                  <ul>
                    <For each={g.items}>
                      {(r) => (
                        <li>
                          <a
                            href={new URL(props.path, r.url).href}
                            aria-current={r.code === props.current ? "true" : undefined}
                            onClick={() => setPreferenceCookie("region", r.code, props.baseDomain)}
                          >
                            {r.name[lang()]}
                          </a>
                        </li>
                      )}
                    </For>
                  </ul>
                </section>
              )}
            </For>
          </Show>
        )}
      </Loadable>
    </div>
  );
}
