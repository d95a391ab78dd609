import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { qrMatrix } from "../../shared/qr";
import { signWebhook, type WebhookEvent } from "../../worker/adapters/payments";
import { SANDBOX_SBP_TTL_MS } from "../../worker/adapters/payments/sandbox";
import { app } from "../../worker/index";
import { createDataAccess } from "../../worker/platform/db";
import { makeAccountNo } from "../../worker/platform/ids";
import { call, json, login, SAME_ORIGIN, shardRows, watchWebhooks } from "./helpers";

const PETR_EKB = makeAccountNo("50400000006");
type Payment = { id: string; status: string; method: string; amountKop: number; failureCode: string | null; receiptNumber?: string | null };
type Confirmation = { type: "redirect"; url: string } | { type: "qr"; payload: string; url: string };
type Started = { payment: Payment; confirmationUrl: string | null; confirmation: Confirmation | null };

function pay(cookie: string, body: Record<string, unknown>, key = crypto.randomUUID(), lang = "ru") {
  return call("msk", `/api/v1/accounts/${PETR_EKB}/payments?lang=${lang}`, {
    method: "POST",
    headers: { ...SAME_ORIGIN, cookie, "idempotency-key": key },
    body: JSON.stringify(body),
  });
}

async function started(res: Response): Promise<Started> {
  expect(res.status).toBe(201);
  return json<Started>(res);
}

async function getPayment(cookie: string, id: string): Promise<Payment> {
  const res = await call("msk", `/api/v1/accounts/${PETR_EKB}/payments/${id}`, { headers: { cookie } });
  expect(res.status).toBe(200);
  return json<Payment>(res);
}

async function balance(cookie: string): Promise<number> {
  return (await json<{ balanceKop: number }>(await call("msk", `/api/v1/accounts/${PETR_EKB}`, { headers: { cookie } }))).balanceKop;
}

const path = (url: string) => new URL(url).pathname;
const html = { accept: "text/html" };

async function webhook(event: WebhookEvent) {
  const body = JSON.stringify(event);
  return call(null, "/webhooks/acquirer", {
    method: "POST",
    headers: { "content-type": "application/json", "x-signature": await signWebhook(env.ACQUIRER_WEBHOOK_SECRET, body) },
    body,
  });
}

/** Rows of the account's ledger with a payment's key (the money really credited for it). */
async function ledgerOf(paymentId: string) {
  const shard = await createDataAccess(env).shardForAccount(PETR_EKB);
  if (!shard) throw new Error("no shard");
  const d1 = (shard.db as unknown as { $client: D1Database }).$client;
  const { results } = await d1
    .prepare("SELECT amount_kop, description_ru, description_en FROM ledger_entries WHERE idempotency_key = ?")
    .bind(`payment:${paymentId}`)
    .all<{ amount_kop: number; description_ru: string; description_en: string }>();
  return results;
}

afterEach(() => {
  vi.useRealTimers();
});

