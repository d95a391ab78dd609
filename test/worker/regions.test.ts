import { describe, expect, it } from "vitest";
import { REGIONS } from "../../worker/data/regions.data";
import { call, json } from "./helpers";

type Tariff = { id: string; kind: string; name: { ru: string; en: string }; priceKop: number };
type Items<T> = { items: T[] };

describe("regional subdomains", () => {
  it("serve each region its own tariffs: Moscow and St Petersburg differ", async () => {
    const msk = await json<Items<Tariff>>(await call("msk", "/api/v1/region/tariffs"));
    const spb = await json<Items<Tariff>>(await call("spb", "/api/v1/region/tariffs"));
    expect(msk.items.length).toBeGreaterThanOrEqual(10);
    expect(msk.items.every((t) => t.id.startsWith("msk-"))).toBe(true);
    expect(spb.items.every((t) => t.id.startsWith("spb-"))).toBe(true);
    const price = (list: Tariff[], code: string) => list.find((t) => t.id.endsWith(code))?.priceKop;
    expect(price(msk.items, "inet-100")).toBeGreaterThan(0);
    expect(price(msk.items, "inet-100")).not.toBe(price(spb.items, "inet-100"));
    expect(new Set(msk.items.map((t) => t.kind))).toEqual(new Set(["internet", "tv", "landline", "mobile", "bundle"]));
  });

  it("prices are whole kopecks and cheaper plans come first within a kind", async () => {
    const { items } = await json<Items<Tariff>>(await call("kzn", "/api/v1/region/tariffs?kind=internet"));
    expect(items.length).toBeGreaterThan(0);
    expect(items.every((t) => t.kind === "internet" && Number.isInteger(t.priceKop))).toBe(true);
    const prices = items.map((t) => t.priceKop);
    expect(prices).toEqual([...prices].sort((a, b) => a - b));
  });

  it("gives every federal subject a working site with tariffs from its branch's shard", async () => {
    expect(REGIONS).toHaveLength(89);
    for (const r of REGIONS) {
      const res = await call(r.code, "/api/v1/region/tariffs?kind=bundle");
      expect(res.status, r.code).toBe(200);
      const { items } = await json<Items<Tariff>>(res);
      expect(items.length, r.code).toBe(2);
    }
  });

  it("lists offices with hours and coordinates where the region has them", async () => {
    type Office = { city: { ru: string }; hours: (string | null)[]; lat: number; lon: number };
    const msk = await json<Items<Office>>(await call("msk", "/api/v1/region/offices"));
    expect(msk.items.length).toBeGreaterThanOrEqual(3);
    expect(msk.items[0]?.city.ru).toBe("Москва");
    expect(msk.items[0]?.hours).toHaveLength(7);
    const tyva = await json<Items<Office>>(await call("tyva", "/api/v1/region/offices"));
    expect(tyva.items).toEqual([]);
  });

  it("gives the region's own desk first, then the seed's federal support numbers, in every region", async () => {
    const { items } = await json<Items<{ kind: string; phone: string }>>(await call("vl", "/api/v1/region/contacts"));
    expect(items).toEqual([
      { kind: "regional", phone: "+74230000100" },
      { kind: "connection", phone: "+78007078000" },
      { kind: "support", phone: "+78007071212" },
      { kind: "b2b_hotline", phone: "+78002001661" },
      { kind: "b2b_smb", phone: "+78003028710" },
      { kind: "b2b_enterprise", phone: "+78002006786" },
    ]);
    // A region without a desk of its own has the federal lines only.
    const tyva = await json<Items<{ kind: string }>>(await call("tyva", "/api/v1/region/contacts"));
    expect(tyva.items.map((c) => c.kind)).toEqual(["connection", "support", "b2b_hotline", "b2b_smb", "b2b_enterprise"]);
  });

  it("keeps a region's catalogue per isolate: asked again, the same answer costs no D1 round trip", async () => {
    for (const path of [
      "/api/v1/region/tariffs",
      "/api/v1/region/tariffs?kind=internet",
      "/api/v1/region/services",
      "/api/v1/region/offices",
      "/api/v1/region/contacts",
    ]) {
      const first = await call("ekb", path);
      const again = await call("ekb", path);
      expect(again.status, path).toBe(200);
      expect(await again.json(), path).toEqual(await first.json());
      expect(again.headers.get("server-timing") ?? "", path).not.toMatch(/d1;desc/);
    }
  });

  it("answers an unknown subdomain's API with a problem in the request's language", async () => {
    const ru = await call("atlantis", "/api/v1/region/tariffs");
    expect(ru.status).toBe(404);
    expect(ru.headers.get("content-type")).toContain("application/problem+json");
    const body = await json<{ type: string; title: string; detail: string }>(ru);
    expect(body.type).toBe("urn:kabinet:problem:region-not-found");
    expect(body.title).toBe("Регион не найден");
    expect(body.detail).toContain("atlantis");
    const en = await json<{ title: string }>(
      await call("atlantis", "/api/v1/region", { headers: { "accept-language": "en-GB,en;q=0.9" } }),
    );
    expect(en.title).toBe("Region not found");
  });

  it("answers an unknown subdomain's page with a clear 404 page linking to the region picker", async () => {
    const res = await call("atlantis", "/tariffs", { headers: { accept: "text/html" } });
    expect(res.status).toBe(404);
    const html = await res.text();
    expect(html).toContain("Регион не найден");
    expect(html).toContain('href="http://kabinet.localhost/?choose=1"');
    expect(html).not.toContain("<script");
  });

  it("rejects a bad filter with field errors, never a 500", async () => {
    const res = await call("msk", "/api/v1/region/tariffs?kind=satellite", { headers: { "accept-language": "en" } });
    expect(res.status).toBe(400);
    const body = await json<{ title: string; errors: { field: string; message: string }[] }>(res);
    expect(body.title).toBe("Please check the data you entered");
    expect(body.errors[0]?.field).toBe("kind");
    expect(body.errors[0]?.message).toContain("internet");
  });

  it("has no regional data on the apex", async () => {
    const res = await call(null, "/api/v1/region/tariffs");
    expect(res.status).toBe(404);
    expect((await json<{ type: string }>(res)).type).toBe("urn:kabinet:problem:region-required");
  });

  it("answers unknown API paths with a problem, not the web app", async () => {
    const res = await call("msk", "/api/v1/nothing-here");
    expect(res.status).toBe(404);
    expect(res.headers.get("content-type")).toContain("application/problem+json");
  });
});

