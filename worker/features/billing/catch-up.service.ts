import { asc, eq } from "drizzle-orm";
import { cronProgress, ledgerEntries } from "../../db/schema/region";
import type { AccountScope } from "../../platform/arriving";
import { type DataAccess, type RegionDb, rawBatch } from "../../platform/db";
import { addDays, localDay, localInstant, regionTz } from "../../platform/region";
import { chargeAccountDay } from "./billing.service";
import { closeMonthStatements, monthDays } from "./ledger.service";
import { nextMonth } from "./period-close.service";

/** How far a region's midnight charge and month close have got: local days (YYYY-MM-DD), '' for a job never run. */
export interface RegionBillingDone {
  chargedTo: string;
  closedTo: string;
  /** The region's bonus run (`cron_progress` job "bonus"): the last local day whose points were earned. */
  bonusTo: string;
  /** The region's balance alerts (job "alerts"), as read now (a month is closed once every daily job is past it). */
  alertsTo?: string;
}

/** The region's midnight charge and month close as recorded done (`cron_progress` on its home shard): one query. */
export async function regionBillingDone(data: DataAccess, region: string): Promise<RegionBillingDone> {
  const rows = await data
    .shardForRegion(region)
    .select({ job: cronProgress.job, doneDay: cronProgress.doneDay })
    .from(cronProgress)
    .where(eq(cronProgress.region, region))
    .all();
  const done = (job: string) => rows.find((r) => r.job === job)?.doneDay ?? "";
  return { chargedTo: done("midnight"), closedTo: done("close"), bonusTo: done("bonus"), alertsTo: done("alerts") };
}

/** The account number just before `accountNo` among numbers of its length: a close page of this account alone. */
function justBefore(accountNo: string): string {
  return accountNo.slice(0, -1) + String.fromCharCode(accountNo.charCodeAt(accountNo.length - 1) - 1);
}

/** How a catch-up is run: within the caller's query budget, and for an account the shard's jobs still keep away from. */
export interface CatchUpOptions {
  /** Whether the next day's (or month's) work may start: else the catch-up stops there, not done (call again). */
  more?: () => boolean;
  /**
   * Which accounts its statements take: the settled ones (the default, once the account is the shard's own), or also
   * one still arriving (`writableHere`), kept from the shard's jobs while the catch-up takes as many calls as it needs.
   */
  taken?: AccountScope;
}

/** What a catch-up did, how far the account now is, and whether it got all the way to `until`. */
export interface CatchUp {
  days: string[];
  months: string[];
  /** How far the account is caught up: `since` moved on by what was done. */
  reached: RegionBillingDone;
  done: boolean;
}

/**
 * Does for one account, on the shard that now holds it (`db`), what its region's midnight charge and month close did
 * while they passed it by — a shard move had it frozen on its source (or arriving on its target), and every job over
 * a shard's accounts skips such an account (`settledHere`). `since` is how far the region had got just before the
 * freeze (or how far an earlier call of this caught the account up), `until` how far it has got now: the days charged
 * in between are charged for the account (each with the region's own entries and keys, `charge:<service>:<day>`),
 * then the months closed in between are closed for it (oldest first, the region's own statements). Safe to repeat and
 * to race the region's jobs: a day already charged and a month already closed change nothing, so each is done exactly
 * once whichever runs first. Days after `until` are the region's jobs', which take the account from now on. It stops
 * before a day or a month when `opts.more` says the caller's budget is spent (`done` false, `reached` how far it got).
 */
export async function catchUpAccount(
  db: RegionDb,
  region: string,
  accountNo: string,
  since: RegionBillingDone,
  until: RegionBillingDone,
  frozenAt: Date,
  now: Date,
  /** What the region's run does before a day's charge (its tariff changes due), done for the account first. */
  beforeDay?: (day: string, at: Date) => Promise<unknown>,
  /**
   * What the region's runs did between the charges and the month's close (the bonus run earns on the last day's
   * charge rows at night, the close rolls them up after the morning's alerts), done for the account once its days
   * are charged and before its months are closed; false when it stopped for the budget (the months wait).
   */
  beforeClose?: () => Promise<boolean | undefined>,
  opts: CatchUpOptions = {},
): Promise<CatchUp> {
  const tz = regionTz(region);
  const out: CatchUp = { days: [], months: [], reached: { ...since }, done: false };
  const more = opts.more ?? (() => true);
  // A region that had never charged before the freeze started with its due day: the day of the freeze at the earliest.
  const fromDay = since.chargedTo === "" ? localDay(tz, frozenAt) : addDays(since.chargedTo, 1);
  for (let day = fromDay; until.chargedTo !== "" && day <= until.chargedTo; day = addDays(day, 1)) {
    if (!more()) return out;
    // As the region's run does: "at" the day's local midnight, or now if that is still ahead.
    const at = new Date(Math.min(localInstant(tz, day, 0).getTime(), now.getTime()));
    await beforeDay?.(day, at);
    await chargeAccountDay(db, region, accountNo, day, at, opts.taken);
    out.days.push(day);
    out.reached.chargedTo = day;
  }
  if ((await beforeClose?.()) === false) return out;
  if (until.closedTo === "" || until.closedTo <= since.closedTo) return { ...out, done: true };
  let month: string;
  if (since.closedTo !== "") month = nextMonth(since.closedTo.slice(0, 7));
  else {
    // A region that had never closed starts at its first entry's month: the account's is where its months begin.
    const first = await db
      .select({ day: ledgerEntries.localDay })
      .from(ledgerEntries)
      .where(eq(ledgerEntries.accountNo, accountNo))
      .orderBy(asc(ledgerEntries.occurredAt), asc(ledgerEntries.id))
      .limit(1)
      .get();
    if (!first) return { ...out, done: true };
    month = first.day.slice(0, 7);
  }
  const lastMonth = until.closedTo.slice(0, 7);
  for (; month <= lastMonth; month = nextMonth(month)) {
    if (!more()) return out;
    await rawBatch(db, closeMonthStatements(region, month, justBefore(accountNo), accountNo, now, opts.taken));
    out.months.push(month);
    // As the region's close records it: the month's last day.
    out.reached.closedTo = monthDays(month).last;
  }
  return { ...out, done: true };
}
