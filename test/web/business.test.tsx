import "fake-indexeddb/auto";
import { fireEvent, screen, waitFor, within } from "@solidjs/testing-library";
import { describe, expect, it } from "vitest";
import BusinessPage from "../../web/src/features/business/BusinessPage";
import { OrgAuditPage, OrgEmployeesPage } from "../../web/src/features/business/OrgScreens";
import { mount, screenTestHooks, sent, serve } from "./harness";

const profile = { id: "demo-biz-admin", displayName: "Алексей Соколов", phone: "+79000000010", email: null, login: "biz.admin" };
const ORG = "org-demo-veter";
const mine = { items: [{ id: ORG, name: "ООО «Северный ветер»", kind: "legal", inn: "7704123450", role: "administrator" }] };

screenTestHooks();

describe("«Бизнесу», the public business page", () => {
  const contacts = {
    items: [
      { kind: "support", phone: "+78001000800" },
      { kind: "b2b_hotline", phone: "+78002001661" },
      { kind: "b2b_smb", phone: "+78003028710" },
      { kind: "b2b_enterprise", phone: "+78002006786" },
    ],
  };

  it("shows the three business lines to call, the chat and the offices, and asks a visitor to log in", async () => {
    serve({ "/api/v1/region/contacts": contacts });
    mount("/business", "/business", BusinessPage, "ru", false);
    const lines = await screen.findByRole("region", { name: "Линии для бизнеса" });
    const calls = (await within(lines).findAllByRole("link")).map((a) => [a.textContent, a.getAttribute("href")]);
    expect(calls).toEqual([
      ["8 800 200-16-61", "tel:+78002001661"],
      ["8 800 302-87-10", "tel:+78003028710"],
      ["8 800 200-67-86", "tel:+78002006786"],
      // The business chat is on this page (the business queue), not the private subscribers' /support.
      ["Написать в чат", "#b2b-chat"],
      ["Адреса и часы работы", "/offices?kind=b2b"],
    ]);
    expect(await screen.findByText(/Войдите, чтобы открыть корпоративный кабинет/)).toBeTruthy();
    // The business tariffs, offices and chat are sections of the page, each loaded after its first render.
    expect(await screen.findByRole("region", { name: "Тарифы для бизнеса" })).toBeTruthy();
    expect(await screen.findByRole("region", { name: "Офисы обслуживания юридических лиц" })).toBeTruthy();
    expect(await screen.findByRole("form", { name: "Бизнес-чат" })).toBeTruthy();
  });

  it("lists a logged-in person's organisations to open, in English too", async () => {
    serve({ "/api/v1/region/contacts": contacts, "/api/v1/me": { profile }, "/api/v1/business/organisations": mine });
    mount("/business", "/business", BusinessPage, "en");
    expect(await screen.findByRole("heading", { name: "For business", level: 1 })).toBeTruthy();
    const org = await screen.findByText("ООО «Северный ветер»");
    expect(org.closest("li")?.textContent).toContain("Administrator");
    expect(screen.getByRole("link", { name: "Open" }).getAttribute("href")).toBe(`/business/${ORG}`);
  });

  it("accepts an invitation by its code and says why a spent one is refused", async () => {
    serve({
      "/api/v1/region/contacts": contacts,
      "/api/v1/me": { profile },
      "/api/v1/business/organisations": { items: [] },
      "POST /api/v1/business/invites/accept": {
        status: 400,
        body: {
          type: "urn:kabinet:problem:invalid-invite",
          title: "Приглашение не найдено, уже принято или истекло",
          status: 400,
          errors: [{ field: "code", message: "Приглашение не найдено, уже принято или истекло" }],
        },
      },
    });
    mount("/business/join?invite=ABCD234567", "/business/join", BusinessPage);
    const code = (await screen.findByLabelText("Код приглашения")) as HTMLInputElement;
    expect(code.value).toBe("ABCD234567");
    fireEvent.click(screen.getByRole("button", { name: "Принять" }));
    expect(await screen.findByText("Приглашение не найдено, уже принято или истекло")).toBeTruthy();
    expect(code.getAttribute("aria-invalid")).toBe("true");
    expect(sent.find((r) => r.method === "POST")?.body).toEqual({ code: "ABCD234567" });
  });
});

