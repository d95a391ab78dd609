import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { yookassaAcquirer } from "../../worker/adapters/payments/yookassa";
import type { YkReceipt } from "../../worker/adapters/payments/yookassa-api";
import { cards, subscribers } from "../../worker/db/schema/global";
import { autopay, payments } from "../../worker/db/schema/region";
import { balanceOf } from "../../worker/features/billing/billing.service";
import { AUTOPAY, autopayTick } from "../../worker/features/payments/autopay.service";
import { applyAcquirerPayment } from "../../worker/features/payments/payments.service";
import worker from "../../worker/index";
import { createDataAccess } from "../../worker/platform/db";
import { AppError } from "../../worker/platform/errors";
import { makeAccountNo } from "../../worker/platform/ids";
import { notifier } from "../../worker/platform/notify";
import { runTick } from "./cron";
import { FakeYooKassa } from "./fakes/yookassa";
import { json, login, SAME_ORIGIN, stepUp } from "./helpers";

const PETR_KZN = makeAccountNo("40300000005");
const meta = (paymentId = crypto.randomUUID()) => ({ paymentId, accountNo: PETR_KZN });
const payer = { email: "petr.smirnov@example.com" };

let fake: FakeYooKassa;
const acquirer = (over: { secretKey?: string; timeoutMs?: number } = {}) =>
  yookassaAcquirer({
    shopId: fake.shopId,
    secretKey: over.secretKey ?? fake.secretKey,
    fetch: fake.fetch,
    timeoutMs: over.timeoutMs ?? 2_000,
    sleep: () => Promise.resolve(),
  });

beforeEach(() => {
  fake = new FakeYooKassa();
});

const card = (over: Partial<Parameters<ReturnType<typeof acquirer>["createPayment"]>[0]> = {}) => ({
  method: "card" as const,
  amountKop: 50_000,
  description: "Пополнение лицевого счёта 403-000000-05",
  returnUrl: "https://msk.kabinet.example/accounts/x/payments/y",
  saveCard: false,
  metadata: meta(),
  idempotenceKey: crypto.randomUUID(),
  customer: payer,
  ...over,
});

/** What the adapter threw, for asserting what the subscriber is shown. */
async function thrown(p: Promise<unknown>): Promise<AppError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof AppError) return e;
    throw e;
  }
  throw new Error("did not throw");
}

