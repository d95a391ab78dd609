import "fake-indexeddb/auto";
import { createMemoryHistory, MemoryRouter, Route } from "@solidjs/router";
import { fireEvent, render, screen, waitFor } from "@solidjs/testing-library";
import { describe, expect, it, vi } from "vitest";
import { SessionProvider } from "../../web/src/features/auth/SessionContext";
import UsagePage from "../../web/src/features/usage/UsagePage";
import type { UsageViewDto } from "../../web/src/features/usage/usageApi";
import { I18nProvider } from "../../web/src/i18n";
import { screenTestHooks } from "./harness";

const profile = { id: "demo-anna", displayName: "Анна Иванова", phone: "+79000000001", email: null, login: "anna" };
const label = (ru: string, en: string) => ({ ru, en });
const view: UsageViewDto = {
  accountNo: "201000000012",
  tz: "Europe/Moscow",
  from: "2026-11-03",
  to: "2026-12-02",
  serviceId: null,
  categories: ["sms", "internet"],
  labels: {
    call_in: label("Входящие звонки", "Incoming calls"),
    call_local: label("Исходящие местные", "Outgoing local"),
    call_long_distance: label("Исходящие междугородные", "Outgoing long-distance"),
    call_mobile: label("Исходящие на мобильные", "Outgoing to mobiles"),
    call_international: label("Исходящие международные", "Outgoing international"),
    sms: label("SMS", "SMS"),
    internet: label("Интернет", "Internet"),
    option: label("Платные опции", "Paid options"),
  },
  services: [{ id: "svc-1", kind: "mobile", name: label("Мобильная связь", "Mobile"), status: "active", categories: ["sms", "internet"] }],
  items: [
    {
      id: "u1",
      serviceId: "svc-1",
      category: "sms",
      direction: "out",
      peer: "+7 900 111-22-33",
      startedAt: "2026-12-01T10:00:00.000Z",
      local: "01.12.2026 13:00:00",
      durationSec: null,
      volumeKb: null,
      costKop: 200,
      title: null,
    },
  ],
  totals: [{ category: "sms", count: 1, durationSec: 0, volumeKb: 0, costKop: 200 }],
  total: { records: 1, callSec: 0, dataKb: 0, smsCount: 1, costKop: 200 },
  nextCursor: null,
} as UsageViewDto;

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": status < 400 ? "application/json" : "application/problem+json" },
  });
const problem = (status: number, title: string) => json({ type: "urn:kabinet:problem:validation", title, status }, status);

/**
 * The server as the usage page meets it: `categories` must name at least one kind (an empty value or list is a 400,
 * as the usage service says). `usage` answers each request for the view, in order; `orders` collects the reports ordered.
 */
function serve(usage: Array<(q: URLSearchParams) => Promise<Response>>, orders: Array<Record<string, unknown>> = []) {
  const asked: URLSearchParams[] = [];
  vi.stubGlobal(
    "fetch",
    vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
      const url = new URL(String(input), "http://msk.kabinet.localhost");
      if (url.pathname === "/api/v1/me") return json({ profile });
      if (url.pathname.endsWith("/usage/reports") && init?.method === "POST") {
        const body = JSON.parse(String(init.body)) as Record<string, unknown>;
        if (Array.isArray(body.categories) && body.categories.length === 0) return problem(400, "Проверьте поля формы");
        orders.push(body);
        return json({ id: `r${orders.length}`, status: "queued" }, 202);
      }
      if (url.pathname.endsWith("/usage/reports")) return json({ items: [] });
      if (url.pathname.endsWith("/usage")) {
        asked.push(url.searchParams);
        if (url.searchParams.has("categories") && !/^[a-z_]+(,[a-z_]+)*$/.test(url.searchParams.get("categories") ?? ""))
          return problem(400, "Проверьте поля формы");
        const next = usage.shift();
        return next ? next(url.searchParams) : json(view);
      }
      return problem(404, "Не найдено");
    }),
  );
  return asked;
}

function mount() {
  // biome-ignore lint/suspicious/noDocumentCookie: a test sets what the server would
  document.cookie = "kab_in=1";
  const history = createMemoryHistory();
  history.set({ value: "/accounts/201000000012/usage" });
  render(() => (
    <I18nProvider initial="ru">
      <SessionProvider>
        <MemoryRouter history={history}>
          <Route path="/accounts/:no/usage" component={UsagePage} />
        </MemoryRouter>
      </SessionProvider>
    </I18nProvider>
  ));
}

