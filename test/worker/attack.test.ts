import { runDurableObjectAlarm } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { solveChallenge } from "altcha-lib";
import { deriveKey } from "altcha-lib/algorithms/web/pbkdf2";
import type { Challenge } from "altcha-lib/types";
import { eq } from "drizzle-orm";
import { beforeEach, describe, expect, it } from "vitest";
import { DEMO_UNREGISTERED } from "../../worker/data/demo.data";
import { CODE_MAX_ATTEMPTS, codeStore, consumeCode, issueCode, targetHash } from "../../worker/features/auth/codes.service";
import { createDataAccess } from "../../worker/platform/db";
import { identityStoreDatabases } from "../../worker/platform/identity-stores";
import { makeAccountNo } from "../../worker/platform/ids";
import { addDays, localDay } from "../../worker/platform/region";
import { guardCount, POLICY, takeAttempt, throttleKey } from "../../worker/platform/throttle";
import { api, call, codeSentTo, json, login, post, SAME_ORIGIN, sessionCookie, stepUp } from "./helpers";
import { changeThrottles, storedRow, throttleObject } from "./throttles";

/**
 * The attacks of issue 19, replayed: secrets guessed by many requests at
 * once, one person's throttle dodged by another spelling of the identifier,
 * a login-name oracle, quotas flooded in parallel. Each sends its requests
 * concurrently: a limit that reads, then writes, lets them all through.
 */

/** As if the earlier tests' delays had passed: each starts with no failures counted. */
const forgetFailures = () => changeThrottles("all", () => undefined);

const ip = (n: number) => ({ "cf-connecting-ip": `203.0.113.${n}` });
const together = <T>(n: number, f: (i: number) => Promise<T>) => Promise.all(Array.from({ length: n }, (_, i) => f(i)));

/**
 * The most password guesses the person's throttle lets through in a burst that lasted `ms`: the free failures and one
 * more at once, then one after each delay earned (2 s, 4 s, …: platform/throttle.do.ts) that passed within the burst.
 * On a loaded two-core runner a burst of 40 logins can outlast the first delay, and a fifth guess is then rightly
 * checked; a count that was not atomic would let most of the 40 through.
 */
function guessesAllowedIn(ms: number): number {
  let allowed = POLICY.identifier.freeFailures + 1;
  let waited = 0;
  for (let delay = 2000; waited + delay <= ms; delay *= 2) {
    waited += delay;
    allowed++;
  }
  return allowed;
}
const count = (statuses: number[], s: number) => statuses.filter((x) => x === s).length;
const wrongFor = (code: string) => (code === "000000" ? "111111" : "000000");

async function solvedCaptcha(): Promise<string> {
  const challenge = await json<Challenge>(await call("msk", "/api/v1/auth/captcha"));
  const solution = await solveChallenge({ challenge, deriveKey });
  if (!solution) throw new Error("captcha not solved");
  return btoa(JSON.stringify({ challenge, solution }));
}

/** Attempts a code's row has had checked (the newest code of the purpose, in whichever identity store it is). */
async function checkedAttempts(purpose: string) {
  const rows = await Promise.all(
    identityStoreDatabases(env).map((store) =>
      store
        .prepare("SELECT attempts, created_at AS at FROM one_time_codes WHERE purpose = ? ORDER BY created_at DESC LIMIT 1")
        .bind(purpose)
        .first<{ attempts: number; at: number }>(),
    ),
  );
  return rows.filter((r) => r !== null).sort((a, b) => b.at - a.at)[0]?.attempts;
}

/**
 * Two bursts of guesses, as if the throttle's delay had passed between them.
 * Each burst gets at most 5 answers that were checked (400, the rest 429);
 * in all, the code is checked exactly 5 times and then dead.
 */
async function twoBursts(purpose: string, n: number, send: (i: number) => Promise<Response>) {
  const sent: number[] = [];
  for (const _ of [1, 2]) {
    const statuses = (await together(n, send)).map((r) => r.status);
    expect(statuses.every((x) => x === 400 || x === 429)).toBe(true);
    expect(count(statuses, 400)).toBeGreaterThan(0);
    expect(count(statuses, 400)).toBeLessThanOrEqual(CODE_MAX_ATTEMPTS);
    sent.push(...statuses);
    await forgetFailures();
  }
  expect(await checkedAttempts(purpose)).toBe(CODE_MAX_ATTEMPTS);
  return sent;
}

