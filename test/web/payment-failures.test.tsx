import "fake-indexeddb/auto";
import { createMemoryHistory, MemoryRouter, Route } from "@solidjs/router";
import { cleanup, render, screen } from "@solidjs/testing-library";
import { describe, expect, it, vi } from "vitest";
import { SessionProvider } from "../../web/src/features/auth/SessionContext";
import PaymentPage from "../../web/src/features/payments/PaymentPage";
import { I18nProvider, type Lang } from "../../web/src/i18n";
import { screenTestHooks } from "./harness";

const profile = { id: "demo-petr", displayName: "Пётр Смирнов", phone: "+79000000002", email: null, login: "petr" };

/** The payment page of a payment the acquirer declined with `failureCode`, in a language. */
function showDeclined(failureCode: string, lang: Lang) {
  const payment = {
    id: "01jpayment",
    status: "failed",
    amountKop: 50_000,
    failureCode,
    receiptNumber: null,
    createdAt: "2026-12-02T10:00:00.000Z",
  };
  const routes: Record<string, unknown> = { "/api/v1/me": { profile }, "/api/v1/accounts/403000000005/payments/01jpayment": payment };
  vi.stubGlobal(
    "fetch",
    vi.fn(async (input: RequestInfo | URL) => {
      const path = new URL(String(input), "http://msk.kabinet.localhost").pathname;
      const body = routes[path];
      return body
        ? new Response(JSON.stringify(body), { headers: { "content-type": "application/json" } })
        : new Response(JSON.stringify({ type: "urn:kabinet:problem:not-found", title: "Не найдено", status: 404 }), {
            status: 404,
            headers: { "content-type": "application/problem+json" },
          });
    }),
  );
  // biome-ignore lint/suspicious/noDocumentCookie: the companion cookie the server sets with a session
  document.cookie = "kab_in=1";
  const history = createMemoryHistory();
  history.set({ value: "/accounts/403000000005/payments/01jpayment" });
  render(() => (
    <I18nProvider initial={lang}>
      <SessionProvider>
        <MemoryRouter history={history}>
          <Route path="/accounts/:no/payments/:id" component={PaymentPage} />
        </MemoryRouter>
      </SessionProvider>
    </I18nProvider>
  ));
}

screenTestHooks();

// The reasons ЮKassa gives for a decline (cancellation_details.reason), as the adapter names them.
describe("a declined payment says why, in the payer's language", () => {
  it.each([
    ["card_expired", "истёк срок действия карты", "the card has expired"],
    ["invalid_card", "неверно указаны данные карты", "the card details were wrong"],
    ["timed_out", "время на оплату истекло", "the time to pay ran out"],
    ["issuer_unavailable", "банк не ответил вовремя, попробуйте ещё раз", "the bank did not answer in time, please try again"],
    ["limit_exceeded", "превышен лимит по карте или счёту", "a limit of the card or account was exceeded"],
    ["method_restricted", "банк не разрешает такие платежи этим способом", "the bank does not allow such payments by this method"],
    ["fraud_suspected", "платёж остановлен системой безопасности", "the payment was stopped as suspicious"],
    [
      "permission_revoked",
      "сохранённая карта больше не привязана, оплатите картой заново",
      "the saved card is no longer linked, pay by card again",
    ],
  ])("%s", async (code, ru, en) => {
    showDeclined(code, "ru");
    expect((await screen.findByText(/^Платёж не прошёл/)).textContent).toBe(`Платёж не прошёл: ${ru}. Деньги не списаны.`);
    cleanup();
    showDeclined(code, "en");
    expect((await screen.findByText(/^The payment did not/)).textContent).toBe(
      `The payment did not go through: ${en}. No money was taken.`,
    );
  });

  it("falls back to the bank's refusal for a reason it does not know", async () => {
    showDeclined("something_new", "ru");
    expect((await screen.findByText(/^Платёж не прошёл/)).textContent).toBe(
      "Платёж не прошёл: банк не подтвердил оплату. Деньги не списаны.",
    );
  });
});
