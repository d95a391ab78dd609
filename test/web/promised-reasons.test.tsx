import { cleanup, render, screen } from "@solidjs/testing-library";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { PromisedSection } from "../../web/src/features/payments/PaymentsSection";
import type { PaymentOptionsDto } from "../../web/src/features/payments/paymentsApi";
import { I18nProvider, type Lang, loadLang, loadMoreStrings } from "../../web/src/i18n";

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
afterEach(cleanup);

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
