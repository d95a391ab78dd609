/**
 * Issue 24, invoices for payment (счета на оплату): issued by administrators and accountants for the organisation's
 * accounts within their scope, numbered from a sequence that never repeats or skips, split to the kopeck, with the
 * VAT and a payment QR (ГОСТ Р 56042-2014) that decodes from the PDF's image to the API's payload.
 */
import { env } from "cloudflare:workers";
import { unzlibSync } from "fflate";
import jsQR from "jsqr";
import { decodePDFRawStream, type PDFDict, PDFDocument, PDFName, PDFRawStream, PDFRef } from "pdf-lib";
import { beforeAll, describe, expect, it } from "vitest";
import { parseGostPayload, splitEvenly } from "../../worker/features/business/invoices.rules";
import { issueInvoice } from "../../worker/features/business/invoices.service";
import { cleanExpired, INVOICE_REQUEST_RETENTION_MS } from "../../worker/features/housekeeping/housekeeping.service";
import { createDataAccess } from "../../worker/platform/db";
import { vatIncludedKop } from "../../worker/platform/vat";
import { api, json, login } from "./helpers";

const VETER = "org-demo-veter";
const SMIRNOV = "org-demo-smirnov";
const BASE = `/business/organisations/${VETER}/invoices`;

type Invoice = {
  id: string;
  number: string;
  date: string;
  totalKop: number;
  vatKop: number;
  paidKop: number;
  status: string;
  lines: { accountNo: string; region: string; amountKop: number }[];
  purpose: string;
  qrPayload: string;
};
type Problem = { type: string; title: string; detail?: string; errors?: { field: string; message: string }[] };

let keySeq = 0;
const key = () => `test-key-${Date.now()}-${++keySeq}`;

function issue(cookie: string, body: unknown, idempotencyKey = key(), org = VETER, lang = "ru") {
  return api(cookie, `/business/organisations/${org}/invoices?lang=${lang}`, {
    method: "POST",
    headers: { "idempotency-key": idempotencyKey },
    body: JSON.stringify(body),
  });
}

let admin: string;
let accountant: string;
let accounts: string[];

beforeAll(async () => {
  admin = await login("biz.admin");
  accountant = await login("biz.accountant");
  const page = await json<{ items: { accountNo: string }[] }>(await api(admin, `/business/organisations/${VETER}/accounts?limit=100`));
  accounts = page.items.map((a) => a.accountNo);
});

/** Every image XObject of a PDF as RGBA pixels (pdf-lib keeps an embedded PNG as Flate-compressed RGB). */
async function pdfImages(bytes: Uint8Array) {
  const doc = await PDFDocument.load(bytes);
  const out: { width: number; height: number; rgba: Uint8ClampedArray }[] = [];
  for (const [, obj] of doc.context.enumerateIndirectObjects()) {
    if (!(obj instanceof PDFRawStream) || obj.dict.get(PDFName.of("Subtype")) !== PDFName.of("Image")) continue;
    const width = Number(obj.dict.get(PDFName.of("Width"))?.toString());
    const height = Number(obj.dict.get(PDFName.of("Height"))?.toString());
    const rgb = unzlibSync(obj.getContents());
    const channels = rgb.length / (width * height);
    const rgba = new Uint8ClampedArray(width * height * 4);
    for (let i = 0; i < width * height; i++) {
      const v = channels === 1 ? [rgb[i], rgb[i], rgb[i]] : [rgb[i * 3], rgb[i * 3 + 1], rgb[i * 3 + 2]];
      rgba.set([v[0] ?? 0, v[1] ?? 0, v[2] ?? 0, 255], i * 4);
    }
    out.push({ width, height, rgba });
  }
  return out;
}

