import { createMemoryHistory, MemoryRouter, Route } from "@solidjs/router";
import { fireEvent, render, screen } from "@solidjs/testing-library";
import { describe, expect, it, vi } from "vitest";
import { TopUpForm } from "../../web/src/features/payments/TopUp";
import { I18nProvider, type Lang } from "../../web/src/i18n";
import { screenTestHooks } from "./harness";

const NO = "201000000012";
const PAYLOAD = "https://qr.nspk.ru/AD0000000000000000000000000000AB?type=02&bank=100000000111&sum=50000&cur=RUB&crc=1A2B";
const BANKS = "http://msk.kabinet.localhost/sandbox/acquirer/sbp/sbx_x/banks";

const payment = (status: string, failureCode: string | null = null, method = "sbp") => ({
  id: "pay-1",
  accountNo: NO,
  amountKop: 50_000,
  method,
  status,
  purpose: "topup",
  card: null,
  failureCode,
  createdAt: "2026-12-02T10:00:00.000Z",
  updatedAt: "2026-12-02T10:00:00.000Z",
  receiptNumber: null,
});

/**
 * The server as the dialog sees it: payment options, the create-payment
 * answer, and the payment's status over successive polls (the last repeats).
 */
function serve(statuses: ReturnType<typeof payment>[], cards: unknown[] = []) {
  const posts: { body: Record<string, unknown>; key: string | null }[] = [];
  let poll = 0;
  const fetch = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const path = new URL(String(input), "http://msk.kabinet.localhost").pathname;
    const reply = (body: unknown, status = 200) =>
      new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
    if (path.endsWith("/payment-options"))
      return reply({
        minKop: 1_000,
        maxKop: 1_500_000,
        suggestedKop: [50_000],
        methods: ["card", "sbp", "sberpay", "tpay"],
        cards,
        autopay: null,
        promised: { eligible: false, refusals: [], minKop: 0, maxKop: 0, days: 5, open: null },
      });
    if (path.endsWith("/payments") && init?.method === "POST") {
      const body = JSON.parse(String(init.body));
      posts.push({ body, key: new Headers(init.headers).get("idempotency-key") });
      if (body.method === "card") {
        const url = "http://msk.kabinet.localhost/sandbox/acquirer/pay/sbx_c";
        return reply({ payment: payment("pending", null, "card"), confirmationUrl: url, confirmation: { type: "redirect", url } }, 201);
      }
      return reply(
        { payment: payment("pending"), confirmationUrl: BANKS, confirmation: { type: "qr", payload: PAYLOAD, url: BANKS } },
        201,
      );
    }
    if (path.endsWith("/payments/pay-1")) return reply(statuses[Math.min(poll++, statuses.length - 1)]);
    return reply({ type: "urn:kabinet:problem:not-found", title: "Не найдено", status: 404 }, 404);
  });
  vi.stubGlobal("fetch", fetch);
  return posts;
}

function mount(lang: Lang = "ru") {
  const history = createMemoryHistory();
  history.set({ value: "/accounts" });
  render(() => (
    <I18nProvider initial={lang}>
      <MemoryRouter history={history}>
        <Route path="/accounts" component={() => <TopUpForm accountNo={NO} />} />
        <Route path="/accounts/:no/payments/:id" component={() => <p>payment page</p>} />
      </MemoryRouter>
    </I18nProvider>
  ));
  return history;
}

screenTestHooks();

