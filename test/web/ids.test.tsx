import "fake-indexeddb/auto";
import { Route, Router } from "@solidjs/router";
import { cleanup, render, screen } from "@solidjs/testing-library";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import AccountPage from "../../web/src/features/accounts/AccountPage";
import type { AccountDto, InsightDto } from "../../web/src/features/accounts/accountsApi";
import type { PaymentOptionsDto } from "../../web/src/features/payments/paymentsApi";
import { I18nProvider, loadMoreStrings } from "../../web/src/i18n";

/**
 * What breaks "click the label, type in the field" and screen readers: an id
 * used twice, and a label whose `for` leads to a field outside its own form.
 */
function idProblems(root: ParentNode): string[] {
  const problems: string[] = [];
  const seen = new Map<string, number>();
  for (const el of root.querySelectorAll("[id]")) seen.set(el.id, (seen.get(el.id) ?? 0) + 1);
  for (const [id, n] of seen) if (n > 1) problems.push(`id "${id}" is used ${n} times`);
  for (const label of root.querySelectorAll("label[for]")) {
    const control = (label as HTMLLabelElement).control;
    if (!control) problems.push(`label "${label.textContent}" points at nothing`);
    else if (control.closest("form") !== label.closest("form"))
      problems.push(`label "${label.textContent}" points at a field of another form`);
  }
  return problems;
}

const ACCOUNT = "400000000001";
const account: AccountDto = {
  accountNo: ACCOUNT,
  role: "owner",
  region: "msk",
  holderName: "Анна Иванова",
  address: "Москва, ул. Ленина, д. 1",
  status: "active",
  balanceKop: 50_000,
  lowBalanceKop: 20_000,
  lowBalance: false,
  monthlyKop: 45_000,
  nextChargeDay: "2026-12-03",
  bonusPoints: null,
  services: [],
};
const insight: InsightDto = { balanceKop: 50_000, dailyKop: 1_500, daysLeft: 33, lastsUntil: null, lowBalanceKop: 20_000, months: [] };
const options: PaymentOptionsDto = {
  minKop: 1_000,
  maxKop: 1_500_000,
  methods: ["card"],
  suggestedKop: [50_000],
  cards: [{ id: "card-1", brand: "mir", last4: "4242", expMonth: 12, expYear: 2030 }],
  autopay: {
    cardId: "card-1",
    mode: "threshold",
    thresholdKop: 10_000,
    dayOfMonth: null,
    amountKop: 50_000,
    monthlyLimitKop: 300_000,
    nextChargeAfter: null,
    lastResult: null,
  },
  promised: { eligible: true, refusals: [], minKop: 10_000, maxKop: 50_000, days: 3, open: null },
};

/** The API of one account: its insight and payment options; anything else is a 404 problem (the screen shows its error). */
function fakeApi(input: RequestInfo | URL): Promise<Response> {
  const path = new URL(String(input), "http://msk.kabinet.localhost").pathname;
  const json = (body: unknown, status = 200, type = "application/json") =>
    Promise.resolve(new Response(JSON.stringify(body), { status, headers: { "content-type": type } }));
  if (path === `/api/v1/accounts/${ACCOUNT}`) return json(account);
  if (path === `/api/v1/accounts/${ACCOUNT}/history`) return json({ items: [], nextCursor: null });
  if (path === "/api/v1/help/articles") return json({ items: [], topics: [] });
  if (path === `/api/v1/accounts/${ACCOUNT}/insight`) return json(insight);
  if (path === `/api/v1/accounts/${ACCOUNT}/payment-options`) return json(options);
  if (path === `/api/v1/accounts/${ACCOUNT}/payments`) return json({ items: [] });
  return json({ type: "urn:kabinet:problem:not-found", title: "Не найдено", status: 404 }, 404, "application/problem+json");
}

beforeAll(() => loadMoreStrings());
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe("ids on the account page", { timeout: 20_000 }, () => {
  it("are unique, and each label focuses its own field (low-balance threshold vs autopay threshold)", async () => {
    vi.stubGlobal("fetch", vi.fn(fakeApi));
    history.replaceState(null, "", `/accounts/${ACCOUNT}`);
    render(() => (
      <I18nProvider initial="ru">
        <Router>
          <Route path="/accounts/:no" component={AccountPage} />
        </Router>
      </I18nProvider>
    ));
    const autopayThreshold = await screen.findByLabelText("Порог баланса, ₽");
    const lowBalance = await screen.findByLabelText("Предупредить, когда баланс ниже, ₽");
    await screen.findByLabelText("Сумма пополнения, ₽");
    await screen.findByLabelText("Сумма, ₽");
    expect((autopayThreshold as HTMLInputElement).value).toBe("100");
    expect((lowBalance as HTMLInputElement).value).toBe("200");
    expect(autopayThreshold).not.toBe(lowBalance);
    expect(idProblems(document.body)).toEqual([]);
  });
});
