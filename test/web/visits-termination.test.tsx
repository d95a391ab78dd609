import { MemoryRouter, Route } from "@solidjs/router";
import { cleanup, fireEvent, render, screen, within } from "@solidjs/testing-library";
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { Termination } from "../../web/src/features/services/AccountServices";
import { ApplicationDetail } from "../../web/src/features/services/ApplicationsPage";
import { I18nProvider, type Lang, loadLang, loadMoreStrings } from "../../web/src/i18n";

const ACC = "607000000035";

const ok = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
const problem = (status: number, slug: string, title: string) =>
  new Response(JSON.stringify({ type: `urn:kabinet:problem:${slug}`, title, status }), {
    status,
    headers: { "content-type": "application/problem+json" },
  });

function application(id: string, visit: { day: string; slot: string; changeable: boolean }) {
  return {
    id,
    number: "2612-000001",
    region: "nsk",
    kind: "callout",
    kindLabel: { ru: "Вызов специалиста", en: "Technician call-out" },
    service: null,
    status: "received",
    statusLabel: { ru: "принята", en: "received" },
    accountNo: ACC,
    serviceId: null,
    address: null,
    contactPhone: null,
    preferredDay: visit.day,
    preferredSlot: visit.slot,
    technician: null,
    visit: { ...visit, cutoffAt: "2026-12-09T11:00:00Z", cutoffHour: 18 },
    details: { problem: "Нет интернета" },
    createdAt: "2026-12-02T10:00:00Z",
    updatedAt: "2026-12-02T10:00:00Z",
    next: ["cancelled"],
    history: [],
  };
}

function fakeApi() {
  const state = {
    apps: {
      ap1: application("ap1", { day: "2026-12-10", slot: "09-13", changeable: true }),
      ap2: application("ap2", { day: "2026-12-03", slot: "13-17", changeable: false }),
    } as Record<string, ReturnType<typeof application>>,
    full: false,
    stepped: false,
    calls: [] as string[],
    applied: [] as Record<string, unknown>[],
  };
  const fetch = vi.fn(async (input: RequestInfo | URL, init: RequestInit = {}) => {
    const url = new URL(String(input), "http://nsk.kabinet.localhost");
    const method = init.method ?? "GET";
    const path = url.pathname;
    state.calls.push(`${method} ${path}`);
    const one = /^\/api\/v1\/applications\/(\w+)$/.exec(path);
    if (one && method === "GET") return ok(state.apps[one[1] as string]);
    if (path === "/api/v1/applications/ap1/visit/slots")
      return ok({
        visit: state.apps.ap1?.visit,
        cutoffHour: 18,
        days: [
          {
            day: "2026-12-10",
            slots: [
              { slot: "09-13", free: 2, current: true },
              { slot: "13-17", free: 0, current: false },
              { slot: "17-21", free: 1, current: false },
            ],
          },
          {
            day: "2026-12-11",
            slots: [
              { slot: "09-13", free: 3, current: false },
              { slot: "13-17", free: state.full ? 0 : 1, current: false },
              { slot: "17-21", free: 3, current: false },
            ],
          },
        ],
      });
    if (path === "/api/v1/applications/ap1/visit" && method === "PUT") {
      const body = JSON.parse(String(init.body)) as { day: string; slot: string };
      if (state.full) return problem(409, "visit-slot-taken", "Это время уже занято: выберите другое");
      const app = state.apps.ap1 as ReturnType<typeof application>;
      state.apps.ap1 = { ...app, preferredDay: body.day, preferredSlot: body.slot, visit: { ...app.visit, ...body } };
      return ok(state.apps.ap1);
    }
    if (path === `/api/v1/accounts/${ACC}/termination`)
      return ok({ accountNo: ACC, balanceKop: 45050, refundCard: { last4: "4242", brand: "Visa" } });
    if (path === "/api/v1/applications" && method === "POST") {
      if (!state.stepped) return problem(403, "step-up-required", "Подтвердите операцию кодом из SMS");
      state.applied.push(JSON.parse(String(init.body)));
      return ok({ ...application("ap9", { day: "2026-12-10", slot: "09-13", changeable: false }), kind: "termination" }, 201);
    }
    if (path === "/api/v1/auth/step-up/start") return ok({ sentTo: "+7 900 ***-**-01", resendAfter: 60 });
    if (path === "/api/v1/auth/step-up/verify") {
      if (JSON.parse(String(init.body)).code !== "123456") return problem(400, "code-invalid", "Неверный код");
      state.stepped = true;
      return ok({ validUntil: "2026-12-02T18:10:00Z" });
    }
    return problem(404, "not-found", "Не найдено");
  });
  return { state, fetch };
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
      <Route path="/applications/:id" component={() => <p>application page</p>} />
    </MemoryRouter>
  ));

