import type {
  CallbackDto,
  CallbackSlotsDto,
  CannedDto,
  ChatDto,
  ChatQueueDto,
  MessageDto,
  OperatorChatDto,
  OperatorDto,
  OpsFeedbackDto,
  QueueDto,
  TicketDto,
} from "../../../../worker/features/support/support.routes";
import { apiRequest } from "../../lib/api";

export type { CallbackDto, ChatDto, ChatQueueDto, MessageDto, OperatorChatDto, OperatorDto, QueueDto, TicketDto };
export type AttachmentDto = NonNullable<MessageDto["attachment"]>;
/** A private request's category (a business one carries its own `categoryLabel`). */
export type PrivateCategory = "billing" | "internet" | "tv" | "phone" | "mobile" | "equipment" | "other";

const json = (method: string, body?: unknown): RequestInit => ({
  method,
  ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { "content-type": "application/json" } }),
});

/** The chat API of one side: customers under /api/v1/support, operators under /ops/v1/support. */
export function chatApi(base: "/api/v1/support" | "/ops/v1/support") {
  const chat = (id: string) => `${base}/chats/${encodeURIComponent(id)}`;
  return {
    base,
    get: <C extends ChatDto = ChatDto>(id: string, after = 0) =>
      apiRequest<{ chat: C; messages: MessageDto[]; queue?: ChatQueueDto | null }>(`${chat(id)}?after=${after}`),
    send: (id: string, body: { text?: string; clientId: string; attachmentId?: string }) =>
      apiRequest<MessageDto>(`${chat(id)}/messages`, json("POST", body)),
    read: (id: string, seq: number) => apiRequest<{ seq: number }>(`${chat(id)}/read`, json("POST", { seq })),
    close: (id: string) => apiRequest<{ chat: ChatDto }>(`${chat(id)}/close`, json("POST")),
    upload: (id: string, file: File) =>
      apiRequest<AttachmentDto>(`${chat(id)}/attachments`, {
        method: "POST",
        body: file,
        headers: { "content-type": file.type || "application/octet-stream", "x-file-name": encodeURIComponent(file.name) },
      }),
    liveUrl: (id: string) => `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}${chat(id)}/live`,
  };
}

export const supportApi = {
  myChats: () => apiRequest<{ items: ChatDto[] }>("/api/v1/support/chats"),
  startChat: (body: { topic: string; text?: string; clientId?: string; accountNo?: string | null; name?: string; phone?: string }) =>
    apiRequest<{ chat: ChatDto }>("/api/v1/support/chats", json("POST", body)),
  feedback: (body: { rating: number; text?: string; chatId?: string; ticketId?: string }) =>
    apiRequest<{ id: string }>("/api/v1/support/feedback", json("POST", body)),
  callbackSlots: () => apiRequest<CallbackSlotsDto>("/api/v1/support/callbacks/slots"),
  requestCallback: (body: { slotStart: string; topic: string; name?: string; phone?: string }) =>
    apiRequest<{ callback: CallbackDto }>("/api/v1/support/callbacks", json("POST", body)),
  myCallback: () => apiRequest<{ callback: CallbackDto | null }>("/api/v1/support/callbacks/mine"),
  tickets: () => apiRequest<{ items: TicketDto[] }>("/api/v1/support/tickets"),
  ticket: (id: string) => apiRequest<TicketDto>(`/api/v1/support/tickets/${encodeURIComponent(id)}`),
  createTicket: (body: { category: string; accountNo?: string | null; subject: string; text: string }) =>
    apiRequest<TicketDto>("/api/v1/support/tickets", json("POST", body)),
  commentTicket: (id: string, text: string) =>
    apiRequest<TicketDto>(`/api/v1/support/tickets/${encodeURIComponent(id)}/comments`, json("POST", { text })),
  moveTicket: (id: string, to: string) =>
    apiRequest<TicketDto>(`/api/v1/support/tickets/${encodeURIComponent(id)}/transition`, json("POST", { to })),
};

const ops = (path: string, init?: RequestInit) => apiRequest(`/ops/v1/support${path}`, init);

export const opsSupportApi = {
  login: (login: string, password: string) => ops("/session", json("POST", { login, password })) as Promise<OperatorDto>,
  me: () => ops("/me") as Promise<OperatorDto>,
  logout: () => ops("/logout", json("POST")) as Promise<void>,
  queue: (region?: string, queue: "private" | "business" = "private") =>
    ops(`/queue?queue=${queue}${region ? `&region=${encodeURIComponent(region)}` : ""}`) as Promise<QueueDto>,
  take: (id: string) => ops(`/chats/${encodeURIComponent(id)}/take`, json("POST")) as Promise<{ chat: OperatorChatDto }>,
  transfer: (id: string, operatorId: string | null) =>
    ops(`/chats/${encodeURIComponent(id)}/transfer`, json("POST", { operatorId })) as Promise<{ chat: OperatorChatDto }>,
  canned: () => ops("/canned") as Promise<CannedDto>,
  ticket: (id: string) => ops(`/tickets/${encodeURIComponent(id)}`) as Promise<TicketDto>,
  moveTicket: (id: string, to: string, comment?: string) =>
    ops(`/tickets/${encodeURIComponent(id)}/transition`, json("POST", { to, comment })) as Promise<TicketDto>,
  commentTicket: (id: string, text: string) =>
    ops(`/tickets/${encodeURIComponent(id)}/comments`, json("POST", { text })) as Promise<TicketDto>,
  assignTicket: (id: string, operatorId: string | null) =>
    ops(`/tickets/${encodeURIComponent(id)}/assign`, json("POST", { operatorId })) as Promise<TicketDto>,
  callbackDone: (id: string) => ops(`/callbacks/${encodeURIComponent(id)}/done`, json("POST")) as Promise<{ callback: CallbackDto }>,
  feedback: () => ops("/feedback") as Promise<OpsFeedbackDto>,
};
