/**
 * Issue 24's «Done when» in a real browser: the business administrator issues an invoice for a Moscow and a St
 * Petersburg account in «Документы», sees its payment QR and downloads its PDF (the QR in it decodes to the same
 * payload); an operator imports the bank's statement with that payment twice, then an overlapping one, with the CLI
 * (there is no operators' screen for imports); the administrator then sees each account's balance moved by its
 * share once, downloads last month's УПД (PDF and XML) from «Закрывающие документы» and orders the акт сверки
 * of the payment's days, which lists the payment once per account.
 */
import { execFile, execFileSync } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { XMLParser } from "fast-xml-parser";
import jsQR from "jsqr";
import type { Browser, Page } from "playwright-core";
import { PNG } from "pngjs";
import { fetch as nodeFetch } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensurePdftotext } from "../../scripts/chromium.mts";
import { encodeWindows1251 } from "../../worker/features/bank/bank.decode";
import { makeAccountNo } from "../../worker/platform/ids";
import { statementText } from "../worker/bank.fixture";
import { launch, login, newContext, site } from "./browser";
import { localhostAgent } from "./http";

const run = promisify(execFile);
const ROOT = new URL("../..", import.meta.url).pathname;
const ORG = "org-demo-veter";
/** «Северный ветер»'s fifth Moscow account (Офис на Профсоюзной). */
const MSK_UNTOUCHED = makeAccountNo("20190000005");
const PHONE = { viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true };

let browser: Browser;
let dir: string;
beforeAll(async () => {
  ensurePdftotext();
  browser = await launch();
  dir = await mkdtemp(join(tmpdir(), "kabinet-docs-flow-"));
});
afterAll(async () => {
  await browser?.close();
  await rm(dir, { recursive: true, force: true });
});

/** The operators' CLI against this run's Worker. */
async function cli(...args: string[]): Promise<string> {
  const { stdout } = await run(join(ROOT, "node_modules/.bin/tsx"), [join(ROOT, "scripts/bank-import.mts"), ...args], {
    env: { ...process.env, KABINET_URL: site(null, "").replace(/\/$/, ""), LANG_KABINET: "ru" },
  });
  return stdout;
}

const moscowDay = () => new Intl.DateTimeFormat("en-CA", { timeZone: "Europe/Moscow" }).format(new Date());
const dmy = (day: string) => day.split("-").reverse().join(".");
const squash = (s: string) => s.replace(/\s+/g, " ");
/** Roubles as the screens print them, spaces normalised. */
const rub = (kop: number) => {
  const whole = String(Math.floor(Math.abs(kop) / 100)).replace(/\B(?=(\d{3})+(?!\d))/g, " ");
  return `${kop < 0 ? "-" : ""}${whole}${kop % 100 === 0 ? "" : `,${String(Math.abs(kop) % 100).padStart(2, "0")}`} ₽`;
};

/** The organisation's accounts with their balances, asked from the page (with the session's cookie). */
function balances(page: Page, nos: string[]) {
  return page.evaluate(async (wanted) => {
    const out: Record<string, number> = {};
    let cursor: string | null = null;
    do {
      const res = await fetch(`/api/v1/business/organisations/org-demo-veter/accounts?limit=100${cursor ? `&cursor=${cursor}` : ""}`);
      const body = (await res.json()) as { items: { accountNo: string; balanceKop: number }[]; nextCursor: string | null };
      for (const a of body.items) if (wanted.includes(a.accountNo)) out[a.accountNo] = a.balanceKop;
      cursor = body.nextCursor;
    } while (cursor);
    return out;
  }, nos);
}

async function download(page: Page, link: ReturnType<Page["getByRole"]>, name: string) {
  const [file] = await Promise.all([page.waitForEvent("download"), link.click()]);
  const path = join(dir, `${name}-${file.suggestedFilename()}`);
  await file.saveAs(path);
  return { path, suggested: file.suggestedFilename() };
}

