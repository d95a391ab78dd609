import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { asReturningVisitor, launch, login, newContext, site } from "./browser";

let browser: Browser;
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

const PHONE = { viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true };
const ORG = "org-demo-veter";

/** Fills the acquirer's card form (the sandbox's hosted page). */
async function payWith(page: Page, number: string) {
  await page.getByLabel("Номер карты").fill(number);
  await page.getByLabel("Срок (ММ/ГГ)").fill("12/30");
  await page.getByLabel("CVC").fill("123");
  await page.getByRole("button", { name: /^Оплатить/ }).click();
}

describe("paying for the organisation's accounts in a real browser, on a 360 px phone", () => {
  it("the accountant pays for two accounts of two regions in one payment, and the administrator sees it in the log", {
    timeout: 120_000,
  }, async () => {
    const context = await newContext(browser, { ...PHONE, serviceWorkers: "allow" });
    const page = await context.newPage();
    await login(page, "biz.accountant");
    // A returning visitor: the service worker controls the page when the acquirer sends the payer back.
    await asReturningVisitor(page, "msk");
    await page.goto(site("msk", `/business/${ORG}/accounts`));
    await page.getByRole("link", { name: "Пополнить несколько счетов" }).click();
    await page.waitForURL(site("msk", `/business/${ORG}/pay`));
    const boxes = page.getByRole("checkbox");
    await expect.poll(() => boxes.count()).toBe(220);
    // The first account (Moscow) by pointer, the last one (Yekaterinburg) by keyboard.
    await boxes.first().click();
    await boxes.last().focus();
    await page.keyboard.press("Space");
    expect(await boxes.last().isChecked()).toBe(true);
    await page.getByLabel("Одна сумма для всех выбранных, ₽").fill("150");
    await page.getByRole("button", { name: "Применить ко всем" }).click();
    await page
      .getByRole("textbox", { name: /^Сумма на счёт / })
      .last()
      .fill("75,50");
    await expect.poll(() => page.getByRole("status").filter({ hasText: "Выбрано счетов: 2, к оплате: 225,50" }).count()).toBe(1);
    const wide = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(wide).toBeLessThanOrEqual(0);
    await page.getByRole("button", { name: /^Оплатить 225,50/ }).click();
    await page.waitForURL(/\/sandbox\/acquirer\/pay\//);
    await payWith(page, "4242 4242 4242 4242");
    await page.waitForURL(new RegExp(`/business/${ORG}/pay/op-`));
    expect(await page.evaluate(() => navigator.serviceWorker.controller !== null)).toBe(true);
    await expect
      .poll(() => page.getByRole("status").filter({ hasText: "Оплачено 225,50 ₽. Деньги зачислены на счета." }).count(), {
        timeout: 20_000,
      })
      .toBe(1);
    const split = page.getByRole("region", { name: "Как распределён платёж" }).getByRole("listitem");
    expect(await split.count()).toBe(2);
    expect(await split.allInnerTexts()).toEqual([
      expect.stringMatching(/150\s₽ · Зачислено$/),
      expect.stringMatching(/75,50\s₽ · Зачислено$/),
    ]);
    await context.close();

    const admin = await (await newContext(browser, PHONE)).newPage();
    await login(admin, "biz.admin");
    await admin.goto(site("msk", `/business/${ORG}/audit`));
    const entry = admin.getByRole("row").filter({ hasText: "Счета пополнены" }).filter({ hasText: "225,50" });
    await expect.poll(() => entry.count()).toBe(1);
    const text = await entry.innerText();
    expect(text).toContain("Елена Морозова");
    expect(text).toContain("Лицевых счетов: 2");
    await admin.context().close();
  });

  it("a viewer sees no pay action, and the API refuses their payment naming their role", { timeout: 60_000 }, async () => {
    const context = await newContext(browser, PHONE);
    const page = await context.newPage();
    await login(page, "biz.viewer");
    await page.goto(site("msk", `/business/${ORG}/accounts`));
    await expect.poll(() => page.getByText("Показано 20 из 20").count()).toBe(1);
    expect(await page.getByRole("link", { name: /Пополнить/ }).count()).toBe(0);
    const accountNo = (await page.getByRole("rowheader").first().innerText()).replace(/\s/g, "");
    // The API, asked from the page itself (its cookie, its origin), refuses.
    const refused = await page.evaluate(async (no) => {
      const res = await fetch("/api/v1/business/organisations/org-demo-veter/payments", {
        method: "POST",
        headers: { "content-type": "application/json", "idempotency-key": crypto.randomUUID() },
        body: JSON.stringify({ items: [{ accountNo: no, amountKop: 10_000 }], totalKop: 10_000 }),
      });
      return { status: res.status, detail: ((await res.json()) as { detail?: string }).detail ?? "" };
    }, accountNo);
    expect(refused.status).toBe(403);
    expect(refused.detail).toContain("наблюдатель");
    // The screen itself, opened by its address, says the same.
    await page.goto(site("msk", `/business/${ORG}/pay`));
    await expect.poll(() => page.getByRole("alert").filter({ hasText: "Недостаточно прав в организации" }).count()).toBe(1);
    await context.close();
  });
});
