import {
  BLOCKABLE_KINDS,
  blockRulesFor,
  LANDLINE_MINUTE_KOP,
  OVERAGE,
  TECH_MAX_MBPS,
  TECHNICIAN_ABOVE_MBPS,
  type Technology,
} from "../../data/services.data";
import type { TariffKind } from "../../db/schema/region";
import { houseNumber, normalizeStreet } from "../../platform/address";
import { type DataAccess, type RegionDb, rawBatch } from "../../platform/db";
import { AppError, type FieldError } from "../../platform/errors";
import { newId } from "../../platform/ids";
import { dailyChargeKop, daysInMonth } from "../../platform/money";
import { addDays, daysBetween, localDay, regionsAtHour, regionTz } from "../../platform/region";
import { branchShards } from "../../platform/shard-map";
import { requireAccount } from "../accounts/accounts.service";
import { selectDirectoryEntry } from "./applications.queries";
import { createApplication, type Notify, transition } from "./applications.service";
import * as q from "./services.queries";

const dayMs = (day: string) => Date.parse(`${day}T00:00:00Z`);
const isDay = (s: string) => /^\d{4}-\d{2}-\d{2}$/.test(s) && !Number.isNaN(dayMs(s)) && new Date(dayMs(s)).toISOString().startsWith(s);

/** What a month of a tariff costs day by day from `from` to the month's end (daily charges add up to the fee exactly). */
function chargesFrom(priceKop: number, from: string): number {
  const days = daysInMonth(from);
  let total = 0;
  for (let d = Number(from.slice(8, 10)); d <= days; d++) total += dailyChargeKop(priceKop, d, days);
  return total;
}

/** Charges of a monthly price over region-local days [from, to]. */
export function chargesBetween(priceKop: number, from: string, to: string): number {
  let total = 0;
  for (let day = from; day <= to; day = addDays(day, 1)) total += dailyChargeKop(priceKop, Number(day.slice(8, 10)), daysInMonth(day));
  return total;
}

export function tariffView(t: q.ServiceRow["tariff"]) {
  return {
    id: t.id,
    kind: t.kind,
    name: { ru: t.nameRu, en: t.nameEn },
    description: { ru: t.descriptionRu, en: t.descriptionEn },
    priceKop: t.priceKop,
    speedMbps: t.speedMbps,
    tvChannels: t.tvChannels,
    minutes: t.minutes,
    dataGb: t.dataGb,
  };
}

/** The holder's service (only the contract holder changes what the account has); a stranger's is a 404. */
async function holderService(data: DataAccess, subscriberId: string, accountNo: string, serviceId: string) {
  const link = await requireAccount(data.global, subscriberId, accountNo, "owner");
  const db = data.shard(link.shard);
  const row = await q.selectService(db, link.accountNo, serviceId);
  if (!row || row.service.status === "ended") throw new AppError(404, "not_found");
  return { link, db, row, tz: regionTz(link.region) };
}

const needsTechnician = (from: { speedMbps: number | null }, to: { speedMbps: number | null; kind: TariffKind }) =>
  (to.kind === "internet" || to.kind === "bundle") &&
  (to.speedMbps ?? 0) > TECHNICIAN_ABOVE_MBPS &&
  (from.speedMbps ?? 0) <= TECHNICIAN_ABOVE_MBPS;

/**
 * The tariff change screen: the current tariff and the region's others of the
 * same kind, each with its monthly difference, what the rest of this month
 * costs on it from the change day (tomorrow, region time), and whether a
 * technician must come (then it is an application, not an instant change).
 */
