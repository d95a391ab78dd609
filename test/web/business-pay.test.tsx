import "fake-indexeddb/auto";
import { fireEvent, screen, waitFor, within } from "@solidjs/testing-library";
import { describe, expect, it, vi } from "vitest";
import { OrgAccountListPage } from "../../web/src/features/business/AccountList";
import { OrgPayPage, OrgPayResultPage } from "../../web/src/features/business/PayScreens";
import { parseRub } from "../../web/src/features/business/topupApi";
import { mount, screenTestHooks, sent, serve } from "./harness";

const profile = { id: "demo-biz-accountant", displayName: "Ольга Смирнова", phone: "+79000000011", email: null, login: "biz.accountant" };
const ORG = "org-demo-veter";
const BASE = `/api/v1/business/organisations/${ORG}`;
const mine = (role: string) => ({ items: [{ id: ORG, name: "ООО «Северный ветер»", kind: "legal", inn: "7704123450", role }] });
const A1 = "201000000012";
const A2 = "202000000029";
const A3 = "202000000037";
const account = (accountNo: string, address: string, balanceKop: number) => ({
  accountNo,
  region: accountNo.startsWith("201") ? "msk" : "spb",
  address,
  status: "active",
  balanceKop,
  monthlyKop: 120_000,
});
const accounts = {
  items: [
    account(A1, "Москва, ул. Остоженка, д. 10", 50_000),
    account(A2, "Санкт-Петербург, Невский пр., д. 1", -1_500),
    account(A3, "Санкт-Петербург, Литейный пр., д. 5", 0),
  ],
  total: 3,
  nextCursor: null,
};
const options = { methods: ["card", "sbp"], minLineKop: 1_000, maxLineKop: 10_000_000, maxTotalKop: 100_000_000, maxAccounts: 500 };

screenTestHooks();

const common = (role = "accountant") => ({
  "/api/v1/me": { profile },
  "/api/v1/business/organisations": mine(role),
  [`${BASE}/payment-options`]: options,
  [`${BASE}/accounts?limit=100`]: accounts,
});

