import "fake-indexeddb/auto";
import { createMemoryHistory, MemoryRouter, Route } from "@solidjs/router";
import { cleanup, render, screen } from "@solidjs/testing-library";
import type { Component } from "solid-js";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import AccountsPage from "../../web/src/features/accounts/AccountsPage";
import { SessionProvider } from "../../web/src/features/auth/SessionContext";
import BonusPage from "../../web/src/features/bonus/BonusPage";
import PaymentPage from "../../web/src/features/payments/PaymentPage";
import { I18nProvider, type Lang, loadLang, loadMoreStrings } from "../../web/src/i18n";

/** The server, as far as these screens ask it: a path → the JSON it answers (anything else: 404 problem). */
function serve(routes: Record<string, unknown>) {
  vi.stubGlobal(
    "fetch",
    vi.fn(async (input: RequestInfo | URL) => {
      const path = new URL(String(input), "http://msk.kabinet.localhost").pathname;
      if (path in routes) return new Response(JSON.stringify(routes[path]), { headers: { "content-type": "application/json" } });
      return new Response(JSON.stringify({ type: "urn:kabinet:problem:not_found", title: "Не найдено", status: 404 }), {
        status: 404,
        headers: { "content-type": "application/problem+json" },
      });
    }),
  );
}

const profile = { id: "demo-anna", displayName: "Анна Иванова", phone: "+79000000001", email: null, login: "anna" };

/** Mounts a screen at a path for a logged-in subscriber, in a language. */
function mount(path: string, pattern: string, page: Component, lang: Lang = "ru") {
  // The companion cookie the server sets with a session (the app reads it the same way).
  // biome-ignore lint/suspicious/noDocumentCookie: a test sets what the server would
  document.cookie = "kab_in=1";
  const history = createMemoryHistory();
  history.set({ value: path });
  render(() => (
    <I18nProvider initial={lang}>
      <SessionProvider>
        <MemoryRouter history={history}>
          <Route path={pattern} component={page} />
        </MemoryRouter>
      </SessionProvider>
    </I18nProvider>
  ));
}

beforeAll(async () => {
  await loadMoreStrings();
  await loadLang("en");
});
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const account = (accountNo: string, role: "owner" | "payer" | "viewer", balanceKop: number) => ({
  accountNo,
  role,
  region: "msk",
  holderName: "Иванова А.",
  address: "Москва",
  status: "active",
  balanceKop,
  lowBalanceKop: null,
  lowBalance: false,
  monthlyKop: 0,
  nextChargeDay: "2026-12-01",
  bonusPoints: null,
  services: [],
});

describe("«Всего на счетах»", () => {
  const accounts = {
    items: [account("201000000012", "owner", 150_000), account("302000000049", "payer", 20_000), account("403000000058", "viewer", 99_900)],
    totalKop: 170_000,
    viewOnlyKop: 99_900,
  };

  it("says it is the subscriber's own accounts and those they may pay for, and names view-only relatives' money apart", async () => {
    serve({ "/api/v1/me": { profile }, "/api/v1/accounts": accounts });
    mount("/accounts", "/accounts", AccountsPage);
    const total = await screen.findByText(/Всего на счетах/);
    expect(total.closest("p")?.textContent?.replace(/\s/g, " ")).toBe("Всего на счетах: 1 700 ₽");
    expect(screen.getByText("Ваши счета и счета родственников, которые вы можете оплачивать")).toBeTruthy();
    expect(screen.getByText(/Не входит в сумму/).textContent?.replace(/\s/g, " ")).toBe(
      "Не входит в сумму: 999 ₽ на счетах родственников, доступных только для просмотра",
    );
  });

  it("in English too, and without the note when no account is view-only", async () => {
    serve({ "/api/v1/me": { profile }, "/api/v1/accounts": { ...accounts, viewOnlyKop: 99_900 } });
    mount("/accounts", "/accounts", AccountsPage, "en");
    expect(await screen.findByText("Your accounts and relatives' accounts you can pay for")).toBeTruthy();
    expect(screen.getByText(/Not included/).textContent?.replace(/\s/g, " ")).toMatch(
      /^Not included: .*999.* on relatives' accounts you can only view$/,
    );
    cleanup();
    serve({ "/api/v1/me": { profile }, "/api/v1/accounts": { items: accounts.items.slice(0, 2), totalKop: 170_000, viewOnlyKop: 0 } });
    mount("/accounts", "/accounts", AccountsPage);
    await screen.findByText(/Всего на счетах/);
    expect(screen.queryByText(/Не входит в сумму/)).toBeNull();
  });
});

describe("a payment cancelled on the acquirer's card page", () => {
  const payment = {
    id: "01jpayment",
    status: "failed",
    amountKop: 15_000,
    failureCode: "canceled",
    receiptNumber: null,
    createdAt: "2026-12-02T10:00:00.000Z",
  };
  it("says so, and that no money was taken, instead of a bank failure", async () => {
    serve({ "/api/v1/me": { profile }, "/api/v1/accounts/504000000063/payments/01jpayment": payment });
    mount("/accounts/504000000063/payments/01jpayment", "/accounts/:no/payments/:id", PaymentPage);
    expect((await screen.findByText(/^Платёж не прошёл/)).textContent).toBe(
      "Платёж не прошёл: вы отменили оплату на странице банка. Деньги не списаны.",
    );
    cleanup();
    mount("/accounts/504000000063/payments/01jpayment", "/accounts/:no/payments/:id", PaymentPage, "en");
    expect((await screen.findByText(/^The payment did not/)).textContent).toBe(
      "The payment did not go through: you cancelled it on the bank's page. No money was taken.",
    );
  });
});

describe("«Бонус» rewards", () => {
  const rules = { version: "2026-11", ratePct: { internet: 5 }, autopayMonthly: 50, tenureYearly: 100, expiryMonths: 12 };
  const reward = (id: string, kind: string, title: string) => ({ id, kind, cost: 100, title, partner: null, valueKop: null });
  it("offer no «Трафик» filter when the account is offered no mobile data", async () => {
    const no = "201000000012";
    serve({
      "/api/v1/me": { profile },
      "/api/v1/accounts": { items: [account(no, "owner", 10_000)], totalKop: 10_000, viewOnlyKop: 0 },
      [`/api/v1/accounts/${no}/bonus`]: { accountNo: no, status: "active", balance: 500, expiringSoon: 0, history: [], rules },
      [`/api/v1/accounts/${no}/bonus/rewards`]: {
        items: [reward("discount-100", "discount", "Скидка 100 ₽ на услуги"), reward("partner-books", "partner", "Сертификат")],
      },
      [`/api/v1/accounts/${no}/bonus/redemptions`]: { items: [] },
    });
    mount(`/bonus?account=${no}`, "/bonus", BonusPage);
    expect(await screen.findByText("Скидка 100 ₽ на услуги")).toBeTruthy();
    const chips = screen.getAllByRole("button", { pressed: false }).map((b) => b.textContent);
    expect(chips).toEqual(["Скидки", "Партнёры"]);
    expect(screen.getByRole("button", { pressed: true }).textContent).toBe("Все");
  });
});
