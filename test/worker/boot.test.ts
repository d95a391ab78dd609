import { describe, expect, it } from "vitest";
import { scriptSafeJson } from "../../worker/features/pages/pages.boot";
import { call, SAME_ORIGIN, sessionRowOf } from "./helpers";

/** The JSON the server put into the page for the app's first draw. */
async function bootOf(res: Response): Promise<Record<string, unknown>> {
  const html = await res.text();
  const m = /<script type="application\/json" id="kabinet-boot">(.*?)<\/script>/s.exec(html);
  if (!m?.[1]) throw new Error("no boot data in the page");
  return JSON.parse(m[1]) as Record<string, unknown>;
}

async function login(identifier: string, address: string) {
  const res = await call("msk", "/api/v1/auth/login", {
    method: "POST",
    headers: { ...SAME_ORIGIN, "cf-connecting-ip": address },
    body: JSON.stringify({ identifier, password: "Kabinet2026" }),
  });
  expect(res.status).toBe(200);
  return res.headers.getSetCookie();
}

describe("data in the first page", () => {
  it("carries the region, its numbers and its catalogue, and is never stored by a cache", async () => {
    const res = await call("spb", "/tariffs", { headers: { accept: "text/html" } });
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("private, no-store");
    const boot = await bootOf(res);
    expect(boot.region).toMatchObject({ region: { code: "spb" }, detectedBy: "subdomain" });
    expect((boot.contacts as { kind: string }[]).map((c) => c.kind)).toContain("support");
    expect((boot.tariffs as unknown[]).length).toBeGreaterThan(3);
    expect((boot.services as unknown[]).length).toBeGreaterThan(0);
    expect(boot.me).toBeUndefined();
    // Pages that do not show the catalogue do not pay for it.
    const offices = await bootOf(await call("spb", "/offices", { headers: { accept: "text/html" } }));
    expect(offices.tariffs).toBeUndefined();
  });

  it("carries the subscriber's profile, and the accounts on the accounts page, only with a valid session", async () => {
    const cookies = await login("olga", "198.51.100.90");
    const session = cookies.find((c) => c.startsWith("kab_session="))?.split(";")[0] ?? "";
    const hint = cookies.find((c) => c.startsWith("kab_in="));
    // The hint the page reads says only that a session exists.
    expect(hint).toMatch(/^kab_in=1;/);
    expect(hint).not.toMatch(/HttpOnly/i);
    const accounts = await bootOf(await call("msk", "/accounts", { headers: { accept: "text/html", cookie: session } }));
    expect(accounts.me).toMatchObject({ login: "olga" });
    expect((accounts.accounts as { items: unknown[] }).items.length).toBeGreaterThan(0);
    const home = await bootOf(await call("msk", "/", { headers: { accept: "text/html", cookie: session } }));
    expect(home.me).toMatchObject({ login: "olga" });
    expect(home.accounts).toBeUndefined();
    const forged = await bootOf(await call("msk", "/accounts", { headers: { accept: "text/html", cookie: "kab_session=forged" } }));
    expect(forged.me).toBeUndefined();
    expect(forged.accounts).toBeUndefined();
  });

  it("keeps personal data out of the service worker's precached shell", async () => {
    const cookies = await login("olga", "198.51.100.91");
    const session = cookies.find((c) => c.startsWith("kab_session="))?.split(";")[0] ?? "";
    for (const [path, dest] of [
      ["/index.html?__WB_REVISION__=abc", "empty"],
      ["/accounts", "empty"],
      ["/index.html", "document"],
    ] as const) {
      const html = await (await call("msk", path, { headers: { accept: "text/html", cookie: session, "sec-fetch-dest": dest } })).text();
      expect(html, path).not.toContain("kabinet-boot");
      expect(html, path).not.toContain("olga");
    }
  });

  it("carries the outages at the subscriber's addresses, so their banner is drawn with the page instead of pushing it down", async () => {
    const declared = await call(null, "/ops/v1/outages", {
      method: "POST",
      headers: { authorization: "Bearer dev-only-operator-token", "content-type": "application/json" },
      body: JSON.stringify({
        region: "msk",
        street: "ул. Профсоюзная",
        houses: ["12"],
        title: "Нет интернета",
        expectedEnd: "2030-01-01T00:00:00Z",
        key: "boot-profsoyuznaya-12",
      }),
    });
    expect(declared.status).toBe(201);
    const anna = (await login("anna", "198.51.100.93")).find((c) => c.startsWith("kab_session="))?.split(";")[0] ?? "";
    const boot = await bootOf(await call("msk", "/accounts", { headers: { accept: "text/html", cookie: anna } }));
    expect((boot.outages as { title: string; accountNos: string[] }[]).map((o) => o.title)).toEqual(["Нет интернета"]);
    // A page without the banner does not look them up.
    expect((await bootOf(await call("msk", "/profile", { headers: { accept: "text/html", cookie: anna } }))).outages).toBeUndefined();
    // Someone else's addresses are not affected, and a visitor gets none.
    const petr = (await login("petr", "198.51.100.94")).find((c) => c.startsWith("kab_session="))?.split(";")[0] ?? "";
    expect((await bootOf(await call("msk", "/", { headers: { accept: "text/html", cookie: petr } }))).outages).toEqual([]);
    expect((await bootOf(await call("msk", "/", { headers: { accept: "text/html" } }))).outages).toBeUndefined();
  });

  it("renews the session's proof of use on a page too, so a subscriber who only opens pages is not logged out as idle", async () => {
    const session = (await login("maria", "198.51.100.95")).find((c) => c.startsWith("kab_session="))?.split(";")[0] ?? "";
    const { db, idHash } = await sessionRowOf(session);
    await db
      .prepare("UPDATE sessions SET last_seen_at = ? WHERE id_hash = ?")
      .bind(Date.now() - 10 * 60_000, idHash)
      .run()
      .then((r) => expect(r.meta.changes).toBe(1));
    const page = await call("msk", "/accounts", { headers: { accept: "text/html", cookie: session } });
    expect(page.status).toBe(200);
    const renewed = page.headers.getSetCookie().find((c) => c.startsWith("kab_session="));
    expect(renewed).toMatch(/HttpOnly/i);
    // A week later by the database, the renewed cookie still opens the page as the subscriber.
    await db
      .prepare("UPDATE sessions SET last_seen_at = ? WHERE id_hash = ?")
      .bind(Date.now() - 8 * 24 * 3600_000, idHash)
      .run();
    const later = await bootOf(await call("msk", "/", { headers: { accept: "text/html", cookie: renewed?.split(";")[0] ?? "" } }));
    expect(later.me).toMatchObject({ login: "maria" });
  });

  it("makes the browser forget a session that no longer exists", async () => {
    const res = await call("msk", "/api/v1/me", { headers: { cookie: "kab_session=ended-elsewhere; kab_in=1" } });
    expect(res.status).toBe(401);
    const set = res.headers.getSetCookie();
    expect(set.some((c) => /^kab_session=;/.test(c) && /Max-Age=0/i.test(c))).toBe(true);
    expect(set.some((c) => /^kab_in=;/.test(c) && /Max-Age=0/i.test(c))).toBe(true);
  });

  it("lets browsers keep the hashed build files for a year", async () => {
    const html = await (await call("msk", "/", { headers: { accept: "text/html" } })).text();
    const script = /<script type="module"[^>]*src="([^"]+)"/.exec(html)?.[1] ?? "";
    expect(script).toMatch(/^\/assets\/index-[\w-]+\.js$/);
    const res = await call("msk", script);
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    await res.body?.cancel();
  });

  it("names a lazy screen's files in the page, so the browser fetches them with the first script", async () => {
    const preloads = async (path: string, cookie?: string) => {
      const html = await (await call("msk", path, { headers: { accept: "text/html", ...(cookie ? { cookie } : {}) } })).text();
      return [...html.matchAll(/<link rel="modulepreload" crossorigin href="([^"]+)">/g)].map((m) => m[1] ?? "");
    };
    const first = await preloads("/login");
    // The accounts page is lazy: its chunk and the lazy screens' strings are named, each once, as files that exist.
    const accounts = (await preloads("/accounts")).filter((f) => !first.includes(f));
    expect(accounts.some((f) => /^\/assets\/AccountsPage-[\w-]+\.js$/.test(f))).toBe(true);
    expect(accounts.some((f) => /^\/assets\/ru\.more-[\w-]+\.js$/.test(f))).toBe(true);
    expect(new Set(accounts).size).toBe(accounts.length);
    for (const file of accounts) {
      const res = await call("msk", file);
      expect(res.status, file).toBe(200);
      expect(res.headers.get("content-type"), file).toMatch(/javascript/);
      await res.body?.cancel();
    }
    // A page with a parameter is matched as the router matches it; one the first script draws adds nothing.
    expect((await preloads("/accounts/770000000001/usage")).some((f) => f.includes("UsagePage-"))).toBe(true);
    expect(await preloads("/tariffs")).toEqual(first);
    // English, when the app starts in it, comes with the page too.
    expect((await preloads("/tariffs", "lang=en")).some((f) => /^\/assets\/en-[\w-]+\.js$/.test(f))).toBe(true);
  });

  it("cannot be broken out of by text in the data", () => {
    const text = scriptSafeJson({ name: "</script><script>alert(1)</script><!--" });
    expect(text).not.toMatch(/[<>]/);
    expect(JSON.parse(text)).toEqual({ name: "</script><script>alert(1)</script><!--" });
  });
});
