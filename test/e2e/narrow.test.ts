import { createRequire } from "node:module";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeAccountNo } from "../../worker/platform/ids";
import { launch, login, newContext, site } from "./browser";
import { logInAs, ownSubscriber } from "./subscribers";

let browser: Browser;
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

const HOME = makeAccountNo("20100000001"); // anna's Moscow home (Интернет + ТВ, phone)
const MOBILE = makeAccountNo("20100000002"); // anna's mobile line in Moscow, with usage in November
const axeSource = createRequire(import.meta.url)("axe-core").source as string;
const PHONE = { viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true };

/**
 * What a subscriber holding a 360 px phone cannot see without scrolling sideways: the page wider than the screen,
 * a cell of a table's essential column (named by its header) hidden or outside the screen, any table cell whose
 * text runs off the screen, and an amount broken over two lines («150» on one, «₽» on the next).
 */
async function offScreen(page: Page, essential: readonly (readonly string[])[] = []): Promise<string[]> {
  return page.evaluate((essential) => {
    const problems: string[] = [];
    const vw = document.documentElement.clientWidth;
    if (document.documentElement.scrollWidth > vw) problems.push(`the page is ${document.documentElement.scrollWidth} px wide`);
    const shown = (r: DOMRect) => r.width > 1 && r.height > 1;
    // Text for screen readers only (clipped to a pixel) or not rendered is nobody's to see.
    const unseen = (el: Element | null): boolean => {
      for (let e = el; e && e !== document.body; e = e.parentElement) {
        const style = getComputedStyle(e);
        if (style.display === "none" || style.visibility === "hidden") return true;
        if (style.position === "absolute" && style.clip !== "auto") return true;
      }
      return false;
    };
    const textRect = (node: Node) => {
      const range = document.createRange();
      range.selectNodeContents(node);
      return range.getBoundingClientRect();
    };
    for (const table of document.querySelectorAll("main table")) {
      if (unseen(table)) continue; // a chart's table for screen readers
      const heads = [...table.querySelectorAll("thead th")].map((th) => th.textContent?.trim() ?? "");
      // The essential columns of this table: the list that starts with its first column.
      const columns = essential.find((list) => list[0] === heads[0]) ?? [];
      for (const row of table.querySelectorAll<HTMLTableRowElement>("tbody tr, tfoot tr")) {
        [...row.cells].forEach((cell, i) => {
          const head = heads[i] ?? "";
          const text = cell.textContent?.trim() ?? "";
          const rect = textRect(cell);
          const label = `«${head}»: «${text}»`;
          if (!shown(cell.getBoundingClientRect()) || !text) {
            if (text && columns.includes(head)) problems.push(`${label} is hidden`);
            return;
          }
          if (rect.left < 0 || rect.right > vw + 0.5)
            problems.push(`${label} is off-screen (${Math.round(rect.left)}–${Math.round(rect.right)})`);
        });
      }
      for (const head of columns) if (!heads.includes(head)) problems.push(`no column «${head}»`);
    }
    for (const list of essential) {
      const found = [...document.querySelectorAll("main table")].some(
        (t) => !unseen(t) && t.querySelector("thead th")?.textContent?.trim() === list[0],
      );
      if (!found) problems.push(`no table with «${list[0]}»`);
    }
    const amount = /[-+]?\d[\d\u00a0 ]*(?:[,.]\d\d)?\s₽/g;
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (unseen(node.parentElement)) continue;
      for (const m of node.textContent?.matchAll(amount) ?? []) {
        const range = document.createRange();
        range.setStart(node, m.index);
        range.setEnd(node, m.index + m[0].length);
        const lines = new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.bottom)));
        if (lines.size > 1) problems.push(`«${m[0]}» is broken over ${lines.size} lines`);
      }
    }
    return problems;
  }, essential);
}

/** Opens `path` (or stays), waits for its heading and data, and notes what is off a 360 px screen under `name`. */
async function walk(
  page: Page,
  found: Record<string, string[]>,
  path: string | null,
  ready: () => Promise<boolean>,
  essential: readonly (readonly string[])[] = [],
) {
  if (path) await page.goto(site("msk", path));
  const name = path ?? new URL(page.url()).pathname;
  await expect.poll(() => page.getByRole("heading", { level: 1 }).count(), { message: name }).toBe(1);
  await expect.poll(ready, { message: name }).toBe(true);
  await page.waitForLoadState("networkidle");
  const problems = await offScreen(page, essential);
  if (problems.length) found[name] = problems;
}

