import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { DEMO_UNREGISTERED } from "../../worker/data/demo.data";
import { completeRegistration } from "../../worker/features/auth/flows.service";
import { createDataAccess } from "../../worker/platform/db";
import { identityStoreDatabases, identityStoreIndex, signInKey } from "../../worker/platform/identity-stores";
import { makeAccountNo } from "../../worker/platform/ids";
import { beforeEachBatch, beforeEachRun, call, codeSentTo, holdersOfAccount, json, makeContract, post, sessionCookie } from "./helpers";

const ip = (n: number) => ({ "cf-connecting-ip": `100.64.0.${n}` });

describe("login by one-time code", () => {
  it("sends a 6-digit code by SMS and logs in with it once", async () => {
    const since = Date.now();
    const res = await post("/api/v1/auth/code", { identifier: "8 900 000-00-02" }, ip(1));
    expect(res.status).toBe(202);
    const code = await codeSentTo("+79000000002", since);
    expect(code).toMatch(/^\d{6}$/);
    const ok = await post("/api/v1/auth/code/verify", { identifier: "+79000000002", code }, ip(1));
    expect(ok.status).toBe(200);
    expect((await json<{ profile: { login: string } }>(ok)).profile.login).toBe("petr");
    const replay = await post("/api/v1/auth/code/verify", { identifier: "+79000000002", code }, ip(1));
    expect(replay.status).toBe(400);
    expect((await json<{ title: string }>(replay)).title).toBe("Неверный или устаревший код");
  });

  it("sends by email when asked, and answers an unknown identifier exactly like a known one", async () => {
    const known = await post("/api/v1/auth/code", { identifier: "olga", channel: "email" }, ip(2));
    const unknown = await post("/api/v1/auth/code", { identifier: "ghost-user", channel: "email" }, ip(3));
    expect(known.status).toBe(202);
    expect(unknown.status).toBe(202);
    expect(Object.keys(await json(known))).toEqual(Object.keys(await json(unknown)));
    await codeSentTo("olga.kuznetsova@example.com", Date.now() - 5000);
  });

  it("refuses a second code within a minute, with Retry-After", async () => {
    expect((await post("/api/v1/auth/code", { identifier: "maria" }, ip(4))).status).toBe(202);
    const again = await post("/api/v1/auth/code", { identifier: "maria" }, ip(4));
    expect(again.status).toBe(429);
    expect(Number(again.headers.get("retry-after"))).toBeGreaterThan(50);
  });

  it("kills a code after 5 wrong guesses, even if the right one comes next", async () => {
    const since = Date.now();
    await post("/api/v1/auth/code", { identifier: "anna" }, ip(5));
    const code = await codeSentTo("+79000000001", since);
    const wrong = code === "000000" ? "111111" : "000000";
    for (let i = 0; i < 5; i++) {
      const r = await post("/api/v1/auth/code/verify", { identifier: "anna", code: wrong }, ip(10 + i));
      expect([400, 429]).toContain(r.status);
    }
    const late = await post("/api/v1/auth/code/verify", { identifier: "anna", code }, ip(20));
    expect([400, 429]).toContain(late.status);
  });
});

describe("code sending limits", () => {
  it("refuses a client that asks codes for many different identifiers (SMS pumping)", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 21; i++) {
      statuses.push((await post("/api/v1/auth/code", { identifier: `+7 901 000-00-${String(i).padStart(2, "0")}` }, ip(99))).status);
    }
    expect(statuses.slice(0, 20).every((s) => s === 202)).toBe(true);
    expect(statuses[20]).toBe(429);
    // Another client is not affected.
    expect((await post("/api/v1/auth/code", { identifier: "+7 901 000-00-99" }, ip(98))).status).toBe(202);
  });
});

