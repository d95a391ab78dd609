/**
 * Issue 23, paying for an organisation's accounts from the business cabinet: one account or many in one payment
 * through the acquirer, split exactly per account across shards, credited once per account whatever reports the
 * payment (webhooks twice, in parallel, replayed; the return page; a crash between shards), audited once; only
 * administrators and accountants pay, only for accounts of their organisation and scope.
 */
import { env } from "cloudflare:workers";
import { drizzle } from "drizzle-orm/d1";
import { describe, expect, it, vi } from "vitest";
import { type AcquirerPayment, signWebhook, type WebhookEvent } from "../../worker/adapters/payments";
import { sandboxAcquirer } from "../../worker/adapters/payments/sandbox";
import {
  applyOrgPayment,
  isOrgSweepMessage,
  lineKey,
  type OrgSweepMessage,
  refundKey,
  startOrgPayment,
  startOrgSweep,
  sweepCalls,
  sweepOrgPayments,
  sweepRows,
} from "../../worker/features/business/topup.service";
import { sha256Hex } from "../../worker/platform/crypto";
import { createDataAccess, type DataAccess, queriesUsed, type RegionDb, type ShardBinding } from "../../worker/platform/db";
import { newId } from "../../worker/platform/ids";
import { notifier } from "../../worker/platform/notify";
import { api, call, json, login, orgHomeOf, watchWebhooks } from "./helpers";

const VETER = "org-demo-veter";
const SMIRNOV = "org-demo-smirnov";

type Line = { accountNo: string; amountKop: number; credited: boolean };
type OrgPayment = {
  id: string;
  status: string;
  amountKop: number;
  lines: Line[];
  receiptNumber: string | null;
  failureCode: string | null;
};
type Started = { payment: OrgPayment; confirmation: { type: string; url: string } | null };
type Problem = { type: string; title: string; detail?: string; errors?: { field: string; message: string }[] };

const cookies = new Map<string, Promise<string>>();
const as = (who: string) => {
  const known = cookies.get(who);
  if (known) return known;
  const made = login(who);
  cookies.set(who, made);
  return made;
};

function pay(cookie: string, orgId: string, body: unknown, key: string | null = crypto.randomUUID(), lang = "ru") {
  return api(cookie, `/business/organisations/${orgId}/payments?lang=${lang}`, {
    method: "POST",
    headers: key ? { "idempotency-key": key } : {},
    body: JSON.stringify(body),
  });
}

/** Two of Северный ветер's accounts in different shards (Moscow and St Petersburg), with their shards. */
let pair: Promise<{ accountNo: string; shard: ShardBinding }[]> | undefined;
function twoShards() {
  pair ??= (async () => {
    const rows = await env.DB.prepare(
      `SELECT min(d.account_no) AS accountNo, d.shard AS shard FROM org_accounts o JOIN account_directory d ON d.account_no = o.account_no
        WHERE o.org_id = ? GROUP BY d.shard ORDER BY d.shard`,
    )
      .bind(VETER)
      .all<{ accountNo: string; shard: ShardBinding }>();
    const [first, other] = rows.results;
    if (!first || !other) throw new Error("the demo organisation should have accounts in two shards");
    return [first, other];
  })();
  return pair;
}

/** Another account of the organisation in the same shard as `like`, not among `not`. */
async function anotherIn(shard: ShardBinding, not: string[]) {
  const row = await env.DB.prepare(
    `SELECT d.account_no AS accountNo FROM org_accounts o JOIN account_directory d ON d.account_no = o.account_no
      WHERE o.org_id = ? AND d.shard = ? AND d.account_no NOT IN (${not.map(() => "?").join(",")}) ORDER BY d.account_no DESC LIMIT 1`,
  )
    .bind(VETER, shard, ...not)
    .first<{ accountNo: string }>();
  if (!row) throw new Error("no account");
  return row.accountNo;
}

const shardDb = (shard: ShardBinding) => (env as unknown as Record<string, D1Database>)[shard] as D1Database;

/** The database access with this shard's batches failing (a shard down when a credit is written); its reads work. */
function withBatchesFailing(shard: ShardBinding): DataAccess {
  const real = createDataAccess(env);
  const down = drizzle({
    prepare: (q: string) => shardDb(shard).prepare(q),
    batch: () => Promise.reject(new Error("shard unavailable")),
  } as unknown as D1Database) as unknown as RegionDb;
  return { ...real, shards: real.shards, shard: (s) => (s === shard ? down : real.shard(s)) };
}

/** The ledger's entries of this payment for an account: how many, and their sum. */
async function credited(shard: ShardBinding, paymentId: string, accountNo: string) {
  const row = await shardDb(shard)
    .prepare("SELECT count(*) AS n, coalesce(sum(amount_kop), 0) AS s FROM ledger_entries WHERE idempotency_key = ? AND account_no = ?")
    .bind(lineKey(paymentId, accountNo), accountNo)
    .first<{ n: number; s: number }>();
  return { n: row?.n ?? 0, sum: row?.s ?? 0 };
}

async function balance(shard: ShardBinding, accountNo: string) {
  const row = await shardDb(shard)
    .prepare("SELECT coalesce(sum(amount_kop), 0) AS s FROM ledger_entries WHERE account_no = ?")
    .bind(accountNo)
    .first<{ s: number }>();
  return row?.s ?? 0;
}

/** The payment's entries of this action in the organisation's audit, on its home shard and in the global table. */
async function auditCount(paymentId: string, action: string) {
  let n = 0;
  for (const db of [await orgHomeOf(VETER), env.DB]) {
    const row = await db
      .prepare("SELECT count(*) AS n FROM org_audit WHERE org_id = ? AND action = ? AND json_extract(details, '$.paymentId') = ?")
      .bind(VETER, action, paymentId)
      .first<{ n: number }>();
    n += row?.n ?? 0;
  }
  return n;
}

/** Where the payment is: the shard its id names (`op-<id>-<binding>`), none of it in the global database. */
function paymentDb(paymentId: string): D1Database {
  const binding = /^op-[0-9a-v]{26}-([A-Z0-9_]+)$/.exec(paymentId)?.[1];
  if (!binding) throw new Error(`${paymentId} names no shard`);
  return shardDb(binding as ShardBinding);
}

/** Enters a card on the sandbox's hosted page; returns where the payer is sent next. */
async function enterCard(url: string, number = "4242 4242 4242 4242") {
  const res = await call("msk", new URL(url).pathname, { method: "POST", body: new URLSearchParams({ number, exp: "12/30", cvc: "123" }) });
  expect(res.status).toBe(303);
  return res.headers.get("location") ?? "";
}
const acquirerId = (url: string) => new URL(url).pathname.split("/").at(-1) ?? "";

