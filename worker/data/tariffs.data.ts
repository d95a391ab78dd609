import type { TariffKind } from "../db/schema/region";

/** A tariff template; each region's price is the base times the region's factor. */
export interface TariffTemplate {
  code: string;
  kind: TariffKind;
  nameRu: string;
  nameEn: string;
  descriptionRu: string;
  descriptionEn: string;
  baseRub: number;
  speedMbps?: number;
  tvChannels?: number;
  minutes?: number;
  /** Outgoing SMS in the monthly package (mobile tariffs). */
  sms?: number;
  dataGb?: number;
  /** Only in regions with a gigabit (FTTH) network. */
  gigabitOnly?: boolean;
}

export const TARIFF_TEMPLATES: readonly TariffTemplate[] = [
  {
    code: "inet-100",
    kind: "internet",
    nameRu: "Домашний 100",
    nameEn: "Home 100",
    descriptionRu: "Безлимитный интернет 100 Мбит/с",
    descriptionEn: "Unlimited internet, 100 Mbit/s",
    baseRub: 550,
    speedMbps: 100,
  },
  {
    code: "inet-300",
    kind: "internet",
    nameRu: "Домашний 300",
    nameEn: "Home 300",
    descriptionRu: "Безлимитный интернет 300 Мбит/с, роутер Wi-Fi 6 в аренду",
    descriptionEn: "Unlimited internet, 300 Mbit/s, Wi-Fi 6 router for rent",
    baseRub: 750,
    speedMbps: 300,
  },
  {
    code: "inet-500",
    kind: "internet",
    nameRu: "Домашний 500",
    nameEn: "Home 500",
    descriptionRu: "Безлимитный интернет 500 Мбит/с",
    descriptionEn: "Unlimited internet, 500 Mbit/s",
    baseRub: 900,
    speedMbps: 500,
  },
  {
    code: "inet-1000",
    kind: "internet",
    nameRu: "Гигабит",
    nameEn: "Gigabit",
    descriptionRu: "Оптика до квартиры, 1 Гбит/с",
    descriptionEn: "Fibre to the flat, 1 Gbit/s",
    baseRub: 1200,
    speedMbps: 1000,
    gigabitOnly: true,
  },
  {
    code: "tv-base",
    kind: "tv",
    nameRu: "Базовый",
    nameEn: "Basic",
    descriptionRu: "Интерактивное ТВ: 150 каналов",
    descriptionEn: "Interactive TV: 150 channels",
    baseRub: 320,
    tvChannels: 150,
  },
  {
    code: "tv-opt",
    kind: "tv",
    nameRu: "Оптимальный",
    nameEn: "Optimal",
    descriptionRu: "Интерактивное ТВ: 220 каналов, управление просмотром",
    descriptionEn: "Interactive TV: 220 channels, pause and rewind",
    baseRub: 450,
    tvChannels: 220,
  },
  {
    code: "tv-max",
    kind: "tv",
    nameRu: "Максимальный",
    nameEn: "Maximum",
    descriptionRu: "Интерактивное ТВ: 300 каналов, кино и спорт",
    descriptionEn: "Interactive TV: 300 channels, films and sport",
    baseRub: 700,
    tvChannels: 300,
  },
  {
    code: "phone-time",
    kind: "landline",
    nameRu: "Повременный",
    nameEn: "Pay per minute",
    descriptionRu: "Домашний телефон, местные звонки поминутно",
    descriptionEn: "Landline, local calls per minute",
    baseRub: 250,
  },
  {
    code: "phone-unlim",
    kind: "landline",
    nameRu: "Безлимитный",
    nameEn: "Unlimited",
    descriptionRu: "Домашний телефон, безлимитные местные звонки",
    descriptionEn: "Landline, unlimited local calls",
    baseRub: 450,
  },
  {
    code: "mob-s",
    kind: "mobile",
    nameRu: "Мобильный S",
    nameEn: "Mobile S",
    descriptionRu: "10 ГБ, 300 минут, 100 SMS",
    descriptionEn: "10 GB, 300 minutes, 100 texts",
    baseRub: 350,
    dataGb: 10,
    minutes: 300,
    sms: 100,
  },
  {
    code: "mob-m",
    kind: "mobile",
    nameRu: "Мобильный M",
    nameEn: "Mobile M",
    descriptionRu: "30 ГБ, 600 минут, 300 SMS",
    descriptionEn: "30 GB, 600 minutes, 300 texts",
    baseRub: 550,
    dataGb: 30,
    minutes: 600,
    sms: 300,
  },
  {
    code: "mob-l",
    kind: "mobile",
    nameRu: "Мобильный L",
    nameEn: "Mobile L",
    descriptionRu: "60 ГБ, 1000 минут, 500 SMS, безлимит в мессенджерах",
    descriptionEn: "60 GB, 1000 minutes, 500 texts, unlimited messengers",
    baseRub: 750,
    dataGb: 60,
    minutes: 1000,
    sms: 500,
  },
  {
    code: "bundle-it",
    kind: "bundle",
    nameRu: "Интернет + ТВ",
    nameEn: "Internet + TV",
    descriptionRu: "300 Мбит/с и 220 каналов",
    descriptionEn: "300 Mbit/s and 220 channels",
    baseRub: 1050,
    speedMbps: 300,
    tvChannels: 220,
  },
  {
    code: "bundle-all",
    kind: "bundle",
    nameRu: "Всё в одном",
    nameEn: "All in one",
    descriptionRu: "500 Мбит/с, 220 каналов и Мобильный M",
    descriptionEn: "500 Mbit/s, 220 channels and Mobile M",
    baseRub: 1450,
    speedMbps: 500,
    tvChannels: 220,
    dataGb: 30,
    minutes: 600,
  },
];

