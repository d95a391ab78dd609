import "fake-indexeddb/auto";
import { fireEvent, screen, within } from "@solidjs/testing-library";
import { describe, expect, it } from "vitest";
import { OrgAuditPage } from "../../web/src/features/business/OrgScreens";
import Reconciliation from "../../web/src/features/business/Reconciliation";
import { presetPeriod } from "../../web/src/features/business/reconciliationApi";
import { mount, screenTestHooks, sent, serve } from "./harness";

const profile = { id: "demo-biz-admin", displayName: "Алексей Соколов", phone: "+79000000010", email: null, login: "biz.admin" };
const ORG = "org-demo-veter";

screenTestHooks();

const PATH = `/business/${ORG}/documents/reconciliation`;
const PATTERN = "/business/:id/documents/reconciliation";
const API = `/api/v1/business/organisations/${ORG}/reconciliations`;
const ready = (over: Record<string, unknown> = {}) => ({
  id: "act1",
  status: "ready",
  from: "2026-11-01",
  to: "2026-11-30",
  accounts: 2,
  createdAt: "2026-12-03T05:00:00.000Z",
  readyAt: "2026-12-03T05:00:02.000Z",
  totals: { openingKop: 100_000, debitKop: 250_050, creditKop: 50_000, closingKop: -100_050 },
  pdfUrl: `${API}/act1/pdf`,
  xlsxUrl: `${API}/act1/xlsx`,
  ...over,
});
const account = (accountNo: string) => ({
  accountNo,
  region: "msk",
  address: "Москва, ул. Остоженка, д. 10",
  status: "active",
  balanceKop: 0,
  monthlyKop: 0,
});

