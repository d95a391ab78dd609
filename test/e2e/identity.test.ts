import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_UNREGISTERED } from "../../worker/data/demo.data";
import { makeAccountNo } from "../../worker/platform/ids";
import { asReturningVisitor, launch, newContext, site } from "./browser";
import { codeFromOutbox } from "./http";
import { logInAs, ownSubscriber } from "./subscribers";

/**
 * Rows of anna's Moscow account's history on any day: the demo's five closed months are a rolled-up line per
 * service and their payments (16 rows on the first of a month), the open month one line a service a day.
 */
const HISTORY_ROWS = 15;

let browser: Browser;
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

const outbox = () => site(null, "/dev/outbox");
const h1 = (page: Page) => page.getByRole("heading", { level: 1 }).innerText();
/** The newest code the outbox shows for `to` now (the registration's, for a subscriber just registered), or null. */
const lastCode = (to: string) => codeFromOutbox(outbox(), to, null, 500).catch(() => null);

// Every test that changes how a person gets in (a code, a new password, a phone, a passkey, a linked identity) does it
// to a subscriber it registered for itself (subscribers.ts): the demo people other files log in as keep theirs.

describe("every way in, in a real browser", () => {
  it("logs in with a one-time code sent by SMS", async () => {
    const me = await ownSubscriber("identity-code");
    const phone = me.phone as string;
    const registration = await lastCode(phone);
    const page = await (await newContext(browser)).newPage();
    await page.goto(site("kzn", "/login"));
    await page.getByRole("button", { name: "По временному коду" }).click();
    await page.getByLabel("Телефон, почта, логин или лицевой счёт").fill(phone);
    await page.getByRole("button", { name: "Получить код" }).click();
    await expect.poll(() => page.getByText("Если такой абонент есть, мы отправили код").count()).toBe(1);
    const code = await codeFromOutbox(outbox(), phone, registration);
    // Another code is offered, once the server would take one (a minute after this one).
    await expect.poll(() => page.getByRole("button", { name: /Отправить код ещё раз через 0:5\d|1:00/ }).isDisabled()).toBe(true);
    // Asking again at once (after going back to the password and returning) leads to the field for the code just sent,
    // not to a refusal.
    await page.getByRole("button", { name: "По паролю" }).click();
    await page.getByRole("button", { name: "По временному коду" }).click();
    await page.getByRole("button", { name: "Получить код" }).click();
    await expect.poll(() => page.getByText("Код уже отправлен недавно").count()).toBe(1);
    await page.getByLabel("Код из сообщения").fill(code);
    await page.getByRole("button", { name: "Войти", exact: true }).click();
    await page.waitForURL(site("kzn", "/accounts"));
    await page.goto(site("kzn", "/profile"));
    await expect.poll(() => h1(page)).toBe(me.displayName);
  });

  it("registers the holder of an account number, who chooses a login and a password", async () => {
    const page = await (await newContext(browser)).newPage();
    await page.goto(site("ekb", "/login"));
    await page.getByRole("link", { name: "Зарегистрироваться" }).click();
    await expect.poll(() => h1(page)).toBe("Регистрация в личном кабинете");
    await page.getByLabel("Номер лицевого счёта (12 цифр)").fill(makeAccountNo(DEMO_UNREGISTERED.body11));
    await page.getByRole("button", { name: "Получить код" }).click();
    const code = await codeFromOutbox(outbox(), DEMO_UNREGISTERED.phone);
    await page.getByLabel("Код из сообщения").fill(code);
    await page.getByLabel("Как к вам обращаться").fill("Сергей Петров");
    await page.getByLabel("Логин", { exact: true }).fill("sergey-e2e");
    await page.getByLabel("Пароль", { exact: true }).fill("qwerty123");
    await expect.poll(() => page.getByRole("meter", { name: "Надёжность пароля" }).count()).toBe(1);
    await page.getByRole("button", { name: "Зарегистрироваться" }).click();
    await expect.poll(() => page.getByText("Этот пароль слишком распространён").count()).toBeGreaterThan(0);
    await page.getByLabel("Пароль", { exact: true }).fill("уральские горы в июле");
    await page.getByRole("button", { name: "Зарегистрироваться" }).click();
    await page.waitForURL(site("ekb", "/accounts"));
    await page.goto(site("ekb", "/profile"));
    await expect.poll(() => h1(page)).toBe("Сергей Петров");
  });

  it("resets a forgotten password after the bot check, and the old sessions end", async () => {
    const me = await ownSubscriber("identity-recovery");
    const email = me.email as string;
    const registration = await lastCode(email);
    const other = await newContext(browser);
    const otherPage = await other.newPage();
    await logInAs(otherPage, me);
    await otherPage.goto(site("msk", "/profile"));

    const page = await (await newContext(browser)).newPage();
    await page.goto(site("spb", "/login"));
    await page.getByRole("link", { name: "Забыли пароль?" }).click();
    await page.getByLabel("Телефон, почта или логин").fill(email);
    await page.getByRole("radio", { name: "Письмо на почту" }).check();
    await page.getByRole("button", { name: "Получить код" }).click();
    const code = await codeFromOutbox(outbox(), email, registration);
    await page.getByLabel("Код из сообщения").fill(code);
    await page.getByLabel("Новый пароль").fill("белые ночи над невой");
    await page.getByRole("button", { name: "Сохранить пароль и войти" }).click();
    await page.waitForURL(site("spb", "/accounts"));
    await page.goto(site("spb", "/profile"));
    await expect.poll(() => h1(page)).toBe(me.displayName);

    await otherPage.reload();
    await otherPage.waitForURL(site("msk", "/login"));
  });

  it("changes the phone after confirming with a code to the current one", async () => {
    const me = await ownSubscriber("identity-phone");
    const phone = me.phone as string;
    const registration = await lastCode(phone);
    const page = await (await newContext(browser)).newPage();
    await logInAs(page, me);
    await page.goto(site("msk", "/profile"));
    const form = page.locator("form").filter({ has: page.getByRole("heading", { name: "Смена телефона" }) });
    await form.getByLabel("Новый телефон").fill("+7 900 555-44-33");
    await form.getByRole("button", { name: "Получить код" }).click();
    await expect.poll(() => form.getByText("подтвердите операцию кодом из SMS").count()).toBe(1);
    const stepUp = await codeFromOutbox(outbox(), phone, registration);
    await form.getByLabel("Код из сообщения").fill(stepUp);
    await form.getByRole("button", { name: "Подтвердить" }).click();
    await expect.poll(() => form.getByText("Мы отправили код на новый контакт.").count()).toBe(1);
    const code = await codeFromOutbox(outbox(), "+79005554433");
    await form.getByLabel("Код из сообщения").fill(code);
    await form.getByRole("button", { name: "Подтвердить" }).click();
    await expect.poll(() => page.getByText("+7 900 555-44-33").count()).toBeGreaterThan(0);
  });
});

