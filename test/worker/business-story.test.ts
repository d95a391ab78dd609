/**
 * Issue 23's «done when», as one story through HTTP in workerd (the twin of test/e2e/business-story.test.ts): an
 * administrator invites Anna as an accountant limited to two sites; she accepts, her list holds only those sites'
 * accounts, and she tops one up through the sandbox acquirer; the administrator's audit log names her, the amount
 * and the account; a viewer is refused payment (403 naming the role); Petr invites Maria as the accountant of his
 * organisation, and every route of «Северный ветер», called with its real ids, answers her as a missing one (404).
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { ClosingMessage } from "../../worker/features/business/closing.messages";
import { formatAccountNoPlain } from "../../worker/platform/format";
import { api, call, inviteCodeSentTo, json, login, orgHomeOf, watchWebhooks } from "./helpers";
import { type Doc, minimal } from "./openapi-body";

const VETER = "org-demo-veter";
const SMIRNOV = "org-demo-smirnov";
const ORG = `/business/organisations/${VETER}`;
const ORG_PREFIX = "/api/v1/business/organisations/{orgId}";

type Problem = { type: string; title: string; detail?: string };
type Listed = { accountNo: string; siteId: string | null };
type ListPage = { items: Listed[]; totals: { count: number }; sites: { id: string | null }[]; nextOffset: number | null };
type OrgPayment = { id: string; status: string; amountKop: number; lines: { accountNo: string; amountKop: number; credited: boolean }[] };

/** An administrator invites `contact`; the invitee accepts with the code. */
async function inviteAndAccept(admin: string, orgId: string, contact: string, phone: string, body: Record<string, unknown>, who: string) {
  const since = Date.now();
  const invited = await api(admin, `/business/organisations/${orgId}/invites`, {
    method: "POST",
    body: JSON.stringify({ contact, ...body }),
  });
  expect(invited.status).toBe(201);
  const code = await inviteCodeSentTo(phone, since);
  const cookie = await login(who);
  const accepted = await api(cookie, "/business/invites/accept", { method: "POST", body: JSON.stringify({ code }) });
  expect(accepted.status).toBe(200);
  return cookie;
}

/** Every account of the list the caller sees, page by page. */
async function everything(cookie: string) {
  const items: Listed[] = [];
  let first: ListPage | undefined;
  let offset: number | null = 0;
  while (offset !== null) {
    const res = await api(cookie, `${ORG}/account-list?limit=100&offset=${offset}`);
    expect(res.status).toBe(200);
    const page = await json<ListPage>(res);
    first ??= page;
    items.push(...page.items);
    offset = page.nextOffset;
  }
  return { items, first: first as ListPage };
}

/** The ledger of an account in its shard: this payment's credits (count, sum) and the balance. */
async function ledger(accountNo: string, paymentId: string) {
  const dir = await env.DB.prepare("SELECT shard FROM account_directory WHERE account_no = ?").bind(accountNo).first<{ shard: string }>();
  const db = (env as unknown as Record<string, D1Database>)[dir?.shard ?? ""] as D1Database;
  const row = await db
    .prepare(
      "SELECT count(CASE WHEN idempotency_key = ? THEN 1 END) AS n, coalesce(sum(CASE WHEN idempotency_key = ? THEN amount_kop END), 0) AS s, coalesce(sum(amount_kop), 0) AS balance FROM ledger_entries WHERE account_no = ?",
    )
    .bind(`orgpay:${paymentId}:${accountNo}`, `orgpay:${paymentId}:${accountNo}`, accountNo)
    .first<{ n: number; s: number; balance: number }>();
  return { credits: row?.n ?? 0, creditedKop: row?.s ?? 0, balanceKop: row?.balance ?? 0 };
}

