/**
 * Corporate mobile numbers of the demo organisation «Северный ветер» (features/business/numbers): on the first
 * Moscow and the first St Petersburg account of the organisation, assigned to employees (the four demo people
 * among them) and devices, some not confirmed in ЕСИА, one near its limit, one blocked as a lost SIM. Spend is
 * of the month of the seed's last history day, charged to the account (and paid, so balances stay as they were).
 */
export interface DemoNumber {
  msisdn: string;
  /** Which of the organisation's accounts in that region, by place in its list (0: the first). */
  region: "msk" | "spb";
  device?: boolean;
  name: string;
  /** A demo person who is the organisation's member. */
  subscriberId?: string;
  esia: boolean;
  limitRub: number | null;
  blockAtLimit?: boolean;
  spendRub: number;
  lost?: boolean;
}

export const DEMO_NUMBERS_ORG = "org-demo-veter";

export const DEMO_NUMBERS: readonly DemoNumber[] = [
  {
    msisdn: "+79160000101",
    region: "msk",
    name: "Алексей Соколов",
    subscriberId: "demo-biz-admin",
    esia: true,
    limitRub: 3000,
    spendRub: 1240,
  },
  {
    msisdn: "+79160000102",
    region: "msk",
    name: "Елена Морозова",
    subscriberId: "demo-biz-accountant",
    esia: true,
    limitRub: 2000,
    spendRub: 650,
  },
  // Near its limit: 85 % spent, blocked at 100 %; the 80 % notice has gone out.
  {
    msisdn: "+79160000103",
    region: "msk",
    name: "Дмитрий Волков",
    subscriberId: "demo-biz-manager",
    esia: true,
    limitRub: 2500,
    blockAtLimit: true,
    spendRub: 2130,
  },
  {
    msisdn: "+79160000104",
    region: "msk",
    name: "Ирина Лебедева",
    subscriberId: "demo-biz-viewer",
    esia: false,
    limitRub: 1500,
    spendRub: 300,
  },
  { msisdn: "+79160000105", region: "msk", name: "Ольга Кузнецова", esia: true, limitRub: null, spendRub: 820 },
  { msisdn: "+79160000106", region: "msk", name: "Сергей Павлов", esia: false, limitRub: 1000, spendRub: 120 },
  { msisdn: "+79160000107", region: "msk", device: true, name: "Терминал оплаты, склад №2", esia: true, limitRub: 500, spendRub: 95 },
  { msisdn: "+79160000108", region: "msk", device: true, name: "Терминал оплаты, склад №3", esia: true, limitRub: 500, spendRub: 60 },
  { msisdn: "+79160000109", region: "msk", name: "Андрей Никитин (курьер)", esia: false, limitRub: 1500, spendRub: 900 },
  { msisdn: "+79160000110", region: "msk", name: "Марина Егорова", esia: true, limitRub: 2000, spendRub: 400 },
  {
    msisdn: "+79160000111",
    region: "msk",
    device: true,
    name: "Охранная сигнализация, офис на Остоженке",
    esia: true,
    limitRub: 300,
    spendRub: 40,
  },
  { msisdn: "+79160000112", region: "msk", name: "Павел Орлов", esia: true, limitRub: 2000, spendRub: 150, lost: true },
  { msisdn: "+79160000113", region: "msk", name: "Татьяна Белова", esia: false, limitRub: null, spendRub: 210 },
  {
    msisdn: "+79160000114",
    region: "msk",
    device: true,
    name: "GPS-трекер, автомобиль А123ВС 77",
    esia: true,
    limitRub: 400,
    spendRub: 110,
  },
  { msisdn: "+79210000201", region: "spb", name: "Николай Смирнов", esia: true, limitRub: 2000, spendRub: 500 },
  { msisdn: "+79210000202", region: "spb", name: "Анна Васильева", esia: false, limitRub: 1500, spendRub: 200 },
  {
    msisdn: "+79210000203",
    region: "spb",
    device: true,
    name: "Терминал оплаты, магазин на Лиговском",
    esia: true,
    limitRub: 500,
    spendRub: 80,
  },
  { msisdn: "+79210000204", region: "spb", name: "Виктор Зайцев", esia: true, limitRub: 2500, spendRub: 1100 },
  { msisdn: "+79210000205", region: "spb", name: "Юлия Морозова", esia: false, limitRub: 1000, spendRub: 320 },
  { msisdn: "+79210000206", region: "spb", device: true, name: "Кассовый аппарат, ул. Савушкина", esia: true, limitRub: 300, spendRub: 45 },
  { msisdn: "+79210000207", region: "spb", name: "Игорь Фёдоров", esia: true, limitRub: null, spendRub: 640 },
  { msisdn: "+79210000208", region: "spb", name: "Светлана Попова", esia: true, limitRub: 1500, spendRub: 1000 },
];
