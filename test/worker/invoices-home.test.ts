/**
 * Invoices on the organisation's home shard (issue 20): a new invoice is written there, its id naming the shard, with
 * its number's row in the global `invoice_numbers` where the bank import finds it; an older deployment's invoices in
 * the global tables are listed, read and paid beside them. Attacked here: a home write that fails after the number was
 * taken, a statement imported three times at once, another organisation's ids, a cancelled invoice, an unbound shard.
 */
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { importStatement, processPendingLines } from "../../worker/features/bank/bank.service";
import { issueInvoice, listInvoices } from "../../worker/features/business/invoices.service";
import { cleanExpired } from "../../worker/features/housekeeping/housekeeping.service";
import { createDataAccess, type DataAccess, type RegionDb } from "../../worker/platform/db";
import { newId } from "../../worker/platform/ids";
import { type DocSpec, day, statementText } from "./bank.fixture";
import { crashingOnMark, docLineId, ops } from "./bank.helpers";
import { api, call, json, login } from "./helpers";

const VETER = "org-demo-veter";
const BASE = `/business/organisations/${VETER}/invoices`;
const ACTOR = { subscriberId: "demo-biz-accountant", address: "203.0.113.7" };

type Invoice = {
  id: string;
  number: string;
  totalKop: number;
  vatKop: number;
  paidKop: number;
  status: string;
  lines: { accountNo: string; amountKop: number }[];
};
type Line = {
  id: string;
  status: string;
  reason: string | null;
  invoiceNumber: string | null;
  targets: { accountNo: string; amountKop: number }[];
};

let accountant: string;
let accounts: string[];
let homeShard: string;
let home: D1Database;

let keySeq = 0;
const key = () => `home-key-${Date.now()}-${++keySeq}`;
let docSeq = 0;
const docNumber = () => String(7000 + ++docSeq);

beforeAll(async () => {
  accountant = await login("biz.accountant");
  const page = await json<{ items: { accountNo: string }[] }>(await api(accountant, `/business/organisations/${VETER}/accounts?limit=100`));
  accounts = page.items.map((a) => a.accountNo);
  homeShard = (await env.DB.prepare("SELECT home_shard AS s FROM organisations WHERE id = ?").bind(VETER).first<{ s: string }>())
    ?.s as string;
  home = (env as unknown as Record<string, D1Database>)[homeShard] as D1Database;
});

function issue(body: unknown, idempotencyKey = key()) {
  return api(accountant, `${BASE}?lang=ru`, { method: "POST", headers: { "idempotency-key": idempotencyKey }, body: JSON.stringify(body) });
}

function upload(docs: DocSpec[]) {
  return call(null, "/ops/v1/bank-statements?lang=ru", {
    method: "POST",
    headers: { "content-type": "text/plain", authorization: `Bearer ${env.OPERATOR_TOKEN}` },
    body: statementText(docs),
  });
}

async function lineOf(doc: DocSpec): Promise<Line> {
  const id = await docLineId(doc);
  for (const status of ["credited", "queued", "matched", "new"]) {
    const page = await json<{ items: Line[] }>(await ops(`/bank-statements/lines?status=${status}&limit=200`));
    const found = page.items.find((l) => l.id === id);
    if (found) return found;
  }
  throw new Error(`line ${id} not found`);
}

const homeInvoice = (id: string) =>
  home
    .prepare("SELECT number, paid_kop AS paidKop, status FROM invoices WHERE id = ?")
    .bind(id)
    .first<{ number: string; paidKop: number; status: string }>();

/** The data access whose organisation's home shard runs its batches through `batch` (given the real one). */
function withHomeBatch(data: DataAccess, batch: (real: RegionDb["batch"], statements: never) => Promise<unknown>): DataAccess {
  return new Proxy(data, {
    get(target, prop, receiver) {
      if (prop !== "shard") return Reflect.get(target, prop, receiver);
      return (binding: string) => {
        const db = target.shard(binding as never);
        if (binding !== homeShard) return db;
        return new Proxy(db, {
          get(t, p, r) {
            return p === "batch" ? (statements: never) => batch(t.batch.bind(t), statements) : Reflect.get(t, p, r);
          },
        }) as RegionDb;
      };
    },
  });
}