async function webhook(event: WebhookEvent) {
  const body = JSON.stringify(event);
  return call(null, "/webhooks/acquirer", {
    method: "POST",
    headers: { "content-type": "application/json", "x-signature": await signWebhook(env.ACQUIRER_WEBHOOK_SECRET, body) },
    body,
  });
}

/** Starts a payment by the accountant for these lines; returns it and the acquirer's id. */
async function started(lines: { accountNo: string; amountKop: number }[]) {
  const res = await pay(await as("biz.accountant"), VETER, { items: lines, totalKop: lines.reduce((s, l) => s + l.amountKop, 0) });
  expect(res.status).toBe(201);
  const body = await json<Started>(res);
  expect(body.payment.status).toBe("pending");
  return { payment: body.payment, url: body.confirmation?.url ?? "", acquirerId: acquirerId(body.confirmation?.url ?? "") };
}

describe("the accountant pays for several accounts in one payment", () => {
  it("credits each account exactly its share across shards, once, with one receipt and one audit entry", { timeout: 30_000 }, async () => {
    const [a, b] = await twoShards();
    if (!a || !b) throw new Error("pair");
    const before = [await balance(a.shard, a.accountNo), await balance(b.shard, b.accountNo)];
    const lines = [
      { accountNo: a.accountNo, amountKop: 123_457 },
      { accountNo: b.accountNo, amountKop: 1_001 },
    ];
    const { payment, url, acquirerId: aid } = await started(lines);
    expect(payment.amountKop).toBe(124_458);
    expect(url).toContain("/sandbox/acquirer/pay/");
    const webhooks = watchWebhooks();
    const back = await enterCard(url);
    expect(back).toBe(`http://msk.kabinet.localhost/business/${VETER}/pay/${payment.id}`);
    // The return page asks the acquirer and settles; the webhooks (twice, and "pending" late) arrive meanwhile.
    const done = await json<OrgPayment>(await api(await as("biz.accountant"), `/business/organisations/${VETER}/payments/${payment.id}`));
    expect(done.status).toBe("succeeded");
    expect(done.lines).toEqual(
      [
        { accountNo: a.accountNo, amountKop: 123_457, credited: true },
        { accountNo: b.accountNo, amountKop: 1_001, credited: true },
      ].sort((x, y) => x.accountNo.localeCompare(y.accountNo)),
    );
    await webhooks.sandboxDelivered(aid, "payment.succeeded");
    expect(await credited(a.shard, payment.id, a.accountNo)).toEqual({ n: 1, sum: 123_457 });
    expect(await credited(b.shard, payment.id, b.accountNo)).toEqual({ n: 1, sum: 1_001 });
    expect(await balance(a.shard, a.accountNo)).toBe((before[0] ?? 0) + 123_457);
    expect(await balance(b.shard, b.accountNo)).toBe((before[1] ?? 0) + 1_001);
    expect(await auditCount(payment.id, "payment.started")).toBe(1);
    expect(await auditCount(payment.id, "payment.succeeded")).toBe(1);
    // The administrator sees who paid, how much, for which accounts and from where in the audit log.
    const log = await json<{
      items: { action: string; actor: { name: string }; details: Record<string, unknown>; address: string | null }[];
    }>(await api(await as("biz.admin"), `/business/organisations/${VETER}/audit`));
    const entry = log.items.find((i) => i.action === "payment.succeeded" && i.details.paymentId === payment.id);
    expect(entry?.actor.name).toBeTruthy();
    expect(entry?.details).toMatchObject({ amountKop: 124_458, split: expect.arrayContaining(lines) });
    expect(entry?.address).toBeTruthy();
    // One 54-ФЗ receipt with an item per account; VAT per item, summed.
    const receipt = await json<{
      totalKop: number;
      vatKop: number;
      items: { amountKop: number; vatKop: number }[];
      payment: { card: string };
      buyer: { name: string; inn: string };
    }>(await api(await as("biz.accountant"), `/business/organisations/${VETER}/payments/${payment.id}/receipt`));
    expect(receipt.totalKop).toBe(124_458);
    expect(receipt.items.map((i) => i.amountKop).sort()).toEqual([1_001, 123_457].sort());
    expect(receipt.vatKop).toBe(receipt.items.reduce((s, i) => s + i.vatKop, 0));
    expect(receipt.payment.card).toBe("VISA •••• 4242");
    expect(receipt.buyer).toEqual({ name: "ООО «Северный ветер»", inn: "7704123450" });
    // Emailed to the payer once, naming the buyer, whatever webhooks followed.
    const mails = () =>
      env.DB.prepare("SELECT body FROM outbox WHERE recipient = ? AND body LIKE ?")
        .bind("e.morozova@example.com", `%${done.receiptNumber}%`)
        .all<{ body: string }>()
        .then((r) => r.results);
    await vi.waitFor(async () => expect(await mails()).toHaveLength(1), { timeout: 8000, interval: 100 });
    expect((await mails())[0]?.body).toContain("Покупатель: ООО «Северный ветер», ИНН 7704123450");
    // Asking again (a reload of the return page) changes nothing.
    await api(await as("biz.accountant"), `/business/organisations/${VETER}/payments/${payment.id}`);
    expect(await credited(a.shard, payment.id, a.accountNo)).toEqual({ n: 1, sum: 123_457 });
    expect(await auditCount(payment.id, "payment.succeeded")).toBe(1);
  });

  it("returns the same payment for the same Idempotency-Key and refuses the key for another split", async () => {
    const [a] = await twoShards();
    const cookie = await as("biz.accountant");
    const key = crypto.randomUUID();
    const body = { items: [{ accountNo: a?.accountNo, amountKop: 5_000 }], totalKop: 5_000 };
    const [one, two] = await Promise.all([pay(cookie, VETER, body, key), pay(cookie, VETER, body, key)]);
    const ids = [(await json<Started>(one)).payment.id, (await json<Started>(two)).payment.id];
    expect(ids[0]).toBe(ids[1]);
    const other = await pay(cookie, VETER, { ...body, items: [{ accountNo: a?.accountNo, amountKop: 6_000 }], totalKop: 6_000 }, key);
    expect(other.status).toBe(409);
    const rows = await paymentDb(ids[0] ?? "")
      .prepare("SELECT count(*) AS n FROM org_payments WHERE idempotency_key = ?")
      .bind(key)
      .first<{ n: number }>();
    expect(rows?.n).toBe(1);
    const global = await env.DB.prepare("SELECT count(*) AS n FROM org_payments WHERE idempotency_key = ?")
      .bind(key)
      .first<{ n: number }>();
    expect(global?.n).toBe(0);
  });

  it("a declined card fails the payment once and credits nothing", { timeout: 30_000 }, async () => {
    const [a] = await twoShards();
    if (!a) throw new Error("pair");
    const { payment, url } = await started([{ accountNo: a.accountNo, amountKop: 7_700 }]);
    await enterCard(url, "4000 0000 0000 0002");
    const done = await json<OrgPayment>(await api(await as("biz.accountant"), `/business/organisations/${VETER}/payments/${payment.id}`));
    expect(done).toMatchObject({ status: "failed", failureCode: "card_declined" });
    expect(await credited(a.shard, payment.id, a.accountNo)).toEqual({ n: 0, sum: 0 });
    expect(await auditCount(payment.id, "payment.failed")).toBe(1);
    expect(await auditCount(payment.id, "payment.succeeded")).toBe(0);
  });
});