describe("the organisation's frame", () => {
  it("switches between the organisations and the private cabinet, and says what failed with a retry", async () => {
    serve({
      "/api/v1/me": { profile },
      "/api/v1/business/organisations": mine,
      [`/api/v1/business/organisations/${ORG}/audit?limit=30`]: {
        status: 503,
        body: { type: "urn:kabinet:problem:unavailable", title: "Сервис временно недоступен", status: 503 },
      },
    });
    mount(`/business/${ORG}/audit`, "/business/:id/audit", OrgAuditPage);
    expect((await screen.findByRole("alert")).textContent).toContain("Сервис временно недоступен");
    expect(screen.getByRole("button", { name: "Повторить" })).toBeTruthy();
    const select = screen.getByLabelText("Кабинет") as HTMLSelectElement;
    expect([...select.options].map((o) => o.textContent)).toEqual(["Личный кабинет", "ООО «Северный ветер»"]);
  });
});

describe("employees and roles", () => {
  const employees = {
    members: [
      {
        subscriberId: "demo-biz-admin",
        name: "Алексей Соколов",
        phone: "+79000000010",
        email: null,
        role: "administrator",
        accountNos: null,
        since: "2026-01-15T09:00:00.000Z",
      },
      {
        subscriberId: "demo-biz-viewer",
        name: "Ирина Лебедева",
        phone: "+79000000013",
        email: null,
        role: "viewer",
        accountNos: ["201900000016", "201900000024"],
        since: "2026-01-15T09:00:00.000Z",
      },
    ],
    invites: [],
  };

  it("invites by phone with a role, showing the server's field error first, then the success", async () => {
    let tries = 0;
    serve({
      "/api/v1/me": { profile },
      "/api/v1/business/organisations": mine,
      [`/api/v1/business/organisations/${ORG}/employees`]: employees,
      [`POST /api/v1/business/organisations/${ORG}/invites`]: () =>
        ++tries === 1
          ? {
              status: 400,
              body: {
                type: "urn:kabinet:problem:validation",
                title: "Проверьте поля",
                status: 400,
                errors: [{ field: "contact", message: "Введите телефон или адрес почты" }],
              },
            }
          : { status: 201, body: { id: "inv1", expiresAt: "2026-12-06T10:00:00.000Z" } },
    });
    mount(`/business/${ORG}/employees`, "/business/:id/employees", OrgEmployeesPage);
    expect((await screen.findByText("Ирина Лебедева")).closest("li")?.textContent).toContain("Счетов: 2");
    const contact = screen.getByLabelText("Телефон или почта") as HTMLInputElement;
    fireEvent.input(contact, { target: { value: "+7 900 000-00-77" } });
    fireEvent.change(screen.getByLabelText("Роль"), { target: { value: "accountant" } });
    fireEvent.click(screen.getByRole("button", { name: "Отправить приглашение" }));
    expect(await screen.findByText("Введите телефон или адрес почты")).toBeTruthy();
    expect(contact.getAttribute("aria-invalid")).toBe("true");
    fireEvent.click(screen.getByRole("button", { name: "Отправить приглашение" }));
    expect(await screen.findByText("Приглашение отправлено, действует 72 часа")).toBeTruthy();
    const posts = sent.filter((r) => r.method === "POST");
    expect(posts[1]?.body).toEqual({ contact: "+7 900 000-00-77", role: "accountant", accountNos: null });
  });

  it("changes an employee's role, keeping their accounts, and says «Сохранено» in the refreshed list", async () => {
    let saved = false;
    const after = { ...employees, members: employees.members.map((m) => (m.role === "viewer" ? { ...m, role: "manager" } : m)) };
    serve({
      "/api/v1/me": { profile },
      "/api/v1/business/organisations": mine,
      [`/api/v1/business/organisations/${ORG}/employees`]: () => ({ body: saved ? after : employees }),
      [`PUT /api/v1/business/organisations/${ORG}/employees/demo-biz-viewer`]: { status: 204, body: null },
    });
    mount(`/business/${ORG}/employees`, "/business/:id/employees", OrgEmployeesPage);
    const role = await screen.findByLabelText("Роль сотрудника Ирина Лебедева");
    fireEvent.change(role, { target: { value: "manager" } });
    const row = role.closest("li") as HTMLElement;
    saved = true;
    fireEvent.click(within(row).getByRole("button", { name: "Сохранить" }));
    expect(await within(row).findByText("Сохранено")).toBeTruthy();
    expect(sent.find((r) => r.method === "PUT")?.body).toEqual({ role: "manager", accountNos: ["201900000016", "201900000024"] });
    // The list comes again and draws the row anew: «Сохранено» is still there (it went with the old row).
    await waitFor(() => expect(screen.getByLabelText("Роль сотрудника Ирина Лебедева")).not.toBe(role));
    const again = screen.getByLabelText("Роль сотрудника Ирина Лебедева").closest("li") as HTMLElement;
    expect(within(again).getByText("Сохранено").getAttribute("role")).toBe("status");
  });

  it("shows a member without the right the server's reason", async () => {
    serve({
      "/api/v1/me": { profile },
      "/api/v1/business/organisations": { items: [{ ...mine.items[0], role: "viewer" }] },
      [`/api/v1/business/organisations/${ORG}/employees`]: {
        status: 403,
        body: { type: "urn:kabinet:problem:org-forbidden", title: "Недостаточно прав в организации", status: 403 },
      },
    });
    mount(`/business/${ORG}/employees`, "/business/:id/employees", OrgEmployeesPage);
    expect((await screen.findByRole("alert")).textContent).toContain("Недостаточно прав в организации");
    // A viewer's sections: the card, the accounts and the corporate numbers (to see, not change) only.
    const nav = await screen.findByRole("navigation", { name: "Разделы корпоративного кабинета" });
    expect(
      within(nav)
        .getAllByRole("link")
        .map((a) => a.textContent),
    ).toEqual(["Организация", "Лицевые счета", "Номера"]);
  });
});