describe("one-time codes guessed in parallel", { timeout: 60_000 }, () => {
  beforeEach(forgetFailures);

  it("login code: 60 guesses at once from one address get at most 5 checked, and the right code is refused afterwards", async () => {
    const since = Date.now();
    expect((await post("/api/v1/auth/code", { identifier: "olga" }, ip(1))).status).toBe(202);
    const code = await codeSentTo("+79000000003", since);
    await twoBursts("login", 60, () => post("/api/v1/auth/code/verify", { identifier: "olga", code: wrongFor(code) }, ip(2)));
    expect((await post("/api/v1/auth/code/verify", { identifier: "olga", code }, ip(3))).status).toBe(400);
  });

  it("the same guesses from 60 addresses and three spellings of the person still get at most 5 checked", async () => {
    const since = Date.now();
    expect((await post("/api/v1/auth/code", { identifier: "+7 900 000-00-02" }, ip(10))).status).toBe(202);
    const code = await codeSentTo("+79000000002", since);
    const spellings = ["+79000000002", "8 900 000 00 02", "+7 (900) 000-00-02"];
    await twoBursts("login", 60, (i) =>
      post("/api/v1/auth/code/verify", { identifier: spellings[i % 3], code: wrongFor(code) }, ip(100 + i)),
    );
    expect((await post("/api/v1/auth/code/verify", { identifier: "+79000000002", code }, ip(11))).status).toBe(400);
  });

  it("a code itself counts every check in one statement: 50 parallel wrong guesses leave it dead at exactly 5", async () => {
    const db = createDataAccess(env);
    let sent = "";
    await issueCode(
      db,
      async (m) => {
        sent = /(\d{6})/.exec("text" in m ? m.text : "")?.[1] ?? "";
      },
      { purpose: "login", target: "t:parallel", deliver: { channel: "sms", to: "+79990000000" } },
    );
    const results = await together(50, () =>
      consumeCode(db, { purpose: "login", target: "t:parallel", code: wrongFor(sent) }).then(
        () => "ok",
        () => "refused",
      ),
    );
    expect(results.every((r) => r === "refused")).toBe(true);
    // The code is in the identity store its target hashes to (codes.service.ts), not in the global database.
    const tHash = await targetHash("login", "t:parallel");
    const store = codeStore(db, tHash);
    const row = await store.db.select({ attempts: store.table.attempts }).from(store.table).where(eq(store.table.targetHash, tHash)).get();
    expect(row?.attempts).toBe(CODE_MAX_ATTEMPTS);
    expect(await env.DB.prepare("SELECT count(*) AS n FROM one_time_codes").first("n")).toBe(0);
    await expect(consumeCode(db, { purpose: "login", target: "t:parallel", code: sent })).rejects.toThrow();
  });

  it("step-up code: 50 guesses at once get at most 5 checked, and the right code is refused afterwards", async () => {
    const cookie = await login("anna");
    const since = Date.now();
    expect((await api(cookie, "/auth/step-up/start", { method: "POST", body: "{}" })).status).toBe(202);
    const code = await codeSentTo("+79000000001", since);
    await twoBursts("step_up", 50, (i) =>
      api(cookie, "/auth/step-up/verify", { method: "POST", headers: ip(150 + i), body: JSON.stringify({ code: wrongFor(code) }) }),
    );
    expect((await api(cookie, "/auth/step-up/verify", { method: "POST", body: JSON.stringify({ code }) })).status).toBe(400);
  });

  it("recovery code: 50 guesses at once get at most 5 checked; the password is not changed", async () => {
    const since = Date.now();
    const start = await post("/api/v1/auth/recover/start", { identifier: "maria", channel: "sms", captcha: await solvedCaptcha() }, ip(20));
    expect(start.status).toBe(202);
    const code = await codeSentTo("+79000000004", since);
    const password = "white nights on the neva";
    await twoBursts("recover", 50, (i) =>
      post("/api/v1/auth/recover/complete", { identifier: "maria", code: wrongFor(code), password }, ip(200 + i)),
    );
    expect((await post("/api/v1/auth/recover/complete", { identifier: "maria", code, password }, ip(21))).status).toBe(400);
    expect((await post("/api/v1/auth/login", { identifier: "maria.ivanova@example.com", password: "Kabinet2026" }, ip(22))).status).toBe(
      200,
    );
  });
});

