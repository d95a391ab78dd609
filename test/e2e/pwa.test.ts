import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launch, launchProfile, newContext, site } from "./browser";

let browser: Browser;
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

describe("the installable app", () => {
  it("has no installability errors and a working service worker on a regional site", async () => {
    const { context, close } = await launchProfile();
    const page = await context.newPage();
    await page.goto(site("msk", "/"));
    await page.evaluate(() => navigator.serviceWorker.ready.then(() => true));
    const cdp = await context.newCDPSession(page);
    const { installabilityErrors } = (await cdp.send("Page.getInstallabilityErrors")) as {
      installabilityErrors: { errorId: string }[];
    };
    expect(installabilityErrors).toEqual([]);
    const manifest = (await cdp.send("Page.getAppManifest")) as { url: string; errors: unknown[] };
    expect(manifest.url).toBe(site("msk", "/manifest.webmanifest"));
    expect(manifest.errors).toEqual([]);
    await close();
  });

  it("opens the shell and the region's tariffs without a network once visited", async () => {
    const context = await newContext(browser, { serviceWorkers: "allow" });
    const page = await context.newPage();
    await page.goto(site("spb", "/tariffs"));
    await page.evaluate(() => navigator.serviceWorker.ready.then(() => true));
    // The first visit is not yet controlled by the worker: reload once online so the API is cached.
    await page.reload();
    await expect.poll(() => page.getByRole("heading", { level: 1 }).innerText()).toBe("Тарифы — Санкт-Петербург");
    await expect.poll(() => page.getByRole("article").count()).toBeGreaterThan(5);
    await context.setOffline(true);
    await page.reload();
    await expect.poll(() => page.getByRole("heading", { level: 1 }).innerText()).toBe("Тарифы — Санкт-Петербург");
    await expect.poll(() => page.getByRole("article").count()).toBeGreaterThan(5);
    await context.close();
  });
});
