import { execFileSync } from "node:child_process";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import jsQR from "jsqr";
import type { Browser } from "playwright-core";
import { PNG } from "pngjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensurePdftotext } from "../../scripts/chromium.mts";
import { launch, login, newContext, site } from "./browser";

let browser: Browser;
let dir: string;
beforeAll(async () => {
  ensurePdftotext();
  browser = await launch();
  dir = await mkdtemp(join(tmpdir(), "kabinet-invoice-"));
});
afterAll(async () => {
  await browser?.close();
  await rm(dir, { recursive: true, force: true });
});

const PHONE = { viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true };
const ORG = "org-demo-veter";

describe("«Документы» of the business cabinet in a real browser, on a 360 px phone", () => {
  it("the accountant issues an invoice for two accounts, sees its payment QR and downloads its PDF with the same QR", {
    timeout: 120_000,
  }, async () => {
    const context = await newContext(browser, { ...PHONE, acceptDownloads: true });
    const page = await context.newPage();
    await login(page, "biz.accountant");
    await page.goto(site("msk", `/business/${ORG}`));
    await page.getByRole("navigation", { name: "Разделы корпоративного кабинета" }).getByRole("link", { name: "Документы" }).click();
    await page.waitForURL(site("msk", `/business/${ORG}/documents`));
    expect(await page.getByRole("link", { name: "Акт сверки" }).getAttribute("href")).toBe(`/business/${ORG}/documents/reconciliation`);

    // Two accounts: 1 000 ₽ on the first, the rest of 2 500 ₽ on the second.
    const form = page.getByRole("group", { name: "Лицевые счета организации" });
    const boxes = form.getByRole("checkbox");
    await expect.poll(() => boxes.count()).toBeGreaterThan(2);
    await boxes.nth(0).check();
    // By keyboard: the second account is ticked with the space bar.
    await boxes.nth(1).focus();
    await page.keyboard.press("Space");
    expect(await boxes.nth(1).isChecked()).toBe(true);
    await form.getByRole("textbox").first().fill("1000");
    await page.getByLabel("Общая сумма, ₽").fill("2500");
    await expect.poll(() => page.getByText(/Выбрано счетов: 2 · Итого к оплате: 2\s500\s₽/).count()).toBe(1);
    await page.getByRole("button", { name: "Выставить счёт" }).click();
    const done = page.getByText(/Счёт № СЧ-\d{4}-\d{6} на 2\s500\s₽ выставлен/);
    await expect.poll(() => done.count()).toBe(1);
    const number = /СЧ-\d{4}-\d{6}/.exec(await done.innerText())?.[0] as string;

    // The new invoice in the list, with its QR shown for a phone's banking app.
    const row = page.getByRole("listitem").filter({ hasText: `№ ${number}` });
    await expect.poll(() => row.getByText("Выставлен").count()).toBe(1);
    const qr = row.getByRole("img", { name: new RegExp(`QR-код для оплаты счёта № ${number}`) });
    await expect.poll(() => qr.isVisible()).toBe(true);
    const box = await qr.boundingBox();
    expect(box?.width).toBeGreaterThan(150);
    const wide = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(wide).toBeLessThanOrEqual(0);

    // The API's payload of this invoice, to compare with what the PDF's QR says.
    // Asked from the page (Node does not resolve *.localhost; the browser does, with the session's cookie).
    const invoice = await page.evaluate(async (no) => {
      const res = await fetch(`/api/v1/business/organisations/org-demo-veter/invoices?limit=5`);
      const body = (await res.json()) as { items: { number: string; qrPayload: string; totalKop: number }[] };
      return body.items.find((i) => i.number === no);
    }, number);
    expect(invoice?.totalKop).toBe(2_500_00);

    const [download] = await Promise.all([
      page.waitForEvent("download"),
      row.getByRole("link", { name: `Скачать PDF счёта № ${number}` }).click(),
    ]);
    const path = join(dir, download.suggestedFilename());
    await download.saveAs(path);
    expect(download.suggestedFilename()).toMatch(/^invoice-SCH-\d{4}-\d{6}\.pdf$/);
    const text = execFileSync("pdftotext", ["-layout", path, "-"]).toString("utf8").replace(/\s+/g, " ");
    expect(text).toContain(`Счёт на оплату № ${number}`);
    expect(text).toContain("1 000,00");
    expect(text).toContain("1 500,00");
    expect(text).toContain("Всего к оплате: 2 500,00");
    expect(text).toContain("В том числе НДС (22%): 450,82");
    // The QR image in the PDF, as a phone's camera would read it.
    execFileSync("pdfimages", ["-png", path, join(dir, "img")]);
    const images = (await readdir(dir)).filter((f) => f.startsWith("img") && f.endsWith(".png"));
    expect(images).toHaveLength(1);
    const png = PNG.sync.read(await readFile(join(dir, images[0] as string)));
    expect(jsQR(new Uint8ClampedArray(png.data), png.width, png.height)?.data).toBe(invoice?.qrPayload);

    // The QR hides again by keyboard.
    await row.getByRole("button", { name: "Скрыть QR" }).focus();
    await page.keyboard.press("Enter");
    await expect.poll(() => qr.count()).toBe(0);
    await context.close();
  });
});
