import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { expect, inject } from "vitest";
import { CHROMIUM_ARGS } from "../../scripts/chromium.mts";

export const port = () => inject("port");
export const site = (sub: string | null, path = "/") => `http://${sub ? `${sub}.` : ""}kabinet.localhost:${port()}${path}`;

export async function launch(): Promise<Browser> {
  return chromium.launch({ executablePath: inject("chromium"), args: CHROMIUM_ARGS, headless: true });
}

/** A fresh browser profile (no cookies, no service worker), Russian by default. */
export async function newContext(browser: Browser, options: Parameters<Browser["newContext"]>[0] = {}): Promise<BrowserContext> {
  return browser.newContext({ locale: "ru-RU", ...options });
}

/** Logs a demo subscriber in on the Moscow site through the login form and waits for their accounts. */
export async function login(page: Page, who: string) {
  await page.goto(site("msk", "/login"));
  await page.getByLabel("Телефон, почта, логин или лицевой счёт").fill(who);
  await page.getByLabel("Пароль", { exact: true }).fill("Kabinet2026");
  await page.getByRole("button", { name: "Войти", exact: true }).click();
  await page.waitForURL(site("msk", "/accounts"));
}

/**
 * A real (non-incognito) profile in a temporary folder: Chrome refuses to
 * install apps from incognito contexts, so installability is checked here.
 */
export async function launchProfile(): Promise<{ context: BrowserContext; close: () => Promise<void> }> {
  const { mkdtemp, rm } = await import("node:fs/promises");
  const { tmpdir } = await import("node:os");
  const { join } = await import("node:path");
  const dir = await mkdtemp(join(tmpdir(), "kabinet-profile-"));
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: inject("chromium"),
    args: CHROMIUM_ARGS,
    headless: true,
    locale: "ru-RU",
  });
  return {
    context,
    close: async () => {
      await context.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Makes `page` a returning visitor of a regional site: the service worker is
 * installed, active and controls the page, as for anyone who has opened the
 * site before. Every navigation that follows goes through it, so a flow that
 * leaves the app (the acquirer's page, an emailed link, an identity provider)
 * is tested as people meet it, not only as on a first visit.
 */
export async function asReturningVisitor(page: Page, sub: string) {
  await page.goto(site(sub, "/"));
  await page.evaluate(() => navigator.serviceWorker.ready.then(() => true));
  await page.reload();
  await expect.poll(() => page.evaluate(() => navigator.serviceWorker.controller !== null)).toBe(true);
}
