import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launch, newContext, orSayWhatShowed, site } from "./browser";

let browser: Browser;
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

describe("logging in", () => {
  it("with the README's demo phone and password, then on another regional site too, then out", async () => {
    const context = await newContext(browser);
    const page = await context.newPage();
    await page.goto(site("msk", "/"));
    await page.getByRole("link", { name: "Войти", exact: true }).click();
    await page.getByLabel("Телефон, почта, логин или лицевой счёт").fill("+7 900 000-00-01");
    await page.getByLabel("Пароль", { exact: true }).fill("Kabinet2026");
    await page.getByRole("button", { name: "Войти", exact: true }).click();
    await page.waitForURL(site("msk", "/accounts"));
    await page.goto(site("msk", "/profile"));
    await expect.poll(() => page.getByRole("heading", { level: 1 }).innerText()).toBe("Анна Иванова");
    await expect.poll(() => page.getByText("это устройство").count()).toBe(1);

    await page.goto(site("spb", "/profile"));
    await expect.poll(() => page.getByRole("heading", { level: 1 }).innerText()).toBe("Анна Иванова");
    const cookies = await context.cookies(site("spb"));
    const session = cookies.find((c) => c.name === "kab_session");
    expect(session).toMatchObject({ domain: ".kabinet.localhost", httpOnly: true, sameSite: "Lax" });

    await page.getByRole("button", { name: "Выйти" }).click();
    await orSayWhatShowed(page, page.waitForURL(site("spb", "/login")));
    await expect.poll(() => page.getByRole("link", { name: "Войти", exact: true }).count()).toBe(1);
    await context.close();
  });

  it("says so, in words, when the password is wrong", async () => {
    const page = await (await newContext(browser)).newPage();
    await page.goto(site("msk", "/login"));
    await page.getByLabel("Телефон, почта, логин или лицевой счёт").fill("petr");
    await page.getByLabel("Пароль", { exact: true }).fill("wrong password");
    await page.getByRole("checkbox", { name: "Показать пароль" }).check();
    expect(await page.getByLabel("Пароль", { exact: true }).getAttribute("type")).toBe("text");
    await page.getByRole("button", { name: "Войти", exact: true }).click();
    await expect.poll(() => page.getByRole("alert").innerText()).toContain("Неверный логин или пароль");
    expect(page.url()).toBe(site("msk", "/login"));
  });
});
