/** Money from integer kopecks: "1 050 ₽", "99,50 ₽" (ru) or "1,050 ₽" (en). */
export function formatRub(kop: number, lang: "ru" | "en"): string {
  const whole = kop % 100 === 0;
  const n = new Intl.NumberFormat(lang === "ru" ? "ru-RU" : "en-GB", {
    minimumFractionDigits: whole ? 0 : 2,
    maximumFractionDigits: 2,
  }).format(kop / 100);
  return `${n} ₽`;
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

/** A region-local day (YYYY-MM-DD) as a date: "26 ноября 2026 г." / "26 November 2026". */
export function formatDay(day: string, lang: "ru" | "en"): string {
  const [y, m, d] = day.split("-").map(Number) as [number, number, number];
  return new Intl.DateTimeFormat(lang === "ru" ? "ru-RU" : "en-GB", {
    day: "numeric",
    month: "long",
    year: "numeric",
    timeZone: "UTC",
  }).format(new Date(Date.UTC(y, m - 1, d)));
}

/** "2026-06" → "июнь 2026" / "June 2026". */
export function formatMonth(month: string, lang: "ru" | "en"): string {
  const [y, m] = month.split("-").map(Number) as [number, number];
  return new Intl.DateTimeFormat(lang === "ru" ? "ru-RU" : "en-GB", { month: "long", year: "numeric", timeZone: "UTC" }).format(
    new Date(Date.UTC(y, m - 1, 1)),
  );
}
