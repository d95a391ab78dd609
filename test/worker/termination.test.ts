import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createDataAccess } from "../../worker/platform/db";
import { makeAccountNo } from "../../worker/platform/ids";
import { api, call, json, login, stepUp } from "./helpers";

const PETR_KZN = makeAccountNo("40300000005");
const PETR_EKB = makeAccountNo("50400000006");
const ANNA_NSK = makeAccountNo("60700000003");

type Problem = { type: string; title: string; errors?: { field: string; message: string }[] };
type App = { id: string; kind: string; details: Record<string, unknown> };
type Quote = { accountNo: string; balanceKop: number; refundCard: { last4: string; brand: string | null } | null };

const d1 = async (no: string) => {
  const found = await createDataAccess(env).shardForAccount(no);
  if (!found) throw new Error(`no shard for ${no}`);
  return (found.db as unknown as { $client: D1Database }).$client;
};
const terminate = (cookie: string, accountNo: string, refund: string, lang = "ru") =>
  api(cookie, `/applications?lang=${lang}`, { method: "POST", body: JSON.stringify({ kind: "termination", accountNo, refund }) });

const move = (id: string, to: string) =>
  call("msk", `/ops/v1/applications/${id}/transition`, {
    method: "POST",
    headers: { authorization: "Bearer dev-only-operator-token", "content-type": "application/json" },
    body: JSON.stringify({ to }),
  });
const balance = async (no: string) =>
  Number(
    (
      await (
        await d1(no)
      )
        .prepare("SELECT coalesce(sum(amount_kop), 0) s FROM ledger_entries WHERE account_no = ?")
        .bind(no)
        .first<{ s: number }>()
    )?.s,
  );

/** A card payment that went through, as the acquirer's sandbox records it. */
async function cardPayment(accountNo: string, last4: string, at: number) {
  const db = await d1(accountNo);
  await db
    .prepare(
      `INSERT INTO payments (id, account_no, payer_id, idempotency_key, request_hash, purpose, amount_kop, status, card_last4, card_brand, created_at, updated_at)
       VALUES (?, ?, 'test', ?, 'h', 'topup', 50000, 'succeeded', ?, 'Visa', ?, ?)`,
    )
    .bind(`pay-${last4}-${at}`, accountNo, `key-${last4}-${at}`, last4, at, at)
    .run();
}

describe("contract termination (расторжение договора)", () => {
  it("refuses a termination without a fresh SMS code, in ru and en, and files nothing", async () => {
    const petr = await login("petr");
    const ru = await terminate(petr, PETR_EKB, "none");
    expect(ru.status).toBe(403);
    expect(ru.headers.get("content-type")).toContain("application/problem+json");
    const p = await json<Problem>(ru);
    expect(p.type).toBe("urn:kabinet:problem:step-up-required");
    expect(p.title).toBe("Подтвердите операцию кодом из SMS");
    const en = await json<Problem>(await terminate(petr, PETR_EKB, "none", "en"));
    expect(en.title).toBe("Confirm with the code we text you");
    const mine = await json<{ items: App[] }>(await api(petr, "/applications"));
    expect(mine.items.filter((a) => a.kind === "termination")).toHaveLength(0);
    // A stranger's account stays the same 404 as none, code or not.
    expect((await terminate(petr, ANNA_NSK, "none")).status).toBe(404);
  });

  it("shows where the rest of the balance goes before confirming: the card of the last payment", async () => {
    const petr = await login("petr");
    await cardPayment(PETR_KZN, "1111", Date.now() - 60_000);
    await cardPayment(PETR_KZN, "4242", Date.now() - 1_000);
    const res = await api(petr, `/accounts/${PETR_KZN}/termination`);
    expect(res.status).toBe(200);
    const quote = await json<Quote>(res);
    expect(quote.refundCard).toEqual({ last4: "4242", brand: "Visa" });
    expect(typeof quote.balanceKop).toBe("number");
    expect((await api(petr, `/accounts/${ANNA_NSK}/termination`)).status).toBe(404);
    // Confirmed with the code, the application names that card.
    const stepped = await stepUp(petr, "+79000000002");
    const created = await terminate(stepped, PETR_KZN, "card");
    expect(created.status).toBe(201);
    const term = await json<App>(created);
    expect(term.details.refundCard).toBe("Visa •••• 4242");
    // Processed (twice, as a retry would): the account is closed and the rest refunded once.
    const before = await balance(PETR_KZN);
    await move(term.id, "in_work");
    await move(term.id, "done");
    await move(term.id, "done");
    const db = await d1(PETR_KZN);
    expect((await db.prepare("SELECT status FROM accounts WHERE account_no = ?").bind(PETR_KZN).first<{ status: string }>())?.status).toBe(
      "closed",
    );
    expect(
      (
        await db
          .prepare("SELECT count(*) n FROM account_services WHERE account_no = ? AND status != 'ended'")
          .bind(PETR_KZN)
          .first<{ n: number }>()
      )?.n,
    ).toBe(0);
    expect(await balance(PETR_KZN)).toBe(Math.min(before, 0));
    // Someone else's account: the same 404 as none, with the code too.
    expect((await terminate(stepped, ANNA_NSK, "none")).status).toBe(404);
  });

  it("refuses a refund to a card when no card payment was ever made, naming the field", async () => {
    const anna = await stepUp(await login("anna"), "+79000000001");
    const db = await d1(ANNA_NSK);
    const t = Date.now();
    await db
      .prepare(
        `INSERT INTO ledger_entries (id, account_no, kind, amount_kop, occurred_at, local_day, description_ru, description_en, idempotency_key, created_at)
         VALUES (?, ?, 'adjustment', 30000, ?, '2026-01-01', 'Тест', 'Test', ?, ?)`,
      )
      .bind(`test-${t}`, ANNA_NSK, t, `test-credit-${t}`, t)
      .run();
    const quote = await json<Quote>(await api(anna, `/accounts/${ANNA_NSK}/termination`));
    expect(quote.refundCard).toBeNull();
    expect(quote.balanceKop).toBeGreaterThan(0);
    const res = await terminate(anna, ANNA_NSK, "card");
    expect(res.status).toBe(400);
    expect((await json<Problem>(res)).errors?.map((e) => e.field)).toContain("refund");
    // Bank details are asked for when the refund goes to a bank account.
    const noBank = await terminate(anna, ANNA_NSK, "bank");
    expect(noBank.status).toBe(400);
    expect((await json<Problem>(noBank)).errors?.map((e) => e.field)).toContain("bankDetails");
    // A relative who pays cannot close the holder's contract.
    expect((await terminate(anna, makeAccountNo("30200000004"), "none")).status).toBe(403);
  });
});
