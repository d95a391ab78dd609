import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeAccountNo } from "../../worker/platform/ids";
import { asReturningVisitor, launch, newContext, site } from "./browser";

let browser: Browser;
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

const ACCOUNT = makeAccountNo("50400000006"); // petr's account in Yekaterinburg
const card = (page: Page) => page.locator("article", { hasText: ACCOUNT.replace(/(\d{4})(?=\d)/g, "$1 ") });
const balanceText = (page: Page) => card(page).locator(".account__balance").innerText();
const rub = (text: string) => Number(text.replace(/[^\d,-]/g, "").replace(",", "."));

/**
 * Logs petr in on his region's site and opens the top-up of his account for `amount` roubles, up to the acquirer's
 * page. He has opened the site before: its service worker is active, so leaving the app for the acquirer's page
 * (and coming back) goes through it.
 */
async function startTopUp(page: Page, amount: number): Promise<number> {
  await asReturningVisitor(page, "ekb");
  await page.goto(site("ekb", "/login"));
  await page.getByLabel("Телефон, почта, логин или лицевой счёт").fill("petr");
  await page.getByLabel("Пароль", { exact: true }).fill("Kabinet2026");
  await page.getByRole("button", { name: "Войти", exact: true }).click();
  await page.waitForURL(site("ekb", "/accounts"));
  await expect.poll(() => page.getByRole("article").count()).toBeGreaterThan(0);
  const before = rub(await balanceText(page));
  await card(page).getByRole("button", { name: "Пополнить" }).click();
  const dialog = page.getByRole("dialog");
  await dialog.getByLabel("Сумма, ₽").fill(String(amount));
  await dialog.getByRole("button", { name: `Оплатить ${amount} ₽` }).click();
  await page.waitForURL(/\/sandbox\/acquirer\/pay\//);
  return before;
}

/** Fills the acquirer's card form (the sandbox's hosted page) and waits to be sent back to the result. */
async function payWith(page: Page, number: string) {
  await page.getByLabel("Номер карты").fill(number);
  await page.getByLabel("Срок (ММ/ГГ)").fill("12/30");
  await page.getByLabel("CVC").fill("123");
  await page.getByRole("button", { name: /^Оплатить/ }).click();
}

const backToResult = (page: Page) => page.waitForURL(new RegExp(`/accounts/${ACCOUNT}/payments/`));

describe("paying by card in a real browser", () => {
  it("tops up through the acquirer's page, comes back to the result with its receipt, and sees the balance change", async () => {
    const page = await (await newContext(browser, { serviceWorkers: "allow" })).newPage();
    const before = await startTopUp(page, 500);
    await payWith(page, "4242 4242 4242 4242");
    await backToResult(page);
    await expect.poll(() => page.getByRole("status").filter({ hasText: "Оплачено" }).count()).toBe(1);
    await expect.poll(() => page.getByRole("heading", { name: /^Кассовый чек № / }).count()).toBe(1);
    expect(await page.getByText("VISA •••• 4242").count()).toBeGreaterThan(0);

    await page.getByRole("link", { name: "К счёту" }).click();
    await page.goto(site("ekb", "/accounts"));
    await expect.poll(async () => rub(await balanceText(page))).toBe(before + 500);
  });

  it("says why a declined card failed and takes no money", async () => {
    const page = await (await newContext(browser, { serviceWorkers: "allow" })).newPage();
    const before = await startTopUp(page, 300);
    await payWith(page, "4000 0000 0000 0002");
    await backToResult(page);
    await expect.poll(() => page.getByText("Платёж не прошёл: банк отклонил операцию. Деньги не списаны.").count()).toBe(1);
    await page.goto(site("ekb", "/accounts"));
    await expect.poll(async () => rub(await balanceText(page))).toBe(before);
  });

  it("passes the bank's 3-D Secure page (a server page the app must not answer) and is credited", async () => {
    const page = await (await newContext(browser, { serviceWorkers: "allow" })).newPage();
    const before = await startTopUp(page, 200);
    await payWith(page, "4000 0000 0000 3220");
    await page.waitForURL(/\/sandbox\/acquirer\/3ds\//);
    await expect.poll(() => page.getByRole("heading", { name: "Подтверждение платежа" }).count()).toBe(1);
    await page.getByLabel("Код из SMS").fill("123456");
    await page.getByRole("button", { name: "Подтвердить" }).click();
    await backToResult(page);
    await expect.poll(() => page.getByRole("status").filter({ hasText: "Оплачено" }).count()).toBe(1);
    await page.goto(site("ekb", "/accounts"));
    await expect.poll(async () => rub(await balanceText(page))).toBe(before + 200);
  });
});
