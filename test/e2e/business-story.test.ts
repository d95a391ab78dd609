/**
 * Issue 23's «done when», as one story in a real browser: an administrator invites a person as an accountant
 * limited to two sites; she accepts, sees only those sites' accounts and tops one up through the acquirer; the
 * administrator sees her top-up in the log; a viewer cannot pay; an accountant of another organisation gets the
 * not-found page and the API's 404 on this one's organisation, accounts, payment and invoice.
 *
 * People: Anna (+7 900 000-00-01) joins «Северный ветер»; Maria (+7 900 000-00-04) joins «ИП Смирнов» as its
 * accountant. No other file changes their passwords (identity's tests register people of their own).
 */
import type { Browser, Page } from "playwright-core";
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
const ORG = "org-demo-veter";
const SMIRNOV = "org-demo-smirnov";

/** An administrator's invitation by the employees' screen: contact, role, and the sites ticked by keyboard. */
async function invite(page: Page, orgId: string, contact: string, role: string, sites: RegExp[] = []) {
  await page.goto(site("msk", `/business/${orgId}/employees`));
  const form = page.locator("form").filter({ has: page.getByRole("button", { name: "Отправить приглашение" }) });
  await form.getByLabel("Телефон или почта").fill(contact);
  await form.getByLabel("Роль", { exact: true }).selectOption(role);
  const group = form.getByRole("group", { name: "Только площадки (не выбрано — все)" });
  for (const name of sites) {
    await group.getByLabel(name).focus();
    await page.keyboard.press("Space");
    expect(await group.getByLabel(name).isChecked()).toBe(true);
  }
  await form.getByRole("button", { name: "Отправить приглашение" }).click();
  await expect.poll(() => page.getByText("Приглашение отправлено, действует 72 часа").count()).toBe(1);
}

/** Accepts an invitation on the join screen; the organisation's card opens. */
async function accept(page: Page, code: string, orgId: string) {
  await page.goto(site("msk", `/business/join?invite=${code}`));
  await page.getByRole("button", { name: "Принять" }).click();
  await page.waitForURL(site("msk", `/business/${orgId}`));
}

/** A request to the API from the page itself (its cookie, its origin): the status and the problem's title. */
function fromPage(page: Page, method: string, path: string, body?: unknown) {
  return page.evaluate(
    async ([m, p, b]) => {
      const res = await fetch(`/api/v1${p}`, {
        method: m as string,
        headers: { "content-type": "application/json", "idempotency-key": crypto.randomUUID() },
        body: b === undefined ? undefined : JSON.stringify(b),
      });
      const text = await res.text();
      let parsed: { title?: string; detail?: string; id?: string } = {};
      try {
        parsed = JSON.parse(text);
      } catch {
        // a PDF or another body that is not JSON
      }
      return { status: res.status, title: parsed.title ?? "", detail: parsed.detail ?? "", id: parsed.id ?? "" };
    },
    [method, path, body] as const,
  );
}

const digits = (s: string) => s.replace(/\D/g, "");

