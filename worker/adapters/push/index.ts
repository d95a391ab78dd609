import { encryptNotification, vapidHeaders } from "@block65/webcrypto-web-push";

/** A browser's push subscription, as `PushSubscription.toJSON()` gives it. */
export interface PushTarget {
  endpoint: string;
  p256dh: string;
  auth: string;
}

/** What the service worker shows: kept small (the encrypted record must stay under 4 KB). */
export interface PushPayload {
  title: string;
  body: string;
  /** The screen to open on click, a path on the subscription's origin. */
  url: string;
  /** Notifications with the same tag replace each other on the device. */
  tag: string;
  kind: string;
  lang: "ru" | "en";
}

export interface PushOptions {
  /** Seconds the push service keeps the message for an offline device (RFC 8030 §5.2). */
  ttl: number;
  urgency: "very-low" | "low" | "normal" | "high";
  /** Replaces an undelivered message with the same topic (RFC 8030 §5.4): a redelivery never queues twice. */
  topic: string;
}

/**
 * sent: the push service accepted it; gone: the subscription expired or was
 * revoked (404/410) and must be removed; rejected: the request itself is
 * wrong (400, 403, 413), retrying cannot help. Anything else throws, so the
 * queue retries with backoff.
 */
export type PushOutcome = { outcome: "sent" | "gone" | "rejected"; status: number };

export interface PushSender {
  send(target: PushTarget, payload: PushPayload, options: PushOptions): Promise<PushOutcome>;
}

/** The largest JSON payload we send: 4096-byte record minus the aes128gcm header (86), tag (16) and padding (1), with margin. */
export const MAX_PAYLOAD_BYTES = 3000;

/** How long a push service may take to answer one message (a timeout is a transient failure). */
export const PUSH_TIMEOUT_MS = 10_000;

export class PushTransientError extends Error {
  /** `status` 0: no answer within PUSH_TIMEOUT_MS. */
  constructor(readonly status: number) {
    super(status ? `push service answered ${status}` : "push service did not answer in time");
    this.name = "PushTransientError";
  }
}

/** Shortens the body until the JSON payload fits the limit (Cyrillic is 2 bytes per letter in UTF-8). */
export function fitPayload(payload: PushPayload): PushPayload {
  const size = (p: PushPayload) => new TextEncoder().encode(JSON.stringify(p)).length;
  let out = payload;
  while (size(out) > MAX_PAYLOAD_BYTES && out.body.length > 0) {
    out = { ...out, body: `${out.body.slice(0, Math.max(0, out.body.length - Math.ceil((size(out) - MAX_PAYLOAD_BYTES) / 2) - 2))}…` };
  }
  return out;
}

/** The Topic header: at most 32 characters of the URL-safe base64 alphabet, derived from the event. */
export async function topicFor(eventId: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(eventId)));
  return btoa(String.fromCharCode(...digest))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "")
    .slice(0, 32);
}

/**
 * Web Push over the real protocol: VAPID (RFC 8292) signed with the private
 * key from secrets, payload encrypted per RFC 8291 (aes128gcm), sent per RFC
 * 8030 with TTL, Urgency and Topic. `@block65/webcrypto-web-push` signs and
 * encrypts with WebCrypto only, so it runs in Workers. `fetcher` is the
 * network; tests pass a local push service.
 */
export function webPush(
  keys: { publicKey: string; privateJwk: string; subject: string },
  fetcher: (req: Request) => Promise<Response> = (req) => fetch(req),
  timeoutMs = PUSH_TIMEOUT_MS,
): PushSender {
  const vapid = { subject: keys.subject, publicKey: keys.publicKey, privateKey: (JSON.parse(keys.privateJwk || "{}") as JsonWebKey).d };
  // One VAPID JWT per push service (its `aud`), reused for an hour of its 12-hour life: signing per message
  // would double the CPU of a fan-out. Push services accept a token until its `exp`.
  const tokens = new Map<string, { authorization: string; until: number }>();
  const authorization = async (endpoint: string) => {
    const aud = new URL(endpoint).origin;
    const cached = tokens.get(aud);
    if (cached && cached.until > Date.now()) return cached.authorization;
    const { headers } = await vapidHeaders({ endpoint, expirationTime: null, keys: { p256dh: "", auth: "" } }, vapid);
    tokens.set(aud, { authorization: headers.authorization, until: Date.now() + 3600_000 });
    return headers.authorization;
  };
  return {
    async send(target, payload, options) {
      const subscription = { endpoint: target.endpoint, expirationTime: null, keys: { p256dh: target.p256dh, auth: target.auth } };
      // Padded to the full record: the size of a message does not tell what it is about.
      const body = await encryptNotification(subscription, new TextEncoder().encode(JSON.stringify(fitPayload(payload))));
      const headers: Record<string, string> = {
        authorization: await authorization(target.endpoint),
        ttl: String(options.ttl),
        topic: options.topic,
        // RFC 8030 §5.3: very-low, low, normal, high.
        urgency: options.urgency,
        "content-encoding": "aes128gcm",
        "content-type": "application/octet-stream",
      };
      // A push service that never answers would hold the whole batch of deliveries (and, locally, the queue behind it):
      // past the limit it counts as a transient failure, retried with backoff like a 5xx.
      let res: Response;
      try {
        res = await fetcher(new Request(target.endpoint, { method: "POST", headers, body, signal: AbortSignal.timeout(timeoutMs) }));
      } catch (e) {
        if (e instanceof Error && (e.name === "TimeoutError" || e.name === "AbortError")) throw new PushTransientError(0);
        throw e;
      }
      // The body is never needed; drain it so the connection is reused.
      await res.body?.cancel();
      if (res.status >= 200 && res.status < 300) return { outcome: "sent", status: res.status };
      if (res.status === 404 || res.status === 410) return { outcome: "gone", status: res.status };
      if ([400, 401, 403, 413].includes(res.status)) return { outcome: "rejected", status: res.status };
      throw new PushTransientError(res.status);
    },
  };
}
