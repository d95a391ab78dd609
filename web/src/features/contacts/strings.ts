import type { Strings } from "../../i18n/local";

const ru = {
  chat: "Онлайн-чат с оператором",
  chatLink: "Написать в чат",
  help: "Раздел «Помощь»",
  helpLink: "Ответы на частые вопросы",
  offices: "Офисы продаж",
  officesLink: "Адреса и часы работы",
  b2bOffices: "Офисы обслуживания юридических лиц",
  feedback: "Форма обратной связи",
  feedbackLink: "Оставить обращение или отзыв",
  social: "Мы в соцсетях и мессенджерах",
  federal: "Федеральные линии",
};
const en: typeof ru = {
  chat: "Online chat with an operator",
  chatLink: "Write to the chat",
  help: "Help centre",
  helpLink: "Answers to common questions",
  offices: "Sales offices",
  officesLink: "Addresses and hours",
  b2bOffices: "Offices for businesses",
  feedback: "Feedback form",
  feedbackLink: "File a request or leave feedback",
  social: "Social networks and messengers",
  federal: "Federal lines",
};
export const contactStrings: Strings<keyof typeof ru> = { ru, en };

/** The provider's official channels (the seed: «официальные группы и канал в социальных сетях»). */
export const SOCIAL = [
  { name: "ВКонтакте", nameEn: "VK", url: "https://vk.com/kabinet_telecom" },
  { name: "Одноклассники", nameEn: "OK", url: "https://ok.ru/kabinet_telecom" },
  { name: "Telegram", nameEn: "Telegram", url: "https://t.me/kabinet_telecom" },
] as const;
export const SOCIAL_B2B = [
  { name: "Telegram для бизнеса", nameEn: "Telegram for business", url: "https://t.me/kabinet_business" },
] as const;
