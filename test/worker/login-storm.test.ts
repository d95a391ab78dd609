import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { solveChallenge } from "altcha-lib";
import { deriveKey } from "altcha-lib/algorithms/web/pbkdf2";
import type { Challenge } from "altcha-lib/types";
import { beforeEach, describe, expect, it } from "vitest";
import { LOGIN_STORM } from "../../worker/data/limits.data";
import { sha256Hex } from "../../worker/platform/crypto";
import { passwordChecksSoFar } from "../../worker/platform/password";
import { throttleKey } from "../../worker/platform/throttle";
import { nextWeather, type StormRow } from "../../worker/platform/throttle.do";
import { forgetLoginStorm, loginStormOn } from "../../worker/platform/throttle-storm";
import { call, json, post } from "./helpers";
import { changeThrottles, storedRow, storedThrottles, throttleObject } from "./throttles";

/**
 * Issue 21's login storm: when a site's failed password logins run high, a
 * login must carry a solved proof of work, checked before any database read
 * or password hash; a flood on one identifier from ever new addresses is
 * refused from memory, without an object per address.
 */

interface ProblemJson {
  type: string;
  title: string;
  detail?: string;
  status: number;
  errors?: { field: string; message: string }[];
}

const CHALLENGE = "urn:kabinet:problem:challenge-required";
const addressOf = (n: number) => `198.18.${(n >> 8) & 255}.${n & 255}`;
const together = <T>(n: number, f: (i: number) => Promise<T>) => Promise.all(Array.from({ length: n }, (_, i) => f(i)));
const count = (statuses: number[], s: number) => statuses.filter((x) => x === s).length;

function attempt(identifier: string, password: string, address: string, extra: { captcha?: string; lang?: string } = {}) {
  const headers: Record<string, string> = { "cf-connecting-ip": address };
  if (extra.lang) headers["accept-language"] = extra.lang;
  return post("/api/v1/auth/login", { identifier, password, ...(extra.captcha ? { captcha: extra.captcha } : {}) }, headers);
}

async function solvedCaptcha(): Promise<string> {
  const challenge = await json<Challenge>(await call("msk", "/api/v1/auth/captcha"));
  const solution = await solveChallenge({ challenge, deriveKey });
  if (!solution) throw new Error("captcha not solved");
  return btoa(JSON.stringify({ challenge, solution }));
}

let nextAddress = 0;
/**
 * `n` failed logins on the Moscow site, as a flood on one person (three spellings, each attempt from a new
 * address) makes them: a few wrong passwords checked, the rest refused by the person's throttle.
 */
async function failures(n: number) {
  const spellings = ["maria", "+7 900 000-00-04", "maria.ivanova@example.com"];
  for (let done = 0; done < n; ) {
    const batch = Math.min(10, n - done);
    const statuses = await together(batch, (i) =>
      attempt(spellings[(done + i) % 3] as string, `flood-${done + i}`, addressOf(++nextAddress)),
    );
    expect(statuses.every((r) => r.status === 401 || r.status === 429)).toBe(true);
    done += batch;
  }
}

/** The Moscow site's storm object, as the Worker addresses it. */
const stormObject = () => env.THROTTLES.get(env.THROTTLES.idFromName("login-storm:msk"));

/** As if `ms` had passed for the site's count of failures (the Worker's view of it is forgotten too). */
async function letPass(ms: number) {
  // The failures this isolate has not reported yet (it reports at most once a `viewMs`) go to the object first,
  // as they would with its next question: forgotten, a fast run lost them and the storm seemed to end early.
  await loginStormOn("msk", Date.now() + LOGIN_STORM.viewMs);
  forgetLoginStorm();
  await runInDurableObject(stormObject(), (_, state) => {
    const row = state.storage.kv.get<StormRow>("storm");
    if (row) state.storage.kv.put("storm", { ...row, buckets: row.buckets.map(([at, c]) => [at - ms, c]) });
  });
}

const addressRows = async () => (await storedThrottles()).filter((t) => t.row?.scope === "address").length;

