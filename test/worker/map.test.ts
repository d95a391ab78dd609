import { describe, expect, it } from "vitest";
import { mapConfig, tileOrigin } from "../../worker/platform/map";
import { call } from "./helpers";

describe("the office finder's map", () => {
  it("gives the page the configured tiles and their credit, and lets the page load those images and ask for the location", async () => {
    const res = await call("msk", "/api/v1/region/offices");
    expect(res.status).toBe(200);
    const body = (await res.json()) as { items: unknown[]; map: unknown };
    expect(body.items.length).toBe(4);
    expect(body.map).toEqual({
      tiles: "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
      attribution: "© OpenStreetMap",
      attributionUrl: "https://www.openstreetmap.org/copyright",
    });
    const page = await call("msk", "/offices", { headers: { accept: "text/html" } });
    await page.body?.cancel();
    const imgSrc = /img-src ([^;]+)/.exec(page.headers.get("content-security-policy") ?? "")?.[1]?.split(" ");
    expect(imgSrc).toEqual(["'self'", "data:", "blob:", "https://tile.openstreetmap.org"]);
    // Only images from there: scripts and connections stay our own.
    expect(page.headers.get("content-security-policy")).toMatch(/script-src 'self';/);
    expect(page.headers.get("content-security-policy")).toMatch(/connect-src 'self';/);
    expect(page.headers.get("permissions-policy")).toMatch(/geolocation=\(self\)/);
  });

  it("takes only an https template with all three placeholders, and allows a provider's subdomains as one wildcard", () => {
    expect(mapConfig({ MAP_TILES: "" })).toBeNull();
    expect(mapConfig({ MAP_TILES: "http://tiles.example/{z}/{x}/{y}.png" })).toBeNull();
    expect(mapConfig({ MAP_TILES: "https://tiles.example/{z}/{x}.png" })).toBeNull();
    expect(mapConfig({ MAP_TILES: "https://tiles.example/{z}/{x}/{y}.png" })).toEqual({
      tiles: "https://tiles.example/{z}/{x}/{y}.png",
      attribution: "tiles.example",
      attributionUrl: null,
    });
    expect(tileOrigin("https://{s}.tile.example.org/{z}/{x}/{y}.png")).toBe("https://*.tile.example.org");
    expect(tileOrigin("https://tiles.example:8443/{z}/{x}/{y}.png")).toBe("https://tiles.example:8443");
    // Nothing odd gets into a security header.
    expect(tileOrigin("https://tiles.example;script-src *;/{z}/{x}/{y}")).toBeNull();
    expect(tileOrigin("javascript:alert(1)//{z}/{x}/{y}")).toBeNull();
  });
});
