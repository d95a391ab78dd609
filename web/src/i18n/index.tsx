import { createContext, createSignal, type ParentProps, useContext } from "solid-js";
import { expandPlurals } from "./plural";
import { type Dict, ru } from "./ru";
import type { MoreDict } from "./ru.more";

export type Lang = "ru" | "en";
export type MessageKey = keyof Dict | keyof MoreDict;
type FullDict = Record<MessageKey, string>;
/**
 * The first script carries only the Russian strings of its own screens
 * (layout, home, tariffs, login); the other screens' Russian strings load with
 * the first lazy page (`loadMoreStrings`), and English, complete, when it is
 * chosen (most visitors never need it).
 */
const dicts: Partial<Record<Lang, Partial<FullDict>>> = { ru };

export async function loadLang(lang: Lang): Promise<void> {
  if (lang === "en" && !dicts.en) dicts.en = (await import("./en")).en;
}

let more: Promise<void> | undefined;
/**
 * Loads the Russian strings of the lazy screens (once); a lazy page's loader awaits it with its own chunk. A load
 * that failed (offline) is forgotten, so a retry fetches them again.
 */
export function loadMoreStrings(): Promise<void> {
  more ??= import("./ru.more").then(
    (m) => {
      dicts.ru = { ...m.ruMore, ...ru };
    },
    (e: unknown) => {
      more = undefined;
      throw e;
    },
  );
  return more;
}

/** Fills `{name}` placeholders and picks the forms of `{n, plural, …}` for the language (see `expandPlurals`). */
export function format(template: string, params: Record<string, string | number> = {}, lang: Lang = "ru"): string {
  // Most strings have no placeholder: returned as they are (a page's first render formats a hundred of them).
  if (!template.includes("{")) return template;
  return expandPlurals(lang, template, params).replace(/\{(\w+)\}/g, (_, k: string) => String(params[k] ?? `{${k}}`));
}

export function translate(lang: Lang, key: MessageKey, params?: Record<string, string | number>): string {
  const own = dicts[lang]?.[key];
  // A string missing in English falls back to Russian, with Russian plural rules.
  return own !== undefined ? format(own, params, lang) : format(dicts.ru?.[key] ?? key, params, "ru");
}

/** The language the page starts in: the `lang` cookie, else Russian. */
export function initialLang(cookie: string): Lang {
  const m = /(?:^|;\s*)lang=(ru|en)\b/.exec(cookie);
  return (m?.[1] as Lang | undefined) ?? "ru";
}

interface I18n {
  lang: () => Lang;
  setLang: (lang: Lang) => void;
  t: (key: MessageKey, params?: Record<string, string | number>) => string;
}

const I18nContext = createContext<I18n>();

export function I18nProvider(props: ParentProps<{ initial: Lang; onChange?: (lang: Lang) => void }>) {
  const [lang, setLangSignal] = createSignal<Lang>(props.initial);
  const setLang = (next: Lang) => {
    void loadLang(next).then(() => {
      setLangSignal(next);
      document.documentElement.lang = next;
      props.onChange?.(next);
    });
  };
  document.documentElement.lang = props.initial;
  const value: I18n = { lang, setLang, t: (key, params) => translate(lang(), key, params) };
  return <I18nContext.Provider value={value}>{props.children}</I18nContext.Provider>;
}

export function useI18n(): I18n {
  const ctx = useContext(I18nContext);
  if (!ctx) throw new Error("useI18n outside I18nProvider");
  return ctx;
}
