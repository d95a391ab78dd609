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
