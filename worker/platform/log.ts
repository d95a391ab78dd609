/**
 * Structured logs: one JSON object per line. Never pass personal data here
 * (phones, emails, names, account numbers, tokens, IP addresses, query strings).
 */
export type LogFields = Record<string, string | number | boolean | null | undefined>;

export function log(level: "info" | "warn" | "error", msg: string, fields: LogFields = {}): void {
  const line = JSON.stringify({ level, msg, time: new Date().toISOString(), ...fields });
  if (level === "error") console.error(line);
  else if (level === "warn") console.warn(line);
  else console.log(line);
}

/**
 * A provider's free text made fit for a log line: an email address or
 * anything shaped like a phone number (7+ digits with separators) it quotes
 * is replaced, and the text is cut to `max` characters.
 */
export function maskPersonal(text: string, max = 200): string {
  return text
    .replace(/[^\s@<>()"',;:]+@[^\s@<>()"',;:]+/g, "<email>")
    .replace(/\+?\d[\d\s()-]{5,}\d/g, "<number>")
    .slice(0, max);
}
