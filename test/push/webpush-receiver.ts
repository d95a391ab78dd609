/**
 * The receiving end of Web Push, in WebCrypto only (runs in workerd and Node):
 * what a browser vendor's push service checks (the VAPID JWT of RFC 8292
 * against the key the browser subscribed with) and what the browser then does
 * (decrypt the RFC 8291 aes128gcm record with its subscription keys).
 */

const enc = new TextEncoder();
export const b64url = {
  encode: (bytes: Uint8Array) =>
    btoa(String.fromCharCode(...bytes))
      .replace(/\+/g, "-")
      .replace(/\//g, "_")
      .replace(/=+$/, ""),
  decode: (s: string): Uint8Array<ArrayBuffer> => Uint8Array.from(atob(s.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0)),
};

/** A browser's side of a subscription: its ECDH key pair and auth secret. */
export interface BrowserKeys {
  p256dh: string;
  auth: string;
  privateKey: CryptoKey;
  publicRaw: Uint8Array<ArrayBuffer>;
  authSecret: Uint8Array<ArrayBuffer>;
}

export async function browserKeys(): Promise<BrowserKeys> {
  const pair = (await crypto.subtle.generateKey({ name: "ECDH", namedCurve: "P-256" }, true, ["deriveBits"])) as CryptoKeyPair;
  const publicRaw = new Uint8Array((await crypto.subtle.exportKey("raw", pair.publicKey)) as ArrayBuffer);
  const authSecret = crypto.getRandomValues(new Uint8Array(16));
  return { p256dh: b64url.encode(publicRaw), auth: b64url.encode(authSecret), privateKey: pair.privateKey, publicRaw, authSecret };
}

export interface Received {
  /** What the push service answers: 201 when accepted, 401/403 when VAPID fails, 400 when the body cannot be decrypted. */
  status: number;
  error?: string;
  claims?: { aud: string; exp: number; sub: string };
  ttl?: number;
  urgency?: string | null;
  topic?: string | null;
  payload?: unknown;
  bytes?: number;
}

type Bytes = Uint8Array<ArrayBuffer>;
const text = (s: string) => enc.encode(s) as Bytes;

async function hkdf(salt: Bytes, ikm: Bytes, info: Bytes, length: number): Promise<Bytes> {
  const key = await crypto.subtle.importKey("raw", ikm, "HKDF", false, ["deriveBits"]);
  return new Uint8Array(await crypto.subtle.deriveBits({ name: "HKDF", hash: "SHA-256", salt, info }, key, length * 8));
}

const concat = (...parts: Bytes[]): Bytes => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
};

/** Checks the VAPID authorization of a push request: `vapid t=<JWT>, k=<key>`, ES256, aud, exp within 24 h, sub. */
export async function verifyVapid(
  authorization: string | null,
  endpoint: string,
  subscribedKey: string,
  now = Date.now(),
): Promise<{ ok: true; claims: { aud: string; exp: number; sub: string } } | { ok: false; status: number; error: string }> {
  const m = /^vapid t=([^,\s]+),\s*k=([A-Za-z0-9_-]+)$/.exec(authorization ?? "");
  if (!m) return { ok: false, status: 401, error: "no vapid authorization" };
  const [, jwt = "", k = ""] = m;
  if (k !== subscribedKey) return { ok: false, status: 403, error: "key differs from the subscription's applicationServerKey" };
  const [h = "", p = "", sig = ""] = jwt.split(".");
  const header = JSON.parse(new TextDecoder().decode(b64url.decode(h))) as { alg?: string; typ?: string };
  if (header.alg !== "ES256") return { ok: false, status: 401, error: `alg ${header.alg}` };
  const key = await crypto.subtle.importKey("raw", b64url.decode(k), { name: "ECDSA", namedCurve: "P-256" }, false, ["verify"]);
  const valid = await crypto.subtle.verify({ name: "ECDSA", hash: "SHA-256" }, key, b64url.decode(sig), enc.encode(`${h}.${p}`));
  if (!valid) return { ok: false, status: 403, error: "bad signature" };
  const claims = JSON.parse(new TextDecoder().decode(b64url.decode(p))) as { aud: string; exp: number; sub: string };
  if (claims.aud !== new URL(endpoint).origin) return { ok: false, status: 403, error: `aud ${claims.aud}` };
  const secondsLeft = claims.exp - now / 1000;
  if (secondsLeft <= 0 || secondsLeft > 24 * 3600 + 60) return { ok: false, status: 403, error: `exp ${claims.exp}` };
  if (!/^(mailto:|https:)/.test(claims.sub ?? "")) return { ok: false, status: 403, error: `sub ${claims.sub}` };
  return { ok: true, claims };
}

/** Decrypts an RFC 8291 / RFC 8188 aes128gcm body with the browser's keys. */
export async function decrypt(body: Bytes, keys: BrowserKeys): Promise<Bytes> {
  const salt = body.slice(0, 16);
  const rs = new DataView(body.buffer, body.byteOffset + 16, 4).getUint32(0);
  const idlen = body[20] ?? 0;
  const senderPublic = body.slice(21, 21 + idlen);
  const ciphertext = body.slice(21 + idlen);
  if (idlen !== 65 || ciphertext.length > rs) throw new Error("bad header");
  const sender = await crypto.subtle.importKey("raw", senderPublic, { name: "ECDH", namedCurve: "P-256" }, false, []);
  // workerd's types name the field `$public`; the Web Crypto field (and the runtime's) is `public`.
  const shared = new Uint8Array(
    await crypto.subtle.deriveBits(
      { name: "ECDH", public: sender } as unknown as Parameters<typeof crypto.subtle.deriveBits>[0],
      keys.privateKey,
      256,
    ),
  );
  const ikm = await hkdf(keys.authSecret, shared, concat(text("WebPush: info\0"), keys.publicRaw, senderPublic), 32);
  const cek = await hkdf(salt, ikm, text("Content-Encoding: aes128gcm\0"), 16);
  const nonce = await hkdf(salt, ikm, text("Content-Encoding: nonce\0"), 12);
  const key = await crypto.subtle.importKey("raw", cek, "AES-GCM", false, ["decrypt"]);
  const plain = new Uint8Array(await crypto.subtle.decrypt({ name: "AES-GCM", iv: nonce }, key, ciphertext));
  let end = plain.length - 1;
  while (end >= 0 && plain[end] === 0) end--;
  if (plain[end] !== 2) throw new Error("no last-record delimiter");
  return plain.slice(0, end);
}

/** Handles one push request the way a push service and then the browser would. */
export async function receive(req: Request, keys: BrowserKeys, vapidPublicKey: string): Promise<Received> {
  const vapid = await verifyVapid(req.headers.get("authorization"), req.url, vapidPublicKey);
  if (!vapid.ok) return { status: vapid.status, error: vapid.error };
  if (req.headers.get("content-encoding") !== "aes128gcm") return { status: 415, error: "content-encoding" };
  const ttl = Number(req.headers.get("ttl"));
  if (!Number.isInteger(ttl) || ttl < 0) return { status: 400, error: "ttl" };
  const body = new Uint8Array(await req.arrayBuffer());
  if (body.length > 4096) return { status: 413, error: "payload too large" };
  try {
    const plain = await decrypt(body, keys);
    return {
      status: 201,
      claims: vapid.claims,
      ttl,
      urgency: req.headers.get("urgency"),
      topic: req.headers.get("topic"),
      payload: JSON.parse(new TextDecoder().decode(plain)),
      bytes: body.length,
    };
  } catch (err) {
    return { status: 400, error: err instanceof Error ? err.message : "decrypt" };
  }
}
