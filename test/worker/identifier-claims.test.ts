import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { DEMO_ORGANISATIONS } from "../../worker/data/business.data";
import { completeRegistration, confirmContactChange } from "../../worker/features/auth/flows.service";
import {
  CLAIM_WINDOW_MS,
  claimIdentifier,
  confirmIdentifier,
  giveUpContact,
  identifierHolder,
  keepSignIn,
  releaseIdentifier,
  stagePassword,
} from "../../worker/features/auth/sign-ins.service";
import { addAdministrator } from "../../worker/features/business/business.service";
import { createDataAccess, shardDatabase } from "../../worker/platform/db";
import { identityStoreDatabases, identityStoreIndex, signInKey } from "../../worker/platform/identity-stores";
import { makeAccountNo } from "../../worker/platform/ids";
import { hashPassword } from "../../worker/platform/password";
import type { SessionInfo } from "../../worker/platform/session";
import { beforeEachBatch, codeSentTo, holdersOfAccount, json, login, makeContract, post, stepUp, subscriberAt } from "./helpers";

/**
 * Who holds a phone, e-mail or login is decided by its key in the identity stores (issue 20: so that the global row's
 * unique indexes can go: docs/capacity.md measures them): a registration or a contact change claims the key before the global
 * row takes the value, two claims of one value meet in that one row, and a claim whose global write never came is
 * taken over once it is older than the claim window.
 */

const storeOf = (key: string) => {
  const stores = identityStoreDatabases(env);
  return stores[identityStoreIndex(key, stores.length)] as D1Database;
};
const keyHolder = async (key: string) =>
  (await storeOf(key).prepare("SELECT subscriber_id AS id FROM login_keys WHERE key = ?").bind(key).first<{ id: string }>())?.id ?? null;
const plantKey = (key: string, subscriberId: string, createdAt: number) =>
  storeOf(key)
    .prepare(
      "INSERT INTO login_keys (key, subscriber_id, home_shard, created_at) VALUES (?1, ?2, 'DB_MOSCOW', ?3) ON CONFLICT(key) DO UPDATE SET subscriber_id = ?2, created_at = ?3",
    )
    .bind(key, subscriberId, createdAt)
    .run();

let address = 0;
const ip = () => ({ "cf-connecting-ip": `198.51.100.${++address}` });

async function startRegistration(phone: string) {
  const since = Date.now();
  expect((await post("/api/v1/auth/register/start", { by: "phone", phone }, ip())).status).toBe(202);
  return codeSentTo(phone, since);
}
const complete = (phone: string, code: string, loginName: string) =>
  post("/api/v1/auth/register/complete", { by: "phone", phone, code, login: loginName, password: "claims meet in one row" }, ip());

