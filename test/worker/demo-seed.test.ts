/**
 * Issues 23 and 24: what a fresh `npm start` (and every test file) finds in the demo data — a database of an
 * operator that has been running for months: the months before this one closed, so the organisation has last
 * month's closing documents once asked for (`npm start` asks at start, as an operator would; the cron does on days
 * 1–5), and an audit log of what its people did. (A private subscriber's statement: statements.test.ts.)
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { pdfText } from "./doc-text";
import { api, call, json, login } from "./helpers";

const VETER = "org-demo-veter";

/** The month before Moscow's current one, reckoned from the clock. */
function lastMonth(): string {
  const [y, m] = new Intl.DateTimeFormat("en-CA", { timeZone: "Europe/Moscow" }).format(new Date()).split("-").map(Number) as [
    number,
    number,
  ];
  return new Date(Date.UTC(y, m - 2, 1)).toISOString().slice(0, 7);
}

type Doc = { id: string; kind: string; number: string; period: string; totalKop: number; status: string; pdfUrl: string | null };
type Entry = { action: string; actor: { id: string | null; name: string }; target: string | null; at: string };

describe("the demo organisation right after seeding", { timeout: 60_000 }, () => {
  it("has last month's УПД, as npm start asks for it, with the month's charges, downloadable by its administrator", async () => {
    const period = lastMonth();
    // What scripts/start.mts does at start: the operators' request for the month, through the reports queue.
    const asked = await call(null, `/ops/v1/business/organisations/${VETER}/documents/closing/${period}`, {
      method: "POST",
      headers: { authorization: `Bearer ${env.OPERATOR_TOKEN}` },
    });
    expect(asked.status).toBe(202);
    const admin = await login("biz.admin");
    let upd: Doc | undefined;
    for (let i = 0; i < 100 && upd?.status !== "ready"; i++) {
      if (i > 0) await new Promise((r) => setTimeout(r, 200));
      const { items } = await json<{ items: Doc[] }>(await api(admin, `/business/organisations/${VETER}/documents/closing`));
      upd = items.find((d) => d.period === period && d.kind === "upd");
    }
    expect(upd).toMatchObject({ period, kind: "upd", status: "ready" });
    // The month was charged and closed for every account of the organisation: the УПД is for what its closed months
    // (ledger_periods, in each account's shard) say was charged.
    const accounts = (
      await env.DB.prepare(
        "SELECT d.account_no AS accountNo, d.shard FROM org_accounts o JOIN account_directory d ON d.account_no = o.account_no WHERE o.org_id = ?",
      )
        .bind(VETER)
        .all<{ accountNo: string; shard: string }>()
    ).results;
    let closedCharges = 0;
    let closedAccounts = 0;
    let monthlyFees = 0;
    for (const shard of new Set(accounts.map((a) => a.shard))) {
      const nos = accounts.filter((a) => a.shard === shard).map((a) => a.accountNo);
      const row = await ((env as unknown as Record<string, D1Database>)[shard] as D1Database)
        .prepare(
          "SELECT count(*) AS n, coalesce(-sum(charges_kop), 0) AS s FROM ledger_periods WHERE month = ? AND account_no IN (SELECT value FROM json_each(?))",
        )
        .bind(period, JSON.stringify(nos))
        .first<{ n: number; s: number }>();
      closedAccounts += row?.n ?? 0;
      closedCharges += row?.s ?? 0;
      const fees = await ((env as unknown as Record<string, D1Database>)[shard] as D1Database)
        .prepare(
          "SELECT coalesce(sum(t.price_kop), 0) AS s FROM account_services s JOIN tariffs t ON t.id = s.tariff_id WHERE s.account_no IN (SELECT value FROM json_each(?))",
        )
        .bind(JSON.stringify(nos))
        .first<{ s: number }>();
      monthlyFees += fees?.s ?? 0;
    }
    // Every day of the month was charged: the month's charges are the services' monthly fees, whole.
    expect(closedCharges).toBe(monthlyFees);
    expect(closedAccounts).toBe(accounts.length);
    expect(upd?.totalKop).toBeGreaterThan(0);
    expect(upd?.totalKop).toBe(closedCharges);
    const pdf = await api(admin, (upd?.pdfUrl ?? "").replace("/api/v1", ""));
    expect(pdf.status).toBe(200);
    const text = (await pdfText(new Uint8Array(await pdf.arrayBuffer()))).flat().join("\n");
    expect(text).toContain(upd?.number ?? "—");
    expect(text).toContain("Северный ветер");
  });

  it("has an audit log of an invitation, a site renamed and an account topped up, with who did it", async () => {
    const admin = await login("biz.admin");
    const res = await api(admin, `/business/organisations/${VETER}/audit?limit=100`);
    expect(res.status).toBe(200);
    const { items } = await json<{ items: Entry[] }>(res);
    const one = (action: string) => items.find((e) => e.action === action);
    expect(one("invite.created")).toMatchObject({ actor: { id: "demo-biz-admin", name: "Алексей Соколов" }, target: "+79000000011" });
    expect(one("invite.accepted")).toMatchObject({ actor: { id: "demo-biz-accountant", name: "Елена Морозова" } });
    expect(one("site.renamed")).toMatchObject({ actor: { id: "demo-biz-admin" } });
    expect(one("payment.succeeded")).toMatchObject({ actor: { id: "demo-biz-accountant" } });
    // Newest first, and all of it before the seeding.
    const times = items.map((e) => Date.parse(e.at));
    expect(times).toEqual(times.toSorted((a, b) => b - a));
    expect(Math.max(...times)).toBeLessThan(Date.now());
  });

  it("shows the accountant's top-up as the organisation's payment, credited to the account once", async () => {
    const admin = await login("biz.admin");
    const { items } = await json<{ items: Entry[] }>(await api(admin, `/business/organisations/${VETER}/audit?limit=100`));
    const paid = items.find((e) => e.action === "payment.succeeded");
    const accountNo = (paid?.target ?? "").replace(/\s/g, "");
    expect(accountNo).toMatch(/^\d{12}$/);
    const credits = await env.DB_MOSCOW.prepare(
      "SELECT count(*) AS n, sum(amount_kop) AS kop FROM ledger_entries WHERE account_no = ? AND idempotency_key LIKE 'orgpay:%'",
    )
      .bind(accountNo)
      .first<{ n: number; kop: number }>();
    const line = await env.DB.prepare(
      "SELECT p.status, p.amount_kop AS kop, p.receipt IS NOT NULL AS receipt FROM org_payments p JOIN org_payment_lines l ON l.payment_id = p.id WHERE l.account_no = ? AND p.org_id = ?",
    )
      .bind(accountNo, VETER)
      .first<{ status: string; kop: number; receipt: number }>();
    expect(line).toMatchObject({ status: "succeeded", receipt: 1 });
    expect(credits).toEqual({ n: 1, kop: line?.kop });
  });
});