describe("the password throttle belongs to the person", { timeout: 30_000 }, () => {
  beforeEach(forgetFailures);

  it("phone, login, email and account number share one allowance, also when sent at once", async () => {
    const spellings = ["+7 900 000-00-04", "maria", "maria.ivanova@example.com", makeAccountNo("30200000004")];
    const started = Date.now();
    const statuses = (
      await together(40, (i) => post("/api/v1/auth/login", { identifier: spellings[i % 4], password: `wrong-${i}` }, ip((i % 200) + 1)))
    ).map((r) => r.status);
    const allowed = guessesAllowedIn(Date.now() - started);
    // 3 free failures and one more: at most 4 guesses checked, whatever spelling and address (one more per delay the
    // burst outlasted).
    expect(statuses.every((x) => x === 401 || x === 429)).toBe(true);
    expect(count(statuses, 401)).toBeLessThanOrEqual(allowed);
    expect(count(statuses, 429)).toBeGreaterThanOrEqual(40 - allowed);
    // A slow machine may take longer over the burst than the 2 s delay it earned: as if its last guess came just now.
    await changeThrottles(["identifier"], (row) => ({ ...row, lastFailureAt: Date.now() }));
    for (const identifier of spellings) {
      const res = await post("/api/v1/auth/login", { identifier, password: "Kabinet2026" }, ip(250));
      expect(res.status).toBe(429);
      expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
      expect((await json<{ detail: string }>(res)).detail).toMatch(/Повторите через \d+ с\./);
    }
  });

  it("an unknown identifier is throttled as typed, with the same answers as a person", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++)
      statuses.push((await post("/api/v1/auth/login", { identifier: "nobody-by-this-name", password: `x-${i}` }, ip(30 + i))).status);
    expect(statuses.slice(0, 4)).toEqual([401, 401, 401, 401]);
    expect(statuses.slice(4)).toEqual([429, 429]);
  });

  it("a success gives the attempt back: the person's count is cleared", async () => {
    for (let i = 0; i < 3; i++) await post("/api/v1/auth/login", { identifier: "anna", password: `wrong-${i}` }, ip(40));
    expect((await post("/api/v1/auth/login", { identifier: "+79000000001", password: "Kabinet2026" }, ip(41))).status).toBe(200);
    for (let i = 0; i < 4; i++)
      expect((await post("/api/v1/auth/login", { identifier: "anna.ivanova@example.com", password: `again-${i}` }, ip(42))).status).toBe(
        401,
      );
    expect((await post("/api/v1/auth/login", { identifier: "anna", password: "again" }, ip(42))).status).toBe(429);
  });

  it("a flood on one identifier is refused before the database is read, with the same 429 and Retry-After", async () => {
    // 3 free failures and one more, then the 2 s delay: the fifth is refused by the person's key.
    for (let i = 0; i < 5; i++) await post("/api/v1/auth/login", { identifier: "petr", password: `wrong-${i}` }, ip(160 + i));
    const flood = await together(30, (i) => post("/api/v1/auth/login", { identifier: "petr", password: `flood-${i}` }, ip(170 + i)));
    for (const res of flood) {
      expect(res.status).toBe(429);
      expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
      expect((await json<{ detail: string }>(res)).detail).toMatch(/Повторите через \d+ с\./);
      // No D1 statement at all (the app reports them in Server-Timing): neither the person's lookup nor a count.
      expect(res.headers.get("server-timing") ?? "").not.toMatch(/d1/);
    }
  });

  it("operator sign-in: 40 parallel guesses get at most 4 checked", async () => {
    const started = Date.now();
    const statuses = (
      await together(40, (i) =>
        call("msk", "/ops/v1/support/session", {
          method: "POST",
          headers: { ...SAME_ORIGIN, ...ip(i + 1) },
          body: JSON.stringify({ login: "operator.msk", password: `wrong-${i}` }),
        }),
      )
    ).map((r) => r.status);
    const allowed = guessesAllowedIn(Date.now() - started);
    expect(statuses.every((x) => x === 401 || x === 429)).toBe(true);
    expect(count(statuses, 401)).toBeLessThanOrEqual(allowed);
    expect(count(statuses, 429)).toBeGreaterThanOrEqual(40 - allowed);
  });
});

