import "fake-indexeddb/auto";
import { cleanup, fireEvent, screen, within } from "@solidjs/testing-library";
import { describe, expect, it } from "vitest";
import { OrgDocumentsPage } from "../../web/src/features/business/Documents";
import { parseRubles } from "../../web/src/features/business/invoicesApi";
import DocumentsPage from "../../web/src/features/documents/DocumentsPage";
import { mount, screenTestHooks, sent, serve } from "./harness";

const profile = { id: "demo-biz-accountant", displayName: "Ирина Бухова", phone: "+79000000011", email: null, login: "biz.accountant" };
const ORG = "org-demo-veter";
const API = `/api/v1/business/organisations/${ORG}`;
const mine = { items: [{ id: ORG, name: "ООО «Северный ветер»", kind: "legal", inn: "7704123450", role: "accountant" }] };
const card = (role: string) => ({
  id: ORG,
  kind: "legal",
  name: "ООО «Северный ветер»",
  inn: "7704123450",
  kpp: "770401001",
  ogrn: "1207700123454",
  legalAddress: "Москва",
  postalAddress: "Москва",
  bank: { bik: "044525225", name: "ПАО Сбербанк", settlementAccount: "40702810538000123456" },
  role,
  limited: false,
  accountCount: 2,
});
const account = (accountNo: string) => ({
  accountNo,
  region: "msk",
  address: "Москва, ул. Остоженка, д. 10",
  status: "active",
  balanceKop: 0,
  monthlyKop: 120_000,
});
const QR = "ST00012|Name=ПАО «Кабинет Телеком»|PersonalAcc=40702810200000012345|Sum=150000";
const invoice = (n: number, status = "issued", over: Record<string, unknown> = {}) => ({
  id: `inv${n}`.padEnd(26, "0"),
  number: `СЧ-2026-00000${n}`,
  date: "2026-12-03",
  totalKop: 150_000,
  vatKop: 25_000,
  paidKop: status === "part_paid" ? 50_000 : 0,
  status,
  lines: [{ accountNo: "201900000016", region: "msk", amountKop: 150_000 }],
  purpose: "Оплата по счёту",
  qrPayload: QR,
  createdAt: "2026-12-03T09:00:00.000Z",
  ...over,
});

screenTestHooks();

const base = (invoices: unknown) => ({
  "/api/v1/me": { profile },
  "/api/v1/business/organisations": mine,
  [API]: card("accountant"),
  [`${API}/invoices?limit=20`]: invoices,
  [`${API}/accounts?limit=100`]: { items: [account("201900000016"), account("201900000024")], total: 2, nextCursor: null },
});