describe("identity providers in a real browser (npm start's demo identity provider)", () => {
  // Two service-worker installs (two returning visitors), a registration and three trips to the provider: more than
  // the default minute when another file shares the machine.
  it("links Госуслуги in the profile on the provider's page, then logs in with it on another regional site", {
    timeout: 120_000,
  }, async () => {
    // Both are returning visitors: the service worker is active and sees the provider's redirects come back.
    const context = await newContext(browser, { serviceWorkers: "allow" });
    const page = await context.newPage();
    // The provider's person «Анна Иванова» has no cabinet linked: this test's own subscriber links her.
    const me = await ownSubscriber("identity-gosuslugi");
    await asReturningVisitor(page, "msk");
    await logInAs(page, me, me.phone as string);
    await page.goto(site("msk", "/profile"));
    const row = page.getByRole("listitem").filter({ hasText: "Госуслуги" });
    await row.getByRole("link", { name: "Привязать" }).click();
    // The provider's own page: who signs in there.
    await expect.poll(() => h1(page)).toBe("Вход через Госуслуги");
    await page.getByRole("button", { name: /^Анна Иванова/ }).click();
    await page.waitForURL(site("msk", "/profile?linked=1"));
    await expect.poll(() => row.getByRole("button", { name: "Отвязать Госуслуги" }).count()).toBe(1);
    await page.getByRole("button", { name: "Выйти" }).click();
    await page.waitForURL(site("msk", "/login"));

    const other = await (await newContext(browser, { serviceWorkers: "allow" })).newPage();
    await asReturningVisitor(other, "nsk");
    await other.goto(site("nsk", "/login"));
    await other.getByRole("link", { name: "Войти через VK ID" }).click();
    await expect.poll(() => h1(other)).toBe("Вход через VK ID");
    await other.getByRole("button", { name: /^Иван Незнакомов/ }).click();
    await other.waitForURL(/auth_error=oidc_unlinked/);
    await expect.poll(() => other.getByRole("alert").innerText()).toContain("не привязан");
    await other.getByRole("link", { name: "Войти через Госуслуги" }).click();
    await other.getByRole("button", { name: /^Анна Иванова/ }).click();
    await other.waitForURL(site("nsk", "/profile"));
    await expect.poll(() => h1(other)).toBe(me.displayName);
  });

  it("logs the demo subscriber petr straight in with T-ID; «Отмена» at the provider comes back with an error", async () => {
    const page = await (await newContext(browser)).newPage();
    await page.goto(site("kzn", "/login"));
    await page.getByRole("link", { name: "Войти через T-ID" }).click();
    await expect.poll(() => h1(page)).toBe("Вход через T-ID");
    await page.getByRole("button", { name: /^Пётр Смирнов/ }).click();
    await page.waitForURL(site("kzn", "/profile"));
    await expect.poll(() => h1(page)).toBe("Пётр Смирнов");

    const other = await (await newContext(browser)).newPage();
    await other.goto(site("spb", "/login"));
    await other.getByRole("link", { name: "Войти через VK ID" }).click();
    await other.getByRole("button", { name: /^Отмена/ }).click();
    await other.waitForURL(/auth_error=oidc_failed/);
    await expect.poll(() => other.getByRole("alert").innerText()).toContain("Не удалось войти через сервис");
  });
});