describe("the application page's technician visit", () => {
  it("shows the visit window and the cutoff, and moves it to a free window the subscriber picks", async () => {
    show(() => <ApplicationDetail id="ap1" />);
    const visit = await screen.findByRole("region", { name: "Визит специалиста" });
    expect(within(visit).getByText("10 декабря 2026 г., 09:00–13:00")).toBeTruthy();
    expect(within(visit).getByText(/Перенести или отменить визит можно до 18:00 9 декабря 2026 г\./)).toBeTruthy();
    fireEvent.click(within(visit).getByRole("button", { name: "Перенести визит" }));
    // A full window and the current one cannot be picked.
    expect((await within(visit).findByRole("radio", { name: /13:00–17:00 — занято/ })).hasAttribute("disabled")).toBe(true);
    expect(
      within(visit)
        .getByRole("radio", { name: /09:00–13:00 — ваше время сейчас/ })
        .hasAttribute("disabled"),
    ).toBe(true);
    fireEvent.change(within(visit).getByRole("combobox", { name: "День" }), { target: { value: "2026-12-11" } });
    fireEvent.click(await within(visit).findByRole("radio", { name: "13:00–17:00 — свободно мест: 1" }));
    fireEvent.click(within(visit).getByRole("button", { name: "Перенести" }));
    expect(await screen.findByText("Визит перенесён: 11 декабря 2026 г., 13:00–17:00.")).toBeTruthy();
    expect(screen.getByRole("region", { name: "Визит специалиста" }).textContent).toContain("11 декабря 2026 г., 13:00–17:00");
    expect(api.state.calls).toContain("PUT /api/v1/applications/ap1/visit");
  });

  it("says when the window was taken meanwhile, and keeps the old time", async () => {
    api.state.full = false;
    show(() => <ApplicationDetail id="ap1" />, "en");
    const visit = await screen.findByRole("region", { name: "Technician visit" });
    fireEvent.click(within(visit).getByRole("button", { name: "Move the visit" }));
    fireEvent.change(await within(visit).findByRole("combobox", { name: "Day" }), { target: { value: "2026-12-11" } });
    fireEvent.click(await within(visit).findByRole("radio", { name: "13:00–17:00 — places free: 1" }));
    api.state.full = true;
    fireEvent.click(within(visit).getByRole("button", { name: "Move" }));
    expect(await within(visit).findByRole("alert")).toBeTruthy();
    expect(within(visit).getByText("Это время уже занято: выберите другое")).toBeTruthy();
    expect(within(visit).getByText("10 December 2026, 09:00–13:00")).toBeTruthy();
  });

  it("after the cutoff offers neither moving nor withdrawing, and says why", async () => {
    show(() => <ApplicationDetail id="ap2" />);
    const visit = await screen.findByRole("region", { name: "Визит специалиста" });
    expect(within(visit).getByText(/Перенести или отменить визит уже нельзя: это можно было сделать до 18:00 накануне/)).toBeTruthy();
    expect(within(visit).queryByRole("button")).toBeNull();
    expect(screen.queryByRole("button", { name: "Отозвать заявку" })).toBeNull();
  });
});

describe("contract termination", () => {
  it("shows where the rest goes before confirming, then asks for the SMS code and files with it", async () => {
    show(() => <Termination accountNo={ACC} balanceKop={45050} />);
    fireEvent.click(await screen.findByRole("button", { name: "Расторгнуть договор" }));
    const card = await screen.findByRole("radio", { name: "На карту Visa •••• 4242, с которой был последний платёж" });
    expect((card as HTMLInputElement).checked).toBe(true);
    expect(screen.getByText(/Остаток 450,50 ₽ будет возвращён: на карту Visa •••• 4242/i)).toBeTruthy();
    fireEvent.click(screen.getByRole("button", { name: "Подтвердить кодом из SMS" }));
    const code = await screen.findByRole("textbox", { name: "Код из сообщения" });
    expect(api.state.calls).toContain("POST /api/v1/auth/step-up/start");
    expect(api.state.applied).toHaveLength(0);
    fireEvent.input(code, { target: { value: "123456" } });
    fireEvent.submit(screen.getByRole("button", { name: "Отправить заявление" }).closest("form") as HTMLFormElement);
    expect(await screen.findByText("application page")).toBeTruthy();
    expect(api.state.applied).toEqual([{ kind: "termination", accountNo: ACC, refund: "card" }]);
  });
});