export async function tariffOffer(data: DataAccess, subscriberId: string, accountNo: string, serviceId: string, now = new Date()) {
  const { link, db, row, tz } = await holderService(data, subscriberId, accountNo, serviceId);
  const effectiveDay = addDays(localDay(tz, now), 1);
  const [others, pending] = await Promise.all([
    q.selectRegionTariffs(db, link.region, row.tariff.kind),
    q.selectPendingChange(db, serviceId),
  ]);
  const restNow = chargesFrom(row.tariff.priceKop, effectiveDay);
  return {
    accountNo: link.accountNo,
    serviceId,
    current: tariffView(row.tariff),
    effectiveDay,
    pending: pending ? { toTariffId: pending.toTariffId, effectiveDay: pending.effectiveDay, status: pending.status } : null,
    alternatives: others
      .filter((t) => t.id !== row.tariff.id)
      .map((t) => ({
        ...tariffView(t),
        monthlyDiffKop: t.priceKop - row.tariff.priceKop,
        restOfMonthDiffKop: chargesFrom(t.priceKop, effectiveDay) - restNow,
        needsTechnician: needsTechnician(row.tariff, t),
      })),
  };
}

/**
 * Changes the tariff (the session confirmed an SMS code): from the next
 * region-local day, or, when a technician must come, as an application that
 * schedules the change when it is done. A second choice replaces the first.
 */
export async function changeTariff(
  data: DataAccess,
  notify: Notify,
  subscriberId: string,
  accountNo: string,
  serviceId: string,
  tariffId: string,
  /** Checks the fresh SMS code: after the holder check, so a stranger learns nothing from a 403 "code needed". */
  confirmed: () => void,
  now = new Date(),
) {
  const { link, db, row, tz } = await holderService(data, subscriberId, accountNo, serviceId);
  confirmed();
  const to = await q.selectTariff(db, tariffId);
  if (!to || to.region !== link.region || to.kind !== row.tariff.kind || !to.active || to.id === row.tariff.id)
    throw new AppError(400, "validation", {}, [{ field: "tariffId", message: "field.tariff.unavailable" }]);
  const effectiveDay = addDays(localDay(tz, now), 1);
  const technician = needsTechnician(row.tariff, to);
  // The new choice replaces a change still waiting for a technician: its application is withdrawn with it
  // (one open request per service and kind). One the technician already has stays, and the new one is refused.
  const replaced = await q.selectPendingChange(db, serviceId);
  if (replaced?.applicationId)
    await transition(data, notify, replaced.applicationId, "cancelled", "system", {}, now).catch((e: unknown) => {
      if (!(e instanceof AppError && e.status === 409)) throw e;
    });
  let applicationId: string | null = null;
  if (technician) {
    const app = await createApplication(
      data,
      notify,
      {
        region: link.region,
        subscriberId,
        kind: "tariff_change",
        accountNo: link.accountNo,
        serviceId,
        address: row.account.address,
        details: { fromTariffId: row.tariff.id, toTariffId: to.id, toTariffName: to.nameRu },
      },
      now,
    );
    applicationId = app.id;
  }
  const change = {
    id: newId(now.getTime()),
    accountNo: link.accountNo,
    serviceId,
    fromTariffId: row.tariff.id,
    toTariffId: to.id,
    effectiveDay,
    status: technician ? ("waiting" as const) : ("scheduled" as const),
    applicationId,
    newServiceId: `${serviceId.split("~")[0]}~${newId(now.getTime()).slice(-8)}`,
    createdAt: now,
  };
  await q.replacePendingChange(db, change);
  return { toTariffId: to.id, effectiveDay: technician ? null : effectiveDay, applicationId, status: change.status };
}

export async function cancelTariffChange(data: DataAccess, subscriberId: string, accountNo: string, serviceId: string) {
  const { db } = await holderService(data, subscriberId, accountNo, serviceId);
  const cancelled = await q.cancelPendingChange(db, serviceId);
  if (cancelled.length === 0) throw new AppError(404, "not_found");
}

/**
 * Cron, at a region's local midnight and before it is charged: scheduled
 * changes due today end the old service and start the new one (its options
 * move with it), each as one transaction that happens once.
 */