describe("ЮKassa: methods and confirmations", () => {
  it("sends a card payer to ЮKassa's page and reads the paid card back", async () => {
    const started = await acquirer().createPayment(card());
    expect(started.confirmation).toEqual({ type: "redirect", url: expect.stringMatching(/^https:\/\/yoomoney\.ru\/checkout\//) });
    const sent = fake.payments.get(started.id)?.request;
    expect(sent).toMatchObject({
      amount: { value: "500.00", currency: "RUB" },
      capture: true,
      payment_method_data: { type: "bank_card" },
      confirmation: { type: "redirect", return_url: "https://msk.kabinet.example/accounts/x/payments/y" },
    });
    expect(sent).not.toHaveProperty("save_payment_method");
    expect(await acquirer().getPayment(started.id)).toMatchObject({ status: "pending", method: "card" });
    fake.pay(started.id, { last4: "1111", card_type: "Mir", expiry_month: "07", expiry_year: "2029" });
    expect(await acquirer().getPayment(started.id)).toMatchObject({
      status: "succeeded",
      amountKop: 50_000,
      method: "card",
      card: { last4: "1111", brand: "mir", expMonth: 7, expYear: 2029 },
    });
  });

  it("shows СБП as a QR whose payload is the НСПК link (the same link opens the bank choice on a phone)", async () => {
    const started = await acquirer().createPayment(card({ method: "sbp" }));
    expect(fake.payments.get(started.id)?.request).toMatchObject({ payment_method_data: { type: "sbp" }, confirmation: { type: "qr" } });
    expect(started.confirmation.type).toBe("qr");
    if (started.confirmation.type !== "qr") return;
    expect(started.confirmation.payload).toMatch(/^https:\/\/qr\.nspk\.ru\/\w+\?type=02&bank=\d+&sum=50000&cur=RUB/);
    expect(started.confirmation.url).toBe(started.confirmation.payload);
    fake.pay(started.id);
    expect(await acquirer().getPayment(started.id)).toMatchObject({ status: "succeeded", method: "sbp" });
  });

  it("sends SberPay and T-Pay payers to their bank by a redirect", async () => {
    const sber = await acquirer().createPayment(card({ method: "sberpay" }));
    const tpay = await acquirer().createPayment(card({ method: "tpay" }));
    expect(fake.payments.get(sber.id)?.request).toMatchObject({
      payment_method_data: { type: "sberbank" },
      confirmation: { type: "redirect" },
    });
    expect(fake.payments.get(tpay.id)?.request).toMatchObject({
      payment_method_data: { type: "tinkoff_bank" },
      confirmation: { type: "redirect" },
    });
    fake.pay(tpay.id);
    expect(await acquirer().getPayment(tpay.id)).toMatchObject({ status: "succeeded", method: "tpay" });
    expect(acquirer().methods).toEqual(["card", "sbp", "sberpay", "tpay"]);
  });
});

describe("ЮKassa: saved cards for autopay", () => {
  it("saves the card when asked and charges it later without the payer, by payment_method_id", async () => {
    const first = await acquirer().createPayment(card({ saveCard: true }));
    expect(fake.payments.get(first.id)?.request).toMatchObject({ save_payment_method: true });
    fake.pay(first.id);
    const token = (await acquirer().getPayment(first.id))?.card?.token;
    expect(token).toBeTruthy();
    const key = crypto.randomUUID();
    const charged = await acquirer().chargeSavedCard({
      token: token ?? "",
      amountKop: 60_000,
      description: "Автоплатёж, лицевой счёт 403-000000-05",
      metadata: meta(),
      idempotenceKey: key,
      customer: payer,
    });
    expect(charged).toMatchObject({ status: "succeeded", amountKop: 60_000, card: { last4: "4477", token } });
    const sent = fake.payments.get(charged.id)?.request;
    expect(sent).toMatchObject({ payment_method_id: token, capture: true, amount: { value: "600.00" } });
    expect(sent).not.toHaveProperty("confirmation");
  });

  it("reports a declined or forgotten saved card as a declined charge with its reason", async () => {
    const first = await acquirer().createPayment(card({ saveCard: true }));
    fake.pay(first.id);
    const token = (await acquirer().getPayment(first.id))?.card?.token ?? "";
    const saved = fake.savedMethods.get(token);
    if (saved) saved.decline = "insufficient_funds";
    const charge = (t: string) =>
      acquirer().chargeSavedCard({
        token: t,
        amountKop: 60_000,
        description: "Автоплатёж",
        metadata: meta(),
        idempotenceKey: crypto.randomUUID(),
        customer: payer,
      });
    expect(await charge(token)).toMatchObject({ status: "canceled", failureCode: "insufficient_funds" });
    expect(await charge("2d5a1b7e-000f-5000-8000-000000000000")).toMatchObject({ status: "canceled", failureCode: "permission_revoked" });
  });
});

describe("ЮKassa: a payment that waits for capture", () => {
  it("is captured by the cabinet when a notification names it, and then reads as succeeded", async () => {
    const started = await acquirer().createPayment(card());
    const stored = fake.payments.get(started.id);
    if (stored) stored.request.capture = false; // as if the shop had asked for two stages
    fake.pay(started.id);
    expect(fake.payments.get(started.id)?.status).toBe("waiting_for_capture");
    const event = await acquirer().verifyWebhook(fake.notification("payment.waiting_for_capture", started.id), undefined);
    expect(event).toMatchObject({ type: "payment.succeeded", object: { id: started.id, status: "succeeded", amountKop: 50_000 } });
    expect(fake.payments.get(started.id)?.status).toBe("succeeded");
    expect(fake.log.filter((r) => r.path.endsWith("/capture"))).toHaveLength(1);
  });
});

describe("ЮKassa: declines in the cabinet's words", () => {
  it.each([
    ["insufficient_funds", "insufficient_funds"],
    ["3d_secure_failed", "3ds_failed"],
    ["card_expired", "card_expired"],
    ["general_decline", "card_declined"],
    ["expired_on_confirmation", "timed_out"],
    ["fraud_suspected", "fraud_suspected"],
    ["something_new_of_theirs", "other"],
  ])("maps the reason %s to %s", async (reason, code) => {
    const started = await acquirer().createPayment(card());
    fake.decline(started.id, reason);
    expect(await acquirer().getPayment(started.id)).toMatchObject({ status: "canceled", failureCode: code });
  });
});

describe("ЮKassa: an СБП QR that nobody paid", () => {
  it("reads as an expired QR code", async () => {
    const started = await acquirer().createPayment(card({ method: "sbp" }));
    fake.decline(started.id, "expired_on_confirmation");
    expect(await acquirer().getPayment(started.id)).toMatchObject({ status: "canceled", method: "sbp", failureCode: "expired" });
  });
});

describe("ЮKassa: the 54-ФЗ receipt", () => {
  it("sends the receipt built from the payment, and the shop's ЮKassa accepts it", async () => {
    const started = await acquirer().createPayment(card({ amountKop: 123_45 }));
    expect(fake.payments.get(started.id)?.request.receipt).toEqual({
      customer: { email: "petr.smirnov@example.com" },
      tax_system_code: 1,
      items: [
        {
          description: "Пополнение лицевого счёта 403-000000-05",
          quantity: "1.00",
          amount: { value: "123.45", currency: "RUB" },
          vat_code: 12,
          payment_subject: "service",
          payment_mode: "full_prepayment",
        },
      ],
    });
    // A phone is sent as digits only.
    const byPhone = await acquirer().createPayment(card({ customer: { phone: "+7 900 000-00-02" } }));
    expect(fake.payments.get(byPhone.id)?.request.receipt).toMatchObject({ customer: { phone: "79000000002" } });
  });

  it("states VAT at the rate of the day the payment is made: 20/120 (code 6) to the end of 2025 in Moscow, 22/122 (code 12) from 1 January 2026", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    try {
      const vatCodeAt = async (iso: string) => {
        vi.setSystemTime(new Date(iso));
        const started = await acquirer().createPayment(card());
        return (fake.payments.get(started.id)?.request.receipt as YkReceipt | undefined)?.items.map((i) => i.vat_code);
      };
      // 23:59:59 on 31 December 2025 in Moscow (UTC+3) is still 2025; a second later it is 2026.
      expect(await vatCodeAt("2025-12-31T20:59:59Z")).toEqual([6]);
      expect(await vatCodeAt("2025-12-31T21:00:00Z")).toEqual([12]);
      expect(await vatCodeAt("2025-06-15T12:00:00Z")).toEqual([6]);
      expect(await vatCodeAt("2026-03-01T12:00:00Z")).toEqual([12]);
    } finally {
      vi.useRealTimers();
    }
  });

  it("returns a 2025 payment in 2026 at the rate it was paid at: the refund's receipt says 20/120 (code 6)", async () => {
    const started = await acquirer().createPayment(card({ amountKop: 30_000 }));
    fake.pay(started.id);
    const refundReceipts: unknown[] = [];
    const refunding = yookassaAcquirer({
      shopId: fake.shopId,
      secretKey: fake.secretKey,
      fetch: async (req: Request) => {
        if (req.method === "POST" && new URL(req.url).pathname.endsWith("/refunds"))
          refundReceipts.push((await req.clone().json<{ receipt?: unknown }>()).receipt);
        return fake.fetch(req);
      },
      sleep: () => Promise.resolve(),
    });
    const refund = (paidAt?: Date) =>
      refunding.refund({
        acquirerPaymentId: started.id,
        amountKop: 10_000,
        description: "Возврат платежа",
        idempotenceKey: crypto.randomUUID(),
        customer: payer,
        ...(paidAt ? { paidAt } : {}),
      });
    expect((await refund(new Date("2025-12-20T09:00:00Z"))).status).toBe("succeeded");
    expect((await refund(new Date("2026-01-02T09:00:00Z"))).status).toBe("succeeded");
    expect(refundReceipts).toMatchObject([{ items: [{ vat_code: 6 }] }, { items: [{ vat_code: 12 }] }]);
  });

  it("is checked by the fake as ЮKassa does: items must add up, VAT codes and subjects must exist", async () => {
    const post = (receipt: unknown) =>
      fake.fetch(
        new Request("https://api.yookassa.ru/v3/payments", {
          method: "POST",
          headers: {
            authorization: `Basic ${btoa(`${fake.shopId}:${fake.secretKey}`)}`,
            "idempotence-key": crypto.randomUUID(),
            "content-type": "application/json",
          },
          body: JSON.stringify({
            amount: { value: "100.00", currency: "RUB" },
            confirmation: { type: "qr" },
            payment_method_data: { type: "sbp" },
            receipt,
          }),
        }),
      );
    const item = {
      description: "Услуги связи",
      quantity: "1.00",
      amount: { value: "100.00", currency: "RUB" },
      vat_code: 6,
      payment_subject: "service",
      payment_mode: "full_prepayment",
    };
    const refused = async (receipt: unknown) => json<{ type: string; code: string; parameter: string }>(await post(receipt));
    expect(await refused({ customer: { email: "a@b.ru" }, items: [{ ...item, vat_code: 13 }] })).toMatchObject({
      type: "error",
      code: "invalid_request",
      parameter: "receipt.items[0].vat_code",
    });
    expect(
      (await refused({ customer: { email: "a@b.ru" }, items: [{ ...item, amount: { value: "99.00", currency: "RUB" } }] })).parameter,
    ).toBe("receipt.items");
    expect((await refused({ customer: {}, items: [item] })).parameter).toBe("receipt.customer");
    expect((await refused(undefined)).parameter).toBe("receipt");
    expect((await post({ customer: { email: "a@b.ru" }, items: [item] })).status).toBe(200);
  });
});

describe("ЮKassa: retries, idempotence and errors", () => {
  it("repeats a request that got a 500 after ЮKassa did the work, with the same key: one payment", async () => {
    fake.fail("500-after");
    const started = await acquirer().createPayment(card());
    expect(fake.payments.size).toBe(1);
    const posts = fake.log.filter((r) => r.method === "POST");
    expect(posts).toHaveLength(2);
    expect(posts[0]?.key).toBe(posts[1]?.key);
    expect(fake.payments.has(started.id)).toBe(true);
  });

  it("repeats a request whose answer came too late, with the same key: one payment", async () => {
    fake.fail("slow");
    const started = await acquirer({ timeoutMs: 100 }).createPayment(card());
    expect(fake.payments.size).toBe(1);
    expect(fake.payments.has(started.id)).toBe(true);
    const keys = fake.log.filter((r) => r.method === "POST").map((r) => r.key);
    expect(keys).toHaveLength(2);
    expect(new Set(keys).size).toBe(1);
  });

  it("repeats a request whose connection was lost after ЮKassa did the work, with the same key: one payment", async () => {
    fake.fail("reset-after");
    const started = await acquirer().createPayment(card());
    expect([...fake.payments.keys()]).toEqual([started.id]);
    expect(new Set(fake.log.map((r) => r.key)).size).toBe(1);
    expect(fake.log).toHaveLength(2);
  });

  it("waits out 429 and 202 «processing» and asks again", async () => {
    fake.fail("429", "202");
    const started = await acquirer().createPayment(card());
    expect(fake.payments.size).toBe(1);
    expect(fake.log).toHaveLength(3);
    expect(started.confirmation.type).toBe("redirect");
  });

  it("gives up after three 500s with a 503 problem; trying again later with the same key still makes one payment", async () => {
    fake.fail("500", "500", "500");
    const p = card();
    const e = await thrown(acquirer().createPayment(p));
    expect([e.status, e.slug]).toEqual([503, "acquirer_unavailable"]);
    expect(fake.payments.size).toBe(0);
    const again = await acquirer().createPayment(p);
    const once = await acquirer().createPayment(p);
    expect(once.id).toBe(again.id);
    expect(fake.payments.size).toBe(1);
  });

  it("refuses the same key with another body (ЮKassa's idempotence), so a reused key never pays for something else", async () => {
    const p = card();
    await acquirer().createPayment(p);
    const e = await thrown(acquirer().createPayment({ ...p, amountKop: 60_000 }));
    expect(e.status).toBe(503);
    expect(fake.payments.size).toBe(1);
    expect(fake.log.at(-1)).toMatchObject({ method: "POST", path: "/payments" });
  });

  it("turns 401 (a wrong shop id or secret key) into a clear log line for the operator and a 503 for the payer, without retrying", async () => {
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    try {
      const e = await thrown(acquirer({ secretKey: "test_wrong" }).createPayment(card()));
      expect([e.status, e.slug]).toEqual([503, "acquirer_unavailable"]);
      const line = JSON.parse(String(errors.mock.calls.at(-1)?.[0] ?? "{}"));
      expect(line).toMatchObject({ msg: "yookassa.error", status: 401, code: "invalid_credentials" });
      expect(JSON.stringify(errors.mock.calls)).not.toContain("test_wrong");
      expect(fake.log).toHaveLength(0);
    } finally {
      errors.mockRestore();
    }
  });
});

describe("ЮKassa: what is logged", () => {
  it("keeps the payer's email and phone out of the log when ЮKassa's error text quotes them", async () => {
    const quoting = async () =>
      new Response(
        JSON.stringify({
          type: "error",
          id: "e1",
          code: "invalid_request",
          parameter: "receipt.customer",
          description: "Invalid customer: petr.smirnov@example.com, phone +7 (900) 000-00-02",
        }),
        { status: 400, headers: { "content-type": "application/json" } },
      );
    const acq = yookassaAcquirer({ shopId: fake.shopId, secretKey: fake.secretKey, fetch: quoting, sleep: () => Promise.resolve() });
    const warnings = vi.spyOn(console, "warn").mockImplementation(() => {});
    try {
      expect((await thrown(acq.createPayment(card()))).status).toBe(503);
      const logged = JSON.stringify(warnings.mock.calls);
      expect(logged).toContain("yookassa.error");
      expect(logged).toContain("receipt.customer");
      expect(logged).not.toContain("petr.smirnov@example.com");
      expect(logged).not.toMatch(/900\D*000\D*00\D*02/);
    } finally {
      warnings.mockRestore();
    }
  });
});

describe("ЮKassa: a live shop", () => {
  const live = () =>
    yookassaAcquirer({ shopId: fake.shopId, secretKey: fake.secretKey, fetch: fake.fetch, sleep: () => Promise.resolve(), live: true });

  it("takes no test payment (test: true) for money: not read as paid, not charged as autopay, its notification credits nothing", async () => {
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    try {
      const started = await acquirer().createPayment(card({ saveCard: true }));
      fake.pay(started.id);
      expect(await acquirer().getPayment(started.id)).toMatchObject({ status: "succeeded" });
      expect(await live().getPayment(started.id)).toBeNull();
      const event = await live().verifyWebhook(fake.notification("payment.succeeded", started.id), undefined);
      expect(event?.object.metadata).toEqual({ paymentId: "", accountNo: "" });
      const token = fake.payments.get(started.id)?.payment_method?.id ?? "";
      const e = await thrown(
        live().chargeSavedCard({
          token,
          amountKop: 30_000,
          description: "Автоплатёж",
          metadata: meta(),
          idempotenceKey: crypto.randomUUID(),
          customer: payer,
        }),
      );
      expect(e.status).toBe(503);
      expect(JSON.stringify(errors.mock.calls)).toContain("yookassa.test_payment_in_live_mode");
    } finally {
      errors.mockRestore();
    }
  });
});

// ── Through the Worker: the top-up API and the notification URL with ACQUIRER = "yookassa" ──

type Payment = { id: string; status: string; failureCode: string | null };

describe("ЮKassa through the Worker", () => {
  const realFetch = globalThis.fetch;
  let ykEnv: Env;
  beforeEach(() => {
    ykEnv = { ...env, ACQUIRER: "yookassa", YOOKASSA_SHOP_ID: fake.shopId, YOOKASSA_SECRET_KEY: fake.secretKey };
    // The Worker's outgoing requests to ЮKassa reach the fake; nothing else is expected.
    vi.stubGlobal("fetch", (input: RequestInfo | URL, init?: RequestInit) => {
      const request = new Request(input, init);
      if (new URL(request.url).hostname === "api.yookassa.ru") return fake.fetch(request);
      return realFetch(request);
    });
  });
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  async function ykWorker(sub: string | null, path: string, init: RequestInit = {}) {
    const ctx = createExecutionContext();
    const host = sub ? `${sub}.kabinet.localhost` : "kabinet.localhost";
    const res = await worker.fetch(new Request(`http://${host}${path}`, { redirect: "manual", ...init }), ykEnv, ctx);
    await waitOnExecutionContext(ctx);
    return res;
  }

  /** One stepped-up session for the file: a code goes to a phone at most once a minute. */
  let steppedUp: Promise<string> | undefined;
  function loginPetr(withStepUp = false): Promise<string> {
    if (!withStepUp) return signIn(false);
    steppedUp ??= signIn(true);
    return steppedUp;
  }
  async function signIn(withStepUp: boolean): Promise<string> {
    const cookie = await login("petr");
    // Saving a card and autopay need a fresh SMS code.
    return withStepUp ? stepUp(cookie, "+79000000002") : cookie;
  }

  const topUp = (cookie: string, amountKop: number, lang = "") =>
    ykWorker("msk", `/api/v1/accounts/${PETR_KZN}/payments${lang}`, {
      method: "POST",
      headers: { ...SAME_ORIGIN, cookie, "idempotency-key": crypto.randomUUID() },
      body: JSON.stringify({ amountKop }),
    });
  const seen = async (cookie: string, id: string) =>
    json<Payment>(await ykWorker("msk", `/api/v1/accounts/${PETR_KZN}/payments/${id}`, { headers: { cookie } }));
  const balance = async (cookie: string) =>
    (await json<{ balanceKop: number }>(await ykWorker("msk", `/api/v1/accounts/${PETR_KZN}`, { headers: { cookie } }))).balanceKop;
  const notify = (body: string) =>
    ykWorker(null, "/webhooks/acquirer", { method: "POST", headers: { "content-type": "application/json" }, body });
  /** ЮKassa's own delivery of a notification to the shop's URL. */
  const deliver = (event: string, id: string) =>
    fake.notify(
      async (r) => {
        const ctx = createExecutionContext();
        const res = await worker.fetch(r, ykEnv, ctx);
        await waitOnExecutionContext(ctx);
        return res;
      },
      "http://kabinet.localhost/webhooks/acquirer",
      event,
      id,
    );
  async function credits(paymentId: string, kind: "payment" | "refund") {
    const shard = await createDataAccess(env).shardForAccount(PETR_KZN);
    if (!shard) throw new Error("no shard");
    const d1 = (shard.db as unknown as { $client: D1Database }).$client;
    const row = await d1
      .prepare("SELECT count(*) n, coalesce(sum(amount_kop),0) s FROM ledger_entries WHERE idempotency_key = ?")
      .bind(`${kind}:${paymentId}`)
      .first<{ n: number; s: number }>();
    return { n: Number(row?.n ?? 0), sumKop: Number(row?.s ?? 0) };
  }
  const acquirerIdOf = (paymentId: string) => [...fake.payments.values()].find((p) => p.metadata?.paymentId === paymentId)?.id ?? "";

  it("credits nothing for a forged payment.succeeded while ЮKassa says pending; the real one credits once, however often it comes", async () => {
    const cookie = await loginPetr();
    const before = await balance(cookie);
    const res = await topUp(cookie, 50_000);
    expect(res.status).toBe(201);
    const { payment, confirmationUrl } = await json<{ payment: Payment; confirmationUrl: string }>(res);
    expect(confirmationUrl).toMatch(/^https:\/\/yoomoney\.ru\/checkout\//);
    const ykId = acquirerIdOf(payment.id);
    // Someone who knows the URL posts what ЮKassa would send for a paid payment.
    const forged = JSON.parse(fake.notification("payment.succeeded", ykId));
    forged.object = { ...forged.object, status: "succeeded", paid: true };
    // ЮKassa says pending: the claim is not applied, and a 503 would make the real sender try again later.
    expect((await notify(JSON.stringify(forged))).status).toBe(503);
    expect((await seen(cookie, payment.id)).status).toBe("pending");
    expect(await balance(cookie)).toBe(before);
    expect(await credits(payment.id, "payment")).toEqual({ n: 0, sumKop: 0 });
    // An invented payment id is refused (ЮKassa does not know it).
    const invented = { ...forged, object: { ...forged.object, id: "2d5a1b7e-000f-5000-8000-00000000dead" } };
    expect((await notify(JSON.stringify(invented))).status).toBe(401);

    fake.pay(ykId);
    for (let i = 0; i < 3; i++) expect((await deliver("payment.succeeded", ykId)).status).toBe(200);
    expect((await seen(cookie, payment.id)).status).toBe("succeeded");
    expect(await balance(cookie)).toBe(before + 50_000);
    expect(await credits(payment.id, "payment")).toEqual({ n: 1, sumKop: 50_000 });
  });

  it("answers 503 to a notification it cannot check with the API now, so ЮKassa sends it again, and credits it then", async () => {
    const cookie = await loginPetr();
    const { payment } = await json<{ payment: Payment }>(await topUp(cookie, 40_000));
    const ykId = acquirerIdOf(payment.id);
    fake.pay(ykId);
    const warnings = vi.spyOn(console, "warn").mockImplementation(() => {});
    try {
      fake.fail("500", "500", "500");
      expect((await deliver("payment.succeeded", ykId)).status).toBe(503);
    } finally {
      warnings.mockRestore();
    }
    expect(await credits(payment.id, "payment")).toEqual({ n: 0, sumKop: 0 });
    expect((await deliver("payment.succeeded", ykId)).status).toBe(200);
    expect(await credits(payment.id, "payment")).toEqual({ n: 1, sumKop: 40_000 });
  });

  it("does not send the payer to a second ЮKassa payment when a top-up is replayed a day later with the same key", async () => {
    const cookie = await loginPetr();
    const key = crypto.randomUUID();
    const again = () =>
      ykWorker("msk", `/api/v1/accounts/${PETR_KZN}/payments`, {
        method: "POST",
        headers: { ...SAME_ORIGIN, cookie, "idempotency-key": key },
        body: JSON.stringify({ amountKop: 25_000 }),
      });
    const first = await json<{ payment: Payment; confirmationUrl: string }>(await again());
    // Within the hour to pay, the same key gives the same page.
    expect((await json<{ confirmationUrl: string }>(await again())).confirmationUrl).toBe(first.confirmationUrl);
    // A day later ЮKassa has forgotten the key and the unpaid payment has expired.
    fake.advance(25 * 3_600_000);
    const late = await json<{ payment: Payment; confirmationUrl: string | null }>(await again());
    expect(late.confirmationUrl).toBeNull();
    expect(late.payment).toMatchObject({ id: first.payment.id, status: "failed", failureCode: "timed_out" });
    expect(fake.payments.size).toBe(1);
  });

  it("never charges a saved card twice when a payment still pending is replayed a day later with the same key", {
    timeout: 30_000,
  }, async () => {
    const cookie = await loginPetr(true);
    const saving = await json<{ payment: Payment }>(
      await ykWorker("msk", `/api/v1/accounts/${PETR_KZN}/payments`, {
        method: "POST",
        headers: { ...SAME_ORIGIN, cookie, "idempotency-key": crypto.randomUUID() },
        body: JSON.stringify({ amountKop: 10_000, saveCard: true }),
      }),
    );
    const savingId = acquirerIdOf(saving.payment.id);
    fake.pay(savingId, { last4: "0077" });
    expect((await deliver("payment.succeeded", savingId)).status).toBe(200);
    const { items } = await json<{ items: { id: string; last4: string }[] }>(
      await ykWorker("msk", "/api/v1/me/cards", { headers: { cookie } }),
    );
    const saved = fake.savedMethods.get(fake.payments.get(savingId)?.payment_method?.id ?? "");
    if (saved) saved.pending = true; // the bank takes its time with this charge
    const key = crypto.randomUUID();
    const payWithSaved = () =>
      ykWorker("msk", `/api/v1/accounts/${PETR_KZN}/payments`, {
        method: "POST",
        headers: { ...SAME_ORIGIN, cookie, "idempotency-key": key },
        body: JSON.stringify({ amountKop: 35_000, cardId: items.find((c) => c.last4 === "0077")?.id }),
      });
    const first = await json<{ payment: Payment }>(await payWithSaved());
    expect(first.payment.status).toBe("pending");
    fake.advance(25 * 3_600_000);
    const late = await json<{ payment: Payment }>(await payWithSaved());
    expect(late.payment).toMatchObject({ id: first.payment.id, status: "pending" });
    expect([...fake.payments.values()].filter((p) => p.request.payment_method_id !== undefined)).toHaveLength(1);
  });

  it("applies a refund once ЮKassa confirms it: the payment reads refunded and the ledger is debited once", async () => {
    const cookie = await loginPetr();
    const { payment } = await json<{ payment: Payment }>(await topUp(cookie, 30_000));
    const ykId = acquirerIdOf(payment.id);
    fake.pay(ykId);
    expect((await deliver("payment.succeeded", ykId)).status).toBe(200);
    expect((await seen(cookie, payment.id)).status).toBe("succeeded");
    const before = await balance(cookie);
    const refund = await yookassaAcquirer({ shopId: fake.shopId, secretKey: fake.secretKey, fetch: fake.fetch }).refund({
      acquirerPaymentId: ykId,
      amountKop: 30_000,
      description: "Возврат платежа",
      idempotenceKey: `refund-${payment.id}`,
      customer: payer,
    });
    expect(refund.status).toBe("succeeded");
    for (let i = 0; i < 2; i++) expect((await deliver("refund.succeeded", refund.id)).status).toBe(200);
    expect((await seen(cookie, payment.id)).status).toBe("refunded");
    expect(await balance(cookie)).toBe(before - 30_000);
    expect(await credits(payment.id, "refund")).toEqual({ n: 1, sumKop: -30_000 });
  });

  it("still shows the payer's payment as pending while ЮKassa answers 500, and settles it once ЮKassa is back", async () => {
    const cookie = await loginPetr();
    const { payment } = await json<{ payment: Payment }>(await topUp(cookie, 20_000));
    const ykId = acquirerIdOf(payment.id);
    fake.pay(ykId);
    const warnings = vi.spyOn(console, "warn").mockImplementation(() => {});
    try {
      fake.fail("500", "500", "500");
      const res = await ykWorker("msk", `/api/v1/accounts/${PETR_KZN}/payments/${payment.id}`, { headers: { cookie } });
      expect(res.status).toBe(200);
      expect((await json<Payment>(res)).status).toBe("pending");
    } finally {
      warnings.mockRestore();
    }
    expect((await seen(cookie, payment.id)).status).toBe("succeeded");
    expect(await credits(payment.id, "payment")).toEqual({ n: 1, sumKop: 20_000 });
  });

  it("answers 503 to a payment.succeeded that ЮKassa's API does not confirm yet, so ЮKassa delivers it again; then credits once", async () => {
    const cookie = await loginPetr();
    const { payment } = await json<{ payment: Payment }>(await topUp(cookie, 15_000));
    const ykId = acquirerIdOf(payment.id);
    const warnings = vi.spyOn(console, "warn").mockImplementation(() => {});
    try {
      const early = await deliver("payment.succeeded", ykId);
      expect(early.status).toBe(503);
      expect(early.headers.get("content-type")).toContain("application/problem+json");
    } finally {
      warnings.mockRestore();
    }
    expect(await credits(payment.id, "payment")).toEqual({ n: 0, sumKop: 0 });
    fake.pay(ykId);
    expect((await deliver("payment.succeeded", ykId)).status).toBe(200);
    expect(await credits(payment.id, "payment")).toEqual({ n: 1, sumKop: 15_000 });
  });

  it("sends no receipt of its own when ЮKassa registers the 54-ФЗ one: the payment's page has its details without fiscal data", async () => {
    const cookie = await loginPetr();
    const { payment } = await json<{ payment: Payment }>(await topUp(cookie, 13_300));
    const ykId = acquirerIdOf(payment.id);
    expect(fake.payments.get(ykId)?.request).toHaveProperty("receipt");
    fake.pay(ykId);
    const told: { channel: string; subject?: string }[] = [];
    const seenByYk = await yookassaAcquirer({ shopId: fake.shopId, secretKey: fake.secretKey, fetch: fake.fetch }).getPayment(ykId);
    if (!seenByYk) throw new Error("ЮKassa does not know the payment");
    const spy = async (m: { channel: string; subject?: string }) => {
      told.push(m);
    };
    expect(await applyAcquirerPayment(createDataAccess(env), spy, seenByYk, "sync")).toBe("applied");
    expect(told.map((m) => m.channel)).toContain("event");
    expect(told.filter((m) => m.channel === "email")).toEqual([]);
    const res = await ykWorker("msk", `/api/v1/accounts/${PETR_KZN}/payments/${payment.id}/receipt`, { headers: { cookie } });
    expect(res.status).toBe(200);
    const info = await json<{ totalKop: number; fiscal: unknown }>(res);
    expect(info.totalKop).toBe(13_300);
    expect(info.fiscal).toBeNull();
  });

  it("credits a paid payment whose notification never came at the next hourly tick, once; a payment of the last minutes is left alone", {
    timeout: 30_000,
  }, async () => {
    const cookie = await loginPetr();
    const { payment } = await json<{ payment: Payment }>(await topUp(cookie, 12_300));
    const ykId = acquirerIdOf(payment.id);
    fake.pay(ykId);
    const hourly = (at: Date) => runTick("0 * * * *", at.getTime(), ykEnv);
    const gets = () => fake.log.filter((l) => l.method === "GET" && l.path === `/payments/${ykId}`).length;
    const asked = gets();
    await hourly(new Date(Date.now() + 60_000));
    expect(gets()).toBe(asked);
    expect(await credits(payment.id, "payment")).toEqual({ n: 0, sumKop: 0 });
    await hourly(new Date(Date.now() + 20 * 60_000));
    expect(await credits(payment.id, "payment")).toEqual({ n: 1, sumKop: 12_300 });
    expect((await seen(cookie, payment.id)).status).toBe("succeeded");
    await hourly(new Date(Date.now() + 80 * 60_000));
    expect(await credits(payment.id, "payment")).toEqual({ n: 1, sumKop: 12_300 });
  });

  it("saves the card of a paid top-up and charges it by payment_method_id for autopay, with the payer's receipt", {
    timeout: 30_000,
  }, async () => {
    const cookie = await loginPetr(true);
    const res = await ykWorker("msk", `/api/v1/accounts/${PETR_KZN}/payments`, {
      method: "POST",
      headers: { ...SAME_ORIGIN, cookie, "idempotency-key": crypto.randomUUID() },
      body: JSON.stringify({ amountKop: 10_000, saveCard: true }),
    });
    expect(res.status).toBe(201);
    const { payment } = await json<{ payment: Payment }>(res);
    const ykId = acquirerIdOf(payment.id);
    expect(fake.payments.get(ykId)?.request).toMatchObject({ save_payment_method: true });
    fake.pay(ykId, { last4: "0005", card_type: "Mir" });
    expect((await deliver("payment.succeeded", ykId)).status).toBe(200);
    const { items } = await json<{ items: { id: string; last4: string; brand: string }[] }>(
      await ykWorker("msk", "/api/v1/me/cards", { headers: { cookie } }),
    );
    const saved = items.find((c) => c.last4 === "0005");
    expect(saved?.brand).toBe("mir");
    const set = await ykWorker("msk", `/api/v1/accounts/${PETR_KZN}/autopay`, {
      method: "PUT",
      headers: { ...SAME_ORIGIN, cookie },
      body: JSON.stringify({ cardId: saved?.id, mode: "monthly", dayOfMonth: 5, amountKop: 30_000, monthlyLimitKop: 100_000 }),
    });
    expect(set.status).toBe(204);
    const acquirer = yookassaAcquirer({
      shopId: fake.shopId,
      secretKey: fake.secretKey,
      fetch: fake.fetch,
      sleep: () => Promise.resolve(),
    });
    const tick = (at: Date) => autopayTick(createDataAccess(env), acquirer, notifier(env), at);
    const now = new Date();
    const next = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1, 9));
    const at = (days: number, hours = 0) => new Date(next.getTime() + (days * 24 + hours) * 3600_000);
    expect((await tick(at(5))).notices).toBe(1);
    const before = await balance(cookie);
    expect((await tick(at(6, 1))).charged).toBe(1);
    expect(await balance(cookie)).toBe(before + 30_000);
    const charge = [...fake.payments.values()].find((p) => p.request.payment_method_id !== undefined);
    expect(charge?.request).toMatchObject({
      payment_method_id: fake.payments.get(ykId)?.payment_method?.id,
      amount: { value: "300.00", currency: "RUB" },
      receipt: { customer: { email: "petr.smirnov@example.com" }, items: [{ amount: { value: "300.00" }, vat_code: 12 }] },
    });
    expect(charge?.request).not.toHaveProperty("confirmation");
  });

  it("refuses to pay with a 503 problem, and names the missing secret in the log, when the secret key is not set", async () => {
    const cookie = await loginPetr();
    const { YOOKASSA_SECRET_KEY: _unset, ...withoutKey } = ykEnv;
    ykEnv = withoutKey as Env;
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    try {
      const res = await topUp(cookie, 50_000);
      expect(res.status).toBe(503);
      expect(await json(res)).toMatchObject({ type: "urn:kabinet:problem:acquirer-unavailable" });
      expect(errors.mock.calls.map((c) => JSON.parse(String(c[0])))).toContainEqual(
        expect.objectContaining({ msg: "yookassa.missing_secret", secret: "YOOKASSA_SECRET_KEY" }),
      );
      expect(fake.log).toHaveLength(0);
    } finally {
      errors.mockRestore();
    }
  });

  it("shows the payer a 503 problem in their language when ЮKassa refuses the shop's credentials", async () => {
    const cookie = await loginPetr();
    ykEnv = { ...ykEnv, YOOKASSA_SECRET_KEY: "test_revoked_key" };
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    try {
      const ru = await topUp(cookie, 50_000);
      expect(ru.status).toBe(503);
      expect(ru.headers.get("content-type")).toContain("application/problem+json");
      expect(await json(ru)).toMatchObject({
        type: "urn:kabinet:problem:acquirer-unavailable",
        title: expect.stringMatching(/^Оплата временно недоступна/),
      });
      const en = await topUp(cookie, 50_000, "?lang=en");
      expect(await json(en)).toMatchObject({ title: expect.stringMatching(/^Payments are unavailable for now/) });
    } finally {
      errors.mockRestore();
    }
  });
});

// ── Autopay against ЮKassa: a charge it leaves pending, and an outage ──

describe("ЮKassa: autopay that does not get a final answer at once", () => {
  const token = () => `pm-${crypto.randomUUID()}`;
  const data = () => createDataAccess(env);
  const tick = (at: Date, acq: ReturnType<typeof acquirer> = acquirer()) => autopayTick(data(), acq, notifier(env), at);

  /** Petr's saved card (known to the fake) and an autopay of `amountKop` whose charge is due at `due`. */
  async function dueAutopay(pm: string, due: Date, amountKop = 30_000, monthlyLimitKop = 100_000) {
    const d = data();
    const petr = await d.global.select({ id: subscribers.id }).from(subscribers).where(eq(subscribers.login, "petr")).get();
    if (!petr) throw new Error("no petr");
    const cardId = crypto.randomUUID();
    await d.global.insert(cards).values({
      id: cardId,
      subscriberId: petr.id,
      token: pm,
      brand: "mir",
      last4: "0042",
      expMonth: 12,
      expYear: 2030,
      createdAt: due,
    });
    const shard = await d.shardForAccount(PETR_KZN);
    if (!shard) throw new Error("no shard");
    const row = {
      subscriberId: petr.id,
      cardId,
      mode: "monthly" as const,
      thresholdKop: null,
      dayOfMonth: 5,
      amountKop,
      monthlyLimitKop,
      status: "active" as const,
      cycle: `test-${crypto.randomUUID().slice(0, 8)}`,
      noticeAt: new Date(due.getTime() - AUTOPAY.monthlyLeadMs),
      chargeAfter: due,
      attempts: 0,
      lastResult: null,
      updatedAt: due,
    };
    await shard.db
      .insert(autopay)
      .values({ accountNo: PETR_KZN, ...row })
      .onConflictDoUpdate({ target: autopay.accountNo, set: row });
    return { db: shard.db, cycle: row.cycle };
  }
  const chargesOf = (pm: string) => [...fake.payments.values()].filter((p) => p.request.payment_method_id === pm);
  async function balanceKop() {
    const shard = await data().shardForAccount(PETR_KZN);
    if (!shard) throw new Error("no shard");
    return balanceOf(shard.db, PETR_KZN);
  }
  afterEach(async () => {
    const shard = await data().shardForAccount(PETR_KZN);
    await shard?.db.update(autopay).set({ status: "stopped", cycle: null, chargeAfter: null }).where(eq(autopay.accountNo, PETR_KZN));
  });

  it("charges the card once when ЮKassa answers pending: later ticks ask about that charge instead of charging again", async () => {
    const pm = token();
    fake.savedMethods.set(pm, {
      card: { first6: "220000", last4: "0042", expiry_month: "12", expiry_year: "2030", card_type: "Mir" },
      pending: true,
    });
    const t0 = new Date();
    await dueAutopay(pm, t0);
    const before = await balanceKop();
    expect((await tick(t0)).charged).toBe(0);
    expect(chargesOf(pm)).toHaveLength(1);
    // Six hours and more pass, ЮKassa still says pending: no second charge.
    for (const h of [6, 7, 13]) await tick(new Date(t0.getTime() + h * 3600_000 + 60_000));
    expect(chargesOf(pm)).toHaveLength(1);
    expect(await balanceKop()).toBe(before);
    // ЮKassa settles it; the next tick credits it, once, and the cycle is done.
    fake.pay(chargesOf(pm)[0]?.id ?? "");
    expect((await tick(new Date(t0.getTime() + 15 * 3600_000))).charged).toBe(1);
    for (const h of [20, 27]) await tick(new Date(t0.getTime() + h * 3600_000));
    expect(chargesOf(pm)).toHaveLength(1);
    expect(await balanceKop()).toBe(before + 30_000);
  });

  it("survives an outage of ЮKassa during the charge: the tick goes on, and the next one tries again with the same key, charging once", async () => {
    const pm = token();
    fake.savedMethods.set(pm, { card: { first6: "220000", last4: "0042", expiry_month: "12", expiry_year: "2030", card_type: "Mir" } });
    const t0 = new Date();
    await dueAutopay(pm, t0);
    const before = await balanceKop();
    const warnings = vi.spyOn(console, "warn").mockImplementation(() => {});
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    try {
      // ЮKassa takes the charge but every answer is lost (500 after the work, three times: the client's attempts).
      fake.fail("500-after", "500-after", "500-after");
      await expect(tick(t0)).resolves.toMatchObject({ charged: 0 });
      expect(chargesOf(pm)).toHaveLength(1);
      const logged = JSON.stringify([...warnings.mock.calls, ...errors.mock.calls]);
      expect(logged).toContain("autopay.charge_unavailable");
      expect(logged).not.toContain(PETR_KZN);
      expect(logged).not.toContain(pm);
    } finally {
      warnings.mockRestore();
      errors.mockRestore();
    }
    const keys = fake.log.filter((l) => l.method === "POST" && l.path === "/payments").map((l) => l.key);
    expect((await tick(new Date(t0.getTime() + AUTOPAY.retryMs + 60_000))).charged).toBe(1);
    const after = fake.log.filter((l) => l.method === "POST" && l.path === "/payments").map((l) => l.key);
    expect(new Set(after)).toEqual(new Set(keys));
    expect(chargesOf(pm)).toHaveLength(1);
    expect(await balanceKop()).toBe(before + 30_000);
  });

  it("counts a charge still pending in the month's limit", async () => {
    const pm = token();
    fake.savedMethods.set(pm, { card: { first6: "220000", last4: "0042", expiry_month: "12", expiry_year: "2030", card_type: "Mir" } });
    const t0 = new Date();
    const { db } = await dueAutopay(pm, t0, 30_000, 50_000);
    // An earlier autopay charge of this month that ЮKassa has not settled yet.
    const petr = await db.select({ s: autopay.subscriberId }).from(autopay).where(eq(autopay.accountNo, PETR_KZN)).get();
    await db.insert(payments).values({
      id: crypto.randomUUID(),
      accountNo: PETR_KZN,
      payerId: petr?.s ?? "",
      idempotencyKey: `autopay:earlier:${crypto.randomUUID()}`,
      requestHash: "x",
      purpose: "autopay",
      amountKop: 30_000,
      status: "pending",
      createdAt: t0,
      updatedAt: t0,
    });
    await tick(t0);
    expect(chargesOf(pm)).toHaveLength(0);
    expect((await db.select().from(autopay).where(eq(autopay.accountNo, PETR_KZN)).get())?.lastResult).toMatch(/^limit:/);
  });
});
