/**
 * Issue 24's «Done when», end to end through HTTP in workerd: the business administrator issues an invoice for two
 * accounts in two regions whose PDF carries a payment QR a banking app reads; an operator imports a statement with
 * that invoice's payment twice (the same file again, then an overlapping statement) and each account is credited
 * its share once; the administrator downloads last month's УПД (PDF and the ФНС XML 5.03); the акт сверки of the
 * payment's days shows the payment once per account and closes at the ledger's balance.
 */
import { env } from "cloudflare:workers";
import { XMLParser } from "fast-xml-parser";
import { unzlibSync } from "fflate";
import jsQR from "jsqr";
import { PDFDocument, PDFName, PDFRawStream } from "pdf-lib";
import { describe, expect, it } from "vitest";
import { OPERATOR } from "../../worker/data/operator.data";
import { encodeWindows1251 } from "../../worker/features/bank/bank.decode";
import { parseGostPayload } from "../../worker/features/business/invoices.rules";
import { shardBindings, shardDatabase } from "../../worker/platform/db";
import { addDays, localDay } from "../../worker/platform/region";
import { statementText } from "./bank.fixture";
import { pdfText, xlsxCells } from "./doc-text";
import { api, call, json, login } from "./helpers";

const VETER = "org-demo-veter";
const ORG = `/business/organisations/${VETER}`;

type OrgAccount = { accountNo: string; region: string; balanceKop: number };
type Invoice = {
  id: string;
  number: string;
  totalKop: number;
  paidKop: number;
  status: string;
  purpose: string;
  qrPayload: string;
  lines: { accountNo: string; region: string; amountKop: number }[];
};
type ImportResult = { documents: number; incoming: number; newLines: number; lines: { credited: number; queued: number; pending: number } };
type ClosingDoc = {
  id: string;
  kind: string;
  number: string;
  period: string;
  status: string;
  pdfUrl: string | null;
  xmlUrl: string | null;
};
type Act = {
  id: string;
  status: string;
  totals: { openingKop: number; debitKop: number; creditKop: number; closingKop: number } | null;
  pdfUrl: string | null;
  xlsxUrl: string | null;
};

const today = localDay("Europe/Moscow");
const dmy = (day: string) => day.split("-").reverse().join(".");
const lastMonth = addDays(`${today.slice(0, 8)}01`, -1).slice(0, 7);

/** Every account of the organisation the caller sees, page by page. */
async function orgAccounts(cookie: string): Promise<OrgAccount[]> {
  const all: OrgAccount[] = [];
  let cursor: string | null = null;
  do {
    const page: { items: OrgAccount[]; nextCursor: string | null } = await json(
      await api(cookie, `${ORG}/accounts?limit=100${cursor ? `&cursor=${cursor}` : ""}`),
    );
    all.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return all;
}

/** The one image of a PDF as RGBA pixels (pdf-lib keeps an embedded PNG as Flate-compressed RGB). */
async function pdfImage(bytes: Uint8Array) {
  const doc = await PDFDocument.load(bytes);
  const images = [...doc.context.enumerateIndirectObjects()]
    .map(([, obj]) => obj)
    .filter((obj): obj is PDFRawStream => obj instanceof PDFRawStream && obj.dict.get(PDFName.of("Subtype")) === PDFName.of("Image"));
  expect(images).toHaveLength(1);
  const img = images[0] as PDFRawStream;
  const width = Number(img.dict.get(PDFName.of("Width"))?.toString());
  const height = Number(img.dict.get(PDFName.of("Height"))?.toString());
  const raw = unzlibSync(img.getContents());
  const channels = raw.length / (width * height);
  const rgba = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    const [r, g, b] = channels === 1 ? [raw[i], raw[i], raw[i]] : [raw[i * 3], raw[i * 3 + 1], raw[i * 3 + 2]];
    rgba.set([r ?? 0, g ?? 0, b ?? 0, 255], i * 4);
  }
  return { width, height, rgba };
}

/** What the ledgers of every shard hold of bank payments to an account: entries and their sum. */
async function bankCredits(accountNo: string): Promise<{ entries: number; sumKop: number }> {
  let entries = 0;
  let sumKop = 0;
  for (const binding of shardBindings(env)) {
    const row = await (shardDatabase(env, binding) as D1Database)
      .prepare(
        "SELECT count(*) AS n, coalesce(sum(amount_kop), 0) AS s FROM ledger_entries WHERE account_no = ? AND kind = 'payment' AND idempotency_key LIKE 'bank:%'",
      )
      .bind(accountNo)
      .first<{ n: number; s: number }>();
    entries += row?.n ?? 0;
    sumKop += row?.s ?? 0;
  }
  return { entries, sumKop };
}

