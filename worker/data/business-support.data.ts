import { BUSINESS_TICKET_CATEGORIES } from "../db/schema/region";

/**
 * Business support (поддержка бизнеса): the categories of a business request with their response-time targets, the
 * working calendar those targets count in, and the catalogue of tariffs for business shown on the public pages.
 */

/** A response-time target: calendar hours (round the clock), or working hours of the region's working calendar. */
export type ResponseTarget = { hours: number } | { workingHours: number };

export { BUSINESS_TICKET_CATEGORIES };
export type BusinessTicketCategory = (typeof BUSINESS_TICKET_CATEGORIES)[number];

export interface BusinessCategory {
  name: { ru: string; en: string };
  target: ResponseTarget;
  /** How the target reads to a client: «в течение 1 часа». */
  targetText: { ru: string; en: string };
}

/** The working day: Monday to Friday, 09:00–18:00 in the region's time zone, except public holidays. */
export const WORKING_HOURS = { from: 9, to: 18 } as const;
/** One working day of a target is this many working hours. */
export const WORKING_DAY_HOURS = WORKING_HOURS.to - WORKING_HOURS.from;

/** Non-working public holidays of the Russian calendar (ТК РФ ст. 112), month-day. Transfers are not modelled. */
export const PUBLIC_HOLIDAYS: ReadonlySet<string> = new Set([
  "01-01",
  "01-02",
  "01-03",
  "01-04",
  "01-05",
  "01-06",
  "01-07",
  "01-08",
  "02-23",
  "03-08",
  "05-01",
  "05-09",
  "06-12",
  "11-04",
]);

export const BUSINESS_CATEGORIES: Record<BusinessTicketCategory, BusinessCategory> = {
  outage: {
    name: { ru: "Авария, нет связи", en: "Outage, no service" },
    target: { hours: 1 },
    targetText: { ru: "в течение 1 часа, круглосуточно", en: "within 1 hour, round the clock" },
  },
  payments: {
    name: { ru: "Платежи и счета", en: "Payments and invoices" },
    target: { hours: 4 },
    targetText: { ru: "в течение 4 часов", en: "within 4 hours" },
  },
  documents: {
    name: { ru: "Закрывающие документы", en: "Closing documents" },
    target: { hours: 4 },
    targetText: { ru: "в течение 4 часов", en: "within 4 hours" },
  },
  services: {
    name: { ru: "Подключение и изменение услуг", en: "Connecting and changing services" },
    target: { workingHours: WORKING_DAY_HOURS },
    targetText: { ru: "в течение 1 рабочего дня", en: "within 1 working day" },
  },
  other: {
    name: { ru: "Другой вопрос", en: "Another question" },
    target: { workingHours: WORKING_DAY_HOURS },
    targetText: { ru: "в течение 1 рабочего дня", en: "within 1 working day" },
  },
};

/** A tariff for business; each region's price is the base times its branch's price level (as the private tariffs). */
export interface BusinessTariffTemplate {
  code: string;
  kind: "internet" | "office" | "mobile";
  name: { ru: string; en: string };
  description: { ru: string; en: string };
  baseRub: number;
  /** What the price is for: a month of the connection, or one SIM card a month. */
  per: "month" | "sim";
}

export const BUSINESS_TARIFFS: readonly BusinessTariffTemplate[] = [
  {
    code: "biz-inet-100",
    kind: "internet",
    name: { ru: "Бизнес-интернет 100", en: "Business internet 100" },
    description: {
      ru: "100 Мбит/с без ограничений, статический IP-адрес, восстановление за 4 часа",
      en: "100 Mbit/s unlimited, a static IP address, repair within 4 hours",
    },
    baseRub: 1900,
    per: "month",
  },
  {
    code: "biz-inet-500",
    kind: "internet",
    name: { ru: "Бизнес-интернет 500", en: "Business internet 500" },
    description: {
      ru: "500 Мбит/с, статический IP-адрес, резервный канал, восстановление за 2 часа",
      en: "500 Mbit/s, a static IP address, a backup line, repair within 2 hours",
    },
    baseRub: 4900,
    per: "month",
  },
  {
    code: "biz-office",
    kind: "office",
    name: { ru: "Офис", en: "Office" },
    description: {
      ru: "Интернет 200 Мбит/с, виртуальная АТС на 10 сотрудников и городской номер",
      en: "200 Mbit/s internet, a cloud PBX for 10 employees and a city number",
    },
    baseRub: 3500,
    per: "month",
  },
  {
    code: "biz-mobile",
    kind: "mobile",
    name: { ru: "Корпоративный мобильный", en: "Corporate mobile" },
    description: {
      ru: "1000 минут, 30 ГБ, звонки внутри компании бесплатно, лимит расходов на номер",
      en: "1000 minutes, 30 GB, free calls within the company, a spend limit per number",
    },
    baseRub: 650,
    per: "sim",
  },
];

/** The demo organisations' personal managers (seeded); Смирнов's has none, so its members see the business lines. */
export const DEMO_ORG_MANAGERS: Readonly<Record<string, { name: string; phone: string; email: string }>> = {
  "org-demo-veter": { name: "Анна Соколова", phone: "+79001112233", email: "a.sokolova@example.com" },
};
