/**
 * A local Cloudflare Email Service behind a `send_email` binding, as its
 * documentation describes sending (https://developers.cloudflare.com/email-service/):
 * the envelope sender must be on a domain onboarded to Email Sending (and in
 * `allowed_sender_addresses` when the binding lists them), a message is at
 * most 5 MiB, `send()` resolves to `{ messageId }` or throws. It also reads the
 * raw message as a receiving server would (RFC 5322 headers, CRLF lines, MIME
 * parts) and refuses one it could not deliver. Faults are scripted per call.
 */

export type EmailFault = "internal" | "rate-limit" | "hang";

export interface Received {
  from: string;
  to: string;
  raw: string;
  headers: Map<string, string>;
  /** The Subject as a mail reader shows it (RFC 2047 decoded). */
  subject: string;
  parts: { type: string; body: string }[];
}

const CRLF = "\r\n";

function b64Text(b64: string): string {
  const bin = atob(b64);
  return new TextDecoder().decode(Uint8Array.from(bin, (c) => c.charCodeAt(0)));
}

/** RFC 2047 §6.2: encoded-words decoded, the white space between adjacent ones dropped. */
export function decodeWords(value: string): string {
  return value.replace(/(\?=)\s+(=\?)/g, "$1$2").replace(/=\?UTF-8\?B\?([A-Za-z0-9+/=]*)\?=/gi, (_, b64: string) => b64Text(b64));
}

function parseHeaders(block: string): Map<string, string> {
  const headers = new Map<string, string>();
  for (const line of block.replace(/\r\n[ \t]/g, " ").split(CRLF)) {
    const i = line.indexOf(":");
    if (i > 0) headers.set(line.slice(0, i).toLowerCase(), line.slice(i + 1).trim());
  }
  return headers;
}

function parsePart(chunk: string): { headers: Map<string, string>; body: string } {
  const at = chunk.indexOf(CRLF + CRLF);
  if (at < 0) throw new Error("invalid message: no blank line after the headers");
  return { headers: parseHeaders(chunk.slice(0, at)), body: chunk.slice(at + 4) };
}

function decodeBody(headers: Map<string, string>, body: string): string {
  const cte = (headers.get("content-transfer-encoding") ?? "7bit").toLowerCase();
  if (cte === "base64") return b64Text(body.replace(/\r\n/g, ""));
  return body;
}

/** Reads a raw message as a receiving server would; throws on one it could not. */
export function readMessage(raw: string): Omit<Received, "from" | "to" | "raw"> {
  if (/[^\r]\n/.test(raw)) throw new Error("invalid message: bare LF");
  if (raw.split(CRLF).some((l) => l.length > 998)) throw new Error("invalid message: line over 998 characters");
  if ([...raw].some((c) => c.charCodeAt(0) > 0x7f)) throw new Error("invalid message: 8-bit data in a 7-bit message");
  const { headers, body } = parsePart(raw);
  for (const h of ["from", "to", "subject", "date", "message-id"]) if (!headers.get(h)) throw new Error(`invalid message: no ${h}`);
  const type = headers.get("content-type") ?? "text/plain";
  const parts: Received["parts"] = [];
  const boundary = /boundary="([^"]+)"/.exec(type)?.[1];
  if (type.startsWith("multipart/") && boundary) {
    const sections = body.split(`--${boundary}`);
    if (!sections.at(-1)?.startsWith("--")) throw new Error("invalid message: no closing boundary");
    for (const section of sections.slice(1, -1)) {
      const part = parsePart(section.replace(/^\r\n/, "").replace(/\r\n$/, ""));
      parts.push({ type: (part.headers.get("content-type") ?? "").split(";")[0] ?? "", body: decodeBody(part.headers, part.body) });
    }
  } else parts.push({ type: type.split(";")[0] ?? "", body: decodeBody(headers, body.replace(/\r\n$/, "")) });
  return { headers, subject: decodeWords(headers.get("subject") ?? ""), parts };
}

export function fakeEmailService(opts: { domains: string[]; allowedSenders?: string[] }) {
  const received: Received[] = [];
  const faults: EmailFault[] = [];
  let calls = 0;
  return {
    /** The transport the adapter is given: what `env.EMAIL.send(new EmailMessage(from, to, raw))` does. */
    async transport(from: string, to: string, raw: string): Promise<{ messageId: string }> {
      calls++;
      const fault = faults.shift();
      if (fault === "hang") return new Promise(() => {});
      if (fault === "rate-limit") throw new Error("Email sending rate limit exceeded");
      if (fault === "internal") throw new Error("internal error");
      const domain = from.split("@")[1] ?? "";
      if (!opts.domains.includes(domain)) throw new Error(`sender domain ${domain} is not onboarded to Email Sending`);
      if (opts.allowedSenders && !opts.allowedSenders.includes(from)) throw new Error(`email from ${from} not allowed`);
      if (raw.length > 5 * 1024 * 1024) throw new Error("message too large");
      const message = readMessage(raw);
      received.push({ from, to, raw, ...message });
      return { messageId: message.headers.get("message-id") ?? "" };
    },
    fail: (...next: EmailFault[]) => void faults.push(...next),
    received: () => received,
    calls: () => calls,
  };
}
