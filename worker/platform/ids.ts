/** Random, time-ordered identifier (48-bit ms timestamp + 80 random bits, base32hex). */
export function newId(now = Date.now()): string {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes.subarray(6));
  let ts = now;
  for (let i = 5; i >= 0; i--) {
    bytes[i] = ts % 256;
    ts = Math.floor(ts / 256);
  }
  const alphabet = "0123456789abcdefghijklmnopqrstuv";
  let out = "";
  let bits = 0;
  let value = 0;
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += alphabet[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += alphabet[(value << (5 - bits)) & 31];
  return out;
}

/** The shape of the ids `newId` makes: 26 base32hex characters. */
const ID_SHAPE = /^[0-9a-v]{26}$/;

/** Whether a string has the shape of an id `newId` makes (what a route checks before looking one up). */
export function isId(s: string): boolean {
  return ID_SHAPE.test(s);
}

/** The time (ms) a `newId` id was made at: its first 48 bits; null for a string of another shape. */
export function idTime(id: string): number | null {
  if (!isId(id)) return null;
  let bits = 0;
  // 9 characters of 5 bits and the tenth's first 3: its last 2 are random.
  for (let i = 0; i < 10; i++) bits = bits * 32 + Number.parseInt(id[i] as string, 32);
  return Math.floor(bits / 4);
}

/** Luhn check digit of a string of digits. */
export function luhnCheckDigit(digits: string): number {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return (10 - (sum % 10)) % 10;
}

/**
 * A personal account number (лицевой счёт): 12 digits, the last a Luhn check
 * digit over the first 11, so a mistyped digit or swapped neighbours are caught.
 */
export function makeAccountNo(body11: string): string {
  if (!/^\d{11}$/.test(body11)) throw new RangeError("account number body must be 11 digits");
  return body11 + String(luhnCheckDigit(body11));
}

/** Strips spaces and dashes a person may type; true when 12 digits with a valid check digit. */
export function parseAccountNo(input: string): string | null {
  const digits = input.replace(/[\s-]/g, "");
  if (!/^\d{12}$/.test(digits)) return null;
  return luhnCheckDigit(digits.slice(0, 11)) === Number(digits[11]) ? digits : null;
}
