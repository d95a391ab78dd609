import { Router } from "@solidjs/router";
import { cleanup, render, screen, waitFor, within } from "@solidjs/testing-library";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { Shell } from "../../web/src/app/Shell";
import OpsSupportPage from "../../web/src/features/support/OpsSupportPage";
import { I18nProvider } from "../../web/src/i18n";

// The subscriber's layout would need these; the console must not (a visitor, no session, is the worst case: «Войти»).
vi.mock("../../web/src/features/auth/SessionContext", () => ({
  useSession: () => ({ profile: Object.assign(() => null, { state: "ready", latest: null, loading: false }) }),
}));
vi.mock("../../web/src/features/notifications/InboxContext", () => ({ useInbox: () => ({ inbox: () => null }) }));
vi.mock("../../web/src/features/region/RegionContext", () => ({
  useRegion: () => ({
    context: { baseDomain: "kabinet.localhost" },
    region: { code: "msk", name: { ru: "Москва", en: "Moscow" } },
  }),
}));
vi.mock("../../web/src/features/region/RegionSwitcher", () => ({ RegionSwitcher: () => null }));

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

const operator = { id: "op-msk", login: "operator.msk", name: "Мария Орлова", regions: ["msk", "mo"] };
const waitingChat = {
  id: "mo_01jd0000000000000000000000",
  region: "mo",
  status: "waiting",
  topic: "internet",
  accountNo: null,
  operatorName: null,
  lastSeq: 1,
  customerReadSeq: 1,
  operatorReadSeq: 0,
  createdAt: "2026-12-02T10:00:00.000Z",
  updatedAt: "2026-12-02T10:00:00.000Z",
  closedAt: null,
  operatorId: null,
  customerName: "Анна",
  customerPhone: null,
  subscriberId: "s1",
  kind: "subscriber",
};

const callback = {
  id: "mo_01jd0000000000000000000009",
  region: "mo",
  name: "Ирина",
  phone: "+79007000001",
  topic: "internet",
  slotStart: "2026-12-03T08:00:00.000Z",
  slotEnd: "2026-12-03T10:00:00.000Z",
  status: "open",
  operatorName: null,
  createdAt: "2026-12-02T10:00:00.000Z",
};

let signedIn = true;
let called: string[] = [];
let refused = false;
let queueAsked = 0;
beforeEach(() => {
  signedIn = true;
  called = [];
  refused = false;
  queueAsked = 0;
  history.replaceState(null, "", "/ops/support");
  vi.stubGlobal(
    "fetch",
    vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
      const url = String(input);
      if (url.includes("/ops/v1/support/callbacks/") && init?.method === "POST") {
        if (refused)
          return new Response(
            JSON.stringify({ type: "urn:kabinet:problem:conflict", title: "Звонок уже отмечен другим оператором", status: 409 }),
            {
              status: 409,
              headers: { "content-type": "application/problem+json" },
            },
          );
        called.push(url);
        return json({ callback: { ...callback, status: "done", operatorName: "Мария Орлова" } });
      }
      if (url.includes("/ops/v1/support/me")) return signedIn ? json(operator) : json({ type: "x", title: "Нужен вход", status: 401 }, 401);
      if (url.includes("/ops/v1/support/queue") && ++queueAsked)
        return json({
          regions: [{ code: "msk", name: "Москва" }],
          chats: [waitingChat],
          tickets: [],
          callbacks: called.length ? [] : [callback],
        });
      if (url.includes("/ops/v1/support/feedback")) return json({ average: null, items: [] });
      if (url.includes("/ops/v1/support/canned")) return json({ items: [], colleagues: [] });
      if (url.includes("/api/v1/regions"))
        return json({
          items: [
            { code: "msk", name: { ru: "Москва", en: "Moscow" }, tz: "Europe/Moscow" },
            { code: "mo", name: { ru: "Московская область", en: "Moscow Oblast" }, tz: "Europe/Moscow" },
          ],
        });
      if (url.includes("/api/v1/contacts")) return json({ items: [] });
      return json({ type: "x", title: "нет", status: 404 }, 404);
    }),
  );
});
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
  vi.useRealTimers();
});

function open() {
  return render(() => (
    <I18nProvider initial="ru">
      <Router root={Shell}>{[{ path: "/ops/support", component: OpsSupportPage }]}</Router>
    </I18nProvider>
  ));
}

describe("operators' console", () => {
  it("has its own header with the operator and «Выйти», not the subscriber's «Войти»", async () => {
    open();
    const header = await screen.findByRole("banner");
    await within(header).findByText(/Мария Орлова/);
    expect(within(header).getByRole("button", { name: "Выйти" })).toBeTruthy();
    expect(screen.queryByRole("link", { name: "Войти" })).toBeNull();
    expect(screen.queryByRole("navigation")).toBeNull();
  });

  it("names the operator's regions, not their codes", async () => {
    open();
    const header = await screen.findByRole("banner");
    expect(await within(header).findByText(/Москва, Московская область/)).toBeTruthy();
    const region = screen.getByRole("combobox", { name: "Регион" });
    expect([...region.querySelectorAll("option")].map((o) => o.textContent)).toEqual(["Все мои регионы", "Москва", "Московская область"]);
    const chat = await screen.findByRole("button", { name: /Анна/ });
    expect(chat.closest("li")?.textContent).toContain("Московская область ·");
  });

  it("signed out, offers the operator's own sign-in under the console's header", async () => {
    signedIn = false;
    open();
    expect(await screen.findByRole("form", { name: "Вход в консоль" })).toBeTruthy();
    expect(screen.getByRole("banner").textContent).toContain("Консоль поддержки");
    expect(screen.queryByRole("link", { name: "Войти" })).toBeNull();
  });

  it("lists call-back requests with a phone to dial and the window in the region's time, and marks one done", async () => {
    open();
    const done = await screen.findByRole("button", { name: "Позвонили: Ирина — готово" });
    const row = done.closest("li") as HTMLElement;
    expect(within(row).getByRole("link", { name: /900/ }).getAttribute("href")).toBe("tel:+79007000001");
    expect(row.textContent).toContain("3 декабря, 11:00–13:00 · Московская область");
    done.click();
    await waitFor(() => expect(screen.queryByRole("button", { name: "Позвонили: Ирина — готово" })).toBeNull());
    expect(called).toEqual(["/ops/v1/support/callbacks/mo_01jd0000000000000000000009/done"]);
  });

  it("keeps a refused «Готово» said in its row while the queue is asked again every few seconds", async () => {
    refused = true;
    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval"] });
    open();
    (await screen.findByRole("button", { name: "Позвонили: Ирина — готово" })).click();
    expect((await screen.findByRole("alert")).textContent).toContain("Звонок уже отмечен другим оператором");
    // The queue's next answer redraws the rows; the refusal went with the row that had it.
    const before = queueAsked;
    await vi.advanceTimersByTimeAsync(5000);
    await waitFor(() => expect(queueAsked).toBeGreaterThan(before));
    await new Promise((r) => setTimeout(r, 50));
    const row = screen.getByRole("button", { name: "Позвонили: Ирина — готово" }).closest("li") as HTMLElement;
    expect(within(row).getByRole("alert").textContent).toContain("Звонок уже отмечен другим оператором");
  });
});
