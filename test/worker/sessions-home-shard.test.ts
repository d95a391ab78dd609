import { env } from "cloudflare:workers";
import { solveChallenge } from "altcha-lib";
import { deriveKey } from "altcha-lib/algorithms/web/pbkdf2";
import type { Challenge } from "altcha-lib/types";
import { describe, expect, it } from "vitest";
import { createDataAccess, shardDatabase } from "../../worker/platform/db";
import { ABSOLUTE_TIMEOUT_MS, findSession, openSession, rotateSession } from "../../worker/platform/session";
import { call, codeSentTo, globalRows, json, post, sessionCookie, sessionRowOf, stepUp, subscriberAt } from "./helpers";

const me = (cookie: string) => call("msk", "/api/v1/me", { headers: { cookie } });
const loginAs = (who: string, address: string) =>
  post("/api/v1/auth/login", { identifier: who, password: "Kabinet2026" }, { "cf-connecting-ip": address });

/** Per-database D1 use from the Server-Timing header. */
function d1Use(res: Response) {
  const use = new Map<string, { roundTrips: number; writes: number }>();
  for (const m of (res.headers.get("server-timing") ?? "").matchAll(
    /d1-(\w+);desc="(\d+) round trips?, \d+ statements?, (\d+) writes?"/g,
  )) {
    use.set(m[1] as string, { roundTrips: Number(m[2]), writes: Number(m[3]) });
  }
  return use;
}

