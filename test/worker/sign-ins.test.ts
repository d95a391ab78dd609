import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import {
  findSignIn,
  giveUpContact,
  keepSignIn,
  PASSWORD_AT_HOME,
  passwordHashOf,
  writePassword,
} from "../../worker/features/auth/sign-ins.service";
import { createDataAccess, shardDatabase } from "../../worker/platform/db";
import { accountKey, identityStoreDatabases, identityStoreIndex, signInKey } from "../../worker/platform/identity-stores";
import { makeAccountNo } from "../../worker/platform/ids";
import { hashPassword } from "../../worker/platform/password";
import { call, codeSentTo, json, post, sessionCookie, stepUp, subscriberAt } from "./helpers";

/**
 * Password logins by phone, e-mail or login read nothing global (issue 20, features/auth/sign-ins.service.ts): the key
 * in an identity store, then the sign-in row in the home shard. A key the home row does not agree with is not trusted;
 * the global row answers then, and a success there writes the row and the keys.
 */

let address = 0;
const loginAs = (identifier: string, password = "Kabinet2026") =>
  post("/api/v1/auth/login", { identifier, password }, { "cf-connecting-ip": `198.51.100.${++address}` });
const timing = (res: Response) => res.headers.get("server-timing") ?? "";
const readsGlobal = (res: Response) => /d1-DB;/.test(timing(res));

const storeOf = (key: string) => {
  const stores = identityStoreDatabases(env);
  return stores[identityStoreIndex(key, stores.length)] as D1Database;
};
const keyOf = (key: string) =>
  storeOf(key).prepare("SELECT subscriber_id AS subscriberId, home_shard AS homeShard FROM login_keys WHERE key = ?").bind(key).first<{
    subscriberId: string;
    homeShard: string;
  }>();
async function signInRow(subscriberId: string) {
  const { homeShard } = await subscriberAt(subscriberId);
  return (shardDatabase(env, homeShard) as D1Database)
    .prepare("SELECT phone, email, login, password_hash AS hash, display_name AS name FROM sign_ins WHERE subscriber_id = ?")
    .bind(subscriberId)
    .first<{ phone: string | null; email: string | null; login: string | null; hash: string | null; name: string }>();
}
/** A subscriber's global row, as the service reads it. */
async function globalRow(id: string) {
  const r = await env.DB.prepare("SELECT * FROM subscribers WHERE id = ?").bind(id).first<Record<string, unknown>>();
  if (!r) throw new Error(`no subscriber ${id}`);
  return {
    id,
    displayName: r.display_name as string,
    phone: r.phone as string | null,
    email: r.email as string | null,
    login: r.login as string | null,
    passwordHash: r.password_hash as string | null,
    locale: r.locale as string,
    createdAt: new Date(r.created_at as number),
    homeShard: r.home_shard as string,
  };
}

/** Writes a subscriber's sign-in row and keys again from their global row, as a test found them (its hold and stray keys gone). */
async function restoreSignIn(id: string, strayPhones: string[] = []) {
  const row = await globalRow(id);
  for (const key of [
    ...strayPhones.map((p) => signInKey("phone", p)),
    ...(["phone", "email", "login"] as const).flatMap((k) => (row[k] ? [signInKey(k, row[k] as string)] : [])),
  ])
    await storeOf(key).prepare("DELETE FROM login_keys WHERE key = ? AND subscriber_id = ?").bind(key, id).run();
  await (shardDatabase(env, row.homeShard) as D1Database)
    .prepare("UPDATE sign_ins SET updated_at = 0 WHERE subscriber_id = ?")
    .bind(id)
    .run();
  expect(await keepSignIn(createDataAccess(env), row, new Date(1))).toBe(true);
}

const globalHash = async (subscriberId: string) =>
  (await env.DB.prepare("SELECT password_hash AS h FROM subscribers WHERE id = ?").bind(subscriberId).first<{ h: string }>())?.h;