export async function applyTariffChanges(db: RegionDb, region: string, day: string, now = new Date()) {
  let applied = 0;
  for (const { change } of await q.selectDueChanges(db, region, day)) {
    const due = "EXISTS (SELECT 1 FROM tariff_changes WHERE id = ? AND status = 'scheduled')";
    const [, inserted] = await rawBatch(db, [
      [`UPDATE account_services SET status = 'ended' WHERE id = ? AND ${due}`, change.serviceId, change.id],
      [
        `INSERT OR IGNORE INTO account_services (id, account_no, tariff_id, status, started_at) SELECT ?, ?, ?, 'active', ? WHERE ${due}`,
        change.newServiceId,
        change.accountNo,
        change.toTariffId,
        now.getTime(),
        change.id,
      ],
      [
        `UPDATE account_options SET service_id = ? WHERE service_id = ? AND status = 'active' AND ${due}`,
        change.newServiceId,
        change.serviceId,
        change.id,
      ],
      ["UPDATE tariff_changes SET status = 'applied' WHERE id = ? AND status = 'scheduled'", change.id],
    ]);
    applied += inserted?.meta.changes ?? 0;
  }
  return applied;
}

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

/** The options each service of the account can have, which are on, and what they cost (monthly and per day now). */
export async function accountOptions(data: DataAccess, subscriberId: string, accountNo: string, now = new Date()) {
  const link = await requireAccount(data.global, subscriberId, accountNo);
  const db = data.shard(link.shard);
  const [services, options, active] = await Promise.all([
    q.selectServices(db, link.accountNo),
    q.selectRegionOptions(db, link.region),
    q.selectActiveOptions(db, link.accountNo),
  ]);
  const today = localDay(regionTz(link.region), now);
  return {
    accountNo: link.accountNo,
    canChange: link.role === "owner",
    services: services.map(({ service, tariff }) => ({
      serviceId: service.id,
      kind: tariff.kind,
      name: { ru: tariff.nameRu, en: tariff.nameEn },
      status: service.status,
      options: options
        .filter((o) => o.appliesTo === tariff.kind || (tariff.kind === "bundle" && (o.appliesTo === "internet" || o.appliesTo === "tv")))
        .map((o) => ({
          id: o.id,
          name: { ru: o.nameRu, en: o.nameEn },
          priceKop: o.priceKop,
          dailyKop: dailyChargeKop(o.priceKop, Number(addDays(today, 1).slice(8, 10)), daysInMonth(addDays(today, 1))),
          restOfMonthKop: chargesFrom(o.priceKop, addDays(today, 1)),
          on: active.some((a) => a.serviceId === service.id && a.optionId === o.id),
        })),
    })),
  };
}

/** Switches an option on (charged from the next local day) or off (no more charges); idempotent either way. */
export async function setOption(
  data: DataAccess,
  subscriberId: string,
  accountNo: string,
  serviceId: string,
  optionId: string,
  on: boolean,
  now = new Date(),
) {
  const { link, db, row } = await holderService(data, subscriberId, accountNo, serviceId);
  const options = await q.selectRegionOptions(db, link.region);
  const option = options.find((o) => o.id === optionId);
  const fits =
    option &&
    (option.appliesTo === row.tariff.kind ||
      (row.tariff.kind === "bundle" && (option.appliesTo === "internet" || option.appliesTo === "tv")));
  if (!option || !fits) throw new AppError(404, "not_found");
  if (on)
    await q.insertOption(db, {
      id: newId(now.getTime()),
      accountNo: link.accountNo,
      serviceId,
      optionId,
      status: "active",
      startedAt: now,
      endedAt: null,
    });
  else await q.endOption(db, serviceId, optionId, now);
  return { optionId, on };
}

/** The address availability check: which technologies reach this house, how fast, and the region's tariffs that fit. */
export async function coverageAt(data: DataAccess, region: string, street: string, house: string) {
  const db = data.shardForRegion(region);
  const key = normalizeStreet(street);
  const n = houseNumber(house);
  const errors: FieldError[] = [];
  if (!key) errors.push({ field: "street", message: "field.coverage.street" });
  if (n === null) errors.push({ field: "house", message: "field.coverage.house" });
  if (errors.length) throw new AppError(400, "validation", {}, errors);
  const rows = (await q.selectCoverage(db, region, key)).filter((r) => (n ?? 0) >= r.houseFrom && (n ?? 0) <= r.houseTo);
  const technologies = rows
    .map((r) => ({
      technology: r.technology as Technology,
      maxMbps: Math.min(r.maxMbps, TECH_MAX_MBPS[r.technology as Technology]),
      tv: r.tv,
    }))
    .sort((a, b) => b.maxMbps - a.maxMbps);
  const maxMbps = technologies[0]?.maxMbps ?? 0;
  const tv = technologies.some((t) => t.tv);
  const all = await q.selectRegionTariffs(db, region);
  const fits = all.filter((t) =>
    t.kind === "mobile"
      ? true
      : t.kind === "internet" || t.kind === "bundle"
        ? maxMbps > 0 && (t.speedMbps ?? 0) <= maxMbps
        : t.kind === "tv"
          ? tv
          : maxMbps > 0,
  );
  return {
    region,
    street: rows[0]?.street ?? street,
    house,
    available: technologies.length > 0,
    maxMbps,
    technologies,
    tariffs: fits.map(tariffView),
  };
}

