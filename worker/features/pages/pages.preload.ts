import { isolateState } from "../../platform/isolate-state";

/**
 * The lazy screen's files for the page being opened, as `modulepreload` links: without them the browser
 * learns of the screen's chunk only when the first script has run (HTML, then the script, then the screen: three
 * round trips on a slow mobile network before the accounts page is drawn; with them, two). The list is made by
 * the web build (`route-preloads.json`, see `vite.config.ts`) and read once per isolate from the static assets.
 */

/** What the build writes: each lazy screen's path patterns (RegExp sources) and files, and the lazy strings' files. */
export interface RoutePreloads {
  pages: { patterns: string[]; files: string[] }[];
  strings: { ru: string[]; en: string[] };
}

interface Compiled {
  pages: { patterns: RegExp[]; files: string[] }[];
  strings: RoutePreloads["strings"];
}

let loaded: Promise<Compiled | null> | undefined;
isolateState("pages/pages.preload", () => {
  loaded = undefined;
});

/** Reads and compiles the list once; a build without it (or a broken one) preloads nothing rather than failing the page. */
function load(assets: Fetcher, origin: string): Promise<Compiled | null> {
  loaded ??= assets
    .fetch(new Request(`${origin}/route-preloads.json`))
    .then(async (res) => {
      if (!res.ok) {
        await res.body?.cancel();
        return null;
      }
      const list = (await res.json()) as RoutePreloads;
      return { strings: list.strings, pages: list.pages.map((p) => ({ files: p.files, patterns: p.patterns.map((s) => new RegExp(s)) })) };
    })
    .catch(() => null);
  return loaded;
}

/**
 * The files to preload for the page at `url` whose app starts in `lang` (the `lang` cookie, as the app reads it):
 * a lazy screen's chunks with the lazy screens' Russian strings (which every lazy screen loads), and the English
 * strings on any page when the app starts in English.
 */
export async function preloadsFor(assets: Fetcher, url: URL, lang: "ru" | "en"): Promise<string[]> {
  const list = await load(assets, url.origin);
  if (!list) return [];
  const page = list.pages.find((p) => p.patterns.some((re) => re.test(url.pathname)));
  return [...new Set([...(page ? [...page.files, ...list.strings.ru] : []), ...(lang === "en" ? list.strings.en : [])])];
}

/** `<link>` elements for the files (hashed names from our own build: safe as they are, but escaped all the same). */
export function preloadLinks(files: string[]): string {
  return files.map((f) => `<link rel="modulepreload" crossorigin href="${f.replace(/[^\w./-]/g, "")}">`).join("");
}
