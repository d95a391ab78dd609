import type { Lang } from "./i18n";

/** A word's forms by CLDR plural category: Russian uses one/few/many (other for fractions), English one/other. */
export type PluralForms = Partial<Record<Intl.LDMLPluralRule, string>> & { other: string };

const rules: Partial<Record<Lang, Intl.PluralRules>> = {};

/** The form of a word that agrees with `n`: 1 день, 3 дня, 5 дней, 21 день; 1 day, 2 days. */
export function plural(lang: Lang, n: number, forms: PluralForms): string {
  rules[lang] ??= new Intl.PluralRules(lang);
  return forms[rules[lang].select(n)] ?? forms.other;
}

/** The number and its agreeing word: «21 день», "1 day". */
export const countOf = (lang: Lang, n: number, forms: PluralForms): string => `${n} ${plural(lang, n, forms)}`;

/** «день» as a count of days in the nominative/accusative (хватит на 21 день; 1 day). */
export const DAYS: Record<Lang, PluralForms> = {
  ru: { one: "день", few: "дня", many: "дней", other: "дня" },
  en: { one: "day", other: "days" },
};

/** «дня» after «до», «от» (genitive: до 21 дня, до 90 дней). */
export const DAYS_GENITIVE: Record<Lang, PluralForms> = {
  ru: { one: "дня", few: "дней", many: "дней", other: "дня" },
  en: { one: "day", other: "days" },
};

/**
 * Expands ICU-style plurals in a message: `{max, plural, one {# дня} many {# дней} other {# дня}}`, `#` being the
 * number (forms without nested braces: this is all the server's messages need). A parameter that is not a number
 * takes the `other` form.
 */
export function expandPlurals(lang: Lang, template: string, params: Record<string, string | number>): string {
  return template.replace(/\{(\w+),\s*plural,((?:\s*\w+\s*\{[^{}]*\})+)\s*\}/g, (_, name: string, body: string) => {
    const forms: PluralForms = { other: "" };
    for (const [, key, text] of body.matchAll(/(\w+)\s*\{([^{}]*)\}/g)) forms[key as Intl.LDMLPluralRule] = text ?? "";
    const value = params[name];
    const form = typeof value === "number" ? plural(lang, value, forms) : forms.other;
    return form.replace(/#/g, String(value ?? `{${name}}`));
  });
}