export async function streetSuggestions(data: DataAccess, region: string, typed: string) {
  const key = normalizeStreet(typed);
  if (key.length < 2) return [];
  return (await q.selectStreets(data.shardForRegion(region), region, key)).map((r) => r.street);
}

/** The days of [from, to] in each calendar year it touches. */
function daysByYear(from: string, to: string): Map<string, number> {
  const out = new Map<string, number>();
  for (let y = Number(from.slice(0, 4)); y <= Number(to.slice(0, 4)); y++) {
    const first = from > `${y}-01-01` ? from : `${y}-01-01`;
    const last = to < `${y}-12-31` ? to : `${y}-12-31`;
    out.set(String(y), daysBetween(first, last));
  }
  return out;
}

/** The block's price and saving: the charges of its days (tariff and options) that will not be made, less the fee. */
async function blockTerms(db: RegionDb, svc: q.ServiceRow, region: string, from: string, to: string, today: string, exceptId?: string) {
  const rules = blockRulesFor(region);
  const errors: FieldError[] = [];
  const valid = isDay(from) && isDay(to);
  if (!valid) errors.push({ field: "from", message: "field.block.dates" });
  const days = valid ? daysBetween(from, to) : 0;
  if (valid && from <= today) errors.push({ field: "from", message: "field.block.tomorrow" });
  if (valid && to < from) errors.push({ field: "to", message: "field.block.order" });
  else if (valid && (days < rules.minDays || days > rules.maxDays))
    errors.push({ field: "to", message: "field.block.length", params: { min: rules.minDays, max: rules.maxDays } });
  if (!(BLOCKABLE_KINDS as readonly string[]).includes(svc.tariff.kind)) errors.push({ field: "serviceId", message: "field.block.kind" });
  const existing = (await q.selectServiceBlocks(db, svc.service.id)).filter((b) => b.id !== exceptId);
  if (valid && existing.some((b) => b.status !== "ended" && b.fromDay <= to && b.toDay >= from))
    errors.push({ field: "from", message: "field.block.overlap" });
  // The yearly allowance is per calendar year: a block over New Year counts each day to its own year.
  const used = new Map<string, number>();
  for (const b of existing) for (const [y, n] of daysByYear(b.fromDay, b.toDay)) used.set(y, (used.get(y) ?? 0) + n);
  const mine = valid && to >= from ? daysByYear(from, to) : new Map<string, number>();
  const usedThisYear = used.get(from.slice(0, 4)) ?? 0;
  if ([...mine].some(([y, n]) => (used.get(y) ?? 0) + n > rules.maxDaysPerYear))
    errors.push({ field: "to", message: "field.block.year", params: { max: rules.maxDaysPerYear } });
  const options = await q.selectActiveOptions(db, svc.service.accountNo);
  const optionPrices = (await q.selectRegionOptions(db, region))
    .filter((o) => options.some((a) => a.serviceId === svc.service.id && a.optionId === o.id))
    .reduce((t, o) => t + o.priceKop, 0);
  const savedKop = valid && to >= from ? chargesBetween(svc.tariff.priceKop, from, to) + chargesBetween(optionPrices, from, to) : 0;
  let paidDays = 0;
  for (const [y, n] of mine) paidDays += Math.max(0, n - Math.max(0, rules.freeDaysPerYear - (used.get(y) ?? 0)));
  const feeKop = paidDays * rules.feePerDayKop;
  return { rules, days, savedKop, feeKop, savingKop: savedKop - feeKop, usedThisYear, errors };
}

