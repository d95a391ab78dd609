import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dayInZone } from "../../web/src/lib/format";
import { makeAccountNo } from "../../worker/platform/ids";
import { launch, login, newContext, site } from "./browser";
import { codeFromOutbox } from "./http";

const ACCOUNT = makeAccountNo("20100000001"); // anna's Moscow home (Интернет + ТВ, phone)

let browser: Browser;
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

describe("connecting a service in a real browser", () => {
  it("goes from the address check through an application to its completion by an operator, and the subscriber is told", {
    timeout: 120_000,
  }, async () => {
    // A subscriber abroad, 15 hours behind Moscow: for most of the day the browser's date is not the region's.
    const subscriber = await newContext(browser, { viewport: { width: 360, height: 800 }, timezoneId: "Etc/GMT+12" });
    const page = await subscriber.newPage();
    await login(page, "anna");
    // On a phone «Подключить» is under «Ещё» in the bottom bar.
    await page.getByRole("navigation", { name: "Разделы" }).getByRole("button", { name: "Ещё" }).click();
    await page.getByRole("dialog", { name: "Все разделы" }).getByRole("link", { name: "Подключить" }).click();
    await page.waitForURL(site("msk", "/connect"));

    // The address check: a house the network does not reach, then one it does.
    // Other files count anna's accounts: this one adds a service to an account she has (no new account).
    await page.getByLabel("Улица", { exact: true }).fill("Профсоюзная");
    await page.getByLabel("Дом", { exact: true }).fill("999");
    await page.getByRole("button", { name: "Проверить адрес" }).click();
    await expect.poll(() => page.getByRole("heading", { name: "По этому адресу проводного подключения пока нет" }).isVisible()).toBe(true);
    await page.getByLabel("Дом", { exact: true }).fill("12");
    await page.getByRole("button", { name: "Проверить адрес" }).click();
    await expect.poll(() => page.getByRole("heading", { name: "ул. Профсоюзная, д. 12: подключение возможно" }).isVisible()).toBe(true);
    expect(await page.getByText("Оптика GPON · до 1000 Мбит/с · интерактивное ТВ").isVisible()).toBe(true);
    await page.getByRole("radio", { name: /^Максимальный/ }).check();
    await page.getByLabel("Квартира").fill("45");
    await page.getByLabel("Лицевой счёт").selectOption(ACCOUNT);
    expect(await page.getByLabel("Телефон для связи").inputValue()).toBe("+79000000001");
    // The visit day offered is tomorrow in Moscow, as the server counts it (it was the browser's tomorrow).
    expect(await page.getByLabel("Удобный день визита").inputValue()).toBe(dayInZone("Europe/Moscow", 1));
    await page.getByRole("button", { name: "Подключить", exact: true }).click();
    await page.waitForURL(/\/applications\/\w+$/);
    const heading = await page.getByRole("heading", { level: 1 }).innerText();
    const number = /Заявка № (\d{4}-\d{6})/.exec(heading)?.[1] ?? "";
    expect(heading).toBe(`Заявка № ${number}: Подключение услуги`);
    expect(await page.getByRole("status").filter({ hasText: "Статус" }).innerText()).toContain("принята");
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);

    // The operator, in another browser, moves it: in work, a technician, done.
    const operator = await newContext(browser);
    const ops = await operator.newPage();
    await ops.goto(site("msk", "/ops/applications"));
    await ops.getByLabel("Ключ оператора").fill("dev-only-operator-token");
    await ops.getByRole("button", { name: "Войти" }).click();
    const card = ops.getByRole("listitem").filter({ hasText: `Заявка № ${number}` });
    await expect.poll(() => card.count()).toBe(1);
    expect(await card.innerText()).toContain("Профсоюзная, д. 12, кв. 45");
    await card.getByRole("button", { name: "Взять в работу" }).click();
    await expect.poll(() => card.getByRole("button", { name: "Назначить специалиста" }).isVisible()).toBe(true);
    await card.getByLabel("Специалист").fill("Сергей Иванов");
    await card.getByRole("button", { name: "Назначить специалиста" }).click();
    // "Done" is offered from "in work" too: wait for the list to show the technician before typing into the new form.
    await expect.poll(() => card.getByText("назначен специалист").isVisible()).toBe(true);
    await card.getByLabel("Комментарий").fill("Подключено, роутер настроен");
    await card.getByRole("button", { name: "Выполнена" }).click();
    await expect.poll(() => card.count()).toBe(0);
    await operator.close();

    // The subscriber hears of it and sees the new account with the service.
    await expect
      .poll(
        async () => {
          await page.goto(site("msk", "/notifications"));
          // The list itself, not the heading: the heading comes with the page, the messages a moment later (counted
          // while «Загрузка…» still showed, they were none however long the poll went on).
          await page.getByRole("list", { name: "Уведомления" }).waitFor();
          const done = await page.getByText(`Заявка № ${number}: выполнена`).count();
          const technician = await page.getByText(`Заявка № ${number}: назначен специалист`).count();
          return `${done}/${technician}`;
        },
        { timeout: 30_000, interval: 1000 },
      )
      .toBe("1/1");
    await page.getByText(`Заявка № ${number}: выполнена`).click();
    await page.waitForURL(/\/applications\/\w+$/);
    await expect.poll(() => page.getByRole("heading", { level: 1, name: `Заявка № ${number}: Подключение услуги` }).isVisible()).toBe(true);
    await expect.poll(() => page.getByRole("listitem").filter({ hasText: "выполнена" }).count()).toBeGreaterThan(0);
    await expect.poll(() => page.getByText("Подключено, роутер настроен").isVisible()).toBe(true);
    await page.goto(site("msk", `/accounts/${ACCOUNT}`));
    await expect.poll(() => page.getByRole("heading", { level: 3, name: "Максимальный" }).count()).toBeGreaterThan(0);
    await subscriber.close();
  });

  it("changes a tariff with the SMS code, switches an option with its price first, and prices a block on the calendar", {
    timeout: 120_000,
  }, async () => {
    const context = await newContext(browser);
    const page = await context.newPage();
    await login(page, "anna");
    await page.goto(site("msk", `/accounts/${ACCOUNT}`));
    // Option: the price first, then on.
    const antivirus = page.getByRole("switch", { name: /Антивирус на 3 устройства/ });
    expect(await antivirus.getAttribute("aria-checked")).toBe("false");
    await antivirus.click();
    await expect.poll(() => page.getByRole("alertdialog").isVisible()).toBe(true);
    expect(await page.getByRole("alertdialog").innerText()).toMatch(/в день; до конца месяца/);
    await page.getByRole("alertdialog").getByRole("button", { name: "Подключить" }).click();
    await expect.poll(() => antivirus.getAttribute("aria-checked")).toBe("true");
    await page.reload();
    await expect.poll(() => page.getByRole("switch", { name: /Антивирус на 3 устройства/ }).getAttribute("aria-checked")).toBe("true");

    await page.getByRole("link", { name: "Сменить тариф, блокировка, отключение" }).first().click();
    await page.waitForURL(/\/services\//);
    await expect.poll(() => page.getByRole("heading", { name: "Подбор тарифа" }).isVisible()).toBe(true);
    await expect.poll(() => page.getByRole("table", { name: "Подбор тарифа" }).locator("tbody tr").count()).toBeGreaterThan(1);
    await page.getByRole("radio", { name: /^Всё в одном/ }).check();
    expect(await page.getByRole("status").filter({ hasText: "Перейти на" }).innerText()).toMatch(/Подтвердите кодом из SMS/);
    // The code to use is the one that arrives after this click, not an older one.
    const previous = await codeFromOutbox(site(null, "/dev/outbox"), "+79000000001", null, 500).catch(() => null);
    await page.getByRole("button", { name: "Сменить тариф" }).click();
    // The code arrives in the dev outbox (the SMS adapter's local default).
    const codeField = page.getByLabel("Код из сообщения");
    await expect.poll(() => codeField.isVisible()).toBe(true);
    const code = await codeFromOutbox(site(null, "/dev/outbox"), "+79000000001", previous);
    await codeField.fill(code);
    await page.getByRole("button", { name: "Подтвердить" }).click();
    await expect.poll(() => page.getByText(/^Готово\. Новый тариф начнёт действовать \d+ \S+ \d{4} г\.$/).isVisible()).toBe(true);
    await expect.poll(() => page.getByText(/^Запланирована смена на «Всё в одном» с /).isVisible()).toBe(true);
    // The advisor does not call a slower internet tariff the best.
    const advisor = page.getByRole("table", { name: "Подбор тарифа" });
    expect(await advisor.getByRole("rowheader", { name: /выгоднее всего/ }).innerText()).not.toContain("медленнее");

    // The block calendar: a saving before anything is confirmed.
    const block = page.getByRole("region", { name: "Добровольная блокировка" });
    await expect.poll(() => block.getByText(/^Экономия .* за 14 дней$/).isVisible()).toBe(true);
    await block.getByLabel("Последний день").fill("2099-01-01");
    await expect.poll(() => block.getByText("Срок блокировки — от 7 до 90 дней").isVisible()).toBe(true);
    expect(await block.getByRole("button", { name: "Заблокировать на эти дни" }).isDisabled()).toBe(true);
    await context.close();
  });
});
