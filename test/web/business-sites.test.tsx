import "fake-indexeddb/auto";
import { fireEvent, screen, within } from "@solidjs/testing-library";
import { describe, expect, it, vi } from "vitest";
import { OrgAccountListPage } from "../../web/src/features/business/AccountList";
import { OrgAuditPage, OrgEmployeesPage } from "../../web/src/features/business/OrgScreens";
import { mount, screenTestHooks, sent, serve } from "./harness";

const profile = { id: "demo-biz-admin", displayName: "Алексей Соколов", phone: "+79000000010", email: null, login: "biz.admin" };
const ORG = "org-demo-veter";
const BASE = `/api/v1/business/organisations/${ORG}`;
const mine = (role = "administrator") => ({
  items: [{ id: ORG, name: "ООО «Северный ветер»", kind: "legal", inn: "7704123450", role }],
});
const regions = {
  items: [
    { code: "msk", name: { ru: "Москва", en: "Moscow" } },
    { code: "ekb", name: { ru: "Свердловская область", en: "Sverdlovsk Oblast" } },
  ],
};

screenTestHooks();

const HQ = { id: `${ORG}-msk-1`, name: "Головной офис", address: "Москва, ул. Остоженка, д. 10" };
const EKB = { id: `${ORG}-ekb-2`, name: "Склад на Космонавтов", address: "Екатеринбург, пр-т Космонавтов, д. 18" };
const account = (accountNo: string, site: typeof HQ, balanceKop: number, region = "msk") => ({
  accountNo,
  region,
  address: site.address,
  status: "active",
  balanceKop,
  monthlyKop: 120_000,
  siteId: site.id,
  siteName: site.name,
});
const figures = (count: number, balanceKop: number, negative: number) => ({ count, balanceKop, monthlyKop: count * 120_000, negative });

/** The first page: three accounts of two sites shown, out of 120 found. */
const firstPage = {
  items: [account("201900000016", HQ, 150_000), account("201900000024", HQ, -2_500), account("505900000018", EKB, 10_000, "ekb")],
  totals: figures(120, 9_876_500, 17),
  sites: [
    { id: HQ.id, name: HQ.name, ...figures(20, 1_000_000, 3) },
    { id: EKB.id, name: EKB.name, ...figures(100, 8_876_500, 14) },
  ],
  regions: ["ekb", "msk"],
  offset: 0,
  nextOffset: 50,
};
const sites = {
  items: [
    { ...HQ, accounts: 20 },
    { ...EKB, accounts: 10 },
    { id: `${ORG}-spb-1`, name: "Офис на Лиговском", address: "Санкт-Петербург", accounts: 20 },
  ],
};

