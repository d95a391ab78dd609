import type { Browser, BrowserContext, Page } from "playwright-core";
import { fetch as nodeFetch } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launch, launchProfile, newContext, orSayWhatShowed, site } from "./browser";
import { localhostAgent } from "./http";

/**
 * Rows of anna's Moscow account's history on any day: the demo's five closed months are a rolled-up line per
 * service and their payments (16 rows on the first of a month), the open month one line a service a day.
 */
const HISTORY_ROWS = 15;

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

/** The ids of the unread messages in the device's copy of the inbox (what the inbox screen shows offline). */
const unreadOnDevice = (page: Page) =>
  page.evaluate(
    () =>
      new Promise<string[]>((resolve, reject) => {
        const open = indexedDB.open("kabinet-offline");
        open.onsuccess = () => {
          const get = open.result.transaction("snapshots").objectStore("snapshots").get("inbox");
          get.onsuccess = () => {
            const snapshot = get.result as { data?: { items?: { id: string; read: boolean }[] } } | undefined;
            resolve((snapshot?.data?.items ?? []).filter((i) => !i.read).map((i) => i.id));
          };
          get.onerror = () => reject(get.error);
        };
        open.onerror = () => reject(open.error);
      }),
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
  await expect.poll(() => page.locator("table.history tbody tr").count()).toBeGreaterThanOrEqual(HISTORY_ROWS);
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
  // The messages read here: the unread ones of the device's copy that the screen shows.
  const readOffline = await unreadOnDevice(page);
  expect(readOffline.length).toBeGreaterThan(0);
  await page.getByRole("button", { name: "Отметить все прочитанными" }).click();
  await expect.poll(() => bell.getAttribute("aria-label")).toBe("Уведомления");

  // A page that lives on the server gets the offline page, not the browser's error.
  await page.goto(site(sub, "/api/docs"));
  await expect.poll(() => page.getByRole("heading", { level: 1 }).innerText()).toBe("Нет сети");

  // A restart of the app, still offline: the account page with its history, and filters that work on the device.
  const again = await open("/accounts/201000000012");
  // A new window's first paint offline (the app from the service worker's cache, the account from IndexedDB) took
  // over the default 15 s once, in a full run with the Worker suite beside it on two cores; alone it takes ~2 s. A
  // time limit here finds a window that never shows it, it does not measure speed.
  await orSayWhatShowed(
    again,
    expect.poll(() => again.getByText(/^Нет сети\. Показаны данные на /).count(), { timeout: 45_000 }).toBeGreaterThan(0),
  );
  await expect.poll(() => again.locator("table.history tbody tr").count()).toBeGreaterThanOrEqual(HISTORY_ROWS);
  await again.getByLabel("Тип").selectOption("payment");
  await again.getByRole("button", { name: "Показать", exact: true }).click();
  // The table had rows before the filter too: wait for the filtered ones (some, and only payments).
  const kinds = () => again.locator("table.history tbody tr td:nth-child(2)").allInnerTexts();
  await expect
    .poll(async () => {
      const shown = await kinds();
      return { some: shown.length > 0, others: shown.filter((k) => k !== "Оплата банковской картой") };
    })
    .toEqual({ some: true, others: [] });

  // A setting changed offline waits on the device and is sent when the network returns.
  await again.getByLabel("Предупредить, когда баланс ниже, ₽").fill("321");
  await again.getByRole("button", { name: "Сохранить" }).click();
  await expect.poll(() => again.getByText("Сохранится, когда появится сеть").count()).toBe(1);
  await context.setOffline(false);
  await expect.poll(() => again.getByText("Сохранится, когда появится сеть").count()).toBe(0);
  const insight = await again.evaluate(() => fetch("/api/v1/accounts/201000000012/insight").then((r) => r.json()));
  expect(insight.lowBalanceKop).toBe(32100);
  // The messages read offline are read on the server too. (Only those: other files running at the same time pay,
  // chat and order reports as Anna, and what reaches her inbox after the device's copy is rightly still unread.)
  await expect
    .poll(() =>
      again
        .evaluate(() => fetch("/api/v1/notifications").then((r) => r.json() as Promise<{ items: { id: string; read: boolean }[] }>))
        .then((b) => readOffline.filter((id) => !b.items.some((i) => i.id === id && i.read))),
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
  it("in a browser tab on a regional site: shows what it had, queues a setting, keeps nothing after logout", {
    timeout: 120_000,
  }, async () => {
    const context = await newContext(browser, { serviceWorkers: "allow" });
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

  it("as the installed app (installed from the regional site, opened in its own window)", { timeout: 120_000 }, async () => {
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

/** Logs Anna in through the form on `sub` and waits for her accounts. */
async function logIn(page: Page, sub: string) {
  await page.goto(site(sub, "/login"));
  await page.getByLabel("Телефон, почта, логин или лицевой счёт").fill("+7 900 000-00-01");
  await page.getByLabel("Пароль", { exact: true }).fill("Kabinet2026");
  await page.getByRole("button", { name: "Войти", exact: true }).click();
  await page.waitForURL(site(sub, "/accounts"));
  await expect.poll(() => page.getByRole("article").count()).toBe(4);
}

/** What the header says about the session: "Профиль" when someone is logged in, "Войти" when not. */
const headerSays = async (page: Page) => ({
  login: await page.locator("header").getByRole("link", { name: "Войти", exact: true }).count(),
  profile: await page.locator("header").getByRole("link", { name: "Профиль", exact: true }).count(),
});

/** Every "Пополнить" on the page is disabled and says why (its accessible description). */
async function topUpsDisabledWithReason(page: Page) {
  const buttons = page.getByRole("button", { name: "Пополнить", exact: true });
  await expect.poll(() => buttons.count()).toBeGreaterThan(0);
  for (const button of await buttons.all()) {
    expect(await button.isDisabled()).toBe(true);
    const reason = await button.evaluate((b) =>
      (b.getAttribute("aria-describedby") ?? "")
        .split(/\s+/)
        .map((id) => document.getElementById(id)?.textContent ?? "")
        .join(" ")
        .trim(),
    );
    expect(reason).toBe("Недоступно без сети");
  }
}

describe("offline gaps (issue 26)", () => {
  it("before the service worker has the app: a screen never opened says it needs the network, with a retry that opens it once online", async () => {
    // A first visit whose service worker has not installed yet (here: none at all): only what was loaded is on the device.
    const context = await newContext(browser, { serviceWorkers: "block" });
    const page = await context.newPage();
    await logIn(page, "kzn");
    await context.setOffline(true);

    expect(await headerSays(page)).toEqual({ login: 0, profile: 1 });
    await topUpsDisabledWithReason(page);

    await page.getByRole("navigation").getByRole("link", { name: "Офисы продаж" }).click();
    await page.waitForURL(site("kzn", "/offices"));
    await expect.poll(() => page.getByText("Нет сети: этот раздел откроется, когда появится интернет").count()).toBe(1);
    expect(await page.getByText("Загрузка…").count()).toBe(0);
    expect(await headerSays(page)).toEqual({ login: 0, profile: 1 });

    // Other screens still work (the app is not broken by the failed one).
    await page.getByRole("link", { name: "Лицевые счета" }).click();
    await expect.poll(() => page.getByRole("article").count()).toBe(4);

    await page.getByRole("navigation").getByRole("link", { name: "Офисы продаж" }).click();
    await expect.poll(() => page.getByText("Нет сети: этот раздел откроется, когда появится интернет").count()).toBe(1);
    await context.setOffline(false);
    await page.getByRole("button", { name: "Повторить" }).click();
    await expect.poll(() => page.getByRole("heading", { level: 1, name: /^Офисы продаж — / }).count()).toBe(1);
    await expect
      .poll(() =>
        page
          .getByRole("listitem")
          .filter({ hasText: /ул\.|пр-т|просп/ })
          .count(),
      )
      .toBeGreaterThan(0);
    await context.close();
  });

  it("the app opened offline on screens never opened: still logged in, «нужна сеть» instead of an endless «Загрузка…», top-up disabled and its dialog says there is no network", async () => {
    const context = await newContext(browser, { serviceWorkers: "allow" });
    const page = await context.newPage();
    await page.goto(site("ekb", "/login"));
    await page.evaluate(() => navigator.serviceWorker.ready.then(() => true));
    await logIn(page, "ekb");
    await context.setOffline(true);

    // A new window of the app, offline, on screens whose data never reached the device.
    const again = await context.newPage();
    for (const path of ["/bonus", "/support", "/applications"]) {
      await again.goto(site("ekb", path));
      await expect.poll(() => again.getByText(/^Нужна сеть/).count(), { message: path }).toBeGreaterThan(0);
      expect(await again.getByText("Не удалось загрузить данные.").count(), path).toBe(0);
      expect(await again.getByText("Загрузка…").count(), path).toBe(0);
      expect(await headerSays(again), path).toEqual({ login: 0, profile: 1 });
    }

    // The balances come from the device; paying needs the network, and says so.
    await again.goto(site("ekb", "/accounts"));
    await expect.poll(() => again.getByRole("article").count()).toBe(4);
    await topUpsDisabledWithReason(again);

    // The installed app's "Пополнить счёт" shortcut, offline: the dialog says why it cannot pay now.
    await again.goto(site("ekb", "/accounts?topup=1"));
    const dialog = again.getByRole("dialog", { name: /^Пополнить счёт / });
    await expect.poll(() => dialog.getByText(/^Нужна сеть/).count()).toBe(1);
    expect(await dialog.getByText("Не удалось загрузить данные.").count()).toBe(0);
    // Back online, its retry brings the form.
    await context.setOffline(false);
    await dialog.getByRole("button", { name: "Повторить" }).click();
    await expect.poll(() => dialog.getByLabel("Сумма, ₽").count()).toBe(1);
    await context.close();
  });

  it("the «откроется и без интернета» note covers no field or dialog, and shows once per device", async () => {
    const context = await newContext(browser, { viewport: { width: 360, height: 640 }, serviceWorkers: "allow" });
    const page = await context.newPage();
    await page.goto(site("vl", "/login"));
    const note = page.getByText("Кабинет откроется и без интернета");
    // The note comes when the service worker has installed (the whole app precached): on a machine busy with two
    // files at a time that can take longer than a poll, so wait for the worker first, then for the note.
    await page.evaluate(() => navigator.serviceWorker.ready.then(() => true));
    await expect.poll(() => note.count()).toBe(1);
    // Nothing one can type into or press is under it, wherever the page is scrolled to (each field brought to the
    // bottom of the screen, where one types on a phone).
    const covered = await page.evaluate(() => {
      const noteEl = Array.from(document.querySelectorAll<HTMLElement>("body *")).find(
        (e) => e.childElementCount === 0 && e.textContent === "Кабинет откроется и без интернета",
      );
      const fields = Array.from(
        document.querySelectorAll<HTMLElement>("main input, main button, main select, main textarea, [role=dialog]"),
      );
      const under: string[] = [];
      for (const field of fields) {
        field.scrollIntoView({ block: "end" });
        const box = (noteEl?.parentElement ?? noteEl)?.getBoundingClientRect();
        const r = field.getBoundingClientRect();
        if (box && r.width > 0 && r.left < box.right && r.right > box.left && r.top < box.bottom && r.bottom > box.top)
          under.push(field.getAttribute("name") ?? field.textContent ?? field.tagName);
      }
      return under;
    });
    expect(covered).toEqual([]);

    // Another regional site on the same device (its own service worker installs): no second note.
    const other = await context.newPage();
    await other.goto(site("ekb", "/login"));
    await other.evaluate(() => navigator.serviceWorker.ready.then(() => true));
    await other.waitForTimeout(1500);
    expect(await other.getByText("Кабинет откроется и без интернета").count()).toBe(0);
    await context.close();
  });
});
