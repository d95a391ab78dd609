import { MemoryRouter, Route } from "@solidjs/router";
import { cleanup, fireEvent, render, screen, waitFor, within } from "@solidjs/testing-library";
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { AccountCard } from "../../web/src/features/accounts/AccountsPage";
import { PackageMeters } from "../../web/src/features/services/PackageMeters";
import { ServiceView } from "../../web/src/features/services/ServicePage";
import { I18nProvider, type Lang, loadLang, loadMoreStrings } from "../../web/src/i18n";

const ACC = "201000000012";
const MOB = `${ACC}-mob`;
const NET = `${ACC}-net`;

const ok = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

/** The API the two screens talk to: a mobile number's package and a home line that fails its check. */
function fakeApi(verdict: "ok" | "no_session" = "no_session") {
  const posted: Record<string, unknown>[] = [];
  const tariff = (kind: string, ru: string) => ({
    id: `msk-${kind}`,
    kind,
    name: { ru, en: ru },
    description: { ru: "", en: "" },
    priceKop: 50000,
    speedMbps: kind === "internet" ? 100 : null,
    tvChannels: null,
    minutes: kind === "mobile" ? 500 : null,
    dataGb: kind === "mobile" ? 30 : null,
  });
  const fetch = vi.fn(async (input: RequestInfo | URL, init: RequestInit = {}) => {
    const path = new URL(String(input), "http://msk.kabinet.localhost").pathname;
    const method = init.method ?? "GET";
    if (path.endsWith("/packages"))
      return ok({
        accountNo: ACC,
        month: "2026-12",
        asOf: "2026-12-02",
        items: [
          {
            serviceId: MOB,
            name: { ru: "Мобильный M", en: "Mobile M" },
            status: "active",
            minutes: { total: 500, used: 380, left: 120 },
            sms: { total: 300, used: 299, left: 1 },
            dataMb: { total: 30 * 1024, used: 17 * 1024 + 614, left: 13 * 1024 - 614 },
          },
        ],
      });
    if (path.endsWith("/tariffs")) {
      const sid = decodeURIComponent(path.split("/")[6] ?? "");
      const current = sid === MOB ? tariff("mobile", "Мобильный M") : tariff("internet", "Интернет 100");
      return ok({ accountNo: ACC, serviceId: sid, current, effectiveDay: "2026-12-03", pending: null, alternatives: [] });
    }
    if (path.endsWith("/advisor")) return ok({ accountNo: ACC, months: [], options: [], best: null });
    if (path.endsWith("/block-quote"))
      return ok({
        days: 14,
        savedKop: 0,
        feeKop: 0,
        savingKop: 0,
        usedThisYear: 0,
        earliest: "2026-12-03",
        rules: { minDays: 7, maxDays: 90, maxDaysPerYear: 90, freeDaysPerYear: 30, feePerDayKop: 0 },
        errors: [],
      });
    if (path.endsWith("/blocks")) return ok({ items: [] });
    if (path.endsWith("/line-check") && method === "POST")
      return ok(
        verdict === "ok"
          ? { serviceId: NET, verdict, port: "up", session: "up", speedMbps: 100, checkedAt: "2026-12-02T10:00:00Z", nextSteps: [] }
          : {
              serviceId: NET,
              verdict,
              port: "up",
              session: "down",
              speedMbps: null,
              checkedAt: "2026-12-02T10:00:00Z",
              nextSteps: ["restart_router", "callout"],
            },
      );
    if (path === "/api/v1/applications" && method === "GET") return ok({ items: [] });
    if (path === "/api/v1/applications" && method === "POST") {
      posted.push(JSON.parse(String(init.body)) as Record<string, unknown>);
      return ok({ id: "ap1", number: "2612-123456", kind: "callout", status: "received", serviceId: NET }, 201);
    }
    return new Response(JSON.stringify({ type: "urn:kabinet:problem:not-found", title: "Не найдено", status: 404 }), {
      status: 404,
      headers: { "content-type": "application/problem+json" },
    });
  });
  return { fetch, posted };
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

const show = (view: () => unknown, lang: Lang = "ru") =>
  render(() => (
    <MemoryRouter root={(p) => <I18nProvider initial={lang}>{p.children}</I18nProvider>}>
      <Route path="/" component={view as () => never} />
    </MemoryRouter>
  ));

describe("package meters", () => {
  it("show what is left as a bar with words, minutes, SMS and gigabytes", async () => {
    show(() => <PackageMeters accountNo={ACC} />);
    const minutes = await screen.findByRole("meter", { name: "Минуты: осталось 120 из 500 минут" });
    expect(minutes.getAttribute("value")).toBe("120");
    expect(minutes.getAttribute("max")).toBe("500");
    expect(screen.getByRole("meter", { name: "SMS: осталось 1 из 300 SMS" }).getAttribute("value")).toBe("1");
    expect(screen.getByRole("meter", { name: "Интернет: осталось 12,4 из 30 ГБ" })).toBeTruthy();
    expect(screen.getByRole("region", { name: "Мобильный M: пакет на этот месяц" })).toBeTruthy();
  });

  it("speak English too", async () => {
    show(() => <PackageMeters accountNo={ACC} />, "en");
    expect(await screen.findByRole("meter", { name: "Minutes: 120 of 500 minutes left" })).toBeTruthy();
    expect(screen.getByRole("meter", { name: "Texts: 1 of 300 texts left" })).toBeTruthy();
    expect(screen.getByRole("meter", { name: "Data: 12.4 of 30 GB left" })).toBeTruthy();
  });

  it("are on a mobile number's service page, and a line check is not", async () => {
    show(() => <ServiceView accountNo={ACC} serviceId={MOB} />);
    expect(await screen.findByRole("meter", { name: "Минуты: осталось 120 из 500 минут" })).toBeTruthy();
    expect(screen.queryByRole("button", { name: "Проверить линию" })).toBeNull();
  });
});

describe("the home card", () => {
  const account = (kind: string) => ({
    accountNo: ACC,
    role: "viewer" as const,
    region: "msk",
    holderName: "Анна Иванова",
    address: "Москва",
    status: "active",
    balanceKop: 10000,
    lowBalanceKop: null,
    lowBalance: false,
    monthlyKop: 50000,
    nextChargeDay: "2026-12-03",
    bonusPoints: null,
    services: [
      {
        id: MOB,
        tariffId: `msk-${kind}`,
        kind,
        name: { ru: "Тариф", en: "Tariff" },
        priceKop: 50000,
        status: "active",
        since: "2026-01-01",
      },
    ],
  });

  it("shows a mobile number's minutes left with a bar", async () => {
    show(() => <AccountCard account={account("mobile") as never} />);
    expect(await screen.findByRole("meter", { name: "Минуты: осталось 120 из 500 минут" })).toBeTruthy();
  });

  it("does not ask for packages of an account without a mobile number", async () => {
    show(() => <AccountCard account={account("internet") as never} />);
    await screen.findByText(/Анна Иванова/);
    expect(api.fetch.mock.calls.map((c) => String(c[0])).filter((u) => u.includes("/packages"))).toEqual([]);
    expect(screen.queryByRole("meter")).toBeNull();
  });
});

describe("line check on a home internet page", () => {
  it("shows a working line with its speed and no steps", async () => {
    api = fakeApi("ok");
    vi.stubGlobal("fetch", api.fetch);
    show(() => <ServiceView accountNo={ACC} serviceId={NET} />);
    fireEvent.click(await screen.findByRole("button", { name: "Проверить линию" }));
    const status = await screen.findByText("Линия в порядке: интернет работает.");
    const box = status.closest("[role=status]") as HTMLElement;
    expect(within(box).getByText("Скорость подключения: 100 Мбит/с")).toBeTruthy();
    expect(screen.queryByRole("button", { name: "Создать заявку" })).toBeNull();
  });

  it("on a failure: the steps in order, then «Создать заявку» files a repair request for this line", async () => {
    show(() => <ServiceView accountNo={ACC} serviceId={NET} />);
    fireEvent.click(await screen.findByRole("button", { name: "Проверить линию" }));
    const verdict = await screen.findByText("Линия есть, но роутер не подключается к интернету.");
    const steps = within(verdict.closest("[role=status]") as HTMLElement).getAllByRole("listitem");
    expect(steps.map((s) => s.textContent).filter((s) => s?.startsWith("Перезагрузите") || s?.startsWith("Не помогло"))).toHaveLength(2);
    const form = screen.getByRole("form", { name: "Заявка на ремонт" });
    fireEvent.input(within(form).getByLabelText("Телефон для связи"), { target: { value: "+79000000001" } });
    fireEvent.click(within(form).getByRole("button", { name: "Создать заявку" }));
    expect(await screen.findByText(/Заявка № 2612-123456 создана/)).toBeTruthy();
    await waitFor(() => expect(api.posted).toHaveLength(1));
    expect(api.posted[0]).toMatchObject({
      kind: "callout",
      accountNo: ACC,
      serviceId: NET,
      contactPhone: "+79000000001",
      preferredSlot: "09-13",
    });
  });
});
