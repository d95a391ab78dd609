import type { Browser, Page } from "playwright-core";
import { fetch } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launch, login, newContext, site } from "./browser";
import { localhostAgent } from "./http";

let browser: Browser;
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

async function operatorLogin(page: Page, login: string) {
  await page.goto(site("msk", "/ops/support"));
  await page.getByLabel("Логин оператора").fill(login);
  await page.getByLabel("Пароль").fill("Operator2026");
  await page.getByRole("button", { name: "Войти" }).click();
  await expect.poll(() => page.getByRole("heading", { name: "Очередь" }).isVisible()).toBe(true);
}

const log = (page: Page) => page.getByRole("log");
const state = (page: Page) => page.locator(".chat__state");
const waitText = (page: Page, text: string) =>
  expect.poll(() => log(page).getByText(text, { exact: true }).count(), { timeout: 15_000 }).toBeGreaterThan(0);

describe("support chat in real browsers", () => {
  it("a subscriber and an operator chat live, through a dropped connection and an offline message", { timeout: 120_000 }, async () => {
    const sub = await newContext(browser, { viewport: { width: 360, height: 800 }, serviceWorkers: "allow" });
    const page = await sub.newPage();
    await login(page, "anna");
    await page.getByRole("link", { name: "Поддержка" }).first().click();
    await page.waitForURL(site("msk", "/support"));
    await page.getByRole("combobox", { name: /^Тема/ }).selectOption("internet");
    await page.getByLabel("Ваш вопрос").fill("Вечером падает скорость интернета");
    await page.getByRole("button", { name: "Начать чат" }).click();
    await waitText(page, "Вечером падает скорость интернета");
    await expect.poll(() => state(page).innerText()).toContain("На связи");
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);

    // The operator, in another browser: the chat is in the queue; take it, answer with a canned greeting.
    const opCtx = await newContext(browser);
    const ops = await opCtx.newPage();
    await operatorLogin(ops, "operator.msk");
    const item = ops.getByRole("button", { name: /Анна Иванова · Интернет/ });
    await expect.poll(() => item.count(), { timeout: 10_000 }).toBeGreaterThan(0);
    await item.first().click();
    await waitText(ops, "Вечером падает скорость интернета");
    await ops.getByRole("button", { name: "Взять чат" }).click();
    await waitText(page, "Оператор Мария Орлова подключился к чату");
    await ops.getByLabel("Шаблон ответа").selectOption({ label: "Приветствие" });
    expect(await ops.getByLabel("Сообщение").inputValue()).toBe("Здравствуйте, Анна Иванова! Меня зовут Мария Орлова, я помогу вам.");
    await ops.getByRole("button", { name: "Отправить", exact: true }).click();
    await waitText(page, "Здравствуйте, Анна Иванова! Меня зовут Мария Орлова, я помогу вам.");

    // Typing shows on the other side; the operator's read mark reaches the subscriber.
    await page.getByLabel("Сообщение").pressSequentially("Скорость 5 Мбит/с");
    await expect.poll(() => ops.getByText("Собеседник печатает…").count(), { timeout: 10_000 }).toBe(1);
    await page.getByLabel("Сообщение").press("Enter");
    await waitText(ops, "Скорость 5 Мбит/с");
    await expect.poll(() => page.locator(".chat__msg--mine").last().innerText(), { timeout: 10_000 }).toContain("Прочитано");

    // The room drops every socket (as on a deploy): both sides reconnect by themselves and nothing is lost.
    // (A string, so that the page's own fetch runs, not the test's.)
    const chatId = await page.evaluate<string>("fetch('/api/v1/support/chats').then((r) => r.json()).then((j) => j.items[0].id)");
    const drop = await fetch(site("msk", `/dev/support/chats/${chatId}/drop`), { method: "POST", dispatcher: localhostAgent });
    // Each side had its socket (a side may briefly hold two: a page redrawn on a busy machine opens its new socket
    // before the room hears the old one close); each comes back by itself.
    const dropped = (await drop.json()) as { customers: number; operators: number };
    expect(dropped.customers).toBeGreaterThanOrEqual(1);
    expect(dropped.operators).toBeGreaterThanOrEqual(1);
    await expect.poll(() => state(page).innerText(), { timeout: 15_000 }).toContain("На связи");
    await ops.getByLabel("Сообщение").fill("Проверяю линию после переподключения");
    await ops.getByRole("button", { name: "Отправить", exact: true }).click();
    await waitText(page, "Проверяю линию после переподключения");

    // Offline: the message waits on the device, visibly, and goes when the network is back.
    // It opens offline too (the subscriber's device store): reload without a network, the conversation is there.
    // As for anyone who has the app: its service worker is active and serves the next navigation (on a loaded
    // machine its first install, precaching every file, can still be running at this point).
    await page.evaluate(() => navigator.serviceWorker.ready.then(() => true));
    await sub.setOffline(true);
    await page.reload();
    await waitText(page, "Проверяю линию после переподключения");
    await expect.poll(() => state(page).innerText(), { timeout: 10_000 }).toContain("Нет сети");
    await page.getByLabel("Сообщение").fill("Пишу из метро");
    await page.getByRole("button", { name: "Отправить", exact: true }).click();
    await expect.poll(() => page.getByText("Отправится, когда появится сеть").count()).toBe(1);
    await sub.setOffline(false);
    await waitText(ops, "Пишу из метро");
    await expect.poll(() => page.getByText("Отправится, когда появится сеть").count()).toBe(0);
    expect(await log(page).getByText("Пишу из метро", { exact: true }).count()).toBe(1);

    // The operator ends the chat; the subscriber rates it.
    await ops.getByRole("button", { name: "Завершить чат" }).click();
    await waitText(page, "Чат завершён");
    // The chat's own form, shown when the end is: `.first()` of the page's radios and buttons could take the rating
    // in one form and press another's button when the chat's form appeared in between (a busy machine).
    const rating = page.getByRole("form", { name: "Оцените, как вам помогли" });
    await rating.getByRole("radio", { name: "5 — отлично" }).check();
    await rating.getByRole("button", { name: "Оставить отзыв" }).click();
    await expect.poll(() => page.getByText("Спасибо за отзыв!").count()).toBe(1);
    await sub.close();
    await opCtx.close();
  });

  it("falls back to polling when WebSockets are blocked, and a visitor of the public site chats without a login", {
    timeout: 90_000,
  }, async () => {
    const ctx = await newContext(browser);
    const page = await ctx.newPage();
    // A proxy that kills every WebSocket.
    await page.routeWebSocket(/\/live$/, (ws) => ws.close({ code: 1011 }));
    // A slow phone, and a visitor who types as soon as the form is there: nothing typed is lost when the page
    // learns there is no session (the form was drawn again then, and the chat never started on the CI runner).
    const cdp = await ctx.newCDPSession(page);
    await cdp.send("Emulation.setCPUThrottlingRate", { rate: 10 });
    await page.goto(site("msk", "/support"), { waitUntil: "commit" });
    // The chat's own form («Перезвоните мне» below asks for a name and phone too).
    const chatForm = page.getByRole("form", { name: "Начать чат" });
    await chatForm.getByLabel("Как к вам обращаться").fill("Виктор");
    await chatForm.getByLabel("Телефон для связи").fill("+7 900 555-12-34");
    await chatForm.getByLabel("Ваш вопрос").fill("Можно ли подключить интернет на даче?");
    await page.waitForLoadState("load");
    await page.waitForTimeout(500);
    expect(await chatForm.getByLabel("Как к вам обращаться").inputValue()).toBe("Виктор");
    await cdp.send("Emulation.setCPUThrottlingRate", { rate: 1 });
    await page.getByRole("button", { name: "Начать чат" }).click();
    await waitText(page, "Можно ли подключить интернет на даче?");
    await expect.poll(() => state(page).innerText(), { timeout: 20_000 }).toContain("Обновляем каждые 3 секунды");

    const ops = await (await newContext(browser)).newPage();
    await operatorLogin(ops, "operator.msk2");
    await ops
      .getByRole("button", { name: /Виктор · / })
      .first()
      .click();
    expect(await ops.getByText("+7 900 555-12-34").count()).toBeGreaterThan(0);
    await ops.getByRole("button", { name: "Взять чат" }).click();
    await ops.getByLabel("Сообщение").fill("Да, проверим адрес");
    await ops.getByRole("button", { name: "Отправить", exact: true }).click();
    await waitText(page, "Да, проверим адрес");
    // The visitor's answer arrives too, and the visitor cannot open someone else's chat.
    await page.getByLabel("Сообщение").fill("Спасибо!");
    await page.getByRole("button", { name: "Отправить", exact: true }).click();
    await waitText(ops, "Спасибо!");
    await ctx.close();
  });
});

