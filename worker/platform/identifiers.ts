import { parseAccountNo } from "./ids";

export type Identifier =
  | { kind: "phone"; value: string }
  | { kind: "email"; value: string }
  | { kind: "login"; value: string }
  | { kind: "account"; value: string };

/**
 * A Russian phone number in any usual spelling ("8 (900) 000-00-01",
 * "+7 900 000 00 01", "9000000001") as E.164 (+79000000001), or null.
 */
export function normalizePhone(input: string): string | null {
  const trimmed = input.trim();
  if (!/^[+\d\s()-]+$/.test(trimmed)) return null;
  const digits = trimmed.replace(/\D/g, "");
  if (digits.length === 11 && (digits.startsWith("7") || digits.startsWith("8"))) return `+7${digits.slice(1)}`;
  if (digits.length === 10 && digits.startsWith("9")) return `+7${digits}`;
  return null;
}

/** Email in canonical form (trimmed, lower case), or null when it is not an address. */
export function normalizeEmail(input: string): string | null {
  const v = input.trim().toLowerCase();
  return /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(v) && v.length <= 254 ? v : null;
}

/** Logins start with a Latin letter so they never look like a phone or account number. */
export const LOGIN_PATTERN = /^[a-z][a-z0-9._-]{2,31}$/;

export function normalizeLogin(input: string): string | null {
  const v = input.trim().toLowerCase();
  return LOGIN_PATTERN.test(v) ? v : null;
}

/**
 * Reads what a person typed into the one "phone, email, login or account"
 * field. A 12-digit number with a valid check digit is an account number,
 * other digit strings are tried as phones.
 */
export function parseIdentifier(input: string): Identifier | null {
  const v = input.trim();
  if (v.includes("@")) {
    const email = normalizeEmail(v);
    return email ? { kind: "email", value: email } : null;
  }
  if (/^[\d\s-]+$/.test(v) && v.replace(/\D/g, "").length === 12) {
    const account = parseAccountNo(v);
    return account ? { kind: "account", value: account } : null;
  }
  const phone = normalizePhone(v);
  if (phone) return { kind: "phone", value: phone };
  const login = normalizeLogin(v);
  return login ? { kind: "login", value: login } : null;
}
