import { createContext, createSignal, type ParentProps, useContext } from "solid-js";
import { type Dict, ru } from "./ru";

export type Lang = "ru" | "en";
export type MessageKey = keyof Dict;
/** Russian is in the first script; English loads when it is chosen (most visitors never need it). */
const dicts: Partial<Record<Lang, Dict>> = { ru };

export async function loadLang(lang: Lang): Promise<void> {
  if (!dicts[lang]) dicts[lang] = (await import("./en")).en;
}

/** Fills `{name}` placeholders. */
export function format(template: string, params: Record<string, string | number> = {}): string {
  return template.replace(/\{(\w+)\}/g, (_, k: string) => String(params[k] ?? `{${k}}`));
}

export function translate(lang: Lang, key: MessageKey, params?: Record<string, string | number>): string {
  return format((dicts[lang] ?? ru)[key], params);
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
