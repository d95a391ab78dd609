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
