import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launch, newContext, site } from "./browser";

let browser: Browser;
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

/** How many entries the app keeps in its IndexedDB store. */
const cachedKeys = (page: Page) =>
  page.evaluate(
    () =>
      new Promise<number>((resolve) => {
        const open = indexedDB.open("kabinet-offline");
        open.onsuccess = () => {
          const db = open.result;
          if (!db.objectStoreNames.contains("snapshots")) return resolve(0);
          const count = db.transaction("snapshots").objectStore("snapshots").count();
          count.onsuccess = () => resolve(count.result);
        };
        open.onerror = () => resolve(0);
      }),
  );

describe("the app without a network", () => {
  it("shows the balances and history it had, says it is offline, and keeps nothing after logout", async () => {
    const context = await newContext(browser);
    const page = await context.newPage();
    await page.goto(site("spb", "/login"));
    await page.evaluate(() => navigator.serviceWorker.ready.then(() => true));
    await page.getByLabel("Телефон, почта, логин или лицевой счёт").fill("+7 900 000-00-01");
    await page.getByLabel("Пароль", { exact: true }).fill("Kabinet2026");
    await page.getByRole("button", { name: "Войти", exact: true }).click();
    await page.waitForURL(site("spb", "/accounts"));
    await expect.poll(() => page.getByRole("article").count()).toBe(4);
    await expect.poll(() => page.getByText(/^Обновлено: /).count()).toBe(1);
    const onlineTotal = await page.locator(".total").innerText();

    await page.goto(site("spb", "/accounts/201000000012"));
    await expect.poll(() => page.locator("table.history tbody tr").count()).toBeGreaterThanOrEqual(30);
    await expect.poll(() => cachedKeys(page)).toBeGreaterThanOrEqual(6); // owner, profile, accounts, account, insight, history

    await context.setOffline(true);
    await page.goto(site("spb", "/accounts"));
    await expect.poll(() => page.getByRole("article").count()).toBe(4);
    await expect.poll(() => page.getByText(/^Нет сети\. Показаны данные на /).count()).toBe(1);
    expect(await page.locator(".total").innerText()).toBe(onlineTotal);
    expect(await page.getByRole("button", { name: "Получить код" }).isDisabled()).toBe(true);

    // A restart of the app, still offline: the account page with its history, and filters that work on the device.
    const again = await context.newPage();
    await again.goto(site("spb", "/accounts/201000000012"));
    await expect.poll(() => again.getByText(/^Нет сети\. Показаны данные на /).count()).toBeGreaterThan(0);
    await expect.poll(() => again.locator("table.history tbody tr").count()).toBeGreaterThanOrEqual(30);
    await again.getByLabel("Тип").selectOption("payment");
    await again.getByRole("button", { name: "Показать", exact: true }).click();
    await expect.poll(() => again.locator("table.history tbody tr").count()).toBeGreaterThan(0);
    const kinds = await again.locator("table.history tbody tr td:nth-child(2)").allInnerTexts();
    expect(kinds.every((k) => k === "Оплата банковской картой")).toBe(true);

    // Logging out offline leaves nothing behind.
    await again.goto(site("spb", "/profile"));
    await again.getByRole("button", { name: "Выйти" }).click();
    await again.waitForURL(site("spb", "/login"));
    expect(await cachedKeys(again)).toBe(0);
    await again.goto(site("spb", "/accounts"));
    await again.waitForURL(site("spb", "/login"));

    // Back online: fresh data again.
    await context.setOffline(false);
    await again.getByLabel("Телефон, почта, логин или лицевой счёт").fill("anna");
    await again.getByLabel("Пароль", { exact: true }).fill("Kabinet2026");
    await again.getByRole("button", { name: "Войти", exact: true }).click();
    await again.waitForURL(site("spb", "/accounts"));
    await expect.poll(() => again.getByText(/^Обновлено: /).count()).toBe(1);
    await context.close();
  });
});