describe("password logins through the identity stores and the home shard", () => {
  it("by phone, e-mail and login: the same profile as before, and nothing global read or written", async () => {
    for (const identifier of ["petr", "+7 900 000-00-02", "Petr.Smirnov@example.com"]) {
      const res = await loginAs(identifier);
      expect(res.status, identifier).toBe(200);
      expect(readsGlobal(res), timing(res)).toBe(false);
      expect(timing(res)).toMatch(/d1-IDENTITY_\d;desc="1 round trip, 1 statement, 0 writes"/);
      const { profile } = await json<{ profile: Record<string, unknown> }>(res);
      expect(profile).toEqual({
        id: "demo-petr",
        displayName: "Пётр Смирнов",
        phone: "+79000000002",
        email: "petr.smirnov@example.com",
        login: "petr",
        hasPassword: true,
        maskedPhone: "+7 900 ***-**-02",
        maskedEmail: "p***@example.com",
      });
      // The profile the session shows is the global row's: the same.
      const me = await call("msk", "/api/v1/me", { headers: { cookie: sessionCookie(res) } });
      expect((await json<{ profile: unknown }>(me)).profile).toEqual(profile);
    }
    // A wrong password through a key is a 401 like any other.
    expect((await loginAs("petr", "Kabinet2025")).status).toBe(401);
  });

  it("a login by SMS code reads and writes nothing global either: the person by key, the code in an identity store", async () => {
    const since = Date.now();
    const asked = await post("/api/v1/auth/code", { identifier: "8 900 000-00-02" }, { "cf-connecting-ip": "198.51.100.240" });
    expect(asked.status).toBe(202);
    expect(readsGlobal(asked), timing(asked)).toBe(false);
    const code = await codeSentTo("+79000000002", since);
    const res = await post("/api/v1/auth/code/verify", { identifier: "+79000000002", code }, { "cf-connecting-ip": "198.51.100.240" });
    expect(res.status).toBe(200);
    expect(readsGlobal(res), timing(res)).toBe(false);
    expect((await json<{ profile: { login: string; maskedPhone: string } }>(res)).profile).toMatchObject({
      login: "petr",
      maskedPhone: "+7 900 ***-**-02",
    });
  });

  it("a code sent for a phone that then passes to another subscriber logs nobody in", async () => {
    const since = Date.now();
    await post("/api/v1/auth/code", { identifier: "+7 900 000-00-03" }, { "cf-connecting-ip": "198.51.100.242" });
    const code = await codeSentTo("+79000000003", since);
    // Olga gives the number up and Anna takes it (the global rows, the sign-in rows and the key), as a contact change
    // would leave them.
    const data = createDataAccess(env);
    const annaPhone = (await globalRow("demo-anna")).phone;
    await giveUpContact(data, await subscriberAt("demo-olga"), new Date());
    await env.DB.prepare("UPDATE subscribers SET phone = NULL WHERE id = 'demo-olga'").run();
    await env.DB.prepare("UPDATE subscribers SET phone = '+79000000003' WHERE id = 'demo-anna'").run();
    expect(await keepSignIn(data, await globalRow("demo-anna"), new Date())).toBe(true);
    try {
      const res = await post("/api/v1/auth/code/verify", { identifier: "+79000000003", code }, { "cf-connecting-ip": "198.51.100.242" });
      expect(res.status).toBe(400);
    } finally {
      await env.DB.prepare("UPDATE subscribers SET phone = ? WHERE id = 'demo-anna'").bind(annaPhone).run();
      await env.DB.prepare("UPDATE subscribers SET phone = '+79000000003' WHERE id = 'demo-olga'").run();
      await restoreSignIn("demo-anna", ["+79000000003"]);
      await restoreSignIn("demo-olga", ["+79000000003"]);
    }
  });

  it("a contact given up leaves the sign-in row before the global row: a code asked for by login never goes to it", async () => {
    const data = createDataAccess(env);
    const petr = await subscriberAt("demo-petr");
    // A change that stopped after the global row changed, before the row was written again.
    await giveUpContact(data, petr, new Date());
    await env.DB.prepare("UPDATE subscribers SET phone = '+79009998877' WHERE id = 'demo-petr'").run();
    try {
      // The row names no identifier any more: every login of his reads the global row.
      expect(await signInRow("demo-petr")).toMatchObject({ phone: null, email: null, login: null });
      const since = Date.now();
      expect((await post("/api/v1/auth/code", { identifier: "petr" }, { "cf-connecting-ip": "198.51.100.243" })).status).toBe(202);
      // The code goes to the number the global row has now, never to the one given up.
      await codeSentTo("+79009998877", since);
      const sms = await env.DB.prepare("SELECT count(*) AS n FROM outbox WHERE recipient = '+79000000002' AND created_at >= ?")
        .bind(since)
        .first("n");
      expect(sms).toBe(0);
      // A login meanwhile (through the global row) succeeds, but its write of the row waits for the change's hold.
      const res = await loginAs("petr");
      expect(res.status).toBe(200);
      expect(readsGlobal(res)).toBe(true);
      expect(await signInRow("demo-petr")).toMatchObject({ phone: null, login: null });
    } finally {
      await env.DB.prepare("UPDATE subscribers SET phone = '+79000000002' WHERE id = 'demo-petr'").run();
      await restoreSignIn("demo-petr", ["+79009998877"]);
    }
  });

  it("a subscriber with no sign-in row yet is read globally once; the success writes the row and the keys, then no global read", async () => {
    const viewer = "demo-biz-viewer";
    expect(await signInRow(viewer)).toBeNull();
    expect(await keyOf(signInKey("login", "biz.viewer"))).toBeNull();
    // A failure writes nothing.
    expect((await loginAs("biz.viewer", "wrong password")).status).toBe(401);
    expect(await signInRow(viewer)).toBeNull();

    const first = await loginAs("biz.viewer");
    expect(first.status).toBe(200);
    expect(readsGlobal(first)).toBe(true);
    expect(await signInRow(viewer)).toEqual({
      phone: "+79000000013",
      email: "i.lebedeva@example.com",
      login: "biz.viewer",
      hash: await globalHash(viewer),
      name: "Ирина Лебедева",
    });
    const { homeShard } = await subscriberAt(viewer);
    for (const key of [
      signInKey("phone", "+79000000013"),
      signInKey("email", "i.lebedeva@example.com"),
      signInKey("login", "biz.viewer"),
    ]) {
      expect(await keyOf(key), key).toEqual({ subscriberId: viewer, homeShard });
    }
    for (const identifier of ["biz.viewer", "+79000000013", "i.lebedeva@example.com"]) {
      const res = await loginAs(identifier);
      expect(res.status).toBe(200);
      expect(readsGlobal(res), identifier).toBe(false);
    }
  });

  it("twelve first logins at once: those let through succeed, and one row is left with its keys", async () => {
    const who = "demo-biz-manager";
    const statuses = (await Promise.all(Array.from({ length: 12 }, (_, i) => loginAs(i % 2 ? "biz.manager" : "+7 900 000-00-12")))).map(
      (r) => r.status,
    );
    // The person's throttle counts the attempts at once before any succeeds: some wait (429), none fails otherwise.
    expect(statuses.every((s) => s === 200 || s === 429)).toBe(true);
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(3);
    const { homeShard } = await subscriberAt(who);
    const rows = await (shardDatabase(env, homeShard) as D1Database)
      .prepare("SELECT count(*) AS n FROM sign_ins WHERE subscriber_id = ?")
      .bind(who)
      .first<{ n: number }>();
    expect(rows?.n).toBe(1);
    expect(await keyOf(signInKey("email", "d.volkov@example.com"))).toEqual({ subscriberId: who, homeShard });
  });

  it("a key that names someone whose row says otherwise is not trusted: the global row answers, and the key is mended", async () => {
    // Petr's phone's key pointed at Anna (a change that stopped half-way, or a forged row).
    const key = signInKey("phone", "+79000000002");
    const anna = await subscriberAt("demo-anna");
    await storeOf(key)
      .prepare("UPDATE login_keys SET subscriber_id = ?, home_shard = ? WHERE key = ?")
      .bind(anna.id, anna.homeShard, key)
      .run();
    // Anna has a password of her own; with Petr's phone it logs nobody in (trusted, the key would have logged her in).
    const hash = await hashPassword("anna's own words");
    const original = await globalHash(anna.id);
    await (shardDatabase(env, anna.homeShard) as D1Database)
      .prepare("UPDATE sign_ins SET password_hash = ? WHERE subscriber_id = ?")
      .bind(hash, anna.id)
      .run();
    await env.DB.prepare("UPDATE subscribers SET password_hash = ? WHERE id = ?").bind(hash, anna.id).run();
    expect((await loginAs("anna", "anna's own words")).status).toBe(200);
    const annaPassword = await loginAs("+79000000002", "anna's own words");
    expect(annaPassword.status).toBe(401);
    // Petr's own password does, through his global row, and his key is his again.
    const petr = await loginAs("+7 900 000-00-02");
    expect(petr.status).toBe(200);
    expect(readsGlobal(petr)).toBe(true);
    expect((await json<{ profile: { id: string } }>(petr)).profile.id).toBe("demo-petr");
    expect(await keyOf(key)).toEqual({ subscriberId: "demo-petr", homeShard: (await subscriberAt("demo-petr")).homeShard });
    expect(readsGlobal(await loginAs("+7 900 000-00-02"))).toBe(false);
    await (shardDatabase(env, anna.homeShard) as D1Database)
      .prepare("UPDATE sign_ins SET password_hash = ? WHERE subscriber_id = ?")
      .bind(original, anna.id)
      .run();
    await env.DB.prepare("UPDATE subscribers SET password_hash = ? WHERE id = ?").bind(original, anna.id).run();
  });

  it("the home row's password is the truth: a global column left behind (a rollback's copy) does not log in", async () => {
    // As if a change had written the home row and its global write had been lost: the global column still has the old.
    const olga = await subscriberAt("demo-olga");
    const home = shardDatabase(env, olga.homeShard) as D1Database;
    const before = await globalHash(olga.id);
    const res = await loginAs("olga");
    expect(res.status).toBe(200);
    const cookie = await stepUp(sessionCookie(res), "+79000000003");
    const changed = await post(
      "/api/v1/me/password",
      { newPassword: "white nights of june" },
      { "cf-connecting-ip": "198.51.100.250", cookie },
    );
    expect(changed.status).toBe(204);
    const after = (await signInRow(olga.id))?.hash;
    expect(after).not.toBe(before);
    // The global column has the mark that the home row holds it, not the record (GLOBAL_PASSWORDS is not "keep").
    expect(await globalHash(olga.id)).toBe(PASSWORD_AT_HOME);
    await env.DB.prepare("UPDATE subscribers SET password_hash = ? WHERE id = ?").bind(before, olga.id).run();
    expect((await loginAs("olga")).status).toBe(401);
    expect((await loginAs("+7 900 000-00-03")).status).toBe(401);
    const ok = await loginAs("olga", "white nights of june");
    expect(ok.status).toBe(200);
    expect(readsGlobal(ok)).toBe(false);
    // A login through the global row (her key lost) uses the home row's record too, and leaves it as it is.
    await storeOf(signInKey("login", "olga")).prepare("DELETE FROM login_keys WHERE key = ?").bind(signInKey("login", "olga")).run();
    expect((await loginAs("olga")).status).toBe(401);
    const viaGlobal = await loginAs("olga", "white nights of june");
    expect(viaGlobal.status).toBe(200);
    expect(readsGlobal(viaGlobal)).toBe(true);
    expect((await signInRow(olga.id))?.hash).toBe(after);
    expect(await home.prepare("SELECT count(*) AS n FROM sign_ins WHERE subscriber_id = ?").bind(olga.id).first("n")).toBe(1);
  });

  it("a changed phone: the old one logs nobody in, the new one logs in through its key", async () => {
    const res = await loginAs("anna");
    const cookie = await stepUp(sessionCookie(res), "+79000000001");
    const since = Date.now();
    const headers = { "cf-connecting-ip": "198.51.100.251", cookie };
    expect((await post("/api/v1/me/phone/start", { phone: "8 900 555-44-33" }, headers)).status).toBe(202);
    const code = await codeSentTo("+79005554433", since);
    expect((await post("/api/v1/me/phone/verify", { code }, headers)).status).toBe(200);
    expect(await keyOf(signInKey("phone", "+79000000001"))).toBeNull();
    expect((await signInRow("demo-anna"))?.phone).toBe("+79005554433");
    expect((await loginAs("+7 900 000-00-01")).status).toBe(401);
    const byNew = await loginAs("+7 900 555-44-33");
    expect(byNew.status).toBe(200);
    expect(readsGlobal(byNew)).toBe(false);
  });

  it("a change that stopped half-way (key dropped, global row changed, home row not) logs in the new phone only", async () => {
    const maria = await subscriberAt("demo-maria");
    const old = "+79000000004";
    await storeOf(signInKey("phone", old)).prepare("DELETE FROM login_keys WHERE key = ?").bind(signInKey("phone", old)).run();
    await env.DB.prepare("UPDATE subscribers SET phone = '+79006667788' WHERE id = ?").bind(maria.id).run();
    expect((await signInRow(maria.id))?.phone).toBe(old);
    expect((await loginAs("+7 900 000-00-04")).status).toBe(401);
    const byNew = await loginAs("+7 900 666-77-88");
    expect(byNew.status).toBe(200);
    expect(readsGlobal(byNew)).toBe(true);
    expect((await signInRow(maria.id))?.phone).toBe("+79006667788");
    expect(readsGlobal(await loginAs("+7 900 666-77-88"))).toBe(false);
  });

  it("a login's write from a read made before a contact change, landing after it, leaves the change and its keys", async () => {
    const data = createDataAccess(env);
    const before = await env.DB.prepare("SELECT * FROM subscribers WHERE id = 'demo-maria'").first<Record<string, unknown>>();
    const readAt = new Date();
    const stale = {
      id: "demo-maria",
      displayName: before?.display_name as string,
      phone: before?.phone as string,
      email: before?.email as string,
      login: before?.login as string,
      passwordHash: before?.password_hash as string,
      locale: "ru",
      createdAt: new Date(),
      homeShard: (await subscriberAt("demo-maria")).homeShard,
    };
    // Her e-mail changes (the code confirmed) after that read…
    const cookie = sessionCookie(await loginAs("maria.ivanova@example.com"));
    const since = Date.now();
    const headers = { "cf-connecting-ip": "198.51.100.253", cookie };
    expect((await post("/api/v1/me/email/start", { email: "maria.new@example.com" }, headers)).status).toBe(202);
    const code = await codeSentTo("maria.new@example.com", since);
    expect((await post("/api/v1/me/email/verify", { code }, headers)).status).toBe(200);
    expect((await signInRow("demo-maria"))?.email).toBe("maria.new@example.com");
    // …and the login's write from the older read lands last: nothing of it is kept.
    expect(await keepSignIn(data, stale, readAt)).toBe(false);
    expect((await signInRow("demo-maria"))?.email).toBe("maria.new@example.com");
    expect(await keyOf(signInKey("email", "maria.ivanova@example.com"))).toBeNull();
    expect((await loginAs("maria.ivanova@example.com")).status).toBe(401);
    expect(readsGlobal(await loginAs("maria.new@example.com"))).toBe(false);
  });

  it("an older record rehashed at a first login through the global row is replaced in the new home row too", async () => {
    const old = "pbkdf2-sha256$100000$a2FiaW5ldC1vbGQtc2FsdA==$SRhkqyAJOZabB8fg2jXmRr9EYMKm6JZi0uLm0MmG1tg="; // Kabinet2026
    await env.DB.prepare("UPDATE subscribers SET password_hash = ? WHERE id = 'demo-biz-accountant'").bind(old).run();
    expect(await signInRow("demo-biz-accountant")).toBeNull();
    expect((await loginAs("biz.accountant")).status).toBe(200);
    const row = await signInRow("demo-biz-accountant");
    expect(row?.hash).toMatch(/^\$argon2id\$/);
    // The home row took the new record (written by the login before its rehash): the global column the mark.
    expect(await globalHash("demo-biz-accountant")).toBe("@home");
    const again = await loginAs("biz.accountant");
    expect(again.status).toBe(200);
    expect(readsGlobal(again)).toBe(false);
  });

  it("a login by account number: the first reads the global row and writes the number's key; once the owner's copy of their links is there, none does", async () => {
    const accountNo = (
      await env.DB.prepare("SELECT account_no AS n FROM account_links WHERE subscriber_id = 'demo-petr' AND role = 'owner' LIMIT 1").first<{
        n: string;
      }>()
    )?.n as string;
    const petr = await subscriberAt("demo-petr");
    const first = await loginAs(accountNo);
    expect(first.status).toBe(200);
    expect(readsGlobal(first)).toBe(true);
    expect(await keyOf(accountKey(accountNo))).toEqual({ subscriberId: "demo-petr", homeShard: petr.homeShard });
    // His session's first request keeps the copy of his links in his home shard.
    expect((await call("msk", "/api/v1/me", { headers: { cookie: sessionCookie(first) } })).status).toBe(200);
    const next = await loginAs(accountNo);
    expect(next.status).toBe(200);
    expect(readsGlobal(next), timing(next)).toBe(false);
    expect((await json<{ profile: { id: string } }>(next)).profile.id).toBe("demo-petr");
    // The key pointed at Anna (a stale key): her copy of her links does not say she owns it, so the global row answers
    // (Petr, not Anna, though their demo passwords are the same), and the key is his again.
    const anna = await subscriberAt("demo-anna");
    await storeOf(accountKey(accountNo))
      .prepare("UPDATE login_keys SET subscriber_id = ?, home_shard = ?, created_at = 1 WHERE key = ?")
      .bind(anna.id, anna.homeShard, accountKey(accountNo))
      .run();
    const annaCookie = sessionCookie(await loginAs("anna"));
    expect((await call("msk", "/api/v1/me", { headers: { cookie: annaCookie } })).status).toBe(200);
    const stale = await loginAs(accountNo);
    expect(stale.status).toBe(200);
    expect(readsGlobal(stale)).toBe(true);
    expect((await json<{ profile: { id: string } }>(stale)).profile.id).toBe("demo-petr");
    expect((await keyOf(accountKey(accountNo)))?.subscriberId).toBe("demo-petr");
    // A key that names a holder of the account who is not its owner (Anna pays Maria's): her copy lists the account,
    // as a payer's, and is not trusted for it either.
    const maria = makeAccountNo("30200000004");
    expect(
      await env.DB.prepare("SELECT role FROM account_links WHERE subscriber_id = 'demo-anna' AND account_no = ?").bind(maria).first("role"),
    ).toBe("payer");
    await storeOf(accountKey(maria))
      .prepare("INSERT OR REPLACE INTO login_keys (key, subscriber_id, home_shard, created_at) VALUES (?, ?, ?, 1)")
      .bind(accountKey(maria), anna.id, anna.homeShard)
      .run();
    const byPayer = await loginAs(maria);
    expect(byPayer.status).toBe(200);
    expect(readsGlobal(byPayer)).toBe(true);
    expect((await json<{ profile: { id: string } }>(byPayer)).profile.id).not.toBe("demo-anna");
  });

  it('under SIGN_INS_STORE = "global" a login reads the global row\'s password, whatever the home row says', async () => {
    // As after a rollback past this release: an older release changed the password in the global row alone.
    const hash = await hashPassword("changed by an older release");
    const kept = (await signInRow("demo-petr"))?.hash;
    await env.DB.prepare("UPDATE subscribers SET password_hash = ? WHERE id = 'demo-petr'").bind(hash).run();
    try {
      const global = createDataAccess({ ...env, SIGN_INS_STORE: "global" } as Env);
      const found = await findSignIn(global, { kind: "login", value: "petr" });
      expect(found?.via).toBe("global");
      expect(found?.passwordHash).toBe(hash);
      expect(found?.global).toBeNull();
      // The default reads the home row's, the truth once the whole fleet writes it.
      expect((await findSignIn(createDataAccess(env), { kind: "login", value: "petr" }))?.passwordHash).toBe(kept);
    } finally {
      await env.DB.prepare("UPDATE subscribers SET password_hash = ? WHERE id = 'demo-petr'").bind(kept).run();
    }
  });

  it("a login's late write from an older read does not undo a newer change of the row", async () => {
    const data = createDataAccess(env);
    const found = await findSignIn(data, { kind: "login", value: "petr" });
    expect(found?.via).toBe("key");
    const s = await env.DB.prepare("SELECT * FROM subscribers WHERE id = 'demo-petr'").first();
    const row = {
      id: "demo-petr",
      displayName: "Пётр Смирнов",
      phone: "+79990000000",
      email: s?.email as string,
      login: "petr",
      passwordHash: null,
      locale: "ru",
      createdAt: new Date(),
      homeShard: (await subscriberAt("demo-petr")).homeShard,
    };
    // Read before the row's last write (the seed's, or a test's above): left as it is, and no key written.
    expect(await keepSignIn(data, row, new Date(0))).toBe(false);
    expect((await signInRow("demo-petr"))?.phone).toBe("+79000000002");
    expect(await keyOf(signInKey("phone", "+79990000000"))).toBeNull();
  });

  it("registration writes the sign-in row and the keys: the first login reads nothing global", async () => {
    // Anna's second phone's contract is one with no owner in the demo (flows.test.ts registers by account number).
    const { DEMO_UNREGISTERED } = await import("../../worker/data/demo.data");
    const { makeAccountNo } = await import("../../worker/platform/ids");
    const accountNo = makeAccountNo(DEMO_UNREGISTERED.body11);
    const since = Date.now();
    expect(
      (await post("/api/v1/auth/register/start", { by: "account", accountNo, channel: "sms" }, { "cf-connecting-ip": "198.51.100.252" }))
        .status,
    ).toBe(202);
    const code = await codeSentTo(DEMO_UNREGISTERED.phone, since);
    const made = await post(
      "/api/v1/auth/register/complete",
      { by: "account", accountNo, channel: "sms", code, login: "sergey", displayName: "Сергей Петров", password: "ural mountains in july" },
      { "cf-connecting-ip": "198.51.100.252" },
    );
    expect(made.status).toBe(201);
    const res = await loginAs("sergey", "ural mountains in july");
    expect(res.status).toBe(200);
    expect(readsGlobal(res)).toBe(false);
    expect(sessionCookie(res)).toBeTruthy();
    // The record is in the home row alone; the global row has the mark that it is there, and a profile that says so.
    const id = (await json<{ profile: { id: string; hasPassword: boolean } }>(res)).profile;
    expect(id.hasPassword).toBe(true);
    expect(await globalHash(id.id)).toBe(PASSWORD_AT_HOME);
    expect((await signInRow(id.id))?.hash).toMatch(/^\$argon2id\$/);
    // Her key lost, a login goes through the global row: the mark is no password there, the home row's record is.
    await storeOf(signInKey("login", "sergey")).prepare("DELETE FROM login_keys WHERE key = ?").bind(signInKey("login", "sergey")).run();
    expect((await loginAs("sergey", PASSWORD_AT_HOME)).status).toBe(401);
    const viaGlobal = await loginAs("sergey", "ural mountains in july");
    expect(viaGlobal.status).toBe(200);
    expect(readsGlobal(viaGlobal)).toBe(true);
  });

  it("the mark is never a record: read home under SIGN_INS_STORE = global, none without a home row; an unbound home keeps the record global", async () => {
    const s = await globalRow("demo-petr");
    const record = (await signInRow("demo-petr"))?.hash as string;
    expect(record).toMatch(/^\$argon2id\$/);
    await env.DB.prepare("UPDATE subscribers SET password_hash = ? WHERE id = 'demo-petr'").bind(PASSWORD_AT_HOME).run();
    try {
      // A deployment back under SIGN_INS_STORE = "global" after the marks: the record is read from the home row.
      const global = createDataAccess({ ...env, SIGN_INS_STORE: "global" } as Env);
      expect((await findSignIn(global, { kind: "login", value: "petr" }))?.passwordHash).toBe(record);
      expect(await passwordHashOf(global, s, PASSWORD_AT_HOME)).toBe(record);
      // With no home row (lost in a restore), the mark is no password.
      expect(await passwordHashOf(createDataAccess(env), { id: "demo-nobody", homeShard: s.homeShard }, PASSWORD_AT_HOME)).toBeNull();
      // A home shard this Worker is not bound to: the record itself goes to the global column (the only copy).
      const unbound = { ...s, id: "demo-nobody", homeShard: "DB_NOWHERE" };
      await env.DB.prepare(
        "INSERT INTO subscribers (id, display_name, login, password_hash, locale, created_at, home_shard) VALUES ('demo-nobody', 'Никто', 'nobody.unbound', NULL, 'ru', ?, 'DB_NOWHERE')",
      )
        .bind(Date.now())
        .run();
      await writePassword(createDataAccess(env), unbound, record);
      expect(await globalHash("demo-nobody")).toBe(record);
    } finally {
      await env.DB.prepare("UPDATE subscribers SET password_hash = ? WHERE id = 'demo-petr'").bind(s.passwordHash).run();
      await env.DB.prepare("DELETE FROM subscribers WHERE id = 'demo-nobody'").run();
    }
  });

  it('under GLOBAL_PASSWORDS = "keep" a new password goes to the global column too (for a rollback), and the home row first', async () => {
    const s = await globalRow("demo-petr");
    const kept = (await signInRow("demo-petr"))?.hash as string;
    const hash = await hashPassword("kept for a rollback");
    try {
      await writePassword(createDataAccess({ ...env, GLOBAL_PASSWORDS: "keep" } as Env), s, hash);
      expect(await globalHash("demo-petr")).toBe(hash);
      expect((await signInRow("demo-petr"))?.hash).toBe(hash);
      // The default writes the mark.
      await writePassword(createDataAccess(env), s, hash);
      expect(await globalHash("demo-petr")).toBe(PASSWORD_AT_HOME);
      expect((await signInRow("demo-petr"))?.hash).toBe(hash);
    } finally {
      await env.DB.prepare("UPDATE subscribers SET password_hash = ? WHERE id = 'demo-petr'").bind(s.passwordHash).run();
      await writePassword(createDataAccess({ ...env, GLOBAL_PASSWORDS: "keep" } as Env), s, kept);
      await env.DB.prepare("UPDATE subscribers SET password_hash = ? WHERE id = 'demo-petr'").bind(s.passwordHash).run();
    }
  });
});