describe("passkeys in a real browser (CDP virtual authenticator)", () => {
  it("adds a passkey in the profile, then logs in with it alone on another regional site", async () => {
    const me = await ownSubscriber("identity-passkey");
    const context = await newContext(browser);
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send("WebAuthn.enable");
    const { authenticatorId } = (await cdp.send("WebAuthn.addVirtualAuthenticator", {
      options: {
        protocol: "ctap2",
        transport: "internal",
        hasResidentKey: true,
        hasUserVerification: true,
        isUserVerified: true,
        automaticPresenceSimulation: true,
      },
    })) as { authenticatorId: string };

    await logInAs(page, me);
    await page.goto(site("msk", "/profile"));
    await page.getByRole("button", { name: "Добавить ключ входа на этом устройстве" }).click();
    await expect.poll(() => page.getByRole("button", { name: /^Удалить ключ/ }).count()).toBe(1);
    const { credentials } = (await cdp.send("WebAuthn.getCredentials", { authenticatorId })) as { credentials: { rpId: string }[] };
    expect(credentials.map((c) => c.rpId)).toEqual(["kabinet.localhost"]);

    await page.getByRole("button", { name: "Выйти" }).click();
    await page.waitForURL(site("msk", "/login"));
    await page.goto(site("vl", "/login"));
    await page.getByRole("button", { name: "Войти с ключом входа (passkey)" }).click();
    await page.waitForURL(site("vl", "/accounts"));
    await page.goto(site("vl", "/profile"));
    await expect.poll(() => h1(page)).toBe(me.displayName);
    await context.close();
  });
});

