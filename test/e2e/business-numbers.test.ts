import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launch, login, newContext, orSayWhatShowed, site } from "./browser";

let browser: Browser;
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

const PHONE = { viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true };

describe("corporate numbers in a real browser, on a 360 px phone", () => {
  it("the manager blocks a lost SIM after confirming it by keyboard, and sets a number's monthly limit with the block at 100 %", {
    timeout: 90_000,
  }, async () => {
    const context = await newContext(browser, PHONE);
    const page = await context.newPage();
    await login(page, "biz.manager");
    await page.goto(site("msk", "/business/org-demo-veter"));
    await page.getByRole("navigation", { name: "Разделы корпоративного кабинета" }).getByRole("link", { name: "Номера" }).click();
    await orSayWhatShowed(page, page.waitForURL(site("msk", "/business/org-demo-veter/numbers")));
    // The unconfirmed ones are called out, with what to do.
    const warning = page.getByRole("note").filter({ hasText: "Не подтверждены в ЕСИА: 6" });
    await expect.poll(() => warning.count()).toBe(1);
    expect(await warning.innerText()).toContain("Госуслугах");
    const wide = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(wide).toBeLessThanOrEqual(0);

    // A lost SIM: blocked after a confirmation that the keyboard lands on.
    const lost = page.getByRole("article", { name: "+7 916 000-01-10" });
    await lost.getByRole("button", { name: "Заблокировать (утеряна SIM)" }).click();
    const dialog = lost.getByRole("alertdialog");
    expect(await dialog.innerText()).toContain("Заблокировать номер +7 916 000-01-10?");
    await expect.poll(() => page.evaluate(() => document.activeElement?.textContent)).toBe("Да, заблокировать");
    await page.keyboard.press("Enter");
    await expect.poll(() => lost.getByRole("status").innerText()).toBe("Номер заблокирован");
    expect(await lost.innerText()).toContain("Заблокирован: утеряна SIM-карта");
    expect(await lost.getByRole("button", { name: "Разблокировать" }).count()).toBe(1);

    // A monthly limit of 1 500 ₽ for a number that had none, blocked at 100 %.
    const olga = page.getByRole("article", { name: "+7 916 000-01-05" });
    expect(await olga.innerText()).toContain("лимит не задан");
    await olga.getByRole("button", { name: "Изменить" }).click();
    const form = olga.getByRole("form", { name: "Номер +7 916 000-01-05" });
    await form.getByLabel("Лимит в месяц, ₽ (пусто — без лимита)").fill("1500");
    await form.getByRole("checkbox", { name: "Блокировать номер при 100 % лимита" }).check();
    await form.getByRole("button", { name: "Сохранить" }).click();
    await expect.poll(() => olga.getByRole("status").innerText()).toBe("Сохранено");
    const text = (await olga.innerText()).replace(/\s/g, " ");
    expect(text).toMatch(/из 1 500 ₽ \(\d+ %\)/);
    expect(text).toContain("при 100 % номер блокируется");
    expect(await olga.getByRole("meter").count()).toBe(1);
    expect(await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)).toBeLessThanOrEqual(0);

    // After a reload both stay as set.
    await page.reload();
    await expect
      .poll(() => page.getByRole("article", { name: "+7 916 000-01-10" }).innerText())
      .toContain("Заблокирован: утеряна SIM-карта");
    expect((await page.getByRole("article", { name: "+7 916 000-01-05" }).innerText()).replace(/\s/g, " ")).toMatch(/из 1 500 ₽/);
    await context.close();
  });
});