describe("registration tells nothing about logins without a valid code", () => {
  const accountNo = makeAccountNo(DEMO_UNREGISTERED.body11);
  const base = { by: "account", accountNo, channel: "sms" };

  it("a taken and a free login get the same 400 for a wrong code, then the same 429", async () => {
    const since = Date.now();
    expect((await post("/api/v1/auth/register/start", base, ip(60))).status).toBe(202);
    const code = await codeSentTo(DEMO_UNREGISTERED.phone, since);
    const answers: { status: number; type: string }[] = [];
    for (let i = 0; i < 6; i++) {
      const res = await post(
        "/api/v1/auth/register/complete",
        { ...base, code: wrongFor(code), login: i % 2 ? "anna" : `free-login-${i}`, password: "ural mountains in july" },
        ip(61 + i),
      );
      answers.push({ status: res.status, type: (await json<{ type: string }>(res)).type });
    }
    expect(answers.map((a) => a.status)).toEqual([400, 400, 400, 400, 429, 429]);
    expect(new Set(answers.slice(0, 4).map((a) => a.type))).toEqual(new Set(["urn:kabinet:problem:invalid-code"]));
  });

  it("with a valid code a taken login is named, the code survives, and another login registers", async () => {
    // As if the previous test's minute and delays had passed: a fresh code (the resend limit), no wait.
    await changeThrottles(["resend", "identifier"], () => undefined);
    const since = Date.now();
    expect((await post("/api/v1/auth/register/start", base, ip(70))).status).toBe(202);
    const code = await codeSentTo(DEMO_UNREGISTERED.phone, since);
    const taken = await post(
      "/api/v1/auth/register/complete",
      { ...base, code, login: "anna", password: "ural mountains in july" },
      ip(71),
    );
    expect(taken.status).toBe(409);
    const ok = await post("/api/v1/auth/register/complete", { ...base, code, login: "sergey", password: "ural mountains in july" }, ip(71));
    expect(ok.status).toBe(201);
    sessionCookie(ok);
  });
});

describe("quotas hold under a flood of parallel requests", { timeout: 30_000 }, () => {
  it("one code a minute per identifier: 10 requests at once from 10 addresses send one code", async () => {
    const statuses = (await together(10, (i) => post("/api/v1/auth/code", { identifier: "anna" }, ip(80 + i)))).map((r) => r.status);
    expect(count(statuses, 202)).toBe(1);
    expect(count(statuses, 429)).toBe(9);
  });

  it("codes sent at one address's request: 30 at once for different numbers send 20", async () => {
    const statuses = (
      await together(30, (i) => post("/api/v1/auth/code", { identifier: `+7 902 000-00-${String(i).padStart(2, "0")}` }, ip(99)))
    ).map((r) => r.status);
    expect(count(statuses, 202)).toBe(POLICY.codes.lockAfter);
    expect(count(statuses, 429)).toBe(10);
  });

  it("applications a day: 25 at once file 20", async () => {
    const maria = await login("maria");
    // Each in a window of its own: a window's capacity (visits.data.ts) is not what this counts.
    const body = (i: number) =>
      JSON.stringify({
        kind: "callout",
        accountNo: makeAccountNo("30200000004"),
        problem: "Проверка",
        preferredDay: addDays(localDay("Europe/Moscow"), 2 + (i % 9)),
        preferredSlot: ["09-13", "13-17", "17-21"][Math.floor(i / 9)],
        contactPhone: "+79000000004",
      });
    const statuses = (await together(25, (i) => api(maria, "/applications", { method: "POST", body: body(i) }))).map((r) => r.status);
    expect(count(statuses, 201)).toBe(POLICY.applications.lockAfter);
    expect(count(statuses, 429)).toBe(5);
  });

  it("requests a day: 15 at once file 10", async () => {
    const petr = await login("petr");
    const statuses = (
      await together(15, (i) =>
        api(petr, "/support/tickets", {
          method: "POST",
          body: JSON.stringify({ category: "billing", subject: `Вопрос ${i}`, text: "Подскажите, пожалуйста." }),
        }),
      )
    ).map((r) => r.status);
    expect(count(statuses, 201)).toBe(POLICY.tickets.lockAfter);
    expect(count(statuses, 429)).toBe(5);
  });

  it("usage reports an hour: 15 at once order 10", async () => {
    const olga = await login("olga");
    const no = makeAccountNo("90700000009");
    const statuses = (
      await together(15, () =>
        api(olga, `/accounts/${no}/usage/reports`, {
          method: "POST",
          body: JSON.stringify({ from: "2026-11-01", to: "2026-11-01", format: "xlsx" }),
        }),
      )
    ).map((r) => r.status);
    expect(count(statuses, 202)).toBe(POLICY.reports.lockAfter);
    expect(count(statuses, 429)).toBe(5);
  });

  it("chat messages a minute: 30 at once post 20", async () => {
    const anna = await login("anna");
    const started = await api(anna, "/support/chats", { method: "POST", body: JSON.stringify({ topic: "other" }) });
    const { chat } = await json<{ chat: { id: string } }>(started);
    const statuses = (
      await together(30, (i) =>
        api(anna, `/support/chats/${chat.id}/messages`, {
          method: "POST",
          body: JSON.stringify({ text: `${i}`, clientId: `flood-${String(i).padStart(4, "0")}` }),
        }),
      )
    ).map((r) => r.status);
    expect(count(statuses, 429)).toBe(30 - POLICY.messages.lockAfter);
    expect(statuses.filter((x) => x !== 429).every((x) => x === 201 || x === 200)).toBe(true);
  });

  it("visitor chats from one address: 10 at once open 5", async () => {
    const statuses = (
      await together(10, () =>
        call("msk", "/api/v1/support/chats", {
          method: "POST",
          headers: { ...SAME_ORIGIN, ...ip(120) },
          body: JSON.stringify({ name: "Виктор", phone: "+79005551234" }),
        }),
      )
    ).map((r) => r.status);
    expect(count(statuses, 201)).toBe(POLICY.chats.lockAfter);
    expect(count(statuses, 429)).toBe(5);
  });
});

