/**
 * Demo subscribers for local runs (printed by `npm start`, listed in the README).
 * All share the password below; contacts use the reserved example.com domain.
 */
export const DEMO_PASSWORD = "Kabinet2026";

export interface DemoAccount {
  body11: string;
  region: string;
  address: string;
  tariffs: string[];
  /** Monthly payments as a percentage of the fees (below 100: the balance runs low). */
  payPercent?: number;
  /** Subscribers other than the owner who may use the account, and how. */
  sharedWith?: { subscriber: string; role: "payer" | "viewer" }[];
  /** In the «Бонус» programme, with the points its paid charges earned. */
  bonus?: boolean;
}

export interface DemoSubscriber {
  id: string;
  displayName: string;
  phone: string;
  email: string;
  login: string;
  accounts: DemoAccount[];
}

export const DEMO_SUBSCRIBERS: readonly DemoSubscriber[] = [
  {
    id: "demo-anna",
    displayName: "Анна Иванова",
    phone: "+79000000001",
    email: "anna.ivanova@example.com",
    login: "anna",
    accounts: [
      {
        body11: "20100000001",
        region: "msk",
        address: "Москва, ул. Профсоюзная, д. 12, кв. 45",
        tariffs: ["bundle-it", "phone-unlim"],
        bonus: true,
      },
      { body11: "20100000002", region: "msk", address: "Москва, ул. Профсоюзная, д. 12, кв. 45", tariffs: ["mob-m"] },
      { body11: "60700000003", region: "nsk", address: "Новосибирская обл., СНТ «Берёзка», уч. 8", tariffs: ["inet-100"] },
    ],
  },
  {
    id: "demo-maria",
    displayName: "Мария Иванова",
    phone: "+79000000004",
    email: "maria.ivanova@example.com",
    login: "maria",
    accounts: [
      {
        body11: "30200000004",
        region: "spb",
        address: "Санкт-Петербург, Невский пр-т, д. 100, кв. 7",
        tariffs: ["inet-300", "tv-base", "phone-time"],
        sharedWith: [{ subscriber: "demo-anna", role: "payer" }],
      },
    ],
  },
  {
    id: "demo-petr",
    displayName: "Пётр Смирнов",
    phone: "+79000000002",
    email: "petr.smirnov@example.com",
    login: "petr",
    accounts: [
      { body11: "40300000005", region: "kzn", address: "Казань, ул. Пушкина, д. 5, кв. 19", tariffs: ["bundle-all"], bonus: true },
      { body11: "50400000006", region: "ekb", address: "Екатеринбург, ул. Малышева, д. 80, кв. 3", tariffs: ["inet-500", "tv-opt"] },
    ],
  },
  {
    id: "demo-olga",
    displayName: "Ольга Кузнецова",
    phone: "+79000000003",
    email: "olga.kuznetsova@example.com",
    login: "olga",
    accounts: [
      { body11: "80500000007", region: "vl", address: "Владивосток, ул. Светланская, д. 20, кв. 11", tariffs: ["inet-300", "mob-s"] },
      {
        body11: "10600000008",
        region: "mo",
        address: "Московская обл., Красногорск, ул. Ленина, д. 3, кв. 30",
        tariffs: ["inet-100", "tv-max"],
      },
      { body11: "90700000009", region: "krasnodar", address: "Краснодар, ул. Красная, д. 150, кв. 2", tariffs: ["mob-l"], payPercent: 97 },
    ],
  },
];

/**
 * A contract whose holder has no cabinet yet: the registration demo
 * (by account number, or by the phone or email on the contract).
 */
export const DEMO_UNREGISTERED = {
  body11: "50800000010",
  region: "ekb",
  holderName: "Сергей Петров",
  phone: "+79000000005",
  email: "sergey.petrov@example.com",
  address: "Екатеринбург, ул. Ленина, д. 50, кв. 12",
  tariffs: ["inet-300"],
} as const;

/** Support operators for local runs (the console at /ops/support); all share the password below. */
export const DEMO_OPERATOR_PASSWORD = "Operator2026";
export const DEMO_OPERATORS: readonly { id: string; login: string; displayName: string; regions: readonly string[] }[] = [
  { id: "op-msk", login: "operator.msk", displayName: "Мария Орлова", regions: ["msk", "mo"] },
  { id: "op-msk2", login: "operator.msk2", displayName: "Игорь Лебедев", regions: ["msk"] },
  { id: "op-spb", login: "operator.spb", displayName: "Ольга Белова", regions: ["spb"] },
  { id: "op-east", login: "operator.east", displayName: "Денис Ким", regions: ["vl", "khv"] },
];

/** The providers the local demo identity provider plays (`npm start`, scripts/demo-idp.mts). */
export const DEMO_IDP_PROVIDERS = ["gosuslugi", "tid", "vkid"] as const;
export type DemoIdpProvider = (typeof DEMO_IDP_PROVIDERS)[number];

/**
 * People a newcomer can sign in as at the local demo identity provider, with
 * their id at each provider. `subscriber` set: that subscriber has these
 * identities linked in the cabinet (seeded), so the provider logs straight in.
 */
export const DEMO_IDP_PEOPLE: readonly {
  key: string;
  name: string;
  subscriber: string | null;
  subjects: Readonly<Record<DemoIdpProvider, string>>;
  hint: { ru: string; en: string };
}[] = [
  {
    key: "petr",
    name: "Пётр Смирнов",
    subscriber: "demo-petr",
    subjects: { gosuslugi: "1000000002", tid: "6f1d2a40-demo-4000-8000-000000000002", vkid: "700000002" },
    hint: {
      ru: "Абонент petr: этот аккаунт привязан в кабинете, вход сразу",
      en: "Subscriber petr: this account is linked in the cabinet, logs straight in",
    },
  },
  {
    key: "anna",
    name: "Анна Иванова",
    subscriber: null,
    subjects: { gosuslugi: "1000000001", tid: "6f1d2a40-demo-4000-8000-000000000001", vkid: "700000001" },
    hint: {
      ru: "Абонент anna: аккаунт ещё не привязан — привяжите его в профиле кабинета",
      en: "Subscriber anna: not linked yet — link it in the cabinet's profile",
    },
  },
  {
    key: "stranger",
    name: "Иван Незнакомов",
    subscriber: null,
    subjects: { gosuslugi: "1000000099", tid: "6f1d2a40-demo-4000-8000-000000000099", vkid: "700000099" },
    hint: {
      ru: "Не абонент: кабинет ответит, что аккаунт не привязан",
      en: "Not a subscriber: the cabinet answers that the account is not linked",
    },
  },
];
