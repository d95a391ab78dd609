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

async function priceOf(page: Page, tariffName: string): Promise<string> {
  const card = page.getByRole("article").filter({ has: page.getByRole("heading", { name: tariffName, exact: true }) });
  return (await card.locator(".tariff__price").innerText()).trim();
}

describe("regional sites in a real browser", () => {
  it("show Moscow and St Petersburg their own tariffs", async () => {
    const page = await (await newContext(browser)).newPage();
    await page.goto(site("msk", "/tariffs"));
    await expect.poll(() => page.getByRole("heading", { level: 1 }).innerText()).toBe("Тарифы — Москва");
    const mskPrice = await priceOf(page, "Домашний 100");
    await page.goto(site("spb", "/tariffs"));
    await expect.poll(() => page.getByRole("heading", { level: 1 }).innerText()).toBe("Тарифы — Санкт-Петербург");
    const spbPrice = await priceOf(page, "Домашний 100");
    expect(mskPrice).toMatch(/^\d[\d\s]* ₽\/мес$/);
    expect(spbPrice).toMatch(/^\d[\d\s]* ₽\/мес$/);
    expect(mskPrice).not.toBe(spbPrice);
    await page.getByRole("button", { name: "Пакеты услуг" }).click();
    await expect.poll(() => page.getByRole("article").count()).toBe(2);
  });

  it("switch to English and keep it on every regional site", async () => {
    const context = await newContext(browser);
    const page = await context.newPage();
    await page.goto(site("spb", "/contacts"));
    await page.getByRole("button", { name: "Switch to English" }).click();
    await expect.poll(() => page.getByRole("heading", { level: 1 }).innerText()).toBe("Contacts and support");
    expect(await page.evaluate(() => document.documentElement.lang)).toBe("en");
    await page.goto(site("msk", "/tariffs"));
    await expect.poll(() => page.getByRole("heading", { level: 1 }).innerText()).toBe("Tariffs — Moscow");
    await context.close();
  });

  it("list the region's offices with hours, and the support numbers", async () => {
    const page = await (await newContext(browser)).newPage();
    await page.goto(site("msk", "/offices"));
    const first = page.getByRole("listitem").filter({ hasText: "ул. Тверская, д. 7" });
    await expect.poll(() => first.count()).toBe(1);
    expect(await first.innerText()).toContain("Пн–Пт 09:00–20:00; Сб 10:00–18:00; Вс выходной");
    await page.goto(site("tyva", "/offices"));
    await expect.poll(() => page.getByText("В этом регионе пока нет офисов продаж").count()).toBe(1);
    await page.goto(site("nsk", "/contacts"));
    await expect.poll(() => page.getByRole("link", { name: "8 800 707-12-12" }).count()).toBeGreaterThan(0);
    expect(await page.getByRole("link", { name: "8 800 200-67-86" }).getAttribute("href")).toBe("tel:+78002006786");
  });

  it("answer an unknown subdomain with a clear 404 page", async () => {
    const page = await (await newContext(browser)).newPage();
    const res = await page.goto(site("atlantis", "/"));
    expect(res?.status()).toBe(404);
    expect(await page.getByRole("heading", { level: 1 }).innerText()).toBe("Регион не найден");
    await page.getByRole("link", { name: "Выбрать регион" }).click();
    await expect.poll(() => page.getByRole("heading", { name: "Выберите регион" }).count()).toBe(1);
  });

  it("offer the nearest region on the apex and remember the choice", async () => {
    const context = await newContext(browser);
    const page = await context.newPage();
    await page.goto(site(null, "/"));
    await expect.poll(() => page.getByRole("heading", { name: "Ваш регион — Москва?" }).count()).toBe(1);
    await page.getByRole("button", { name: "Выбрать другой" }).click();
    await page.getByRole("searchbox", { name: "Найти регион" }).fill("татар");
    await page.getByRole("link", { name: "Республика Татарстан" }).click();
    await page.waitForURL(site("kzn", "/"));
    await expect.poll(() => page.getByRole("heading", { level: 1 }).innerText()).toBe("Интернет, ТВ и связь — Республика Татарстан");
    await page.goto(site(null, "/"));
    expect(page.url()).toBe(site("kzn", "/"));
    await context.close();
  });

  it("change region from the header with the keyboard alone", async () => {
    const page = await (await newContext(browser)).newPage();
    await page.goto(site("msk", "/tariffs"));
    const button = page.getByRole("button", { name: "Сменить регион: Москва" });
    await button.focus();
    await page.keyboard.press("Enter");
    const dialog = page.getByRole("dialog", { name: "Выберите регион" });
    await expect.poll(() => dialog.isVisible()).toBe(true);
    await page.keyboard.press("Escape");
    await expect.poll(() => dialog.count()).toBe(0);
    await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute("aria-label"))).toBe("Сменить регион: Москва");
    await button.click();
    await page.getByRole("searchbox", { name: "Найти регион" }).fill("Санкт");
    await page.getByRole("link", { name: "Санкт-Петербург" }).click();
    await page.waitForURL(site("spb", "/tariffs"));
  });

  it("fit a 360 px phone without sideways scrolling", async () => {
    const page = await (await newContext(browser, { viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true })).newPage();
    for (const path of ["/", "/tariffs", "/offices", "/contacts", "/login"]) {
      await page.goto(site("msk", path));
      await expect.poll(() => page.getByRole("heading", { level: 1 }).count()).toBe(1);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      expect(overflow, path).toBeLessThanOrEqual(0);
    }
  });
});
