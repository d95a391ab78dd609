import "fake-indexeddb/auto";
import { fireEvent, screen, waitFor, within } from "@solidjs/testing-library";
import { describe, expect, it } from "vitest";
import TicketPage from "../../web/src/features/support/TicketPage";
import { mount, screenTestHooks, sent, serve } from "./harness";

screenTestHooks();

const ID = "msk_01jd0000000000000000000001";
const profile = { id: "demo-anna", displayName: "Анна Иванова", phone: "+79000000001", email: null, login: "anna" };

function ticket(over: Record<string, unknown> = {}) {
  return {
    id: ID,
    number: "T2612-000001",
    region: "msk",
    accountNo: null,
    category: "internet",
    subject: "Нет интернета",
    text: "Дома нет интернета",
    status: "resolved",
    statusLabel: "решено",
    operatorName: "Мария Орлова",
    next: ["closed", "in_work"],
    createdAt: "2026-12-03T10:00:00.000Z",
    updatedAt: "2026-12-03T12:00:00.000Z",
    history: null,
    queue: "private",
    orgId: null,
    categoryLabel: null,
    dueAt: null,
    overdue: false,
    ...over,
  };
}

describe("a subscriber's request", () => {
  it("thanks for a rating once: the form does not come back when the request is drawn again after closing it", async () => {
    let rated = false;
    serve({
      "/api/v1/me": { profile },
      [`/api/v1/support/tickets/${ID}`]: ticket(),
      [`POST /api/v1/support/tickets/${ID}/transition`]: ticket({ status: "closed", statusLabel: "закрыто", next: [] }),
      // The server takes one rating per request; a second is refused.
      "POST /api/v1/support/feedback": () => {
        if (rated) return { status: 409, body: { type: "urn:kabinet:problem:feedback_given", title: "Отзыв уже оставлен", status: 409 } };
        rated = true;
        return { status: 201, body: { id: "fb1" } };
      },
    });
    mount(`/support/tickets/${ID}`, "/support/tickets/:id", TicketPage);
    const form = await screen.findByRole("form", { name: "Оцените решение" });
    fireEvent.click(within(form).getByLabelText("5 — отлично"));
    fireEvent.submit(form);
    expect((await screen.findByText("Спасибо за отзыв!")).getAttribute("role")).toBe("status");
    // The subscriber then confirms the solution: the request comes back closed and is drawn again. The thanks
    // went with the form the new drawing rebuilt, and the form came back asking for a rating the server refuses.
    fireEvent.click(screen.getByRole("button", { name: "Вопрос решён, закрыть" }));
    expect(await screen.findByText("закрыто")).toBeTruthy();
    expect(screen.getByText("Спасибо за отзыв!").getAttribute("role")).toBe("status");
    expect(screen.queryByRole("form", { name: "Оцените решение" })).toBeNull();
    expect(sent.filter((r) => r.url === "/api/v1/support/feedback")).toHaveLength(1);
  });

  it("asks for a rating of the next request opened on the same page after thanking for one", async () => {
    const OTHER = "msk_01jd0000000000000000000002";
    serve({
      "/api/v1/me": { profile },
      [`/api/v1/support/tickets/${ID}`]: ticket(),
      [`/api/v1/support/tickets/${OTHER}`]: ticket({ id: OTHER, number: "T2612-000002" }),
      "POST /api/v1/support/feedback": { status: 201, body: { id: "fb1" } },
    });
    const history = mount(`/support/tickets/${ID}`, "/support/tickets/:id", TicketPage);
    const form = await screen.findByRole("form", { name: "Оцените решение" });
    fireEvent.click(within(form).getByLabelText("4"));
    fireEvent.submit(form);
    expect(await screen.findByText("Спасибо за отзыв!")).toBeTruthy();
    // A link (a notification, say) opens another request: the route's page stays, the thanks was for the first one.
    history.set({ value: `/support/tickets/${OTHER}` });
    expect(await screen.findByRole("heading", { name: "Обращение № T2612-000002" })).toBeTruthy();
    expect(screen.getByRole("form", { name: "Оцените решение" })).toBeTruthy();
    expect(screen.queryByText("Спасибо за отзыв!")).toBeNull();
  });

  it("says the rating a request was given on an earlier visit, and does not ask again", async () => {
    serve({
      "/api/v1/me": { profile },
      [`/api/v1/support/tickets/${ID}`]: ticket({ status: "closed", statusLabel: "закрыто", next: [], rating: 5 }),
    });
    mount(`/support/tickets/${ID}`, "/support/tickets/:id", TicketPage);
    const said = await screen.findByText("Ваша оценка решения: 5 — отлично. Спасибо за отзыв!");
    expect(said.getAttribute("role")).toBe("status");
    expect(screen.queryByRole("form", { name: "Оцените решение" })).toBeNull();
    expect(sent.filter((r) => r.method === "POST" && r.url.endsWith("/support/feedback"))).toHaveLength(0);
  });

  it("keeps an answer typed and not sent when the request is reopened, and sends it after", async () => {
    serve({
      "/api/v1/me": { profile },
      [`/api/v1/support/tickets/${ID}`]: ticket(),
      [`POST /api/v1/support/tickets/${ID}/transition`]: ticket({ status: "in_work", statusLabel: "в работе", next: ["cancelled"] }),
      [`POST /api/v1/support/tickets/${ID}/comments`]: ticket({ status: "in_work", statusLabel: "в работе", next: ["cancelled"] }),
    });
    mount(`/support/tickets/${ID}`, "/support/tickets/:id", TicketPage);
    const box = await screen.findByRole("textbox", { name: "Ваш ответ" });
    fireEvent.input(box, { target: { value: "Интернет так и не появился" } });
    fireEvent.click(screen.getByRole("button", { name: "Вопрос не решён, вернуть в работу" }));
    expect(await screen.findByText("в работе")).toBeTruthy();
    const after = screen.getByRole("textbox", { name: "Ваш ответ" }) as HTMLTextAreaElement;
    expect(after.value).toBe("Интернет так и не появился");
    fireEvent.submit(after.closest("form") as HTMLFormElement);
    await waitFor(() => expect(sent.some((r) => r.url.endsWith("/comments"))).toBe(true));
    expect(sent.find((r) => r.url.endsWith("/comments"))?.body).toEqual({ text: "Интернет так и не появился" });
    await waitFor(() => expect((screen.getByRole("textbox", { name: "Ваш ответ" }) as HTMLTextAreaElement).value).toBe(""));
  });
});
