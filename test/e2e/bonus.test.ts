import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeAccountNo } from "../../worker/platform/ids";
import { launch, newContext, site } from "./browser";

let browser: Browser;
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

const ACCOUNT = makeAccountNo("40300000005"); // petr's account in Kazan, in the programme
const card = (page: Page) => page.locator("article", { hasText: ACCOUNT.replace(/(\d{4})(?=\d)/g, "$1 ") });
const number = (text: string) => Number(text.replace(/[^\d,-]/g, "").replace(",", "."));
/** «Бонусы: 1 балл», «… 2 балла», «… 5 баллов»: what the card and the bonus page say. */
const pointsText = (n: number) =>
  `Бонусы: ${n} ${{ one: "балл", few: "балла", many: "баллов" }[new Intl.PluralRules("ru").select(n) as "one" | "few" | "many"]}`;

describe("«Бонус» in a real browser", () => {
  it("exchanges points for a discount: the points go down and the account's balance goes up", { timeout: 60_000 }, async () => {
    const context = await newContext(browser);
    const page = await context.newPage();
    await page.goto(site("kzn", "/login"));
    await page.getByLabel("Телефон, почта, логин или лицевой счёт").fill("petr");
    await page.getByLabel("Пароль", { exact: true }).fill("Kabinet2026");
    await page.getByRole("button", { name: "Войти", exact: true }).click();
    await page.waitForURL(site("kzn", "/accounts"));
    await expect.poll(() => card(page).count()).toBe(1);
    const balanceBefore = number(await card(page).locator(".account__balance").innerText());
    const pointsLink = card(page).getByRole("link", { name: /^Бонусы: \d+ балл(а|ов)?$/ });
    const pointsBefore = number(await pointsLink.innerText());
    expect(pointsBefore).toBeGreaterThanOrEqual(100);

    await pointsLink.click();
    await page.waitForURL(/\/bonus\?account=/);
    // The page's own status line (the app's update bar above the page is a status region too).
    await expect
      .poll(() =>
        page
          .getByRole("status")
          .filter({ hasText: /^Бонусы:/ })
          .first()
          .innerText(),
      )
      .toBe(pointsText(pointsBefore));
    await page.getByRole("button", { name: "Скидки" }).click();
    expect(await page.getByRole("button", { name: "Скидки" }).getAttribute("aria-pressed")).toBe("true");
    await expect.poll(() => page.getByRole("heading", { name: "Дополнительные 5 ГБ мобильного интернета" }).count()).toBe(0);
    const reward = page.getByRole("listitem").filter({ has: page.getByRole("heading", { name: "Скидка 100 ₽ на услуги" }) });
    await reward.getByRole("button", { name: "Обменять" }).click();
    await reward.getByRole("button", { name: "Списать и получить" }).click();
    await expect.poll(() => page.getByText(/^На лицевой счёт зачислено 100/).isVisible()).toBe(true);
    await expect
      .poll(() =>
        page
          .getByRole("status")
          .filter({ hasText: /^Бонусы:/ })
          .first()
          .innerText(),
      )
      .toBe(pointsText(pointsBefore - 100));
    expect(await page.locator(".history li").first().innerText()).toContain("-100");

    await page.getByRole("link", { name: "Лицевые счета" }).last().click();
    await page.waitForURL(site("kzn", "/accounts"));
    await expect.poll(async () => number(await card(page).locator(".account__balance").innerText())).toBeCloseTo(balanceBefore + 100, 2);
    expect(
      await card(page)
        .getByRole("link", { name: /^Бонусы/ })
        .innerText(),
    ).toBe(pointsText(pointsBefore - 100));
    await context.close();
  });
});