/**
 * Tops up `account` (anna's mobile line unless said) with 150 ₽ on the sandbox acquirer's page and waits for the
 * result page. The payment is started with the app's own API call (the top-up dialog has its own browser tests in
 * payments.test.ts).
 */
async function topUp150(page: Page, account = MOBILE) {
  await page.goto(site("msk", "/accounts"));
  const started = await page.evaluate(async (no) => {
    const res = await fetch(`/api/v1/accounts/${no}/payments`, {
      method: "POST",
      headers: { "content-type": "application/json", "idempotency-key": crypto.randomUUID() },
      body: JSON.stringify({ amountKop: 15000 }),
    });
    return (await res.json()) as { confirmationUrl: string | null };
  }, account);
  await page.goto(started.confirmationUrl ?? "");
  await page.getByLabel("Номер карты").fill("4242 4242 4242 4242");
  await page.getByLabel("Срок (ММ/ГГ)").fill("12/30");
  await page.getByLabel("CVC").fill("123");
  await page.getByRole("button", { name: /^Оплатить/ }).click();
  await page.waitForURL(new RegExp(`/accounts/${account}/payments/`));
}

/** axe-core's WCAG 2.1 A/AA violations on the page as it is now. */
async function violations(page: Page): Promise<string[]> {
  await page.addScriptTag({ content: axeSource });
  return page.evaluate(async () => {
    // biome-ignore lint/suspicious/noExplicitAny: axe is injected into the page at run time
    const axe = (window as any).axe;
    const r = await axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] } });
    return r.violations.map(
      (v: { id: string; nodes: { target: string[] }[] }) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`,
    );
  });
}

describe("a 360 px phone", () => {
  it("walks the main screens with nothing important off-screen", { timeout: 180_000 }, async () => {
    const page = await (await newContext(browser, PHONE)).newPage();
    await login(page, "anna");
    const found: Record<string, string[]> = {};
    const visible = (name: string | RegExp) => () => page.getByRole("heading", { name }).first().isVisible();
    const rows = (table: string) => async () => (await page.getByRole("table", { name: table }).locator("tbody tr").count()) > 0;

    await walk(page, found, "/", () => page.getByRole("heading", { level: 1 }).isVisible());
    await walk(page, found, "/tariffs", async () => (await page.getByRole("article").count()) > 0);
    await walk(page, found, "/accounts", async () => (await page.getByRole("article").count()) > 2);
    await walk(page, found, `/accounts/${HOME}`, async () => (await page.locator("main table tbody tr").count()) > 0, [
      ["Дата", "Операция", "Сумма"],
    ]);

    // Usage detail with data: November, every kind.
    await page.goto(site("msk", `/accounts/${MOBILE}`));
    await page.getByRole("link", { name: "Детализация звонков и трафика" }).click();
    await page.waitForURL(site("msk", `/accounts/${MOBILE}/usage`));
    await expect.poll(() => page.getByRole("heading", { name: "Детализация расходов", level: 1 }).isVisible()).toBe(true);
    // The kinds to show come with the first view; «Обновить» is for after they are there.
    await expect.poll(() => page.getByRole("checkbox", { name: "Интернет" }).isChecked()).toBe(true);
    await page.getByLabel("С", { exact: true }).fill("2026-11-01");
    await page.getByLabel("По", { exact: true }).fill("2026-11-30");
    await page.getByRole("button", { name: "Обновить" }).click();
    await walk(page, found, null, rows("Записи за период"), [
      ["Дата и время", "Номер / описание", "Длительность / объём", "Стоимость"],
      ["Вид", "Кол-во", "Стоимость"],
    ]);

    // A service with the tariff advisor: every option and its total for three months.
    await page.goto(site("msk", `/accounts/${HOME}`));
    await page.getByRole("link", { name: "Сменить тариф, блокировка, отключение" }).first().click();
    await page.waitForURL(/\/services\//);
    await walk(page, found, null, rows("Подбор тарифа"), [["Тариф", "За 3 месяца"]]);

    // A top-up of 150 ₽ and its receipt.
    await topUp150(page);
    await walk(page, found, null, visible(/^Кассовый чек № /));

    await walk(page, found, "/support", () => page.getByRole("heading", { level: 1 }).isVisible());
    await walk(page, found, "/notifications", async () => (await page.getByRole("listitem").count()) > 0);
    await walk(page, found, "/profile", () => page.getByRole("heading", { level: 1 }).isVisible());
    await walk(page, found, "/help", () => page.getByRole("heading", { level: 1 }).isVisible());
    await walk(page, found, "/offices", () => page.getByRole("heading", { level: 1 }).isVisible());
    expect(found).toEqual({});
  });

  it("keeps the header on one line with an unread badge and reaches every section by keyboard", { timeout: 120_000 }, async () => {
    // A subscriber of this test's own: the unread count is theirs alone (offline.test.ts marks Anna's inbox read
    // while this file runs).
    const me = await ownSubscriber("narrow-header");
    const page = await (await newContext(browser, { ...PHONE, bypassCSP: true })).newPage();
    await logInAs(page, me);
    // A payment credited: the bell shows an unread count.
    await topUp150(page, me.accountNo);
    const bell = page.getByRole("link", { name: /^Уведомления/ });
    await expect
      .poll(async () => {
        await page.goto(site("msk", "/accounts"));
        await page.waitForLoadState("networkidle");
        return bell.getAttribute("aria-label");
      })
      .toMatch(/непрочитанных: \d+/);
    // One line: the logo and the bell share a row, and the header is no taller than one row of buttons.
    const logo = await page.getByRole("banner").getByRole("link", { name: "Кабинет", exact: true }).boundingBox();
    const bellBox = await bell.boundingBox();
    expect(Math.abs((logo?.y ?? 0) + (logo?.height ?? 0) / 2 - ((bellBox?.y ?? 0) + (bellBox?.height ?? 0) / 2))).toBeLessThan(4);
    expect((await page.getByRole("banner").boundingBox())?.height).toBeLessThan(70);

    // Every section is on the screen or one tap away under «Ещё».
    const bar = page.getByRole("navigation", { name: "Разделы" });
    await expect.poll(() => bar.isVisible()).toBe(true);
    expect(await violations(page), "the bar").toEqual([]);
    const inBar = await bar.getByRole("link").allInnerTexts();
    expect(inBar.length).toBe(4);
    const more = bar.getByRole("button", { name: "Ещё" });
    expect(await more.getAttribute("aria-expanded")).toBe("false");
    await more.focus();
    await page.keyboard.press("Enter");
    const sheet = page.getByRole("dialog", { name: "Все разделы" });
    await expect.poll(() => sheet.isVisible()).toBe(true);
    expect(await more.getAttribute("aria-expanded")).toBe("true");
    const inSheet = await sheet.getByRole("link").allInnerTexts();
    const all = [...inBar, ...inSheet].map((s) => s.trim());
    for (const section of [
      "Главная",
      "Тарифы",
      "Офисы продаж",
      "Помощь",
      "Поддержка",
      "Контакты и поддержка",
      "Подключить",
      "Заявки",
      "Профиль",
    ]) {
      expect(all, section).toContain(section);
    }
    expect(await violations(page), "the sheet open").toEqual([]);
    // Focus is inside the sheet; Escape closes it and gives focus back to «Ещё».
    expect(await page.evaluate(() => document.activeElement?.closest("dialog") !== null)).toBe(true);
    await page.keyboard.press("Escape");
    await expect.poll(() => sheet.isVisible()).toBe(false);
    expect(await page.evaluate(() => document.activeElement?.textContent?.trim())).toBe("Ещё");

    // A section from the sheet opens, the sheet closes and the link says it is the current page.
    await more.click();
    await sheet.getByRole("link", { name: "Заявки" }).click();
    await page.waitForURL(site("msk", "/applications"));
    await expect.poll(() => sheet.isVisible()).toBe(false);
    await more.click();
    expect(await sheet.getByRole("link", { name: "Заявки" }).getAttribute("aria-current")).toBe("page");
    await page.keyboard.press("Escape");
    // The bar never covers the end of the page: the footer's last line can be scrolled above it.
    await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
    const footer = await page.getByRole("contentinfo").boundingBox();
    const barBox = await bar.boundingBox();
    expect((footer?.y ?? 0) + (footer?.height ?? 0)).toBeLessThanOrEqual((barBox?.y ?? 0) + 1);
  });
});
