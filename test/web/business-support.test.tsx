import "fake-indexeddb/auto";
import { cleanup, fireEvent, screen, within } from "@solidjs/testing-library";
import type { Component } from "solid-js";
import { describe, expect, it, vi } from "vitest";
import { formatDue } from "../../web/src/features/business/businessSupportApi";
import { ManagerCard, OrgSupport } from "../../web/src/features/business/OrgSupport";
import { BusinessChat, BusinessOffices, BusinessTariffs } from "../../web/src/features/business/PublicBusiness";
import type { Lang } from "../../web/src/i18n";
import { mount, screenTestHooks, sent, serve } from "./harness";

screenTestHooks();

const ORG = "org-demo-veter";

const mountPage = (page: Component, lang: Lang = "ru", loggedIn = true) => mount("/x", "/x", page, lang, loggedIn);
const BASE = `/api/v1/business/organisations/${ORG}`;
const profile = { id: "demo-biz-manager", displayName: "Ольга Петрова", phone: "+79000000012", email: null, login: "biz.manager" };
const LINES = [
  { kind: "b2b_hotline", phone: "+78002001661" },
  { kind: "b2b_smb", phone: "+78003028710" },
  { kind: "b2b_enterprise", phone: "+78002006786" },
];
const CATEGORIES = [
  { id: "outage", name: "Авария, нет связи", target: "в течение 1 часа, круглосуточно" },
  { id: "services", name: "Подключение и изменение услуг", target: "в течение 1 рабочего дня" },
];

function ticket(over: Record<string, unknown> = {}) {
  return {
    id: "msk_01jd0000000000000000000001",
    number: "T2612-000001",
    region: "msk",
    accountNo: null,
    category: "outage",
    subject: "Нет интернета",
    text: "В офисе нет интернета",
    status: "new",
    statusLabel: "новое",
    operatorName: null,
    next: ["cancelled"],
    createdAt: "2026-12-03T10:00:00.000Z",
    updatedAt: "2026-12-03T10:00:00.000Z",
    history: null,
    queue: "business",
    orgId: ORG,
    categoryLabel: "Авария, нет связи",
    dueAt: "2026-12-03T11:00:00.000Z",
    overdue: false,
    ...over,
  };
}

describe("the personal manager", () => {
  it("shows the assigned manager's name, phone and email as links", async () => {
    serve({
      [`${BASE}/manager`]: { manager: { name: "Анна Соколова", phone: "+79001112233", email: "a.sokolova@example.com" }, lines: LINES },
    });
    mountPage(() => <ManagerCard orgId={ORG} />);
    const section = await screen.findByRole("region", { name: "Ваш персональный менеджер" });
    expect(await within(section).findByText("Анна Соколова")).toBeTruthy();
    expect(within(section).getByRole("link", { name: "+7 900 111-22-33" }).getAttribute("href")).toBe("tel:+79001112233");
    expect(within(section).getByRole("link", { name: "a.sokolova@example.com" }).getAttribute("href")).toBe(
      "mailto:a.sokolova@example.com",
    );
  });

  it("falls back to the three business lines when none is assigned, in English too", async () => {
    serve({ [`${BASE}/manager`]: { manager: null, lines: LINES } });
    mountPage(() => <ManagerCard orgId={ORG} />, "en");
    expect(await screen.findByText("No personal manager is assigned. The business lines will answer you:")).toBeTruthy();
    const phones = screen.getAllByRole("link").map((a) => a.getAttribute("href"));
    expect(phones).toEqual(["tel:+78002001661", "tel:+78003028710", "tel:+78002006786"]);
  });
});

describe("the organisation's requests", () => {
  it("offers each category with its answer time, files a request and says by when the answer comes", async () => {
    const filed = ticket({ dueAt: "2026-12-03T11:30:00.000Z" });
    const items: unknown[] = [];
    serve({
      "/api/v1/me": { profile },
      "/api/v1/support/chats": { items: [] },
      [`${BASE}/manager`]: { manager: null, lines: LINES },
      [`${BASE}/support/requests`]: () => ({ body: { items, categories: CATEGORIES } }),
      [`POST ${BASE}/support/requests`]: () => {
        items.push(filed);
        return { status: 201, body: filed };
      },
    });
    mountPage(() => <OrgSupport orgId={ORG} />);
    const form = await screen.findByRole("form", { name: "Новое обращение" });
    const select = within(form).getByLabelText("Тема") as HTMLSelectElement;
    expect([...select.options].map((o) => o.textContent)).toEqual([
      "Авария, нет связи — ответ в течение 1 часа, круглосуточно",
      "Подключение и изменение услуг — ответ в течение 1 рабочего дня",
    ]);
    fireEvent.input(within(form).getByLabelText("Кратко"), { target: { value: "Нет интернета" } });
    fireEvent.input(within(form).getByLabelText("Опишите вопрос"), { target: { value: "В офисе на Остоженке нет интернета" } });
    fireEvent.submit(form);
    const due = formatDue("2026-12-03T11:30:00.000Z", undefined, "ru");
    expect((await screen.findByText(`Обращение T2612-000001 принято. Ответим до ${due}`)).getAttribute("role")).toBe("status");
    expect(sent.find((r) => r.method === "POST")?.body).toEqual({
      category: "outage",
      accountNo: null,
      subject: "Нет интернета",
      text: "В офисе на Остоженке нет интернета",
    });
    // The list shows it with its answer time, and the confirmation stays when the list is refreshed (it vanished
    // with the form the refreshed list rebuilt, before a person or the browser test could read it).
    expect(await screen.findByText(`Ответим до ${due}`)).toBeTruthy();
    expect(screen.getByText(`Обращение T2612-000001 принято. Ответим до ${due}`).getAttribute("role")).toBe("status");
  });

  it("marks an overdue request in words, and tells a viewer the requests are not for their role", async () => {
    serve({
      "/api/v1/me": { profile },
      "/api/v1/support/chats": { items: [] },
      [`${BASE}/manager`]: { manager: null, lines: LINES },
      [`${BASE}/support/requests`]: { items: [ticket({ overdue: true })], categories: CATEGORIES },
    });
    mountPage(() => <OrgSupport orgId={ORG} />);
    expect(await screen.findByText("Срок ответа прошёл")).toBeTruthy();
    cleanup();
    serve({
      "/api/v1/me": { profile },
      "/api/v1/support/chats": { items: [] },
      [`${BASE}/manager`]: { manager: null, lines: LINES },
      [`${BASE}/support/requests`]: {
        status: 403,
        body: { type: "urn:kabinet:problem:org_forbidden", title: "Недостаточно прав", status: 403 },
      },
    });
    mountPage(() => <OrgSupport orgId={ORG} />);
    expect(await screen.findByText("Обращения организации доступны администратору, бухгалтеру и менеджеру.")).toBeTruthy();
  });
});

