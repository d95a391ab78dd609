/**
 * Password hashing with argon2id (RFC 9106) at OWASP's parameters, stored as
 * PHC strings: `$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>`.
 *
 * Records written before by PBKDF2-HMAC-SHA-256 (`pbkdf2-sha256$<iterations>$<salt>$<hash>`)
 * still verify; `needsRehash` tells the login to store a fresh argon2id hash.
 *
 * The argon2id code is OpenPGP.js's WebAssembly build, imported as modules:
 * Workers refuse to compile WebAssembly from bytes at run time, and wrangler
 * and the vitest plugin turn a `.wasm` import into a compiled module.
 */

import noSimdWasm from "argon2id/dist/no-simd.wasm";
import simdWasm from "argon2id/dist/simd.wasm";
import setupWasm, { type computeHash } from "argon2id/lib/setup.js";
import { timingSafeEqual } from "./crypto";
import { isolateState } from "./isolate-state";

/** OWASP Password Storage Cheat Sheet: m = 19 MiB, t = 2, p = 1. */
export const ARGON2 = { memoryKib: 19_456, passes: 2, parallelism: 1 } as const;
const SALT_BYTES = 16;
const HASH_BYTES = 32;
/**
 * The costliest record verified: the module's memory is 65 MiB from the start
 * (1040 pages, fixed by the build) and never shrinks, so nothing may make it grow.
 */
const MAX = { memoryKib: 65_536, passes: 10, parallelism: 4 } as const;

/** The most PBKDF2 iterations Workers' WebCrypto accepts in production (workerd#1346): the old records' cost. */
export const PBKDF2_ITERATIONS = 100_000;

const b64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));
/** PHC strings use base64 without padding; `atob` accepts either. */
const b64NoPad = (bytes: Uint8Array) => b64(bytes).replace(/=+$/, "");
const unb64 = (s: string) => Uint8Array.from(atob(s), (ch) => ch.charCodeAt(0));
const utf8 = (password: string) => new TextEncoder().encode(password.normalize("NFKC"));

/**
 * One instance per isolate, reused by every hash: its 65 MiB of memory is
 * allocated once, not per call. A Worker runs one hash at a time (they are
 * synchronous), so sharing it is safe.
 */
let argon2: Promise<computeHash> | undefined;
function loadArgon2(): Promise<computeHash> {
  const instantiate = (module: WebAssembly.Module) => async (imports: WebAssembly.Imports) => ({
    module,
    instance: await WebAssembly.instantiate(module, imports),
  });
  argon2 ??= setupWasm(instantiate(simdWasm), instantiate(noSimdWasm)).catch((e: unknown) => {
    argon2 = undefined;
    throw e;
  });
  return argon2;
}

interface Argon2Params {
  memoryKib: number;
  passes: number;
  parallelism: number;
}

/**
 * The library refuses an empty password and a one-byte one below 0x08 (its
 * length check compares the array itself); RFC 9106 allows them, the password
 * policy never does, so they are refused here and can match no record.
 */
const argon2Accepts = (password: Uint8Array) => password.length > 1 || (password[0] ?? 0) >= 8;

async function argon2id(password: string, salt: Uint8Array, p: Argon2Params, tagLength: number): Promise<Uint8Array | null> {
  const bytes = utf8(password);
  if (!argon2Accepts(bytes)) return null;
  const hash = await loadArgon2();
  return hash({ password: bytes, salt, memorySize: p.memoryKib, passes: p.passes, parallelism: p.parallelism, tagLength });
}

async function pbkdf2(password: string, salt: Uint8Array<ArrayBuffer>, iterations: number): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey("raw", utf8(password), "PBKDF2", false, ["deriveBits"]);
  const bits = await crypto.subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt, iterations }, key, 256);
  return new Uint8Array(bits);
}

const PHC = /^\$argon2id\$v=19\$m=(\d{1,10}),t=(\d{1,10}),p=(\d{1,10})\$([A-Za-z0-9+/]{11,})\$([A-Za-z0-9+/]{22,})$/;

type Parsed =
  | { scheme: "argon2id"; params: Argon2Params; salt: Uint8Array; hash: Uint8Array }
  | { scheme: "pbkdf2-sha256"; iterations: number; salt: Uint8Array<ArrayBuffer>; hash: Uint8Array };

/** The stored record's scheme and parameters; undefined if malformed or costlier than we run. */
function parse(stored: string): Parsed | undefined {
  try {
    const m = PHC.exec(stored);
    if (m) {
      const params = { memoryKib: Number(m[1]), passes: Number(m[2]), parallelism: Number(m[3]) };
      const hash = unb64(m[5] as string);
      const ok =
        params.parallelism >= 1 &&
        params.parallelism <= MAX.parallelism &&
        params.passes >= 1 &&
        params.passes <= MAX.passes &&
        params.memoryKib >= 8 * params.parallelism &&
        params.memoryKib <= MAX.memoryKib &&
        hash.length >= 16 &&
        hash.length <= 64;
      return ok ? { scheme: "argon2id", params, salt: unb64(m[4] as string), hash } : undefined;
    }
    const [scheme, iter, salt, hash, extra] = stored.split("$");
    const iterations = Number(iter);
    if (scheme !== "pbkdf2-sha256" || !salt || !hash || extra !== undefined) return undefined;
    if (!Number.isInteger(iterations) || iterations < 1 || iterations > PBKDF2_ITERATIONS) return undefined;
    return { scheme, iterations, salt: unb64(salt), hash: unb64(hash) };
  } catch {
    return undefined; // atob: not base64
  }
}

/** A new argon2id PHC string; the salt is random unless given (tests, fixed demo data). */
export async function hashPassword(
  password: string,
  salt: Uint8Array = crypto.getRandomValues(new Uint8Array(SALT_BYTES)),
): Promise<string> {
  const hash = await argon2id(password, salt, ARGON2, HASH_BYTES);
  if (!hash) throw new Error("password too short to hash");
  const { memoryKib: m, passes: t, parallelism: p } = ARGON2;
  return `$argon2id$v=19$m=${m},t=${t},p=${p}$${b64NoPad(salt)}$${b64NoPad(hash)}`;
}

let hashesChecked = 0;
/** How many passwords this isolate has hashed to check them (what a login storm costs; its tests' proof that a refusal came first). */
export const passwordChecksSoFar = () => hashesChecked;
isolateState("platform/password", () => {
  hashesChecked = 0;
});

/** Checks a password against an argon2id or an old PBKDF2 record, comparing in constant time; false for malformed records. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const record = parse(stored);
  if (!record) return false;
  hashesChecked++;
  const actual =
    record.scheme === "argon2id"
      ? await argon2id(password, record.salt, record.params, record.hash.length)
      : await pbkdf2(password, record.salt, record.iterations);
  return actual !== null && timingSafeEqual(b64(actual), b64(record.hash));
}

/** True when a (verified) record should be replaced at this login: PBKDF2, or argon2id weaker than today's. */
export function needsRehash(stored: string): boolean {
  const record = parse(stored);
  if (record?.scheme !== "argon2id") return true;
  const { params, salt, hash } = record;
  return params.memoryKib < ARGON2.memoryKib || params.passes < ARGON2.passes || salt.length < SALT_BYTES || hash.length < HASH_BYTES;
}