describe("reports of the payment, however many and however they come", () => {
  const event = (
    id: string,
    aid: string,
    p: OrgPayment,
    accountNo: string,
    status: AcquirerPayment["status"] = "succeeded",
  ): WebhookEvent => ({
    id,
    type: status === "succeeded" ? "payment.succeeded" : status === "canceled" ? "payment.canceled" : "payment.pending",
    createdAt: new Date().toISOString(),
    object: { id: aid, status, amountKop: p.amountKop, method: "card", metadata: { paymentId: p.id, accountNo } },
  });

  it("parallel webhook deliveries and replays credit each account once and audit once", async () => {
    const [a, b] = await twoShards();
    if (!a || !b) throw new Error("pair");
    const a2 = await anotherIn(a.shard, [a.accountNo]);
    const lines = [
      { accountNo: a.accountNo, amountKop: 3_333 },
      { accountNo: a2, amountKop: 3_334 },
      { accountNo: b.accountNo, amountKop: 3_333 },
    ];
    const { payment, acquirerId: aid } = await started(lines);
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => webhook(event(`evt-par-${payment.id}-${i % 3}`, aid, payment, a.accountNo))),
    );
    expect(results.every((r) => r.status === 200)).toBe(true);
    const outcomes = await Promise.all(results.map((r) => json<{ result: string }>(r)));
    expect(outcomes.filter((o) => o.result === "applied")).toHaveLength(1);
    // Replayed later, and a late "pending" and "canceled": nothing moves.
    await webhook(event(`evt-par-${payment.id}-0`, aid, payment, a.accountNo));
    expect(
      (await json<{ result: string }>(await webhook(event(`evt-late-${payment.id}`, aid, payment, a.accountNo, "pending")))).result,
    ).toBe("refused");
    expect(
      (await json<{ result: string }>(await webhook(event(`evt-can-${payment.id}`, aid, payment, a.accountNo, "canceled")))).result,
    ).toBe("refused");
    expect(await credited(a.shard, payment.id, a.accountNo)).toEqual({ n: 1, sum: 3_333 });
    expect(await credited(a.shard, payment.id, a2)).toEqual({ n: 1, sum: 3_334 });
    expect(await credited(b.shard, payment.id, b.accountNo)).toEqual({ n: 1, sum: 3_333 });
    expect(await auditCount(payment.id, "payment.succeeded")).toBe(1);
    // A forged amount for the same payment is not ours.
    const forged = await webhook({
      ...event(`evt-forged-${payment.id}`, aid, payment, a.accountNo),
      object: { ...event("x", aid, payment, a.accountNo).object, amountKop: 1 },
    });
    expect((await json<{ result: string }>(forged)).result).toBe("foreign");
  });

  it("a crash between shards is resumed by the next report, crediting the rest once", async () => {
    const [a, b] = await twoShards();
    if (!a || !b) throw new Error("pair");
    const lines = [
      { accountNo: a.accountNo, amountKop: 2_500 },
      { accountNo: b.accountNo, amountKop: 4_100 },
    ];
    const { payment, acquirerId: aid } = await started(lines);
    const ap: AcquirerPayment = {
      id: aid,
      status: "succeeded",
      amountKop: 6_600,
      method: "card",
      metadata: { paymentId: payment.id, accountNo: a.accountNo },
    };
    // B's shard goes down when its credit is written (its batch fails), after A's shard was credited.
    const crashing = withBatchesFailing(b.shard);
    await expect(applyOrgPayment(crashing, notifier(env), ap, "webhook")).rejects.toThrow();
    expect(await credited(a.shard, payment.id, a.accountNo)).toEqual({ n: 1, sum: 2_500 });
    expect(await credited(b.shard, payment.id, b.accountNo)).toEqual({ n: 0, sum: 0 });
    const mid = await json<OrgPayment>(await api(await as("biz.accountant"), `/business/organisations/${VETER}/payments/${payment.id}`));
    // The return page (a report of the payment too) resumed: both credited now.
    expect(mid.status).toBe("succeeded");
    expect(mid.lines.every((l) => l.credited)).toBe(true);
    expect(await credited(b.shard, payment.id, b.accountNo)).toEqual({ n: 1, sum: 4_100 });
    // A crash after the ledger write but before the mark: the sweep writes nothing twice.
    await paymentDb(payment.id).prepare("UPDATE org_payment_lines SET credited_at = NULL WHERE payment_id = ?").bind(payment.id).run();
    await paymentDb(payment.id).prepare("UPDATE org_payments SET credited_at = NULL WHERE id = ?").bind(payment.id).run();
    const acquirer = sandboxAcquirer(env, "http://msk.kabinet.localhost");
    await sweepOrgPayments(createDataAccess(env), acquirer, notifier(env));
    await applyOrgPayment(createDataAccess(env), notifier(env), ap, "webhook");
    expect(await credited(a.shard, payment.id, a.accountNo)).toEqual({ n: 1, sum: 2_500 });
    expect(await credited(b.shard, payment.id, b.accountNo)).toEqual({ n: 1, sum: 4_100 });
    const marked = await paymentDb(payment.id)
      .prepare("SELECT credited_at FROM org_payments WHERE id = ?")
      .bind(payment.id)
      .first<{ credited_at: number | null }>();
    expect(marked?.credited_at).not.toBeNull();
    expect(await auditCount(payment.id, "payment.succeeded")).toBe(1);
  });
});