describe("registration of an existing subscriber", () => {
  it("by account number: a code to the contract's phone, then a login and password", async () => {
    const accountNo = makeAccountNo(DEMO_UNREGISTERED.body11);
    const since = Date.now();
    expect((await post("/api/v1/auth/register/start", { by: "account", accountNo, channel: "sms" }, ip(30))).status).toBe(202);
    const code = await codeSentTo(DEMO_UNREGISTERED.phone, since);
    const body = { by: "account", accountNo, channel: "sms", code, login: "sergey", displayName: "Сергей Петров" };

    const weak = await post("/api/v1/auth/register/complete", { ...body, password: "password1" }, { ...ip(30), "accept-language": "en" });
    expect(weak.status).toBe(400);
    expect((await json<{ errors: { field: string; message: string }[] }>(weak)).errors[0]).toEqual({
      field: "password",
      message: "This password is too common. A phrase of a few words is better",
    });
    const taken = await post("/api/v1/auth/register/complete", { ...body, login: "anna", password: "ural mountains in july" }, ip(30));
    expect(taken.status).toBe(409);

    const ok = await post("/api/v1/auth/register/complete", { ...body, password: "ural mountains in july" }, ip(30));
    expect(ok.status).toBe(201);
    const cookie = sessionCookie(ok);
    expect(
      (await json<{ profile: { phone: string; login: string } }>(await call("ekb", "/api/v1/me", { headers: { cookie } }))).profile,
    ).toMatchObject({
      phone: DEMO_UNREGISTERED.phone,
      login: "sergey",
    });
    const login = await post("/api/v1/auth/login", { identifier: accountNo, password: "ural mountains in july" }, ip(31));
    expect(login.status).toBe(200);

    // The account now has an owner: registering it again is refused after the code.
    const since2 = Date.now();
    await post("/api/v1/auth/register/start", { by: "phone", phone: DEMO_UNREGISTERED.phone }, ip(32));
    const code2 = await codeSentTo(DEMO_UNREGISTERED.phone, since2);
    const again = await post(
      "/api/v1/auth/register/complete",
      { by: "phone", phone: DEMO_UNREGISTERED.phone, code: code2, login: "sergey2", password: "another long phrase here" },
      ip(32),
    );
    expect(again.status).toBe(409);
  });

  it("answers 409 when another registration takes the login at the same moment, and gives the code back for another login", async () => {
    // A contract of its own: its phone gets the code.
    const phone = "+79990001122";
    const accountNo = makeAccountNo("50499999991");
    await makeContract(accountNo, "ekb", { phone });
    const since = Date.now();
    expect((await post("/api/v1/auth/register/start", { by: "phone", phone }, ip(34))).status).toBe(202);
    const code = await codeSentTo(phone, since);
    // The global database as this registration sees it: someone else's registration writes the login «raced»
    // between its check and its own write.
    let raced = false;
    const racing = beforeEachBatch(env.DB, async () => {
      if (raced) return;
      raced = true;
      await env.DB.prepare("INSERT INTO subscribers (id, display_name, login, locale, created_at) VALUES (?, 'Другой', 'raced', 'ru', ?)")
        .bind(`other-${crypto.randomUUID()}`, Date.now())
        .run();
    });
    const input = { by: "phone" as const, phone, code, login: "raced", password: "lake by the pine forest" };
    await expect(
      completeRegistration(createDataAccess({ ...env, DB: racing } as unknown as Env), input, { address: "100.64.0.34", userAgent: null }),
    ).rejects.toMatchObject({ status: 409, slug: "conflict", fields: [{ field: "login", message: "field.loginTaken" }] });
    expect(raced).toBe(true);
    // Its claim of the login was given back (the global row refused it): no key names anyone for «raced».
    const stores = identityStoreDatabases(env);
    const key = signInKey("login", "raced");
    const left = await (stores[identityStoreIndex(key, stores.length)] as D1Database)
      .prepare("SELECT subscriber_id FROM login_keys WHERE key = ?")
      .bind(key)
      .first();
    expect(left).toBeNull();
    // Nothing of it was written: the same code makes the person with another login.
    const ok = await post("/api/v1/auth/register/complete", { ...input, login: "raced2" }, ip(34));
    expect(ok.status).toBe(201);
    const owner = await holdersOfAccount(accountNo);
    expect(owner.map((h) => ({ login: h.login }))).toEqual([{ login: "raced2" }]);
  });

  it("links one owner when the contract's phone and e-mail register at the same moment: the other is a 409", async () => {
    const phone = "+79990003344";
    const email = "twins@example.com";
    const accountNo = makeAccountNo("50499999992");
    const shard = await makeContract(accountNo, "ekb", { phone, email });
    const since = Date.now();
    expect((await post("/api/v1/auth/register/start", { by: "phone", phone }, ip(35))).status).toBe(202);
    expect((await post("/api/v1/auth/register/start", { by: "email", email }, ip(36))).status).toBe(202);
    const byPhone = {
      by: "phone",
      phone,
      code: await codeSentTo(phone, since),
      login: "twin-phone",
      password: "river under the old bridge",
    };
    const byEmail = {
      by: "email" as const,
      email,
      code: await codeSentTo(email, since),
      login: "twin-mail",
      password: "hills behind the quiet town",
    };
    // The e-mail's registration as the account's shard sees it: the phone's is made between its owner check and its
    // claim of the account there (its holder row, written before anything global).
    let phoneAnswer: Response | undefined;
    const shardDb = (env as unknown as Record<string, D1Database>)[shard] as D1Database;
    const racing = beforeEachRun(shardDb, /INSERT INTO account_holders/, async () => {
      phoneAnswer ??= await post("/api/v1/auth/register/complete", byPhone, ip(35));
    });
    await expect(
      completeRegistration(createDataAccess({ ...env, [shard]: racing } as unknown as Env), byEmail, {
        address: "100.64.0.36",
        userAgent: null,
      }),
    ).rejects.toMatchObject({ status: 409, slug: "already_registered" });
    expect(phoneAnswer?.status).toBe(201);
    const owners = await holdersOfAccount(accountNo);
    expect(owners.map((h) => ({ login: h.login }))).toEqual([{ login: "twin-phone" }]);
    expect(await env.DB.prepare("SELECT count(*) AS n FROM subscribers WHERE login = 'twin-mail'").first<number>("n")).toBe(0);
  });

  it("refuses a registration of a contract that another one has claimed in its shard and not yet written globally", async () => {
    const phone = "+79990003355";
    const email = "twins.late@example.com";
    const accountNo = makeAccountNo("50499999993");
    await makeContract(accountNo, "ekb", { phone, email });
    const since = Date.now();
    expect((await post("/api/v1/auth/register/start", { by: "phone", phone }, ip(37))).status).toBe(202);
    expect((await post("/api/v1/auth/register/start", { by: "email", email }, ip(38))).status).toBe(202);
    const byPhone = {
      by: "phone",
      phone,
      code: await codeSentTo(phone, since),
      login: "late-phone",
      password: "river under the old bridge",
    };
    const byEmail = {
      by: "email" as const,
      email,
      code: await codeSentTo(email, since),
      login: "late-mail",
      password: "hills behind the quiet town",
    };
    // The phone's registration comes while the e-mail's has claimed the account (its holder row `adding`) and is on its
    // way to the global database: it finds the claim and is refused, and the e-mail's is made.
    let phoneAnswer: Response | undefined;
    const racing = beforeEachBatch(env.DB, async () => {
      phoneAnswer ??= await post("/api/v1/auth/register/complete", byPhone, ip(37));
    });
    const made = await completeRegistration(createDataAccess({ ...env, DB: racing } as unknown as Env), byEmail, {
      address: "100.64.0.38",
      userAgent: null,
    });
    expect(made.subscriber.login).toBe("late-mail");
    expect(phoneAnswer?.status).toBe(409);
    const owners = await holdersOfAccount(accountNo);
    expect(owners.map((h) => ({ login: h.login }))).toEqual([{ login: "late-mail" }]);
    expect(await env.DB.prepare("SELECT count(*) AS n FROM subscribers WHERE login = 'late-phone'").first<number>("n")).toBe(0);
  });

  it("by a phone with no contract: the code works, then 'no contract found'", async () => {
    const since = Date.now();
    await post("/api/v1/auth/register/start", { by: "phone", phone: "+7 999 123-45-67" }, ip(33));
    const code = await codeSentTo("+79991234567", since);
    const res = await post(
      "/api/v1/auth/register/complete",
      { by: "phone", phone: "+79991234567", code, login: "newbie", password: "sunny day at the lake" },
      ip(33),
    );
    expect(res.status).toBe(404);
    expect((await json<{ title: string }>(res)).title).toBe("Договор не найден");
  });
});

