import { describe, expect, it } from "vitest";
import { ARGON2, hashPassword, needsRehash, PBKDF2_ITERATIONS, verifyPassword } from "./password";

/** Written by the PBKDF2 code this module replaced (salt "legacy-pbkdf2-ok"). */
const OLD_PBKDF2 = "pbkdf2-sha256$100000$bGVnYWN5LXBia2RmMi1vaw==$rGN4A3LkZ0eiYAvcLrYL/jnf9GOwThB99gOo3qZgKio=";
/** Made by Node's crypto.argon2Sync (OpenSSL), an independent implementation, at m = 4 MiB, t = 1. */
const WEAK_ARGON2 = "$argon2id$v=19$m=4096,t=1,p=1$d2Vha2VyLXBhcmFtcy0xNg$JoTbN+88vi0Jmtp48Hiya/feTPuaWRLKwFQwv6MkSP4";
const PHC = /^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/;
const bytes = (b64: string) => atob(b64).length;

describe("password hashing", () => {
  it("verifies the right password and refuses a wrong one", async () => {
    const stored = await hashPassword("correct horse battery staple");
    expect(await verifyPassword("correct horse battery staple", stored)).toBe(true);
    expect(await verifyPassword("correct horse battery stapler", stored)).toBe(false);
    expect(await verifyPassword("", stored)).toBe(false);
    expect(await verifyPassword("\u0001", stored)).toBe(false);
    expect(await verifyPassword("c", stored)).toBe(false);
  });

  it("writes a PHC string with OWASP's argon2id parameters, a 16-byte salt and a 32-byte hash", async () => {
    const stored = await hashPassword("correct horse battery staple");
    const [, m, t, p, salt = "", hash = ""] = PHC.exec(stored) ?? [];
    expect({ m: Number(m), t: Number(t), p: Number(p) }).toEqual({ m: 19_456, t: 2, p: 1 });
    expect(ARGON2).toEqual({ memoryKib: 19_456, passes: 2, parallelism: 1 });
    expect(bytes(salt)).toBe(16);
    expect(bytes(hash)).toBe(32);
    expect(salt + hash).not.toContain("="); // PHC: base64 without padding
    expect(needsRehash(stored)).toBe(false);
  });

  it("computes the same argon2id as another implementation (Node's OpenSSL)", async () => {
    const salt = new TextEncoder().encode("0123456789abcdef");
    expect(await hashPassword("correct horse battery staple", salt)).toBe(
      "$argon2id$v=19$m=19456,t=2,p=1$MDEyMzQ1Njc4OWFiY2RlZg$gy5SuVm5Z7Vw7keB9se9p87QGcomaseB/S2U1OhTsM0",
    );
    // Non-ASCII passwords are NFKC-normalised UTF-8, as before.
    expect(
      await verifyPassword("пароль", "$argon2id$v=19$m=19456,t=2,p=1$MDEyMzQ1Njc4OWFiY2RlZg$fbR5vj0thEg1Lsb8z1zBb1I2pQ8l6bVXO2G22yFfmlc"),
    ).toBe(true);
  });

  it("salts each hash", async () => {
    expect(await hashPassword("same")).not.toBe(await hashPassword("same"));
  });

  it("still verifies the PBKDF2 records written before, and asks for them to be rehashed", async () => {
    expect(await verifyPassword("correct horse battery staple", OLD_PBKDF2)).toBe(true);
    expect(await verifyPassword("correct horse battery stapler", OLD_PBKDF2)).toBe(false);
    expect(needsRehash(OLD_PBKDF2)).toBe(true);
    expect(PBKDF2_ITERATIONS).toBeLessThanOrEqual(100_000);
  });

  it("verifies argon2id records of weaker parameters and asks for them to be rehashed", async () => {
    expect(await verifyPassword("correct horse battery staple", WEAK_ARGON2)).toBe(true);
    expect(await verifyPassword("wrong", WEAK_ARGON2)).toBe(false);
    expect(needsRehash(WEAK_ARGON2)).toBe(true);
  });

  it("refuses malformed or over-cost records instead of throwing", async () => {
    expect(await verifyPassword("x", "md5$abc")).toBe(false);
    expect(await verifyPassword("x", "")).toBe(false);
    expect(await verifyPassword("x", "pbkdf2-sha256$900000$AAAA$AAAA")).toBe(false);
    expect(await verifyPassword("x", "pbkdf2-sha256$1000$%%%$AAAA")).toBe(false);
    expect(
      await verifyPassword("x", "$argon2id$v=19$m=1048576,t=2,p=1$MDEyMzQ1Njc4OWFiY2RlZg$gy5SuVm5Z7Vw7keB9se9p87QGcomaseB/S2U1OhTsM0"),
    ).toBe(false);
    expect(
      await verifyPassword("x", "$argon2i$v=19$m=19456,t=2,p=1$MDEyMzQ1Njc4OWFiY2RlZg$gy5SuVm5Z7Vw7keB9se9p87QGcomaseB/S2U1OhTsM0"),
    ).toBe(false);
    expect(
      await verifyPassword("x", "$argon2id$v=16$m=19456,t=2,p=1$MDEyMzQ1Njc4OWFiY2RlZg$gy5SuVm5Z7Vw7keB9se9p87QGcomaseB/S2U1OhTsM0"),
    ).toBe(false);
    expect(needsRehash("md5$abc")).toBe(true);
  });
});
