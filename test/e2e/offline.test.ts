import type { Browser, BrowserContext, Page } from "playwright-core";
import { fetch as nodeFetch } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launch, launchProfile, newContext, site } from "./browser";
import { localhostAgent } from "./http";

/** An operator announces a tariff change to the Moscow subscribers: a message in Anna's inbox. */
async function announce(title: string) {
  const res = await nodeFetch(site(null, "/ops/v1/announcements"), {
    method: "POST",
    dispatcher: localhostAgent,
    headers: { authorization: "Bearer dev-only-operator-token", "content-type": "application/json" },
    body: JSON.stringify({ region: "msk", kind: "tariff_change", title, body: "С 1 января меняется цена тарифа.", key: title }),
  });
  expect(res.status).toBe(202);
}

let browser: Browser;
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

/** How many entries the app keeps in its IndexedDB store. */
/** Whether the device's cache holds `key` (the app writes some copies in the background). */
const isCached = (page: Page, key: string) =>
  page.evaluate(
    (key) =>
      new Promise<boolean>((resolve) => {
        const open = indexedDB.open("kabinet-offline");
        open.onsuccess = () => {
          const db = open.result;
          if (!db.objectStoreNames.contains("snapshots")) return resolve(false);
          const get = db.transaction("snapshots").objectStore("snapshots").getKey(key);
          get.onsuccess = () => resolve(get.result !== undefined);
        };
        open.onerror = () => resolve(false);
      }),
    key,
  );

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

/**
 * The whole offline journey on one regional site: log in, look, lose the
 * network, reload and restart, filter, queue a setting, log out offline, come back.
 * `open` gives a new window of the app (a tab, or the installed app's window).
 */
