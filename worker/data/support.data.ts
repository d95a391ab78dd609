import { POLICY } from "./limits.data";
/**
 * Support: chat topics, canned answers for operators (шаблоны ответов) and
 * attachment limits. Canned answers may use {name} (the subscriber's or
 * visitor's name) and {operator}.
 */

export const CHAT_TOPICS = ["billing", "internet", "tv", "mobile", "connect", "other"] as const;
export type ChatTopic = (typeof CHAT_TOPICS)[number];

export const CANNED_ANSWERS: readonly { id: string; title: { ru: string; en: string }; text: { ru: string; en: string } }[] = [
  {
    id: "greeting",
    title: { ru: "Приветствие", en: "Greeting" },
    text: { ru: "Здравствуйте, {name}! Меня зовут {operator}, я помогу вам.", en: "Hello {name}, I am {operator} and I will help you." },
  },
  {
    id: "check",
    title: { ru: "Проверяю", en: "Checking" },
    text: { ru: "Минуту, проверяю информацию по вашему счёту.", en: "One moment, I am checking your account." },
  },
  {
    id: "router",
    title: { ru: "Перезагрузить роутер", en: "Restart the router" },
    text: {
      ru: "Пожалуйста, выключите роутер на 30 секунд и включите снова. Напишите, помогло ли.",
      en: "Please switch the router off for 30 seconds and on again, then tell me whether it helped.",
    },
  },
  {
    id: "outage",
    title: { ru: "Авария на линии", en: "Line outage" },
    text: {
      ru: "На вашем адресе ведутся аварийные работы. Мы пришлём уведомление, как только связь восстановится.",
      en: "There is repair work at your address. We will notify you as soon as service is back.",
    },
  },
  {
    id: "ticket",
    title: { ru: "Оформлю обращение", en: "I will file a request" },
    text: {
      ru: "Я оформлю обращение для технических специалистов, его статус будет виден в разделе «Поддержка».",
      en: "I will file a request for our engineers; you will see its status under “Support”.",
    },
  },
  {
    id: "bye",
    title: { ru: "Завершение", en: "Closing" },
    text: {
      ru: "Рад был помочь! Если появятся вопросы — пишите. Оцените, пожалуйста, наш разговор.",
      en: "Glad to help! Write any time. Please rate our conversation.",
    },
  },
];

/** Files a chat takes: checked by their first bytes (the declared type must agree), at most 5 MB each, 20 per chat. */
export const ATTACHMENT_MAX_BYTES = 5 * 1024 * 1024;
export const ATTACHMENTS_PER_CHAT = 20;
export const ATTACHMENT_TYPES = ["image/png", "image/jpeg", "image/webp", "application/pdf"] as const;
export type AttachmentType = (typeof ATTACHMENT_TYPES)[number];

/** Tickets a subscriber may file in a day (visitors' chats per address: platform/throttle, scope "chats"). */
export const TICKETS_PER_DAY = POLICY.tickets.lockAfter;
export const MESSAGE_MAX_CHARS = 4000;
/** Messages one side may send in a chat per minute (against floods; a person types far fewer). */
export const MESSAGES_PER_MINUTE = POLICY.messages.lockAfter;

/** The estimated wait in a chat's queue: its place times the average handling time of the region's recent chats. */
export const HANDLING_SAMPLE = 50;
export const HANDLING_WINDOW_MS = 7 * 24 * 3600_000;
/** When the region has handled no chat in the window. */
export const DEFAULT_HANDLING_MS = 5 * 60_000;

/** «Перезвоните мне»: windows of the region's local day an operator calls back in, [from, to) hours. */
export const CALLBACK_HOURS = { from: 9, to: 21, window: 2 } as const;
/** Open requests one window of a region takes; a full window is not offered. */
export const CALLBACK_SLOT_CAPACITY = 3;
/** The earliest window offered starts at least this long from now; windows are offered this many days ahead. */
export const CALLBACK_LEAD_MS = 30 * 60_000;
export const CALLBACK_DAYS = 3;
/** How many free windows are offered. */
export const CALLBACK_SLOTS_SHOWN = 8;