describe("payment methods: card, СБП, SberPay, T-Pay", () => {
  it("offers every method of the sandbox, and each starts a payment of its kind", { timeout: 30_000 }, async () => {
    const cookie = await login("petr");
    const options = await json<{ methods: string[] }>(
      await call("msk", `/api/v1/accounts/${PETR_EKB}/payment-options`, { headers: { cookie } }),
    );
    expect(options.methods).toEqual(["card", "sbp", "sberpay", "tpay"]);

    // An old client sends no method: a card, as before.
    const card = await started(await pay(cookie, { amountKop: 10_000 }));
    expect(card.payment.method).toBe("card");
    expect(card.confirmation).toEqual({ type: "redirect", url: card.confirmationUrl });
    expect(path(card.confirmationUrl ?? "")).toMatch(/^\/sandbox\/acquirer\/pay\//);

    const sbp = await started(await pay(cookie, { amountKop: 12_345, method: "sbp" }));
    expect(sbp.payment).toMatchObject({ method: "sbp", status: "pending" });
    if (sbp.confirmation?.type !== "qr") throw new Error("СБП answers a QR");
    const qr = new URL(sbp.confirmation.payload);
    expect(qr.origin).toBe("https://qr.nspk.ru");
    expect(qr.searchParams.get("sum")).toBe("12345");
    expect(qr.searchParams.get("cur")).toBe("RUB");
    expect(qr.searchParams.get("type")).toBe("02");
    expect(path(sbp.confirmation.url)).toMatch(/\/sandbox\/acquirer\/sbp\/[^/]+\/banks$/);
    // Old clients that open `confirmationUrl` land on the bank-choice link.
    expect(sbp.confirmationUrl).toBe(sbp.confirmation.url);

    for (const method of ["sberpay", "tpay"] as const) {
      const wallet = await started(await pay(cookie, { amountKop: 10_000, method }));
      expect(wallet.payment.method).toBe(method);
      expect(wallet.confirmation?.type).toBe("redirect");
      const page = await call("msk", path(wallet.confirmationUrl ?? ""), { headers: html });
      expect(page.status).toBe(200);
      expect(await page.text()).toContain(method === "sberpay" ? "SberPay" : "T-Pay");
    }
  });

  it("refuses an unknown method and a method the acquirer does not offer with a 400 problem in the user's language", async () => {
    const cookie = await login("petr");
    const unknown = await pay(cookie, { amountKop: 10_000, method: "bitcoin" });
    expect(unknown.status).toBe(400);
    expect(unknown.headers.get("content-type")).toContain("application/problem+json");
    expect((await json<{ errors: { field: string }[] }>(unknown)).errors.map((e) => e.field)).toContain("method");

    // An operator whose contract covers cards only (ACQUIRER_METHODS = "card").
    const cardOnly = { ...env, ACQUIRER_METHODS: "card" } as Env;
    const request = (lang: string) =>
      app.fetch(
        new Request(`http://msk.kabinet.localhost/api/v1/accounts/${PETR_EKB}/payments?lang=${lang}`, {
          method: "POST",
          headers: { ...SAME_ORIGIN, cookie, "idempotency-key": crypto.randomUUID() },
          body: JSON.stringify({ amountKop: 10_000, method: "sbp" }),
        }),
        cardOnly,
      );
    const ru = await request("ru");
    expect(ru.status).toBe(400);
    expect(ru.headers.get("content-type")).toContain("application/problem+json");
    expect((await json<{ errors: { field: string; message: string }[] }>(ru)).errors).toEqual([
      { field: "method", message: "Этот способ оплаты сейчас недоступен" },
    ]);
    const en = await json<{ errors: { field: string; message: string }[] }>(await request("en"));
    expect(en.errors).toEqual([{ field: "method", message: "This payment method is not available" }]);
    const options = await app.fetch(
      new Request(`http://msk.kabinet.localhost/api/v1/accounts/${PETR_EKB}/payment-options`, { headers: { cookie } }),
      cardOnly,
    );
    expect((await json<{ methods: string[] }>(options)).methods).toEqual(["card"]);

    // Saving a card, or a saved card, belongs to card payments only.
    const saving = await pay(cookie, { amountKop: 10_000, method: "sbp", saveCard: true });
    expect(saving.status).toBe(400);
    expect((await json<{ errors: { field: string }[] }>(saving)).errors).toMatchObject([{ field: "saveCard" }]);
  });

  it("pays an СБП QR from the bank app: credited once, in the ledger, receipt and history as СБП", { timeout: 30_000 }, async () => {
    const cookie = await login("petr");
    const before = await balance(cookie);
    const { payment, confirmation } = await started(await pay(cookie, { amountKop: 23_400, method: "sbp" }));
    if (confirmation?.type !== "qr") throw new Error("СБП answers a QR");
    const id = /\/sbp\/([^/]+)\/banks$/.exec(confirmation.url)?.[1] ?? "";

    // The QR page draws the payload as an image of its own (no network): an inline SVG of the QR's modules.
    const qrPage = await call("msk", `/sandbox/acquirer/sbp/${id}`, { headers: html });
    expect(qrPage.status).toBe(200);
    const text = await qrPage.text();
    expect(text).toContain("234,00 ₽");
    const svg = /<svg[^>]*viewBox="0 0 (\d+) \d+"/.exec(text);
    expect(Number(svg?.[1])).toBe(qrMatrix(confirmation.payload).length + 8);
    expect(text).toContain("Оплатить из приложения банка");

    // Still waiting: polling says so.
    expect((await getPayment(cookie, payment.id)).status).toBe("pending");
    // The bank app pays (the sandbox's action); twice at once, as a shaky network would.
    const webhooks = watchWebhooks();
    const [a, b] = await Promise.all([
      call("msk", `/sandbox/acquirer/sbp/${id}/pay`, { method: "POST" }),
      call("msk", `/sandbox/acquirer/sbp/${id}/pay`, { method: "POST" }),
    ]);
    // (The sandbox's store is not transactional: both may say "paid"; the cabinet credits once whatever it hears.)
    for (const r of [a, b]) expect([200, 409]).toContain(r.status);
    // Polling sees it paid at once, before any webhook.
    expect(await getPayment(cookie, payment.id)).toMatchObject({ status: "succeeded", method: "sbp" });
    expect(await balance(cookie)).toBe(before + 23_400);

    // The acquirer's webhooks (twice, late, out of order) and replays of our own, ten at once: nothing more.
    const object = {
      id,
      status: "succeeded" as const,
      amountKop: 23_400,
      method: "sbp" as const,
      metadata: { paymentId: payment.id, accountNo: PETR_EKB },
    };
    const event = (eid: string): WebhookEvent => ({ id: eid, type: "payment.succeeded", createdAt: new Date().toISOString(), object });
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => webhook(event(`evt-sbp-${payment.id}-${i}`))));
    expect(results.every((r) => r.status === 200)).toBe(true);
    await webhook(event(`evt-sbp-${payment.id}-0`));
    await webhooks.sandboxDelivered(id, "payment.succeeded");
    expect(await balance(cookie)).toBe(before + 23_400);
    expect(await ledgerOf(payment.id)).toEqual([
      { amount_kop: 23_400, description_ru: "Оплата через СБП", description_en: "Payment by SBP (Faster Payments System)" },
    ]);

    const receipt = await json<{ payment: { form: string; method: string; card: string | null } }>(
      await call("msk", `/api/v1/accounts/${PETR_EKB}/payments/${payment.id}/receipt`, { headers: { cookie } }),
    );
    expect(receipt.payment).toEqual({ form: "Безналичными", method: "СБП", card: null });
    const list = await json<{ items: Payment[] }>(await call("msk", `/api/v1/accounts/${PETR_EKB}/payments`, { headers: { cookie } }));
    expect(list.items.find((p) => p.id === payment.id)).toMatchObject({ method: "sbp", status: "succeeded" });
    // The credit notification (in-app inbox) says how it was paid.
    await vi.waitFor(
      async () => {
        const [row] = await shardRows<{ body: string }>("SELECT body FROM inbox WHERE event_id = ? LIMIT 1", `payment:${payment.id}`);
        expect(row?.body).toMatch(/^Платёж через СБП на счёт /);
      },
      { timeout: 8000, interval: 200 },
    );
    // The QR page now says it is paid; paying again changes nothing.
    expect(await (await call("msk", `/sandbox/acquirer/sbp/${id}`, { headers: html })).text()).toContain("Оплачено");
  });

  it("pays by the bank-choice link on a phone and comes back to the cabinet", { timeout: 30_000 }, async () => {
    const cookie = await login("petr");
    const before = await balance(cookie);
    const { payment, confirmation } = await started(await pay(cookie, { amountKop: 11_000, method: "sbp" }));
    const banks = await call("msk", path(confirmation?.url ?? ""), { headers: html });
    expect(banks.status).toBe(200);
    const list = await banks.text();
    const bank = /<a href="([^"]+\/bank\/\d+)">Т-Банк<\/a>/.exec(list)?.[1];
    expect(bank, "the list links each bank's app").toBeTruthy();
    const app = await call("msk", bank ?? "", { headers: html });
    expect(await app.text()).toContain("110,00 ₽");
    const action = /<form method="post" action="([^"]+)">\s*<button[^>]*>Подтвердить оплату/.exec(
      await (await call("msk", bank ?? "", { headers: html })).text(),
    )?.[1];
    const done = await call("msk", action ?? "", { method: "POST", headers: html });
    expect(done.status).toBe(303);
    expect(done.headers.get("location")).toBe(`http://msk.kabinet.localhost/accounts/${PETR_EKB}/payments/${payment.id}`);
    expect((await getPayment(cookie, payment.id)).status).toBe("succeeded");
    expect(await balance(cookie)).toBe(before + 11_000);
  });

  it("credits SberPay and T-Pay once, with their names in the ledger", { timeout: 30_000 }, async () => {
    const cookie = await login("petr");
    for (const [method, ru] of [
      ["sberpay", "Оплата через SberPay"],
      ["tpay", "Оплата через T-Pay"],
    ] as const) {
      const before = await balance(cookie);
      const { payment, confirmationUrl } = await started(await pay(cookie, { amountKop: 13_000, method }));
      const [a, b] = await Promise.all([
        call("msk", path(confirmationUrl ?? ""), { method: "POST" }),
        call("msk", path(confirmationUrl ?? ""), { method: "POST" }),
      ]);
      expect([a.status, b.status]).toEqual([303, 303]);
      expect((await getPayment(cookie, payment.id)).status).toBe("succeeded");
      expect(await balance(cookie)).toBe(before + 13_000);
      expect((await ledgerOf(payment.id)).map((e) => e.description_ru)).toEqual([ru]);
    }
  });

  it("lets an unpaid СБП QR expire: shown as expired, never credited, no longer payable", { timeout: 30_000 }, async () => {
    const cookie = await login("petr");
    const before = await balance(cookie);
    const { payment, confirmation } = await started(await pay(cookie, { amountKop: 10_000, method: "sbp" }));
    const id = /\/sbp\/([^/]+)\/banks$/.exec(confirmation?.url ?? "")?.[1] ?? "";
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(Date.now() + SANDBOX_SBP_TTL_MS + 1000);
    expect(await getPayment(cookie, payment.id)).toMatchObject({ status: "failed", failureCode: "expired" });
    const late = await call("msk", `/sandbox/acquirer/sbp/${id}/pay`, { method: "POST", headers: html });
    expect(late.status).toBe(409);
    expect(await late.text()).toContain("Срок действия QR-кода истёк");
    vi.useRealTimers();
    expect(await balance(cookie)).toBe(before);
    expect(await ledgerOf(payment.id)).toEqual([]);
  });

  it("hides another subscriber's payment (404) and serves no method's page for another's payment", { timeout: 30_000 }, async () => {
    const petr = await login("petr");
    const { payment, confirmationUrl } = await started(await pay(petr, { amountKop: 10_000, method: "sbp" }));
    const anna = await login("anna");
    const foreign = await call("msk", `/api/v1/accounts/${PETR_EKB}/payments/${payment.id}`, { headers: { cookie: anna } });
    expect(foreign.status).toBe(404);
    expect(foreign.headers.get("content-type")).toContain("application/problem+json");
    const annaAccounts = await json<{ items: { accountNo: string }[] }>(
      await call("msk", "/api/v1/accounts", { headers: { cookie: anna } }),
    );
    const own = annaAccounts.items[0]?.accountNo ?? "";
    // Petr's payment id under Anna's own account is not hers either.
    expect((await call("msk", `/api/v1/accounts/${own}/payments/${payment.id}`, { headers: { cookie: anna } })).status).toBe(404);
    // The СБП payment has no card form, and a card payment no QR.
    const id = /\/sbp\/([^/]+)\/banks$/.exec(confirmationUrl ?? "")?.[1] ?? "";
    expect((await call("msk", `/sandbox/acquirer/pay/${id}`, { headers: html })).status).toBe(404);
    const card = await started(await pay(petr, { amountKop: 10_000 }));
    const cardId =
      path(card.confirmationUrl ?? "")
        .split("/")
        .pop() ?? "";
    expect((await call("msk", `/sandbox/acquirer/sbp/${cardId}`, { headers: html })).status).toBe(404);
  });
});
