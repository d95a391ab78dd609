import "fake-indexeddb/auto";
import { cleanup, screen } from "@solidjs/testing-library";
import { describe, expect, it } from "vitest";
import AccountsPage from "../../web/src/features/accounts/AccountsPage";
import BonusPage from "../../web/src/features/bonus/BonusPage";
import PaymentPage from "../../web/src/features/payments/PaymentPage";
import { ApplicationPage, ApplicationsPage } from "../../web/src/features/services/ApplicationsPage";
import { mount, screenTestHooks, serve } from "./harness";

const profile = { id: "demo-anna", displayName: "Анна Иванова", phone: "+79000000001", email: null, login: "anna" };

screenTestHooks();

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

describe("applications", () => {
  const block = {
    id: "01japp",
    number: "2612-483920",
    region: "ekb",
    kind: "block",
    kindLabel: { ru: "Добровольная блокировка", en: "Voluntary block" },
    service: { ru: "Домашний 500", en: "Home 500" },
    status: "received",
    statusLabel: { ru: "принята", en: "received" },
    accountNo: "504000000063",
    serviceId: "svc1",
    address: "Екатеринбург, ул. Малышева, д. 80, кв. 3",
    contactPhone: null,
    preferredDay: null,
    preferredSlot: null,
    technician: null,
    details: { fromDay: "2026-12-10", toDay: "2026-12-20", feeKop: 3_000, savingKop: 45_050, service: "Домашний 500" },
    createdAt: "2026-12-02T10:00:00.000Z",
    updatedAt: "2026-12-02T10:00:00.000Z",
    next: ["cancelled"],
    history: [
      {
        from: null,
        to: "received",
        label: { ru: "принята", en: "received" },
        actor: "subscriber",
        comment: null,
        at: "2026-12-02T10:00:00.000Z",
      },
    ],
  };
  const callout = {
    ...block,
    id: "01jcall",
    number: "2612-000111",
    kind: "callout",
    kindLabel: { ru: "Вызов специалиста", en: "Technician call-out" },
    service: null,
    serviceId: null,
    preferredDay: "2026-12-05",
    preferredSlot: "09-13",
    details: { problem: "Нет интернета" },
  };

  it("list each with its kind and service, and when it was made", async () => {
    serve({ "/api/v1/me": { profile }, "/api/v1/applications": { items: [block, callout] } });
    mount("/applications", "/applications", ApplicationsPage);
    const first = await screen.findByRole("link", { name: /2612-483920/ });
    expect(first.textContent).toBe("Заявка № 2612-483920 · Добровольная блокировка «Домашний 500»");
    expect(screen.getByRole("link", { name: /2612-000111/ }).textContent).toBe("Заявка № 2612-000111 · Вызов специалиста");
    expect(screen.getAllByText(/^2 декабря в \d\d:\d\d$/)).toHaveLength(2);
  });

  it("show the service, the account, days and money as words and groups, not raw values, in ru and en", async () => {
    serve({ "/api/v1/me": { profile }, "/api/v1/applications/01japp": block, "/api/v1/applications/01jcall": callout });
    mount("/applications/01japp", "/applications/:id", ApplicationPage);
    await screen.findByRole("heading", { level: 1 });
    const lines = () => screen.getAllByRole("listitem").map((li) => li.textContent?.replace(/\s/g, " "));
    expect(lines()).toEqual(
      expect.arrayContaining([
        "Услуга: Домашний 500",
        "Лицевой счёт: 5040 0000 0063",
        "Период: с 10 декабря 2026 г. по 20 декабря 2026 г.",
        "Плата за сохранение линии: 30 ₽",
      ]),
    );
    expect(document.body.textContent).not.toMatch(/2026-12-10|504000000063/);
    cleanup();
    mount("/applications/01japp", "/applications/:id", ApplicationPage, "en");
    await screen.findByRole("heading", { level: 1 });
    expect(lines()).toEqual(
      expect.arrayContaining(["Service: Home 500", "Account: 5040 0000 0063", "Period: 10 December 2026 to 20 December 2026"]),
    );
    cleanup();
    mount("/applications/01jcall", "/applications/:id", ApplicationPage);
    await screen.findByRole("heading", { level: 1 });
    expect(lines()).toEqual(
      expect.arrayContaining(["Удобный день визита: 5 декабря 2026 г., 09:00–13:00", "Что случилось: Нет интернета"]),
    );
    expect(document.body.textContent).not.toMatch(/2026-12-05|09-13/);
  });

  it("show the line check a repair request carries, in words", async () => {
    const repair = {
      ...callout,
      details: {
        problem: "Проверка линии: нет подключения",
        lineCheck: { verdict: "no_session", port: "up", session: "down", speedMbps: null, checkedAt: "2026-12-02T07:30:00Z" },
      },
    };
    serve({ "/api/v1/me": { profile }, "/api/v1/applications/01jcall": repair });
    mount("/applications/01jcall", "/applications/:id", ApplicationPage);
    await screen.findByRole("heading", { level: 1 });
    const lines = screen.getAllByRole("listitem").map((li) => li.textContent?.replace(/\s/g, " ") ?? "");
    expect(lines.find((l) => l.startsWith("Проверка линии: Линия есть, но роутер не подключается к интернету. (2 декабря в"))).toBeTruthy();
    expect(document.body.textContent).not.toContain("no_session");
  });
});