describe("the audit log", () => {
  it("says who did what and from where, in English too", async () => {
    serve({
      "/api/v1/me": { profile },
      "/api/v1/business/organisations": mine,
      [`/api/v1/business/organisations/${ORG}/audit?limit=30`]: {
        items: [
          {
            id: "01",
            at: "2026-12-02T10:00:00.000Z",
            actor: { id: "demo-biz-admin", name: "Алексей Соколов", operator: false },
            action: "member.changed",
            target: "Ирина Лебедева",
            details: { from: "viewer", to: "manager", accounts: 2 },
            address: "203.0.113.5",
          },
        ],
        nextCursor: null,
      },
    });
    mount(`/business/${ORG}/audit`, "/business/:id/audit", OrgAuditPage, "en");
    const what = await screen.findByText(/Role changed/);
    expect(what.textContent?.replace(/\s+/g, " ")).toBe("Role changed: Ирина Лебедева (Viewer → Manager)");
    const row = what.closest("tr") as HTMLElement;
    expect(within(row).getByText("Алексей Соколов")).toBeTruthy();
    expect(within(row).getByText("203.0.113.5")).toBeTruthy();
  });
  it("finds entries by what, who and when, and downloads what it found", async () => {
    const entry = (action: string) => ({
      id: action,
      at: "2026-12-02T10:00:00.000Z",
      actor: { id: "demo-biz-admin", name: "Алексей Соколов", operator: false },
      action,
      target: null,
      details: null,
      address: null,
    });
    serve({
      "/api/v1/me": { profile },
      "/api/v1/business/organisations": mine,
      [`/api/v1/business/organisations/${ORG}/employees`]: {
        members: [{ subscriberId: "demo-biz-admin", name: "Алексей Соколов", role: "administrator", accountNos: null, siteIds: null }],
        invites: [],
      },
      [`/api/v1/business/organisations/${ORG}/audit?limit=30`]: {
        items: [entry("member.changed"), entry("site.renamed")],
        nextCursor: null,
      },
      [`/api/v1/business/organisations/${ORG}/audit?limit=30&kind=sites&actor=demo-biz-admin&from=2026-12-01`]: {
        items: [entry("site.renamed")],
        nextCursor: null,
      },
    });
    mount(`/business/${ORG}/audit`, "/business/:id/audit", OrgAuditPage);
    expect(await screen.findByText("Изменена роль")).toBeTruthy();
    fireEvent.change(screen.getByLabelText("Что"), { target: { value: "sites" } });
    await screen.findByRole("option", { name: "Алексей Соколов" });
    fireEvent.change(screen.getByLabelText("Кто"), { target: { value: "demo-biz-admin" } });
    fireEvent.input(screen.getByLabelText("С даты"), { target: { value: "2026-12-01" } });
    fireEvent.click(screen.getByRole("button", { name: "Показать" }));
    expect(await screen.findByText("Переименована площадка")).toBeTruthy();
    expect(screen.queryByText("Изменена роль")).toBeNull();
    const xlsx = screen.getByRole("link", { name: "Excel (XLSX)" });
    expect(xlsx.getAttribute("href")).toBe(
      `/api/v1/business/organisations/${ORG}/audit/export?format=xlsx&kind=sites&actor=demo-biz-admin&from=2026-12-01`,
    );
    expect(screen.getByRole("link", { name: "CSV" }).getAttribute("href")).toContain("format=csv&kind=sites");
  });
});