async function offlineJourney(context: BrowserContext, open: (path: string) => Promise<Page>, sub: string) {
  const page = await open("/login");
  await page.evaluate(() => navigator.serviceWorker.ready.then(() => true));
  await page.getByLabel("Телефон, почта, логин или лицевой счёт").fill("+7 900 000-00-01");
  await page.getByLabel("Пароль", { exact: true }).fill("Kabinet2026");
  await page.getByRole("button", { name: "Войти", exact: true }).click();
  await page.waitForURL(site(sub, "/accounts"));
  await expect.poll(() => page.getByRole("article").count()).toBe(4);
  await expect.poll(() => page.getByText(/^Обновлено: /).count()).toBe(1);
  const onlineTotal = await page.locator(".total").innerText();

  // The inbox, seen once online, is kept on the device.
  const title = `Новые цены (${sub}, ${Date.now()})`;
  await announce(title);
  // (The queue delivers it within seconds: look again until it is there.)
  await expect
    .poll(
      async () => {
        await page.goto(site(sub, "/notifications"));
        await page
          .locator("ul.inbox")
          .or(page.getByText(/^Уведомлений пока нет/))
          .first()
          .waitFor();
        return page.getByRole("button", { name: title }).count();
      },
      { timeout: 20_000 },
    )
    .toBe(1);
  const bell = page.getByRole("link", { name: /^Уведомления/ });
  await expect.poll(() => bell.getAttribute("aria-label")).toMatch(/непрочитанных: [1-9]/);

  await page.goto(site(sub, "/accounts/201000000012"));
  await expect.poll(() => page.locator("table.history tbody tr").count()).toBeGreaterThanOrEqual(30);
  // What the account screen needs offline is on the device (the history is copied in the background).
  for (const key of ["owner", "profile", "accounts", "account:201000000012", "insight:201000000012", "history:201000000012"])
    await expect.poll(() => isCached(page, key), { message: key }).toBe(true);

  await context.setOffline(true);
  await page.goto(site(sub, "/accounts"));
  await expect.poll(() => page.getByRole("article").count()).toBe(4);
  await expect.poll(() => page.getByText(/^Нет сети\. Показаны данные на /).count()).toBe(1);
  expect(await page.locator(".total").innerText()).toBe(onlineTotal);
  expect(await page.getByRole("button", { name: "Получить код" }).isDisabled()).toBe(true);

  // The inbox opens offline from the device, and reading it is remembered until the network returns.
  await page.goto(site(sub, "/notifications"));
  await expect.poll(() => page.getByRole("button", { name: title }).count()).toBe(1);
  await expect.poll(() => page.getByText(/^Нет сети\. Показаны данные на /).count()).toBe(1);
  await page.getByRole("button", { name: "Отметить все прочитанными" }).click();
  await expect.poll(() => bell.getAttribute("aria-label")).toBe("Уведомления");

  // A page that lives on the server gets the offline page, not the browser's error.
  await page.goto(site(sub, "/api/docs"));
  await expect.poll(() => page.getByRole("heading", { level: 1 }).innerText()).toBe("Нет сети");

  // A restart of the app, still offline: the account page with its history, and filters that work on the device.
  const again = await open("/accounts/201000000012");
  await expect.poll(() => again.getByText(/^Нет сети\. Показаны данные на /).count()).toBeGreaterThan(0);
  await expect.poll(() => again.locator("table.history tbody tr").count()).toBeGreaterThanOrEqual(30);
  await again.getByLabel("Тип").selectOption("payment");
  await again.getByRole("button", { name: "Показать", exact: true }).click();
  await expect.poll(() => again.locator("table.history tbody tr").count()).toBeGreaterThan(0);
  const kinds = await again.locator("table.history tbody tr td:nth-child(2)").allInnerTexts();
  expect(kinds.every((k) => k === "Оплата банковской картой")).toBe(true);

  // A setting changed offline waits on the device and is sent when the network returns.
  await again.getByLabel("Предупредить, когда баланс ниже, ₽").fill("321");
  await again.getByRole("button", { name: "Сохранить" }).click();
  await expect.poll(() => again.getByText("Сохранится, когда появится сеть").count()).toBe(1);
  await context.setOffline(false);
  await expect.poll(() => again.getByText("Сохранится, когда появится сеть").count()).toBe(0);
  const insight = await again.evaluate(() => fetch("/api/v1/accounts/201000000012/insight").then((r) => r.json()));
  expect(insight.lowBalanceKop).toBe(32100);
  // The messages read offline are read on the server too.
  await expect
    .poll(() =>
      again
        .evaluate(() => fetch("/api/v1/notifications").then((r) => r.json() as Promise<{ items: { title: string; read: boolean }[] }>))
        .then((b) => b.items.filter((i) => !i.read).map((i) => i.title)),
    )
    .toEqual([]);
  await context.setOffline(true);

  // Logging out offline leaves nothing behind.
  await again.goto(site(sub, "/profile"));
  await again.getByRole("button", { name: "Выйти" }).click();
  await again.waitForURL(site(sub, "/login"));
  expect(await cachedKeys(again)).toBe(0);
  await again.goto(site(sub, "/accounts"));
  await again.waitForURL(site(sub, "/login"));

  // Back online: fresh data again.
  await context.setOffline(false);
  await again.getByLabel("Телефон, почта, логин или лицевой счёт").fill("anna");
  await again.getByLabel("Пароль", { exact: true }).fill("Kabinet2026");
  await again.getByRole("button", { name: "Войти", exact: true }).click();
  await again.waitForURL(site(sub, "/accounts"));
  await expect.poll(() => again.getByText(/^Обновлено: /).count()).toBe(1);
  // The threshold set offline is what the server has now.
  await again.goto(site(sub, "/accounts/201000000012"));
  await expect.poll(() => again.getByLabel("Предупредить, когда баланс ниже, ₽").inputValue()).toBe("321");
}

describe("the app without a network", () => {
  it("in a browser tab on a regional site: shows what it had, queues a setting, keeps nothing after logout", async () => {
    const context = await newContext(browser);
    await offlineJourney(
      context,
      async (path) => {
        const page = await context.newPage();
        await page.goto(site("spb", path));
        return page;
      },
      "spb",
    );
    await context.close();
  });

  it("as the installed app (installed from the regional site, opened in its own window)", async () => {
    const { context, close } = await launchProfile();
    const tab = await context.newPage();
    await tab.goto(site("nsk", "/"));
    await tab.evaluate(() => navigator.serviceWorker.ready.then(() => true));
    const cdp = await context.newCDPSession(tab);
    // Chromium's own install and launch (what "Install app" and the app icon do), through the DevTools Protocol.
    const manifestId = site("nsk", "/");
    await cdp.send("PWA.install" as never, { manifestId } as never);
    await offlineJourney(
      context,
      async (path) => {
        const opened = context.waitForEvent("page");
        await cdp.send("PWA.launch" as never, { manifestId, url: site("nsk", path) } as never);
        const app = await opened;
        await app.waitForLoadState();
        return app;
      },
      "nsk",
    );
    await close();
  });
});
