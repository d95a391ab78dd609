/** A Worker that only hashes, for the password-hashing benchmark (served by `wrangler dev`). */
const enc = new TextEncoder();

async function pbkdf2(iterations: number) {
  const key = await crypto.subtle.importKey("raw", enc.encode("correct horse battery staple"), "PBKDF2", false, ["deriveBits"]);
  return crypto.subtle.deriveBits(
    { name: "PBKDF2", hash: "SHA-256", salt: crypto.getRandomValues(new Uint8Array(16)), iterations },
    key,
    256,
  );
}

export default {
  async fetch(req: Request) {
    const url = new URL(req.url);
    if (url.pathname === "/sha256") await crypto.subtle.digest("SHA-256", enc.encode("x"));
    if (url.pathname === "/pbkdf2") await pbkdf2(Number(url.searchParams.get("i")));
    return new Response("ok");
  },
};
