/**
 * Month names for dates written out by hand. The first Intl date or number
 * formatter a page builds loads locale data (about 50 ms of a phone's main
 * thread before the first screen can be drawn); these few formats are the
 * same as Intl's output, which the tests check.
 */
const MONTHS = {
  ru: ["января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября", "октября", "ноября", "декабря"],
  ruNominative: ["январь", "февраль", "март", "апрель", "май", "июнь", "июль", "август", "сентябрь", "октябрь", "ноябрь", "декабрь"],
  en: ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"],
} as const;

/**
 * Money from integer kopecks: "1 050 ₽", "99,50 ₽" (ru) or "1,050 ₽" (en). The space before «₽» is a
 * no-break space, as are the thousands separators: an amount never breaks over two lines.
 * Written out by hand, the same as `Intl.NumberFormat` (a test holds them
 * equal): building the first Intl formatter loads locale data, about 50 ms of
 * main thread on a phone before the home page can show a price.
 */
export function formatRub(kop: number, lang: "ru" | "en"): string {
  const abs = Math.abs(Math.round(kop));
  const whole = Math.floor(abs / 100)
    .toString()
    .replace(/\B(?=(\d{3})+(?!\d))/g, lang === "ru" ? "\u00a0" : ",");
  const fraction = abs % 100 === 0 ? "" : `${lang === "ru" ? "," : "."}${String(abs % 100).padStart(2, "0")}`;
  return `${kop < 0 ? "-" : ""}${whole}${fraction}\u00a0₽`;
}

/**
 * A Russian E.164 number the way Russians write it:
 * +78007078000 → "8 800 707-80-00", +79001234567 → "+7 900 123-45-67".
 */
export function formatPhone(e164: string): string {
  const m = /^\+7(\d{3})(\d{3})(\d{2})(\d{2})$/.exec(e164);
  if (!m) return e164;
  const [, code, a, b, c] = m;
  return code?.startsWith("8") ? `8 ${code} ${a}-${b}-${c}` : `+7 ${code} ${a}-${b}-${c}`;
}

/** "09:00-20:00" → "09:00–20:00"; null → the "closed" word. */
export function formatHours(range: string | null, closed: string): string {
  return range ? range.replace("-", "–") : closed;
}

/** Groups consecutive days with the same hours: "Пн–Пт 09:00–20:00; Сб 10:00–18:00; Вс выходной". */
export function summarizeWeek(hours: (string | null)[], dayNames: string[], closed: string): string {
  const parts: string[] = [];
  let start = 0;
  for (let i = 1; i <= hours.length; i++) {
    if (i === hours.length || hours[i] !== hours[start]) {
      const days = i - 1 === start ? dayNames[start] : `${dayNames[start]}–${dayNames[i - 1]}`;
      parts.push(`${days} ${formatHours(hours[start] ?? null, closed)}`);
      start = i;
    }
  }
  return parts.join("; ");
}

/** An account number in groups of four: "2010 0000 0012". */
export function formatAccountNo(no: string): string {
  return no.replace(/(\d{4})(?=\d)/g, "$1 ");
}

/** A visit's time slot, "09-13" → "09:00–13:00" (anything else as it is). */
export function formatSlot(slot: string): string {
  return slot.replace(/^(\d\d)-(\d\d)$/, "$1:00–$2:00");
}

/** A region-local day (YYYY-MM-DD) as a date: "26 ноября 2026 г." / "26 November 2026". */
export function formatDay(day: string, lang: "ru" | "en"): string {
  const [y, m, d] = day.split("-").map(Number) as [number, number, number];
  return lang === "ru" ? `${d} ${MONTHS.ru[m - 1]} ${y} г.` : `${d} ${MONTHS.en[m - 1]} ${y}`;
}

/** "2026-06" → "июнь 2026 г." / "June 2026". */
export function formatMonth(month: string, lang: "ru" | "en"): string {
  const [y, m] = month.split("-").map(Number) as [number, number];
  return lang === "ru" ? `${MONTHS.ruNominative[m - 1]} ${y} г.` : `${MONTHS.en[m - 1]} ${y}`;
}

/** A moment in the device's time zone: "3 июня в 07:05" / "3 June at 07:05". */
export function formatMoment(iso: string, lang: "ru" | "en"): string {
  const t = new Date(iso);
  const hm = `${String(t.getHours()).padStart(2, "0")}:${String(t.getMinutes()).padStart(2, "0")}`;
  return lang === "ru" ? `${t.getDate()} ${MONTHS.ru[t.getMonth()]} в ${hm}` : `${t.getDate()} ${MONTHS.en[t.getMonth()]} at ${hm}`;
}

/**
 * The calendar day (YYYY-MM-DD) in the time zone `tz`, `offset` days from `now`: the region's day, which the
 * server checks visit and block dates against (the browser's own day is another one for part of every day).
 */
export function dayInZone(tz: string, offset = 0, now = new Date()): string {
  const parts = new Intl.DateTimeFormat("en-US", { timeZone: tz, year: "numeric", month: "numeric", day: "numeric" }).formatToParts(now);
  const n = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  return new Date(Date.UTC(n("year"), n("month") - 1, n("day") + offset)).toISOString().slice(0, 10);
}