describe("storm mode of the password login", { timeout: 60_000 }, () => {
  beforeEach(() => changeThrottles("all", () => undefined));

  it("switches on at the threshold of failed logins, not before", async () => {
    await failures(LOGIN_STORM.onAt - 1);
    expect((await attempt("petr", "Kabinet2026", addressOf(900))).status).toBe(200);
    await failures(1);
    const res = await attempt("petr", "Kabinet2026", addressOf(901));
    expect(res.status).toBe(429);
    expect(res.headers.get("content-type")).toMatch(/^application\/problem\+json/);
    const body = await json<ProblemJson>(res);
    expect(body.type).toBe(CHALLENGE);
    expect(body.title).toBe("Нужна проверка, что вы не робот");
    expect(body.detail).toMatch(/много неудачных попыток входа/i);
    expect(body.errors?.map((e) => e.field)).toEqual(["captcha"]);
    const en = await json<ProblemJson>(await attempt("petr", "Kabinet2026", addressOf(902), { lang: "en" }));
    expect(en.title).toBe("Please show you are not a robot");
  });

  it("refuses a login without a solution before any database read or hash, the same for known and unknown identifiers", async () => {
    await failures(LOGIN_STORM.onAt);
    const hashed = passwordChecksSoFar();
    const known = await attempt("olga", "wrong-guess", addressOf(910));
    const unknown = await attempt("nobody-here", "wrong-guess", addressOf(911));
    const right = await attempt("petr", "Kabinet2026", addressOf(912));
    for (const res of [known, unknown, right]) {
      expect(res.status).toBe(429);
      // No statement ran: the Worker reports every D1 statement of a request in Server-Timing.
      expect(res.headers.get("server-timing") ?? "").not.toMatch(/d1/);
    }
    const [a, b] = [await json<ProblemJson>(known), await json<ProblemJson>(unknown)];
    expect({ type: a.type, title: a.title, detail: a.detail }).toEqual({ type: b.type, title: b.title, detail: b.detail });
    expect(passwordChecksSoFar()).toBe(hashed);
    // Nor is an object made for the new addresses.
    for (const n of [910, 911, 912]) expect(await storedRow(await throttleKey("address", addressOf(n)))).toBeUndefined();
  });

  it("logs in with a solved challenge, and refuses the same solution again", async () => {
    await failures(LOGIN_STORM.onAt);
    const captcha = await solvedCaptcha();
    const res = await attempt("petr", "Kabinet2026", addressOf(920), { captcha });
    expect(res.status).toBe(200);
    expect((await json<{ profile: { login: string } }>(res)).profile.login).toBe("petr");
    const hashed = passwordChecksSoFar();
    const replay = await attempt("petr", "Kabinet2026", addressOf(921), { captcha });
    expect(replay.status).toBe(429);
    expect((await json<ProblemJson>(replay)).type).toBe(CHALLENGE);
    expect(passwordChecksSoFar()).toBe(hashed);
  });

  it("spends a solution in an object of its own, never in D1, and forgets it once the challenge has expired", async () => {
    await failures(LOGIN_STORM.onAt);
    const captcha = await solvedCaptcha();
    const spentBefore = (await storedThrottles()).filter((t) => t.entries.some(([k]) => k === "spent")).length;
    expect((await attempt("petr", "Kabinet2026", addressOf(922), { captcha })).status).toBe(200);
    // The global database has no row of it (3,000 logins a second in a storm would be as many writes there).
    const rows = await env.DB.prepare("SELECT count(*) AS n FROM auth_challenges WHERE id LIKE 'captcha:%'").first<{ n: number }>();
    expect(rows?.n).toBe(0);
    const spent = (await storedThrottles()).filter((t) => t.entries.some(([k]) => k === "spent"));
    expect(spent.length).toBe(spentBefore + 1);
    // Its alarm forgets it after the challenge's life (here: as if it had passed), and not before.
    const { signature } = (JSON.parse(atob(captcha)) as { challenge: Challenge }).challenge;
    const object = throttleObject(`once:${await sha256Hex(`once:captcha:${signature}`)}`);
    expect(await runDurableObjectAlarm(object)).toBe(true);
    expect(await runInDurableObject(object, (_, state) => state.storage.kv.get<number>("spent"))).toBeGreaterThan(Date.now());
    await runInDurableObject(object, async (_, state) => {
      state.storage.kv.put("spent", Date.now() - 1);
      await state.storage.setAlarm(Date.now() + 60_000);
    });
    expect(await runDurableObjectAlarm(object)).toBe(true);
    expect(await runInDurableObject(object, (_, state) => state.storage.kv.get<number>("spent"))).toBeUndefined();
  });

  it("a solved challenge is checked against the password like any login: a wrong one is a 401", async () => {
    await failures(LOGIN_STORM.onAt);
    const res = await attempt("olga", "not-her-password", addressOf(925), { captcha: await solvedCaptcha() });
    expect(res.status).toBe(401);
  });

  it("refuses a forged or tampered solution before any hash", async () => {
    await failures(LOGIN_STORM.onAt);
    const captcha = await solvedCaptcha();
    const payload = JSON.parse(atob(captcha)) as { challenge: Challenge; solution: { derivedKey: string } };
    // The solution is the derived key (the server checks it against the challenge's signed key): one hex digit off.
    const key = payload.solution.derivedKey;
    const wrongKey = `${key.slice(0, -1)}${key.endsWith("0") ? "1" : "0"}`;
    const tampered = btoa(JSON.stringify({ ...payload, solution: { ...payload.solution, derivedKey: wrongKey } }));
    const hashed = passwordChecksSoFar();
    for (const bad of [tampered, "not-base64!", btoa("{}"), btoa(JSON.stringify({ challenge: { signature: "x" }, solution: 7 }))]) {
      const res = await attempt("petr", "Kabinet2026", addressOf(930), { captcha: bad });
      expect(res.status, bad).toBe(429);
      expect((await json<ProblemJson>(res)).type).toBe(CHALLENGE);
    }
    expect(passwordChecksSoFar()).toBe(hashed);
  });

  it("30 logins at once with one solution: at most one is accepted", async () => {
    await failures(LOGIN_STORM.onAt);
    const captcha = await solvedCaptcha();
    const hashed = passwordChecksSoFar();
    const statuses = (await together(30, (i) => attempt("petr", "Kabinet2026", addressOf(940 + i), { captcha }))).map((r) => r.status);
    expect(count(statuses, 200)).toBeLessThanOrEqual(1);
    expect(count(statuses, 429)).toBeGreaterThanOrEqual(29);
    expect(passwordChecksSoFar() - hashed).toBeLessThanOrEqual(1);
  });

  it("switches off once the failures calm down, and logins go as before", async () => {
    await failures(LOGIN_STORM.onAt);
    expect((await attempt("petr", "Kabinet2026", addressOf(980))).status).toBe(429);
    // Half a window later the storm's failures still count: still on.
    await letPass(LOGIN_STORM.windowMs / 2);
    expect((await attempt("petr", "Kabinet2026", addressOf(981))).status).toBe(429);
    // A whole window without failures: off.
    await letPass(LOGIN_STORM.windowMs);
    expect((await attempt("petr", "Kabinet2026", addressOf(982))).status).toBe(200);
    expect((await attempt("olga", "wrong-guess", addressOf(983))).status).toBe(401);
  });
});