describe("paying for several of the organisation's accounts at once", () => {
  it("takes roubles as typed, in whole kopecks, and refuses fractions of a kopeck", () => {
    expect(parseRub("1 500")).toBe(150_000);
    expect(parseRub("1500,5")).toBe(150_050);
    expect(parseRub("10.01")).toBe(1_001);
    expect(parseRub("10,005")).toBeNaN();
    expect(parseRub("-10")).toBeNaN();
    expect(parseRub("1e5")).toBeNaN();
  });

  it("pays the chosen accounts in one payment: labelled checkboxes, one amount for all, the exact total, then the acquirer", async () => {
    const assign = vi.fn();
    vi.stubGlobal("location", { ...window.location, assign });
    serve({
      ...common(),
      [`POST ${BASE}/payments`]: (body: unknown) => ({
        status: 201,
        body: {
          payment: { id: "op-1", status: "pending", amountKop: (body as { totalKop: number }).totalKop, lines: [] },
          confirmation: { type: "redirect", url: "http://msk.kabinet.localhost/sandbox/acquirer/pay/sbx_1" },
        },
      }),
    });
    mount(`/business/${ORG}/pay?account=${A1}`, "/business/:id/pay", OrgPayPage);
    // The account the person came from is chosen already; the others are not.
    const first = await screen.findByRole("checkbox", { name: /2010 0000 0012, Москва/ });
    expect((first as HTMLInputElement).checked).toBe(true);
    const second = screen.getByRole("checkbox", { name: /2020 0000 0029, Санкт-Петербург, Невский/ });
    expect((second as HTMLInputElement).checked).toBe(false);
    fireEvent.click(second);
    fireEvent.input(screen.getByLabelText("Одна сумма для всех выбранных, ₽"), { target: { value: "1 500,50" } });
    fireEvent.click(screen.getByRole("button", { name: "Применить ко всем" }));
    // One account gets another amount by hand.
    fireEvent.input(screen.getByRole("textbox", { name: "Сумма на счёт 2020 0000 0029, ₽" }), { target: { value: "250" } });
    expect(screen.getByRole("status").textContent).toBe("Выбрано счетов: 2, к оплате: 1\u00a0750,50\u00a0₽");
    fireEvent.click(screen.getByRole("radio", { name: "СБП — Система быстрых платежей" }));
    fireEvent.click(screen.getByRole("button", { name: "Оплатить 1\u00a0750,50\u00a0₽" }));
    await waitFor(() => expect(assign).toHaveBeenCalledWith("http://msk.kabinet.localhost/sandbox/acquirer/pay/sbx_1"));
    const post = sent.find((r) => r.method === "POST");
    expect(post?.body).toEqual({
      items: [
        { accountNo: A1, amountKop: 150_050 },
        { accountNo: A2, amountKop: 25_000 },
      ],
      totalKop: 175_050,
      method: "sbp",
    });
    expect(post?.headers["idempotency-key"]).toMatch(/^[\w-]{8,}$/);
  });

  it("says what to fix before asking the server: nothing chosen, an amount out of limits or with fractions of a kopeck", async () => {
    serve(common());
    mount(`/business/${ORG}/pay`, "/business/:id/pay", OrgPayPage);
    const pay = await screen.findByRole("button", { name: /Оплатить/ });
    fireEvent.click(pay);
    expect((await screen.findByRole("alert")).textContent).toContain("Выберите хотя бы один лицевой счёт");
    fireEvent.click(screen.getByRole("checkbox", { name: /2020 0000 0037/ }));
    fireEvent.input(screen.getByRole("textbox", { name: "Сумма на счёт 2020 0000 0037, ₽" }), { target: { value: "10,005" } });
    fireEvent.click(pay);
    await waitFor(() => expect(screen.getByRole("alert").textContent).toContain("Проверьте сумму на счёт 2020 0000 0037"));
    fireEvent.input(screen.getByRole("textbox", { name: "Сумма на счёт 2020 0000 0037, ₽" }), { target: { value: "5" } });
    fireEvent.click(pay);
    await waitFor(() => expect(screen.getByRole("alert").textContent).toContain("от 10\u00a0₽"));
    expect(sent.some((r) => r.method === "POST")).toBe(false);
  });

  it("finds accounts by number or address, and shows the server's refusal naming the account", async () => {
    serve({
      ...common(),
      [`POST ${BASE}/payments`]: {
        status: 400,
        body: {
          type: "urn:kabinet:problem:validation",
          title: "Проверьте введённые данные",
          status: 400,
          errors: [{ field: "items.0.amountKop", message: "Сумма на счёт — целое число копеек, от 10 до 100000 ₽" }],
        },
      },
    });
    mount(`/business/${ORG}/pay`, "/business/:id/pay", OrgPayPage);
    const search = await screen.findByRole("searchbox", { name: "Найти по номеру или адресу" });
    fireEvent.input(search, { target: { value: "Литейный" } });
    expect(screen.getAllByRole("checkbox")).toHaveLength(1);
    fireEvent.input(search, { target: { value: "2010 0000" } });
    const only = screen.getAllByRole("checkbox");
    expect(only).toHaveLength(1);
    fireEvent.click(screen.getByRole("button", { name: "Выбрать все найденные" }));
    fireEvent.input(screen.getByRole("textbox", { name: "Сумма на счёт 2010 0000 0012, ₽" }), { target: { value: "100" } });
    fireEvent.click(screen.getByRole("button", { name: /Оплатить 100/ }));
    expect(await screen.findByText("2010 0000 0012: Сумма на счёт — целое число копеек, от 10 до 100000 ₽")).toBeTruthy();
    expect(screen.getByRole("alert").textContent).toContain("Проверьте введённые данные");
  });

  it("works in English", async () => {
    serve(common());
    mount(`/business/${ORG}/pay?account=${A2}`, "/business/:id/pay", OrgPayPage, "en");
    expect(await screen.findByRole("heading", { name: "Top up accounts", level: 2 })).toBeTruthy();
    expect(await screen.findByRole("textbox", { name: "Amount for account 2020 0000 0029, ₽" })).toBeTruthy();
    expect(screen.getByRole("status").textContent).toBe("Accounts chosen: 1, to pay: 0\u00a0₽");
  });

  it("shows a loading state, then an error with a retry when the accounts cannot be loaded", async () => {
    serve({ "/api/v1/me": { profile }, "/api/v1/business/organisations": mine("accountant") });
    mount(`/business/${ORG}/pay`, "/business/:id/pay", OrgPayPage);
    expect(await screen.findByText("Загрузка…")).toBeTruthy();
    expect(await screen.findByRole("button", { name: "Повторить" })).toBeTruthy();
  });
});

