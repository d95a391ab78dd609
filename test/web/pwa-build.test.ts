// @vitest-environment node
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

const dist = new URL("../../dist/", import.meta.url);
const read = (p: string) => readFileSync(new URL(p, dist));

/** PNG width and height from the IHDR chunk. */
function pngSize(buf: Buffer) {
  return { width: buf.readUInt32BE(16), height: buf.readUInt32BE(20) };
}

describe("the built PWA", () => {
  it("has every file its page and its chunks name (a lazy chunk's stylesheet too), and its stylesheet in the page", () => {
    const html = read("index.html").toString();
    const names = new Set<string>();
    for (const m of html.matchAll(/(?:href|src)="\/(assets\/[^"]+)"/g)) names.add(m[1] ?? "");
    for (const file of readdirSync(new URL("assets/", dist)).filter((f) => f.endsWith(".js"))) {
      for (const m of read(`assets/${file}`)
        .toString()
        .matchAll(/assets\/[\w.-]+\.(?:js|css)\b/g))
        names.add(m[0]);
    }
    expect(names.size).toBeGreaterThan(10);
    for (const name of names) expect(existsSync(new URL(name, dist)), name).toBe(true);
    // Inlined: the first paint waits for no stylesheet request.
    expect(html).toMatch(/<style>:root\{/);
    expect(html).not.toMatch(/<link rel="stylesheet"/);
    // Nothing is painted before the app's shell: an empty first frame made its first render count as blocking time.
    expect(html).toMatch(/<script type="module" crossorigin src="\/assets\/index-[\w-]+\.js" blocking="render"><\/script>/);
  });

  it("has an installable manifest: name, id, scope, start_url, standalone, icons incl. maskable", () => {
    const m = JSON.parse(read("manifest.webmanifest").toString());
    expect(m).toMatchObject({ name: "Личный кабинет", short_name: "Кабинет", id: "/", scope: "/", display: "standalone", lang: "ru" });
    expect(m.start_url.startsWith("/")).toBe(true);
    expect(m.theme_color).toMatch(/^#[0-9a-f]{6}$/i);
    const bySize = (s: string, purpose: string) =>
      m.icons.find((i: { sizes: string; purpose: string }) => i.sizes === s && i.purpose === purpose);
    for (const [size, purpose] of [
      ["192x192", "any"],
      ["512x512", "any"],
      ["512x512", "maskable"],
    ] as const) {
      const icon = bySize(size, purpose);
      expect(icon, `${size} ${purpose}`).toBeDefined();
      const [w, h] = size.split("x").map(Number);
      expect(pngSize(read(icon.src.slice(1)))).toEqual({ width: w, height: h });
    }
  });

  it("offers shortcuts to the balance, top-up and history, and screenshots for the install dialog", () => {
    const m = JSON.parse(read("manifest.webmanifest").toString());
    expect(m.shortcuts.map((s: { url: string }) => s.url)).toEqual(["/accounts?source=shortcut", "/accounts?topup=1", "/history"]);
    for (const shot of m.screenshots as { src: string; sizes: string; form_factor: string }[]) {
      const [w, h] = shot.sizes.split("x").map(Number);
      expect(pngSize(read(shot.src.slice(1))), shot.src).toEqual({ width: w, height: h });
    }
    expect(m.screenshots.map((s: { form_factor: string }) => s.form_factor).sort()).toEqual(["narrow", "wide"]);
  });

  it("precaches the shell but not the API docs vendor files", () => {
    const sw = read("sw.js").toString();
    expect(sw).toContain("index.html");
    expect(sw).toContain("manifest.webmanifest");
    expect(sw).not.toContain("swagger-ui-bundle");
    expect(existsSync(new URL("vendor/swagger-ui/swagger-ui-bundle.js", dist))).toBe(true);
  });

  it("has no inline script in the page", () => {
    const html = read("index.html").toString();
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
  });
});
