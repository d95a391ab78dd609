import { cleanup, fireEvent, render, screen } from "@solidjs/testing-library";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { CallbackForm, windowText } from "../../web/src/features/support/CallbackForm";
import { I18nProvider } from "../../web/src/i18n";

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": status >= 400 ? "application/problem+json" : "application/json" },
  });

// Khabarovsk (UTC+10): 11:00–13:00 local is 01:00–03:00 UTC.
const slot = { start: "2026-12-03T01:00:00.000Z", end: "2026-12-03T03:00:00.000Z" };
let sent: Record<string, unknown> | null = null;
let answer: () => Response;

beforeEach(() => {
  sent = null;
  answer = () =>
    json(
      {
        callback: {
          id: "khv_1",
          region: "khv",
          name: "Ирина",
          phone: "+79007000001",
          topic: "other",
          slotStart: slot.start,
          slotEnd: slot.end,
          status: "open",
          operatorName: null,
          createdAt: "2026-12-02T10:00:00.000Z",
        },
      },
      201,
    );
  vi.stubGlobal(
    "fetch",
    vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
      const url = String(input);
      if (url.endsWith("/callbacks/mine")) return json({ callback: null });
      if (url.endsWith("/callbacks/slots")) return json({ tz: "Asia/Vladivostok", slots: [slot] });
      if (url.endsWith("/callbacks") && init?.method === "POST") {
        sent = JSON.parse(String(init.body)) as Record<string, unknown>;
        return answer();
      }
      return json({ type: "x", title: "нет", status: 404 }, 404);
    }),
  );
});
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe("«Перезвоните мне»", () => {
  it("writes a window in the region's time zone, not the browser's", () => {
    expect(windowText(slot.start, slot.end, "Asia/Vladivostok", "ru")).toBe("3 декабря, 11:00–13:00");
    expect(windowText(slot.start, slot.end, "Europe/Moscow", "en")).toBe("3 December, 04:00–06:00");
  });

  it("lets a visitor pick a window, give a name and a phone, and then says when they will be called", async () => {
    render(() => (
      <I18nProvider initial="ru">
        <CallbackForm loggedIn={false} />
      </I18nProvider>
    ));
    const when = (await screen.findByRole("combobox", { name: /Когда позвонить/ })) as HTMLSelectElement;
    expect([...when.options].map((o) => o.textContent)).toEqual(["3 декабря, 11:00–13:00"]);
    fireEvent.input(screen.getByLabelText("Как к вам обращаться"), { target: { value: "Ирина" } });
    fireEvent.input(screen.getByLabelText("Телефон для связи"), { target: { value: "8 900 700-00-01" } });
    fireEvent.submit(screen.getByRole("form", { name: "Перезвоните мне" }));
    expect((await screen.findByRole("status")).textContent).toBe("Перезвоним 3 декабря, 11:00–13:00 на номер +79007000001.");
    expect(sent).toMatchObject({ slotStart: slot.start, name: "Ирина", phone: "8 900 700-00-01" });
  });

  it("shows the server's refusal (one open request per person) as an alert", async () => {
    answer = () =>
      json({ type: "urn:kabinet:problem:callback_open", title: "Вы уже просили перезвонить: дождитесь звонка", status: 409 }, 409);
    render(() => (
      <I18nProvider initial="ru">
        <CallbackForm loggedIn={true} />
      </I18nProvider>
    ));
    await screen.findByRole("combobox", { name: /Когда позвонить/ });
    expect(screen.queryByLabelText("Телефон для связи")).toBeNull();
    fireEvent.submit(screen.getByRole("form", { name: "Перезвоните мне" }));
    expect((await screen.findByRole("alert")).textContent).toContain("Вы уже просили перезвонить");
  });
});