/** The routed accounts screen (grouped by site): one page of the three accounts, in one site. */
const listed = {
  items: accounts.items.map((a) => ({ ...a, siteId: `${ORG}-msk-1`, siteName: "Головной офис" })),
  totals: { count: 3, balanceKop: 48_500, monthlyKop: 360_000, negative: 1 },
  sites: [{ id: `${ORG}-msk-1`, name: "Головной офис", count: 3, balanceKop: 48_500, monthlyKop: 360_000, negative: 1 }],
  regions: ["msk", "spb"],
  offset: 0,
  nextOffset: null,
};

describe("«Пополнить» on the accounts list grouped by site (the screen /business/:id/accounts opens)", () => {
  it("is there for an accountant, per account and for several", async () => {
    serve({ ...common(), [`${BASE}/account-list?offset=0&limit=50`]: listed });
    mount(`/business/${ORG}/accounts`, "/business/:id/accounts", OrgAccountListPage);
    const one = await screen.findByRole("link", { name: "Пополнить лицевой счёт 2020 0000 0029" });
    expect(one.getAttribute("href")).toBe(`/business/${ORG}/pay?account=${A2}`);
    expect(screen.getByRole("link", { name: "Пополнить несколько счетов" }).getAttribute("href")).toBe(`/business/${ORG}/pay`);
  });

  it("is not there for a viewer", async () => {
    serve({ ...common("viewer"), [`${BASE}/account-list?offset=0&limit=50`]: listed });
    mount(`/business/${ORG}/accounts`, "/business/:id/accounts", OrgAccountListPage);
    await screen.findByText("2020 0000 0029");
    await waitFor(() => expect(screen.getByRole("heading", { name: "ООО «Северный ветер»" })).toBeTruthy());
    expect(screen.queryByRole("link", { name: /Пополнить/ })).toBeNull();
  });
});

describe("the result page after the acquirer", () => {
  it("asks until the payment is final and every account credited, then shows the split and the receipt", async () => {
    let calls = 0;
    const payment = (status: string, credited: boolean) => ({
      id: "op-1",
      orgId: ORG,
      amountKop: 175_050,
      method: "card",
      status,
      card: null,
      failureCode: null,
      lines: [
        { accountNo: A1, amountKop: 150_050, credited },
        { accountNo: A2, amountKop: 25_000, credited },
      ],
      receiptNumber: status === "succeeded" ? "20261203-1234567890" : null,
      createdAt: "2026-12-03T05:00:00.000Z",
      updatedAt: "2026-12-03T05:00:00.000Z",
    });
    serve({
      ...common(),
      [`${BASE}/payments/op-1`]: () => ({ body: ++calls === 1 ? payment("pending", false) : payment("succeeded", true) }),
    });
    mount(`/business/${ORG}/pay/op-1`, "/business/:id/pay/:paymentId", OrgPayResultPage);
    expect(await screen.findByText(/Платёж на 1 750,50 ₽ обрабатывается/)).toBeTruthy();
    await waitFor(() => expect(screen.getByRole("status").textContent).toBe("Оплачено 1\u00a0750,50\u00a0₽. Деньги зачислены на счета."), {
      timeout: 4000,
    });
    const split = screen.getByRole("region", { name: "Как распределён платёж" });
    expect(
      within(split)
        .getAllByRole("listitem")
        .map((li) => li.textContent),
    ).toEqual(["2010 0000 00121\u00a0500,50\u00a0₽ · Зачислено", "2020 0000 0029250\u00a0₽ · Зачислено"]);
    expect(screen.getByText(/Кассовый чек № 20261203-1234567890/)).toBeTruthy();
  });

  it("says why a payment failed and offers to pay again", async () => {
    serve({
      ...common(),
      [`${BASE}/payments/op-2`]: {
        id: "op-2",
        orgId: ORG,
        amountKop: 5_000,
        method: "card",
        status: "failed",
        card: null,
        failureCode: "card_declined",
        lines: [{ accountNo: A1, amountKop: 5_000, credited: false }],
        receiptNumber: null,
        createdAt: "2026-12-03T05:00:00.000Z",
        updatedAt: "2026-12-03T05:00:00.000Z",
      },
    });
    mount(`/business/${ORG}/pay/op-2`, "/business/:id/pay/:paymentId", OrgPayResultPage, "en");
    expect(await screen.findByText("The payment did not go through: the bank declined it.")).toBeTruthy();
    expect(screen.getByRole("link", { name: "Pay again" }).getAttribute("href")).toBe(`/business/${ORG}/pay`);
  });
});
