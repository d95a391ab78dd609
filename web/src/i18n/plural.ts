import type { Lang } from ".";

/** A word's forms by CLDR plural category: ru uses one/few/many/other, en one/other. */
export type PluralForms = Partial<Record<Intl.LDMLPluralRule, string>> & { other: string };

const rules: Partial<Record<Lang, Intl.PluralRules>> = {};

/** The form of a word that agrees with `n` (1 балл, 2 балла, 5 баллов, 21 балл; 1 point, 2 points). */
export function plural(lang: Lang, n: number, forms: PluralForms): string {
  rules[lang] ??= new Intl.PluralRules(lang);
  return forms[rules[lang].select(n)] ?? forms.other;
}

/**
 * Expands ICU-style plurals in a dictionary string:
 * `{n, plural, one {# балл} few {# балла} many {# баллов} other {# балла}}`,
 * where `#` is the number; the forms may hold `{placeholders}` of their own.
 * A parameter that is not a number leaves the `other` form.
 */
export function expandPlurals(lang: Lang, template: string, params: Record<string, string | number>): string {
  let out = "";
  let i = 0;
  const head = /\{(\w+),\s*plural,/g;
  for (let m = head.exec(template); m; m = head.exec(template)) {
    const name = m[1] as string;
    const forms: Record<string, string> = {};
    let j = m.index + m[0].length;
    // Options: `category {text}` pairs up to the closing brace; text may nest `{name}` once.
    for (;;) {
      while (template[j] === " ") j++;
      if (template[j] === "}" || j >= template.length) break;
      const key = /^(\w+)\s*\{/.exec(template.slice(j));
      if (!key) throw new Error(`bad plural in "${template}"`);
      j += key[0].length;
      let depth = 1;
      const start = j;
      while (j < template.length && depth > 0) {
        if (template[j] === "{") depth++;
        else if (template[j] === "}") depth--;
        j++;
      }
      forms[key[1] as string] = template.slice(start, j - 1);
    }
    const value = params[name];
    const n = typeof value === "number" ? value : Number.NaN;
    const form = Number.isNaN(n) ? (forms.other ?? "") : plural(lang, n, { ...forms, other: forms.other ?? "" });
    out += template.slice(i, m.index) + form.replace(/#/g, String(value ?? `{${name}}`));
    i = j + 1;
    head.lastIndex = i;
  }
  return out + template.slice(i);
}
