import { execFileSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import ExcelJS from "exceljs";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensurePdftotext } from "../../scripts/chromium.mts";
import { demoPeriods } from "../../worker/db/seed/seed";
import { makeAccountNo } from "../../worker/platform/ids";
import { daysInMonth } from "../../worker/platform/money";
import { addDays } from "../../worker/platform/region";
import { asReturningVisitor, launch, newContext, site } from "./browser";
import { localhostAgent } from "./http";

let browser: Browser;
let dir: string;
beforeAll(async () => {
  browser = await launch();
  dir = await mkdtemp(join(tmpdir(), "kabinet-usage-"));
});
afterAll(async () => {
  await browser?.close();
  await rm(dir, { recursive: true, force: true });
});

const MOBILE = makeAccountNo("20100000002"); // anna's mobile line in Moscow
/** "1 234,50 ₽" → 1234.5 */
const rub = (text: string) => Number(text.replace(/[^\d,-]/g, "").replace(",", "."));

async function loginAnna(page: Page) {
  await page.goto(site("msk", "/login"));
  await page.getByLabel("Телефон, почта, логин или лицевой счёт").fill("anna");
  await page.getByLabel("Пароль", { exact: true }).fill("Kabinet2026");
  await page.getByRole("button", { name: "Войти", exact: true }).click();
  await page.waitForURL(site("msk", "/accounts"));
}

/** Orders a report in the given format on the open usage page, waits for it in the list, downloads it. */
async function orderAndDownload(
  page: Page,
  format: "PDF" | "Excel (XLSX)",
  name: "PDF" | "XLSX",
): Promise<{ path: string; rows: number; href: string }> {
  const order = page.getByRole("region", { name: "Заказать отчёт" });
  await order.getByLabel(format).check();
  const before = await page.locator(".reports li").count();
  await order.getByRole("button", { name: "Заказать отчёт" }).click();
  await expect.poll(() => order.getByText("Отчёт заказан").isVisible()).toBe(true);
  await expect.poll(() => page.locator(".reports li").count()).toBe(before + 1);
  const newest = page.locator(".reports li").first();
  const link = newest.getByRole("link", { name: `Скачать ${name}` });
  await expect.poll(() => link.isVisible(), { timeout: 60_000 }).toBe(true);
  const rows = Number(/Готов: (\d+) запис(?:ь|и|ей)/.exec(await newest.innerText())?.[1]);
  const href = (await link.getAttribute("href")) ?? "";
  const [download] = await Promise.all([page.waitForEvent("download"), link.click()]);
  const path = join(dir, download.suggestedFilename());
  await download.saveAs(path);
  return { path, rows, href };
}