export interface ServiceTemplate {
  code: string;
  appliesTo: TariffKind;
  nameRu: string;
  nameEn: string;
  baseRub: number;
}

export const SERVICE_TEMPLATES: readonly ServiceTemplate[] = [
  { code: "static-ip", appliesTo: "internet", nameRu: "Статический IP-адрес", nameEn: "Static IP address", baseRub: 200 },
  { code: "antivirus", appliesTo: "internet", nameRu: "Антивирус на 3 устройства", nameEn: "Antivirus for 3 devices", baseRub: 99 },
  { code: "router", appliesTo: "internet", nameRu: "Аренда роутера Wi-Fi 6", nameEn: "Wi-Fi 6 router rental", baseRub: 150 },
  { code: "stb", appliesTo: "tv", nameRu: "Аренда ТВ-приставки", nameEn: "TV set-top box rental", baseRub: 150 },
  { code: "kids", appliesTo: "tv", nameRu: "Пакет «Детский»", nameEn: "Kids package", baseRub: 129 },
  { code: "caller-id", appliesTo: "landline", nameRu: "Определитель номера", nameEn: "Caller ID", baseRub: 60 },
  // Calls and data abroad are charged by the partner network's prices; the option opens them (a lost phone cannot run up a bill abroad while it is off).
  { code: "roaming", appliesTo: "mobile", nameRu: "Международный роуминг", nameEn: "International roaming", baseRub: 50 },
];

/** Regions with a gigabit network (big cities). */
export const GIGABIT_REGIONS: ReadonlySet<string> = new Set([
  "msk",
  "spb",
  "ekb",
  "nsk",
  "kzn",
  "nnov",
  "samara",
  "krasnodar",
  "rostov",
  "ufa",
  "chel",
  "perm",
]);

/** Price level of each branch, percent of the base price. */
export const BRANCH_PRICE_PERCENT: Readonly<Record<string, number>> = {
  moscow: 120,
  northwest: 105,
  center: 95,
  volga: 90,
  south: 92,
  ural: 96,
  siberia: 93,
  fareast: 108,
};
