import type { TicketStatus } from "../../db/schema/region";

export type TicketActor = "subscriber" | "operator" | "system";

/**
 * The support request (обращение) state machine. An operator takes a new
 * request into work, may ask the subscriber something (waiting) and resolves
 * it; the subscriber's answer brings a waiting request back into work, and a
 * resolved one is closed by the subscriber's confirmation (or by the system a
 * week later) or reopened by the subscriber. Only a request nobody has started
 * on may be withdrawn. Closed and cancelled are final.
 */
export const TICKET_TRANSITIONS: Record<TicketStatus, Partial<Record<TicketStatus, readonly TicketActor[]>>> = {
  new: { in_work: ["operator"], cancelled: ["subscriber"] },
  in_work: { waiting: ["operator"], resolved: ["operator"] },
  waiting: { in_work: ["operator", "subscriber"], resolved: ["operator"] },
  resolved: { closed: ["subscriber", "system"], in_work: ["subscriber"] },
  closed: {},
  cancelled: {},
};

export function canMoveTicket(from: TicketStatus, to: TicketStatus, actor: TicketActor): boolean {
  return TICKET_TRANSITIONS[from][to]?.includes(actor) ?? false;
}

export function nextTicketStatuses(from: TicketStatus, actor: TicketActor): TicketStatus[] {
  return (Object.keys(TICKET_TRANSITIONS[from]) as TicketStatus[]).filter((to) => canMoveTicket(from, to, actor));
}

/** Requests that are still someone's work (the operators' queue). */
export const OPEN_TICKET_STATUSES: readonly TicketStatus[] = ["new", "in_work", "waiting"];

/** A resolved request the subscriber has not answered is closed after this long. */
export const AUTO_CLOSE_MS = 7 * 24 * 60 * 60 * 1000;

export const TICKET_STATUS_LABELS: Record<TicketStatus, { ru: string; en: string }> = {
  new: { ru: "новое", en: "new" },
  in_work: { ru: "в работе", en: "in progress" },
  waiting: { ru: "ждёт вашего ответа", en: "waiting for your answer" },
  resolved: { ru: "решено", en: "resolved" },
  closed: { ru: "закрыто", en: "closed" },
  cancelled: { ru: "отозвано", en: "withdrawn" },
};