describe("step-up", () => {
  it("is required before changing the phone, and renews the session token", async () => {
    const login = await post("/api/v1/auth/login", { identifier: "olga", password: "Kabinet2026" }, ip(40));
    const cookie = sessionCookie(login);
    const refused = await post("/api/v1/me/phone/start", { phone: "+79001112233" }, { ...ip(40), cookie });
    expect(refused.status).toBe(403);
    expect((await json<{ type: string }>(refused)).type).toBe("urn:kabinet:problem:step-up-required");

    const since = Date.now();
    expect((await post("/api/v1/auth/step-up/start", {}, { ...ip(40), cookie })).status).toBe(202);
    const code = await codeSentTo("+79000000003", since);
    const ok = await post("/api/v1/auth/step-up/verify", { code }, { ...ip(40), cookie });
    expect(ok.status).toBe(200);
    const fresh = sessionCookie(ok);
    expect(fresh).not.toBe(cookie);
    expect((await call("msk", "/api/v1/me", { headers: { cookie } })).status).toBe(401);

    // Her two devices have read her profile (kept in her home shard with her links: no global read next time).
    const other = sessionCookie(await post("/api/v1/auth/login", { identifier: "olga", password: "Kabinet2026" }, ip(41)));
    const phoneOn = async (cookie: string) =>
      (await json<{ profile: { phone: string } }>(await call("msk", "/api/v1/me", { headers: { cookie } }))).profile.phone;
    expect([await phoneOn(fresh), await phoneOn(other)]).toEqual(["+79000000003", "+79000000003"]);
    const since2 = Date.now();
    expect((await post("/api/v1/me/phone/start", { phone: "8 900 111-22-33" }, { ...ip(40), cookie: fresh })).status).toBe(202);
    const code2 = await codeSentTo("+79001112233", since2);
    const changed = await post("/api/v1/me/phone/verify", { code: code2 }, { ...ip(40), cookie: fresh });
    expect(changed.status).toBe(200);
    expect((await json<{ profile: { phone: string } }>(changed)).profile.phone).toBe("+79001112233");
    // The change forgot that copy: both devices show the new phone on their next request.
    expect([await phoneOn(fresh), await phoneOn(other)]).toEqual(["+79001112233", "+79001112233"]);
  });
});

describe("password change", () => {
  it("needs the current password and ends the other sessions", async () => {
    const a = sessionCookie(await post("/api/v1/auth/login", { identifier: "maria.ivanova@example.com", password: "Kabinet2026" }, ip(50)));
    const b = sessionCookie(await post("/api/v1/auth/login", { identifier: "maria.ivanova@example.com", password: "Kabinet2026" }, ip(51)));
    const wrong = await post(
      "/api/v1/me/password",
      { currentPassword: "nope", newPassword: "white nights of june" },
      { ...ip(50), cookie: a },
    );
    expect(wrong.status).toBe(400);
    const ok = await post(
      "/api/v1/me/password",
      { currentPassword: "Kabinet2026", newPassword: "white nights of june" },
      { ...ip(50), cookie: a },
    );
    expect(ok.status).toBe(204);
    const renewed = sessionCookie(ok);
    expect((await call("msk", "/api/v1/me", { headers: { cookie: b } })).status).toBe(401);
    expect((await call("msk", "/api/v1/me", { headers: { cookie: renewed } })).status).toBe(200);
    expect((await post("/api/v1/auth/login", { identifier: "maria", password: "white nights of june" }, ip(52))).status).toBe(200);
  });
});
