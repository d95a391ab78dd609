import type { Strings } from "../../i18n/local";

export const helpStrings: Strings<
  "title" | "lead" | "search" | "searchButton" | "results" | "none" | "all" | "back" | "related" | "stillNeed" | "chat" | "offline"
> = {
  ru: {
    title: "Помощь",
    lead: "Ответы на частые вопросы. Открытые статьи доступны и без интернета.",
    search: "Поиск по статьям",
    searchButton: "Найти",
    results: "Найдено статей: {n}",
    none: "Ничего не нашлось. Попробуйте другие слова или напишите в чат поддержки.",
    all: "Все темы",
    back: "Все статьи",
    related: "Помощь по теме",
    stillNeed: "Не нашли ответ?",
    chat: "Написать в поддержку",
    offline: "Нет сети: поиск недоступен, открытые ранее статьи читаются.",
  },
  en: {
    title: "Help",
    lead: "Answers to common questions. Articles you have opened stay readable offline.",
    search: "Search the articles",
    searchButton: "Search",
    results: "Articles found: {n}",
    none: "Nothing found. Try other words or write to the support chat.",
    all: "All topics",
    back: "All articles",
    related: "Help on this",
    stillNeed: "Did not find an answer?",
    chat: "Write to support",
    offline: "Offline: search is unavailable, articles opened before can be read.",
  },
};