describe("issue 23's story through HTTP", () => {
  it("an accountant invited for two sites sees only them and tops one up; the log names her, the amount and the account; a viewer cannot pay; another organisation's accountant gets 404 on every id", {
    timeout: 120_000,
  }, async () => {
    // Last month's closing documents, made through the reports queue meanwhile (their id is one of this organisation's).
    const moscow = new Date(Date.now() + 3 * 3_600_000);
    const lastMonth = new Date(Date.UTC(moscow.getUTCFullYear(), moscow.getUTCMonth() - 1, 1)).toISOString().slice(0, 7);
    await env.REPORTS.send({ kind: "closing_documents", orgId: VETER, period: lastMonth } satisfies ClosingMessage);

    // 1. The administrator invites Anna as an accountant limited to two sites; she accepts.
    const admin = await login("biz.admin");
    const { items: sites } = await json<{ items: { id: string; name: string }[] }>(await api(admin, `${ORG}/sites`));
    const arbat = sites.find((s) => s.name === "Салон на Арбате");
    const kosmonavtov = sites.find((s) => s.name === "Склад на Космонавтов");
    if (!arbat || !kosmonavtov) throw new Error("demo sites missing");
    const anna = await inviteAndAccept(
      admin,
      VETER,
      "+7 900 000-00-01",
      "+79000000001",
      { role: "accountant", siteIds: [arbat.id, kosmonavtov.id] },
      "anna",
    );

    // 2. Her list: the two sites' 30 accounts, nothing else.
    const mine = await everything(anna);
    expect(mine.first.totals.count).toBe(30);
    expect(mine.items).toHaveLength(30);
    expect(new Set(mine.items.map((a) => a.siteId))).toEqual(new Set([arbat.id, kosmonavtov.id]));
    expect(mine.first.sites.map((s) => s.id).sort()).toEqual([arbat.id, kosmonavtov.id].sort());
    const all = await everything(admin);
    const outside = all.items.find((a) => a.siteId !== arbat.id && a.siteId !== kosmonavtov.id);
    if (!outside) throw new Error("an account of another site");
    // An account of another site is not hers to pay: the same 404 as one that does not exist.
    const notHers = await api(anna, `${ORG}/payments`, {
      method: "POST",
      headers: { "idempotency-key": crypto.randomUUID() },
      body: JSON.stringify({ items: [{ accountNo: outside.accountNo, amountKop: 10_000 }], totalKop: 10_000 }),
    });
    expect(notHers.status).toBe(404);

    // 3. She tops up one of her accounts by card through the sandbox acquirer.
    const accountNo = (mine.items[0] as Listed).accountNo;
    const before = await ledger(accountNo, "none");
    const started = await api(anna, `${ORG}/payments`, {
      method: "POST",
      headers: { "idempotency-key": crypto.randomUUID() },
      body: JSON.stringify({ items: [{ accountNo, amountKop: 32_150 }], totalKop: 32_150 }),
    });
    expect(started.status).toBe(201);
    const { payment, confirmation } = await json<{ payment: OrgPayment; confirmation: { url: string } | null }>(started);
    const url = confirmation?.url ?? "";
    expect(url).toContain("/sandbox/acquirer/pay/");
    const webhooks = watchWebhooks();
    const card = await call("msk", new URL(url).pathname, {
      method: "POST",
      body: new URLSearchParams({ number: "4242 4242 4242 4242", exp: "12/30", cvc: "123" }),
    });
    expect(card.status).toBe(303);
    expect(card.headers.get("location")).toBe(`http://msk.kabinet.localhost/business/${VETER}/pay/${payment.id}`);
    const done = await json<OrgPayment>(await api(anna, `${ORG}/payments/${payment.id}`));
    expect(done).toMatchObject({ status: "succeeded", amountKop: 32_150, lines: [{ accountNo, amountKop: 32_150, credited: true }] });
    // The acquirer's own webhooks (twice, and a late "pending") change nothing: credited once.
    await webhooks.sandboxDelivered(new URL(url).pathname.split("/").at(-1) ?? "", "payment.succeeded");
    const after = await ledger(accountNo, payment.id);
    expect(after).toMatchObject({ credits: 1, creditedKop: 32_150, balanceKop: before.balanceKop + 32_150 });

    // 4. The administrator's audit log: who (her name), how much, which account, from where.
    const log = await json<{
      items: { action: string; actor: { name: string }; target: string | null; details: Record<string, unknown>; address: string | null }[];
    }>(await api(admin, `${ORG}/audit`));
    const topUps = log.items.filter((i) => i.action === "payment.succeeded" && i.details.paymentId === payment.id);
    expect(topUps).toHaveLength(1);
    expect(topUps[0]).toMatchObject({
      actor: { name: "Анна Иванова" },
      target: formatAccountNoPlain(accountNo),
      details: { amountKop: 32_150, split: [{ accountNo, amountKop: 32_150 }] },
    });
    expect(topUps[0]?.address).toBeTruthy();
    expect(log.items.some((i) => i.action === "invite.accepted" && i.actor.name === "Анна Иванова")).toBe(true);

    // 5. A viewer (наблюдатель) cannot pay, even for an account of her own site: 403 naming the role.
    const viewer = await login("biz.viewer");
    const own = (await everything(viewer)).items[0] as Listed;
    for (const lang of ["ru", "en"] as const) {
      const refused = await api(viewer, `${ORG}/payments?lang=${lang}`, {
        method: "POST",
        headers: { "idempotency-key": crypto.randomUUID() },
        body: JSON.stringify({ items: [{ accountNo: own.accountNo, amountKop: 10_000 }], totalKop: 10_000 }),
      });
      expect(refused.status).toBe(403);
      expect(refused.headers.get("content-type")).toContain("application/problem+json");
      expect((await json<Problem>(refused)).detail).toContain(lang === "ru" ? "наблюдатель" : "viewer");
    }
    expect((await api(viewer, `${ORG}/payment-options`)).status).toBe(403);
    expect((await api(viewer, `${ORG}/payments/${payment.id}`)).status).toBe(403);
    // Nowhere: not on the organisation's home shard, where its payments are, nor in the global table.
    for (const db of [await orgHomeOf(VETER), env.DB]) {
      const payments = await db.prepare("SELECT count(*) AS n FROM org_payments WHERE payer_id = 'demo-biz-viewer'").first<{ n: number }>();
      expect(payments?.n).toBe(0);
    }

    // 6. Real ids of this organisation: Anna's invoice, a support request, an акт сверки; a number, a closing document.
    const invoice = await api(anna, `${ORG}/invoices`, {
      method: "POST",
      headers: { "idempotency-key": crypto.randomUUID() },
      body: JSON.stringify({ lines: [{ accountNo, amountKop: 50_000 }] }),
    });
    expect(invoice.status).toBe(201);
    const ticket = await api(anna, `${ORG}/support/requests`, {
      method: "POST",
      body: JSON.stringify({ category: "payments", accountNo, subject: "Платёж по счёту", text: "Прошу подтвердить зачисление платежа." }),
    });
    expect(ticket.status).toBe(201);
    const day = (d: number) => new Date(Date.now() - d * 86_400_000).toISOString().slice(0, 10);
    const act = await api(anna, `${ORG}/reconciliations`, { method: "POST", body: JSON.stringify({ from: day(30), to: day(1) }) });
    expect(act.status).toBe(202);
    const numbers = await json<{ items: { msisdn: string }[] }>(await api(admin, `${ORG}/numbers`));
    const closing = await closingDocument();
    const ids: Record<string, string | undefined> = {
      orgId: VETER,
      accountNo,
      siteId: arbat.id,
      subscriberId: "demo-anna",
      paymentId: payment.id,
      invoiceId: (await json<{ id: string }>(invoice)).id,
      ticketId: (await json<{ id: string }>(ticket)).id,
      id: (await json<{ id: string }>(act)).id,
      msisdn: numbers.items[0]?.msisdn,
      docId: closing?.id,
      format: "pdf",
    };

    // 7. Petr invites Maria as the accountant (финансист) of his organisation; she works there.
    const maria = await inviteAndAccept(await login("petr"), SMIRNOV, "+7 900 000-00-04", "+79000000004", { role: "accountant" }, "maria");
    expect((await api(maria, `/business/organisations/${SMIRNOV}`)).status).toBe(200);

    // 8. To her every route of «Северный ветер», with its real ids, answers as an organisation that does not exist.
    const missing = await api(maria, "/business/organisations/org-no-such");
    expect(missing.status).toBe(404);
    const nothing = await json<Problem>(missing);
    const doc = await json<Doc>(await call("msk", "/api/openapi.json"));
    const routes = Object.entries(doc.paths)
      .filter(([path]) => path.startsWith(ORG_PREFIX))
      .flatMap(([path, ops]) =>
        Object.entries(ops)
          .filter(([m]) => ["get", "post", "put", "patch", "delete"].includes(m))
          .map(([m, op]) => ({ method: m.toUpperCase(), path, body: minimal(doc, op.requestBody?.content?.["application/json"]?.schema) })),
      );
    expect(routes.length).toBeGreaterThan(30);
    const answers: string[] = [];
    const expected: string[] = [];
    for (const r of routes) {
      const path = r.path.replace("/api/v1", "").replace(/\{([^}]+)\}/g, (_, name: string) => {
        const id = ids[name];
        if (!id) throw new Error(`no real id for {${name}} in ${r.path}: add one to the story`);
        return encodeURIComponent(id);
      });
      // Bodies name this organisation's account where they take one: the refusal must not depend on the body.
      const body = r.method === "GET" || r.method === "DELETE" ? undefined : JSON.stringify(withAccount(r.body, accountNo));
      const res = await api(maria, path, { method: r.method, headers: { "idempotency-key": crypto.randomUUID() }, body });
      const problem = res.status === 404 ? await json<Problem>(res) : null;
      answers.push(`${r.method} ${path}: ${res.status} ${problem?.type ?? ""} ${problem?.title ?? ""}`);
      expected.push(`${r.method} ${path}: 404 ${nothing.type} ${nothing.title}`);
    }
    expect(answers).toEqual(expected);
    // Nothing of hers reached «Северный ветер»: no payment, no invoice, no request, no membership.
    const traces = await env.DB.prepare(
      `SELECT (SELECT count(*) FROM org_payments WHERE org_id = ?1 AND payer_id = 'demo-maria')
            + (SELECT count(*) FROM org_members WHERE org_id = ?1 AND subscriber_id = 'demo-maria')
            + (SELECT count(*) FROM org_tickets WHERE org_id = ?1 AND subscriber_id = 'demo-maria') AS n`,
    )
      .bind(VETER)
      .first<{ n: number }>();
    expect(traces?.n).toBe(0);
    const homePayments = await (await orgHomeOf(VETER))
      .prepare("SELECT count(*) AS n FROM org_payments WHERE org_id = ? AND payer_id = 'demo-maria'")
      .bind(VETER)
      .first<{ n: number }>();
    expect(homePayments?.n).toBe(0);
    const homeRequests = await (await orgHomeOf(VETER))
      .prepare("SELECT count(*) AS n FROM org_tickets WHERE org_id = ? AND subscriber_id = 'demo-maria'")
      .bind(VETER)
      .first<{ n: number }>();
    expect(homeRequests?.n).toBe(0);
  });
});

/** The organisation's first closing document, once the reports queue has made it. */
async function closingDocument() {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    const row = await (await orgHomeOf(VETER))
      .prepare("SELECT id FROM closing_documents WHERE org_id = ? LIMIT 1")
      .bind(VETER)
      .first<{ id: string }>();
    if (row) return row;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error("no closing document was made");
}

/** A request body with every `accountNo` set to `accountNo` (objects and arrays of them). */
function withAccount(body: unknown, accountNo: string): unknown {
  if (Array.isArray(body)) return body.map((b) => withAccount(b, accountNo));
  if (body && typeof body === "object")
    return Object.fromEntries(Object.entries(body).map(([k, v]) => [k, k === "accountNo" ? accountNo : withAccount(v, accountNo)]));
  return body;
}