describe("«Акт сверки», the reconciliation statement", () => {
  it("asks for last quarter's act of chosen accounts, shows that it is being made, then the totals and both files", async () => {
    let polls = 0;
    serve({
      "/api/v1/me": { profile },
      [`/api/v1/business/organisations/${ORG}/accounts?limit=100`]: {
        items: [account("201900000013"), account("201900000021"), account("302900000019")],
        total: 3,
        nextCursor: null,
      },
      [`POST ${API}`]: { status: 202, body: { id: "act1", status: "queued", accounts: 2 } },
      [`${API}/act1`]: () => ({ body: ++polls < 2 ? ready({ status: "running", totals: null, pdfUrl: null, xlsxUrl: null }) : ready() }),
    });
    mount(PATH, PATTERN, Reconciliation);
    expect(await screen.findByRole("heading", { name: "Акт сверки взаимных расчётов", level: 1 })).toBeTruthy();
    // Last month by default; the presets fill both dates.
    const from = screen.getByLabelText("С") as HTMLInputElement;
    const to = screen.getByLabelText("По") as HTMLInputElement;
    expect([from.value, to.value]).toEqual(Object.values(presetPeriod("month")));
    fireEvent.click(screen.getByRole("button", { name: "Прошлый квартал" }));
    expect([from.value, to.value]).toEqual(Object.values(presetPeriod("quarter")));
    fireEvent.click(screen.getByRole("radio", { name: "Выбрать счета" }));
    const list = await screen.findByRole("group", { name: "Выберите счета для акта" });
    const boxes = await within(list).findAllByRole("checkbox");
    expect(boxes).toHaveLength(3);
    // Nothing ticked: said on the page, nothing sent.
    fireEvent.click(screen.getByRole("button", { name: "Сформировать акт" }));
    expect((await screen.findByRole("alert")).textContent).toBe("Отметьте хотя бы один лицевой счёт");
    expect(sent.some((r) => r.method === "POST")).toBe(false);
    fireEvent.click(boxes[2] as HTMLElement);
    fireEvent.click(boxes[0] as HTMLElement);
    fireEvent.click(screen.getByRole("button", { name: "Сформировать акт" }));
    expect(await screen.findByText(/Акт сверки формируется/)).toBeTruthy();
    expect(sent.find((r) => r.method === "POST")?.body).toEqual({ ...presetPeriod("quarter"), accounts: ["201900000013", "302900000019"] });
    expect(await screen.findByRole("heading", { name: "Акт сверки готов" }, { timeout: 5000 })).toBeTruthy();
    const status = screen.getByRole("status");
    expect(status.textContent).toContain("Лицевых счетов в акте: 2");
    expect(status.textContent).toMatch(/Сальдо на начало периода1\s000\s₽ в пользу организации/);
    expect(status.textContent).toMatch(/Сальдо на конец периода1\s000,50\s₽ в пользу оператора/);
    expect(screen.getByRole("link", { name: "Скачать PDF" }).getAttribute("href")).toBe(`${API}/act1/pdf`);
    expect(screen.getByRole("link", { name: "Скачать XLSX" }).getAttribute("href")).toBe(`${API}/act1/xlsx`);
  });

  it("shows the server's refusal of a period next to the date, in English too", async () => {
    serve({
      "/api/v1/me": { profile },
      [`POST ${API}`]: {
        status: 400,
        body: {
          type: "urn:kabinet:problem:validation",
          title: "Check the fields",
          status: 400,
          errors: [{ field: "from", message: "A reconciliation covers at most 3 years" }],
        },
      },
    });
    mount(PATH, PATTERN, Reconciliation, "en");
    expect(await screen.findByRole("heading", { name: "Reconciliation statement", level: 1 })).toBeTruthy();
    const from = screen.getByLabelText("From") as HTMLInputElement;
    fireEvent.input(from, { target: { value: "2020-01-01" } });
    fireEvent.click(screen.getByRole("button", { name: "Last year" }));
    fireEvent.input(from, { target: { value: "2020-01-01" } });
    fireEvent.click(screen.getByRole("button", { name: "Make the statement" }));
    expect(await screen.findByText("A reconciliation covers at most 3 years")).toBeTruthy();
    expect(from.getAttribute("aria-invalid")).toBe("true");
    expect(sent.find((r) => r.method === "POST")?.body).toEqual({ from: "2020-01-01", to: presetPeriod("year").to });
    expect(screen.getByRole("radio", { name: "All the accounts I can see" })).toHaveProperty("checked", true);
  });

  it("says when the act could not be made", async () => {
    serve({
      "/api/v1/me": { profile },
      [`POST ${API}`]: { status: 202, body: { id: "act1", status: "queued", accounts: 200 } },
      [`${API}/act1`]: ready({ status: "failed", totals: null, pdfUrl: null, xlsxUrl: null }),
    });
    mount(PATH, PATTERN, Reconciliation);
    fireEvent.click(await screen.findByRole("button", { name: "Сформировать акт" }));
    expect(await screen.findByText(/Акт сверки не удалось сформировать/, undefined, { timeout: 5000 })).toBeTruthy();
    expect(screen.queryByRole("link", { name: "Скачать PDF" })).toBeNull();
  });
});

describe("the audit log", () => {
  it("names a requested акт сверки in the organisation's log", async () => {
    serve({
      "/api/v1/me": { profile },
      "/api/v1/business/organisations": {
        items: [{ id: ORG, name: "ООО «Северный ветер»", kind: "legal", inn: "7704123450", role: "administrator" }],
      },
      [`/api/v1/business/organisations/${ORG}/audit?limit=30`]: {
        items: [
          {
            id: "01",
            at: "2026-12-02T10:00:00.000Z",
            actor: { id: "demo-biz-accountant", name: "Елена Морозова", operator: false },
            action: "reconciliation.requested",
            target: null,
            details: { period: "2026-11-01..2026-11-30", accounts: 200, chosen: false },
            address: "203.0.113.5",
          },
        ],
        nextCursor: null,
      },
    });
    mount(`/business/${ORG}/audit`, "/business/:id/audit", OrgAuditPage);
    const what = await screen.findByText(/Запрошен акт сверки/);
    expect(within(what.closest("tr") as HTMLElement).getByText("Елена Морозова")).toBeTruthy();
  });
});
