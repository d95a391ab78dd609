/** A Worker that only hashes, for the password-hashing benchmark (served by `wrangler dev`). */

import noSimdWasm from "argon2id/dist/no-simd.wasm";
import simdWasm from "argon2id/dist/simd.wasm";
import setupWasm from "argon2id/lib/setup.js";
import { hashPassword } from "../../worker/platform/password";

const enc = new TextEncoder();

async function pbkdf2(iterations: number) {
  const key = await crypto.subtle.importKey("raw", enc.encode("correct horse battery staple"), "PBKDF2", false, ["deriveBits"]);
  return crypto.subtle.deriveBits(
    { name: "PBKDF2", hash: "SHA-256", salt: crypto.getRandomValues(new Uint8Array(16)), iterations },
    key,
    256,
  );
}

/** What Kabinet avoids, for the memory figures: a new instance (and 65 MiB memory) for every hash. */
async function argon2idFreshInstance() {
  const load = (module: WebAssembly.Module) => async (imports: WebAssembly.Imports) => ({
    module,
    instance: await WebAssembly.instantiate(module, imports),
  });
  const argon2id = await setupWasm(load(simdWasm), load(noSimdWasm));
  argon2id({
    password: enc.encode("correct horse battery staple"),
    salt: crypto.getRandomValues(new Uint8Array(16)),
    memorySize: 19_456,
    passes: 2,
    parallelism: 1,
    tagLength: 32,
  });
}

export default {
  async fetch(req: Request) {
    const url = new URL(req.url);
    if (url.pathname === "/sha256") await crypto.subtle.digest("SHA-256", enc.encode("x"));
    if (url.pathname === "/pbkdf2") await pbkdf2(Number(url.searchParams.get("i")));
    if (url.pathname === "/argon2id") await hashPassword("correct horse battery staple");
    if (url.pathname === "/argon2id-fresh") await argon2idFreshInstance();
    return new Response("ok");
  },
};
