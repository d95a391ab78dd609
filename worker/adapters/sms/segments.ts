// GSM 03.38 (3GPP TS 23.038 §6.2.1): the default alphabet, one septet each, and its extension table, an
// escape plus a septet (two). A text with any other character is sent as UCS-2 (UTF-16 code units).
const GSM_BASIC = new Set(
  "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà",
);
const GSM_EXTENSION = new Set("^{}\\[~]|€\f");

export interface SmsLength {
  encoding: "gsm7" | "ucs2";
  /** Septets (GSM-7) or UTF-16 code units (UCS-2) of the whole text. */
  units: number;
  /** Parts the network delivers (and the gateway bills). */
  segments: number;
}

/**
 * How many SMS parts a text takes. One part holds 160 GSM-7 septets or 70
 * UCS-2 units; a longer text is concatenated and each part loses 6 bytes to
 * the user-data header (3GPP TS 23.040 §9.2.3.24.1): 153 septets or 67 units.
 * An escape pair or a surrogate pair is never split across parts.
 */
export function smsLength(text: string): SmsLength {
  const chars = [...text];
  const gsm = chars.every((c) => GSM_BASIC.has(c) || GSM_EXTENSION.has(c));
  const sizes = gsm ? chars.map((c) => (GSM_EXTENSION.has(c) ? 2 : 1)) : chars.map((c) => c.length);
  const units = sizes.reduce((a, b) => a + b, 0);
  const single = gsm ? 160 : 70;
  const part = gsm ? 153 : 67;
  if (units <= single) return { encoding: gsm ? "gsm7" : "ucs2", units, segments: units === 0 ? 0 : 1 };
  let segments = 1;
  let used = 0;
  for (const size of sizes) {
    if (used + size > part) {
      segments++;
      used = 0;
    }
    used += size;
  }
  return { encoding: gsm ? "gsm7" : "ucs2", units, segments };
}

/**
 * An alphanumeric sender name (альфа-имя) as the networks carry it: 1–11
 * Latin letters, digits and a few signs, at least one letter (all digits
 * would be read as a phone number). In Russia every operator delivers only
 * names registered for the sender with each operator through the gateway;
 * an unregistered one is refused (SMSC error 6) or replaced.
 */
export function isValidSenderName(name: string): boolean {
  return /^[A-Za-z0-9 .\-_&!']{1,11}$/.test(name) && /[A-Za-z]/.test(name) && name.trim() === name;
}