describe("the hourly sweep", () => {
  it("goes over the payments in order a few a message, past one the acquirer cannot answer, crediting each once; one chain at a time", {
    timeout: 60_000,
  }, async () => {
    const [a, b] = await twoShards();
    if (!a || !b) throw new Error("pair");
    // B's shard down while each payment is reported: A's share is credited, B's waits for the sweep.
    const crashing = withBatchesFailing(b.shard);
    // First in order: a payment whose result never came, and the acquirer fails when asked.
    const lost = await started([{ accountNo: a.accountNo, amountKop: 1_000 }]);
    await paymentDb(lost.payment.id)
      .prepare("UPDATE org_payments SET created_at = ? WHERE id = ?")
      .bind(Date.now() - 60 * 60_000, lost.payment.id)
      .run();
    const payments: string[] = [];
    for (let i = 0; i < 4; i++) {
      const lines = [
        { accountNo: a.accountNo, amountKop: 1_000 + i },
        { accountNo: b.accountNo, amountKop: 2_000 + i },
      ];
      const { payment, acquirerId: aid } = await started(lines);
      const ap: AcquirerPayment = {
        id: aid,
        status: "succeeded",
        amountKop: 3_000 + 2 * i,
        method: "card",
        metadata: { paymentId: payment.id, accountNo: a.accountNo },
      };
      await expect(applyOrgPayment(crashing, notifier(env), ap, "webhook")).rejects.toThrow();
      expect(await credited(b.shard, payment.id, b.accountNo)).toEqual({ n: 0, sum: 0 });
      payments.push(payment.id);
    }
    const sandbox = sandboxAcquirer(env, "http://msk.kabinet.localhost");
    const asked: string[] = [];
    const acquirer = {
      ...sandbox,
      getPayment: async (id: string) => {
        asked.push(id);
        if (id === lost.acquirerId) throw new Error("acquirer unavailable");
        return sandbox.getPayment(id);
      },
    } as typeof sandbox;
    const sent: OrgSweepMessage[] = [];
    const queue = { send: async (m: OrgSweepMessage) => void sent.push(m) } as unknown as Queue<unknown>;
    expect(await startOrgSweep(createDataAccess(env), queue)).toBe(true);
    // A budget for one payment of two lines a message, pages of two.
    const limits = { budget: sweepCalls(2), page: 2 };
    const queries: number[] = [];
    for (let i = 0; i < sent.length; i++) {
      expect(isOrgSweepMessage(sent[i])).toBe(true);
      // The next hour's tick while the chain runs starts none.
      if (i === 1) expect(await startOrgSweep(createDataAccess(env), queue)).toBe(false);
      const data = createDataAccess(env);
      await sweepOrgPayments(data, acquirer, notifier(env), new Date(), sent[i], queue, limits);
      queries.push(queriesUsed(data.stats));
      expect(i).toBeLessThan(100);
    }
    // Each message did one payment or little more: several messages, none far past its budget.
    expect(queries.length).toBeGreaterThanOrEqual(5);
    for (const q of queries) expect(q).toBeLessThanOrEqual(limits.budget + sweepCalls(2));
    // The lost one was asked once and passed; every payment after it is credited, each share once.
    expect(asked.filter((id) => id === lost.acquirerId)).toHaveLength(1);
    for (const [i, id] of payments.entries()) {
      expect(await credited(b.shard, id, b.accountNo)).toEqual({ n: 1, sum: 2_000 + i });
      expect(await credited(a.shard, id, a.accountNo)).toEqual({ n: 1, sum: 1_000 + i });
      const row = await paymentDb(id)
        .prepare("SELECT credited_at FROM org_payments WHERE id = ?")
        .bind(id)
        .first<{ credited_at: number | null }>();
      expect(row?.credited_at).not.toBeNull();
    }
    // The chain ended and gave its lease back: the next tick starts one; a message of the old run does nothing.
    expect(await startOrgSweep(createDataAccess(env), queue)).toBe(true);
    const before = asked.length;
    expect(await sweepOrgPayments(createDataAccess(env), acquirer, notifier(env), new Date(), sent[0], queue, limits)).toEqual({
      asked: 0,
      credited: 0,
      handedOn: false,
    });
    expect(asked).toHaveLength(before);
    for (const bad of [{ run: "" }, { run: "r", after: { at: 1, id: "x' OR 1=1" } }, { run: "r", after: { at: "1", id: "op-1" } }])
      expect(isOrgSweepMessage({ kind: "org_payments.sweep", ...bad })).toBe(false);
  });
});

describe("a refund by the acquirer", () => {
  it("debits each account exactly its share back, once, however many times it is reported", async () => {
    const [a, b] = await twoShards();
    if (!a || !b) throw new Error("pair");
    const before = [await balance(a.shard, a.accountNo), await balance(b.shard, b.accountNo)];
    const { payment, acquirerId: aid } = await started([
      { accountNo: a.accountNo, amountKop: 1_234 },
      { accountNo: b.accountNo, amountKop: 5_678 },
    ]);
    const ap = (status: AcquirerPayment["status"]): AcquirerPayment => ({
      id: aid,
      status,
      amountKop: 6_912,
      method: "card",
      metadata: { paymentId: payment.id, accountNo: a.accountNo },
    });
    const data = createDataAccess(env);
    expect(await applyOrgPayment(data, notifier(env), ap("succeeded"), "webhook")).toBe("applied");
    expect(await balance(b.shard, b.accountNo)).toBe((before[1] ?? 0) + 5_678);
    const results = await Promise.all(
      Array.from({ length: 5 }, () => applyOrgPayment(createDataAccess(env), notifier(env), ap("refunded"), "webhook")),
    );
    expect(results.filter((r) => r === "applied")).toHaveLength(1);
    await applyOrgPayment(data, notifier(env), ap("refunded"), "sync");
    // A late success after the refund changes nothing.
    expect(await applyOrgPayment(data, notifier(env), ap("succeeded"), "webhook")).toBe("refused");
    const debited = async (shard: ShardBinding, no: string) =>
      (await shardDb(shard)
        .prepare("SELECT count(*) AS n, coalesce(sum(amount_kop), 0) AS s FROM ledger_entries WHERE idempotency_key = ?")
        .bind(refundKey(payment.id, no))
        .first<{ n: number; s: number }>()) ?? { n: 0, s: 0 };
    expect(await debited(a.shard, a.accountNo)).toEqual({ n: 1, s: -1_234 });
    expect(await debited(b.shard, b.accountNo)).toEqual({ n: 1, s: -5_678 });
    expect(await balance(a.shard, a.accountNo)).toBe(before[0]);
    expect(await balance(b.shard, b.accountNo)).toBe(before[1]);
    expect(await auditCount(payment.id, "payment.refunded")).toBe(1);
    const shown = await json<OrgPayment>(await api(await as("biz.accountant"), `/business/organisations/${VETER}/payments/${payment.id}`));
    expect(shown.status).toBe("refunded");
  });
});

