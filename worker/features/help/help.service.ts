import { create, insertMultiple, search } from "@orama/orama";
import { stemmer as englishStemmer } from "@orama/stemmers/english";
import { stemmer as russianStemmer } from "@orama/stemmers/russian";
import { HELP_ARTICLES, HELP_TOPIC_LABELS, type HelpArticle, type HelpScreen, type HelpTopic } from "../../data/help.data";
import { type BlockRules, blockRulesFor } from "../../data/services.data";
import type { DataAccess } from "../../platform/db";
import { AppError } from "../../platform/errors";
import type { Lang } from "../../platform/i18n";
import { isolateState } from "../../platform/isolate-state";
import { countOf, DAYS, DAYS_GENITIVE } from "../../platform/plural";
import type { Region } from "../../platform/region";
import { regionContacts } from "../regions/regions.service";

export interface HelpArticleView {
  id: string;
  topic: HelpTopic;
  topicLabel: string;
  title: string;
  body: string;
  screens: HelpScreen[];
}

/** +78007071212 → 8 800 707-12-12, as people dial it. */
function dialable(e164: string): string {
  const d = e164.replace(/^\+7/, "");
  return d.length === 10 ? `8 ${d.slice(0, 3)} ${d.slice(3, 6)}-${d.slice(6, 8)}-${d.slice(8)}` : e164;
}

function rub(kop: number, lang: Lang): string {
  const v = (kop / 100).toLocaleString(lang === "ru" ? "ru-RU" : "en-GB", { maximumFractionDigits: 2 });
  return lang === "ru" ? `${v} ₽` : `₽${v}`;
}

/** The region's values for the `{name}` placeholders of the articles. */
async function placeholders(data: DataAccess, region: Region, lang: Lang): Promise<Record<string, string>> {
  const contacts = await regionContacts(data, region);
  const phone = (kind: string) => dialable(contacts.find((c) => c.kind === kind)?.phone ?? "");
  return {
    support_phone: phone("support"),
    connection_phone: phone("connection"),
    ...blockPlaceholders(blockRulesFor(region.code), lang),
  };
}

/**
 * The voluntary block's rules for the articles; the day counts carry their agreeing word: `{block_max_days}` is
 * «21 дня» / "21 days" (after «до»), `{block_free_days}` «21 день» / "1 day".
 */
export function blockPlaceholders(rules: BlockRules, lang: Lang): Record<string, string> {
  return {
    block_min_days: String(rules.minDays),
    block_max_days: countOf(lang, rules.maxDays, DAYS_GENITIVE[lang]),
    block_free_days: countOf(lang, rules.freeDaysPerYear, DAYS[lang]),
    block_fee: rub(rules.feePerDayKop, lang),
  };
}

/** An article's text with its `{name}` placeholders filled (an unknown one stays as it is). */
export const articleText = (text: string, values: Record<string, string>) => text.replace(/\{(\w+)\}/g, (m, k: string) => values[k] ?? m);

/** The articles of a region in one language, placeholders filled. */
export async function regionArticles(data: DataAccess, region: Region, lang: Lang): Promise<HelpArticleView[]> {
  const values = await placeholders(data, region, lang);
  return HELP_ARTICLES.filter((a) => a.regions === null || a.regions.includes(region.code)).map((a: HelpArticle) => ({
    id: a.id,
    topic: a.topic,
    topicLabel: HELP_TOPIC_LABELS[a.topic][lang],
    title: articleText(a.title[lang], values),
    body: articleText(a.body[lang], values),
    screens: [...a.screens],
  }));
}

export async function article(data: DataAccess, region: Region, lang: Lang, id: string): Promise<HelpArticleView> {
  const found = (await regionArticles(data, region, lang)).find((a) => a.id === id);
  if (!found) throw new AppError(404, "not_found");
  return found;
}

/**
 * Words that say nothing of the topic. Kept in the index, they let a short
 * article that happens to contain «в» or "a" outrank the one asked for
 * ("disconnect a service" found roaming first).
 */
const STOP_WORDS: Record<Lang, string[]> = {
  ru: ["а", "в", "во", "до", "же", "за", "и", "из", "к", "как", "ли", "мне", "на", "не", "о", "об", "от", "по", "с", "со", "у", "что", "я"],
  en: ["a", "an", "and", "at", "be", "by", "can", "do", "for", "how", "i", "in", "is", "it", "my", "of", "on", "or", "the", "to", "with"],
};

function newIndex(lang: Lang) {
  return create({
    schema: { id: "string", title: "string", body: "string" } as const,
    components: {
      tokenizer:
        lang === "ru"
          ? { language: "russian", stemming: true, stemmer: russianStemmer, stopWords: STOP_WORDS.ru }
          : { language: "english", stemming: true, stemmer: englishStemmer, stopWords: STOP_WORDS.en },
    },
  });
}

type Index = ReturnType<typeof newIndex>;
/** Indexes are tiny (tens of articles) and the same for every request of a region and language: built once per isolate. */
const indexes = new Map<string, { index: Index; articles: Map<string, HelpArticleView> }>();
isolateState("help/help.service", () => indexes.clear());

/**
 * Full-text search over the region's articles. Words are stemmed (Snowball,
 * Russian or English), so «оплатить» finds «оплата» and «платежи» finds
 * «платёж»; the last word matches as a prefix while it is being typed. Title
 * hits weigh three times body hits.
 */
export async function searchArticles(data: DataAccess, region: Region, lang: Lang, query: string, limit = 10): Promise<HelpArticleView[]> {
  const term = query.toLowerCase().replace(/ё/g, "е").trim();
  if (!term) return [];
  const articles = await regionArticles(data, region, lang);
  const key = `${region.code}:${lang}:${articles.map((a) => a.body).join("").length}`;
  let entry = indexes.get(key);
  if (!entry) {
    const index = newIndex(lang);
    const norm = (s: string) => s.toLowerCase().replace(/ё/g, "е");
    await insertMultiple(
      index,
      articles.map((a) => ({ id: a.id, title: norm(a.title), body: norm(a.body) })),
    );
    entry = { index, articles: new Map(articles.map((a) => [a.id, a])) };
    indexes.set(key, entry);
  }
  const result = await search(entry.index, { term, properties: ["title", "body"], boost: { title: 3 }, limit });
  return result.hits.flatMap((h) => {
    const a = entry.articles.get(h.document.id);
    return a ? [a] : [];
  });
}