describe("apex and region choice", () => {
  it("redirects bare localhost to the apex, keeping the path", async () => {
    const res = await exports_fetch("http://localhost:8787/tariffs?x=1");
    expect(res.status).toBe(308);
    expect(res.headers.get("location")).toBe("http://kabinet.localhost:8787/tariffs?x=1");
  });

  it("suggests Moscow when nothing is known about the visitor", async () => {
    const ctx = await json<{ region: unknown; suggested: { code: string }; detectedBy: string }>(await call(null, "/api/v1/region"));
    expect(ctx.region).toBeNull();
    expect(ctx.suggested.code).toBe("msk");
    expect(ctx.detectedBy).toBe("default");
  });

  it("suggests the visitor's region from request.cf", async () => {
    const bySubdivision = await json<{ suggested: { code: string }; detectedBy: string }>(
      await call(null, "/api/v1/region", { cf: { country: "RU", regionCode: "SPE" } }),
    );
    expect(bySubdivision).toMatchObject({ suggested: { code: "spb" }, detectedBy: "subdivision" });
    const byCoordinates = await json<{ suggested: { code: string }; detectedBy: string }>(
      await call(null, "/api/v1/region", { cf: { country: "RU", latitude: "54.98", longitude: "82.89" } }),
    );
    expect(byCoordinates).toMatchObject({ suggested: { code: "nsk" }, detectedBy: "coordinates" });
  });

  it("remembers the region a visitor opened and sends them there from the apex", async () => {
    const page = await call("spb", "/", { headers: { accept: "text/html" } });
    const cookie = page.headers.get("set-cookie") ?? "";
    expect(cookie).toMatch(/region=spb/);
    expect(cookie).toMatch(/Domain=kabinet\.localhost/i);
    const apex = await call(null, "/", { headers: { accept: "text/html", cookie: "region=spb" } });
    expect(apex.status).toBe(302);
    expect(apex.headers.get("location")).toBe("http://spb.kabinet.localhost/");
    const choosing = await call(null, "/?choose=1", { headers: { accept: "text/html", cookie: "region=spb" } });
    expect(choosing.status).toBe(200);
  });

  it("lists all 89 regions with their sites", async () => {
    const { items } = await json<Items<{ code: string; url: string }>>(await call(null, "/api/v1/regions"));
    expect(items).toHaveLength(89);
    expect(items.find((r) => r.code === "spb")?.url).toBe("http://spb.kabinet.localhost/");
  });

  it("lists each region's capital, major cities and common names for the search", async () => {
    type Place = { ru: string; en: string };
    const { items } = await json<Items<{ code: string; places: Place[] }>>(await call(null, "/api/v1/regions"));
    const places = (code: string) => items.find((r) => r.code === code)?.places ?? [];
    expect(places("kzn")[0]).toEqual({ ru: "Казань", en: "Kazan" });
    expect(places("ekb")).toContainEqual({ ru: "Екатеринбург", en: "Yekaterinburg" });
    expect(places("vl")).toContainEqual({ ru: "Владивосток", en: "Vladivostok" });
    expect(places("spb").map((p) => p.ru)).toEqual(expect.arrayContaining(["Питер", "СПб"]));
    expect(places("mo").map((p) => p.ru)).toContain("Подмосковье");
    expect(items.filter((r) => r.places.length === 0).map((r) => r.code)).toEqual([]);
  });
});

async function exports_fetch(url: string) {
  const { exports } = await import("cloudflare:workers");
  return exports.default.fetch(new Request(url, { redirect: "manual" }));
}
