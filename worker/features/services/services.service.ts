import type { DataAccess } from "../../platform/db";
import { AppError } from "../../platform/errors";
import { dailyChargeKop, daysInMonth } from "../../platform/money";
import { addDays, regionTz } from "../../platform/region";
import { requireAccount } from "../accounts/accounts.service";
import * as q from "./services.queries";

/**
 * What the services feature's jobs share: a tariff as the screens show it,
 * the holder's service, and a monthly price prorated over days. Each job has
 * its own service: tariff-change, advisor, options, coverage, blocks and the
 * midnight cron (services-midnight).
 */

/** What a month of a tariff costs day by day from `from` to the month's end (daily charges add up to the fee exactly). */
export function chargesFrom(priceKop: number, from: string): number {
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

/** The holder's service (only the contract holder changes what the account has); a stranger's is a 404. */
export async function holderService(data: DataAccess, subscriberId: string, accountNo: string, serviceId: string) {
  const link = await requireAccount(data, subscriberId, accountNo, "owner");
  const db = data.shard(link.shard);
  const row = await q.selectService(db, link.accountNo, serviceId);
  if (!row || row.service.status === "ended") throw new AppError(404, "not_found");
  return { link, db, row, tz: regionTz(link.region) };
}