describe("password change in a real browser", () => {
  it("is confirmed with an SMS code, and the new password works", async () => {
    const me = await ownSubscriber("identity-password");
    const phone = me.phone as string;
    const page = await (await newContext(browser)).newPage();
    await logInAs(page, me, phone);
    await page.goto(site("msk", "/profile"));
    const form = page.locator("form").filter({ has: page.getByRole("heading", { name: "Смена пароля" }) });
    await form.getByLabel("Новый пароль").fill("разводные мосты летом");
    const codeBefore = await lastCode(phone);
    await form.getByRole("button", { name: "Сохранить" }).click();
    const code = await codeFromOutbox(outbox(), phone, codeBefore);
    await form.getByLabel("Код из сообщения").fill(code);
    await form.getByRole("button", { name: "Подтвердить" }).click();
    await expect.poll(() => form.getByText("Пароль изменён").count()).toBe(1);
    await page.getByRole("button", { name: "Выйти" }).click();
    await page.waitForURL(site("msk", "/login"));
    await page.getByLabel("Телефон, почта, логин или лицевой счёт").fill(me.login);
    await page.getByLabel("Пароль", { exact: true }).fill("разводные мосты летом");
    await page.getByRole("button", { name: "Войти", exact: true }).click();
    await page.waitForURL(site("msk", "/accounts"));
    await page.goto(site("msk", "/profile"));
    await expect.poll(() => h1(page)).toBe(me.displayName);
  });
});

describe("accounts in a real browser", () => {
  it("shows every account's balance after login, and an account's history and forecast", async () => {
    const page = await (await newContext(browser)).newPage();
    await page.goto(site("msk", "/login"));
    await page.getByLabel("Телефон, почта, логин или лицевой счёт").fill("+7 900 000-00-01");
    await page.getByLabel("Пароль", { exact: true }).fill("Kabinet2026");
    await page.getByRole("button", { name: "Войти", exact: true }).click();
    await page.waitForURL(site("msk", "/accounts"));
    await expect.poll(() => page.getByRole("article").count()).toBe(4);
    await expect.poll(() => page.getByText("Счёт родственника: можно оплачивать").count()).toBe(1);
    await expect.poll(() => page.locator(".total").innerText()).toMatch(/Всего на счетах: [\d\s]+(,\d\d)?\s₽/);
    await page.getByRole("button", { name: "Пополнить" }).first().click();
    const dialog = page.getByRole("dialog", { name: "Пополнить счёт 2010 0000 0012" });
    await expect.poll(() => dialog.getByRole("button", { name: /^Оплатить / }).count()).toBe(1);
    await page.keyboard.press("Escape");
    await page.getByRole("link", { name: "Лицевой счёт 2010 0000 0012" }).click();
    await page.waitForURL(site("msk", "/accounts/201000000012"));
    await expect.poll(() => page.getByText(/^Денег хватит до /).count()).toBe(1);
    await expect.poll(() => page.getByRole("heading", { name: /^По услугам за / }).count()).toBe(1);
    await expect.poll(() => page.locator("table.history tbody tr").count()).toBeGreaterThanOrEqual(HISTORY_ROWS);
    await page.getByLabel("Тип").selectOption("payment");
    await page.getByRole("button", { name: "Показать", exact: true }).click();
    await expect.poll(() => page.locator("table.history tbody tr").first().innerText()).toContain("Оплата банковской картой");

    // The installed app's shortcuts.
    await page.goto(site("msk", "/accounts?topup=1"));
    await expect.poll(() => page.getByRole("dialog", { name: /^Пополнить счёт / }).count()).toBe(1);
    await page.goto(site("msk", "/history"));
    await page.waitForURL(/\/accounts\/201000000012#history-title$/);
  });
});