describe("issue 23 in a real browser: invite for two sites, top-up in the log, a viewer, a stranger", () => {
  it("the administrator invites an accountant for two sites, sees her top-up in the log; a viewer cannot pay; another organisation's accountant finds nothing", {
    timeout: 240_000,
  }, async () => {
    // 1. The administrator invites Anna as an accountant limited to two sites.
    const adminContext = await newContext(browser, PHONE);
    const admin = await adminContext.newPage();
    await login(admin, "biz.admin");
    await invite(admin, ORG, "+7 900 000-00-01", "accountant", [/^Салон на Арбате/, /^Склад на Космонавтов/]);
    const code = await inviteCodeFromOutbox(site(null, "/dev/outbox"), "+79000000001");

    // 2. She accepts with the code and sees only her two sites' accounts.
    const annaContext = await newContext(browser, PHONE);
    const anna = await annaContext.newPage();
    await login(anna, "anna");
    await accept(anna, code, ORG);
    await expect.poll(() => anna.getByText("Ваша роль: Бухгалтер").count()).toBe(1);
    await anna.goto(site("msk", `/business/${ORG}/accounts`));
    await expect.poll(() => anna.getByText("Найдено 30 счетов. Показано 30 из 30").count()).toBe(1);
    const groups = await anna
      .getByRole("rowgroup")
      .evaluateAll((gs) =>
        gs.flatMap((g) =>
          g.getAttribute("aria-labelledby") ? [document.getElementById(g.getAttribute("aria-labelledby") ?? "")?.textContent ?? ""] : [],
        ),
      );
    expect(groups).toEqual([expect.stringMatching(/^Салон на Арбате 20 счетов/), expect.stringMatching(/^Склад на Космонавтов 10 счетов/)]);

    // 3. She tops up one account of her sites by card on the acquirer's page.
    const payOne = anna.getByRole("link", { name: /^Пополнить лицевой счёт / }).first();
    const shownNo = ((await payOne.getAttribute("aria-label")) ?? "").replace("Пополнить лицевой счёт ", "");
    const accountNo = digits(shownNo);
    expect(accountNo).toMatch(/^\d{12}$/);
    await payOne.click();
    await anna.waitForURL(site("msk", `/business/${ORG}/pay?account=${accountNo}`));
    await anna.getByRole("textbox", { name: `Сумма на счёт ${shownNo}, ₽` }).fill("321,50");
    await expect.poll(() => anna.getByRole("status").filter({ hasText: "Выбрано счетов: 1, к оплате: 321,50" }).count()).toBe(1);
    await anna.getByRole("button", { name: /^Оплатить 321,50/ }).click();
    await anna.waitForURL(/\/sandbox\/acquirer\/pay\//);
    await anna.getByLabel("Номер карты").fill("4242 4242 4242 4242");
    await anna.getByLabel("Срок (ММ/ГГ)").fill("12/30");
    await anna.getByLabel("CVC").fill("123");
    await anna.getByRole("button", { name: /^Оплатить/ }).click();
    await anna.waitForURL(new RegExp(`/business/${ORG}/pay/op-`));
    const paymentId = new URL(anna.url()).pathname.split("/").at(-1) ?? "";
    await expect
      .poll(() => anna.getByRole("status").filter({ hasText: "Оплачено 321,50 ₽. Деньги зачислены на счета." }).count(), {
        timeout: 20_000,
      })
      .toBe(1);
    // An invoice for her account too: the stranger below is refused its id as well.
    const invoice = await fromPage(anna, "POST", `/business/organisations/${ORG}/invoices`, {
      lines: [{ accountNo, amountKop: 50_000 }],
    });
    expect(invoice.status).toBe(201);

    // 4. The administrator sees her top-up in «Журнал действий»: her name, the amount, the account.
    await admin.goto(site("msk", `/business/${ORG}`));
    await admin.getByRole("navigation", { name: "Разделы корпоративного кабинета" }).getByRole("link", { name: "Журнал действий" }).click();
    const entry = admin.getByRole("row").filter({ hasText: "Счета пополнены" }).filter({ hasText: shownNo });
    await expect.poll(() => entry.count()).toBe(1);
    const text = await entry.innerText();
    expect(text).toContain("Анна Иванова");
    expect(text).toMatch(/321,50\s₽/);
    await annaContext.close();

    // 5. A viewer: no pay action, the pay screen refuses, and so does the API, naming the role.
    const viewerContext = await newContext(browser, PHONE);
    const viewer = await viewerContext.newPage();
    await login(viewer, "biz.viewer");
    await viewer.goto(site("msk", `/business/${ORG}/accounts`));
    await expect.poll(() => viewer.getByText("Показано 20 из 20").count()).toBe(1);
    expect(await viewer.getByRole("link", { name: /Пополнить/ }).count()).toBe(0);
    const ownNo = digits(await viewer.getByRole("rowheader").first().innerText());
    const refused = await fromPage(viewer, "POST", `/business/organisations/${ORG}/payments`, {
      items: [{ accountNo: ownNo, amountKop: 10_000 }],
      totalKop: 10_000,
    });
    expect(refused.status).toBe(403);
    expect(refused.detail).toContain("наблюдатель");
    await viewer.goto(site("msk", `/business/${ORG}/pay`));
    await expect.poll(() => viewer.getByRole("alert").filter({ hasText: "Недостаточно прав в организации" }).count()).toBe(1);
    expect(await viewer.getByRole("button", { name: /^Оплатить/ }).count()).toBe(0);
    await viewerContext.close();

    // 6. Petr invites Maria as the accountant of his organisation, «ИП Смирнов».
    const petrContext = await newContext(browser, PHONE);
    const petr = await petrContext.newPage();
    await login(petr, "petr");
    await invite(petr, SMIRNOV, "+7 900 000-00-04", "accountant");
    const smirnovCode = await inviteCodeFromOutbox(site(null, "/dev/outbox"), "+79000000004");
    await petrContext.close();
    const mariaContext = await newContext(browser, PHONE);
    const maria = await mariaContext.newPage();
    await login(maria, "maria");
    await accept(maria, smirnovCode, SMIRNOV);
    await expect.poll(() => maria.getByText("Ваша роль: Бухгалтер").count()).toBe(1);

    // 7. To her, «Северный ветер» does not exist: the same not-found as an organisation that never was.
    for (const path of [`/business/${ORG}`, `/business/${ORG}/accounts`, `/business/${ORG}/pay`, `/business/${ORG}/pay/${paymentId}`]) {
      await maria.goto(site("msk", path));
      await expect.poll(() => maria.getByRole("alert").filter({ hasText: "Не найдено" }).count(), { message: path }).toBe(1);
    }
    const missing = await fromPage(maria, "GET", "/business/organisations/org-no-such");
    expect(missing.status).toBe(404);
    const base = `/business/organisations/${ORG}`;
    const asked: [string, string, unknown?][] = [
      ["GET", base],
      ["GET", `${base}/accounts`],
      ["GET", `${base}/account-list`],
      ["GET", `${base}/sites`],
      ["PUT", `${base}/accounts/${accountNo}/site`, { siteId: `${ORG}-msk-1` }],
      ["POST", `${base}/payments`, { items: [{ accountNo, amountKop: 10_000 }], totalKop: 10_000 }],
      ["GET", `${base}/payments/${paymentId}`],
      ["GET", `${base}/payments/${paymentId}/receipt`],
      ["GET", `${base}/invoices/${invoice.id}`],
      ["GET", `${base}/invoices/${invoice.id}/pdf`],
      ["POST", `${base}/invoices`, { lines: [{ accountNo, amountKop: 50_000 }] }],
    ];
    const answers: string[] = [];
    for (const [method, path, body] of asked) {
      const res = await fromPage(maria, method, path, body);
      answers.push(`${method} ${path}: ${res.status} ${res.title}`);
    }
    expect(answers).toEqual(asked.map(([method, path]) => `${method} ${path}: 404 ${missing.title}`));
    await mariaContext.close();
    await adminContext.close();
  });
});