/** The ledger's own balance of an account through a day (inclusive), over every shard. */
async function ledgerThrough(accountNo: string, day: string): Promise<number> {
  let sum = 0;
  for (const binding of shardBindings(env)) {
    const row = await (shardDatabase(env, binding) as D1Database)
      .prepare("SELECT coalesce(sum(amount_kop), 0) AS s FROM ledger_entries WHERE account_no = ? AND local_day <= ?")
      .bind(accountNo, day)
      .first<{ s: number }>();
    sum += row?.s ?? 0;
  }
  return sum;
}

function upload(body: Uint8Array) {
  return call(null, "/ops/v1/bank-statements?lang=ru", {
    method: "POST",
    headers: { "content-type": "text/plain", authorization: `Bearer ${env.OPERATOR_TOKEN}` },
    body,
  });
}

async function until<T>(what: string, get: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await get();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not in ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

describe("issue 24, done when: an invoice paid through the bank, last month's УПД and the акт сверки", () => {
  it("the administrator's invoice for two regions is paid once by a statement imported three times, and the documents agree", {
    timeout: 180_000,
  }, async () => {
    const admin = await login("biz.admin");
    const before = await orgAccounts(admin);
    const msk = before.find((a) => a.region === "msk") as OrgAccount;
    const spb = before.find((a) => a.region === "spb") as OrgAccount;
    expect(msk && spb).toBeTruthy();

    // 1. The invoice: 1 234,56 ₽ on the Moscow account, 2 345,67 ₽ on the St Petersburg one.
    const issued = await api(admin, `${ORG}/invoices`, {
      method: "POST",
      headers: { "idempotency-key": `flow-${Date.now()}` },
      body: JSON.stringify({
        lines: [
          { accountNo: msk.accountNo, amountKop: 1_234_56 },
          { accountNo: spb.accountNo, amountKop: 2_345_67 },
        ],
      }),
    });
    expect(issued.status).toBe(201);
    const inv = await json<Invoice>(issued);
    expect(inv).toMatchObject({ totalKop: 3_580_23, paidKop: 0, status: "issued" });
    expect(inv.lines.map((l) => [l.accountNo, l.region])).toEqual([
      [msk.accountNo, "msk"],
      [spb.accountNo, "spb"],
    ]);

    // Its PDF's QR, read from the image as a banking app's camera would, is the ГОСТ Р 56042-2014 payload.
    const pdf = await api(admin, `${ORG}/invoices/${inv.id}/pdf`);
    expect(pdf.status).toBe(200);
    expect(pdf.headers.get("content-type")).toBe("application/pdf");
    const pdfBytes = new Uint8Array(await pdf.arrayBuffer());
    const img = await pdfImage(pdfBytes);
    const scanned = jsQR(img.rgba, img.width, img.height)?.data ?? "";
    expect(scanned).toBe(inv.qrPayload);
    const qr = parseGostPayload(scanned);
    expect(qr?.version).toBe("0001");
    expect(qr?.fields).toMatchObject({
      Name: OPERATOR.name,
      PersonalAcc: OPERATOR.bank.settlementAccount,
      BIC: OPERATOR.bank.bik,
      CorrespAcc: OPERATOR.bank.correspondentAccount,
      PayeeINN: OPERATOR.inn,
      Sum: "358023",
      Purpose: inv.purpose,
    });
    expect(qr?.fields.Purpose).toContain(inv.number);
    expect((await pdfText(pdfBytes)).flat().join(" ").replace(/\s+/g, " ")).toContain(`Счёт на оплату № ${inv.number}`);

    // 2. The company's bank pays by the QR; the operator imports the bank's statement (Windows-1251) twice, then an
    // overlapping statement of the next day with the same payment and another one.
    const order = `${Date.now() % 100_000}`;
    const payment = {
      number: order,
      date: dmy(today),
      sum: (Number(qr?.fields.Sum) / 100).toFixed(2),
      payerInn: "7704123450",
      payerName: "ООО «Северный ветер»",
      purpose: qr?.fields.Purpose ?? "",
    };
    const other = { number: `${Number(order) + 1}`, date: dmy(today), sum: "10.00", purpose: "За связь, без счёта и лицевого счёта" };
    const file = encodeWindows1251(statementText([payment]));
    const results: ImportResult[] = [];
    for (const body of [file, file, encodeWindows1251(statementText([other, payment]))]) {
      const res = await upload(body);
      expect(res.status).toBe(200);
      results.push(await json<ImportResult>(res));
    }
    expect(results.map((r) => [r.incoming, r.newLines, r.lines.credited])).toEqual([
      [1, 1, 1],
      [1, 0, 1],
      [2, 1, 1],
    ]);
    // Each account credited exactly its share, once; the invoice paid.
    expect(await bankCredits(msk.accountNo)).toEqual({ entries: 1, sumKop: 1_234_56 });
    expect(await bankCredits(spb.accountNo)).toEqual({ entries: 1, sumKop: 2_345_67 });
    expect(await json<Invoice>(await api(admin, `${ORG}/invoices/${inv.id}`))).toMatchObject({ status: "paid", paidKop: 3_580_23 });
    // The administrator's accounts list shows the balances moved by the shares.
    const after = await orgAccounts(admin);
    expect(after.find((a) => a.accountNo === msk.accountNo)?.balanceKop).toBe(msk.balanceKop + 1_234_56);
    expect(after.find((a) => a.accountNo === spb.accountNo)?.balanceKop).toBe(spb.balanceKop + 2_345_67);

    // 3. Last month's УПД, made through the operators' route (as the monthly job's queue message), downloaded.
    const asked = await call(null, `${"/ops/v1"}${ORG}/documents/closing/${lastMonth}`, {
      method: "POST",
      headers: { authorization: `Bearer ${env.OPERATOR_TOKEN}` },
    });
    expect(asked.status).toBe(202);
    const upd = await until("last month's УПД", async () => {
      const list = await json<{ items: ClosingDoc[] }>(await api(admin, `${ORG}/documents/closing`));
      return list.items.find((d) => d.period === lastMonth && d.kind === "upd" && d.status === "ready");
    });
    expect(upd.number).toMatch(/^УПД-\d{4}-\d{6}$/);
    const updPdf = await api(admin, (upd.pdfUrl ?? "").replace("/api/v1", ""));
    expect(updPdf.status).toBe(200);
    expect(updPdf.headers.get("content-type")).toBe("application/pdf");
    const updText = (await pdfText(new Uint8Array(await updPdf.arrayBuffer()))).flat().join(" ");
    expect(updText).toContain(upd.number);
    expect(updText).toContain("ООО «Северный ветер»");
    const updXml = await api(admin, (upd.xmlUrl ?? "").replace("/api/v1", ""));
    expect(updXml.status).toBe(200);
    expect(updXml.headers.get("content-type")).toContain("xml");
    const xmlText = new TextDecoder("windows-1251").decode(await updXml.arrayBuffer());
    expect(xmlText).toMatch(/^<\?xml version="1\.0" encoding="windows-1251"\?>/i);
    const xml = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: "@" }).parse(xmlText);
    expect(Object.keys(xml).filter((k) => k !== "?xml")).toEqual(["Файл"]);
    expect(xml.Файл["@ВерсФорм"]).toBe("5.03");
    expect(xml.Файл.Документ["@Функция"]).toBe("СЧФДОП");
    expect(xml.Файл.Документ.СвСчФакт["@НомерДок"]).toBe(upd.number);

    // 4. The акт сверки of this month up to today, for the two accounts: the payment once per account, and the
    // closing balance the ledger's.
    const from = `${today.slice(0, 8)}01`;
    const ordered = await api(admin, `${ORG}/reconciliations`, {
      method: "POST",
      body: JSON.stringify({ from, to: today, accounts: [msk.accountNo, spb.accountNo] }),
    });
    expect(ordered.status).toBe(202);
    const { id } = await json<{ id: string }>(ordered);
    const act = await until("the акт сверки", async () => {
      const a = await json<Act>(await api(admin, `${ORG}/reconciliations/${id}`));
      return a.status === "ready" || a.status === "failed" ? a : undefined;
    });
    expect(act.status).toBe("ready");
    const closing = (await ledgerThrough(msk.accountNo, today)) + (await ledgerThrough(spb.accountNo, today));
    expect(act.totals?.closingKop).toBe(closing);
    expect(act.totals?.creditKop).toBeGreaterThanOrEqual(3_580_23);

    const xlsx = await api(admin, (act.xlsxUrl ?? "").replace("/api/v1", ""));
    expect(xlsx.status).toBe(200);
    const sheet = xlsxCells(new Uint8Array(await xlsx.arrayBuffer())).get("Акт сверки") as Map<string, string | number>;
    expect(sheet).toBeDefined();
    // Rows: A account, B region, C date, D document, E text, F debit, G credit (roubles).
    const rows = [...sheet.keys()].filter((ref) => ref.startsWith("A") && ref !== "A1").map((ref) => Number(ref.slice(1)));
    const paid = rows
      .filter((r) => String(sheet.get(`E${r}`) ?? "").includes(`№ ${order} от ${dmy(today)}`))
      .map((r) => [sheet.get(`A${r}`), sheet.get(`C${r}`), sheet.get(`D${r}`), Math.round(Number(sheet.get(`G${r}`)) * 100)]);
    // The «Документ» column names the bank's payment order, as the company's own books have it.
    expect(paid).toEqual([
      [msk.accountNo, dmy(today), `п/п № ${order}`, 1_234_56],
      [spb.accountNo, dmy(today), `п/п № ${order}`, 2_345_67],
    ]);
    const actPdf = await api(admin, (act.pdfUrl ?? "").replace("/api/v1", ""));
    expect(actPdf.status).toBe(200);
    const actText = (await pdfText(new Uint8Array(await actPdf.arrayBuffer()))).flat().join("\n");
    // The printed act names the bank's payment order in its «Документ» column, once per account.
    expect(actText.split("\n").filter((p) => p === `п/п № ${order}`)).toHaveLength(2);
  });
});