describe("the public business pages", () => {
  it("list the region's business tariffs with prices and its offices for legal entities only", async () => {
    serve({
      "/api/v1/region/business-tariffs": {
        items: [
          {
            id: "msk-biz-inet-100",
            kind: "internet",
            name: "Бизнес-интернет 100",
            description: "100 Мбит/с",
            priceKop: 228_000,
            per: "month",
          },
          {
            id: "msk-biz-mobile",
            kind: "mobile",
            name: "Корпоративный мобильный",
            description: "1000 минут",
            priceKop: 78_000,
            per: "sim",
          },
        ],
      },
      "/api/v1/region/offices": {
        items: [
          {
            id: "msk-1",
            kind: "b2c",
            city: { ru: "Москва", en: "Moscow" },
            address: { ru: "ул. Тверская, д. 7", en: "7 Tverskaya St" },
            hours: Array(7).fill("09:00-20:00"),
            lat: 55.7,
            lon: 37.6,
          },
          {
            id: "msk-b2b",
            kind: "b2b",
            city: { ru: "Москва", en: "Moscow" },
            address: { ru: "ул. Гончарная, д. 30", en: "30 Goncharnaya St" },
            hours: ["09:00-18:00", "09:00-18:00", "09:00-18:00", "09:00-18:00", "09:00-17:00", null, null],
            lat: 55.74,
            lon: 37.65,
          },
        ],
        map: null,
      },
    });
    mountPage(() => (
      <>
        <BusinessTariffs />
        <BusinessOffices />
      </>
    ));
    const tariffs = await screen.findByRole("region", { name: "Тарифы для бизнеса" });
    expect(await within(tariffs).findByText("Бизнес-интернет 100")).toBeTruthy();
    expect(within(tariffs).getByText(/2\s280 ₽ в месяц$/)).toBeTruthy();
    expect(within(tariffs).getByText(/780 ₽ в месяц за номер$/)).toBeTruthy();
    const offices = screen.getByRole("region", { name: "Офисы обслуживания юридических лиц" });
    expect(await within(offices).findByText("Москва, ул. Гончарная, д. 30")).toBeTruthy();
    expect(within(offices).queryByText(/Тверская/)).toBeNull();
  });

  it("starts a visitor's business chat with the company and an optional ИНН, into the business queue, and shows the field the server refused", async () => {
    let calls = 0;
    serve({
      "/api/v1/me": { status: 401, body: { type: "urn:kabinet:problem:unauthorized", title: "Войдите", status: 401 } },
      "POST /api/v1/support/chats": () =>
        ++calls === 1
          ? {
              status: 400,
              body: {
                type: "urn:kabinet:problem:validation",
                title: "Проверьте поля",
                status: 400,
                errors: [{ field: "inn", message: "ИНН — 10 или 12 цифр; проверьте, нет ли опечатки" }],
              },
            }
          : { status: 201, body: { chat: { id: "msk_01jd0000000000000000000009", status: "waiting", queue: "business" } } },
    });
    mountPage(() => <BusinessChat />, "ru", false);
    const form = await screen.findByRole("form", { name: "Бизнес-чат" });
    fireEvent.input(within(form).getByLabelText("Ваше имя"), { target: { value: "Олег" } });
    fireEvent.input(within(form).getByLabelText("Телефон"), { target: { value: "+7 900 555-01-01" } });
    fireEvent.input(within(form).getByLabelText("Компания"), { target: { value: "ООО Ромашка" } });
    fireEvent.input(within(form).getByLabelText("ИНН (необязательно)"), { target: { value: "7707083894" } });
    fireEvent.input(within(form).getByLabelText("Ваш вопрос"), { target: { value: "Хотим подключить офис" } });
    fireEvent.submit(form);
    expect(await within(form).findByText("ИНН — 10 или 12 цифр; проверьте, нет ли опечатки")).toBeTruthy();
    const first = sent.find((r) => r.method === "POST")?.body as Record<string, unknown>;
    expect(first).toMatchObject({
      queue: "business",
      company: "ООО Ромашка",
      inn: "7707083894",
      name: "Олег",
      text: "Хотим подключить офис",
    });
    fireEvent.input(within(form).getByLabelText("ИНН (необязательно)"), { target: { value: "" } });
    fireEvent.submit(form);
    await vi.waitFor(() => expect(screen.queryByRole("form", { name: "Бизнес-чат" })).toBeNull());
    const second = sent.filter((r) => r.method === "POST")[1]?.body as Record<string, unknown>;
    expect(second.inn).toBeUndefined();
    expect(second.queue).toBe("business");
  });
});
