import { LANDLINE_MINUTE_KOP, OVERAGE } from "../../data/services.data";
import type { TariffKind } from "../../db/schema/region";
import type { DataAccess } from "../../platform/db";
import { daysInMonth } from "../../platform/money";
import { localDay } from "../../platform/region";
import { tariffView } from "../regions/regions.service";
import * as q from "./services.queries";
import { holderService } from "./services.service";

/** The three full months before this one (region calendar): what the advisor replays. */
function lastMonths(today: string, n = 3): { month: string; from: string; to: string }[] {
  const [y, m] = today.split("-").map(Number) as [number, number];
  const out: { month: string; from: string; to: string }[] = [];
  for (let i = n; i >= 1; i--) {
    const d = new Date(Date.UTC(y, m - 1 - i, 1));
    const month = d.toISOString().slice(0, 7);
    out.push({ month, from: `${month}-01`, to: `${month}-${String(daysInMonth(`${month}-01`)).padStart(2, "0")}` });
  }
  return out;
}

type MonthUsage = {
  minutes: number;
  longDistance: number;
  international: number;
  mobileMinutes: number;
  localMinutes: number;
  dataKb: number;
  paidSms: number;
};

/** What a month of this usage would have cost on a tariff: the fee and what goes beyond its package. */
export function costOnTariff(
  t: { code: string; kind: TariffKind; priceKop: number; minutes: number | null; dataGb: number | null },
  u: MonthUsage,
) {
  let extra = u.international * OVERAGE.internationalMinuteKop;
  if (t.kind === "mobile" || (t.kind === "bundle" && t.minutes !== null)) {
    extra += Math.max(0, u.minutes - (t.minutes ?? 0)) * OVERAGE.mobileMinuteKop;
    // A bundle's own traffic is home internet, unlimited: only a mobile line's gigabytes count against a package.
    if (t.kind === "mobile") extra += Math.max(0, Math.ceil(u.dataKb / (1024 * 1024)) - (t.dataGb ?? 0)) * OVERAGE.mobileGbKop;
    extra += u.paidSms * OVERAGE.smsKop;
  } else if (t.kind === "landline") {
    const per = LANDLINE_MINUTE_KOP[t.code] ?? { local: 0, mobile: 0 };
    extra += u.localMinutes * per.local + u.mobileMinutes * per.mobile + u.longDistance * OVERAGE.longDistanceMinuteKop;
  }
  return { feeKop: t.priceKop, extraKop: extra, totalKop: t.priceKop + extra };
}

/**
 * The tariff advisor: the service's last three months of usage replayed on
 * every tariff of its kind in the region, with what each would have cost.
 */
export async function advisor(data: DataAccess, subscriberId: string, accountNo: string, serviceId: string, now = new Date()) {
  const { link, db, row, tz } = await holderService(data, subscriberId, accountNo, serviceId);
  const months = lastMonths(localDay(tz, now));
  const first = months[0];
  const last = months.at(-1);
  const rows = first && last ? await q.selectMonthlyUsage(db, serviceId, first.from, last.to) : [];
  const usage = new Map<string, MonthUsage>(
    months.map((m) => [
      m.month,
      { minutes: 0, longDistance: 0, international: 0, mobileMinutes: 0, localMinutes: 0, dataKb: 0, paidSms: 0 },
    ]),
  );
  for (const r of rows) {
    const u = usage.get(r.month);
    if (!u) continue;
    const minutes = Number(r.minutes);
    if (r.category === "call_local") u.localMinutes += minutes;
    if (r.category === "call_mobile") u.mobileMinutes += minutes;
    if (r.category === "call_long_distance") u.longDistance += minutes;
    if (r.category === "call_international") u.international += minutes;
    if (r.category === "call_local" || r.category === "call_mobile" || r.category === "call_long_distance") u.minutes += minutes;
    if (r.category === "internet") u.dataKb += Number(r.volumeKb);
    if (r.category === "sms" && r.direction === "out") u.paidSms += Number(r.count);
  }
  const tariffs = await q.selectRegionTariffs(db, link.region, row.tariff.kind);
  const code = (id: string) => id.slice(link.region.length + 1);
  const options = tariffs.map((t) => {
    const perMonth = months.map((m) => ({ month: m.month, ...costOnTariff({ ...t, code: code(t.id) }, usage.get(m.month) as MonthUsage) }));
    return {
      tariff: tariffView(t),
      current: t.id === row.tariff.id,
      months: perMonth,
      totalKop: perMonth.reduce((s, m) => s + m.totalKop, 0),
    };
  });
  options.sort((a, b) => a.totalKop - b.totalKop);
  const current = options.find((o) => o.current);
  // A flat internet tariff is cheaper when slower: "best" is the cheapest that is not slower than what the subscriber has.
  const slower = (o: (typeof options)[number]) => (o.tariff.speedMbps ?? 0) < (row.tariff.speedMbps ?? 0);
  return {
    accountNo: link.accountNo,
    serviceId,
    months: months.map((m) => ({ month: m.month, ...(usage.get(m.month) as MonthUsage) })),
    options: options.map((o) => ({ ...o, slower: slower(o), savingKop: current ? current.totalKop - o.totalKop : 0 })),
    best: options.find((o) => !slower(o))?.tariff.id ?? null,
  };
}