describe("issue 24, done when, in Chromium", () => {
  it("invoice with a QR → statement imported three times → paid once → last month's УПД and the акт сверки", {
    timeout: 240_000,
  }, async () => {
    const context = await newContext(browser, { ...PHONE, acceptDownloads: true });
    const page = await context.newPage();
    await login(page, "biz.admin");
    await page.goto(site("msk", `/business/${ORG}`));
    const sections = page.getByRole("navigation", { name: "Разделы корпоративного кабинета" });
    await sections.getByRole("link", { name: "Документы" }).click();
    await page.waitForURL(site("msk", `/business/${ORG}/documents`));

    // 1. The invoice: 1 000 ₽ on a Moscow account, the rest of 2 500 ₽ on a St Petersburg one.
    const form = page.getByRole("group", { name: "Лицевые счета организации" });
    const msk = form.getByRole("checkbox", { name: /^[\d ]+, msk\b/ });
    const spb = form.getByRole("checkbox", { name: /^[\d ]+, spb\b/ });
    await expect.poll(() => msk.count()).toBeGreaterThan(2);
    // The first page is Moscow's: more pages until a St Petersburg account shows.
    for (let pages = 0; (await spb.count()) === 0 && pages < 3; pages++) {
      const shown = await form.getByRole("checkbox").count();
      await page.getByRole("button", { name: "Показать ещё счета" }).click();
      await expect.poll(() => form.getByRole("checkbox").count()).toBeGreaterThan(shown);
    }
    // A Moscow account no other file pays into while this one runs (business-pay tops up the first and the last
    // account, business-story the first of «Салон на Арбате», the third): the balance moves by the share alone.
    const mskBox = form.getByRole("checkbox", { name: new RegExp(`^${[...MSK_UNTOUCHED].join("\\s?")}, msk\\b`) });
    const spbBox = spb.first();
    /** The account number its label starts with («2019 0000 0001 3, msk …»). */
    const numberOf = async (box: typeof mskBox) =>
      (await box.evaluate((el: HTMLInputElement) => el.labels?.[0]?.textContent ?? "")).split(",")[0]?.replace(/\s/g, "") ?? "";
    const mskNo = await numberOf(mskBox);
    const spbNo = await numberOf(spbBox);
    expect(mskNo).toBe(MSK_UNTOUCHED);
    expect(spbNo).toMatch(/^\d{12}$/);
    await mskBox.check();
    await spbBox.check();
    await page.getByLabel(`Сумма для лицевого счёта ${mskNo.replace(/(\d{4})(?=\d)/g, "$1 ")}, ₽`).fill("1000");
    await page.getByLabel("Общая сумма, ₽").fill("2500");
    await page.getByRole("button", { name: "Выставить счёт" }).click();
    const done = page.getByText(/Счёт № СЧ-\d{4}-\d{6} на 2\s500\s₽ выставлен/);
    await expect.poll(() => done.count()).toBe(1);
    const number = /СЧ-\d{4}-\d{6}/.exec(await done.innerText())?.[0] as string;
    const row = page.getByRole("listitem").filter({ hasText: `№ ${number}` });
    await expect.poll(() => row.getByText("Выставлен").count()).toBe(1);
    const qr = row.getByRole("img", { name: new RegExp(`QR-код для оплаты счёта № ${number}`) });
    await expect.poll(() => qr.isVisible()).toBe(true);

    const invoice = await page.evaluate(async (no) => {
      const res = await fetch("/api/v1/business/organisations/org-demo-veter/invoices?limit=5");
      const body = (await res.json()) as {
        items: {
          id: string;
          number: string;
          qrPayload: string;
          purpose: string;
          totalKop: number;
          lines: { accountNo: string; amountKop: number }[];
        }[];
      };
      return body.items.find((i) => i.number === no);
    }, number);
    expect(invoice?.lines.map((l) => [l.accountNo, l.amountKop])).toEqual([
      [mskNo, 1_000_00],
      [spbNo, 1_500_00],
    ]);
    const pdf = await download(page, row.getByRole("link", { name: `Скачать PDF счёта № ${number}` }), "invoice");
    expect(squash(execFileSync("pdftotext", ["-layout", pdf.path, "-"]).toString("utf8"))).toContain(`Счёт на оплату № ${number}`);
    execFileSync("pdfimages", ["-png", pdf.path, join(dir, "qr")]);
    const [image] = (await readdir(dir)).filter((f) => f.startsWith("qr") && f.endsWith(".png"));
    const png = PNG.sync.read(await readFile(join(dir, image as string)));
    const scanned = jsQR(new Uint8ClampedArray(png.data), png.width, png.height)?.data ?? "";
    expect(scanned).toBe(invoice?.qrPayload);
    // ГОСТ Р 56042-2014: ST00012, then Name=value pairs separated by «|».
    const fields = Object.fromEntries(
      scanned
        .split("|")
        .slice(1)
        .map((f) => [f.slice(0, f.indexOf("=")), f.slice(f.indexOf("=") + 1)]),
    );
    expect(scanned.startsWith("ST00012|")).toBe(true);
    expect(fields).toMatchObject({ PersonalAcc: "40702810200000012345", PayeeINN: "7707123458", Sum: "250000" });
    expect(fields.Purpose).toContain(number);

    const before = await balances(page, [mskNo, spbNo]);

    // 2. The operator imports the bank's statement (Windows-1251, as banks export it) twice, then an overlapping
    // statement that has the same payment order and another one.
    const today = moscowDay();
    const order = `${Date.now() % 100_000}`;
    const payment = {
      number: order,
      date: dmy(today),
      sum: "2500.00",
      payerInn: "7704123450",
      purpose: fields.Purpose ?? "",
    };
    const other = { number: `${Number(order) + 1}`, date: dmy(today), sum: "15.00", purpose: "За связь, без счёта" };
    const first = join(dir, "kl_to_1c.txt");
    const second = join(dir, "kl_to_1c-next.txt");
    await writeFile(first, encodeWindows1251(statementText([payment])));
    await writeFile(second, encodeWindows1251(statementText([other, payment])));
    expect(await cli(first)).toContain("входящих 1 (новых 1); зачислено 1, ждут разноски 0");
    expect(await cli(first)).toContain("входящих 1 (новых 0); зачислено 1, ждут разноски 0");
    expect(await cli(second)).toContain("входящих 2 (новых 1); зачислено 1, ждут разноски 1");

    // 3. In the browser: the invoice paid, each account's balance moved by its share once.
    await page.reload();
    await expect
      .poll(() =>
        page
          .getByRole("listitem")
          .filter({ hasText: `№ ${number}` })
          .getByText("Оплачен")
          .count(),
      )
      .toBe(1);
    await sections.getByRole("link", { name: "Лицевые счета" }).click();
    for (const [no, share] of [
      [mskNo, 1_000_00],
      [spbNo, 1_500_00],
    ] as const) {
      await page.getByRole("searchbox", { name: "Поиск" }).fill(no);
      await page.getByRole("button", { name: "Найти" }).click();
      const line = page.getByRole("row").filter({ has: page.getByRole("rowheader", { name: no.replace(/(\d{4})(?=\d)/g, "$1 ") }) });
      await expect.poll(() => line.count()).toBe(1);
      // The balance cell (after region, address and status): moved by the share once, not twice.
      await expect.poll(async () => squash(await line.getByRole("cell").nth(3).innerText())).toBe(rub((before[no] ?? 0) + share));
    }

    // 4. Last month's УПД: made by the operators' route (what the monthly job queues), listed and downloaded.
    const lastMonth = new Date(Date.UTC(Number(today.slice(0, 4)), Number(today.slice(5, 7)) - 2, 1)).toISOString().slice(0, 7);
    const asked = await nodeFetch(site(null, `/ops/v1/business/organisations/${ORG}/documents/closing/${lastMonth}`), {
      method: "POST",
      headers: { authorization: "Bearer dev-only-operator-token" },
      dispatcher: localhostAgent,
    });
    expect(asked.status).toBe(202);
    let updNumber = "";
    for (const deadline = Date.now() + 60_000; !updNumber && Date.now() < deadline; ) {
      const list = await page.evaluate(async () => {
        const res = await fetch("/api/v1/business/organisations/org-demo-veter/documents/closing");
        return ((await res.json()) as { items: { number: string; kind: string; period: string; status: string }[] }).items;
      });
      updNumber = list.find((d) => d.period === lastMonth && d.kind === "upd" && d.status === "ready")?.number ?? "";
      if (!updNumber) await page.waitForTimeout(300);
    }
    expect(updNumber).toMatch(/^УПД-\d{4}-\d{6}$/);
    await sections.getByRole("link", { name: "Документы" }).click();
    await page.getByRole("link", { name: /^Закрывающие документы/ }).click();
    await page.waitForURL(site("msk", `/business/${ORG}/documents/closing`));
    const updPdf = page.getByRole("link", { name: `Скачать PDF документа ${updNumber}` });
    await expect.poll(() => updPdf.count()).toBe(1);
    const gotPdf = await download(page, updPdf, "upd");
    expect(gotPdf.suggested).toMatch(/\.pdf$/);
    const updText = squash(execFileSync("pdftotext", ["-layout", gotPdf.path, "-"]).toString("utf8"));
    expect(updText).toContain(updNumber);
    expect(updText).toContain("ООО «Северный ветер»");
    const gotXml = await download(page, page.getByRole("link", { name: `Скачать XML документа ${updNumber} для ЭДО` }), "upd");
    expect(gotXml.suggested).toMatch(/\.xml$/);
    const xmlText = new TextDecoder("windows-1251").decode(await readFile(gotXml.path));
    const xml = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: "@" }).parse(xmlText);
    expect(Object.keys(xml).filter((k) => k !== "?xml")).toEqual(["Файл"]);
    expect(xml.Файл["@ВерсФорм"]).toBe("5.03");
    expect(xml.Файл.Документ.СвСчФакт["@НомерДок"]).toBe(updNumber);

    // 5. The акт сверки from the first of this month to today, for all the accounts: the payment once per account.
    await page.goto(site("msk", `/business/${ORG}/documents`));
    await page.getByRole("link", { name: "Акт сверки" }).click();
    await page.waitForURL(site("msk", `/business/${ORG}/documents/reconciliation`));
    await page.getByLabel("С", { exact: true }).fill(`${today.slice(0, 8)}01`);
    await page.getByLabel("По", { exact: true }).fill(today);
    await page.getByRole("button", { name: "Сформировать акт" }).click();
    await expect.poll(() => page.getByRole("heading", { name: "Акт сверки готов" }).count(), { timeout: 90_000 }).toBe(1);
    const act = await download(page, page.getByRole("link", { name: "Скачать PDF" }), "act");
    const actText = execFileSync("pdftotext", ["-layout", act.path, "-"]).toString("utf8");
    expect(actText.match(new RegExp(`п/п № ${order}\\b`, "g"))).toHaveLength(2);
    await context.close();
  });
});
