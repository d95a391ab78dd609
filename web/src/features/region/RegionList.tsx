import { createMemo, createResource, createSignal, For, Show } from "solid-js";
import { Loadable } from "../../app/Loadable";
import { useI18n } from "../../i18n";
import { setPreferenceCookie } from "../../lib/cookies";
import { type RegionSummaryDto, regionApi } from "./regionApi";

/** Lower case, ё as е, hyphens and dashes as spaces, one space between words. */
function normalize(s: string): string {
  return s
    .toLowerCase()
    .replace(/ё/g, "е")
    .replace(/[-‐–—()«»"'.,]/g, " ")
    .replace(/\s+/g, " ")
    .trim();
}

/** Whether some word of `text` (and what follows it) starts with the normalized query. */
function startsAWord(text: string, q: string): boolean {
  const s = normalize(text);
  if (s.startsWith(q)) return true;
  for (let i = s.indexOf(" "); i >= 0; i = s.indexOf(" ", i + 1)) if (s.startsWith(q, i + 1)) return true;
  return false;
}

/**
 * How a region matches a search: by a word prefix of its name (either
 * language), its code, or one of its places (capital, major cities, common
 * names); `place` is the place that matched, if the name did not. Case- and
 * ё-insensitive. Null when it does not match.
 */
export function regionMatch(r: RegionSummaryDto, query: string): { place?: RegionSummaryDto["places"][number] } | null {
  const q = normalize(query);
  if (!q) return {};
  if (startsAWord(r.name.ru, q) || startsAWord(r.name.en, q) || r.code === q) return {};
  const place = r.places.find((p) => startsAWord(p.ru, q) || startsAWord(p.en, q));
  return place ? { place } : null;
}

/** Whether a region matches a search (see `regionMatch`). */
export function matchesRegion(r: RegionSummaryDto, query: string): boolean {
  return regionMatch(r, query) !== null;
}

/** Searchable list of every region, grouped by branch; each links to the same page on that region's site. */
export function RegionList(props: { baseDomain: string; path: string; current?: string }) {
  const { t, lang } = useI18n();
  const [regions, { refetch }] = createResource(regionApi.regions);
  const [query, setQuery] = createSignal("");
  const groups = createMemo(() => {
    const map = new Map<string, { name: string; items: { region: RegionSummaryDto; label: string }[] }>();
    for (const r of regions.latest ?? []) {
      const m = regionMatch(r, query());
      if (!m) continue;
      const name = r.name[lang()];
      const g = map.get(r.branch.code) ?? { name: r.branch.name[lang()], items: [] };
      // «Казань → Республика Татарстан»: the place found, then the region it is in.
      g.items.push({ region: r, label: m.place ? `${m.place[lang()]} → ${name}` : name });
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
                      {(item) => (
                        <li>
                          <a
                            href={new URL(props.path, item.region.url).href}
                            aria-current={item.region.code === props.current ? "true" : undefined}
                            onClick={() => setPreferenceCookie("region", item.region.code, props.baseDomain)}
                          >
                            {item.label}
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
