/**
 * Rules of the services feature, as data: network coverage, voluntary block
 * terms, prices the tariff advisor charges beyond a package, which tariffs
 * need a technician. Regional terms override the defaults.
 */

export type Technology = "gpon" | "fttb" | "adsl";

export interface CoverageStreet {
  street: string;
  from: number;
  to: number;
  technology: Technology;
  tv: boolean;
}

/** Top speed of each technology, Mbit/s. */
export const TECH_MAX_MBPS: Record<Technology, number> = { gpon: 1000, fttb: 500, adsl: 30 };

/** Streets with coverage per region (the demo addresses are covered; "СНТ «Берёзка»" near Novosibirsk is not). */
export const COVERAGE: Record<string, CoverageStreet[]> = {
  msk: [
    { street: "ул. Профсоюзная", from: 1, to: 160, technology: "gpon", tv: true },
    { street: "ул. Тверская", from: 1, to: 30, technology: "gpon", tv: true },
    { street: "Ленинский пр-т", from: 1, to: 180, technology: "fttb", tv: true },
    { street: "ул. Арбат", from: 1, to: 55, technology: "fttb", tv: true },
  ],
  mo: [
    { street: "ул. Ленина", from: 1, to: 60, technology: "fttb", tv: true },
    { street: "ул. Пионерская", from: 1, to: 40, technology: "adsl", tv: false },
  ],
  spb: [
    { street: "Невский пр-т", from: 1, to: 180, technology: "gpon", tv: true },
    { street: "ул. Садовая", from: 1, to: 130, technology: "fttb", tv: true },
    { street: "Лиговский пр-т", from: 1, to: 290, technology: "fttb", tv: true },
  ],
  kzn: [
    { street: "ул. Пушкина", from: 1, to: 60, technology: "fttb", tv: true },
    { street: "ул. Баумана", from: 1, to: 80, technology: "gpon", tv: true },
  ],
  ekb: [
    { street: "ул. Малышева", from: 1, to: 150, technology: "gpon", tv: true },
    { street: "ул. Ленина", from: 1, to: 100, technology: "fttb", tv: true },
  ],
  vl: [
    { street: "ул. Светланская", from: 1, to: 200, technology: "fttb", tv: true },
    { street: "ул. Алеутская", from: 1, to: 70, technology: "adsl", tv: false },
  ],
  krasnodar: [
    { street: "ул. Красная", from: 1, to: 200, technology: "fttb", tv: true },
    { street: "ул. Северная", from: 1, to: 500, technology: "adsl", tv: false },
  ],
  nsk: [{ street: "Красный пр-т", from: 1, to: 220, technology: "gpon", tv: true }],
};

/** Every other region: its main streets (the catalogue of a real operator would be per building). */
export const DEFAULT_COVERAGE: CoverageStreet[] = [
  { street: "ул. Ленина", from: 1, to: 120, technology: "fttb", tv: true },
  { street: "ул. Советская", from: 1, to: 80, technology: "adsl", tv: false },
  { street: "ул. Мира", from: 1, to: 90, technology: "fttb", tv: true },
];

export interface BlockRules {
  minDays: number;
  maxDays: number;
  /** Days of voluntary block a service may have in one calendar year. */
  maxDaysPerYear: number;
  /** Days a year without a fee; after them `feePerDayKop` a day. */
  freeDaysPerYear: number;
  feePerDayKop: number;
}

/** Voluntary block for home services (the seed: «Заблокировать услуги» on home internet). */
export const BLOCK_RULES: BlockRules = { minDays: 7, maxDays: 90, maxDaysPerYear: 90, freeDaysPerYear: 90, feePerDayKop: 0 };
export const REGIONAL_BLOCK_RULES: Record<string, Partial<BlockRules>> = {
  // Big cities: the first 30 days a year are free, then 3 ₽ a day keeps the line and the number.
  msk: { freeDaysPerYear: 30, feePerDayKop: 300 },
  spb: { freeDaysPerYear: 30, feePerDayKop: 300 },
  // Summer houses in the Far East: a longer season.
  vl: { maxDays: 180, maxDaysPerYear: 180, freeDaysPerYear: 180 },
};
export const blockRulesFor = (region: string): BlockRules => ({ ...BLOCK_RULES, ...REGIONAL_BLOCK_RULES[region] });
/** The kinds of service that can be blocked voluntarily (home services; a mobile number is blocked in another way). */
export const BLOCKABLE_KINDS = ["internet", "tv", "landline", "bundle"] as const;

/** What the advisor charges beyond a package (kopecks): per minute, per started GB, per paid SMS. */
export const OVERAGE = {
  mobileMinuteKop: 250,
  mobileGbKop: 15000,
  smsKop: 250,
  internationalMinuteKop: 2500,
  longDistanceMinuteKop: 350,
} as const;

/** Landline per-minute prices by tariff code (a missing code is unlimited for local and mobile calls). */
export const LANDLINE_MINUTE_KOP: Record<string, { local: number; mobile: number }> = {
  "phone-time": { local: 50, mobile: 190 },
};

/** Internet speeds above this need a technician (new equipment at the flat): such a change is an application. */
export const TECHNICIAN_ABOVE_MBPS = 500;

/**
 * Demo lines that fail the line check (проверка линии), by the account
 * number's 11-digit body: the local adapter answers so, to show the next steps.
 * Olga's home internet in Vladivostok: the port is up, the router does not log in.
 */
export const LINE_FAULTS: Record<string, "port_down" | "no_session"> = {
  "80500000007": "no_session",
};