/** A PDF's text as a reader extracts it: each `<…> Tj` string through its font's ToUnicode map. */
async function pdfText(bytes: Uint8Array): Promise<string> {
  const doc = await PDFDocument.load(bytes);
  const lookup = (v: unknown) => (v instanceof PDFRef ? doc.context.lookup(v) : v);
  const hex = (h: string) => String.fromCodePoint(...(h.match(/.{4}/g) ?? []).map((u) => Number.parseInt(u, 16)));
  let text = "";
  for (const page of doc.getPages()) {
    const fonts = new Map<string, Map<string, string>>();
    const fontDict = lookup(page.node.Resources()?.get(PDFName.of("Font"))) as PDFDict;
    for (const [name, ref] of fontDict.entries()) {
      const font = lookup(ref) as PDFDict;
      const cmap = new TextDecoder().decode(decodePDFRawStream(lookup(font.get(PDFName.of("ToUnicode"))) as PDFRawStream).decode());
      const map = new Map<string, string>();
      for (const [, from, to] of cmap.matchAll(/<([0-9A-F]{4})> <([0-9A-F]+)>/gi))
        map.set((from as string).toUpperCase(), hex(to as string));
      for (const [, lo, hi, to] of cmap.matchAll(/<([0-9A-F]{4})> <([0-9A-F]{4})> <([0-9A-F]+)>/gi)) {
        for (let c = Number.parseInt(lo as string, 16), k = 0; c <= Number.parseInt(hi as string, 16); c++, k++)
          map.set(c.toString(16).toUpperCase().padStart(4, "0"), String.fromCodePoint(Number.parseInt(to as string, 16) + k));
      }
      fonts.set(name.asString(), map);
    }
    const contents = lookup(page.node.get(PDFName.of("Contents")));
    const streams = (Array.isArray((contents as { array?: unknown[] }).array) ? (contents as { array: unknown[] }).array : [contents]).map(
      (s) => new TextDecoder().decode(decodePDFRawStream(lookup(s) as PDFRawStream).decode()),
    );
    let font = new Map<string, string>();
    for (const stream of streams)
      for (const [, tf, tj] of stream.matchAll(/(\/\S+) [\d.]+ Tf|<([0-9A-F]*)> Tj/gi)) {
        if (tf) font = fonts.get(tf) ?? new Map();
        else text += `${(tj?.toUpperCase().match(/.{4}/g) ?? []).map((c) => font.get(c) ?? "?").join("")}\n`;
      }
  }
  return text;
}

