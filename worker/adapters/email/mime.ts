const CRLF = "\r\n";
const utf8 = new TextEncoder();

function base64(bytes: Uint8Array): string {
  let bin = "";
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin);
}

/** A body part in base64, lines of 76 characters (RFC 2045 §6.8). */
function base64Lines(text: string): string {
  return (base64(utf8.encode(text)).match(/.{1,76}/g) ?? [""]).join(CRLF);
}

const PLAIN_HEADER = /^[\x20-\x7e]*$/;

/**
 * A header value as RFC 2047 encoded-words when it is not plain ASCII:
 * `=?UTF-8?B?…?=`, each word at most 75 characters (45 bytes of UTF-8),
 * never splitting a character, words folded onto continuation lines.
 */
export function encodeWords(value: string): string {
  if (PLAIN_HEADER.test(value) && value.length <= 70 && !value.includes("=?")) return value;
  const words: string[] = [];
  let chunk: number[] = [];
  for (const ch of value) {
    const bytes = [...utf8.encode(ch)];
    if (chunk.length + bytes.length > 45) {
      words.push(`=?UTF-8?B?${base64(Uint8Array.from(chunk))}?=`);
      chunk = [];
    }
    chunk.push(...bytes);
  }
  if (chunk.length) words.push(`=?UTF-8?B?${base64(Uint8Array.from(chunk))}?=`);
  return words.join(`${CRLF} `);
}

/** Splits `Имя <address>` into its parts. */
export function parseMailbox(value: string): { name: string; address: string } {
  const m = /^\s*(.*?)\s*<([^<>\s]+@[^<>\s]+)>\s*$/.exec(value);
  if (m) return { name: (m[1] ?? "").replace(/^"|"$/g, ""), address: m[2] ?? "" };
  return { name: "", address: value.trim() };
}

/** A mailbox header value: an encoded display name and the address in angle brackets. */
function mailbox(name: string, address: string): string {
  if (!name) return `<${address}>`;
  const plain = /^[A-Za-z0-9 !#$%&'*+\-/=?^_`{|}~.]*$/.test(name);
  return `${plain ? `"${name}"` : encodeWords(name)} <${address}>`;
}

/** RFC 5322 §3.3 date-time in UTC: `Wed, 02 Dec 2026 19:53:01 +0000`. */
export function mailDate(d: Date): string {
  return d.toUTCString().replace(/GMT$/, "+0000");
}

export interface MimeMessage {
  from: { name: string; address: string };
  to: string;
  subject: string;
  text: string;
  html?: string;
  /** With angle brackets: `<id@domain>`. */
  messageId: string;
  date: Date;
  /** Notifications only (RFC 2369). */
  listUnsubscribe?: string;
}

/**
 * The raw message (RFC 5322 + MIME): UTF-8 parts in base64, a text part and,
 * when given, an HTML alternative (RFC 2046 §5.1.4: the preferred one last),
 * CRLF line ends. `Auto-Submitted` (RFC 3834) keeps vacation replies away.
 */
export function buildMime(m: MimeMessage): string {
  const headers = [
    `From: ${mailbox(m.from.name, m.from.address)}`,
    `To: <${m.to}>`,
    `Subject: ${encodeWords(m.subject)}`,
    `Date: ${mailDate(m.date)}`,
    `Message-ID: ${m.messageId}`,
    "MIME-Version: 1.0",
    "Auto-Submitted: auto-generated",
  ];
  if (m.listUnsubscribe) headers.push(`List-Unsubscribe: <${m.listUnsubscribe}>`);
  const part = (type: string, body: string) =>
    [`Content-Type: ${type}; charset=UTF-8`, "Content-Transfer-Encoding: base64", "", base64Lines(body)].join(CRLF);
  if (!m.html) return [...headers, part("text/plain", m.text)].join(CRLF) + CRLF;
  // The boundary is made of the Message-ID's hash characters, which base64 bodies can never contain ("=_" is not base64 text).
  const boundary = `=_kabinet_${m.messageId.replace(/[^A-Za-z0-9]/g, "").slice(0, 32)}`;
  return (
    [
      ...headers,
      `Content-Type: multipart/alternative; boundary="${boundary}"`,
      "",
      `--${boundary}`,
      part("text/plain", m.text),
      `--${boundary}`,
      part("text/html", m.html),
      `--${boundary}--`,
    ].join(CRLF) + CRLF
  );
}
