import { Router } from "@solidjs/router";
import { cleanup, fireEvent, render, screen, within } from "@solidjs/testing-library";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { Shell } from "../../web/src/app/Shell";
import OpsSupportPage from "../../web/src/features/support/OpsSupportPage";
import { I18nProvider } from "../../web/src/i18n";

vi.mock("../../web/src/features/auth/SessionContext", () => ({
  useSession: () => ({ profile: Object.assign(() => null, { state: "ready", latest: null, loading: false }) }),
}));
vi.mock("../../web/src/features/notifications/InboxContext", () => ({ useInbox: () => ({ inbox: () => null }) }));
vi.mock("../../web/src/features/region/RegionContext", () => ({
  useRegion: () => ({ context: { baseDomain: "kabinet.localhost" }, region: { code: "msk", name: { ru: "Москва", en: "Moscow" } } }),
}));
vi.mock("../../web/src/features/region/RegionSwitcher", () => ({ RegionSwitcher: () => null }));

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
const operator = { id: "op-msk", login: "operator.msk", name: "Мария Орлова", regions: ["msk"] };
const chatOf = (over: Record<string, unknown>) => ({
  id: "msk_01jd0000000000000000000000",
  region: "msk",
  status: "waiting",
  topic: "other",
  accountNo: null,
  operatorName: null,
  lastSeq: 1,
  customerReadSeq: 1,
  operatorReadSeq: 0,
  createdAt: "2026-12-02T10:00:00.000Z",
  updatedAt: "2026-12-02T10:00:00.000Z",
  closedAt: null,
  queue: "private",
  orgId: null,
  operatorId: null,
  customerName: "Анна",
  customerPhone: null,
  subscriberId: "s1",
  kind: "subscriber",
  company: null,
  ...over,
});
const ticketOf = (over: Record<string, unknown>) => ({
  id: "msk_01jd0000000000000000000001",
  number: "T2612-000001",
  region: "msk",
  accountNo: null,
  category: "outage",
  subject: "Нет связи в офисе",
  text: "…",
  status: "new",
  statusLabel: "новое",
  operatorName: null,
  next: ["in_work"],
  createdAt: "2026-12-02T08:00:00.000Z",
  updatedAt: "2026-12-02T08:00:00.000Z",
  history: null,
  queue: "business",
  orgId: "org-demo-veter",
  categoryLabel: "Авария, нет связи",
  dueAt: "2026-12-02T09:00:00.000Z",
  overdue: true,
  ...over,
});

const queues: string[] = [];
beforeEach(() => {
  queues.length = 0;
  history.replaceState(null, "", "/ops/support");
  vi.stubGlobal(
    "fetch",
    vi.fn(async (input: RequestInfo | URL) => {
      const url = new URL(String(input), "http://msk.kabinet.localhost");
      if (url.pathname === "/ops/v1/support/me") return json(operator);
      if (url.pathname === "/ops/v1/support/queue") {
        const which = url.searchParams.get("queue") ?? "";
        queues.push(which);
        return which === "business"
          ? json({
              regions: [{ code: "msk", name: "Москва" }],
              chats: [
                chatOf({
                  queue: "business",
                  customerName: "Олег",
                  subscriberId: null,
                  kind: "visitor",
                  company: "ООО Ромашка, ИНН 7707083893",
                }),
              ],
              tickets: [
                ticketOf({}),
                ticketOf({
                  id: "msk_01jd0000000000000000000002",
                  number: "T2612-000002",
                  subject: "Счёт",
                  overdue: false,
                  categoryLabel: "Платежи и счета",
                }),
              ],
              callbacks: [],
            })
          : json({ regions: [{ code: "msk", name: "Москва" }], chats: [chatOf({})], tickets: [], callbacks: [] });
      }
      if (url.pathname === "/ops/v1/support/feedback") return json({ average: null, items: [] });
      if (url.pathname === "/ops/v1/support/canned") return json({ items: [], colleagues: [] });
      if (url.pathname === "/api/v1/regions")
        return json({ items: [{ code: "msk", name: { ru: "Москва", en: "Moscow" }, tz: "Europe/Moscow" }] });
      return json({ type: "x", title: "нет", status: 404 }, 404);
    }),
  );
});
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe("the operators' console, business queue", () => {
  it("switches to the business clients: their chats with the company, overdue requests marked in words, no call-backs", async () => {
    render(() => (
      <I18nProvider initial="ru">
        <Router root={Shell}>{[{ path: "/ops/support", component: OpsSupportPage }]}</Router>
      </I18nProvider>
    ));
    expect(await screen.findByRole("button", { name: /Анна/ })).toBeTruthy();
    expect(screen.getByRole("heading", { name: "Перезвонить" })).toBeTruthy();
    expect(queues).toEqual(["private"]);
    fireEvent.change(screen.getByRole("combobox", { name: "Клиенты" }), { target: { value: "business" } });
    expect(await screen.findByRole("heading", { name: "Очередь бизнеса" })).toBeTruthy();
    expect(await screen.findByRole("button", { name: "Олег · ООО Ромашка, ИНН 7707083893" })).toBeTruthy();
    expect(screen.queryByRole("button", { name: /Анна/ })).toBeNull();
    expect(screen.queryByRole("heading", { name: "Перезвонить" })).toBeNull();
    const late = screen.getByRole("button", { name: "T2612-000001: Авария, нет связи · Нет связи в офисе" }).closest("li") as HTMLElement;
    expect(within(late).getByText("Просрочено")).toBeTruthy();
    expect(late.textContent).toContain("ответить до");
    const onTime = screen.getByRole("button", { name: /T2612-000002/ }).closest("li") as HTMLElement;
    expect(within(onTime).queryByText("Просрочено")).toBeNull();
    expect(queues.at(-1)).toBe("business");
  });
});