/** The data access with the organisation's home shard refusing its next batch (a failure between the two halves). */
function homeFailingOnce(data: DataAccess): DataAccess {
  let failed = false;
  return withHomeBatch(data, (real, statements) => {
    if (failed) return real(statements);
    failed = true;
    return Promise.reject(new Error("injected: home shard unavailable"));
  });
}

/** The data access whose home shard holds each batch until `n` have come, then lets them all go at once. */
function homeWritesTogether(data: DataAccess, n: number): DataAccess {
  const waiting: (() => void)[] = [];
  return withHomeBatch(data, async (real, statements) => {
    if (waiting.length < n)
      await new Promise<void>((go) => {
        waiting.push(go);
        if (waiting.length === n) for (const release of waiting) release();
      });
    return real(statements);
  });
}

describe("a new invoice on the organisation's home shard", () => {
  it("is written there, its id naming the shard, its number in invoice_numbers and its audit entry beside it; nothing in the global invoices", async () => {
    const res = await issue({
      lines: [
        { accountNo: accounts[0], amountKop: 123_45 },
        { accountNo: accounts[1], amountKop: 1_00 },
      ],
    });
    expect(res.status).toBe(201);
    const inv = await json<Invoice>(res);
    expect(inv.id).toMatch(new RegExp(`^iv-[0-9a-v]{26}-${homeShard}$`));
    expect(await homeInvoice(inv.id)).toEqual({ number: inv.number, paidKop: 0, status: "issued" });
    const lines = await home
      .prepare("SELECT account_no AS a, amount_kop AS k, region FROM invoice_lines WHERE invoice_id = ? ORDER BY a")
      .bind(inv.id)
      .all();
    expect(lines.results).toHaveLength(2);
    expect(lines.results.every((l) => typeof l.region === "string" && (l.region as string).length > 0)).toBe(true);
    expect(await env.DB.prepare("SELECT invoice_id AS id FROM invoice_numbers WHERE number = ?").bind(inv.number).first()).toEqual({
      id: inv.id,
    });
    expect(await env.DB.prepare("SELECT count(*) AS n FROM invoices WHERE id = ? OR number = ?").bind(inv.id, inv.number).first()).toEqual({
      n: 0,
    });
    expect(await env.DB.prepare("SELECT count(*) AS n FROM invoice_lines WHERE invoice_id = ?").bind(inv.id).first()).toEqual({ n: 0 });
    const audit = await home
      .prepare("SELECT actor_name AS name, target, details FROM org_audit WHERE org_id = ? AND action = 'invoice.issued' AND target = ?")
      .bind(VETER, inv.number)
      .all();
    expect(audit.results).toHaveLength(1);
    expect(audit.results[0]?.name).not.toBe("");
    expect(JSON.parse(audit.results[0]?.details as string)).toEqual({ totalKop: 124_45, vatKop: inv.vatKop, accounts: 2 });
    // Read back through the routes: the invoice, its PDF, and the list.
    expect((await api(accountant, `${BASE}/${inv.id}`)).status).toBe(200);
    const pdf = await api(accountant, `${BASE}/${inv.id}/pdf`);
    expect(pdf.status).toBe(200);
    expect(pdf.headers.get("content-type")).toBe("application/pdf");
    const list = await json<{ items: Invoice[] }>(await api(accountant, `${BASE}?limit=100`));
    expect(list.items.filter((i) => i.id === inv.id)).toHaveLength(1);
  });

  it("takes a number once for a home write that failed: the same key writes the invoice with it, and a number nobody retries is no invoice to the bank", async () => {
    const data = createDataAccess(env);
    const input = { lines: [{ accountNo: accounts[0] as string, amountKop: 500_00 }] };
    const k = key();
    await expect(issueInvoice(homeFailingOnce(data), ACTOR, VETER, input, k)).rejects.toThrow(/injected/);
    const taken = await env.DB.prepare(
      "SELECT n.number, n.invoice_id AS id FROM invoice_requests r JOIN invoice_numbers n ON n.invoice_id = r.invoice_id WHERE r.idempotency_key = ?",
    )
      .bind(k)
      .first<{ number: string; id: string }>();
    expect(taken?.number).toMatch(/^СЧ-\d{4}-\d{6}$/);
    expect(await homeInvoice(taken?.id as string)).toBeNull();
    const counter = () => env.DB.prepare("SELECT max(last) AS last FROM invoice_counters").first<{ last: number }>();
    const before = await counter();
    // The same request again: the invoice is written with the number it took, once, and the sequence does not move.
    const again = await issueInvoice(data, ACTOR, VETER, input, k);
    expect(again.created).toBe(false);
    expect(again.invoice).toMatchObject({ id: taken?.id, number: taken?.number, totalKop: 500_00, status: "issued" });
    expect(await counter()).toEqual(before);
    const third = await issueInvoice(data, ACTOR, VETER, input, k);
    expect(third.invoice.id).toBe(taken?.id);
    // Two retries of a failed home write at once (a double click), their home writes held until both are on their
    // way: both answer the one invoice (the second write finds it written), and its audit entry is written once.
    const k3 = key();
    await expect(issueInvoice(homeFailingOnce(data), ACTOR, VETER, input, k3)).rejects.toThrow(/injected/);
    const gated = homeWritesTogether(data, 2);
    const both = await Promise.all([issueInvoice(gated, ACTOR, VETER, input, k3), issueInvoice(gated, ACTOR, VETER, input, k3)]);
    expect(both[0].invoice.id).toBe(both[1].invoice.id);
    expect(
      await home
        .prepare("SELECT count(*) AS n FROM org_audit WHERE action = 'invoice.issued' AND target = ?")
        .bind(both[0].invoice.number)
        .first(),
    ).toEqual({ n: 1 });
    expect(await home.prepare("SELECT count(*) AS n FROM invoices WHERE number = ?").bind(taken?.number).first()).toEqual({ n: 1 });
    expect(
      await home.prepare("SELECT count(*) AS n FROM org_audit WHERE action = 'invoice.issued' AND target = ?").bind(taken?.number).first(),
    ).toEqual({ n: 1 });
    // Another key whose home write fails and is never retried: its number leads the bank import to no invoice.
    const k2 = key();
    await expect(issueInvoice(homeFailingOnce(data), ACTOR, VETER, input, k2)).rejects.toThrow(/injected/);
    const orphan = await env.DB.prepare(
      "SELECT n.number FROM invoice_requests r JOIN invoice_numbers n ON n.invoice_id = r.invoice_id WHERE r.idempotency_key = ?",
    )
      .bind(k2)
      .first<{ number: string }>();
    const doc = { number: docNumber(), date: day(3), sum: "500.00", purpose: `Оплата по счёту № ${orphan?.number}, л/с ${accounts[0]}` };
    expect((await upload([doc])).status).toBe(200);
    expect(await lineOf(doc)).toMatchObject({ status: "queued", reason: "invoice_not_found" });
  });
});