describe("who may pay, and for what", () => {
  it("a viewer and a manager get 403 naming their role; nothing is started", async () => {
    const [a] = await twoShards();
    const body = { items: [{ accountNo: a?.accountNo, amountKop: 5_000 }], totalKop: 5_000 };
    const viewer = await pay(await as("biz.viewer"), VETER, body);
    expect(viewer.status).toBe(403);
    expect(viewer.headers.get("content-type")).toContain("application/problem+json");
    expect((await json<Problem>(viewer)).detail).toContain("наблюдатель");
    const manager = await pay(await as("biz.manager"), VETER, body, crypto.randomUUID(), "en");
    expect(manager.status).toBe(403);
    expect((await json<Problem>(manager)).detail).toContain("manager");
    expect((await api(await as("biz.viewer"), `/business/organisations/${VETER}/payment-options`)).status).toBe(403);
  });

  it("a stranger, and another organisation's account, get 404", async () => {
    const [a] = await twoShards();
    const body = { items: [{ accountNo: a?.accountNo, amountKop: 5_000 }], totalKop: 5_000 };
    // petr administers another organisation: this one's id is as unknown to him as a made-up one.
    const stranger = await pay(await as("petr"), VETER, body);
    expect(stranger.status).toBe(404);
    expect((await pay(await as("petr"), "org-nope", body)).status).toBe(404);
    // Северный ветер's administrator paying for Смирнов's account (or any account not theirs) through their own org.
    const smirnov = await env.DB.prepare("SELECT account_no AS n FROM org_accounts WHERE org_id = ? LIMIT 1")
      .bind(SMIRNOV)
      .first<{ n: string }>();
    const foreign = await pay(await as("biz.admin"), VETER, { items: [{ accountNo: smirnov?.n, amountKop: 5_000 }], totalKop: 5_000 });
    expect(foreign.status).toBe(404);
    // A payment of Северный ветер is not visible through another organisation, nor to a stranger.
    const { payment } = await started([{ accountNo: a?.accountNo ?? "", amountKop: 5_100 }]);
    expect((await api(await as("petr"), `/business/organisations/${VETER}/payments/${payment.id}`)).status).toBe(404);
    expect((await api(await as("petr"), `/business/organisations/${SMIRNOV}/payments/${payment.id}`)).status).toBe(404);
    expect((await api(await as("biz.viewer"), `/business/organisations/${VETER}/payments/${payment.id}`)).status).toBe(403);
  });

  it("an employee limited to some accounts pays only for those", async () => {
    const [a, b] = await twoShards();
    if (!a || !b) throw new Error("pair");
    const admin = await as("biz.admin");
    const limit = (accountNos: string[] | null) =>
      api(admin, `/business/organisations/${VETER}/employees/demo-biz-accountant`, {
        method: "PUT",
        body: JSON.stringify({ role: "accountant", accountNos }),
      });
    expect((await limit([a.accountNo])).status).toBe(204);
    try {
      const cookie = await as("biz.accountant");
      const outside = await pay(cookie, VETER, {
        items: [
          { accountNo: a.accountNo, amountKop: 5_000 },
          { accountNo: b.accountNo, amountKop: 5_000 },
        ],
        totalKop: 10_000,
      });
      expect(outside.status).toBe(404);
      const inside = await pay(cookie, VETER, { items: [{ accountNo: a.accountNo, amountKop: 5_000 }], totalKop: 5_000 });
      expect(inside.status).toBe(201);
    } finally {
      expect((await limit(null)).status).toBe(204);
    }
  });
});

describe("hostile amounts and splits", () => {
  it("answers 400 problem+json naming the field, in Russian or English, never a 500", async () => {
    const [a, b] = await twoShards();
    const A = a?.accountNo ?? "";
    const B = b?.accountNo ?? "";
    const cookie = await as("biz.accountant");
    const cases: [string, unknown, string][] = [
      ["zero", { items: [{ accountNo: A, amountKop: 0 }], totalKop: 0 }, "items.0.amountKop"],
      [
        "negative",
        {
          items: [
            { accountNo: A, amountKop: 10_000 },
            { accountNo: B, amountKop: -5_000 },
          ],
          totalKop: 5_000,
        },
        "items.1.amountKop",
      ],
      ["fractional kopecks", { items: [{ accountNo: A, amountKop: 1_000.5 }], totalKop: 1_000.5 }, "items.0.amountKop"],
      ["huge share", { items: [{ accountNo: A, amountKop: 1e15 }], totalKop: 1e15 }, "items.0.amountKop"],
      ["beyond safe integers", { items: [{ accountNo: A, amountKop: 2 ** 60 }], totalKop: 2 ** 60 }, "items.0.amountKop"],
      [
        "mismatched total",
        {
          items: [
            { accountNo: A, amountKop: 5_000 },
            { accountNo: B, amountKop: 5_000 },
          ],
          totalKop: 9_999,
        },
        "totalKop",
      ],
      ["no accounts", { items: [], totalKop: 0 }, "items"],
      ["no items at all", { totalKop: 5_000 }, "items"],
      ["no total", { items: [{ accountNo: A, amountKop: 5_000 }] }, "totalKop"],
      [
        "one account twice",
        {
          items: [
            { accountNo: A, amountKop: 5_000 },
            { accountNo: A, amountKop: 5_000 },
          ],
          totalKop: 10_000,
        },
        "items.1.accountNo",
      ],
      ["not an account number", { items: [{ accountNo: "123", amountKop: 5_000 }], totalKop: 5_000 }, "items.0.accountNo"],
      ["an amount as text", { items: [{ accountNo: A, amountKop: "5000" }], totalKop: 5_000 }, "items.0.amountKop"],
    ];
    for (const [name, body, field] of cases) {
      const res = await pay(cookie, VETER, body);
      expect(res.status, name).toBe(400);
      expect(res.headers.get("content-type"), name).toContain("application/problem+json");
      const p = await json<Problem>(res);
      expect(
        p.errors?.map((e) => e.field),
        name,
      ).toContain(field);
    }
    const over = await pay(cookie, VETER, {
      items: Array.from({ length: 501 }, (_, i) => ({ accountNo: A, amountKop: 1_000 + i })),
      totalKop: 1,
    });
    expect(over.status).toBe(400);
    // Eleven accounts at the per-account maximum: 1 100 000 ₽, over one payment's limit.
    const page = await json<{ items: { accountNo: string }[] }>(await api(cookie, `/business/organisations/${VETER}/accounts?limit=11`));
    const eleven = page.items.map((i) => ({ accountNo: i.accountNo, amountKop: 10_000_000 }));
    const tooMuch = await pay(cookie, VETER, { items: eleven, totalKop: 110_000_000 }, crypto.randomUUID(), "en");
    expect(tooMuch.status).toBe(400);
    expect((await json<Problem>(tooMuch)).errors?.[0]).toMatchObject({ field: "totalKop", message: expect.stringContaining("1000000") });
    const en = await json<Problem>(
      await pay(cookie, VETER, { items: [{ accountNo: A, amountKop: 5_000 }], totalKop: 1 }, crypto.randomUUID(), "en"),
    );
    expect(en.errors?.[0]?.message).toContain("total");
    const ru = await json<Problem>(await pay(cookie, VETER, { items: [{ accountNo: A, amountKop: 5_000 }], totalKop: 1 }));
    expect(ru.errors?.[0]?.message).toContain("Итог");
    const noKey = await pay(cookie, VETER, { items: [{ accountNo: A, amountKop: 5_000 }], totalKop: 5_000 }, null);
    expect(noKey.status).toBe(400);
    expect((await json<Problem>(noKey)).errors?.[0]?.field).toBe("Idempotency-Key");
    const none = await (await orgHomeOf(VETER))
      .prepare("SELECT count(*) AS n FROM org_payments WHERE amount_kop IN (0, 9999, 1) OR amount_kop < 0")
      .first<{ n: number }>();
    expect(none?.n).toBe(0);
  });
});