/** The block calendar's figures for a chosen period, with what is wrong with it (if anything). */
export async function blockQuote(
  data: DataAccess,
  subscriberId: string,
  accountNo: string,
  serviceId: string,
  from: string,
  to: string,
  now = new Date(),
) {
  const { link, db, row, tz } = await holderService(data, subscriberId, accountNo, serviceId);
  const terms = await blockTerms(db, row, link.region, from, to, localDay(tz, now));
  return { serviceId, from, to, ...terms, errors: terms.errors.map((e) => e.message), earliest: addDays(localDay(tz, now), 1) };
}

/** Orders a voluntary block: an application the calendar carries out (start and end by the cron, in the region's time). */
export async function createBlock(
  data: DataAccess,
  notify: Notify,
  subscriberId: string,
  accountNo: string,
  serviceId: string,
  from: string,
  to: string,
  now = new Date(),
) {
  const { link, db, row, tz } = await holderService(data, subscriberId, accountNo, serviceId);
  const terms = await blockTerms(db, row, link.region, from, to, localDay(tz, now));
  if (terms.errors.length) throw new AppError(400, "validation", {}, terms.errors);
  const app = await createApplication(
    data,
    notify,
    {
      region: link.region,
      subscriberId,
      kind: "block",
      accountNo: link.accountNo,
      serviceId,
      address: row.account.address,
      details: { fromDay: from, toDay: to, feeKop: terms.feeKop, savingKop: terms.savingKop, service: row.tariff.nameRu },
    },
    now,
  );
  const block = {
    id: newId(now.getTime()),
    accountNo: link.accountNo,
    serviceId,
    region: link.region,
    fromDay: from,
    toDay: to,
    status: "scheduled" as const,
    feeKop: terms.feeKop,
    applicationId: app.id,
    createdAt: now,
  };
  await q.insertBlock(db, block);
  return { ...block, number: app.number, savingKop: terms.savingKop, createdAt: now.toISOString() };
}

export async function listBlocks(data: DataAccess, subscriberId: string, accountNo: string) {
  const link = await requireAccount(data.global, subscriberId, accountNo);
  return (await q.selectAccountBlocks(data.shard(link.shard), link.accountNo)).map((b) => ({ ...b, createdAt: b.createdAt.toISOString() }));
}

/** Cancels a block before it starts, or ends one early (services back on now, charged from the next local day). */
export async function endBlock(
  data: DataAccess,
  notify: Notify,
  subscriberId: string,
  accountNo: string,
  blockId: string,
  now = new Date(),
) {
  const link = await requireAccount(data.global, subscriberId, accountNo, "owner");
  const db = data.shard(link.shard);
  const block = await q.selectBlock(db, blockId);
  if (!block || block.accountNo !== link.accountNo || (block.status !== "scheduled" && block.status !== "active"))
    throw new AppError(404, "not_found");
  if (block.status === "scheduled") {
    await rawBatch(db, [["UPDATE voluntary_blocks SET status = 'cancelled' WHERE id = ? AND status = 'scheduled'", block.id]]);
    // A block's application lives on its account's shard.
    await transition(data, notify, block.applicationId, "cancelled", "subscriber", { subscriberId, db }, now);
    return { status: "cancelled" as const };
  }
  await finishBlock(data, notify, db, block, now, "early", subscriberId);
  return { status: "ended" as const };
}

/** Ends an active block; `holderId` is the subscriber who ends it early (else found through the directory). */
async function finishBlock(
  data: DataAccess,
  notify: Notify,
  db: RegionDb,
  block: q.Block,
  now: Date,
  why: "calendar" | "early",
  holderId?: string,
) {
  const [ended] = await rawBatch(db, [
    ["UPDATE voluntary_blocks SET status = 'ended' WHERE id = ? AND status = 'active'", block.id],
    ["UPDATE account_services SET status = 'active' WHERE id = ? AND status = 'suspended' AND changes() = 1", block.serviceId],
  ]);
  if ((ended?.meta.changes ?? 0) !== 1) return false;
  await transition(
    data,
    notify,
    block.applicationId,
    "done",
    "system",
    { comment: why === "early" ? "ended early by the subscriber" : null, db },
    now,
  ).catch(() => undefined);
  await notify({
    channel: "event",
    eventId: `block:${block.id}:end`,
    kind: "block",
    subscriberId: holderId ?? (await holderOf(data, block.applicationId)),
    accountNo: block.accountNo,
    params: { phase: "end", day: block.toDay },
  });
  return true;
}