describe("usage detail (детализация) in a real browser", () => {
  it("shows the detail on screen, then orders a PDF and an XLSX, waits for them and downloads them", { timeout: 180_000 }, async () => {
    const context = await newContext(browser, { acceptDownloads: true, viewport: { width: 360, height: 800 } });
    const page = await context.newPage();
    await loginAnna(page);
    await page.goto(site("msk", `/accounts/${MOBILE}`));
    await page.getByRole("link", { name: "Детализация звонков и трафика" }).click();
    await page.waitForURL(site("msk", `/accounts/${MOBILE}/usage`));
    await expect.poll(() => page.getByRole("heading", { name: "Детализация расходов", level: 1 }).isVisible()).toBe(true);

    // The last whole month of the demo usage (it ends yesterday), calls and SMS only («Обновить»).
    const month = addDays(`${demoPeriods().usageTo.slice(0, 8)}01`, -1).slice(0, 7);
    const [fromDay, toDay] = [`${month}-01`, `${month}-${daysInMonth(`${month}-01`)}`];
    const ru = (day: string) => day.split("-").reverse().join(".");
    await page.getByLabel("С", { exact: true }).fill(fromDay);
    await page.getByLabel("По", { exact: true }).fill(toDay);
    await page.getByRole("checkbox", { name: "Интернет" }).uncheck();
    await page.getByRole("button", { name: "Обновить" }).click();
    const totals = page.getByRole("table", { name: "Итого за период" });
    await expect.poll(() => totals.getByRole("rowheader", { name: "Интернет" }).count()).toBe(0);
    await expect.poll(() => totals.getByRole("rowheader", { name: "Входящие звонки" }).count()).toBe(1);
    const totalRow = totals.locator("tfoot tr");
    // «Всего» is one figure per unit: under the count, SMS in pieces (calls are counted in time, not pieces).
    const smsCount = Number(
      await totals.getByRole("rowheader", { name: "SMS", exact: true }).locator("xpath=..").locator("td").first().innerText(),
    );
    expect(await totalRow.locator("td").first().innerText()).toBe(`${smsCount} SMS`);
    const count = Number(/из (\d+)/.exec(await page.getByText(/^Показано \d+ из \d+$/).innerText())?.[1]);
    const totalRub = rub(await totalRow.locator("td").last().innerText());
    expect(count).toBeGreaterThan(50);
    const records = page.getByRole("table", { name: "Записи за период" });
    expect(await records.locator("tbody tr").count()).toBe(50);
    expect(await records.locator("tbody tr").first().innerText()).toMatch(new RegExp(`^${ru(fromDay).replaceAll(".", "\\.")}`));
    await page.getByRole("button", { name: "Показать ещё" }).click();
    await expect.poll(() => records.locator("tbody tr").count()).toBe(Math.min(100, count));
    // The page itself never scrolls sideways on a 360 px phone (wide tables scroll in their box).
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);

    // PDF, read with pdftotext: Cyrillic, the header, every record, the total.
    const pdf = await orderAndDownload(page, "PDF", "PDF");
    expect(pdf.rows).toBe(count);
    const text = execFileSync(ensurePdftotext(), ["-layout", pdf.path, "-"], { encoding: "utf8" });
    expect(text).toContain("Детализация расходов");
    expect(text).toContain(`Лицевой счёт:`);
    expect(text).toContain(MOBILE);
    expect(text).toContain(`${ru(fromDay)} — ${ru(toDay)}`);
    expect(text).toContain("Входящие звонки");
    expect(text.match(/^\s*\d\d\.\d\d\.\d{4} \d\d:\d\d:\d\d /gm)?.length).toBe(count);
    // The totals line: "Всего", the SMS, the time of calls, the cost (pdftotext -layout keeps columns apart by two or more spaces).
    const cells = (/^\s*Всего\s.*$/m.exec(text)?.[0] ?? "").trim().split(/\s{2,}/);
    expect(cells[1]).toBe(`${smsCount} SMS`);
    expect(cells[2]).toBe(await totalRow.locator("td").nth(1).innerText());
    expect(rub(cells.at(-1) ?? "")).toBeCloseTo(totalRub, 2);
    expect(text).toMatch(/Стр\. 1 из \d+/);

    // XLSX, read with a spreadsheet reader: typed cells, frozen header, totals.
    const xlsx = await orderAndDownload(page, "Excel (XLSX)", "XLSX");
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(xlsx.path);
    const sheet = wb.getWorksheet("Детализация");
    expect(sheet?.views[0]).toMatchObject({ state: "frozen", ySplit: 1 });
    expect(sheet?.getRow(1).getCell(1).value).toBe("Дата и время");
    const first = sheet?.getRow(2);
    expect(first?.getCell(1).value).toBeInstanceOf(Date);
    expect(first?.getCell(6).type).toBe(ExcelJS.ValueType.Number);
    let sum = 0;
    for (let r = 2; r < 2 + count; r++) sum += Number(sheet?.getRow(r).getCell(6).value ?? 0);
    expect(sum).toBeCloseTo(totalRub, 2);
    const last = sheet?.getRow(count + 3);
    expect(last?.getCell(1).value).toBe("Всего");
    expect(Number(last?.getCell(6).value)).toBeCloseTo(totalRub, 2);

    // The subscriber is told in the cabinet.
    // The inbox is read when the page opens: look again until the second message has come through the queue.
    await expect
      .poll(
        async () => {
          await page.goto(site("msk", "/notifications"));
          // The list itself, not the heading: the heading comes with the page, the messages a moment later (counted
          // while «Загрузка…» still showed, they were none however long the poll went on).
          await page.getByRole("list", { name: "Уведомления" }).waitFor();
          return page.getByText(`Детализация по счёту …${MOBILE.slice(-4)} готова`).count();
        },
        { timeout: 30_000, interval: 1000 },
      )
      .toBeGreaterThanOrEqual(2);

    // Another subscriber with the file's address gets the same 404 as for nothing.
    const other = await newContext(browser);
    const otherPage = await other.newPage();
    await otherPage.goto(site("msk", "/login"));
    await otherPage.getByLabel("Телефон, почта, логин или лицевой счёт").fill("petr");
    await otherPage.getByLabel("Пароль", { exact: true }).fill("Kabinet2026");
    await otherPage.getByRole("button", { name: "Войти", exact: true }).click();
    await otherPage.waitForURL(site("msk", "/accounts"));
    expect(xlsx.href).toMatch(/^\/api\/v1\/accounts\/\d{12}\/usage\/reports\/\w+\/file$/);
    // Fetched from inside each page: Chromium resolves *.localhost, Node does not.
    const status = (p: Page) => p.evaluate(async (href) => (await fetch(href)).status, xlsx.href);
    expect(await status(page)).toBe(200);
    expect(await status(otherPage)).toBe(404);
    await other.close();
    await context.close();
  });

  it("opens the emailed report's link in a browser where the app's service worker is active", { timeout: 120_000 }, async () => {
    const context = await newContext(browser, { acceptDownloads: true, serviceWorkers: "allow" });
    const page = await context.newPage();
    await asReturningVisitor(page, "msk");
    await loginAnna(page);
    await page.goto(site("msk", `/accounts/${MOBILE}/usage`));
    const order = page.getByRole("region", { name: "Заказать отчёт" });
    await order.getByLabel("PDF").check();
    await order.getByLabel("На почту").check();
    const [ordered] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === "POST" && r.url().endsWith("/usage/reports")),
      order.getByRole("button", { name: "Заказать отчёт" }).click(),
    ]);
    expect(ordered.status()).toBe(202);
    // The email, as the dev outbox shows it: its link to the file.
    const { fetch } = await import("undici");
    let path = "";
    await expect
      .poll(
        async () => {
          const html = await (await fetch(site(null, "/dev/outbox"), { dispatcher: localhostAgent })).text();
          path = /\/files\/reports\/[0-9a-zA-Z._-]+/.exec(html)?.[0] ?? "";
          return path;
        },
        { timeout: 60_000, interval: 500 },
      )
      .not.toBe("");
    // Opened as a person opens a link from their mail: a navigation, through the active service worker.
    const [download] = await Promise.all([page.waitForEvent("download"), page.goto(site("msk", path)).catch(() => null)]);
    expect(download.suggestedFilename()).toMatch(/\.pdf$/);
    await context.close();
  });
});
