import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launch, login, newContext, site } from "./browser";
import { inviteCodeFromOutbox } from "./http";

let browser: Browser;
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

const PHONE = { viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true };

describe("the business cabinet in a real browser, on a 360 px phone", () => {
  it("an administrator opens the organisation, pages through its 220 accounts, invites an employee and sees it in the log", {
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
    await expect.poll(() => page.getByText("Показано 50 из 220").count()).toBe(1);
    // Grouped by site: each group of rows is named by its site's heading.
    expect(await page.getByRole("rowgroup", { name: /^Головной офис/ }).count()).toBe(1);
    // By keyboard: the «Показать ещё» button is reached and pressed without a pointer.
    await page.getByRole("button", { name: "Показать ещё" }).focus();
    await page.keyboard.press("Enter");
    await expect.poll(() => page.getByText("Показано 100 из 220").count()).toBe(1);
    const wide = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(wide).toBeLessThanOrEqual(0);

    await page.getByRole("navigation", { name: "Разделы корпоративного кабинета" }).getByRole("link", { name: "Сотрудники" }).click();
    await expect.poll(() => page.getByText("Ирина Лебедева", { exact: true }).count()).toBe(1);
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

  it("an administrator invites an employee limited to two sites; the employee sees only their accounts, grouped by site, at 360 px", {
    timeout: 120_000,
  }, async () => {
    const employee = await newContext(browser, PHONE);
    const olga = await employee.newPage();
    await login(olga, "olga");

    const admin = await newContext(browser, PHONE);
    const page = await admin.newPage();
    await login(page, "biz.admin");
    await page.goto(site("msk", "/business/org-demo-veter/employees"));
    const form = page.locator("form").filter({ has: page.getByRole("button", { name: "Отправить приглашение" }) });
    await form.getByLabel("Телефон или почта").fill("+7 900 000-00-03");
    await form.getByLabel("Роль", { exact: true }).selectOption("accountant");
    const sites = form.getByRole("group", { name: "Только площадки (не выбрано — все)" });
    // By keyboard: tick the two sites with the space bar.
    await sites.getByLabel(/^Салон на Арбате/).focus();
    await page.keyboard.press("Space");
    await sites.getByLabel(/^Склад на Космонавтов/).focus();
    await page.keyboard.press("Space");
    await form.getByRole("button", { name: "Отправить приглашение" }).click();
    await expect.poll(() => page.getByText("Приглашение отправлено, действует 72 часа").count()).toBe(1);
    const code = await inviteCodeFromOutbox(site(null, "/dev/outbox"), "+79000000003");

    await olga.goto(site("msk", `/business/join?invite=${code}`));
    await olga.getByRole("button", { name: "Принять" }).click();
    await olga.waitForURL(site("msk", "/business/org-demo-veter"));
    await olga.goto(site("msk", "/business/org-demo-veter/accounts"));
    await expect.poll(() => olga.getByText("Найдено 30 счетов. Показано 30 из 30").count()).toBe(1);
    // Her two sites' groups of rows, each named by its heading (the site's name, then its figures).
    const groups = await olga
      .getByRole("rowgroup")
      .evaluateAll((gs) =>
        gs.flatMap((g) =>
          g.getAttribute("aria-labelledby") ? [document.getElementById(g.getAttribute("aria-labelledby") ?? "")?.textContent ?? ""] : [],
        ),
      );
    expect(groups).toEqual([expect.stringMatching(/^Салон на Арбате 20 счетов/), expect.stringMatching(/^Склад на Космонавтов 10 счетов/)]);
    // Search by another site's name finds nothing for her.
    await olga.getByRole("searchbox", { name: "Поиск" }).fill("Лиговский");
    await olga.getByRole("button", { name: "Найти" }).click();
    await expect.poll(() => olga.getByText("Ничего не найдено").count()).toBe(1);
    const wide = await olga.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(wide).toBeLessThanOrEqual(0);
    await employee.close();

    // The administrator sees the invitation and its sites in the log.
    await page.getByRole("navigation", { name: "Разделы корпоративного кабинета" }).getByRole("link", { name: "Журнал действий" }).click();
    await expect.poll(() => page.getByRole("row").filter({ hasText: "Принято приглашение" }).count()).toBeGreaterThan(0);
    await admin.close();
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
