import { describe, expect, it } from "vitest";
import { makeAccountNo } from "../../worker/platform/ids";
import { call, json } from "./helpers";
import { storedThrottles } from "./throttles";

const ORIGIN = { origin: "http://msk.kabinet.localhost", "sec-fetch-site": "same-origin", "content-type": "application/json" };

function post(path: string, body: unknown, headers: Record<string, string> = {}) {
  return call("msk", path, { method: "POST", headers: { ...ORIGIN, ...headers }, body: JSON.stringify(body) });
}

async function login(identifier: string, password = "Kabinet2026", address = "198.51.100.1") {
  return post("/api/v1/auth/login", { identifier, password }, { "cf-connecting-ip": address });
}

function cookieOf(res: Response): string {
  const set = res.headers.get("set-cookie") ?? "";
  const m = /kab_session=([^;]+)/.exec(set);
  if (!m) throw new Error(`no session cookie in ${set}`);
  return `kab_session=${m[1]}`;
}

describe("password login", () => {
  it("works with a phone in any spelling, email, login or account number", async () => {
    for (const id of ["+7 900 000-00-01", "8 (900) 000-00-01", "ANNA.IVANOVA@example.com", "anna", makeAccountNo("20100000001")]) {
      const res = await login(id, "Kabinet2026", `203.0.113.${id.length}`);
      expect(res.status, id).toBe(200);
      expect((await json<{ profile: { displayName: string } }>(res)).profile.displayName).toBe("Анна Иванова");
    }
  });

  it("sets an HttpOnly SameSite cookie for the base domain, valid on every regional subdomain", async () => {
    const res = await login("petr");
    const set = res.headers.get("set-cookie") ?? "";
    expect(set).toMatch(/HttpOnly/i);
    expect(set).toMatch(/SameSite=Lax/i);
    expect(set).toMatch(/Domain=kabinet\.localhost/i);
    const me = await call("vl", "/api/v1/me", { headers: { cookie: cookieOf(res) } });
    expect(me.status).toBe(200);
    expect((await json<{ profile: { login: string } }>(me)).profile.login).toBe("petr");
  });

  it("answers a wrong password and an unknown identifier the same way", async () => {
    const wrong = await login("olga", "not-the-password", "198.51.100.20");
    const unknown = await login("nobody-here", "Kabinet2026", "198.51.100.21");
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    const a = await json<{ type: string; title: string }>(wrong);
    const b = await json<{ type: string; title: string }>(unknown);
    expect({ type: a.type, title: a.title }).toEqual({ type: b.type, title: b.title });
    expect(a.title).toBe("Неверный логин или пароль");
  });

  it("slows down and then locks an identifier after repeated failures, with Retry-After", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await login("maria", `wrong-${i}`, `192.0.2.${i + 1}`)).status);
    expect(statuses.slice(0, 3)).toEqual([401, 401, 401]);
    expect(statuses).toContain(429);
    const res = await login("maria", "Kabinet2026", "192.0.2.99");
    expect(res.status).toBe(429);
    expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
    expect((await json<{ detail: string }>(res)).detail).toMatch(/Повторите через \d+ с\./);
    // The throttle's objects keep counts and times, nothing of the identifier, address or password (their names are hashes).
    const stored = JSON.stringify(await storedThrottles());
    expect(stored).toContain('"scope":"identifier"');
    for (const secret of ["maria", "192.0.2.", "Kabinet2026", "wrong-"]) expect(stored).not.toContain(secret);
  });

  it("refuses a login posted from a foreign site", async () => {
    const res = await post(
      "/api/v1/auth/login",
      { identifier: "anna", password: "Kabinet2026" },
      { origin: "https://evil.example", "sec-fetch-site": "cross-site" },
    );
    expect(res.status).toBe(403);
  });

  it("explains an identifier that is none of the four kinds", async () => {
    const res = await post("/api/v1/auth/login", { identifier: "12", password: "x" }, { "accept-language": "en" });
    expect(res.status).toBe(400);
    expect((await json<{ errors: { message: string }[] }>(res)).errors[0]?.message).toBe("Enter a phone, email, login or account number");
  });
});

describe("sessions", () => {
  it("end on logout: the old cookie no longer works", async () => {
    const cookie = cookieOf(await login("olga", "Kabinet2026", "198.51.100.50"));
    expect((await call("msk", "/api/v1/me", { headers: { cookie } })).status).toBe(200);
    const out = await call("msk", "/api/v1/auth/logout", { method: "POST", headers: { ...ORIGIN, cookie } });
    expect(out.status).toBe(204);
    expect(out.headers.get("set-cookie")).toMatch(/kab_session=;/);
    const after = await call("msk", "/api/v1/me", { headers: { cookie } });
    expect(after.status).toBe(401);
    expect((await json<{ title: string }>(after)).title).toBe("Войдите в личный кабинет");
  });

  it("are listed as devices; one can be ended, or all the others", async () => {
    const a = cookieOf(await login("petr", "Kabinet2026", "198.51.100.60"));
    const b = cookieOf(await login("petr", "Kabinet2026", "198.51.100.61"));
    const c = cookieOf(await login("petr", "Kabinet2026", "198.51.100.62"));
    const list = await json<{ items: { id: string; current: boolean }[] }>(
      await call("msk", "/api/v1/me/sessions", { headers: { cookie: a } }),
    );
    expect(list.items.filter((s) => s.current)).toHaveLength(1);
    expect(list.items.length).toBeGreaterThanOrEqual(3);
    const bId = (
      await json<{ items: { id: string; current: boolean }[] }>(await call("msk", "/api/v1/me/sessions", { headers: { cookie: b } }))
    ).items.find((s) => s.current)?.id;
    const del = await call("msk", `/api/v1/me/sessions/${bId}`, { method: "DELETE", headers: { ...ORIGIN, cookie: a } });
    expect(del.status).toBe(204);
    expect((await call("msk", "/api/v1/me", { headers: { cookie: b } })).status).toBe(401);
    expect((await post("/api/v1/me/sessions/end-others", {}, { cookie: a })).status).toBe(204);
    expect((await call("msk", "/api/v1/me", { headers: { cookie: c } })).status).toBe(401);
    expect((await call("msk", "/api/v1/me", { headers: { cookie: a } })).status).toBe(200);
  });

  it("cannot end another subscriber's session: it is a 404", async () => {
    const anna = cookieOf(await login("anna", "Kabinet2026", "198.51.100.70"));
    const olga = cookieOf(await login("olga", "Kabinet2026", "198.51.100.71"));
    const olgaId = (
      await json<{ items: { id: string; current: boolean }[] }>(await call("msk", "/api/v1/me/sessions", { headers: { cookie: olga } }))
    ).items.find((s) => s.current)?.id;
    const res = await call("msk", `/api/v1/me/sessions/${olgaId}`, { method: "DELETE", headers: { ...ORIGIN, cookie: anna } });
    expect(res.status).toBe(404);
    expect((await call("msk", "/api/v1/me", { headers: { cookie: olga } })).status).toBe(200);
  });

  it("refuse a made-up token", async () => {
    expect((await call("msk", "/api/v1/me", { headers: { cookie: "kab_session=forged-token" } })).status).toBe(401);
  });
});
