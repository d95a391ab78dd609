/**
 * Demo organisations of the business cabinet (printed by `npm start`): their requisites pass the checks of
 * features/business/requisites.ts, their accounts sit in regional shards like anyone's. The people share the
 * private cabinet's demo password.
 */
import type { OrgRole } from "../db/schema/global";

export interface DemoBusinessPerson {
  id: string;
  displayName: string;
  phone: string;
  email: string;
  login: string;
}

/** Employees of the demo organisations who have no private accounts. */
export const DEMO_BUSINESS_PEOPLE: readonly DemoBusinessPerson[] = [
  { id: "demo-biz-admin", displayName: "Алексей Соколов", phone: "+79000000010", email: "a.sokolov@example.com", login: "biz.admin" },
  {
    id: "demo-biz-accountant",
    displayName: "Елена Морозова",
    phone: "+79000000011",
    email: "e.morozova@example.com",
    login: "biz.accountant",
  },
  { id: "demo-biz-manager", displayName: "Дмитрий Волков", phone: "+79000000012", email: "d.volkov@example.com", login: "biz.manager" },
  { id: "demo-biz-viewer", displayName: "Ирина Лебедева", phone: "+79000000013", email: "i.lebedeva@example.com", login: "biz.viewer" },
];

export interface DemoOrganisation {
  id: string;
  kind: "legal" | "entrepreneur";
  name: string;
  inn: string;
  kpp: string | null;
  ogrn: string;
  legalAddress: string;
  postalAddress: string;
  bik: string;
  bankName: string;
  settlementAccount: string;
  contactPhone: string;
  contactEmail: string;
  /** Account number bodies (11 digits, the check digit is added): `count` numbers from `firstBody11` per region. */
  accounts: { region: string; firstBody11: number; count: number; tariffs: string[] }[];
  /** The organisation's sites (площадки): its accounts are spread over them in turn. */
  sites: Record<string, readonly string[]>;
  /** The sites' names, in the order of `sites` (a site without one is named by its address). */
  siteNames?: Record<string, readonly string[]>;
  /** `accountsOfSite`: the employee is limited to that site (by index, in the first region) — a site scope. */
  members: { subscriber: string; role: OrgRole; accountsOfSite?: number }[];
}

export const DEMO_ORGANISATIONS: readonly DemoOrganisation[] = [
  {
    id: "org-demo-veter",
    kind: "legal",
    name: "ООО «Северный ветер»",
    inn: "7704123450",
    kpp: "770401001",
    ogrn: "1207700123454",
    legalAddress: "119034, Москва, ул. Остоженка, д. 10, офис 5",
    postalAddress: "119034, Москва, ул. Остоженка, д. 10, офис 5",
    bik: "044525225",
    bankName: "ПАО Сбербанк",
    settlementAccount: "40702810538000123456",
    contactPhone: "+79000000019",
    contactEmail: "office@veter.example.com",
    accounts: [
      { region: "msk", firstBody11: 20190000001, count: 120, tariffs: ["inet-300", "phone-unlim"] },
      { region: "spb", firstBody11: 30290000001, count: 80, tariffs: ["inet-100"] },
      { region: "ekb", firstBody11: 50590000001, count: 20, tariffs: ["inet-100"] },
    ],
    sites: {
      msk: [
        "Москва, ул. Остоженка, д. 10",
        "Москва, Ленинградский пр-т, д. 39",
        "Москва, ул. Новый Арбат, д. 21",
        "Москва, Варшавское ш., д. 118",
        "Москва, ул. Профсоюзная, д. 65",
        "Москва, пр-т Мира, д. 102",
      ],
      spb: [
        "Санкт-Петербург, Лиговский пр-т, д. 50",
        "Санкт-Петербург, ул. Савушкина, д. 36",
        "Санкт-Петербург, Московский пр-т, д. 171",
        "Санкт-Петербург, пр-т Энгельса, д. 154",
      ],
      ekb: ["Екатеринбург, ул. Малышева, д. 51", "Екатеринбург, пр-т Космонавтов, д. 18"],
    },
    siteNames: {
      msk: ["Головной офис", "Склад на Ленинградском", "Салон на Арбате", "Склад на Варшавке", "Офис на Профсоюзной", "Салон на Мира"],
      spb: ["Офис на Лиговском", "Склад на Савушкина", "Салон на Московском", "Офис на Энгельса"],
      ekb: ["Офис в Екатеринбурге", "Склад на Космонавтов"],
    },
    members: [
      { subscriber: "demo-biz-admin", role: "administrator" },
      { subscriber: "demo-biz-accountant", role: "accountant" },
      { subscriber: "demo-biz-manager", role: "manager" },
      // The viewer sees only the accounts of one Moscow site.
      { subscriber: "demo-biz-viewer", role: "viewer", accountsOfSite: 0 },
    ],
  },
  {
    id: "org-demo-smirnov",
    kind: "entrepreneur",
    name: "ИП Смирнов Пётр Андреевич",
    inn: "660123456729",
    kpp: null,
    ogrn: "320660000123450",
    legalAddress: "620014, Екатеринбург, ул. Малышева, д. 80, кв. 3",
    postalAddress: "620014, Екатеринбург, ул. Малышева, д. 80, кв. 3",
    bik: "046577674",
    bankName: "Уральский банк ПАО Сбербанк",
    settlementAccount: "40802810016000012345",
    contactPhone: "+79000000002",
    contactEmail: "petr.smirnov@example.com",
    accounts: [{ region: "ekb", firstBody11: 50490000001, count: 4, tariffs: ["inet-100"] }],
    sites: { ekb: ["Екатеринбург, ул. Вайнера, д. 9"] },
    members: [
      { subscriber: "demo-petr", role: "administrator" },
      // One person in two organisations: the demo administrator switches between them.
      { subscriber: "demo-biz-admin", role: "viewer" },
    ],
  },
];
