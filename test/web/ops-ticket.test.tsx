import { Router } from "@solidjs/router";
import { cleanup, fireEvent, render, screen, waitFor } from "@solidjs/testing-library";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { Shell } from "../../web/src/app/Shell";
import OpsSupportPage from "../../web/src/features/support/OpsSupportPage";
import { I18nProvider } from "../../web/src/i18n";

// The console needs no subscriber's session, inbox or region switcher.
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
const colleague = { id: "op-msk-2", name: "Иван Петров", regions: ["msk"] };
const ID = "msk_01jd0000000000000000000001";
const ticketOf = (over: Record<string, unknown> = {}) => ({
  id: ID,
  number: "T2612-000001",
  region: "msk",
  accountNo: "201000000012",
  category: "internet",
  subject: "Нет интернета",
  text: "Дома нет интернета с утра",
  status: "in_work",
  statusLabel: "в работе",
  operatorName: "Мария Орлова",
  next: ["waiting", "resolved"],
  createdAt: "2026-12-02T08:00:00.000Z",
  updatedAt: "2026-12-02T08:00:00.000Z",
  history: [],
  queue: "private",
  orgId: null,
  categoryLabel: null,
  dueAt: null,
  overdue: false,
  ...over,
});

/** What the console sent to a request: path after /ops/v1/support and the JSON body. */
let posted: { path: string; body: unknown }[] = [];
beforeEach(() => {
  posted = [];
  history.replaceState(null, "", "/ops/support");
  vi.stubGlobal(
    "fetch",
    vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
      const url = new URL(String(input), "http://msk.kabinet.localhost");
      const path = url.pathname.replace("/ops/v1/support", "");
      if (init?.method === "POST") {
        const body = JSON.parse(String(init.body ?? "null"));
        posted.push({ path, body });
        if (path === `/tickets/${ID}/assign`) return json(ticketOf({ operatorName: colleague.name, operatorId: colleague.id }));
        if (path === `/tickets/${ID}/comments`)
          return json(
            ticketOf({
              history: [
                { at: "2026-12-02T09:00:00.000Z", actor: "operator", actorName: "Мария Орлова", toLabel: null, comment: body.text },
              ],
            }),
          );
      }
      if (path === "/me") return json(operator);
      if (path === "/queue") return json({ regions: [{ code: "msk", name: "Москва" }], chats: [], tickets: [ticketOf()], callbacks: [] });
      if (path === `/tickets/${ID}`) return json(ticketOf());
      if (path === "/feedback") return json({ average: null, items: [] });
      if (path === "/canned") return json({ items: [], colleagues: [colleague] });
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

describe("a request in the operators' console", () => {
  it("keeps the comment typed and not sent when the request is assigned, and sends it after", async () => {
    render(() => (
      <I18nProvider initial="ru">
        <Router root={Shell}>{[{ path: "/ops/support", component: OpsSupportPage }]}</Router>
      </I18nProvider>
    ));
    fireEvent.click(await screen.findByRole("button", { name: "T2612-000001: Нет интернета" }));
    const comment = (await screen.findByLabelText("Комментарий")) as HTMLTextAreaElement;
    fireEvent.input(comment, { target: { value: "Проверили линию, ждём мастера" } });
    const assignee = screen.getByRole("combobox", { name: "Ответственный" }) as HTMLSelectElement;
    await waitFor(() => expect([...assignee.options].map((o) => o.value)).toContain(colleague.id));
    fireEvent.change(assignee, { target: { value: colleague.id } });
    fireEvent.click(screen.getByRole("button", { name: "Назначить" }));
    // The request comes back assigned and is drawn again: the comment went with the box the drawing rebuilt.
    await waitFor(() => expect(posted.map((p) => p.path)).toEqual([`/tickets/${ID}/assign`]));
    await waitFor(() => expect(screen.getByRole("button", { name: "Назначить" }).hasAttribute("disabled")).toBe(false));
    expect((screen.getByLabelText("Комментарий") as HTMLTextAreaElement).value).toBe("Проверили линию, ждём мастера");
    // «Ответственный» says who has it now (it said «Никому» once the request was drawn again).
    const now = screen.getByRole("combobox", { name: "Ответственный" }) as HTMLSelectElement;
    expect(now.selectedOptions[0]?.textContent).toBe(colleague.name);
    fireEvent.click(screen.getByRole("button", { name: "Ответить" }));
    await waitFor(() =>
      expect(posted.at(-1)).toEqual({ path: `/tickets/${ID}/comments`, body: { text: "Проверили линию, ждём мастера" } }),
    );
    // Sent, the comment is in the history and the box is empty for the next one.
    await waitFor(() => expect((screen.getByLabelText("Комментарий") as HTMLTextAreaElement).value).toBe(""));
    expect(screen.getByText("Проверили линию, ждём мастера", { selector: "p" })).toBeTruthy();
    expect(posted[0]?.body).toEqual({ operatorId: colleague.id });
  });
});
