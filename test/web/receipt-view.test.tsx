import { cleanup, render, screen } from "@solidjs/testing-library";
import { describe, expect, it, vi } from "vitest";
import { ReceiptView } from "../../web/src/features/payments/Receipt";
import { I18nProvider, type Lang } from "../../web/src/i18n";
import { screenTestHooks } from "./harness";

const receipt = (fiscal: unknown) => ({
  number: "20261202-0123456789",
  issuedAt: "2026-12-02T10:00:00.000Z",
  seller: { name: "ООО «Кабинет Телеком»", inn: "7700000000", address: "Москва", site: "kabinet.localhost", taxation: "ОСН" },
  kind: "Приход",
  items: [
    {
      name: "Оплата услуг связи",
      quantity: 1,
      priceKop: 50_000,
      amountKop: 50_000,
      vatRate: "22/122",
      vatKop: 9_016,
      paymentMethod: "Предоплата 100%",
      subject: "Услуга",
    },
  ],
  totalKop: 50_000,
  vatKop: 9_016,
  payment: { form: "Безналичными", method: "Банковская карта", card: null },
  fiscal,
  accountNo: "201000000012",
  paymentId: "pay-1",
});

function show(body: unknown, lang: Lang = "ru") {
  vi.stubGlobal(
    "fetch",
    vi.fn(async () => new Response(JSON.stringify(body), { status: 200, headers: { "content-type": "application/json" } })),
  );
  render(() => (
    <I18nProvider initial={lang}>
      <ReceiptView accountNo="201000000012" paymentId="pay-1" />
    </I18nProvider>
  ));
}

screenTestHooks();

describe("the receipt of a payment", () => {
  it("is the cabinet's «Кассовый чек» with its fiscal data when the cabinet issued it", async () => {
    show(receipt({ register: "0000000000000001", fiscalDrive: "9999078900000001", document: 123, sign: "1234567890" }));
    expect(await screen.findByRole("heading", { name: "Кассовый чек № 20261202-0123456789" })).toBeTruthy();
    expect(screen.getByText("Фискальные данные")).toBeTruthy();
  });

  it("is «Информация о платеже» without fiscal data when the payment service registers the receipt, in Russian and English", async () => {
    show(receipt(null));
    expect(await screen.findByRole("heading", { name: "Информация о платеже" })).toBeTruthy();
    expect(screen.queryByText("Фискальные данные")).toBeNull();
    expect(screen.queryByText(/Кассовый чек №/)).toBeNull();
    expect(screen.getByText(/Кассовый чек по этому платежу пришлёт платёжный сервис/)).toBeTruthy();
    cleanup();
    show(receipt(null), "en");
    expect(await screen.findByRole("heading", { name: "Payment details" })).toBeTruthy();
    expect(screen.getByText(/The fiscal receipt for this payment comes from the payment service/)).toBeTruthy();
  });
});
