import "fake-indexeddb/auto";
import { cleanup, fireEvent, render, screen, waitFor } from "@solidjs/testing-library";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import AccountPage from "../../web/src/features/accounts/AccountPage";
import { PromisedSection } from "../../web/src/features/payments/PaymentsSection";
import type { PaymentOptionsDto } from "../../web/src/features/payments/paymentsApi";
import { I18nProvider, type Lang, loadLang, loadMoreStrings } from "../../web/src/i18n";
import { mount, sent, serve } from "./harness";

const options = (refusals: string[]): PaymentOptionsDto => ({
  minKop: 100,
  maxKop: 1_500_000,
  methods: ["card"],
  suggestedKop: [],
  cards: [],
  autopay: null,
  promised: { eligible: refusals.length === 0, refusals, minKop: 10_000, maxKop: 75_000, days: 5, open: null },
});

/** Every reason the API gives (PromisedRefusal), as the subscriber reads it. */
const REASONS: Record<string, Record<Lang, string>> = {
  too_new: { ru: "счёту меньше 60 дней", en: "the account is less than 60 days old" },
  no_payments: { ru: "за полгода не было платежей", en: "no payments in the last six months" },
  already_open: { ru: "предыдущий обещанный платёж не погашен", en: "the previous promised payment is not repaid" },
  no_charges: { ru: "на счёте нет платных услуг", en: "the account has no paid services" },
  balance_ok: { ru: "баланса хватает на месяц", en: "the balance covers the month" },
  not_active: { ru: "счёт не активен", en: "the account is not active" },
};

function show(lang: Lang, refusals: string[]) {
  render(() => (
    <I18nProvider initial={lang}>
      <PromisedSection accountNo="201000000012" options={options(refusals)} onChange={() => {}} />
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

describe("promised payment on the account page", () => {
  for (const [reason, text] of Object.entries(REASONS))
    it(`gives the reason ${reason} in its own words, in Russian and English`, () => {
      show("ru", [reason]);
      expect(screen.getByText(`Сейчас недоступен: ${text.ru}.`)).toBeTruthy();
      cleanup();
      show("en", [reason]);
      expect(screen.getByText(`Not available now: ${text.en}.`)).toBeTruthy();
    });

  it("offers the form when eligible", () => {
    show("ru", []);
    expect(screen.getByRole("button", { name: "Взять обещанный платёж" })).toBeTruthy();
    expect(screen.queryByText(/Сейчас недоступен/)).toBeNull();
  });
});

describe("promised payment taken on the account page", () => {
  it("says it is credited, and still says so once the page has loaded the options again", async () => {
    const NO = "201000000012";
    const eligible = options([]);
    let taken = false;
    serve({
      "/api/v1/me": { profile: { id: "s1", displayName: "Анна Иванова", phone: "+79000000001", email: null, login: null } },
      [`/api/v1/accounts/${NO}`]: {
        accountNo: NO,
        role: "owner",
        region: "msk",
        holderName: "Анна Иванова",
        address: "Москва, ул. Ленина, д. 1",
        status: "active",
        balanceKop: -5_000,
        lowBalanceKop: 20_000,
        lowBalance: true,
        monthlyKop: 45_000,
        nextChargeDay: "2026-12-03",
        bonusPoints: null,
        services: [],
      },
      [`/api/v1/accounts/${NO}/payment-options`]: () => ({
        body: taken
          ? {
              ...eligible,
              promised: {
                ...eligible.promised,
                eligible: false,
                refusals: ["already_open"],
                open: { amountKop: 75_000, dueAt: "2026-12-08T00:00:00.000Z" },
              },
            }
          : eligible,
      }),
      [`POST /api/v1/accounts/${NO}/promised-payment`]: () => {
        taken = true;
        return { status: 201, body: { amountKop: 75_000, dueAt: "2026-12-08T00:00:00.000Z" } };
      },
    });
    mount(`/accounts/${NO}`, "/accounts/:no", AccountPage);
    fireEvent.click(await screen.findByRole("button", { name: "Взять обещанный платёж" }));
    // The options come again (the form gives way to the payment now open), and the confirmation stays with them: it
    // went with the section the new options redrew, before the person could read it.
    await waitFor(() => expect(sent.filter((r) => r.url.endsWith("/payment-options"))).toHaveLength(2));
    await waitFor(() => expect(screen.queryByRole("button", { name: "Взять обещанный платёж" })).toBeNull());
    expect(screen.getByText("Обещанный платёж зачислен.").getAttribute("role")).toBe("status");
  });
});
