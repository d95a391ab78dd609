import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { rehashPassword } from "../../worker/features/auth/sign-ins.service";
import { createDataAccess, shardDatabase } from "../../worker/platform/db";
import { verifyPassword } from "../../worker/platform/password";
import { call, post, SAME_ORIGIN, subscriberAt } from "./helpers";

/** PBKDF2-SHA-256 records as the previous password code wrote them (salt "kabinet-old-salt"). */
const OLD_SUBSCRIBER = "pbkdf2-sha256$100000$a2FiaW5ldC1vbGQtc2FsdA==$SRhkqyAJOZabB8fg2jXmRr9EYMKm6JZi0uLm0MmG1tg="; // Kabinet2026
const ARGON2ID = /^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/;

let ip = 0;
const login = (identifier: string, password: string) =>
  post("/api/v1/auth/login", { identifier, password }, { "cf-connecting-ip": `198.51.100.${200 + ++ip}` });
const operatorLogin = (login: string, password: string) =>
  call("msk", "/ops/v1/support/session", {
    method: "POST",
    headers: { ...SAME_ORIGIN, "cf-connecting-ip": `203.0.113.${200 + ++ip}` },
    body: JSON.stringify({ login, password }),
  });

/** A subscriber's password record in their home shard's sign-in row (the truth) and the global column (for a rollback). */
async function subscriberHashes(login: string) {
  const { id, homeShard } = await subscriberAt(`demo-${login}`);
  const home = await shardDatabase(env, homeShard)
    ?.prepare("SELECT password_hash AS h FROM sign_ins WHERE subscriber_id = ?")
    .bind(id)
    .first<{ h: string }>();
  const global = await env.DB.prepare("SELECT password_hash AS h FROM subscribers WHERE id = ?").bind(id).first<{ h: string }>();
  return { home: home?.h, global: global?.h };
}
const subscriberHash = async (login: string) => {
  const { home, global } = await subscriberHashes(login);
  expect(home).toBe(global);
  return home;
};
/** Writes a record where a login reads it, as an older deployment's password code left it. */
async function setSubscriberHash(login: string, hash: string) {
  const { id, homeShard } = await subscriberAt(`demo-${login}`);
  await shardDatabase(env, homeShard)?.prepare("UPDATE sign_ins SET password_hash = ? WHERE subscriber_id = ?").bind(hash, id).run();
  await env.DB.prepare("UPDATE subscribers SET password_hash = ? WHERE id = ?").bind(hash, id).run();
}
const operatorHash = async (login: string) =>
  (await env.DB.prepare("SELECT password_hash AS h FROM operators WHERE login = ?").bind(login).first<{ h: string }>())?.h;

describe("rehashing old password records at login", () => {
  it("stores an argon2id record at a subscriber's next successful login, and the password still works", async () => {
    await setSubscriberHash("anna", OLD_SUBSCRIBER);

    expect((await login("anna", "Kabinet2026")).status).toBe(200);
    // The home row holds the new record; the global column, as after any password write here (GLOBAL_PASSWORDS is
    // "drop" by default), only the mark that the home row has it: no record is left behind in the global row.
    const { home: stored, global } = await subscriberHashes("anna");
    expect(stored).toMatch(ARGON2ID);
    expect(global).toBe("@home");
    expect(await verifyPassword("Kabinet2026", stored ?? "")).toBe(true);

    expect((await login("+7 900 000-00-01", "Kabinet2026")).status).toBe(200);
    expect(await subscriberHashes("anna")).toEqual({ home: stored, global: "@home" }); // already current: not hashed again
    expect((await login("anna", "not-the-password")).status).toBe(401);
  });

  it("leaves the old record alone when the password is wrong", async () => {
    await setSubscriberHash("petr", OLD_SUBSCRIBER);
    expect((await login("petr", "Kabinet2025")).status).toBe(401);
    expect(await subscriberHash("petr")).toBe(OLD_SUBSCRIBER);
  });

  it('writes the new record itself to the global column under GLOBAL_PASSWORDS = "keep", for a rollback', async () => {
    await setSubscriberHash("maria", OLD_SUBSCRIBER);
    const keep = createDataAccess({ ...env, GLOBAL_PASSWORDS: "keep" } as typeof env);
    await rehashPassword(keep, await subscriberAt("demo-maria"), OLD_SUBSCRIBER, "$argon2id$kept");
    expect(await subscriberHashes("maria")).toEqual({ home: "$argon2id$kept", global: "$argon2id$kept" });
  });

  it("does not overwrite a password changed between the check and the rehash", async () => {
    await setSubscriberHash("olga", "changed meanwhile");
    await rehashPassword(createDataAccess(env), await subscriberAt("demo-olga"), OLD_SUBSCRIBER, "$argon2id$…");
    expect(await subscriberHash("olga")).toBe("changed meanwhile");
  });

  it("rehashes an operator's PBKDF2 record at sign-in too", async () => {
    const old = "pbkdf2-sha256$100000$a2FiaW5ldC1vbGQtc2FsdA==$n2r/YMSPWaHLv/s8kezMdzNzycdAe1CMihfXcaTNP2s="; // Operator2026
    expect(await verifyPassword("Operator2026", old)).toBe(true);
    await env.DB.prepare("UPDATE operators SET password_hash = ? WHERE login = 'operator.spb'").bind(old).run();

    expect((await operatorLogin("operator.spb", "Operator2026")).status).toBe(200);
    expect(await operatorHash("operator.spb")).toMatch(ARGON2ID);
    expect((await operatorLogin("operator.spb", "Operator2026")).status).toBe(200);
  });
});
