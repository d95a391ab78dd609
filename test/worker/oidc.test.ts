import { describe, expect, it } from "vitest";
import { call, json, oidcRoundTrip, post, sessionCookie } from "./helpers";

const ip = { "cf-connecting-ip": "100.64.2.1" };

const roundTrip = oidcRoundTrip;

describe("identity providers (local OIDC mock)", () => {
  it("are listed when configured", async () => {
    const { items } = await json<{ items: { id: string; name: { ru: string } }[] }>(await call("msk", "/api/v1/auth/providers"));
    expect(items.map((p) => p.id)).toEqual(["gosuslugi", "vkid"]);
    expect(items[0]?.name.ru).toBe("Госуслуги");
  });

  it("log in only once linked from the profile; unlinking ends that", async () => {
    const unlinked = await roundTrip("gosuslugi", "login");
    expect(unlinked.status).toBe(302);
    expect(unlinked.headers.get("location")).toBe("http://msk.kabinet.localhost/login?auth_error=oidc_unlinked");

    const anna = sessionCookie(await post("/api/v1/auth/login", { identifier: "anna", password: "Kabinet2026" }, ip));
    const link = await roundTrip("gosuslugi", "link", anna);
    expect(link.headers.get("location")).toBe("http://msk.kabinet.localhost/profile?linked=1");
    const ids = await json<{ items: { provider: string }[] }>(await call("msk", "/api/v1/me/identities", { headers: { cookie: anna } }));
    expect(ids.items.map((i) => i.provider)).toEqual(["gosuslugi"]);

    const login = await roundTrip("gosuslugi", "login");
    expect(login.headers.get("location")).toBe("http://msk.kabinet.localhost/profile");
    const me = await call("spb", "/api/v1/me", { headers: { cookie: sessionCookie(login) } });
    expect((await json<{ profile: { login: string } }>(me)).profile.login).toBe("anna");

    const del = await call("msk", "/api/v1/me/identities/gosuslugi", {
      method: "DELETE",
      headers: { ...ip, origin: "http://msk.kabinet.localhost", cookie: anna },
    });
    expect(del.status).toBe(204);
    expect((await roundTrip("gosuslugi", "login")).headers.get("location")).toContain("auth_error=oidc_unlinked");
  });

  it("works with an OAuth2-only provider through userinfo", async () => {
    const olga = sessionCookie(await post("/api/v1/auth/login", { identifier: "olga", password: "Kabinet2026" }, ip));
    expect((await roundTrip("vkid", "link", olga)).headers.get("location")).toContain("linked=1");
    const login = await roundTrip("vkid", "login");
    expect(
      (await json<{ profile: { login: string } }>(await call("msk", "/api/v1/me", { headers: { cookie: sessionCookie(login) } }))).profile
        .login,
    ).toBe("olga");
  });

  it("refuses a callback whose state is not this browser's, or replayed", async () => {
    const start = await call("msk", "/api/v1/auth/oidc/gosuslugi/start");
    const atProvider = await fetch(start.headers.get("location") ?? "", { redirect: "manual" });
    const back = new URL(atProvider.headers.get("location") ?? "");
    const forged = await call(null, `${back.pathname}${back.search}`, { headers: { cookie: "kab_oidc_state=someone-elses" } });
    expect(forged.headers.get("location")).toContain("auth_error=oidc_failed");
    expect(forged.headers.get("set-cookie") ?? "").not.toMatch(/kab_session=[^;]/);
  });

  it("shows the demo subscriber petr with Госуслуги, T-ID and VK ID already linked (the demo identity provider's people)", async () => {
    const petr = sessionCookie(await post("/api/v1/auth/login", { identifier: "petr", password: "Kabinet2026" }, ip));
    const ids = await json<{ items: { provider: string; displayName: string | null }[] }>(
      await call("msk", "/api/v1/me/identities", { headers: { cookie: petr } }),
    );
    expect(ids.items.map((i) => [i.provider, i.displayName]).sort()).toEqual([
      ["gosuslugi", "Пётр Смирнов"],
      ["tid", "Пётр Смирнов"],
      ["vkid", "Пётр Смирнов"],
    ]);
  });

  it("needs a login to link", async () => {
    expect((await call("msk", "/api/v1/auth/oidc/gosuslugi/start?mode=link")).status).toBe(401);
    expect((await call("msk", "/api/v1/auth/oidc/facebook/start")).status).toBe(404);
  });
});