describe("issuing an invoice", () => {
  it("issues one invoice for two accounts split to the kopeck, with the VAT, purpose and payment QR, exactly once per key", async () => {
    const k = key();
    const body = { lines: [{ accountNo: accounts[0] }, { accountNo: accounts[1] }], totalKop: 1_000_01 };
    const res = await issue(accountant, body, k);
    expect(res.status).toBe(201);
    const inv = await json<Invoice>(res);
    expect(inv.number).toMatch(/^СЧ-\d{4}-\d{6}$/);
    expect(inv.status).toBe("issued");
    expect(inv.paidKop).toBe(0);
    expect(inv.totalKop).toBe(1_000_01);
    expect(inv.lines.map((l) => l.amountKop)).toEqual([500_01, 500_00]);
    // Issued today, in 2026 or later: VAT 22/122 (425-ФЗ), 100001 × 22 / 122 = 18033.0… → 18033.
    expect(inv.date >= "2026-01-01").toBe(true);
    expect(inv.vatKop).toBe(180_33);
    expect(inv.purpose).toBe(
      `Оплата по счёту № ${inv.number} от ${inv.date.split("-").reverse().join(".")} за услуги связи, в т.ч. НДС 22% 180,33 руб.`,
    );
    const qr = parseGostPayload(inv.qrPayload);
    expect(inv.qrPayload.startsWith("ST00012|")).toBe(true);
    expect(qr?.fields).toMatchObject({ Sum: "100001", Purpose: inv.purpose, PayeeINN: "7707123458", BIC: "044525225" });

    // The same key again (a double click): the same invoice, no second one.
    const again = await issue(accountant, body, k);
    expect(again.status).toBe(200);
    expect((await json<Invoice>(again)).number).toBe(inv.number);
    // The same key for another request: refused.
    const other = await issue(accountant, { ...body, totalKop: 2_000_00 }, k);
    expect(other.status).toBe(409);
    const list = await json<{ items: Invoice[] }>(await api(accountant, BASE));
    expect(list.items.filter((i) => i.number === inv.number)).toHaveLength(1);
    // Audited: who, what, from where.
    const audit = await json<{ items: { action: string; target: string; actor: { name: string }; details: Record<string, unknown> }[] }>(
      await api(admin, `/business/organisations/${VETER}/audit`),
    );
    const entries = audit.items.filter((e) => e.action === "invoice.issued" && e.target === inv.number);
    expect(entries).toHaveLength(1);
    expect(entries[0]?.details).toMatchObject({ totalKop: 1_000_01, vatKop: 180_33, accounts: 2 });
  });

  it("honours an Idempotency-Key for 30 days: housekeeping then deletes the key (issue 20), never the invoice", async () => {
    const k = key();
    const body = { lines: [{ accountNo: accounts[0] }], totalKop: 777_00 };
    const inv = await json<Invoice>(await issue(accountant, body, k));
    const requestOf = () =>
      env.DB.prepare("SELECT count(*) AS n FROM invoice_requests WHERE idempotency_key = ?").bind(k).first<{ n: number }>();
    // 29 days on, it is still the same request.
    await cleanExpired(createDataAccess(env), new Date(Date.now() + 29 * 24 * 3600_000));
    expect((await requestOf())?.n).toBe(1);
    expect((await json<Invoice>(await issue(accountant, body, k))).number).toBe(inv.number);
    // 31 days on, the key is gone; the invoice stays, and is listed.
    await cleanExpired(createDataAccess(env), new Date(Date.now() + INVOICE_REQUEST_RETENTION_MS + 24 * 3600_000));
    expect((await requestOf())?.n).toBe(0);
    const list = await json<{ items: Invoice[] }>(await api(accountant, `${BASE}?limit=100`));
    expect(list.items.filter((i) => i.number === inv.number)).toHaveLength(1);
  });

  it("gives 20 invoices issued at once 20 different numbers in one unbroken run", async () => {
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => issue(i % 2 ? admin : accountant, { lines: [{ accountNo: accounts[2], amountKop: 100 + i }] })),
    );
    expect(results.map((r) => r.status)).toEqual(new Array(20).fill(201));
    const numbers = await Promise.all(results.map(async (r) => (await json<Invoice>(r)).number));
    expect(new Set(numbers).size).toBe(20);
    const seq = numbers.map((n) => Number(n.slice(-6))).sort((a, b) => a - b);
    expect((seq[19] as number) - (seq[0] as number)).toBe(19);
    // Nothing skipped: the sequence stands at the last number given (the seed's invoices an older deployment kept in
    // the global table, and every number taken since, each with its row in invoice_numbers and its invoice at home).
    const row = await env.DB.prepare("SELECT max(last) AS last FROM invoice_counters").first<{ last: number }>();
    const all = await env.DB.prepare("SELECT (SELECT count(*) FROM invoices) + (SELECT count(*) FROM invoice_numbers) AS n").first<{
      n: number;
    }>();
    expect(row?.last).toBe(all?.n);
    const home = await env.DB_MOSCOW.prepare("SELECT count(*) AS n FROM invoices WHERE number IN (SELECT value FROM json_each(?))")
      .bind(JSON.stringify(numbers))
      .first<{ n: number }>();
    expect(home?.n).toBe(20);
  });

  it("splits a total across many accounts so the lines add up to it exactly", async () => {
    const chosen = accounts.slice(0, 7);
    const res = await issue(accountant, { lines: chosen.map((accountNo) => ({ accountNo })), totalKop: 1_000_000_03 });
    expect(res.status).toBe(201);
    const inv = await json<Invoice>(res);
    expect(inv.lines.reduce((s, l) => s + l.amountKop, 0)).toBe(1_000_000_03);
    expect(inv.lines.map((l) => l.amountKop).sort()).toEqual(splitEvenly(1_000_000_03, 7).sort());
    expect(inv.vatKop).toBe(vatIncludedKop(1_000_000_03, 22));
    // Given amounts stay, the rest is shared.
    const mixed = await json<Invoice>(
      await issue(accountant, {
        lines: [{ accountNo: accounts[0], amountKop: 10_00 }, { accountNo: accounts[1] }, { accountNo: accounts[3] }],
        totalKop: 31_01,
      }),
    );
    expect(mixed.lines.find((l) => l.accountNo === accounts[0])?.amountKop).toBe(10_00);
    expect(mixed.lines.reduce((s, l) => s + l.amountKop, 0)).toBe(31_01);
  });
});