describe("claims of phones, e-mails and logins", () => {
  it("two registrations of one login at the same moment: one is made, the other is told the login is taken and keeps its code", async () => {
    const phones = ["+79990007001", "+79990007002"];
    await makeContract(makeAccountNo("50477700001"), "msk", { phone: phones[0] });
    await makeContract(makeAccountNo("50477700002"), "msk", { phone: phones[1] });
    const codes = await Promise.all(phones.map(startRegistration));
    const answers = await Promise.all(phones.map((p, i) => complete(p, codes[i] as string, "same.login")));
    const statuses = answers.map((r) => r.status).sort();
    expect(statuses).toEqual([201, 409]);
    const lost = answers.findIndex((r) => r.status === 409);
    expect((await json<{ errors: { message: string }[] }>(answers[lost] as Response)).errors[0]?.message).toBe("Этот логин уже занят");
    const winner = (await json<{ profile: { id: string } }>(answers[1 - lost] as Response)).profile.id;
    expect(await keyHolder(signInKey("login", "same.login"))).toBe(winner);
    expect(await identifierHolder(createDataAccess(env), "login", "same.login")).toBe(winner);
    // The loser's code is good for another login.
    expect((await complete(phones[lost] as string, codes[lost] as string, "other.login")).status).toBe(201);
  });

  it("a fresh claim by someone else stands; a stale one (its global write never came) is taken over", async () => {
    const data = createDataAccess(env);
    const me = { id: `claimer-${crypto.randomUUID().slice(0, 8)}`, homeShard: "DB_MOSCOW" };
    const key = signInKey("login", "claimed.now");
    // Someone's registration claimed it a moment ago and is writing its global row.
    await plantKey(key, "someone-else", Date.now());
    expect(await claimIdentifier(data, me, "login", "claimed.now", new Date())).toBe(false);
    expect(await identifierHolder(data, "login", "claimed.now")).toBe("someone-else");
    // The same claim, older than the window, with no global row behind it: stale, and taken over.
    await plantKey(key, "someone-else", Date.now() - CLAIM_WINDOW_MS - 1_000);
    expect(await identifierHolder(data, "login", "claimed.now")).toBeNull();
    expect(await claimIdentifier(data, me, "login", "claimed.now", new Date())).toBe(true);
    expect(await keyHolder(key)).toBe(me.id);
    // A key whose subscriber's global row has the login stands however old it is: Petr's.
    const petrs = signInKey("login", "petr");
    expect(await claimIdentifier(data, me, "login", "petr", new Date())).toBe(false);
    expect(await keyHolder(petrs)).toBe("demo-petr");
  });

  it("a contact change claims the new phone first: one claimed by someone else's change under way is refused", async () => {
    const cookie = await stepUp(await login("olga"), "+79000000003");
    const olga = await subscriberAt("demo-olga");
    const headers = { ...ip(), cookie };
    const wanted = "+79990007100";
    // Someone else's change to the same number has just claimed it.
    await plantKey(signInKey("phone", wanted), "someone-else", Date.now());
    const since = Date.now();
    expect((await post("/api/v1/me/phone/start", { phone: wanted }, headers)).status).toBe(202);
    const code = await codeSentTo(wanted, since);
    const refused = await post("/api/v1/me/phone/verify", { code }, headers);
    expect(refused.status).toBe(409);
    expect(await keyHolder(signInKey("phone", wanted))).toBe("someone-else");
    // Her own number's key is where it was, and it still logs her in.
    expect(await keyHolder(signInKey("phone", "+79000000003"))).toBe(olga.id);
    expect((await post("/api/v1/auth/login", { identifier: "+79000000003", password: "Kabinet2026" }, ip())).status).toBe(200);
  });

  it("a claim that lapsed without its global write does not stop a change; the old number's key goes after it", async () => {
    const cookie = await stepUp(await login("maria"), "+79000000004");
    const maria = await subscriberAt("demo-maria");
    const headers = { ...ip(), cookie };
    const wanted = "+79990007101";
    await plantKey(signInKey("phone", wanted), "someone-else", Date.now() - CLAIM_WINDOW_MS - 1_000);
    const since = Date.now();
    expect((await post("/api/v1/me/phone/start", { phone: wanted }, headers)).status).toBe(202);
    const code = await codeSentTo(wanted, since);
    expect((await post("/api/v1/me/phone/verify", { code }, headers)).status).toBe(200);
    expect(await keyHolder(signInKey("phone", wanted))).toBe(maria.id);
    expect(await keyHolder(signInKey("phone", "+79000000004"))).toBeNull();
    // Her new key is dated when it was read, not past the change's hold (a key from the future would stand a minute
    // longer than anything behind it).
    const dated = await storeOf(signInKey("phone", wanted))
      .prepare("SELECT created_at AS at FROM login_keys WHERE key = ?")
      .bind(signInKey("phone", wanted))
      .first<number>("at");
    expect(dated).toBeLessThanOrEqual(Date.now());
  });

  it("a claim is given back only while it is the claimant's; their own older claim is renewed; a stale key yields to a keyless holder", async () => {
    const data = createDataAccess(env);
    const me = { id: `claimer-${crypto.randomUUID().slice(0, 8)}`, homeShard: "DB_MOSCOW" };
    const other = { id: `other-${crypto.randomUUID().slice(0, 8)}`, homeShard: "DB_MOSCOW" };
    const key = signInKey("login", "given.back");
    const at = new Date(Date.now() - CLAIM_WINDOW_MS - 5_000);
    expect(await claimIdentifier(data, me, "login", "given.back", at)).toBe(true);
    // Stale now (no global row behind it): someone else takes it over; my late give-back leaves theirs.
    expect(await claimIdentifier(data, other, "login", "given.back", new Date())).toBe(true);
    await releaseIdentifier(data, me, "login", "given.back", at);
    expect(await keyHolder(key)).toBe(other.id);
    // My own old claim of a value my global row lacks is renewed as a new claim: it stands against another's.
    const mine = signInKey("login", "renewed.claim");
    await plantKey(mine, me.id, Date.now() - CLAIM_WINDOW_MS - 5_000);
    expect(await claimIdentifier(data, me, "login", "renewed.claim", new Date())).toBe(true);
    expect(await claimIdentifier(data, other, "login", "renewed.claim", new Date())).toBe(false);
    // A stale key naming someone who no longer has the phone, while another subscriber's global row has it without a
    // key (an older release's, before the backfill): that subscriber holds it.
    await plantKey(signInKey("phone", "+79000000002"), "demo-anna", Date.now() - CLAIM_WINDOW_MS - 5_000);
    expect(await identifierHolder(data, "phone", "+79000000002")).toBe("demo-petr");
  });

  it("a claim under way gives no rights: an operator's new administrator must hold the phone, not be claiming it", async () => {
    const data = createDataAccess(env);
    await plantKey(signInKey("phone", "+79990007200"), "registering-now", Date.now());
    await expect(
      addAdministrator(data, "Оператор", DEMO_ORGANISATIONS[0]?.id as string, "+79990007200", "100.64.0.1"),
    ).rejects.toMatchObject({
      status: 400,
      fields: [{ field: "contact", message: "field.noSuchSubscriber" }],
    });
  });

  it("a registration whose global write never came cannot be logged into: its staged row names no login", async () => {
    const data = createDataAccess(env);
    const ghost = { id: `ghost-${crypto.randomUUID().slice(0, 8)}`, homeShard: "DB_MOSCOW" };
    expect(await claimIdentifier(data, ghost, "login", "ghost.login", new Date())).toBe(true);
    const record = await hashPassword("a registration that died");
    await stagePassword(data, { ...ghost, displayName: "Призрак", phone: null, email: null, login: "ghost.login" }, record, new Date());
    const res = await post("/api/v1/auth/login", { identifier: "ghost.login", password: "a registration that died" }, ip());
    expect(res.status).toBe(401);
  });

  it("a registration whose claim was taken over while its global write was on its way is undone: one holder, the code kept", async () => {
    const phone = "+79990007300";
    const accountNo = makeAccountNo("50477700003");
    await makeContract(accountNo, "msk", { phone });
    const code = await startRegistration(phone);
    const key = signInKey("login", "slow.write");
    // The global database as this registration sees it: its batch lands after its claim had lapsed and someone else's
    // registration took the login's key over.
    const slow = beforeEachBatch(env.DB, async () => {
      if ((await keyHolder(key)) !== "someone-faster") await plantKey(key, "someone-faster", Date.now());
    });
    const input = { by: "phone" as const, phone, code, login: "slow.write", password: "claims meet in one row" };
    await expect(
      completeRegistration(createDataAccess({ ...env, DB: slow } as unknown as Env), input, { address: "100.64.0.40", userAgent: null }),
    ).rejects.toMatchObject({ status: 409, fields: [{ field: "login", message: "field.loginTaken" }] });
    // Undone: no subscriber with that login, no owner of the contract; the key stays the other's.
    expect(await env.DB.prepare("SELECT count(*) AS n FROM subscribers WHERE login = 'slow.write'").first<number>("n")).toBe(0);
    expect(await holdersOfAccount(accountNo)).toEqual([]);
    expect(await keyHolder(key)).toBe("someone-faster");
    // The code is good for another login.
    expect((await complete(phone, code, "slow.write2")).status).toBe(201);
  });

  it("a confirmation writes the key again if it went meanwhile, and refuses one someone else holds", async () => {
    const data = createDataAccess(env);
    const me = { id: `confirmer-${crypto.randomUUID().slice(0, 8)}`, homeShard: "DB_MOSCOW" };
    const key = signInKey("login", "confirm.me");
    expect(await confirmIdentifier(data, me, "login", "confirm.me")).toBe(true);
    expect(await keyHolder(key)).toBe(me.id);
    await plantKey(key, "another", Date.now());
    expect(await confirmIdentifier(data, me, "login", "confirm.me")).toBe(false);
    expect(await keyHolder(key)).toBe("another");
  });

  it("a contact change whose claim was taken over while its global write was on its way is undone: the old number kept", async () => {
    const cookie = await stepUp(await login("petr"), "+79000000002");
    const petr = await subscriberAt("demo-petr");
    const wanted = "+79990007400";
    const since = Date.now();
    expect((await post("/api/v1/me/phone/start", { phone: wanted }, { ...ip(), cookie })).status).toBe(202);
    const code = await codeSentTo(wanted, since);
    const key = signInKey("phone", wanted);
    // The global database as this change sees it: its update lands after someone else's change took the key over.
    const slow = new Proxy(env.DB, {
      get(target, prop) {
        if (prop === "prepare")
          return (query: string) => {
            const statement = target.prepare(query);
            if (!/^update "subscribers" set "phone"/i.test(query)) return statement;
            return new Proxy(statement, {
              get(st, p2) {
                if (p2 === "bind")
                  return (...args: unknown[]) => {
                    const bound = st.bind(...args);
                    return new Proxy(bound, {
                      get(b, p3) {
                        const v = Reflect.get(b, p3, b);
                        if (typeof v !== "function") return v;
                        return async (...a: unknown[]) => {
                          if ((await keyHolder(key)) !== "someone-faster") await plantKey(key, "someone-faster", Date.now());
                          return v.apply(b, a);
                        };
                      },
                    });
                  };
                const v = Reflect.get(st, p2, st);
                return typeof v === "function" ? v.bind(st) : v;
              },
            });
          };
        const v = Reflect.get(target, prop, target);
        return typeof v === "function" ? v.bind(target) : v;
      },
    });
    const session = { subscriberId: petr.id, homeShard: petr.homeShard } as unknown as SessionInfo;
    await expect(
      confirmContactChange(createDataAccess({ ...env, DB: slow } as unknown as Env), session, "phone", code, {
        address: "100.64.0.41",
        userAgent: null,
      }),
    ).rejects.toMatchObject({ status: 409 });
    // Undone: his global row has his old number, whose key is still his; the new number's key is the other's.
    expect(await env.DB.prepare("SELECT phone FROM subscribers WHERE id = 'demo-petr'").first<string>("phone")).toBe("+79000000002");
    expect(await keyHolder(signInKey("phone", "+79000000002"))).toBe(petr.id);
    expect(await keyHolder(key)).toBe("someone-faster");
    expect((await post("/api/v1/auth/login", { identifier: "+79000000002", password: "Kabinet2026" }, ip())).status).toBe(200);
  });

  it("a contact given up by a subscriber with no sign-in row yet leaves one that holds: a stale write cannot name the old contact", async () => {
    const data = createDataAccess(env);
    const id = `rowless-${crypto.randomUUID().slice(0, 8)}`;
    await env.DB.prepare(
      "INSERT INTO subscribers (id, display_name, phone, login, password_hash, locale, created_at, home_shard) VALUES (?, 'Без строки', '+79990007500', 'rowless.one', NULL, 'ru', ?, 'DB_MOSCOW')",
    )
      .bind(id, Date.now())
      .run();
    const s = { id, homeShard: "DB_MOSCOW", displayName: "Без строки", passwordHash: null };
    const heldUntil = await giveUpContact(data, s, new Date());
    const row = await (shardDatabase(env, "DB_MOSCOW") as D1Database)
      .prepare("SELECT phone, login, updated_at AS at FROM sign_ins WHERE subscriber_id = ?")
      .bind(id)
      .first<{ phone: string | null; login: string | null; at: number }>();
    expect(row).toEqual({ phone: null, login: null, at: heldUntil.getTime() });
    // A login's write from a read made before the change (dated now, before the hold ends) is refused.
    const global = await env.DB.prepare("SELECT * FROM subscribers WHERE id = ?").bind(id).first<Record<string, unknown>>();
    const before = {
      id,
      displayName: "Без строки",
      phone: global?.phone as string,
      email: null,
      login: "rowless.one",
      passwordHash: null,
      locale: "ru",
      createdAt: new Date(),
      homeShard: "DB_MOSCOW",
    };
    expect(await keepSignIn(data, before, new Date())).toBe(false);
  });
});