describe("on the organisation's home shard (issue 20)", () => {
  const homeOf = async () =>
    (await env.DB.prepare("SELECT home_shard AS s FROM organisations WHERE id = ?").bind(VETER).first<{ s: string }>())?.s ?? "";
  const openRows = async (id: string) =>
    (await env.DB.prepare("SELECT count(*) AS n FROM org_payments_open WHERE id = ?").bind(id).first<{ n: number }>())?.n ?? 0;
  const globalRows = async (id: string) =>
    (
      await env.DB.prepare(
        "SELECT (SELECT count(*) FROM org_payments WHERE id = ?1) + (SELECT count(*) FROM org_payment_lines WHERE payment_id = ?1) AS n",
      )
        .bind(id)
        .first<{ n: number }>()
    )?.n ?? 0;
  /** The demo organisation's accountant, who pays. */
  const accountant = async () =>
    (
      (await env.DB.prepare("SELECT subscriber_id AS id FROM org_members WHERE org_id = ? AND role = 'accountant'")
        .bind(VETER)
        .first<{ id: string }>()) ?? { id: "" }
    ).id;
  const report = (payment: { id: string; amountKop: number }, acquirer: string, status: AcquirerPayment["status"], accountNo: string) =>
    applyOrgPayment(
      createDataAccess(env),
      notifier(env),
      {
        id: acquirer,
        status,
        amountKop: payment.amountKop,
        method: "card",
        metadata: { paymentId: payment.id, accountNo },
      },
      "webhook",
    );

  it("is written there, its id naming the shard, and leaves the sweep's rows once settled, failed or refunded and debited", async () => {
    const [a, b] = await twoShards();
    if (!a || !b) throw new Error("pair");
    const home = await homeOf();
    const lines = [
      { accountNo: a.accountNo, amountKop: 4_100 },
      { accountNo: b.accountNo, amountKop: 4_200 },
    ];
    const { payment, acquirerId: aid } = await started(lines);
    expect(payment.id).toMatch(new RegExp(`^op-[0-9a-v]{26}-${home}$`));
    const db = paymentDb(payment.id);
    expect(await db.prepare("SELECT status FROM org_payments WHERE id = ?").bind(payment.id).first()).toEqual({ status: "pending" });
    expect(await db.prepare("SELECT count(*) AS n FROM org_payment_lines WHERE payment_id = ?").bind(payment.id).first()).toEqual({ n: 2 });
    expect(await globalRows(payment.id)).toBe(0);
    expect(await auditCount(payment.id, "payment.started")).toBe(1);
    expect(await openRows(payment.id)).toBe(1);
    // Succeeded: credited in both accounts' shards, settled, out of the sweep's rows.
    expect(await report(payment, aid, "succeeded", a.accountNo)).toBe("applied");
    expect(await credited(a.shard, payment.id, a.accountNo)).toEqual({ n: 1, sum: 4_100 });
    expect(await credited(b.shard, payment.id, b.accountNo)).toEqual({ n: 1, sum: 4_200 });
    expect(await openRows(payment.id)).toBe(0);
    expect(await globalRows(payment.id)).toBe(0);
    // Refunded: back in the sweep's rows until debited, then out again; each share debited once.
    await Promise.all([report(payment, aid, "refunded", a.accountNo), report(payment, aid, "refunded", a.accountNo)]);
    expect(await openRows(payment.id)).toBe(0);
    const debits = await shardDb(a.shard)
      .prepare("SELECT count(*) AS n, sum(amount_kop) AS s FROM ledger_entries WHERE idempotency_key = ?")
      .bind(refundKey(payment.id, a.accountNo))
      .first();
    expect(debits).toEqual({ n: 1, s: -4_100 });
    expect(await auditCount(payment.id, "payment.refunded")).toBe(1);
    // Failed: nothing credited, out of the sweep's rows.
    const declined = await started([{ accountNo: a.accountNo, amountKop: 4_300 }]);
    expect(await report(declined.payment, declined.acquirerId, "canceled", a.accountNo)).toBe("applied");
    expect(await openRows(declined.payment.id)).toBe(0);
    expect(await credited(a.shard, declined.payment.id, a.accountNo)).toEqual({ n: 0, sum: 0 });
    expect(await auditCount(declined.payment.id, "payment.failed")).toBe(1);
  });

  it("finishes an older deployment's payment where it is: its report credits it, the sweep one left unsettled, and its key's replay returns it", async () => {
    const [a] = await twoShards();
    if (!a) throw new Error("pair");
    const payer = await accountant();
    const legacy = async (status: string, key: string, amountKop: number, acquirer: string | null) => {
      const id = `op-${newId()}`;
      const hash = await sha256Hex(JSON.stringify([VETER, "card", [{ accountNo: a.accountNo, amountKop }]]));
      const now = Date.now() - 60 * 60_000;
      await env.DB.batch([
        env.DB.prepare(
          "INSERT INTO org_payments (id, org_id, payer_id, idempotency_key, request_hash, amount_kop, method, status, acquirer_payment_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, 'card', ?, ?, ?, ?)",
        ).bind(id, VETER, payer, key, hash, amountKop, status, acquirer, now, now),
        env.DB.prepare("INSERT INTO org_payment_lines (payment_id, account_no, amount_kop) VALUES (?, ?, ?)").bind(
          id,
          a.accountNo,
          amountKop,
        ),
      ]);
      return { id, amountKop };
    };
    // Its report, however often it comes: credited once, where it is.
    const reported = await legacy("pending", crypto.randomUUID(), 5_100, "legacy-acq-1");
    await Promise.all([
      report(reported, "legacy-acq-1", "succeeded", a.accountNo),
      report(reported, "legacy-acq-1", "succeeded", a.accountNo),
    ]);
    expect(await credited(a.shard, reported.id, a.accountNo)).toEqual({ n: 1, sum: 5_100 });
    expect(
      await env.DB.prepare("SELECT status, credited_at IS NOT NULL AS settled FROM org_payments WHERE id = ?").bind(reported.id).first(),
    ).toEqual({
      status: "succeeded",
      settled: 1,
    });
    expect(await auditCount(reported.id, "payment.succeeded")).toBe(1);
    // One succeeded and never credited (a crash before the upgrade): the sweep credits it.
    const left = await legacy("succeeded", crypto.randomUUID(), 5_200, "legacy-acq-2");
    await sweepOrgPayments(createDataAccess(env), sandboxAcquirer(env, "http://msk.kabinet.localhost"), notifier(env));
    expect(await credited(a.shard, left.id, a.accountNo)).toEqual({ n: 1, sum: 5_200 });
    // The same request again with the key an older deployment took: that payment, not a second one on the home shard.
    const key = crypto.randomUUID();
    const replayed = await legacy("succeeded", key, 5_300, "legacy-acq-3");
    const again = await pay(
      await as("biz.accountant"),
      VETER,
      { items: [{ accountNo: a.accountNo, amountKop: 5_300 }], totalKop: 5_300 },
      key,
    );
    expect(again.status).toBe(201);
    expect((await json<Started>(again)).payment.id).toBe(replayed.id);
    const atHome = await (await orgHomeOf(VETER))
      .prepare("SELECT count(*) AS n FROM org_payments WHERE idempotency_key = ?")
      .bind(key)
      .first<{ n: number }>();
    expect(atHome?.n).toBe(0);
    const other = await pay(
      await as("biz.accountant"),
      VETER,
      { items: [{ accountNo: a.accountNo, amountKop: 5_400 }], totalKop: 5_400 },
      key,
    );
    expect(other.status).toBe(409);
  });

  it("the sweep drops the rows it has nothing more to do with, and keeps those of a shard this Worker is not bound to", async () => {
    const home = await homeOf();
    const [a] = await twoShards();
    if (!a) throw new Error("pair");
    const never = `op-${newId()}-${home}`;
    const writing = `op-${newId()}-${home}`;
    const unbound = `op-${newId()}-DB_NOWHERE`;
    const stale = await started([{ accountNo: a.accountNo, amountKop: 4_400 }]);
    const fourDaysAgo = Date.now() - 4 * 24 * 3600_000;
    await paymentDb(stale.payment.id)
      .prepare("UPDATE org_payments SET created_at = ? WHERE id = ?")
      .bind(fourDaysAgo, stale.payment.id)
      .run();
    const young = await started([{ accountNo: a.accountNo, amountKop: 4_500 }]);
    await env.DB.batch(
      [never, unbound].map((id) => env.DB.prepare("INSERT INTO org_payments_open (id, created_at) VALUES (?, ?)").bind(id, fourDaysAgo)),
    );
    // One being written now: its row before its payment (startOrgPayment writes them in that order).
    await env.DB.prepare("INSERT INTO org_payments_open (id, created_at) VALUES (?, ?)").bind(writing, Date.now()).run();
    const r = await sweepOrgPayments(createDataAccess(env), sandboxAcquirer(env, "http://msk.kabinet.localhost"), notifier(env));
    expect(r.handedOn).toBe(false);
    expect(await openRows(writing)).toBe(1);
    await env.DB.prepare("DELETE FROM org_payments_open WHERE id = ?").bind(writing).run();
    expect({ never: await openRows(never), unbound: await openRows(unbound), stale: await openRows(stale.payment.id) }).toEqual({
      never: 0,
      unbound: 1,
      stale: 0,
    });
    // A payment started minutes ago stays: it is asked of the acquirer from 15 minutes on.
    expect(await openRows(young.payment.id)).toBe(1);
    await env.DB.prepare("DELETE FROM org_payments_open WHERE id = ?").bind(unbound).run();
  });

  it("a success or a refund whose crediting fails is back in the sweep's rows, and the sweep settles it; a replay writes none", {
    timeout: 60_000,
  }, async () => {
    const [a, b] = await twoShards();
    if (!a || !b) throw new Error("pair");
    const down = withBatchesFailing(b.shard);
    // The demo organisation's home is its lowest account's shard, Moscow's: the payment itself stays readable.
    expect(await homeOf()).not.toBe(b.shard);
    const sweep = () => sweepOrgPayments(createDataAccess(env), sandboxAcquirer(env, "http://msk.kabinet.localhost"), notifier(env));
    const lines = [
      { accountNo: a.accountNo, amountKop: 4_600 },
      { accountNo: b.accountNo, amountKop: 4_700 },
    ];
    // Asked of the acquirer for three days and dropped from the sweep's rows, then its success comes, with B's shard down.
    const late = await started(lines);
    await env.DB.prepare("DELETE FROM org_payments_open WHERE id = ?").bind(late.payment.id).run();
    const ap = (status: AcquirerPayment["status"]): AcquirerPayment => ({
      id: late.acquirerId,
      status,
      amountKop: 9_300,
      method: "card",
      metadata: { paymentId: late.payment.id, accountNo: a.accountNo },
    });
    await expect(applyOrgPayment(down, notifier(env), ap("succeeded"), "webhook")).rejects.toThrow();
    expect(await openRows(late.payment.id)).toBe(1);
    expect(await credited(b.shard, late.payment.id, b.accountNo)).toEqual({ n: 0, sum: 0 });
    await sweep();
    expect(await credited(b.shard, late.payment.id, b.accountNo)).toEqual({ n: 1, sum: 4_700 });
    expect(await openRows(late.payment.id)).toBe(0);
    // Refunded once settled (its row gone), with B's shard down: back in the rows, debited by the sweep, once.
    await expect(applyOrgPayment(down, notifier(env), ap("refunded"), "webhook")).rejects.toThrow();
    expect(await openRows(late.payment.id)).toBe(1);
    await sweep();
    await sweep();
    for (const [x, amount] of [
      [a, 4_600],
      [b, 4_700],
    ] as const) {
      const debits = await shardDb(x.shard)
        .prepare("SELECT count(*) AS n, sum(amount_kop) AS s FROM ledger_entries WHERE idempotency_key = ?")
        .bind(refundKey(late.payment.id, x.accountNo))
        .first();
      expect(debits).toEqual({ n: 1, s: -amount });
    }
    expect(await openRows(late.payment.id)).toBe(0);
    // The same request again: the payment as it is, and no row written for the sweep.
    const before = (await env.DB.prepare("SELECT count(*) AS n FROM org_payments_open").first<{ n: number }>())?.n;
    const key = crypto.randomUUID();
    const body = { items: [{ accountNo: a.accountNo, amountKop: 4_800 }], totalKop: 4_800 };
    const cookie = await as("biz.accountant");
    const first = await json<Started>(await pay(cookie, VETER, body, key));
    const replays = await Promise.all([1, 2, 3].map(() => pay(cookie, VETER, body, key)));
    expect(replays.every((r) => r.status === 201)).toBe(true);
    expect((await env.DB.prepare("SELECT count(*) AS n FROM org_payments_open").first<{ n: number }>())?.n).toBe((before ?? 0) + 1);
    expect(await openRows(first.payment.id)).toBe(1);
  });

  it("the sweep drops a settled payment's row only as it read it: one written again since (a refund) stays", async () => {
    const [a] = await twoShards();
    if (!a) throw new Error("pair");
    const { payment, acquirerId: aid } = await started([{ accountNo: a.accountNo, amountKop: 5_500 }]);
    expect(await report(payment, aid, "succeeded", a.accountNo)).toBe("applied");
    expect(await openRows(payment.id)).toBe(0);
    // Written again since the sweep read it (a refund on its way), at a newer revision.
    const at = Date.now();
    await env.DB.prepare("INSERT INTO org_payments_open (id, created_at, rev) VALUES (?, ?, ?)").bind(payment.id, at, 7).run();
    await sweepRows(createDataAccess(env), [{ id: payment.id, at, rev: 6 }], new Date());
    expect(await openRows(payment.id)).toBe(1);
    await sweepRows(createDataAccess(env), [{ id: payment.id, at, rev: 7 }], new Date());
    expect(await openRows(payment.id)).toBe(0);
  });

  it("the sweep keeps to its budget over pages of payments it has nothing to do with yet, handing on", async () => {
    const [a] = await twoShards();
    if (!a) throw new Error("pair");
    // Young payments: not asked of the acquirer before 15 minutes, so nothing to do on their pages.
    for (let i = 0; i < 6; i++) await started([{ accountNo: a.accountNo, amountKop: 4_900 + i }]);
    const sent: OrgSweepMessage[] = [];
    const queue = { send: async (m: OrgSweepMessage) => void sent.push(m) } as unknown as Queue<unknown>;
    await env.DB.prepare("DELETE FROM job_leases WHERE name = 'org_payments.sweep'").run();
    expect(await startOrgSweep(createDataAccess(env), queue)).toBe(true);
    const limits = { budget: 12, page: 2 };
    let messages = 0;
    for (let i = 0; i < sent.length; i++) {
      const data = createDataAccess(env);
      await sweepOrgPayments(data, sandboxAcquirer(env, "http://msk.kabinet.localhost"), notifier(env), new Date(), sent[i], queue, limits);
      // Before, pages with nothing due were never counted: one message read them all, past any budget.
      expect(queriesUsed(data.stats)).toBeLessThanOrEqual(limits.budget + 4);
      messages++;
      expect(i).toBeLessThan(200);
    }
    expect(messages).toBeGreaterThan(2);
  });

  it("stays in the global table while the deployment keeps payments there (ORG_PAYMENTS_STORE), and is finished there", async () => {
    const [a] = await twoShards();
    if (!a) throw new Error("pair");
    const payer = await accountant();
    const data = createDataAccess({ ...env, ORG_PAYMENTS_STORE: "global" } as typeof env);
    const acquirer = sandboxAcquirer(env, "http://msk.kabinet.localhost");
    const input = {
      items: [{ accountNo: a.accountNo, amountKop: 5_600 }],
      totalKop: 5_600,
      idempotencyKey: crypto.randomUUID(),
      returnOrigin: "http://msk.kabinet.localhost",
    };
    const { payment } = await startOrgPayment(data, acquirer, { subscriberId: payer, address: "203.0.113.9" }, VETER, input);
    expect(payment.id).toMatch(/^op-[0-9a-v]{26}$/);
    expect(await globalRows(payment.id)).toBe(2);
    expect(await openRows(payment.id)).toBe(0);
    const again = await startOrgPayment(data, acquirer, { subscriberId: payer, address: "203.0.113.9" }, VETER, input);
    expect(again.payment.id).toBe(payment.id);
    const row = await env.DB.prepare("SELECT acquirer_payment_id AS aid FROM org_payments WHERE id = ?")
      .bind(payment.id)
      .first<{ aid: string }>();
    expect(await report(payment, row?.aid ?? "", "succeeded", a.accountNo)).toBe("applied");
    expect(await credited(a.shard, payment.id, a.accountNo)).toEqual({ n: 1, sum: 5_600 });
    expect(await auditCount(payment.id, "payment.succeeded")).toBe(1);
    // A key a "home" deployment took (the release deployed before the line was put back): its payment, not a second one.
    const homeInput = { ...input, idempotencyKey: crypto.randomUUID() };
    const onHome = await startOrgPayment(
      createDataAccess(env),
      acquirer,
      { subscriberId: payer, address: "203.0.113.9" },
      VETER,
      homeInput,
    );
    expect(onHome.payment.id).toMatch(/-DB_[A-Z0-9_]+$/);
    const replayed = await startOrgPayment(data, acquirer, { subscriberId: payer, address: "203.0.113.9" }, VETER, homeInput);
    expect(replayed.payment.id).toBe(onHome.payment.id);
    expect(await globalRows(onHome.payment.id)).toBe(0);
  });

  it("a report naming a shard this Worker is not bound to is refused, to come again, not taken for a stranger's", async () => {
    await expect(report({ id: `op-${newId()}-DB_NOWHERE`, amountKop: 1_000 }, "acq-x", "succeeded", "000000000000")).rejects.toThrow(
      /not bound/,
    );
  });
});