describe("who may issue and see invoices", () => {
  it("refuses a viewer and a manager with a 403 naming the role, and answers 404 to a stranger and to another organisation's id", async () => {
    const body = { lines: [{ accountNo: accounts[0], amountKop: 100 }] };
    for (const [who, role] of [
      ["biz.viewer", "наблюдатель"],
      ["biz.manager", "менеджер"],
    ] as const) {
      const cookie = await login(who);
      for (const res of [await issue(cookie, body), await issue(cookie, { nonsense: true }), await api(cookie, BASE)]) {
        expect(res.status, who).toBe(403);
        const problem = await json<Problem>(res);
        expect(problem.detail).toContain(role);
        expect(problem.detail).toContain("администратор или бухгалтер");
      }
    }
    const { items } = await json<{ items: Invoice[] }>(await api(accountant, BASE));
    const some = items[0] as Invoice;
    for (const who of ["petr", "anna"]) {
      const cookie = await login(who);
      for (const res of [
        await issue(cookie, body),
        await issue(cookie, { nonsense: true }),
        await api(cookie, BASE),
        await api(cookie, `${BASE}/${some.id}`),
        await api(cookie, `${BASE}/${some.id}/pdf`),
      ]) {
        expect(res.status, who).toBe(404);
        expect(res.headers.get("content-type")).toContain("problem+json");
      }
    }
    // Petr administers Smirnov: Veter's invoice under his own organisation's id is not found either.
    const petr = await login("petr");
    expect((await api(petr, `/business/organisations/${SMIRNOV}/invoices/${some.id}`)).status).toBe(404);
    expect((await api(petr, `/business/organisations/${SMIRNOV}/invoices/${some.id}/pdf`)).status).toBe(404);
    // The accountant of Veter cannot invoice Smirnov's accounts.
    const smirnovAccounts = await json<{ items: { accountNo: string }[] }>(await api(petr, `/business/organisations/${SMIRNOV}/accounts`));
    const foreign = await issue(accountant, { lines: [{ accountNo: smirnovAccounts.items[0]?.accountNo, amountKop: 100 }] });
    expect(foreign.status).toBe(400);
    expect((await json<Problem>(foreign)).errors?.[0]?.field).toBe("lines");
  });

  it("lets an accountant limited to some accounts invoice only those, and list only invoices of those", async () => {
    // The viewer becomes an accountant of three accounts (no sites).
    const scope = accounts.slice(0, 3);
    expect(scope).toHaveLength(3);
    const promote = (role: string) =>
      api(admin, `/business/organisations/${VETER}/employees/demo-biz-viewer`, {
        method: "PUT",
        body: JSON.stringify({ role, accountNos: scope }),
      });
    expect((await promote("accountant")).status).toBe(204);
    try {
      const limited = await login("biz.viewer");
      const outside = accounts.find((a) => !scope.includes(a)) as string;
      const refused = await issue(limited, {
        lines: [
          { accountNo: scope[0], amountKop: 100 },
          { accountNo: outside, amountKop: 100 },
        ],
      });
      expect(refused.status).toBe(400);
      expect((await json<Problem>(refused)).errors?.[0]).toMatchObject({ field: "lines" });
      const ok = await issue(limited, { lines: [{ accountNo: scope[0] as string, amountKop: 100 }] });
      expect(ok.status).toBe(201);
      const mine = await json<Invoice>(ok);
      const { items } = await json<{ items: Invoice[] }>(await api(limited, `${BASE}?limit=100`));
      expect(items.map((i) => i.id)).toContain(mine.id);
      expect(items.every((i) => i.lines.every((l) => scope.includes(l.accountNo)))).toBe(true);
      // An invoice with an account outside the scope is not theirs to see.
      const wide = await json<Invoice>(await issue(accountant, { lines: [{ accountNo: outside, amountKop: 500 }] }));
      expect((await api(limited, `${BASE}/${wide.id}`)).status).toBe(404);
    } finally {
      expect((await promote("viewer")).status).toBe(204);
    }
  });
});

