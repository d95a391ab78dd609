import type { Lang } from "./i18n";

const MONTHS = {
  ru: ["января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября", "октября", "ноября", "декабря"],
  en: ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"],
};
/** A calendar day, "2026-12-10" or "10.12.2026", as words: "10 декабря 2026 г." / "10 December 2026"; anything else as it is. */
export function dayText(value: string, lang: Lang): string {
  const iso = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  const dotted = /^(\d{2})\.(\d{2})\.(\d{4})$/.exec(value);
  const [y, mo, d] = iso ? [iso[1], iso[2], iso[3]] : dotted ? [dotted[3], dotted[2], dotted[1]] : [];
  const month = mo ? MONTHS[lang][Number(mo) - 1] : undefined;
  if (!month) return value;
  return lang === "ru" ? `${Number(d)} ${month} ${y} г.` : `${Number(d)} ${month} ${y}`;
}

/** Whether `YYYY-MM-DD` is a day of the calendar (2026-02-31 is not: Date would roll it into March). */
export function isCalendarDay(day: string): boolean {
  const t = Date.parse(`${day}T00:00:00Z`);
  return /^\d{4}-\d{2}-\d{2}$/.test(day) && !Number.isNaN(t) && new Date(t).toISOString().slice(0, 10) === day;
}

/** Month names in the nominative («ноябрь 2026», "November 2026"): a month as a period, not a date's month. */
const MONTH_NAMES = {
  ru: ["январь", "февраль", "март", "апрель", "май", "июнь", "июль", "август", "сентябрь", "октябрь", "ноябрь", "декабрь"],
  en: ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"],
};

/** A `YYYY-MM` month by name and year: «ноябрь 2026», "November 2026". */
export function monthName(month: string, lang: Lang): string {
  const [y, m] = month.split("-").map(Number) as [number, number];
  return `${MONTH_NAMES[lang][m - 1]} ${y}`;
}