describe("the accounts list grouped by site", () => {
  it("groups the page by site under headings with each site's figures, totals everything found, and offers the export", async () => {
    serve({
      "/api/v1/me": { profile },
      "/api/v1/business/organisations": mine("viewer"),
      "/api/v1/regions": regions,
      [`${BASE}/account-list?offset=0&limit=50`]: firstPage,
    });
    mount(`/business/${ORG}/accounts`, "/business/:id/accounts", OrgAccountListPage);
    expect(await screen.findByText("Найдено 120 счетов. Показано 3 из 120")).toBeTruthy();
    const totals = screen.getByRole("region", { name: "Итого по выбранным счетам" });
    expect(totals.textContent).toContain("120");
    expect(totals.textContent).toMatch(/98\s765\s₽/);
    expect(totals.textContent).toContain("17");
    // Each site is a group of rows named by its heading; the rows are headed by their account numbers.
    const groups = screen.getAllByRole("rowgroup").filter((g) => g.getAttribute("aria-labelledby"));
    expect(groups.map((g) => within(g).getByRole("columnheader").textContent)).toEqual([
      expect.stringContaining("Головной офис"),
      expect.stringContaining("Склад на Космонавтов"),
    ]);
    expect(within(groups[0] as HTMLElement).getByRole("columnheader").textContent).toContain("20 счетов");
    expect(
      within(groups[0] as HTMLElement)
        .getAllByRole("rowheader")
        .map((h) => h.textContent),
    ).toEqual(["2019 0000 0016", "2019 0000 0024"]);
    expect(within(groups[1] as HTMLElement).getByText("Свердловская область")).toBeTruthy();
    const debt = within(groups[0] as HTMLElement).getByText(/−25|-25/);
    expect(debt.classList.contains("debt")).toBe(true);
    expect(screen.getByRole("link", { name: "Excel (XLSX)" }).getAttribute("href")).toBe(`${BASE}/account-list/export?format=xlsx&lang=ru`);
    expect(screen.getByRole("link", { name: "CSV для Excel" }).getAttribute("href")).toBe(`${BASE}/account-list/export?format=csv&lang=ru`);
    // Not an administrator: no rename or move.
    expect(screen.queryByRole("button", { name: "Переименовать" })).toBeNull();
  });

  it("searches and filters with the form, the totals and the export following, and loads the next page into its site", async () => {
    serve({
      "/api/v1/me": { profile },
      "/api/v1/business/organisations": mine("viewer"),
      "/api/v1/regions": regions,
      [`${BASE}/account-list?offset=0&limit=50`]: firstPage,
      [`${BASE}/account-list?q=%D0%BA%D0%BE%D1%81%D0%BC%D0%BE%D0%BD%D0%B0%D0%B2%D1%82%D0%BE%D0%B2&region=ekb&negative=true&sort=balance&order=desc&offset=0&limit=50`]:
        {
          ...firstPage,
          items: [account("505900000018", EKB, -10_000, "ekb")],
          totals: figures(2, -15_000, 2),
          sites: [{ id: EKB.id, name: EKB.name, ...figures(2, -15_000, 2) }],
          nextOffset: 1,
        },
      [`${BASE}/account-list?q=%D0%BA%D0%BE%D1%81%D0%BC%D0%BE%D0%BD%D0%B0%D0%B2%D1%82%D0%BE%D0%B2&region=ekb&negative=true&sort=balance&order=desc&offset=1&limit=50`]:
        { ...firstPage, items: [account("505900000026", EKB, -5_000, "ekb")], totals: figures(2, -15_000, 2), nextOffset: null },
    });
    mount(`/business/${ORG}/accounts`, "/business/:id/accounts", OrgAccountListPage);
    await screen.findByText("Найдено 120 счетов. Показано 3 из 120");
    fireEvent.input(screen.getByLabelText("Поиск"), { target: { value: "космонавтов" } });
    fireEvent.change(screen.getByLabelText("Регион"), { target: { value: "ekb" } });
    fireEvent.click(screen.getByLabelText("Только с отрицательным балансом"));
    fireEvent.change(screen.getByLabelText("Сортировка внутри площадки"), { target: { value: "balance" } });
    fireEvent.change(screen.getByLabelText("Порядок"), { target: { value: "desc" } });
    fireEvent.click(screen.getByRole("button", { name: "Найти" }));
    expect(await screen.findByText("Найдено 2 счёта. Показано 1 из 2")).toBeTruthy();
    expect(screen.getByRole("link", { name: "CSV для Excel" }).getAttribute("href")).toBe(
      `${BASE}/account-list/export?q=%D0%BA%D0%BE%D1%81%D0%BC%D0%BE%D0%BD%D0%B0%D0%B2%D1%82%D0%BE%D0%B2&region=ekb&negative=true&sort=balance&order=desc&format=csv&lang=ru`,
    );
    fireEvent.click(screen.getByRole("button", { name: "Показать ещё" }));
    expect(await screen.findByText("Найдено 2 счёта. Показано 2 из 2")).toBeTruthy();
    const groups = screen.getAllByRole("rowgroup").filter((g) => g.getAttribute("aria-labelledby"));
    expect(groups).toHaveLength(1);
    expect(
      within(groups[0] as HTMLElement)
        .getAllByRole("rowheader")
        .map((h) => h.textContent),
    ).toEqual(["5059 0000 0018", "5059 0000 0026"]);
    expect(screen.queryByRole("button", { name: "Показать ещё" })).toBeNull();
  });

  it("says what failed and retries; says when nothing is found", async () => {
    let tries = 0;
    serve({
      "/api/v1/me": { profile },
      "/api/v1/business/organisations": mine("viewer"),
      "/api/v1/regions": regions,
      [`${BASE}/account-list?offset=0&limit=50`]: () =>
        ++tries === 1
          ? { status: 503, body: { type: "urn:kabinet:problem:unavailable", title: "Сервис временно недоступен", status: 503 } }
          : { body: { ...firstPage, items: [], totals: figures(0, 0, 0), sites: [], nextOffset: null } },
    });
    mount(`/business/${ORG}/accounts`, "/business/:id/accounts", OrgAccountListPage);
    expect((await screen.findByRole("alert")).textContent).toContain("Сервис временно недоступен");
    fireEvent.click(screen.getByRole("button", { name: "Повторить" }));
    expect(await screen.findByText("Ничего не найдено. Измените поиск или фильтры.")).toBeTruthy();
    expect(screen.queryByRole("link", { name: "CSV для Excel" })).toBeNull();
  });

  it("lets an administrator rename a site and move an account, then reloads the list", async () => {
    serve({
      "/api/v1/me": { profile },
      "/api/v1/business/organisations": mine(),
      "/api/v1/regions": regions,
      [`${BASE}/account-list?offset=0&limit=50`]: firstPage,
      [`${BASE}/sites`]: sites,
      [`PATCH ${BASE}/sites/${HQ.id}`]: { body: { ...HQ, name: "Офис на Остоженке" } },
      [`PUT ${BASE}/accounts/201900000024/site`]: { body: { accountNo: "201900000024", siteId: `${ORG}-spb-1` } },
    });
    mount(`/business/${ORG}/accounts`, "/business/:id/accounts", OrgAccountListPage);
    await screen.findByText("Найдено 120 счетов. Показано 3 из 120");
    fireEvent.click(screen.getAllByRole("button", { name: "Переименовать" })[0] as HTMLElement);
    const name = screen.getByLabelText("Новое название площадки «Головной офис»");
    fireEvent.input(name, { target: { value: "Офис на Остоженке" } });
    fireEvent.click(screen.getByRole("button", { name: "Сохранить" }));
    expect(await screen.findByText("Площадка переименована")).toBeTruthy();
    expect(sent.find((r) => r.method === "PATCH")?.body).toEqual({ name: "Офис на Остоженке" });

    const move = await screen.findByLabelText("Перенести счёт 2019 0000 0024 на площадку");
    await within(move).findByText("Офис на Лиговском");
    fireEvent.change(move, { target: { value: `${ORG}-spb-1` } });
    fireEvent.click(within(move.parentElement as HTMLElement).getByRole("button", { name: "Перенести" }));
    await vi.waitFor(() => expect(sent.find((r) => r.method === "PUT")?.body).toEqual({ siteId: `${ORG}-spb-1` }));
    await vi.waitFor(() => expect(sent.filter((r) => r.url.startsWith(`${BASE}/account-list`)).length).toBeGreaterThanOrEqual(3));
    expect(await screen.findByText("Счёт перенесён")).toBeTruthy();
  });

  it("speaks English", async () => {
    serve({
      "/api/v1/me": { profile },
      "/api/v1/business/organisations": mine("viewer"),
      "/api/v1/regions": regions,
      [`${BASE}/account-list?offset=0&limit=50`]: firstPage,
    });
    mount(`/business/${ORG}/accounts`, "/business/:id/accounts", OrgAccountListPage, "en");
    expect(await screen.findByText("120 accounts found. Showing 3 of 120")).toBeTruthy();
    expect(screen.getByRole("region", { name: "Totals of the accounts found" })).toBeTruthy();
    expect(screen.getByRole("link", { name: "CSV for Excel" }).getAttribute("href")).toContain("lang=en");
    expect(screen.getByRole("cell", { name: "Sverdlovsk Oblast" })).toBeTruthy();
  });
});

