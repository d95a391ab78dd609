import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launch, login, newContext, site } from "./browser";

let browser: Browser;
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

const PHONE = { viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true };

describe("the business cabinet in a real browser, on a 360 px phone", () => {
  it("an administrator opens the organisation, pages through its 200 accounts, invites an employee and sees it in the log", {
    timeout: 90_000,
  }, async () => {
    const context = await newContext(browser, PHONE);
    const page = await context.newPage();
    await login(page, "biz.admin");
    await page.goto(site("msk", "/business"));
    // The business lines of the seed.
    await expect.poll(() => page.getByRole("link", { name: "8 800 302-87-10" }).count()).toBe(1);
    const org = page.getByRole("listitem").filter({ hasText: "ООО «Северный ветер»" });
    await org.getByRole("link", { name: "Открыть" }).click();
    await page.waitForURL(site("msk", "/business/org-demo-veter"));
    await expect.poll(() => page.getByText("Ваша роль: Администратор").count()).toBe(1);
    expect(await page.getByText("7704123450").count()).toBe(1);

    await page.getByRole("navigation", { name: "Разделы корпоративного кабинета" }).getByRole("link", { name: "Лицевые счета" }).click();
    await expect.poll(() => page.getByText("Показано 50 из 200").count()).toBe(1);
    // By keyboard: the «Показать ещё» button is reached and pressed without a pointer.
    await page.getByRole("button", { name: "Показать ещё" }).focus();
    await page.keyboard.press("Enter");
    await expect.poll(() => page.getByText("Показано 100 из 200").count()).toBe(1);
    const wide = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(wide).toBeLessThanOrEqual(0);

    await page.getByRole("navigation", { name: "Разделы корпоративного кабинета" }).getByRole("link", { name: "Сотрудники" }).click();
    await expect.poll(() => page.getByText("Ирина Лебедева").count()).toBe(1);
    const contact = `e2e.${Date.now()}@example.com`;
    await page.getByLabel("Телефон или почта").fill(contact);
    await page.getByLabel("Роль", { exact: true }).selectOption("accountant");
    await page.getByRole("button", { name: "Отправить приглашение" }).click();
    await expect.poll(() => page.getByText("Приглашение отправлено, действует 72 часа").count()).toBe(1);
    await expect.poll(() => page.getByText(contact).count()).toBe(1);

    await page.getByRole("navigation", { name: "Разделы корпоративного кабинета" }).getByRole("link", { name: "Журнал действий" }).click();
    const entry = page.getByRole("row").filter({ hasText: `Отправлено приглашение: ${contact}` });
    await expect.poll(() => entry.count()).toBe(1);
    expect(await entry.innerText()).toContain("Алексей Соколов");
    await context.close();
  });

  it("a viewer sees the card and their site's accounts only, and is refused the employees' page", { timeout: 60_000 }, async () => {
    const context = await newContext(browser, PHONE);
    const page = await context.newPage();
    await login(page, "biz.viewer");
    await page.goto(site("msk", "/business/org-demo-veter/accounts"));
    await expect.poll(() => page.getByText("Показано 20 из 20").count()).toBe(1);
    const nav = page.getByRole("navigation", { name: "Разделы корпоративного кабинета" });
    // The corporate numbers too: every member sees them (changing them is the administrators' and managers').
    expect(await nav.getByRole("link").allInnerTexts()).toEqual(["Организация", "Лицевые счета", "Номера"]);
    await page.goto(site("msk", "/business/org-demo-veter/employees"));
    await expect.poll(() => page.getByRole("alert").filter({ hasText: "Недостаточно прав в организации" }).count()).toBe(1);
    await context.close();
  });
});
