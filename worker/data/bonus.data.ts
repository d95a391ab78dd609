import type { TariffKind } from "../db/schema/region";

/**
 * The loyalty programme «Бонус» (data, not code): 1 point = 1 ₽ of discount.
 * Points are a share of every paid charge, by kind of service, with regional
 * terms; monthly bonus while autopay is on; a yearly bonus for tenure. Earned
 * points expire after `expiryMonths`. Leaving forfeits the balance.
 */
export const BONUS_RULES = {
  version: "2026-11",
  /** Per cent of charges paid, by kind of service. */
  ratePct: { internet: 5, tv: 5, landline: 3, mobile: 7, bundle: 5 } as Record<TariffKind, number>,
  /** Regional terms that differ from the above. */
  regionRatePct: {
    msk: { mobile: 5 },
    spb: { mobile: 5 },
    vl: { internet: 7, bundle: 7 },
  } as Record<string, Partial<Record<TariffKind, number>>>,
  autopayMonthly: 50,
  tenureYearly: 100,
  expiryMonths: 12,
} as const;

export function ratesFor(region: string): Record<TariffKind, number> {
  return { ...BONUS_RULES.ratePct, ...(BONUS_RULES.regionRatePct[region] ?? {}) };
}

/** Points for charges (kopecks) by kind of service in a region: the share, in whole roubles, rounded down. */
export function pointsForCharges(region: string, kopByKind: Partial<Record<TariffKind, number>>): number {
  const rates = ratesFor(region);
  let hundredths = 0;
  for (const [kind, kop] of Object.entries(kopByKind)) hundredths += (kop ?? 0) * rates[kind as TariffKind];
  // kop × pct / 100 = kopecks of points; / 100 = roubles = points.
  return Math.floor(hundredths / 10_000);
}

export const REWARD_KINDS = ["discount", "traffic", "partner"] as const;
export type RewardKind = (typeof REWARD_KINDS)[number];

export interface Reward {
  id: string;
  kind: RewardKind;
  /** Regions where it is offered; "*" everywhere. */
  regions: readonly string[] | "*";
  cost: number;
  titleRu: string;
  titleEn: string;
  /** discount: kopecks credited to the account. */
  valueKop?: number;
  /** The partner's name in each language (it stayed Russian in English). */
  partner?: { ru: string; en: string };
  /** A service the account must have for the reward to be of use (mobile data needs a mobile service). */
  needs?: "mobile";
}

export const REWARDS: readonly Reward[] = [
  {
    id: "discount-100",
    kind: "discount",
    regions: "*",
    cost: 100,
    valueKop: 10_000,
    titleRu: "Скидка 100 ₽ на услуги",
    titleEn: "100 ₽ off services",
  },
  {
    id: "discount-300",
    kind: "discount",
    regions: "*",
    cost: 290,
    valueKop: 30_000,
    titleRu: "Скидка 300 ₽ на услуги",
    titleEn: "300 ₽ off services",
  },
  {
    id: "traffic-5gb",
    kind: "traffic",
    regions: "*",
    cost: 150,
    needs: "mobile",
    titleRu: "Дополнительные 5 ГБ мобильного интернета",
    titleEn: "Extra 5 GB of mobile data",
  },
  {
    id: "partner-books",
    kind: "partner",
    regions: "*",
    cost: 200,
    partner: { ru: "Книжный", en: "Bookshop" },
    titleRu: "Сертификат 300 ₽ в книжный магазин",
    titleEn: "300 ₽ bookshop voucher",
  },
  {
    id: "partner-taxi",
    kind: "partner",
    regions: ["msk", "spb", "mo", "lo"],
    cost: 250,
    partner: { ru: "Такси", en: "Taxi" },
    titleRu: "Скидка 20% на 5 поездок в такси",
    titleEn: "20% off 5 taxi rides",
  },
  {
    id: "partner-cinema",
    kind: "partner",
    regions: ["kzn", "ekb", "nsk", "vl", "krasnodar"],
    cost: 180,
    partner: { ru: "Кино", en: "Cinema" },
    titleRu: "Два билета в кино по цене одного",
    titleEn: "Two cinema tickets for one",
  },
];

export function rewardsFor(region: string): Reward[] {
  return REWARDS.filter((r) => r.regions === "*" || r.regions.includes(region));
}