describe("limiting an employee to sites", () => {
  const employees = {
    members: [
      {
        subscriberId: "demo-biz-viewer",
        name: "Ирина Лебедева",
        phone: "+79000000013",
        email: null,
        role: "viewer",
        accountNos: null,
        siteIds: [HQ.id],
        since: "2026-01-15T09:00:00.000Z",
      },
    ],
    invites: [],
  };

  it("an administrator invites an employee limited to two sites, ticked by their names", async () => {
    serve({
      "/api/v1/me": { profile },
      "/api/v1/business/organisations": mine(),
      [`${BASE}/employees`]: employees,
      [`${BASE}/sites`]: sites,
      [`POST ${BASE}/invites`]: { status: 201, body: { id: "inv1", expiresAt: "2026-12-06T10:00:00.000Z" } },
    });
    mount(`/business/${ORG}/employees`, "/business/:id/employees", OrgEmployeesPage);
    expect((await screen.findByText("Ирина Лебедева")).closest("li")?.textContent).toContain("1 площадка");
    const form = screen.getByRole("button", { name: "Отправить приглашение" }).closest("form") as HTMLFormElement;
    fireEvent.input(within(form).getByLabelText("Телефон или почта"), { target: { value: "+7 900 000-00-77" } });
    fireEvent.change(within(form).getByLabelText("Роль"), { target: { value: "accountant" } });
    const choice = within(form).getByRole("group", { name: "Только площадки (не выбрано — все)" });
    fireEvent.click(await within(choice).findByLabelText(/^Головной офис/));
    fireEvent.click(within(choice).getByLabelText(/^Склад на Космонавтов/));
    fireEvent.click(within(form).getByRole("button", { name: "Отправить приглашение" }));
    expect(await screen.findByText("Приглашение отправлено, действует 72 часа")).toBeTruthy();
    expect(sent.find((r) => r.method === "POST")?.body).toEqual({
      contact: "+7 900 000-00-77",
      role: "accountant",
      accountNos: null,
      siteIds: [HQ.id, EKB.id],
    });
  });

  it("changes an employee's sites and keeps them when only the role changes", async () => {
    serve({
      "/api/v1/me": { profile },
      "/api/v1/business/organisations": mine(),
      [`${BASE}/employees`]: employees,
      [`${BASE}/sites`]: sites,
      [`PUT ${BASE}/employees/demo-biz-viewer`]: { status: 204, body: null },
    });
    mount(`/business/${ORG}/employees`, "/business/:id/employees", OrgEmployeesPage);
    const role = await screen.findByLabelText("Роль сотрудника Ирина Лебедева");
    const row = role.closest("li") as HTMLElement;
    fireEvent.change(role, { target: { value: "accountant" } });
    fireEvent.click(within(row).getByRole("button", { name: "Сохранить" }));
    expect(await within(row).findByText("Сохранено")).toBeTruthy();
    expect(sent.filter((r) => r.method === "PUT")[0]?.body).toEqual({ role: "accountant", accountNos: null, siteIds: [HQ.id] });
    const ekb = await within(row).findByLabelText(/^Склад на Космонавтов/);
    expect((within(row).getByLabelText(/^Головной офис/) as HTMLInputElement).checked).toBe(true);
    fireEvent.click(ekb);
    fireEvent.click(within(row).getByRole("button", { name: "Сохранить" }));
    await vi.waitFor(() =>
      expect(sent.filter((r) => r.method === "PUT")[1]?.body).toEqual({
        role: "accountant",
        accountNos: null,
        siteIds: [EKB.id, HQ.id].sort(),
      }),
    );
  });
});

