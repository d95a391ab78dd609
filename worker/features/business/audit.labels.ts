/**
 * Every action the organisation's audit log records, in words: the export's file uses these, and the screen's strings
 * (web/src/features/business/strings.ts) are checked against the same keys, so an action written without its words
 * does not type-check and a screen without them fails its test.
 */
export const AUDIT_ACTION_LABELS = {
  "org.created": { ru: "Организация зарегистрирована", en: "Organisation registered" },
  "member.added": { ru: "Назначен администратор", en: "Administrator appointed" },
  "member.joined": { ru: "Администратор подтвердил полномочия", en: "Administrator confirmed their authority" },
  "invite.created": { ru: "Отправлено приглашение", en: "Invitation sent" },
  "invite.accepted": { ru: "Принято приглашение", en: "Invitation accepted" },
  "member.changed": { ru: "Изменена роль", en: "Role changed" },
  "member.removed": { ru: "Сотрудник удалён", en: "Employee removed" },
  "invoice.issued": { ru: "Выставлен счёт на оплату", en: "Invoice for payment issued" },
  "payment.started": { ru: "Начата оплата счетов", en: "Payment for accounts started" },
  "payment.succeeded": { ru: "Счета пополнены", en: "Accounts topped up" },
  "payment.failed": { ru: "Оплата не прошла", en: "Payment failed" },
  "payment.bank_credited": { ru: "Зачислен платёж по платёжному поручению", en: "Bank transfer credited" },
  "payment.refunded": { ru: "Платёж возвращён", en: "Payment refunded" },
  "closing.issued": { ru: "Сформирован закрывающий документ (УПД)", en: "Closing document issued (UPD)" },
  "closing.corrected": { ru: "Сформирован корректировочный документ (УКД)", en: "Correction document issued (UKD)" },
  "reconciliation.requested": { ru: "Запрошен акт сверки", en: "Reconciliation statement requested" },
  "number.changed": { ru: "Изменён корпоративный номер", en: "Corporate number changed" },
  "number.blocked": { ru: "Заблокирован номер (утеряна SIM)", en: "Number blocked (SIM lost)" },
  "number.unblocked": { ru: "Разблокирован номер", en: "Number unblocked" },
  "number.esia_confirmed": { ru: "Номер подтверждён в ЕСИА", en: "Number confirmed in ESIA" },
  "number.esia_unconfirmed": { ru: "Подтверждение номера в ЕСИА снято", en: "Number's ESIA confirmation withdrawn" },
  "support.request": { ru: "Создано обращение", en: "Request filed" },
  "support.chat": { ru: "Начат бизнес-чат", en: "Business chat started" },
  "manager.set": { ru: "Назначен персональный менеджер", en: "Personal manager assigned" },
  "manager.removed": { ru: "Персональный менеджер снят", en: "Personal manager removed" },
  "accounts.exported": { ru: "Выгружен список лицевых счетов", en: "Accounts list exported" },
  "audit.exported": { ru: "Выгружен журнал действий", en: "Audit log exported" },
  "site.renamed": { ru: "Переименована площадка", en: "Site renamed" },
  "account.site_changed": { ru: "Лицевой счёт перенесён на другую площадку", en: "Account moved to another site" },
} as const satisfies Record<string, { ru: string; en: string }>;

/** An action the audit log records. */
export type AuditAction = keyof typeof AUDIT_ACTION_LABELS;
