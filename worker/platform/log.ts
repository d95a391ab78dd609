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

/**
 * What a log line says of an error: the innermost cause's name and message (D1's reason, say), never a
 * wrapper's: drizzle's `Failed query: <sql> params: <values>` would put the values bound to a query (a phone, an
 * e-mail) in the log. A message that still carries `params:` is cut there.
 */
export function errorText(err: unknown): string {
  let e: unknown = err;
  for (let i = 0; i < 5 && e instanceof Error && e.cause instanceof Error; i++) e = e.cause;
  if (!(e instanceof Error)) return "unknown";
  const message = e.message.split(/\bparams:/)[0]?.trim() ?? "";
  return `${e.name}: ${message.slice(0, 200)}`;
}
