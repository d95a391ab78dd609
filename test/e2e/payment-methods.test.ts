import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { asReturningVisitor, launch, newContext, site } from "./browser";
import { logInAs, type OwnSubscriber, ownSubscriber } from "./subscribers";

let browser: Browser;
/**
 * A subscriber of this file's own, on the Kazan site: the balance its tests see go up is nobody else's (bonus.test.ts
 * changes petr's Kazan balance, and runs at the same time as this file).
 */
let me: OwnSubscriber;
beforeAll(async () => {
  browser = await launch();
  me = await ownSubscriber("payment-methods");
});
afterAll(async () => {
  await browser?.close();
});

const card = (page: Page) => page.locator("article", { hasText: me.accountNo.replace(/(\d{4})(?=\d)/g, "$1 ") });
const balanceText = (page: Page) => card(page).locator(".account__balance").innerText();
const rub = (text: string) => Number(text.replace(/[^\d,-]/g, "").replace(",", "."));
const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true };

/**
 * The file's subscriber, a returning visitor (the service worker active and
 * controlling the page), logs in on the Kazan site, opens the top-up of their
 * account and asks to pay `amount` roubles by СБП; answers the balance before
 * and the create-payment answer.
 */
async function startSbp(page: Page, amount: number) {
  await asReturningVisitor(page, "kzn");
  await logInAs(page, me, me.login, "kzn");
  await expect.poll(() => card(page).count()).toBe(1);
  const before = rub(await balanceText(page));
  await card(page).getByRole("button", { name: "Пополнить" }).click();
  const dialog = page.getByRole("dialog");
  await dialog.getByLabel("Сумма, ₽").fill(String(amount));
  // The keyboard chooses the method: from the first radio, the arrow key moves to СБП.
  await dialog.getByRole("radio", { name: "Банковская карта" }).focus();
  await page.keyboard.press("ArrowDown");
  expect(await dialog.getByRole("radio", { name: "СБП — Система быстрых платежей" }).isChecked()).toBe(true);
  const created = page.waitForResponse((r) => r.request().method() === "POST" && /\/payments$/.test(new URL(r.url()).pathname));
  await dialog.getByRole("button", { name: `Оплатить ${amount} ₽` }).click();
  const started = (await (await created).json()) as { confirmation: { type: string; url: string; payload: string } };
  return { before, started };
}

describe("paying by СБП in a real browser", () => {
  it("on a desktop: the dialog shows the QR, the bank app pays it, the app notices and the balance goes up", async () => {
    const page = await (await newContext(browser, { viewport: { width: 1280, height: 800 }, serviceWorkers: "allow" })).newPage();
    const { before, started } = await startSbp(page, 400);
    const dialog = page.getByRole("dialog");
    await expect.poll(() => dialog.getByRole("img", { name: "QR-код СБП для оплаты 400 ₽" }).count()).toBe(1);
    await expect.poll(() => dialog.getByRole("status").innerText()).toMatch(/^Ждём оплату 400\s₽…$/);
    expect(started.confirmation.type).toBe("qr");
    expect(started.confirmation.payload).toMatch(/^https:\/\/qr\.nspk\.ru\/.+sum=40000/);

    // The payer's bank app (another device) scans it: the sandbox's QR page and its action.
    const id = /\/sbp\/([^/]+)\/banks$/.exec(started.confirmation.url)?.[1];
    const bank = await (await newContext(browser)).newPage();
    await bank.goto(site("kzn", `/sandbox/acquirer/sbp/${id}`));
    await expect.poll(() => bank.getByRole("img", { name: /^QR-код СБП на 400,00/ }).count()).toBe(1);
    await bank.getByRole("button", { name: "Оплатить из приложения банка" }).click();

    // The app, polling, sees it paid and shows the payment with its receipt.
    await page.waitForURL(new RegExp(`/accounts/${me.accountNo}/payments/`));
    await expect.poll(() => page.getByRole("status").filter({ hasText: "Оплачено" }).count()).toBe(1);
    await expect.poll(() => page.getByRole("heading", { name: /^Кассовый чек № / }).count()).toBe(1);
    expect(await page.getByText("СБП", { exact: true }).count()).toBeGreaterThan(0);
    await page.goto(site("kzn", "/accounts"));
    await expect.poll(async () => rub(await balanceText(page))).toBe(before + 400);
  });

  it("on a phone (390 px): the link to the bank list, the bank app confirms, back in the cabinet the balance goes up", async () => {
    const page = await (await newContext(browser, { ...PHONE, serviceWorkers: "allow" })).newPage();
    const { before } = await startSbp(page, 300);
    const dialog = page.getByRole("dialog");
    const link = dialog.getByRole("link", { name: "Оплатить 300 ₽ в приложении банка" });
    await expect.poll(() => link.count()).toBe(1);
    expect(await dialog.getByRole("img", { name: /QR-код/ }).count()).toBe(0);
    await link.click();
    // The bank-choice list is the acquirer's page, from the network (not the app's shell).
    await page.waitForURL(/\/sandbox\/acquirer\/sbp\/[^/]+\/banks$/);
    await page.getByRole("link", { name: "Т-Банк" }).click();
    await page.getByRole("button", { name: "Подтвердить оплату" }).click();
    await page.waitForURL(new RegExp(`/accounts/${me.accountNo}/payments/`));
    await expect.poll(() => page.getByRole("status").filter({ hasText: "Оплачено" }).count()).toBe(1);
    await page.goto(site("kzn", "/accounts"));
    await expect.poll(async () => rub(await balanceText(page))).toBe(before + 300);
  });
});