describe("what the site's count decides", () => {
  const at = 1_700_000_000_000;
  it("turns on at the threshold, stays on while failures keep up above the lower mark, turns off below it", () => {
    let row: StormRow | undefined = nextWeather(undefined, LOGIN_STORM.onAt - 1, at);
    expect(row.on).toBe(false);
    row = nextWeather(row, 1, at + 1);
    expect(row.on).toBe(true);
    // A window later, fewer than the threshold but at least the lower mark: still on.
    row = nextWeather(row, LOGIN_STORM.offBelow, at + LOGIN_STORM.windowMs + 1);
    expect(row.on).toBe(true);
    // Another window with fewer than the lower mark: off; and the same few do not turn it on again.
    row = nextWeather(row, LOGIN_STORM.offBelow - 1, at + 2 * LOGIN_STORM.windowMs + 2);
    expect(row.on).toBe(false);
    expect(nextWeather(row, 0, at + 2 * LOGIN_STORM.windowMs + 3).on).toBe(false);
  });
});

describe("a flood on one person from ever new addresses", { timeout: 60_000 }, () => {
  beforeEach(() => changeThrottles("all", () => undefined));

  it("is refused from memory once the person is refused: no object per new address, no hash", async () => {
    // The person's free attempts and then a refusal, for each of three spellings.
    await failures(12);
    const hashed = passwordChecksSoFar();
    const before = await addressRows();
    const statuses = (
      await together(60, (i) =>
        attempt(["maria", "+7 900 000-00-04", "maria.ivanova@example.com"][i % 3] as string, `more-${i}`, addressOf(2000 + i)),
      )
    ).map((r) => r.status);
    expect(count(statuses, 429)).toBe(60);
    expect(await addressRows()).toBe(before);
    expect(passwordChecksSoFar()).toBe(hashed);
    // Another subscriber is not affected.
    expect((await attempt("petr", "Kabinet2026", addressOf(2100))).status).toBe(200);
  });
});