describe("abuse counts are forgotten after their window", () => {
  it("an idle key's object deletes its count when the window is over, and keeps a locked or recent one", async () => {
    const now = Date.now();
    const day = 24 * 3600_000;
    const old = await throttleKey("identifier", "window:old");
    const recent = await throttleKey("identifier", "window:recent");
    const locked = await throttleKey("identifier", "window:locked");
    const guard = (key: string) => [{ scope: "identifier" as const, key }];
    // Two days ago (the window is 15 minutes), a minute ago, and ten failures 65 s apart (past each doubling delay) that lock it.
    await takeAttempt(guard(old), now - 2 * day);
    await takeAttempt(guard(recent), now - 60_000);
    for (let i = 0; i < POLICY.identifier.lockAfter; i++) await takeAttempt(guard(locked), now - 600_000 + i * 65_000);
    // Each object's alarm runs as the runtime would run it (the old one's is long due, the others' not yet).
    for (const key of [old, recent, locked]) await runDurableObjectAlarm(throttleObject(key));
    expect(await storedRow(old)).toBeUndefined();
    expect((await storedRow(recent))?.failures).toBe(1);
    expect((await storedRow(locked))?.failures).toBe(POLICY.identifier.lockAfter);
    // The locked key is still refused; the forgotten one starts again from nothing.
    await expect(takeAttempt(guard(locked), now)).rejects.toMatchObject({ status: 429 });
    await expect(takeAttempt(guard(old), now)).resolves.toBeDefined();
    expect((await storedRow(old))?.failures).toBe(1);
  });
});

describe("codes confirmed by a logged-in subscriber", { timeout: 30_000 }, () => {
  beforeEach(forgetFailures);

  it("relatives' account linking: guesses over many accounts at once still get at most 4 checked per subscriber", async () => {
    const olga = await login("olga");
    // Codes started for ten accounts, then 40 guesses at once spread over them.
    const accounts = ["30200000004", "40300000005", "50400000006", "20100000002", "60700000003"].map(makeAccountNo);
    for (const accountNo of accounts)
      expect(
        (await api(olga, "/accounts/link/start", { method: "POST", body: JSON.stringify({ accountNo, channel: "sms" }) })).status,
      ).toBe(202);
    const statuses = (
      await together(40, (i) =>
        api(olga, "/accounts/link/confirm", {
          method: "POST",
          headers: ip(i + 1),
          body: JSON.stringify({ accountNo: accounts[i % accounts.length], code: "000000", role: "viewer" }),
        }),
      )
    ).map((r) => r.status);
    expect(statuses.every((x) => x === 400 || x === 429)).toBe(true);
    expect(count(statuses, 400)).toBeLessThanOrEqual(POLICY.confirm.freeFailures + 1);
  });

  it("a new phone's code: 30 guesses at once get at most 4 checked", async () => {
    const cookie = await stepUp(await login("petr"), "+79000000002");
    expect((await api(cookie, "/me/phone/start", { method: "POST", body: JSON.stringify({ phone: "+7 900 555-66-77" }) })).status).toBe(
      202,
    );
    const statuses = (
      await together(30, (i) =>
        api(cookie, "/me/phone/verify", { method: "POST", headers: ip(i + 1), body: JSON.stringify({ code: "000000" }) }),
      )
    ).map((r) => r.status);
    expect(statuses.every((x) => x === 400 || x === 429)).toBe(true);
    expect(count(statuses, 400)).toBeLessThanOrEqual(POLICY.confirm.freeFailures + 1);
  });
});

