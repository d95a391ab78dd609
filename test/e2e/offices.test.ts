import { readFileSync } from "node:fs";
import type { Browser, BrowserContext } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launch, newContext, site } from "./browser";

/** A tile the provider would send (any PNG): the real tile server is unreachable here, the page cannot tell. */
const TILE = readFileSync(new URL("../../web/public/icons/icon-192.png", import.meta.url));
const TILES = "https://tile.openstreetmap.org/**";

let browser: Browser;
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser.close();
});

async function withTiles(context: BrowserContext, ok: boolean) {
  await context.route(TILES, (route) =>
    ok ? route.fulfill({ status: 200, contentType: "image/png", body: TILE }) : route.abort("internetdisconnected"),
  );
}

describe("offices on a map in a real browser", () => {
  it("shows the offices on the provider's tiles, numbered like the list, credited, with the line to call", async () => {
    const context = await newContext(browser);
    await withTiles(context, true);
    const page = await context.newPage();
    await page.goto(site("msk", "/offices"));
    const map = page.getByRole("region", { name: "Карта офисов" });
    await expect.poll(() => map.count()).toBe(1);
    await expect.poll(() => map.locator("img.leaflet-tile-loaded").count()).toBeGreaterThan(0);
    await expect.poll(() => page.getByText(/^Офисов: 4/).count()).toBe(1);
    // One pin per office, named by its number, address and state, as the card.
    await expect.poll(() => map.locator(".office-pin").count()).toBe(4);
    expect(await map.getByRole("button", { name: /^\d\. ул\. Новый Арбат, д\. 15: (Открыто|Закрыто)/ }).count()).toBe(1);
    expect(await map.getByRole("link", { name: "© OpenStreetMap" }).getAttribute("href")).toBe("https://www.openstreetmap.org/copyright");
    // Zoom from the keyboard: the control has a name, the map pans with arrows.
    expect(await map.getByRole("button", { name: "Приблизить" }).count()).toBe(1);
    // The schematic map is not shown beside the real one.
    expect(await page.getByRole("img", { name: "Схема расположения офисов" }).count()).toBe(0);
    const card = page.getByRole("listitem").filter({ hasText: "ул. Гончарная, д. 30" });
    expect(await card.getByRole("link", { name: /^(\+7|8 800) / }).getAttribute("href")).toMatch(/^tel:\+7\d{10}$/);
    await context.close();
  });

  it("falls back to the schematic map when no tile comes, and says why", async () => {
    const context = await newContext(browser);
    await withTiles(context, false);
    const page = await context.newPage();
    await page.goto(site("msk", "/offices"));
    await expect.poll(() => page.getByRole("img", { name: "Схема расположения офисов" }).count()).toBe(1);
    expect(await page.getByText("Карта не загрузилась — показана схема расположения офисов.").count()).toBe(1);
    expect(await page.getByRole("region", { name: "Карта офисов" }).count()).toBe(0);
    await context.close();
  });

  it("puts the nearest office first when the visitor shares where they are, and says so when they do not", async () => {
    // Standing at Arbatskaya, a few hundred metres from the Novy Arbat office.
    const context = await newContext(browser, { permissions: ["geolocation"], geolocation: { latitude: 55.7521, longitude: 37.6012 } });
    await withTiles(context, false);
    const page = await context.newPage();
    await page.goto(site("msk", "/offices"));
    await page.getByRole("button", { name: "Показать ближайшие ко мне" }).click();
    await expect.poll(() => page.getByText(/сначала ближайшие/).count()).toBe(1);
    const first = page.locator("ol.grid > li").first();
    expect(await first.innerText()).toContain("ул. Новый Арбат, д. 15");
    expect(await first.locator(".office__distance").innerText()).toMatch(/^\d{3}\sм от вас$/);
    await context.close();

    const refused = await newContext(browser);
    await withTiles(refused, false);
    const other = await refused.newPage();
    await other.goto(site("msk", "/offices"));
    await other.getByRole("button", { name: "Показать ближайшие ко мне" }).click();
    await expect.poll(() => other.getByRole("alert").filter({ hasText: "Нет доступа к местоположению" }).count()).toBe(1);
    await refused.close();
  });
});
