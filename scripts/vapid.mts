/**
 * VAPID keys (RFC 8292) for web push.
 *
 * `npm run vapid` prints a new pair and the commands that store it as
 * production secrets. `ensureDevVars` gives a fresh checkout its own local
 * pair on first start, in `.dev.vars` (ignored by git), which `wrangler dev`
 * reads; the pair is kept afterwards, so browsers' subscriptions stay valid.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export interface VapidKeys {
  /** Uncompressed P-256 point, base64url: the `applicationServerKey` browsers subscribe with. */
  publicKey: string;
  /** The private key as a JWK (JSON), what the Worker signs with. */
  privateJwk: string;
}

const b64url = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64url");

export async function generateVapidKeys(): Promise<VapidKeys> {
  const pair = (await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, ["sign", "verify"])) as CryptoKeyPair;
  const jwk = await crypto.subtle.exportKey("jwk", pair.privateKey);
  const raw = new Uint8Array(await crypto.subtle.exportKey("raw", pair.publicKey));
  return { publicKey: b64url(raw), privateJwk: JSON.stringify({ kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y, d: jwk.d }) };
}

/** Adds a VAPID pair to `<root>/.dev.vars` unless one is there; returns the pair in use. */
export async function ensureDevVars(root: string): Promise<VapidKeys> {
  const file = join(root, ".dev.vars");
  const text = existsSync(file) ? readFileSync(file, "utf8") : "";
  const get = (name: string) => text.match(new RegExp(`^${name}='?([^'\\n]*)'?$`, "m"))?.[1];
  const publicKey = get("VAPID_PUBLIC_KEY");
  const privateJwk = get("VAPID_PRIVATE_JWK");
  if (publicKey && privateJwk) return { publicKey, privateJwk };
  const keys = await generateVapidKeys();
  const lines = [
    "# Local web-push keys, generated on first start (scripts/vapid.mts). Production: wrangler secret put.",
    `VAPID_PUBLIC_KEY='${keys.publicKey}'`,
    `VAPID_PRIVATE_JWK='${keys.privateJwk}'`,
  ];
  writeFileSync(file, `${text}${text && !text.endsWith("\n") ? "\n" : ""}${lines.join("\n")}\n`);
  return keys;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const keys = await generateVapidKeys();
  console.log(`VAPID_PUBLIC_KEY=${keys.publicKey}\nVAPID_PRIVATE_JWK=${keys.privateJwk}\n`);
  console.log("Store them as production secrets:");
  console.log("  echo '<public key>'  | wrangler secret put VAPID_PUBLIC_KEY --env production");
  console.log("  echo '<private JWK>' | wrangler secret put VAPID_PRIVATE_JWK --env production");
}
