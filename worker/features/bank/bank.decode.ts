/**
 * Decoding of a bank statement file's bytes. 1CClientBankExchange files declare `Кодировка=Windows` (CP1251) or
 * `Кодировка=DOS` (CP866); some banks write UTF-8. workerd's TextDecoder knows only UTF-8 and UTF-16, so the two
 * single-byte Cyrillic code pages are decoded here from their tables (checked against ICU in bank.decode.test.ts).
 */

/** CP1251 bytes 0x80–0xBF (0xC0–0xFF are А–я in order); 0x98, unassigned, is U+0098 as in the WHATWG Encoding Standard. */
const CP1251_HIGH = "ЂЃ‚ѓ„…†‡€‰Љ‹ЊЌЋЏђ‘’“”•–—\u0098™љ›њќћџ\u00A0ЎўЈ¤Ґ¦§Ё©Є«¬\u00AD®Ї°±Ііґµ¶·ё№є»јЅѕї";
/** CP866 bytes 0xB0–0xDF (box drawing) and 0xF0–0xFF; 0x80–0xAF are А–п, 0xE0–0xEF р–я. */
const CP866_B0 = "░▒▓│┤╡╢╖╕╣║╗╝╜╛┐└┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀";
const CP866_F0 = "ЁёЄєЇїЎў°∙·√№¤■\u00A0";

function table(high: (b: number) => string): string[] {
  return Array.from({ length: 256 }, (_, b) => (b < 0x80 ? String.fromCharCode(b) : high(b)));
}

const CP1251 = table((b) => (b >= 0xc0 ? String.fromCharCode(0x410 + b - 0xc0) : (CP1251_HIGH[b - 0x80] as string)));
const CP866 = table((b) => {
  if (b < 0xb0) return String.fromCharCode(0x410 + b - 0x80);
  if (b < 0xe0) return CP866_B0[b - 0xb0] as string;
  if (b < 0xf0) return String.fromCharCode(0x440 + b - 0xe0);
  return CP866_F0[b - 0xf0] as string;
});

export type StatementEncoding = "utf-8" | "windows-1251" | "cp866";

/** Bytes of a single-byte code page as text. */
export function decodeSingleByte(bytes: Uint8Array, encoding: "windows-1251" | "cp866"): string {
  const map = encoding === "windows-1251" ? CP1251 : CP866;
  let out = "";
  // Chunks keep the string building linear on large files.
  for (let i = 0; i < bytes.length; i += 8192) {
    const part: string[] = [];
    for (const b of bytes.subarray(i, i + 8192)) part.push(map[b] as string);
    out += part.join("");
  }
  return out;
}

/** Text in CP1251, for tests and fixtures: characters outside the code page become `?`. */
export function encodeWindows1251(text: string): Uint8Array {
  const reverse = new Map(CP1251.map((ch, b) => [ch, b]));
  return Uint8Array.from([...text], (ch) => reverse.get(ch) ?? 0x3f);
}

const DECLARED = /^Кодировка=(.*)$/m;

/**
 * The file's text and the encoding it was read in. A UTF-8 byte order mark, or bytes that are valid UTF-8 and not
 * plain ASCII, mean UTF-8 (Cyrillic in CP1251 or CP866 is practically never valid UTF-8); otherwise the file's own
 * `Кодировка=` line decides: `DOS` is CP866, anything else CP1251 (the format's default, `Windows`).
 */
export function decodeStatement(bytes: Uint8Array): { text: string; encoding: StatementEncoding } {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf)
    return { text: new TextDecoder("utf-8").decode(bytes.subarray(3)), encoding: "utf-8" };
  if (bytes.some((b) => b >= 0x80)) {
    try {
      return { text: new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes), encoding: "utf-8" };
    } catch {
      // Not UTF-8: a single-byte code page.
    }
  }
  const as1251 = decodeSingleByte(bytes, "windows-1251");
  if (DECLARED.exec(as1251)) return { text: as1251, encoding: "windows-1251" };
  const as866 = decodeSingleByte(bytes, "cp866");
  const declared866 = DECLARED.exec(as866)?.[1]?.trim().toUpperCase();
  if (declared866 === "DOS") return { text: as866, encoding: "cp866" };
  return { text: as1251, encoding: "windows-1251" };
}