describe("the top-up dialog's payment methods", () => {
  it("offers the methods as one radio group, card first; other methods say one-click and autopay are card-only", async () => {
    serve([payment("pending")], [{ id: "c1", brand: "visa", last4: "4242", expMonth: 12, expYear: 2030 }]);
    mount();
    const group = await screen.findByRole("group", { name: "Способ оплаты" });
    const radios = [...group.querySelectorAll<HTMLInputElement>("input[type=radio]")];
    expect(radios.map((r) => r.labels?.[0]?.textContent?.trim())).toEqual([
      "Банковская карта",
      "СБП — Система быстрых платежей",
      "SberPay",
      "T-Pay",
    ]);
    // One name: the browser moves between them with the arrow keys, Tab leaves the group.
    expect(new Set(radios.map((r) => r.name)).size).toBe(1);
    expect(screen.getByRole("radio", { name: "Банковская карта" })).toHaveProperty("checked", true);
    expect(screen.getByRole("radio", { name: "VISA •••• 4242" })).toBeTruthy();
    fireEvent.click(screen.getByRole("radio", { name: "СБП — Система быстрых платежей" }));
    expect(screen.queryByRole("radio", { name: "VISA •••• 4242" })).toBeNull();
    expect(screen.queryByRole("checkbox", { name: /Сохранить карту/ })).toBeNull();
    expect(screen.getByText("Оплата в один клик и автоплатёж работают только с банковской картой.")).toBeTruthy();
  });

  it("on a desktop shows the QR with the amount, waits, and opens the paid payment", async () => {
    const posts = serve([payment("pending"), payment("succeeded")]);
    const history = mount();
    fireEvent.click(await screen.findByRole("radio", { name: "СБП — Система быстрых платежей" }));
    fireEvent.click(screen.getByRole("button", { name: "Оплатить 500\u00a0₽" }));
    const qr = await screen.findByRole("img", { name: "QR-код СБП для оплаты 500\u00a0₽" });
    expect(qr.querySelector("path")?.getAttribute("d")?.length).toBeGreaterThan(100);
    expect(screen.getByRole("status").textContent).toBe("Ждём оплату 500\u00a0₽…");
    expect(screen.queryByRole("link", { name: /в приложении банка/ })).toBeNull();
    expect(posts).toEqual([{ body: { amountKop: 50_000, method: "sbp" }, key: expect.any(String) }]);
    // Polled until paid, then the payment's page (its receipt).
    await vi.waitFor(() => expect(history.get()).toBe(`/accounts/${NO}/payments/pay-1`), { timeout: 6000 });
  });

  it("on a phone gives the link to the bank-choice list instead of a QR", async () => {
    vi.stubGlobal("matchMedia", (q: string) => ({ matches: q.includes("max-width"), media: q }));
    serve([payment("pending")]);
    mount();
    fireEvent.click(await screen.findByRole("radio", { name: "СБП — Система быстрых платежей" }));
    fireEvent.click(screen.getByRole("button", { name: "Оплатить 500\u00a0₽" }));
    const link = await screen.findByRole("link", { name: "Оплатить 500\u00a0₽ в приложении банка" });
    expect(link.getAttribute("href")).toBe(BANKS);
    expect(screen.queryByRole("img", { name: /QR-код/ })).toBeNull();
    expect(screen.getByRole("status").textContent).toBe("Ждём оплату 500\u00a0₽…");
  });

  it("says when the QR expired and gets a new one as a new payment", async () => {
    const posts = serve([payment("failed", "expired")]);
    mount();
    fireEvent.click(await screen.findByRole("radio", { name: "СБП — Система быстрых платежей" }));
    fireEvent.click(screen.getByRole("button", { name: "Оплатить 500\u00a0₽" }));
    await screen.findByText("Срок действия QR-кода истёк — деньги не списаны.", {}, { timeout: 6000 });
    expect(screen.queryByRole("img", { name: /QR-код/ })).toBeNull();
    fireEvent.click(screen.getByRole("button", { name: "Получить новый QR-код" }));
    await vi.waitFor(() => expect(posts).toHaveLength(2));
    expect(posts[1]?.body).toEqual({ amountKop: 50_000, method: "sbp" });
    expect(posts[1]?.key).not.toBe(posts[0]?.key);
  });

  it("speaks English too", async () => {
    serve([payment("pending")]);
    mount("en");
    expect(await screen.findByRole("group", { name: "Payment method" })).toBeTruthy();
    fireEvent.click(screen.getByRole("radio", { name: "SBP, the Faster Payments System" }));
    expect(screen.getByText("One-click payments and autopay work with a bank card only.")).toBeTruthy();
    fireEvent.click(screen.getByRole("button", { name: "Pay 500\u00a0₽" }));
    expect(await screen.findByRole("img", { name: "SBP QR code to pay 500\u00a0₽" })).toBeTruthy();
    expect(screen.getByRole("status").textContent).toBe("Waiting for the payment of 500\u00a0₽…");
  });

  it("still pays by card as before (the hosted page), the method named", async () => {
    const posts = serve([payment("pending", null, "card")]);
    const assign = vi.fn();
    vi.stubGlobal("location", { ...window.location, assign });
    mount();
    fireEvent.click(await screen.findByRole("button", { name: "Оплатить 500\u00a0₽" }));
    await vi.waitFor(() => expect(posts).toHaveLength(1));
    expect(posts[0]?.body).toEqual({ amountKop: 50_000, method: "card", saveCard: false });
    await vi.waitFor(() => expect(assign).toHaveBeenCalledWith("http://msk.kabinet.localhost/sandbox/acquirer/pay/sbx_c"));
  });
});

describe("the top-up dialog after a refused attempt", () => {
  it("retries the same payment with the same key, and a changed amount or method as a new payment with a new key", async () => {
    const posts = serve([payment("pending")]);
    // The server refuses the first two attempts (ЮKassa unavailable), then answers as usual.
    const served = vi.mocked(globalThis.fetch);
    const base = served.getMockImplementation();
    let refusals = 2;
    served.mockImplementation(async (input, init) => {
      if (init?.method === "POST" && refusals > 0) {
        refusals--;
        posts.push({ body: JSON.parse(String(init.body)), key: new Headers(init.headers).get("idempotency-key") });
        return new Response(
          JSON.stringify({ type: "urn:kabinet:problem:acquirer-unavailable", title: "Оплата временно недоступна", status: 503 }),
          { status: 503, headers: { "content-type": "application/problem+json" } },
        );
      }
      return base ? base(input, init) : new Response(null, { status: 500 });
    });
    mount();
    fireEvent.click(await screen.findByRole("radio", { name: "СБП — Система быстрых платежей" }));
    fireEvent.click(screen.getByRole("button", { name: "Оплатить 500\u00a0₽" }));
    await screen.findByText(/Оплата временно недоступна/);
    fireEvent.click(screen.getByRole("button", { name: "Оплатить 500\u00a0₽" }));
    await vi.waitFor(() => expect(posts).toHaveLength(2));
    await vi.waitFor(() =>
      expect(screen.getByRole("button", { name: "Оплатить 500\u00a0₽" }).closest("form")?.getAttribute("aria-busy")).toBe("false"),
    );
    fireEvent.input(screen.getByRole("textbox", { name: /^Сумма, ₽/ }), { target: { value: "700" } });
    fireEvent.click(screen.getByRole("button", { name: "Оплатить 700\u00a0₽" }));
    await vi.waitFor(() => expect(posts).toHaveLength(3));
    expect(posts.map((p) => p.body)).toEqual([
      { amountKop: 50_000, method: "sbp" },
      { amountKop: 50_000, method: "sbp" },
      { amountKop: 70_000, method: "sbp" },
    ]);
    expect(posts[1]?.key).toBe(posts[0]?.key);
    expect(posts[2]?.key).not.toBe(posts[0]?.key);
  });
});