describe("help centre in a real browser", () => {
  it("finds «Оплата услуг» for «оплатить», and an article read once opens offline", { timeout: 60_000 }, async () => {
    const ctx = await newContext(browser, { viewport: { width: 360, height: 800 }, serviceWorkers: "allow" });
    const page = await ctx.newPage();
    await page.goto(site("spb", "/help"));
    await page.evaluate(() => navigator.serviceWorker.ready.then(() => true));
    // Controlled by the service worker from here on.
    await page.reload();
    await page.getByRole("searchbox", { name: "Поиск по статьям" }).fill("оплатить");
    await page.getByRole("button", { name: "Найти" }).click();
    await expect.poll(() => page.getByRole("heading", { name: /^Найдено статей: \d+$/ }).count()).toBe(1);
    const first = page.locator("section[aria-live] a").first();
    expect(await first.innerText()).toBe("Оплата услуг");
    await first.click();
    await page.waitForURL(site("spb", "/help/pay-ways"));
    await expect.poll(() => page.getByRole("heading", { level: 1 }).innerText()).toBe("Оплата услуг");

    await ctx.setOffline(true);
    await page.reload();
    await expect.poll(() => page.getByRole("heading", { level: 1 }).innerText()).toBe("Оплата услуг");
    expect(await page.getByText("чек по 54-ФЗ").count()).toBeGreaterThan(0);
    // Search needs the network and says so.
    await page.goto(site("spb", "/help"));
    await expect.poll(() => page.getByText("Нет сети: поиск недоступен").count()).toBe(1);
    expect(await page.getByRole("button", { name: "Найти" }).isDisabled()).toBe(true);
    await ctx.close();
  });

  it("shows the offices open now in the region's time zone on the finder", async () => {
    const page = await (await newContext(browser)).newPage();
    await page.goto(site("msk", "/offices"));
    await expect.poll(() => page.getByRole("img", { name: "Схема расположения офисов" }).count()).toBe(1);
    await expect.poll(() => page.getByText(/^Офисов: 4/).count()).toBe(1);
    // The mall office on Novy Arbat is open 10–22 every day; whatever the hour, its card says open or when it opens.
    const card = page.getByRole("listitem").filter({ hasText: "ул. Новый Арбат, д. 15" });
    expect(await card.innerText()).toMatch(/Открыто до 22:00|Закрыто, откроется( сегодня в 10:00|: \p{L}+, 10:00)/u);
    await page.getByRole("radio", { name: "Для бизнеса" }).check();
    await expect.poll(() => page.getByText(/^Офисов: 1/).count()).toBe(1);
    await page.goto(site("nsk", "/contacts"));
    await expect.poll(() => page.getByRole("link", { name: "Написать в чат" }).count()).toBe(1);
    expect(await page.getByRole("link", { name: "+7 383 000-01-00" }).getAttribute("href")).toBe("tel:+73830000100");
  });
});
