import type { BusinessTariffDto, OrgManagerDto, OrgRequestsDto } from "../../../../worker/features/business/business-support.routes";
import type { ChatDto, TicketDto } from "../../../../worker/features/support/support.routes";
import { apiRequest as request, apiSend as send } from "../../lib/api";

/** Business support's client: the organisation's requests and chat, its personal manager, the public business data. */
export type { BusinessTariffDto, OrgManagerDto, OrgRequestsDto };
export type RequestCategoryDto = OrgRequestsDto["categories"][number];

const base = (orgId: string) => `/api/v1/business/organisations/${encodeURIComponent(orgId)}`;

export const businessSupportApi = {
  manager: (orgId: string) => request<OrgManagerDto>(`${base(orgId)}/manager`),
  requests: (orgId: string) => request<OrgRequestsDto>(`${base(orgId)}/support/requests`),
  request: (orgId: string, id: string) => request<TicketDto>(`${base(orgId)}/support/requests/${encodeURIComponent(id)}`),
  fileRequest: (orgId: string, body: { category: string; accountNo?: string | null; subject: string; text: string }) =>
    send<TicketDto>("POST", `${base(orgId)}/support/requests`, body),
  startChat: (orgId: string, body: { text?: string; clientId?: string }) =>
    send<{ chat: ChatDto }>("POST", `${base(orgId)}/support/chats`, body),
  tariffs: () => request<{ items: BusinessTariffDto[] }>("/api/v1/region/business-tariffs").then((r) => r.items),
  /** The business chat of the public business page (a visitor gives a name, a phone and the company; ИНН optional). */
  startVisitorChat: (body: { name?: string; phone?: string; company: string; inn?: string; text?: string; clientId: string }) =>
    send<{ chat: ChatDto }>("POST", "/api/v1/support/chats", { ...body, queue: "business", topic: "other" }),
};

/** «14:30» (today) or «4 дек., 14:30»: when a request's answer is due, in `tz` (the device's zone when undefined). */
export function formatDue(iso: string, tz: string | undefined, lang: "ru" | "en", now = new Date()): string {
  const at = new Date(iso);
  const day = (d: Date) => new Intl.DateTimeFormat("en-CA", { timeZone: tz }).format(d);
  const time = new Intl.DateTimeFormat(lang === "ru" ? "ru-RU" : "en-GB", {
    timeZone: tz,
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  }).format(at);
  if (day(at) === day(now)) return time;
  const date = new Intl.DateTimeFormat(lang === "ru" ? "ru-RU" : "en-GB", { timeZone: tz, day: "numeric", month: "short" }).format(at);
  return `${date}, ${time}`;
}