describe("the bank pays a home invoice", () => {
  it("once, from a statement uploaded three times at once, and in parts: part_paid, then paid, each payment a row of its own", async () => {
    const inv = await json<Invoice>(
      await issue({
        lines: [
          { accountNo: accounts[0], amountKop: 600_00 },
          { accountNo: accounts[1], amountKop: 400_00 },
        ],
      }),
    );
    const first = { number: docNumber(), date: day(4), sum: "300.00", purpose: `Оплата по счёту № ${inv.number} за услуги связи` };
    const results = await Promise.all([upload([first]), upload([first]), upload([first])]);
    expect(results.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(await lineOf(first)).toMatchObject({ status: "credited", invoiceNumber: inv.number });
    expect(await homeInvoice(inv.id)).toMatchObject({ paidKop: 300_00, status: "part_paid" });
    expect(
      await home.prepare("SELECT count(*) AS n, sum(amount_kop) AS s FROM invoice_payments WHERE invoice_id = ?").bind(inv.id).first(),
    ).toEqual({
      n: 1,
      s: 300_00,
    });
    const second = { number: docNumber(), date: day(5), sum: "700.00", purpose: `Оплата по счёту № ${inv.number}` };
    await upload([second]);
    await upload([second, first]);
    expect(await homeInvoice(inv.id)).toMatchObject({ paidKop: 1_000_00, status: "paid" });
    expect(await home.prepare("SELECT count(*) AS n FROM invoice_payments WHERE invoice_id = ?").bind(inv.id).first()).toEqual({ n: 2 });
    // The client sees it paid, and the accounts were credited pro rata once each (ledger keys per line and account).
    expect(await json<Invoice>(await api(accountant, `${BASE}/${inv.id}`))).toMatchObject({ paidKop: 1_000_00, status: "paid" });
    // The payments table is append-only.
    await expect(home.prepare("DELETE FROM invoice_payments WHERE invoice_id = ?").bind(inv.id).run()).rejects.toThrow(/append-only/);
  });

  it("lets an operator assign a queued payment to a home invoice by its number, and queues one naming a cancelled invoice", async () => {
    const inv = await json<Invoice>(await issue({ lines: [{ accountNo: accounts[2], amountKop: 250_00 }] }));
    const doc = { number: docNumber(), date: day(6), sum: "250.00", purpose: "Оплата по договору" };
    await upload([doc]);
    const line = await lineOf(doc);
    expect(line.status).toBe("queued");
    const res = await ops(`/bank-statements/lines/${line.id}/assign`, {
      method: "POST",
      body: JSON.stringify({ invoiceNumber: inv.number }),
    });
    expect(res.status).toBe(200);
    expect(await json<Line>(res)).toMatchObject({
      status: "credited",
      invoiceNumber: inv.number,
      targets: [{ accountNo: accounts[2], amountKop: 250_00 }],
    });
    expect(await homeInvoice(inv.id)).toMatchObject({ paidKop: 250_00, status: "paid" });
    expect((await lineOf(doc)).invoiceNumber).toBe(inv.number);

    const cancelled = await json<Invoice>(await issue({ lines: [{ accountNo: accounts[2], amountKop: 99_00 }] }));
    await home.prepare("UPDATE invoices SET status = 'cancelled' WHERE id = ?").bind(cancelled.id).run();
    const late = { number: docNumber(), date: day(6), sum: "99.00", purpose: `Оплата по счёту № ${cancelled.number}` };
    await upload([late]);
    expect(await lineOf(late)).toMatchObject({ status: "queued", reason: "invoice_cancelled" });
    const refused = await ops(`/bank-statements/lines/${(await lineOf(late)).id}/assign`, {
      method: "POST",
      body: JSON.stringify({ invoiceNumber: cancelled.number }),
    });
    expect(refused.status).toBe(400);
    expect(await homeInvoice(cancelled.id)).toMatchObject({ paidKop: 0, status: "cancelled" });
  });
});

describe("an invoice whose home shard is not bound", () => {
  it("sends its payment to the operators' queue, not to an account the purpose names beside it", async () => {
    await env.DB.prepare("INSERT INTO invoice_numbers (number, invoice_id) VALUES ('СЧ-2026-998777', ?)")
      .bind(`iv-${newId()}-DB_NOWHERE`)
      .run();
    const doc = { number: docNumber(), date: day(10), sum: "40.00", purpose: `Оплата по счёту № СЧ-2026-998777, л/с ${accounts[0]}` };
    expect((await upload([doc])).status).toBe(200);
    expect(await lineOf(doc)).toMatchObject({ status: "queued", reason: "invoice_unavailable", targets: [] });
  });
});

describe("reading both places", () => {
  it("lists an older deployment's global invoices among the home shard's, newest first by the time in their ids, paging across both without repeats", async () => {
    const data = createDataAccess(env);
    const t0 = Date.now() + 60_000;
    const input = { lines: [{ accountNo: accounts[0] as string, amountKop: 10_00 }] };
    const older = (await issueInvoice(data, ACTOR, VETER, input, key(), new Date(t0))).invoice;
    // An older deployment's invoice a second later, in the global tables with a plain id.
    const legacyId = newId(t0 + 1_000);
    await env.DB.batch([
      env.DB.prepare(
        "INSERT INTO invoices (id, number, org_id, issued_by, total_kop, vat_kop, paid_kop, status, created_at) VALUES (?, 'СЧ-2026-999001', ?, 'demo-biz-accountant', 2000, 361, 0, 'issued', ?)",
      ).bind(legacyId, VETER, t0 + 1_000),
      env.DB.prepare("INSERT INTO invoice_lines (invoice_id, account_no, amount_kop) VALUES (?, ?, 2000)").bind(legacyId, accounts[0]),
    ]);
    const newer = (await issueInvoice(data, ACTOR, VETER, input, key(), new Date(t0 + 2_000))).invoice;
    const seen: Invoice[] = [];
    let cursor: string | null = null;
    do {
      const page: { items: Invoice[]; nextCursor: string | null } = await json(
        await api(accountant, `${BASE}?limit=2${cursor ? `&cursor=${cursor}` : ""}`),
      );
      seen.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    const ids = seen.map((i) => i.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.slice(0, 3)).toEqual([newer.id, legacyId, older.id]);
    // Nothing skipped: every invoice of the organisation in either place, and no other.
    const everyId = [
      ...(await home.prepare("SELECT id FROM invoices WHERE org_id = ?").bind(VETER).all<{ id: string }>()).results,
      ...(await env.DB.prepare("SELECT id FROM invoices WHERE org_id = ?").bind(VETER).all<{ id: string }>()).results,
    ].map((r) => r.id);
    expect([...ids].sort()).toEqual(everyId.sort());
    const keyOf = (id: string) => /^iv-([0-9a-v]{26})-/.exec(id)?.[1] ?? id;
    expect(ids.map(keyOf)).toEqual([...ids.map(keyOf)].sort().reverse());
    // A client that kept the last item's id, not the cursor: the page after it is the same.
    const byCursor = await json<{ items: Invoice[] }>(
      await api(accountant, `${BASE}?limit=2&cursor=${encodeURIComponent(keyOf(older.id))}`),
    );
    const byId = await json<{ items: Invoice[] }>(await api(accountant, `${BASE}?limit=2&cursor=${encodeURIComponent(older.id)}`));
    expect(byId.items.map((i) => i.id)).toEqual(byCursor.items.map((i) => i.id));
    expect(byId.items.map((i) => i.id)).toEqual(ids.slice(3, 5));
    // The older deployment's invoice reads and pays as before.
    expect(await json<Invoice>(await api(accountant, `${BASE}/${legacyId}`))).toMatchObject({ number: "СЧ-2026-999001", totalKop: 2000 });
    const doc = { number: docNumber(), date: day(7), sum: "20.00", purpose: "Оплата по счёту № СЧ-2026-999001" };
    await upload([doc]);
    expect(await lineOf(doc)).toMatchObject({ status: "credited", invoiceNumber: "СЧ-2026-999001" });
    expect(await env.DB.prepare("SELECT paid_kop AS p, status FROM invoices WHERE id = ?").bind(legacyId).first()).toEqual({
      p: 2000,
      status: "paid",
    });
  });

  it("answers 404 for a home invoice under another organisation, an id naming a shard this Worker has not, and a made-up id", async () => {
    const inv = await json<Invoice>(await issue({ lines: [{ accountNo: accounts[0], amountKop: 1_00 }] }));
    const petr = await login("petr");
    for (const path of [
      `/business/organisations/org-demo-smirnov/invoices/${inv.id}`,
      `/business/organisations/org-demo-smirnov/invoices/${inv.id}/pdf`,
      `${BASE}/${inv.id}`,
    ])
      expect((await api(petr, path)).status).toBe(404);
    for (const id of [inv.id.replace(homeShard, "DB_NOWHERE"), `iv-${"0".repeat(26)}-${homeShard}`, "iv-x-DB_MOSCOW", "../../etc"])
      expect((await api(accountant, `${BASE}/${encodeURIComponent(id)}`)).status).toBe(404);
    // A Worker not bound to the organisation's home shard (a configuration error, logged) lists what the global tables
    // have, rather than failing the page.
    const unbound = createDataAccess({ ...env, [homeShard]: undefined } as typeof env);
    const listed = await listInvoices(unbound, "demo-biz-accountant", VETER, undefined, 100);
    expect(listed.items.some((i) => i.id.startsWith("iv-"))).toBe(false);
    const globalCount = await env.DB.prepare("SELECT count(*) AS n FROM invoices WHERE org_id = ?").bind(VETER).first<{ n: number }>();
    expect(listed.items).toHaveLength(Math.min(100, globalCount?.n ?? 0));
  });
});

describe("while the deployment keeps them global (INVOICES_STORE)", () => {
  it("writes new invoices in the global tables as before, which the default deployment reads and the bank pays", async () => {
    const keeping = createDataAccess({ ...env, INVOICES_STORE: "global" } as typeof env);
    const { invoice, created } = await issueInvoice(
      keeping,
      ACTOR,
      VETER,
      { lines: [{ accountNo: accounts[1] as string, amountKop: 77_00 }] },
      key(),
    );
    expect(created).toBe(true);
    expect(invoice.id).not.toMatch(/^iv-/);
    expect(await env.DB.prepare("SELECT number FROM invoices WHERE id = ?").bind(invoice.id).first()).toEqual({ number: invoice.number });
    expect(await env.DB.prepare("SELECT count(*) AS n FROM invoice_numbers WHERE number = ?").bind(invoice.number).first()).toEqual({
      n: 0,
    });
    expect(await json<Invoice>(await api(accountant, `${BASE}/${invoice.id}`))).toMatchObject({ number: invoice.number });
    const doc = { number: docNumber(), date: day(8), sum: "77.00", purpose: `Оплата по счёту № ${invoice.number}` };
    await upload([doc]);
    expect(await env.DB.prepare("SELECT paid_kop AS p, status FROM invoices WHERE id = ?").bind(invoice.id).first()).toEqual({
      p: 77_00,
      status: "paid",
    });
  });
});

describe("housekeeping of invoice numbers", () => {
  it("forgets the numbers of years more than three before the oldest payment an upload imports, along the key, and keeps the rest", async () => {
    await env.DB.batch(
      ["СЧ-2020-000001", "СЧ-2021-000777", "СЧ-2022-000001", "СЧ-2023-000001", "СЧ-2026-1000001"].map((n) =>
        env.DB.prepare("INSERT INTO invoice_numbers (number, invoice_id) VALUES (?, ?)").bind(n, `iv-${newId()}-${homeShard}`),
      ),
    );
    const numbers = async () =>
      (
        await env.DB.prepare(
          "SELECT number FROM invoice_numbers WHERE number < 'СЧ-2024-' OR number = 'СЧ-2026-1000001' ORDER BY number",
        ).all<{
          number: string;
        }>()
      ).results.map((r) => r.number);
    // In June 2026 an upload imports payments back to June 2025: invoices of 2022 on are kept.
    expect((await cleanExpired(createDataAccess(env), new Date("2026-06-01T12:00:00Z"))).invoiceNumbers).toBe(2);
    expect(await numbers()).toEqual(["СЧ-2022-000001", "СЧ-2023-000001", "СЧ-2026-1000001"]);
    // On 5 January 2027, a transfer of 30 December 2026 for an invoice of 2023 still finds it; 2022's go.
    expect((await cleanExpired(createDataAccess(env), new Date("2027-01-05T09:00:00Z"))).invoiceNumbers).toBe(1);
    expect(await numbers()).toEqual(["СЧ-2023-000001", "СЧ-2026-1000001"]);
  });
});

describe("a home invoice's payment and the line's mark", () => {
  it("after a crash between them (the invoice paid on its shard, the line not marked), a re-upload marks it and pays nothing twice", async () => {
    const inv = await json<Invoice>(await issue({ lines: [{ accountNo: accounts[3], amountKop: 321_00 }] }));
    const doc = { number: docNumber(), date: day(9), sum: "321.00", purpose: `Оплата по счёту № ${inv.number}` };
    // The global database fails on the batch that marks lines credited.
    const { data: failing, crashed: didCrash } = crashingOnMark(env);
    const bytes = new TextEncoder().encode(statementText([doc]));
    await expect(importStatement(failing, bytes, { fileName: null, uploadedBy: "test", address: null })).rejects.toThrow("injected crash");
    expect(didCrash()).toBe(true);
    expect(await homeInvoice(inv.id)).toMatchObject({ paidKop: 321_00, status: "paid" });
    expect(await lineOf(doc)).toMatchObject({ status: "matched" });
    const credits = async () => {
      const ln = await lineOf(doc);
      const shard = (
        await env.DB.prepare("SELECT shard FROM account_directory WHERE account_no = ?").bind(accounts[3]).first<{ shard: string }>()
      )?.shard as string;
      return (env as unknown as Record<string, D1Database>)[shard]
        ?.prepare("SELECT count(*) AS n, sum(amount_kop) AS s FROM ledger_entries WHERE idempotency_key = ?")
        .bind(`bank:${ln.id}:${accounts[3]}`)
        .first();
    };
    expect(await credits()).toEqual({ n: 1, s: 321_00 });
    // Uploaded again, twice at once: the line is marked, the invoice and the account are paid once.
    await Promise.all([upload([doc]), upload([doc])]);
    expect(await lineOf(doc)).toMatchObject({ status: "credited", invoiceNumber: inv.number });
    expect(await credits()).toEqual({ n: 1, s: 321_00 });
    expect(
      await home.prepare("SELECT count(*) AS n, sum(amount_kop) AS s FROM invoice_payments WHERE invoice_id = ?").bind(inv.id).first(),
    ).toEqual({
      n: 1,
      s: 321_00,
    });
    expect(await homeInvoice(inv.id)).toMatchObject({ paidKop: 321_00, status: "paid" });
  });
});

describe("a replay that finishes a home write", () => {
  it("writes the invoice with the date, VAT and number of the first request, across New Year's change of the rate", async () => {
    const data = createDataAccess(env);
    const input = { lines: [{ accountNo: accounts[0] as string, amountKop: 120_00 }] };
    const k = key();
    // 23:30 in Moscow on 31 December 2025: 20 % VAT, a number of 2025.
    await expect(issueInvoice(homeFailingOnce(data), ACTOR, VETER, input, k, new Date("2025-12-31T20:30:00Z"))).rejects.toThrow(/injected/);
    const again = await issueInvoice(data, ACTOR, VETER, input, k, new Date("2026-01-02T09:00:00Z"));
    expect(again.created).toBe(false);
    expect(again.invoice).toMatchObject({ date: "2025-12-31", vatKop: 20_00, totalKop: 120_00 });
    expect(again.invoice.number).toMatch(/^СЧ-2025-\d{6}$/);
    expect(again.invoice.purpose).toContain("НДС 20%");
    // The same key under the other mode reads the same invoice, and writes nothing.
    const keeping = createDataAccess({ ...env, INVOICES_STORE: "global" } as typeof env);
    expect((await issueInvoice(keeping, ACTOR, VETER, input, k)).invoice).toMatchObject({
      id: again.invoice.id,
      number: again.invoice.number,
    });
    // Another body under the key is refused.
    await expect(
      issueInvoice(data, ACTOR, VETER, { lines: [{ accountNo: accounts[0] as string, amountKop: 121_00 }] }, k),
    ).rejects.toMatchObject({ status: 409 });
  });
});

describe("an employee limited to a site", () => {
  it("lists and reads only the invoices of the site's accounts, in both places", async () => {
    const admin = await login("biz.admin");
    const sites = await env.DB.prepare(
      "SELECT s.id, a.account_no AS accountNo FROM org_sites s JOIN org_accounts a ON a.site_id = s.id WHERE s.org_id = ?",
    )
      .bind(VETER)
      .all<{ id: string; accountNo: string }>();
    const site = sites.results[0] as { id: string; accountNo: string };
    const inSite = sites.results.filter((r) => r.id === site.id).map((r) => r.accountNo);
    const outside = accounts.find((a) => !inSite.includes(a)) as string;
    const data = createDataAccess(env);
    const t = Date.now();
    const ok = (
      await issueInvoice(data, ACTOR, VETER, { lines: [{ accountNo: inSite[0] as string, amountKop: 5_00 }] }, key(), new Date(t))
    ).invoice;
    const not = (await issueInvoice(data, ACTOR, VETER, { lines: [{ accountNo: outside, amountKop: 5_00 }] }, key(), new Date(t + 1)))
      .invoice;
    // An older deployment's invoices of each kind, in the global tables.
    const legacy = async (accountNo: string, n: number) => {
      const id = newId(t + 10 + n);
      await env.DB.batch([
        env.DB.prepare(
          "INSERT INTO invoices (id, number, org_id, issued_by, total_kop, vat_kop, paid_kop, status, created_at) VALUES (?, ?, ?, 'demo-biz-accountant', 500, 90, 0, 'issued', ?)",
        ).bind(id, `СЧ-2026-99810${n}`, VETER, t + 10 + n),
        env.DB.prepare("INSERT INTO invoice_lines (invoice_id, account_no, amount_kop) VALUES (?, ?, 500)").bind(id, accountNo),
      ]);
      return id;
    };
    const oldOk = await legacy(inSite[0] as string, 1);
    const oldNot = await legacy(outside, 2);
    const promote = (body: unknown) =>
      api(admin, `/business/organisations/${VETER}/employees/demo-biz-viewer`, { method: "PUT", body: JSON.stringify(body) });
    expect((await promote({ role: "accountant", accountNos: null, siteIds: [site.id] })).status).toBe(204);
    try {
      const limited = await login("biz.viewer");
      const { items } = await json<{ items: Invoice[] }>(await api(limited, `${BASE}?limit=100`));
      const ids = items.map((i) => i.id);
      expect(ids).toEqual(expect.arrayContaining([ok.id, oldOk]));
      expect(ids).not.toContain(not.id);
      expect(ids).not.toContain(oldNot);
      for (const id of [ok.id, oldOk]) expect((await api(limited, `${BASE}/${id}`)).status).toBe(200);
      for (const id of [not.id, oldNot]) expect((await api(limited, `${BASE}/${id}`)).status).toBe(404);
    } finally {
      expect((await promote({ role: "viewer", accountNos: null, siteIds: null })).status).toBe(204);
    }
  });
});

describe("a home shard that fails to take an invoice's payment", () => {
  it("leaves that line matched for the next pass and credits the others of the upload, then the next pass credits it once", async () => {
    const inv = await json<Invoice>(await issue({ lines: [{ accountNo: accounts[4], amountKop: 77_70 }] }));
    const paying = { number: docNumber(), date: day(11), sum: "77.70", purpose: `Оплата по счёту № ${inv.number}` };
    const other = { number: docNumber(), date: day(11), sum: "12.00", purpose: `л/с ${accounts[5]}` };
    // The home shard refuses the batch that writes the invoice's payment (workerd keeps a statement's SQL in `statement`).
    const sqlOf = (s: D1PreparedStatement) => (s as unknown as { statement?: string }).statement ?? "";
    const binding = homeShard;
    const real = (env as unknown as Record<string, D1Database>)[binding] as D1Database;
    const refusing = new Proxy(real, {
      get(target, prop) {
        if (prop === "batch")
          return (statements: D1PreparedStatement[]) =>
            statements.some((s) => sqlOf(s).includes("invoice_payments"))
              ? Promise.reject(new Error("injected: home shard down"))
              : target.batch(statements);
        const v = Reflect.get(target, prop, target);
        return typeof v === "function" ? v.bind(target) : v;
      },
    });
    const failing = createDataAccess(new Proxy(env, { get: (t, p) => (p === binding ? refusing : Reflect.get(t, p)) }) as Env);
    const result = await importStatement(failing, new TextEncoder().encode(statementText([paying, other])), {
      fileName: null,
      uploadedBy: "test",
      address: null,
    });
    expect(result.lines).toEqual({ credited: 1, queued: 0, pending: 1 });
    expect(await lineOf(other)).toMatchObject({ status: "credited" });
    expect(await lineOf(paying)).toMatchObject({ status: "matched" });
    expect(await homeInvoice(inv.id)).toMatchObject({ paidKop: 0, status: "issued" });
    // The next pass (the hourly chain) with the shard back: credited, the invoice paid, once.
    await processPendingLines(createDataAccess(env), null);
    expect(await lineOf(paying)).toMatchObject({ status: "credited", invoiceNumber: inv.number });
    expect(await homeInvoice(inv.id)).toMatchObject({ paidKop: 77_70, status: "paid" });
    expect(await home.prepare("SELECT count(*) AS n FROM invoice_payments WHERE invoice_id = ?").bind(inv.id).first()).toEqual({ n: 1 });
  });
});