describe("«Документы» of an organisation", () => {
  it("lists invoices with number, date, amount, status and the PDF, shows the payment QR on demand, and links the other documents", async () => {
    serve(base({ items: [invoice(2, "paid"), invoice(1, "part_paid")], nextCursor: null }));
    mount(`/business/${ORG}/documents`, "/business/:id/documents", OrgDocumentsPage);
    expect(await screen.findByText("№ СЧ-2026-000002")).toBeTruthy();
    const rows = screen.getAllByRole("listitem").filter((li) => li.classList.contains("invoice"));
    expect(rows).toHaveLength(2);
    const [paid, part] = rows as [HTMLElement, HTMLElement];
    expect(within(paid).getByText("Оплачен")).toBeTruthy();
    expect(within(part).getByText(/Оплачен частично/).textContent).toMatch(/оплачено 500\s₽/);
    expect(paid.textContent).toMatch(/1\s500\s₽/);
    expect(paid.textContent).toMatch(/в т\.ч\. НДС 250\s₽/);
    const pdf = within(paid).getByRole("link", { name: "Скачать PDF счёта № СЧ-2026-000002" });
    expect(pdf.getAttribute("href")).toBe(`${API}/invoices/${invoice(2).id}/pdf`);
    // The QR: a button that says whether it is open, and the image named for the invoice and amount.
    const show = within(paid).getByRole("button", { name: "Показать QR" });
    expect(show.getAttribute("aria-expanded")).toBe("false");
    expect(within(paid).queryByRole("img")).toBeNull();
    fireEvent.click(show);
    expect(show.getAttribute("aria-expanded")).toBe("true");
    const qr = within(paid).getByRole("img", { name: /QR-код для оплаты счёта № СЧ-2026-000002 на 1\s500\s₽/ });
    expect(qr.querySelector("path")?.getAttribute("d")?.length).toBeGreaterThan(100);
    expect(within(paid).getByRole("button", { name: "Скрыть QR" })).toBeTruthy();
    // The closing documents and the акт сверки: their own screens.
    expect(screen.getByRole("link", { name: /Закрывающие документы/ }).getAttribute("href")).toBe(`/business/${ORG}/documents/closing`);
    expect(screen.getByRole("link", { name: "Акт сверки" }).getAttribute("href")).toBe(`/business/${ORG}/documents/reconciliation`);
    // The «Документы» tab of the frame is the current page.
    expect(screen.getByRole("link", { name: "Документы" }).getAttribute("aria-current")).toBe("page");
  });

  it("issues an invoice for two accounts, one with its own amount and the rest of the total on the other, with one key per attempt", async () => {
    const issued = invoice(3, "issued", {
      totalKop: 300_000,
      lines: [
        { accountNo: "201900000016", region: "msk", amountKop: 100_000 },
        { accountNo: "201900000024", region: "msk", amountKop: 200_000 },
      ],
    });
    let listed: unknown[] = [];
    serve({
      ...base(() => ({ body: { items: listed, nextCursor: null } })),
      [`POST ${API}/invoices`]: () => {
        listed = [issued];
        return { status: 201, body: issued };
      },
    });
    mount(`/business/${ORG}/documents`, "/business/:id/documents", OrgDocumentsPage);
    expect(await screen.findByText(/Счетов пока нет/)).toBeTruthy();
    // Nothing chosen: said on the form, nothing sent.
    fireEvent.click(await screen.findByRole("button", { name: "Выставить счёт" }));
    expect((await screen.findByRole("alert")).textContent).toBe("Отметьте хотя бы один лицевой счёт");
    expect(sent.filter((r) => r.method === "POST")).toHaveLength(0);

    fireEvent.click(screen.getByLabelText(/2019 0000 0016/));
    fireEvent.click(screen.getByLabelText(/2019 0000 0024/));
    fireEvent.input(screen.getByLabelText("Сумма для лицевого счёта 2019 0000 0016, ₽"), { target: { value: "1 000" } });
    fireEvent.input(screen.getByLabelText("Общая сумма, ₽"), { target: { value: "3000,00" } });
    expect(screen.getByText(/Выбрано счетов: 2/).textContent).toMatch(/Итого к оплате: 3\s000\s₽ \(разделится/);
    fireEvent.click(screen.getByRole("button", { name: "Выставить счёт" }));
    expect(await screen.findByText(/Счёт № СЧ-2026-000003 на 3\s000\s₽ выставлен/)).toBeTruthy();
    const post = sent.find((r) => r.method === "POST");
    expect(post?.body).toEqual({
      lines: [{ accountNo: "201900000016", amountKop: 100_000 }, { accountNo: "201900000024" }],
      totalKop: 300_000,
    });
    expect(post?.headers["idempotency-key"]).toMatch(/^[0-9a-f-]{36}$/);
    // The new invoice is listed with its QR open, for the phone at hand.
    expect(await screen.findByText("№ СЧ-2026-000003")).toBeTruthy();
    expect(screen.getByRole("img", { name: /СЧ-2026-000003/ })).toBeTruthy();
  });

  it("refuses an amount that is not roubles before sending, and shows the server's problem for one it refuses", async () => {
    serve({
      ...base({ items: [], nextCursor: null }),
      [`POST ${API}/invoices`]: {
        status: 400,
        body: {
          type: "urn:kabinet:problem:validation",
          title: "Проверьте данные",
          status: 400,
          errors: [{ field: "totalKop", message: "Сумма счёта — от 0,01 до 100 000 000 ₽" }],
        },
      },
    });
    mount(`/business/${ORG}/documents`, "/business/:id/documents", OrgDocumentsPage);
    fireEvent.click(await screen.findByLabelText(/2019 0000 0016/));
    fireEvent.input(screen.getByLabelText("Сумма для лицевого счёта 2019 0000 0016, ₽"), { target: { value: "-5" } });
    fireEvent.click(screen.getByRole("button", { name: "Выставить счёт" }));
    expect((await screen.findByRole("alert")).textContent).toContain("Введите сумму в рублях");
    expect(sent.filter((r) => r.method === "POST")).toHaveLength(0);
    fireEvent.input(screen.getByLabelText("Сумма для лицевого счёта 2019 0000 0016, ₽"), { target: { value: "999999999" } });
    fireEvent.click(screen.getByRole("button", { name: "Выставить счёт" }));
    expect(await screen.findByText(/Проверьте данные/)).toBeTruthy();
  });

  it("says the documents are not the viewer's, in English too, and offers a retry when the list fails", async () => {
    serve({ ...base({ items: [], nextCursor: null }), [API]: card("viewer") });
    mount(`/business/${ORG}/documents`, "/business/:id/documents", OrgDocumentsPage, "en");
    expect(await screen.findByText("The organisation's documents are for the administrator and the accountant.")).toBeTruthy();
    expect(screen.queryByRole("button", { name: "Issue the invoice" })).toBeNull();
    cleanup();
    serve({
      ...base({ status: 503, body: { type: "urn:kabinet:problem:unavailable", title: "Service unavailable", status: 503 } }),
    });
    mount(`/business/${ORG}/documents`, "/business/:id/documents", OrgDocumentsPage, "en");
    expect((await screen.findByRole("alert")).textContent).toContain("Service unavailable");
    expect(screen.getByRole("button", { name: "Try again" })).toBeTruthy();
    expect(screen.getByRole("heading", { name: "Invoices for payment" })).toBeTruthy();
  });

  it("reads roubles as people type them", () => {
    expect(parseRubles("1 500")).toBe(150_000);
    expect(parseRubles("1500,5")).toBe(150_050);
    expect(parseRubles("1500.05 ₽")).toBe(150_005);
    for (const bad of ["", "-1", "1,234", "12a", "1e5", "1.2.3"]) expect(parseRubles(bad)).toBeNull();
  });
});

describe("«Документы» of the private cabinet", () => {
  const acc = (accountNo: string, role: string) => ({
    accountNo,
    role,
    region: "msk",
    holderName: "Анна",
    address: `Москва, дом ${accountNo.slice(-2)}`,
    status: "active",
    balanceKop: 0,
    lowBalanceKop: null,
    lowBalance: false,
    monthlyKop: 0,
    nextChargeDay: "2026-12-04",
    bonusPoints: null,
    services: [],
  });
  const payment = (id: string, status: string, receiptNumber: string | null) => ({
    id,
    accountNo: "201000000012",
    amountKop: 50_000,
    method: "card",
    status,
    purpose: "topup",
    card: null,
    failureCode: null,
    createdAt: "2026-11-20T10:00:00.000Z",
    updatedAt: "2026-11-20T10:00:00.000Z",
    receiptNumber,
  });
  const report = (id: string, status: string) => ({
    id,
    accountNo: "201000000012",
    serviceId: null,
    from: "2026-11-01",
    to: "2026-11-30",
    categories: [],
    format: "pdf",
    delivery: "cabinet",
    email: null,
    status,
    progress: 100,
    rowCount: 10,
    totalCostKop: 100,
    sizeBytes: 1000,
    createdAt: "2026-12-01T10:00:00.000Z",
    readyAt: null,
    expiresAt: null,
    downloadUrl: status === "ready" ? `/files/${id}.pdf` : null,
  });

  it("puts every account's payment receipts and usage reports in one place, and says what a relative's account lacks", async () => {
    serve({
      "/api/v1/me": { profile: { ...profile, id: "demo-anna" } },
      "/api/v1/accounts": { items: [acc("201000000012", "owner"), acc("201000000020", "viewer")], totalKop: 0, viewOnlyKop: 0 },
      "/api/v1/accounts/201000000012/payments": { items: [payment("p1", "succeeded", "Ч-000123"), payment("p2", "failed", null)] },
      "/api/v1/accounts/201000000012/usage/reports": { items: [report("r1", "ready"), report("r2", "running")] },
      "/api/v1/accounts/201000000020/payments": { items: [] },
      "/api/v1/accounts/201000000020/usage/reports": {
        status: 403,
        body: { type: "urn:kabinet:problem:forbidden", title: "Только владелец", status: 403 },
      },
    });
    mount("/documents", "/documents", DocumentsPage);
    const own = (await screen.findByRole("heading", { name: "Лицевой счёт 2010 0000 0012" })).closest("section") as HTMLElement;
    const receipt = await within(own).findByRole("link", { name: /Чек № Ч-000123: оплата 500\s₽/ });
    expect(receipt.getAttribute("href")).toBe("/accounts/201000000012/payments/p1");
    expect(within(own).getAllByRole("link", { name: /Чек №/ })).toHaveLength(1);
    const download = await within(own).findByRole("link", { name: /Скачать детализацию за .* \(PDF\)/ });
    expect(download.getAttribute("href")).toBe("/files/r1.pdf");
    expect(within(own).getByText("Формируется")).toBeTruthy();
    expect(within(own).getByRole("link", { name: "Заказать детализацию" }).getAttribute("href")).toBe("/accounts/201000000012/usage");
    const relative = screen.getByRole("heading", { name: "Лицевой счёт 2010 0000 0020" }).closest("section") as HTMLElement;
    expect(await within(relative).findByText("Детализацию заказывает владелец лицевого счёта.")).toBeTruthy();
    expect(within(relative).getByText("Оплат с чеком пока нет.")).toBeTruthy();
  });
});
