import { cleanup, render, screen, within } from "@solidjs/testing-library";
import { createSignal } from "solid-js";
import { afterEach, describe, expect, it } from "vitest";
import { ChatPanel } from "../../web/src/features/support/ChatPanel";
import type { LiveChat } from "../../web/src/features/support/createChat";
import { type ChatDto, chatApi, type MessageDto, type TicketDto } from "../../web/src/features/support/supportApi";
import { TicketHistory } from "../../web/src/features/support/TicketPage";
import { I18nProvider } from "../../web/src/i18n";

afterEach(cleanup);

const chat = (over: Partial<ChatDto> = {}): ChatDto => ({
  id: "msk_01jd0000000000000000000000",
  region: "msk",
  status: "active",
  topic: "internet",
  accountNo: null,
  operatorName: "Мария Орлова",
  lastSeq: 1,
  customerReadSeq: 1,
  operatorReadSeq: 1,
  createdAt: "2026-12-02T10:00:00.000Z",
  updatedAt: "2026-12-02T10:05:00.000Z",
  closedAt: null,
  queue: "private",
  orgId: null,
  ...over,
});

/** A chat as createChat gives it, held still: a live socket, the given state and messages. */
function fakeLive(state: ChatDto, messages: MessageDto[] = [], queue: { position: number; waitMinutes: number } | null = null): LiveChat {
  const [c, setC] = createSignal<ChatDto | null>(state);
  return {
    chat: c,
    messages: () => messages,
    pending: () => [],
    mode: () => "live",
    otherTyping: () => false,
    otherHere: () => false,
    problem: () => null,
    loaded: () => true,
    queue: () => queue,
    send: async () => {},
    discard: async () => {},
    typing: () => {},
    refresh: async () => {},
    setChat: (next: ChatDto) => setC(next),
  } as unknown as LiveChat;
}

function panel(
  state: ChatDto,
  lang: "ru" | "en" = "ru",
  messages: MessageDto[] = [],
  queue: { position: number; waitMinutes: number } | null = null,
) {
  return render(() => (
    <I18nProvider initial={lang}>
      <ChatPanel
        live={fakeLive(state, messages, queue)}
        api={chatApi("/api/v1/support")}
        side="customer"
        chatId={state.id}
        canWrite={state.status !== "closed"}
      />
    </I18nProvider>
  ));
}

describe("support chat panel", () => {
  it("says an open chat is connected and who answers", () => {
    panel(chat());
    expect(screen.getByRole("status").textContent).toContain("На связи");
    expect(screen.getByRole("status").textContent).toContain("Мария Орлова");
  });

  it("says a closed chat has ended, not that it is connected", () => {
    panel(chat({ status: "closed", closedAt: "2026-12-02T10:10:00.000Z" }));
    const state = screen.getByRole("status").textContent ?? "";
    expect(state).toContain("Чат завершён");
    expect(state).not.toContain("На связи");
  });
});

describe("waiting for an operator", () => {
  const waiting = () => chat({ status: "waiting", operatorName: null });

  it("shows the place in the queue and the estimated wait", () => {
    panel(waiting(), "ru", [], { position: 2, waitMinutes: 12 });
    const state = screen.getByRole("status").textContent ?? "";
    expect(state).toContain("Ждём свободного оператора");
    expect(state).toContain("Место в очереди: 2, ожидание около 12 мин.");
  });

  it("in English too", () => {
    panel(waiting(), "en", [], { position: 1, waitMinutes: 6 });
    expect(screen.getByRole("status").textContent).toContain("Place in the queue: 1, about 6 min to wait");
  });

  it("says nothing of a queue once an operator has the chat", () => {
    panel(chat(), "ru", [], null);
    expect(screen.getByRole("status").textContent).not.toContain("Место в очереди");
  });
});

describe("chat system lines", () => {
  const joined: MessageDto = {
    id: "m1",
    seq: 2,
    author: "system",
    authorName: null,
    // The live room's copy is Russian; the page writes the line in its reader's language from `system`.
    text: "Оператор Мария Орлова подключился к чату",
    system: { key: "joined", name: "Мария Орлова" },
    attachment: null,
    clientId: null,
    createdAt: "2026-12-02T10:01:00.000Z",
  };

  it("are written in the reader's language", async () => {
    panel(chat(), "en", [joined]);
    const log = screen.getByRole("log");
    expect(await within(log).findByText("Мария Орлова joined the chat")).toBeTruthy();
    expect(log.textContent).not.toContain("подключился");
  });

  it("read in Russian by default", () => {
    panel(chat(), "ru", [joined]);
    expect(within(screen.getByRole("log")).getByText("Оператор Мария Орлова подключился к чату")).toBeTruthy();
  });
});

const ticket = (): TicketDto => ({
  id: "msk_01jd0000000000000000000001",
  number: "T2612-000001",
  region: "msk",
  accountNo: null,
  category: "internet",
  subject: "Нет интернета",
  text: "С утра не работает интернет",
  status: "in_work",
  statusLabel: "в работе",
  operatorName: "Мария Орлова",
  next: [],
  createdAt: "2026-12-02T10:00:00.000Z",
  updatedAt: "2026-12-02T10:05:00.000Z",
  queue: "private",
  orgId: null,
  categoryLabel: null,
  dueAt: null,
  overdue: false,
  history: [
    {
      id: "e1",
      from: null,
      to: "new",
      toLabel: "новое",
      actor: "subscriber",
      actorName: null,
      comment: null,
      at: "2026-12-02T10:00:00.000Z",
    },
    {
      id: "e2",
      from: "new",
      to: "in_work",
      toLabel: "в работе",
      actor: "operator",
      actorName: "Мария Орлова",
      comment: null,
      at: "2026-12-02T10:05:00.000Z",
    },
  ],
});

describe("a request's history", () => {
  it("shows the subscriber their own steps as «Вы»", () => {
    render(() => (
      <I18nProvider initial="ru">
        <TicketHistory ticket={ticket()} viewer="subscriber" />
      </I18nProvider>
    ));
    const steps = screen.getAllByRole("listitem").map((li) => li.textContent ?? "");
    expect(steps[0]).toContain("Вы → новое");
  });

  it("shows an operator the subscriber's steps as the subscriber's, never as «Вы»", () => {
    render(() => (
      <I18nProvider initial="ru">
        <TicketHistory ticket={ticket()} viewer="operator" />
      </I18nProvider>
    ));
    const steps = screen.getAllByRole("listitem").map((li) => li.textContent ?? "");
    expect(steps[0]).toContain("Абонент → новое");
    expect(steps.join(" ")).not.toContain("Вы");
    expect(steps[1]).toContain("Мария Орлова → в работе");
  });
});