screenTestHooks();

describe("«Детализация расходов»: «Обновить»", () => {
  it("pressed before the kinds have loaded, sends a valid request and shows the records, not an endless «Загрузка…»", async () => {
    let answerFirst: () => void = () => {};
    const asked = serve([() => new Promise<Response>((r) => (answerFirst = () => r(json(view))))]);
    mount();
    const refresh = await screen.findByRole("button", { name: "Обновить" });
    expect(screen.queryByRole("group", { name: "Что показать" })).toBeNull();
    fireEvent.click(refresh);
    answerFirst();
    expect(await screen.findByText("+7 900 111-22-33 (исходящее)", undefined, { timeout: 2000 })).toBeTruthy();
    expect(asked.every((q) => q.get("categories") !== "")).toBe(true);
    expect(screen.queryByText("Загрузка…")).toBeNull();
  });

  it("shows a failed load's error with a retry that loads the records", async () => {
    serve([async () => problem(503, "Сервис временно недоступен")]);
    mount();
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("Сервис временно недоступен");
    fireEvent.click(screen.getByRole("button", { name: "Повторить" }));
    expect(await screen.findByText("+7 900 111-22-33 (исходящее)")).toBeTruthy();
  });

  it("with every kind unticked, says to choose one instead of sending a request the server refuses", async () => {
    const asked = serve([]);
    mount();
    const kinds = await screen.findByRole("group", { name: "Что показать" });
    for (const box of kinds.querySelectorAll<HTMLInputElement>("input[type=checkbox]")) fireEvent.click(box);
    const before = asked.length;
    fireEvent.click(screen.getByRole("button", { name: "Обновить" }));
    const hint = await screen.findByText("Выберите хотя бы один вид записей");
    expect(hint.closest("[role=alert]")).toBeTruthy();
    expect(asked.length).toBe(before);
    expect(screen.getByText("+7 900 111-22-33 (исходящее)")).toBeTruthy();
    fireEvent.click(kinds.querySelector<HTMLInputElement>("input[type=checkbox]") as HTMLInputElement);
    fireEvent.click(screen.getByRole("button", { name: "Обновить" }));
    await waitFor(() => expect(asked.length).toBe(before + 1));
    expect(asked.at(-1)?.get("categories")).toBe("sms");
    expect(screen.queryByText("Выберите хотя бы один вид записей")).toBeNull();
  });
});

describe("«Детализация расходов»: «Заказать отчёт»", () => {
  it("ordered before the kinds have loaded, asks for every kind and says the report is ordered", async () => {
    const orders: Array<Record<string, unknown>> = [];
    serve([() => new Promise<Response>(() => {})], orders);
    mount();
    const order = await screen.findByRole("button", { name: "Заказать отчёт" });
    expect(screen.queryByRole("group", { name: "Что показать" })).toBeNull();
    fireEvent.click(order);
    await waitFor(() => expect(orders.length).toBe(1));
    expect(orders[0]?.categories).toBeUndefined();
    expect(orders[0]?.format).toBe("pdf");
    expect((await screen.findByText("Отчёт заказан. Он появится в списке ниже.")).getAttribute("role")).toBe("status");
    expect(screen.queryByRole("alert")).toBeNull();
  });

  it("with some kinds ticked sends them; with none, says to choose one in the order form and sends nothing", async () => {
    const orders: Array<Record<string, unknown>> = [];
    serve([], orders);
    mount();
    const kinds = await screen.findByRole("group", { name: "Что показать" });
    const [sms, internet] = [...kinds.querySelectorAll<HTMLInputElement>("input[type=checkbox]")];
    fireEvent.click(internet as HTMLInputElement);
    fireEvent.click(screen.getByRole("button", { name: "Заказать отчёт" }));
    await waitFor(() => expect(orders.length).toBe(1));
    expect(orders[0]?.categories).toEqual(["sms"]);
    await screen.findByText("Отчёт заказан. Он появится в списке ниже.");
    fireEvent.click(sms as HTMLInputElement);
    fireEvent.click(screen.getByRole("button", { name: "Заказать отчёт" }));
    const hint = await screen.findByText("Выберите хотя бы один вид записей");
    expect(hint.closest("form")?.querySelector("button[type=submit]")?.textContent).toBe("Заказать отчёт");
    expect(orders.length).toBe(1);
  });
});
