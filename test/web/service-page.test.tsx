import { MemoryRouter, Route } from "@solidjs/router";
import { cleanup, fireEvent, render, screen, waitFor, within } from "@solidjs/testing-library";
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { ServiceView } from "../../web/src/features/services/ServicePage";
import { I18nProvider, type Lang, loadLang, loadMoreStrings } from "../../web/src/i18n";

const ACC = "201000000012";
const SID = `${ACC}-1`;

type App = Record<string, unknown> & { id: string; status: string; serviceId: string | null; kind: string };

/** A small fake of the API the service page talks to, with state that the page's own requests change. */
function fakeApi() {
  const state = {
    pending: { toTariffId: "msk-inet-300", effectiveDay: "2026-12-03", status: "scheduled" } as Record<string, string> | null,
    blocks: [
      { id: "b1", serviceId: SID, fromDay: "2027-01-10", toDay: "2027-01-29", status: "scheduled", feeKop: 0, applicationId: "ab1" },
    ],
    apps: [] as App[],
    quoteErrors: [] as string[],
    calls: [] as string[],
  };
  const tariff = (id: string, ru: string, en: string, priceKop: number) => ({
    id,
    kind: "internet",
    name: { ru, en },
    description: { ru: "", en: "" },
    priceKop,
    speedMbps: 100,
    tvChannels: null,
    minutes: null,
    dataGb: null,
  });
  const app = (over: Partial<App> & { id: string; number: string }): App => ({
    region: "msk",
    kind: "disconnection",
    kindLabel: { ru: "Отключение услуги", en: "Disconnection of a service" },
    status: "received",
    statusLabel: { ru: "принята", en: "received" },
    accountNo: ACC,
    serviceId: SID,
    address: null,
    contactPhone: null,
    preferredDay: null,
    preferredSlot: null,
    technician: null,
    details: {},
    createdAt: "2026-12-02T10:00:00Z",
    updatedAt: "2026-12-02T10:00:00Z",
    next: ["cancelled"],
    history: null,
    ...over,
  });
  const ok = (body: unknown, status = 200) =>
    new Response(body === undefined ? null : JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
  const problem = (status: number, title: string) =>
    new Response(JSON.stringify({ type: "urn:kabinet:problem:application-open", title, status }), {
      status,
      headers: { "content-type": "application/problem+json" },
    });
  const fetch = vi.fn(async (input: RequestInfo | URL, init: RequestInit = {}) => {
    const url = new URL(String(input), "http://msk.kabinet.localhost");
    const method = init.method ?? "GET";
    const path = url.pathname;
    state.calls.push(`${method} ${path}`);
    if (path.endsWith("/tariffs"))
      return ok({
        accountNo: ACC,
        serviceId: SID,
        current: tariff("msk-inet-100", "Интернет 100", "Internet 100", 50000),
        effectiveDay: "2026-12-03",
        pending: state.pending,
        alternatives: [
          {
            ...tariff("msk-inet-300", "Интернет 300", "Internet 300", 70000),
            monthlyDiffKop: 20000,
            restOfMonthDiffKop: 19000,
            needsTechnician: false,
          },
        ],
      });
    if (path.endsWith("/tariff-change") && method === "DELETE") {
      state.pending = null;
      return ok(undefined, 204);
    }
    if (path.endsWith("/advisor")) return ok({ accountNo: ACC, serviceId: SID, months: [], options: [], best: null });
    if (path.endsWith("/block-quote")) {
      const used = state.blocks.some((b) => b.status === "scheduled") ? 20 : 0;
      return ok({
        serviceId: SID,
        from: url.searchParams.get("from"),
        to: url.searchParams.get("to"),
        days: 14,
        savedKop: 23000,
        feeKop: used ? 1200 : 0,
        savingKop: used ? 21800 : 23000,
        usedThisYear: used,
        earliest: "2026-12-03",
        rules: { minDays: 7, maxDays: 90, maxDaysPerYear: 90, freeDaysPerYear: 30, feePerDayKop: 300 },
        errors: state.quoteErrors,
      });
    }
    if (path.endsWith(`/accounts/${ACC}/blocks`)) return ok({ items: state.blocks.filter((b) => b.status === "scheduled") });
    if (path.endsWith("/blocks/b1/end")) {
      for (const b of state.blocks) b.status = "cancelled";
      return ok({ status: "cancelled" });
    }
    if (path === "/api/v1/applications" && method === "GET") return ok({ items: state.apps });
    if (path === "/api/v1/applications" && method === "POST") {
      const body = JSON.parse(String(init.body)) as { kind: string; serviceId: string };
      if (state.apps.some((a) => a.serviceId === body.serviceId && a.kind === body.kind && a.status === "received"))
        return problem(409, "По этой услуге уже есть заявка «Отключение услуги»");
      const made = app({ id: `ap${state.apps.length + 1}`, number: `2612-00000${state.apps.length + 1}` });
      state.apps.unshift(made);
      return ok(made, 201);
    }
    const cancel = /^\/api\/v1\/applications\/(\w+)\/cancel$/.exec(path);
    if (cancel && method === "POST") {
      const a = state.apps.find((x) => x.id === cancel[1]);
      if (!a) return problem(404, "Не найдено");
      // Withdrawing the technician's application drops the change waiting for it (as the Worker's carryOut does).
      if (a.kind === "tariff_change") state.pending = null;
      a.status = "cancelled";
      a.statusLabel = { ru: "отменена", en: "cancelled" };
      a.next = [];
      return ok(a);
    }
    return problem(404, "Не найдено");
  });
  return { state, fetch, app };
}

let api: ReturnType<typeof fakeApi>;

beforeAll(async () => {
  await loadMoreStrings();
  await loadLang("en");
});
beforeEach(() => {
  api = fakeApi();
  vi.stubGlobal("fetch", api.fetch);
});
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const page = (lang: Lang = "ru") =>
  render(() => (
    <MemoryRouter root={(p) => <I18nProvider initial={lang}>{p.children}</I18nProvider>}>
      <Route path="/" component={() => <ServiceView accountNo={ACC} serviceId={SID} />} />
    </MemoryRouter>
  ));

describe("the service page", () => {
  it("shows a booked tariff change with «Отменить», which cancels it through the API", async () => {
    page();
    const change = await screen.findByRole("region", { name: "Смена тарифа" });
    expect(await within(change).findByText(/Запланирована смена на «Интернет 300»/)).toBeTruthy();
    fireEvent.click(within(change).getByRole("button", { name: "Отменить" }));
    await waitFor(() => expect(api.state.calls).toContain(`DELETE /api/v1/accounts/${ACC}/services/${SID}/tariff-change`));
    expect(await screen.findByText("Смена тарифа отменена.")).toBeTruthy();
    await waitFor(() => expect(screen.queryByText(/Запланирована смена на/)).toBeNull());
  });

  it("refreshes the block quote after a block is cancelled: the days used and the fee drop at once", async () => {
    page();
    const block = await screen.findByRole("region", { name: "Добровольная блокировка" });
    expect(await within(block).findByText(/В этом году использовано дней: 20\./)).toBeTruthy();
    expect(within(block).getByText(/плата за блокировку 12 ₽/)).toBeTruthy();
    fireEvent.click(await within(block).findByRole("button", { name: "Отменить" }));
    expect(await within(block).findByText(/В этом году использовано дней: 0\./)).toBeTruthy();
    expect(within(block).getByText(/плата за блокировку 0 ₽/)).toBeTruthy();
  });

  it("names the broken block rule with its numbers, in Russian and in English", async () => {
    api.state.quoteErrors = ["field.block.length"];
    page();
    expect(await screen.findByText("Срок блокировки — от 7 до 90 дней")).toBeTruthy();
    cleanup();
    page("en");
    expect(await screen.findByText("A block lasts from 7 to 90 days")).toBeTruthy();
  });

  it("shows a pending disconnection request with its status and withdraws it; then it can be asked again", async () => {
    api.state.apps = [api.app({ id: "ap9", number: "2612-000009" }), api.app({ id: "ap8", number: "2612-000008", serviceId: `${ACC}-2` })];
    page();
    const section = await screen.findByRole("region", { name: "Отключение услуги" });
    const pending = await within(section).findByText(/Заявка № 2612-000009/);
    expect(pending.closest("li")?.textContent).toContain("принята");
    expect(within(section).queryByText(/2612-000008/)).toBeNull();
    // While a request is open, a second one is not offered.
    expect(within(section).queryByRole("button", { name: /^Отключить/ })).toBeNull();
    fireEvent.click(within(section).getByRole("button", { name: "Отозвать заявку" }));
    expect(await within(section).findByText("Заявка № 2612-000009 отозвана.")).toBeTruthy();
    await waitFor(() => expect(within(section).queryByRole("button", { name: "Отозвать заявку" })).toBeNull());
    fireEvent.click(within(section).getByRole("button", { name: "Отключить «Интернет 100»" }));
    fireEvent.click(within(section).getByRole("button", { name: "Да, отключить" }));
    expect(await within(section).findByText(/Заявка № 2612-000003/)).toBeTruthy();
    expect(within(section).getByRole("button", { name: "Отозвать заявку" })).toBeTruthy();
    expect(api.state.calls.filter((c) => c === "POST /api/v1/applications")).toHaveLength(1);
  });

  it("withdraws a tariff change waiting for a technician, and the tariff section stops announcing it", async () => {
    api.state.pending = { toTariffId: "msk-inet-300", effectiveDay: "2026-12-03", status: "waiting" };
    api.state.apps = [
      api.app({
        id: "ap5",
        number: "2612-000005",
        kind: "tariff_change",
        kindLabel: { ru: "Смена тарифа с выездом специалиста", en: "Tariff change with a technician visit" },
      }),
    ];
    page();
    expect(await screen.findByText("Смена тарифа ждёт визита специалиста.")).toBeTruthy();
    const section = await screen.findByRole("region", { name: "Отключение услуги" });
    // A tariff change's application does not stop a disconnection request.
    expect(await within(section).findByRole("button", { name: "Отключить «Интернет 100»" })).toBeTruthy();
    fireEvent.click(within(section).getByRole("button", { name: "Отозвать заявку" }));
    expect(await screen.findByText("Заявка № 2612-000005 отозвана.")).toBeTruthy();
    await waitFor(() => expect(screen.queryByText("Смена тарифа ждёт визита специалиста.")).toBeNull());
  });

  it("shows the API's 409 when another tab asked first, and then the request that is open", async () => {
    page();
    const section = await screen.findByRole("region", { name: "Отключение услуги" });
    fireEvent.click(await within(section).findByRole("button", { name: "Отключить «Интернет 100»" }));
    // Another tab files the request meanwhile.
    api.state.apps = [api.app({ id: "ap7", number: "2612-000007" })];
    fireEvent.click(within(section).getByRole("button", { name: "Да, отключить" }));
    const refused = await within(section).findByText("По этой услуге уже есть заявка «Отключение услуги»");
    expect(refused.closest("[role=alert]")).toBeTruthy();
    expect(await within(section).findByText(/Заявка № 2612-000007/)).toBeTruthy();
  });
});
