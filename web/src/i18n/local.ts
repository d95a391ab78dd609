import { format, useI18n } from ".";

/** Strings of one feature, both languages, kept in that feature's lazy chunk rather than in the first script's dictionary. */
export type Strings<K extends string> = { ru: Record<K, string>; en: Record<K, string> };

/** A translator for a feature's own strings, following the chosen language. */
export function useStrings<K extends string>(dict: Strings<K>) {
  const { lang } = useI18n();
  return (key: K, params?: Record<string, string | number>) => format(dict[lang()][key], params, lang());
}