describe("what an attacker's refused or refunded attempts cost", { timeout: 30_000 }, () => {
  beforeEach(forgetFailures);

  it("probing a locked person still costs the address", async () => {
    for (let i = 0; i < 10; i++) await post("/api/v1/auth/login", { identifier: "maria", password: `wrong-${i}` }, ip(i + 1));
    // As if her 10 failures had come in 15 minutes: she is locked.
    await changeThrottles(["identifier"], (row) => ({ ...row, lockedUntil: Date.now() + 900_000 }));
    // One address probes other spellings of the locked person: all refused, and counted against the address.
    const probes = (
      await together(60, (i) =>
        post("/api/v1/auth/login", { identifier: i % 2 ? "+79000000004" : "maria.ivanova@example.com", password: "x" }, ip(90)),
      )
    ).map((r) => r.status);
    expect(count(probes, 429)).toBe(60);
    const address = await storedRow(await throttleKey("address", "203.0.113.90"));
    // 20 free, then the doubling delay: the address is already slowed down for every person it names.
    expect(address?.failures).toBeGreaterThan(POLICY.address.freeFailures);
    expect((await post("/api/v1/auth/login", { identifier: "petr", password: "Kabinet2026" }, ip(91))).status).toBe(200);
  });

  it("registration with a code of one's own: naming taken logins costs attempts like wrong codes", async () => {
    const since = Date.now();
    expect((await post("/api/v1/auth/register/start", { by: "email", email: "prober@example.com" }, ip(95))).status).toBe(202);
    const code = await codeSentTo("prober@example.com", since);
    // Six taken logins at once with the right code: answered like six wrong codes, 4 checked and 2 refused.
    const answers = (
      await together(6, (i) =>
        post(
          "/api/v1/auth/register/complete",
          { by: "email", email: "prober@example.com", code, login: ["anna", "petr", "olga"][i % 3], password: "ural mountains in july" },
          ip(96),
        ),
      )
    ).map((r) => r.status);
    expect(count(answers, 409)).toBe(POLICY.identifier.freeFailures + 1);
    expect(count(answers, 429)).toBe(2);
  });

  it("a success gives its attempt back and lifts the lock that attempt set", async () => {
    const guards = [{ scope: "address" as const, key: "address:office" }];
    let t = Date.now();
    for (let i = 0; i < POLICY.address.lockAfter - 1; i++) {
      await takeAttempt(guards, t);
      t += 1000 * 2 ** 10 + 1; // past any doubling delay
    }
    const last = await takeAttempt(guards, t); // the 50th: locks the address...
    await last.succeeded(); // ...but it was a right password: the hour's lock goes with the attempt
    // Only the doubling delay of its 49 failures remains (~17 min), not the hour.
    await expect(takeAttempt(guards, t + 1000 * 2 ** 10 + 1)).resolves.toBeDefined();
  });
});

describe("quota windows", () => {
  it("a quota is counted in a fixed window from its first use: a slow, steady sender is never refused", async () => {
    const t0 = Date.now();
    // An operator answering every 45 s for half an hour: 40 messages, never more than 20 in one minute.
    for (let i = 0; i < 40; i++) await guardCount("messages", "chat-x:operator", t0 + i * 45_000);
    // A flood: 20 in a second, the 21st refused until the window started by the first is over.
    const t1 = t0 + 3600_000;
    for (let i = 0; i < 20; i++) await guardCount("messages", "chat-y:visitor", t1 + i * 50);
    await expect(guardCount("messages", "chat-y:visitor", t1 + 1000)).rejects.toMatchObject({ status: 429 });
    await expect(guardCount("messages", "chat-y:visitor", t1 + 60_001)).resolves.toBeUndefined();
  });
});