describe("reading invoices", () => {
  it("reads the list, one invoice and its PDF with global data in one round trip (with the session), pages without repeats", async () => {
    const roundTrips = (res: Response) =>
      Number(/d1-DB;desc="(\d+) round trips?/.exec(res.headers.get("server-timing") ?? "")?.[1] ?? Number.NaN);
    const page1 = await api(accountant, `${BASE}?limit=5`);
    expect(page1.status).toBe(200);
    expect(roundTrips(page1)).toBe(1);
    const first = await json<{ items: Invoice[]; nextCursor: string | null }>(page1);
    expect(first.items).toHaveLength(5);
    expect(first.items.every((i) => i.lines.length > 0)).toBe(true);
    const page2 = await json<{ items: Invoice[] }>(await api(accountant, `${BASE}?limit=5&cursor=${first.nextCursor}`));
    const ids = [...first.items, ...page2.items].map((i) => i.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual([...ids].sort().reverse());
    const one = await api(accountant, `${BASE}/${first.items[0]?.id}`);
    expect(roundTrips(one)).toBe(1);
    expect((await json<Invoice>(one)).lines).toEqual(first.items[0]?.lines);
    expect((await api(accountant, `${BASE}?cursor=not-a-cursor`)).status).toBe(400);
    expect((await api(accountant, `${BASE}/not-an-invoice`)).status).toBe(404);
  });
});

describe("hostile input", () => {
  it("refuses bad amounts, accounts and keys with a 400 problem in the request's language, never a 500", async () => {
    const a = accounts[0] as string;
    const cases: unknown[] = [
      { lines: [{ accountNo: a, amountKop: -100 }] },
      { lines: [{ accountNo: a, amountKop: 0 }] },
      { lines: [{ accountNo: a, amountKop: 10.5 }] },
      { lines: [{ accountNo: a, amountKop: "100" }] },
      { lines: [{ accountNo: a, amountKop: 1e20 }] },
      { lines: [{ accountNo: a, amountKop: Number.MAX_SAFE_INTEGER + 2 }] },
      { lines: [{ accountNo: a }], totalKop: -1 },
      { lines: [{ accountNo: a }] },
      { lines: [{ accountNo: a }, { accountNo: accounts[1] }, { accountNo: accounts[2] }], totalKop: 2 },
      { lines: [{ accountNo: a, amountKop: 100 }], totalKop: 101 },
      {
        lines: [
          { accountNo: a, amountKop: 10_000_000_000 },
          { accountNo: accounts[1], amountKop: 1 },
        ],
      },
      { lines: [] },
      {
        lines: [
          { accountNo: a, amountKop: 100 },
          { accountNo: a, amountKop: 100 },
        ],
      },
      { lines: [{ accountNo: "123", amountKop: 100 }] },
      { lines: [{ accountNo: "'; DROP TABLE invoices; --", amountKop: 100 }] },
      { lines: Array.from({ length: 501 }, () => ({ accountNo: a, amountKop: 1 })) },
      { lines: "all" },
      {},
    ];
    for (const body of cases) {
      const res = await issue(accountant, body);
      expect(res.status, JSON.stringify(body).slice(0, 80)).toBe(400);
      expect(res.headers.get("content-type")).toContain("problem+json");
    }
    const raw = await api(accountant, `${BASE}?lang=ru`, {
      method: "POST",
      headers: { "idempotency-key": key() },
      body: '{"lines":[{"amountKop":1e400',
    });
    expect(raw.status).toBe(400);
    const noKey = await api(accountant, BASE, { method: "POST", body: JSON.stringify({ lines: [{ accountNo: a, amountKop: 100 }] }) });
    expect(noKey.status).toBe(400);
    const badKey = await issue(accountant, { lines: [{ accountNo: a, amountKop: 100 }] }, "x");
    expect((await json<Problem>(badKey)).errors?.[0]?.field).toBe("Idempotency-Key");

    const ru = await json<Problem>(await issue(accountant, { lines: [{ accountNo: a }], totalKop: 0 }));
    const en = await json<Problem>(
      await issue(accountant, { lines: [{ accountNo: a }, { accountNo: accounts[1] }], totalKop: 1 }, key(), VETER, "en"),
    );
    expect(ru.title).toMatch(/[а-я]/);
    expect(en.errors?.[0]?.message).toContain("too small to split");
    // Nothing was issued by any of these.
    const counted = await env.DB.prepare("SELECT count(*) AS n FROM invoice_lines WHERE amount_kop <= 0").first<{ n: number }>();
    expect(counted?.n).toBe(0);
  });
});

describe("the invoice PDF", () => {
  it("carries the payment QR as an image that decodes to the API's payload, and the number, total and VAT in its text", async () => {
    const res = await issue(accountant, {
      lines: [
        { accountNo: accounts[4], amountKop: 7_654_32 },
        { accountNo: accounts[5], amountKop: 1_000_00 },
      ],
    });
    const inv = await json<Invoice>(res);
    const file = await api(accountant, `${BASE}/${inv.id}/pdf`);
    expect(file.status).toBe(200);
    expect(file.headers.get("content-type")).toBe("application/pdf");
    expect(file.headers.get("content-disposition")).toMatch(/^attachment; filename="invoice-SCH-\d{4}-\d{6}\.pdf"$/);
    const bytes = new Uint8Array(await file.arrayBuffer());
    const images = await pdfImages(bytes);
    expect(images).toHaveLength(1);
    const [img] = images as [(typeof images)[number]];
    const decoded = jsQR(img.rgba, img.width, img.height);
    expect(decoded?.data).toBe(inv.qrPayload);
    const fields = parseGostPayload(decoded?.data ?? "")?.fields;
    expect(fields).toMatchObject({
      Name: "ПАО «Кабинет Телеком»",
      PersonalAcc: "40702810200000012345",
      BankName: "ПАО Сбербанк",
      BIC: "044525225",
      CorrespAcc: "30101810400000000225",
      PayeeINN: "7707123458",
      KPP: "997750001",
      Sum: "865432",
    });
    expect(fields?.Purpose).toContain(inv.number);

    const text = (await pdfText(bytes)).replace(/\s+/g, " ");
    expect(text).toContain(`Счёт на оплату № ${inv.number}`);
    expect(text).toContain("8 654,32"); // total
    // Issued in 2026 or later: «В том числе НДС (22%)», 865432 × 22 / 122 = 156061.51 → 156062.
    expect(text).toContain("В том числе НДС (22%): 1 560,62");
    expect(text).toContain("ООО «Северный ветер», ИНН 7704123450, КПП 770401001");
    // Kept: a second download is the same file.
    const second = new Uint8Array(await (await api(admin, `${BASE}/${inv.id}/pdf`)).arrayBuffer());
    expect(second).toEqual(bytes);
    // The list and the invoice itself show the same.
    expect(await json<Invoice>(await api(admin, `${BASE}/${inv.id}`))).toMatchObject({ number: inv.number, qrPayload: inv.qrPayload });
  });
});

// Last in the file: it numbers invoices in 2025's sequence, which the counts above do not expect.
describe("the VAT rate of an invoice's issue day (425-ФЗ)", () => {
  it("is 20/120 for an invoice issued on 31 December 2025 and 22/122 from 1 January 2026 (Moscow), in the amount, purpose, QR and PDF", async () => {
    const actor = { subscriberId: "demo-biz-accountant", address: "203.0.113.7" };
    const input = { lines: [{ accountNo: accounts[0] as string, amountKop: 120_00 }] };
    const data = createDataAccess(env);
    const before = (await issueInvoice(data, actor, VETER, input, key(), new Date("2025-12-31T20:30:00Z"))).invoice;
    const after = (await issueInvoice(data, actor, VETER, input, key(), new Date("2025-12-31T21:30:00Z"))).invoice;
    expect([before.date, before.vatKop]).toEqual(["2025-12-31", 20_00]);
    expect(before.purpose).toBe(`Оплата по счёту № ${before.number} от 31.12.2025 за услуги связи, в т.ч. НДС 20% 20,00 руб.`);
    // 120,00 × 22 / 122 = 21,639… → 21,64.
    expect([after.date, after.vatKop]).toEqual(["2026-01-01", 21_64]);
    expect(after.purpose).toBe(`Оплата по счёту № ${after.number} от 01.01.2026 за услуги связи, в т.ч. НДС 22% 21,64 руб.`);
    expect(parseGostPayload(after.qrPayload)?.fields.Purpose).toBe(after.purpose);
    const admin = await login("biz.admin");
    for (const [inv, line] of [
      [before, "В том числе НДС (20%): 20,00"],
      [after, "В том числе НДС (22%): 21,64"],
    ] as const) {
      const res = await api(admin, `${BASE}/${inv.id}/pdf`);
      expect(res.status).toBe(200);
      expect((await pdfText(new Uint8Array(await res.arrayBuffer()))).replace(/\s+/g, " ")).toContain(line);
    }
  });
});