async function holderOf(data: DataAccess, applicationId: string) {
  return (await selectDirectoryEntry(data.global, applicationId))?.subscriberId ?? "";
}

/** Cron, at each region's local midnight (before the day is charged): tariff changes due, blocks that start or end. */
export async function servicesAtMidnight(data: DataAccess, notify: Notify, at: Date) {
  const out = { tariffChanges: 0, blocksStarted: 0, blocksEnded: 0 };
  for (const r of regionsAtHour(at, 0)) {
    const day = localDay(r.tz, at);
    out.tariffChanges += await applyTariffChanges(data.shardForRegion(r.code), r.code, day, at);
    const b = await applyBlocks(data, notify, r.code, day, at);
    out.blocksStarted += b.started;
    out.blocksEnded += b.ended;
  }
  return out;
}

/**
 * Cron, at a region's local midnight and before it is charged: blocks that
 * begin today suspend their service (so today is not charged) and charge the
 * fee once; blocks over by today put the service back (today is charged).
 */
export async function applyBlocks(data: DataAccess, notify: Notify, region: string, day: string, now = new Date()) {
  let started = 0;
  let ended = 0;
  // A block is kept with its account, on whichever shard of the region's branch holds it.
  for (const shard of await branchShards(data, region)) {
    const n = await applyBlocksOn(data, data.shard(shard), notify, region, day, now);
    started += n.started;
    ended += n.ended;
  }
  return { started, ended };
}

async function applyBlocksOn(data: DataAccess, db: RegionDb, notify: Notify, region: string, day: string, now: Date) {
  const [starting, ending] = await q.selectBlocksDue(db, region, day);
  let started = 0;
  let ended = 0;
  for (const b of starting) {
    if (b.toDay < day) {
      // Missed entirely (the cron did not run for its days): nothing to block any more.
      await rawBatch(db, [["UPDATE voluntary_blocks SET status = 'ended' WHERE id = ? AND status = 'scheduled'", b.id]]);
      continue;
    }
    const t = now.getTime();
    const [claimed] = await rawBatch(db, [
      ["UPDATE voluntary_blocks SET status = 'active' WHERE id = ? AND status = 'scheduled'", b.id],
      ["UPDATE account_services SET status = 'suspended' WHERE id = ? AND status = 'active' AND changes() = 1", b.serviceId],
      [
        `INSERT INTO ledger_entries (id, account_no, kind, amount_kop, occurred_at, local_day, service_id, description_ru, description_en, idempotency_key, created_at)
           SELECT ?, ?, 'charge', ?, ?, ?, ?, 'Плата за добровольную блокировку', 'Voluntary block fee', ?, ?
           WHERE ? > 0 AND EXISTS (SELECT 1 FROM voluntary_blocks WHERE id = ? AND status = 'active')
           ON CONFLICT (idempotency_key) DO NOTHING`,
        newId(t),
        b.accountNo,
        -b.feeKop,
        t,
        day,
        b.serviceId,
        `block:${b.id}:fee`,
        t,
        b.feeKop,
        b.id,
      ],
    ]);
    if ((claimed?.meta.changes ?? 0) !== 1) continue;
    started++;
    await transition(data, notify, b.applicationId, "in_work", "system", {}, now).catch(() => undefined);
    await notify({
      channel: "event",
      eventId: `block:${b.id}:start`,
      kind: "block",
      subscriberId: await holderOf(data, b.applicationId),
      accountNo: b.accountNo,
      params: { phase: "start", day: b.toDay },
    });
  }
  for (const b of ending) if (await finishBlock(data, notify, db, b, now, "calendar")) ended++;
  return { started, ended };
}
