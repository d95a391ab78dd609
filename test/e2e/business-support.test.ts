import type { Browser, Page } from "playwright-core";
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

async function operatorLogin(page: Page, login: string) {
  await page.goto(site("msk", "/ops/support"));
  await page.getByLabel("Логин оператора").fill(login);
  await page.getByLabel("Пароль").fill("Operator2026");
  await page.getByRole("button", { name: "Войти" }).click();
  await expect.poll(() => page.getByRole("heading", { name: "Очередь" }).isVisible()).toBe(true);
}

describe("business support in a real browser", () => {
  it("a visitor sees the business tariffs and offices and starts a business chat; a member files a request and sees its answer time; the operator finds both in the business queue", {
    timeout: 120_000,
  }, async () => {
    // The visitor, on a 360 px phone, without a login.
    const visitorContext = await newContext(browser, PHONE);
    const visitor = await visitorContext.newPage();
    await visitor.goto(site("msk", "/business"));
    const tariffs = visitor.getByRole("region", { name: "Тарифы для бизнеса" });
    await expect.poll(() => tariffs.getByText("Бизнес-интернет 100").count()).toBe(1);
    expect(await tariffs.getByText("2 280 ₽ в месяц", { exact: false }).count()).toBeGreaterThan(0);
    const offices = visitor.getByRole("region", { name: "Офисы обслуживания юридических лиц" });
    await expect.poll(() => offices.getByText("Москва, ул. Гончарная, д. 30").count()).toBe(1);
    const company = `ООО «Проверка ${Date.now() % 100000}»`;
    const chatForm = visitor.getByRole("form", { name: "Бизнес-чат" });
    await chatForm.getByLabel("Ваше имя").fill("Олег");
    await chatForm.getByLabel("Телефон").fill("+7 900 555-01-01");
    await chatForm.getByLabel("Компания").fill(company);
    await chatForm.getByLabel("Ваш вопрос").fill("Хотим подключить офис");
    await chatForm.getByRole("button", { name: "Начать чат" }).click();
    await expect.poll(() => visitor.getByRole("log").getByText("Хотим подключить офис").count()).toBeGreaterThan(0);
    const wide = await visitor.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(wide).toBeLessThanOrEqual(0);

    // A member with the support right files a request and is told by when the answer comes.
    const memberContext = await newContext(browser, PHONE);
    const member = await memberContext.newPage();
    await login(member, "biz.manager");
    await member.goto(site("msk", "/business/org-demo-veter"));
    await member.getByRole("navigation", { name: "Разделы корпоративного кабинета" }).getByRole("link", { name: "Поддержка" }).click();
    const form = member.getByRole("form", { name: "Новое обращение" });
    await expect.poll(() => form.isVisible()).toBe(true);
    await form.getByLabel("Тема").selectOption("outage");
    const subject = `Нет связи ${Date.now() % 100000}`;
    await form.getByLabel("Кратко").fill(subject);
    await form.getByLabel("Опишите вопрос").fill("В офисе на Остоженке пропала связь");
    await form.getByRole("button", { name: "Отправить обращение" }).click();
    const filed = member.getByRole("status").filter({ hasText: "принято. Ответим до" });
    await expect.poll(() => filed.count()).toBe(1);
    const text = await filed.innerText();
    const number = /Обращение (T\d{4}-\d{6}) принято/.exec(text)?.[1];
    expect(number).toBeTruthy();
    // An outage: the answer is due in an hour, in the reader's clock.
    // (After 23:00 the hour is tomorrow's, and the date comes first: «Ответим до 4 дек., 00:35».)
    const [hh, mm] = (/Ответим до (?:[^,]+, )?(\d{2}):(\d{2})/.exec(text) ?? []).slice(1).map(Number);
    const due = await member.evaluate(() => {
      const d = new Date(Date.now() + 3_600_000);
      return d.getHours() * 60 + d.getMinutes();
    });
    expect(Math.abs((hh ?? 0) * 60 + (mm ?? 0) - due) % (24 * 60)).toBeLessThanOrEqual(1);
    await expect.poll(() => member.getByRole("listitem").filter({ hasText: subject }).getByText("Ответим до").count()).toBe(1);

    // The operator: both are in the business queue, not the private one.
    const opsContext = await newContext(browser);
    const ops = await opsContext.newPage();
    await operatorLogin(ops, "operator.msk");
    expect(await ops.getByRole("button", { name: new RegExp(subject) }).count()).toBe(0);
    await ops.getByRole("combobox", { name: "Клиенты" }).selectOption("business");
    await expect.poll(() => ops.getByRole("heading", { name: "Очередь бизнеса" }).count()).toBe(1);
    await expect.poll(() => ops.getByRole("button", { name: `${number}: Авария, нет связи · ${subject}` }).count()).toBe(1);
    await expect.poll(() => ops.getByRole("button", { name: `Олег · ${company}` }).count()).toBe(1);
    await Promise.all([visitorContext.close(), memberContext.close(), opsContext.close()]);
  });
});