async function sha256(token: string) {
  const bytes = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(token));
  return [...new Uint8Array(bytes)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** A session as an older deployment opened it: its row in the global table, its cookie the token alone. */
async function legacySession(subscriberId: string, now = Date.now()) {
  const token = `legacy${crypto.randomUUID().replaceAll("-", "")}`;
  await env.DB.prepare(
    "INSERT INTO sessions (id_hash, subscriber_id, created_at, last_seen_at, expires_at, auth_method, stamp_key) VALUES (?, ?, ?, ?, ?, 'password', 'k')",
  )
    .bind(await sha256(token), subscriberId, now - 60_000, now - 60_000, now + ABSOLUTE_TIMEOUT_MS)
    .run();
  return `kab_session=${token}`;
}

const countIn = async (db: D1Database, idHash: string) =>
  (await db.prepare("SELECT count(*) AS n FROM sessions WHERE id_hash = ?").bind(idHash).first<{ n: number }>())?.n;

describe("sessions in the subscriber's home shard", () => {
  it("a login keeps its session in the home shard and writes nothing global; the cookie names the shard and the subscriber", async () => {
    const petr = await subscriberAt("demo-petr");
    const res = await loginAs("petr", "198.51.100.180");
    expect(res.status).toBe(200);
    // Nothing global is read or written (docs/capacity.md stormGlobalReadsPerLogin): the login's key in one identity
    // store, then the sign-in row and the session's write in the home shard (features/auth/sign-ins.service.ts).
    const timing = res.headers.get("server-timing") ?? "";
    expect(timing).not.toMatch(/d1-DB;/);
    expect(timing).toMatch(/d1-IDENTITY_\d;desc="1 round trip, 1 statement, 0 writes"/);
    expect(d1Use(res).get(petr.homeShard)).toEqual({ roundTrips: 2, writes: 1 });
    const cookie = sessionCookie(res);
    expect(cookie).toMatch(new RegExp(`^kab_session=${petr.homeShard}\\.demo-petr\\.[A-Za-z0-9_-]{43}$`));
    const { idHash } = await sessionRowOf(cookie);
    expect(await countIn(shardDatabase(env, petr.homeShard) as D1Database, idHash)).toBe(1);
    expect(await countIn(env.DB, idHash)).toBe(0);
    // The first request reads the session and its copy of the links and profile there, finds no copy, reads the links
    // there and their accounts' directory rows with the profile globally (one query), and keeps them there; the next
    // reads nothing global: one round trip, no writes.
    const used = await me(cookie);
    expect(used.status).toBe(200);
    expect(d1Use(used).get("DB")).toEqual({ roundTrips: 1, writes: 0 });
    expect(d1Use(used).get(petr.homeShard)).toEqual({ roundTrips: 3, writes: 1 });
    const again = await me(cookie);
    expect(again.status).toBe(200);
    expect(await json(again)).toEqual(await json(used));
    expect(d1Use(again).get("DB")).toBeUndefined();
    expect(d1Use(again).get(petr.homeShard)).toEqual({ roundTrips: 1, writes: 0 });
  });

  it("refuses a cookie whose subscriber, shard or form was changed: 401, never another person's data or a 500", async () => {
    const petr = await subscriberAt("demo-petr");
    const cookie = sessionCookie(await loginAs("petr", "198.51.100.181"));
    const [shard, , token] = cookie.replace(/^kab_session=/, "").split(".");
    const otherShard = petr.homeShard === "DB_MOSCOW" ? "DB_SIBERIA" : "DB_MOSCOW";
    const forged = [
      `${shard}.demo-anna.${token}`, // petr's token with anna's id: her links and profile were read beside it
      `${otherShard}.demo-petr.${token}`,
      `DB_NOWHERE.demo-petr.${token}`,
      `DB.demo-petr.${token}`,
      `${shard}.demo%2Fpetr.${token}`,
      `${shard}..${token}`,
      `${shard}.demo-petr.`,
      `${shard}.demo-anna.${token}.${Date.now().toString(36)}.AAAA`,
      `${shard}.${"x".repeat(65)}.${token}`,
    ];
    for (const value of forged) {
      const res = await me(`kab_session=${value}`);
      expect(res.status, value).toBe(401);
      expect(JSON.stringify(await json(res)), value).not.toMatch(/anna|Анна/i);
    }
    // The routes whose reads go with the session's (her links, her accounts' list) are refused the same way.
    for (const path of ["/api/v1/accounts", "/api/v1/me/sessions", "/api/v1/notifications"]) {
      const res = await call("msk", path, { headers: { cookie: `kab_session=${shard}.demo-anna.${token}` } });
      expect(res.status, path).toBe(401);
      expect(await res.text(), path).not.toMatch(/2010000000|Анна/);
    }
    expect((await me(cookie)).status).toBe(200);
  });

  it("honours a session an older deployment kept in the global table, lists it, and moves it home at a step-up", async () => {
    const anna = await subscriberAt("demo-anna");
    const legacy = await legacySession("demo-anna");
    const used = await me(legacy);
    expect(used.status).toBe(200);
    expect((await json<{ profile: { login: string } }>(used)).profile.login).toBe("anna");
    // Its session and profile in one global round trip (a deployment that keeps new sessions global has only these), then
    // its links in the home shard and their accounts' places in the identity stores (platform/places.ts), not globally.
    expect(d1Use(used).get("DB")).toEqual({ roundTrips: 1, writes: 0 });
    expect(d1Use(used).get(anna.homeShard)).toEqual({ roundTrips: 1, writes: 0 });
    const home = sessionCookie(await loginAs("anna", "198.51.100.182"));
    const list = await json<{ items: { id: string; current: boolean }[] }>(
      await call("msk", "/api/v1/me/sessions", { headers: { cookie: legacy } }),
    );
    const { idHash: legacyHash } = await sessionRowOf(legacy);
    const { idHash: homeHash } = await sessionRowOf(home);
    expect(list.items.find((s) => s.current)?.id).toBe(legacyHash.slice(0, 16));
    expect(list.items.map((s) => s.id)).toContain(homeHash.slice(0, 16));
    // The step-up rotates the token; the session's row leaves the global table for the home shard.
    const rotated = await stepUp(legacy, "+79000000001");
    expect(rotated).toMatch(new RegExp(`^kab_session=${anna.homeShard}\\.demo-anna\\.`));
    expect(await countIn(env.DB, legacyHash)).toBe(0);
    const { idHash: rotatedHash } = await sessionRowOf(rotated);
    expect(await countIn(shardDatabase(env, anna.homeShard) as D1Database, rotatedHash)).toBe(1);
    expect((await me(legacy)).status).toBe(401);
    expect((await me(rotated)).status).toBe(200);
  });

  it("ends a legacy session by its id, and the others in both places, from a session in the home shard", async () => {
    const olga = await subscriberAt("demo-olga");
    const current = sessionCookie(await loginAs("olga", "198.51.100.183"));
    const other = sessionCookie(await loginAs("olga", "198.51.100.184"));
    const [legacyA, legacyB] = [await legacySession("demo-olga"), await legacySession("demo-olga")];
    const { idHash: aHash } = await sessionRowOf(legacyA);
    const end = await call("msk", `/api/v1/me/sessions/${aHash.slice(0, 16)}`, {
      method: "DELETE",
      headers: { origin: "http://msk.kabinet.localhost", "sec-fetch-site": "same-origin", cookie: current },
    });
    expect(end.status).toBe(204);
    expect((await me(legacyA)).status).toBe(401);
    expect((await me(legacyB)).status).toBe(200);
    // Another subscriber cannot end olga's legacy session: a 404.
    const { idHash: bHash } = await sessionRowOf(legacyB);
    const anna = sessionCookie(await loginAs("anna", "198.51.100.185"));
    const foreign = await call("msk", `/api/v1/me/sessions/${bHash.slice(0, 16)}`, {
      method: "DELETE",
      headers: { origin: "http://msk.kabinet.localhost", "sec-fetch-site": "same-origin", cookie: anna },
    });
    expect(foreign.status).toBe(404);
    expect((await post("/api/v1/me/sessions/end-others", {}, { cookie: current })).status).toBe(204);
    expect((await me(legacyB)).status).toBe(401);
    expect((await me(other)).status).toBe(401);
    expect((await me(current)).status).toBe(200);
    const left = await globalRows<{ n: number }>("SELECT count(*) AS n FROM sessions WHERE subscriber_id = 'demo-olga'");
    expect(left[0]?.n).toBe(0);
    const home = shardDatabase(env, olga.homeShard) as D1Database;
    expect((await home.prepare("SELECT count(*) AS n FROM sessions WHERE subscriber_id = 'demo-olga'").first<{ n: number }>())?.n).toBe(1);
  });

  it("a password change moves the current legacy session home and ends the others in both places", async () => {
    const olga = await subscriberAt("demo-olga");
    const legacy = await legacySession("demo-olga");
    const otherLegacy = await legacySession("demo-olga");
    const home = sessionCookie(await loginAs("olga", "198.51.100.188"));
    const done = await post(
      "/api/v1/me/password",
      { currentPassword: "Kabinet2026", newPassword: "a river runs through kazan" },
      { cookie: legacy },
    );
    expect(done.status).toBe(204);
    const rotated = sessionCookie(done);
    expect(rotated).toMatch(new RegExp(`^kab_session=${olga.homeShard}\\.demo-olga\\.`));
    expect((await me(rotated)).status).toBe(200);
    for (const ended of [otherLegacy, home, legacy]) expect((await me(ended)).status).toBe(401);
  });

  it("are kept in the global table by a deployment that says so (SESSION_STORE=global), and read and ended either way", async () => {
    const data = createDataAccess({ ...env, SESSION_STORE: "global" } as Env);
    const anna = await subscriberAt("demo-anna");
    const { token, idHash } = await openSession(data, anna, "password", null);
    // The cookie an older deployment can read: the token alone, its row global.
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await countIn(env.DB, idHash)).toBe(1);
    expect((await findSession(createDataAccess(env), token))?.subscriberId).toBe("demo-anna");
    // Rotated, it stays where the deployment keeps new sessions.
    const session = await findSession(data, token);
    if (!session) throw new Error("no session");
    const rotated = await rotateSession(data, session, {});
    expect(rotated.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await countIn(env.DB, rotated.idHash)).toBe(1);
    expect(await countIn(env.DB, idHash)).toBe(0);
  });

  it("rotate a session by copying its row (login time and expiry kept), and never bring back one ended before", async () => {
    const data = createDataAccess(env);
    const anna = await subscriberAt("demo-anna");
    const t0 = new Date(Date.now() - 3_600_000);
    const { token } = await openSession(data, anna, "password", null, t0);
    const session = await findSession(data, token);
    if (!session) throw new Error("no session");
    const stepUpAt = new Date();
    const rotated = await rotateSession(data, session, { stepUpAt });
    const home = shardDatabase(env, anna.homeShard) as D1Database;
    const row = await home
      .prepare("SELECT * FROM sessions WHERE id_hash = ?")
      .bind(rotated.idHash)
      .first<Record<string, number | string>>();
    expect(row).toMatchObject({
      subscriber_id: "demo-anna",
      created_at: t0.getTime(),
      expires_at: t0.getTime() + ABSOLUTE_TIMEOUT_MS,
      step_up_at: stepUpAt.getTime(),
      auth_method: "password",
    });
    expect(await countIn(home, session.idHash)).toBe(0);
    // Ended ("end the others", a recovery) before its rotation ran: the rotation finds nothing to copy and makes nothing.
    const again = await findSession(data, rotated.token);
    if (!again) throw new Error("no session");
    await home.prepare("DELETE FROM sessions WHERE id_hash = ?").bind(rotated.idHash).run();
    await expect(rotateSession(createDataAccess(env), again, {})).rejects.toMatchObject({ status: 401 });
    expect(
      (
        await home
          .prepare("SELECT count(*) AS n FROM sessions WHERE subscriber_id = 'demo-anna' AND created_at = ?")
          .bind(t0.getTime())
          .first<{ n: number }>()
      )?.n,
    ).toBe(0);
  });

  it("a password recovery ends every session, in the home shard and in the global table", async () => {
    const home = sessionCookie(await loginAs("maria", "198.51.100.186"));
    const legacy = await legacySession("demo-maria");
    const since = Date.now();
    const headers = { "cf-connecting-ip": "198.51.100.187" };
    const challenge = await json<Challenge>(await call("msk", "/api/v1/auth/captcha"));
    const solution = await solveChallenge({ challenge, deriveKey });
    const captcha = btoa(JSON.stringify({ challenge, solution }));
    expect((await post("/api/v1/auth/recover/start", { identifier: "maria", channel: "sms", captcha }, headers)).status).toBe(202);
    const code = await codeSentTo("+79000000004", since);
    const done = await post("/api/v1/auth/recover/complete", { identifier: "maria", code, password: "white nights on the neva" }, headers);
    expect(done.status).toBe(200);
    expect((await me(home)).status).toBe(401);
    expect((await me(legacy)).status).toBe(401);
    expect((await me(sessionCookie(done))).status).toBe(200);
  });
});