describe("the audit log names what was done to sites and the list", () => {
  it("says who exported the list, renamed a site and moved an account, in words", async () => {
    const entry = (id: string, action: string, target: string, details: Record<string, unknown>) => ({
      id,
      at: "2026-12-03T09:00:00.000Z",
      actor: { id: "demo-biz-admin", name: "Алексей Соколов", operator: false },
      action,
      target,
      details,
      address: "203.0.113.7",
    });
    serve({
      "/api/v1/me": { profile },
      "/api/v1/business/organisations": mine(),
      [`${BASE}/audit?limit=30`]: {
        items: [
          entry("01", "accounts.exported", "XLSX", { format: "xlsx", accounts: 30, filters: { region: "msk" } }),
          entry("02", "site.renamed", HQ.address, { site: HQ.id, oldName: "Головной офис", newName: "Офис на Остоженке" }),
          entry("03", "account.site_changed", "201900000024", { fromSite: HQ.id, toSite: EKB.id, toSiteName: EKB.name }),
        ],
        nextCursor: null,
      },
    });
    mount(`/business/${ORG}/audit`, "/business/:id/audit", OrgAuditPage);
    const rows = await screen.findAllByRole("row");
    const texts = rows.slice(1).map((r) => r.textContent ?? "");
    expect(texts[0]).toContain("Выгружен список лицевых счетов: XLSX");
    expect(texts[1]).toContain(`Переименована площадка: ${HQ.address}`);
    expect(texts[2]).toContain("Лицевой счёт перенесён на другую площадку: 201900000024");
    expect(texts.join()).not.toMatch(/role\.|undefined/);
  });
});
