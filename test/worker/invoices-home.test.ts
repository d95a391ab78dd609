/**
 * Invoices on the organisation's home shard (issue 20): a new invoice is written there, its id naming the shard, with
 * its number's row in the global `invoice_numbers` where the bank import finds it; an older deployment's invoices in
 * the global tables are listed, read and paid beside them. Attacked here: a home write that fails after the number was
 * taken, a statement imported three times at once, another organisation's ids, a cancelled invoice, an unbound shard.
 */
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { OPERATOR_REQUISITES } from "../../worker/data/operator.data";
import { lineId } from "../../worker/features/bank/bank.service";
import { issueInvoice } from "../../worker/features/business/invoices.service";
import { cleanExpired } from "../../worker/features/housekeeping/housekeeping.service";
import { createDataAccess, type DataAccess, type RegionDb } from "../../worker/platform/db";
import { newId } from "../../worker/platform/ids";
import { type DocSpec, day, PAYER_ACCOUNT, statementText } from "./bank.fixture";
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

function ops(path: string, init: RequestInit = {}) {
  return call(null, `/ops/v1${path}`, {
    ...init,
    headers: {
      authorization: `Bearer ${env.OPERATOR_TOKEN}`,
      "content-type": "application/json",
      ...(init.headers as Record<string, string>),
    },
  });
}

async function lineOf(doc: DocSpec): Promise<Line> {
  const [d, m, y] = doc.date.split(".");
  const id = await lineId({
    date: `${y}-${m}-${d}`,
    number: doc.number,
    amountKop: Math.round(Number(doc.sum) * 100),
    payerAccount: doc.payerAccount ?? PAYER_ACCOUNT,
    payerInn: doc.payerInn ?? "",
    payeeAccount: OPERATOR_REQUISITES.settlementAccount,
  });
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

/** The data access with the organisation's home shard refusing its next batch (a failure between the two halves). */
function homeFailingOnce(data: DataAccess): DataAccess {
  let failed = false;
  return new Proxy(data, {
    get(target, prop, receiver) {
      if (prop !== "shard") return Reflect.get(target, prop, receiver);
      return (binding: string) => {
        const db = target.shard(binding as never);
        if (binding !== homeShard) return db;
        return new Proxy(db, {
          get(t, p, r) {
            if (p === "batch" && !failed)
              return () => {
                failed = true;
                return Promise.reject(new Error("injected: home shard unavailable"));
              };
            return Reflect.get(t, p, r);
          },
        }) as RegionDb;
      };
    },
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
    const doc = { number: docNumber(), date: day(3), sum: "500.00", purpose: `Оплата по счёту № ${orphan?.number}` };
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
    const keyOf = (id: string) => /^iv-([0-9a-v]{26})-/.exec(id)?.[1] ?? id;
    expect(ids.map(keyOf)).toEqual([...ids.map(keyOf)].sort().reverse());
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
  it("forgets the numbers of years more than three back, along the key, and keeps the later ones and their invoices", async () => {
    const now = new Date("2026-06-01T12:00:00Z");
    await env.DB.batch(
      ["СЧ-2021-000001", "СЧ-2022-000777", "СЧ-2023-000001"].map((n) =>
        env.DB.prepare("INSERT INTO invoice_numbers (number, invoice_id) VALUES (?, ?)").bind(n, `iv-${newId()}-${homeShard}`),
      ),
    );
    const result = await cleanExpired(createDataAccess(env), now);
    expect(result.invoiceNumbers).toBe(2);
    const left = await env.DB.prepare("SELECT number FROM invoice_numbers WHERE number < 'СЧ-2024-' ORDER BY number").all<{
      number: string;
    }>();
    expect(left.results.map((r) => r.number)).toEqual(["СЧ-2023-000001"]);
    // This year's stay.
    expect(
      (await env.DB.prepare("SELECT count(*) AS n FROM invoice_numbers WHERE number >= 'СЧ-2026-'").first<{ n: number }>())?.n,
    ).toBeGreaterThan(0);
  });
});
