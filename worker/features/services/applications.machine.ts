import type { ApplicationKind, ApplicationStatus } from "../../db/schema/region";

export type Actor = "subscriber" | "operator" | "system";

/**
 * The application state machine: which status may follow which, and who may
 * make the move. Finished states (done, rejected, cancelled) have no way out.
 * A subscriber may only withdraw an application nobody has started on.
 */
export const TRANSITIONS: Record<ApplicationStatus, Partial<Record<ApplicationStatus, readonly Actor[]>>> = {
  received: { in_work: ["operator", "system"], rejected: ["operator"], cancelled: ["subscriber", "operator", "system"] },
  in_work: { technician_assigned: ["operator"], done: ["operator", "system"], rejected: ["operator"], cancelled: ["system"] },
  technician_assigned: { in_work: ["operator"], done: ["operator"], rejected: ["operator"] },
  done: {},
  rejected: {},
  cancelled: {},
};

/** Kinds the system carries out itself (a voluntary block starts and ends by the calendar): operators do not move them. */
export const SYSTEM_KINDS: readonly ApplicationKind[] = ["block"];

export function canMove(kind: ApplicationKind, from: ApplicationStatus, to: ApplicationStatus, actor: Actor): boolean {
  if (actor === "operator" && SYSTEM_KINDS.includes(kind)) return false;
  return TRANSITIONS[from][to]?.includes(actor) ?? false;
}

/** The statuses an actor may move an application to from where it is. */
export function nextStatuses(kind: ApplicationKind, from: ApplicationStatus, actor: Actor): ApplicationStatus[] {
  return (Object.keys(TRANSITIONS[from]) as ApplicationStatus[]).filter((to) => canMove(kind, from, to, actor));
}

export const STATUS_LABELS: Record<ApplicationStatus, { ru: string; en: string }> = {
  received: { ru: "принята", en: "received" },
  in_work: { ru: "в работе", en: "in progress" },
  technician_assigned: { ru: "назначен специалист", en: "technician assigned" },
  done: { ru: "выполнена", en: "done" },
  rejected: { ru: "отклонена", en: "rejected" },
  cancelled: { ru: "отменена", en: "cancelled" },
};

export const KIND_LABELS: Record<ApplicationKind, { ru: string; en: string }> = {
  connection: { ru: "Подключение услуги", en: "New service" },
  tariff_change: { ru: "Смена тарифа с выездом специалиста", en: "Tariff change with a technician visit" },
  block: { ru: "Добровольная блокировка", en: "Voluntary block" },
  disconnection: { ru: "Отключение услуги", en: "Disconnection of a service" },
  termination: { ru: "Расторжение договора", en: "Contract termination" },
  callout: { ru: "Вызов специалиста", en: "Technician call-out" },
};
