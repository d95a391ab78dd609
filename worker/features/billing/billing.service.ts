import { and, eq, gt, type SQL, sql } from "drizzle-orm";
import { accountOptions, accountServices, accounts, serviceOptions, tariffs } from "../../db/schema/region";
import { type AccountScope, settledHere } from "../../platform/arriving";
import type { RegionDb } from "../../platform/db";
import { daysInMonth } from "../../platform/money";
import { localDay, regionsAtHour } from "../../platform/region";
import { appendSelected, dayIsOpen } from "./ledger.service";

/** Services charged per statement: keeps each D1 query small, whatever the shard's size. */
export const CHARGE_BATCH = 2000;

/**
 * Charges every active service of a region for its local day: one ledger
 * entry per service and day, keyed `charge:<service>:<day>`, so running it
 * twice (or concurrently) charges once. Works through the shard in batches by
 * rowid, so 100,000 accounts are a few dozen small statements.
 */
export async function chargeDay(db: RegionDb, region: string, day: string, now = new Date()): Promise<number> {
  const part = await chargeDayPart(db, region, day, now, 0, Number.POSITIVE_INFINITY);
  return part.charged;
}

/**
 * Part of a region's day: the services after rowid `afterRowid`, at most
 * `maxBatches` batches of CHARGE_BATCH (two statements each), then, once the
 * services are done, the day's options. `next` is where to go on from, or
 * null when the day is fully charged: a region of millions is charged over
 * several queue messages, each within an invocation's D1 queries.
 */
export async function chargeDayPart(
  db: RegionDb,
  region: string,
  day: string,
  now: Date,
  afterRowid: number,
  maxBatches: number,
): Promise<{ charged: number; next: number | null }> {
  const occurredAt = now.getTime();
  let lastRowid = afterRowid;
  let charged = 0;
  for (let batches = 0; ; batches++) {
    if (batches >= maxBatches) return { charged, next: lastRowid };
    const batch = await db
      .select({ rowid: sql<number>`${accountServices}.rowid`, id: accountServices.id })
      .from(accountServices)
      .innerJoin(accounts, eq(accounts.accountNo, accountServices.accountNo))
      .where(
        and(
          eq(accounts.region, region),
          eq(accounts.status, "active"),
          eq(accountServices.status, "active"),
          settledHere(accounts.accountNo),
          gt(sql`${accountServices}.rowid`, lastRowid),
        ),
      )
      .orderBy(sql`${accountServices}.rowid`)
      .limit(CHARGE_BATCH)
      .all();
    if (batch.length === 0) break;
    const from = batch[0]?.rowid ?? 0;
    const to = batch[batch.length - 1]?.rowid ?? 0;
    charged += await chargeServices(db, region, day, occurredAt, sql`s.rowid BETWEEN ${from} AND ${to}`);
    lastRowid = to;
    if (batch.length < CHARGE_BATCH) break;
  }
  charged += await chargeOptions(db, region, day, occurredAt, sql`true`);
  return { charged, next: null };
}

/** A monthly price's share of the day (its 1/days-in-month, the kopecks spread so the month sums to the price). */
function dayShare(priceKop: SQL, day: string): SQL {
  // D1 binds every JavaScript number as REAL: the division must see integers, or a day's charge has fractions of a kopeck.
  const d = sql`CAST(${Number(day.slice(8, 10))} AS INTEGER)`;
  const days = sql`CAST(${daysInMonth(day)} AS INTEGER)`;
  return sql`(${priceKop} * ${d}) / ${days} - (${priceKop} * (${d} - 1)) / ${days}`;
}

/** The day's charge of the region's active services that `scope` (a condition on `s`) picks; key `charge:<service>:<day>`. */
function chargeServices(
  db: RegionDb,
  region: string,
  day: string,
  occurredAt: number,
  scope: SQL,
  taken: AccountScope = settledHere,
): Promise<number> {
  const dayKop = dayShare(sql`t.price_kop`, day);
  return appendSelected(
    db,
    {
      id: sql`'chg-' || s.id || '-' || ${day}`,
      accountNo: sql`s.account_no`,
      kind: sql`'charge'`,
      amountKop: sql`-(${dayKop})`,
      occurredAt: sql`${occurredAt}`,
      localDay: sql`${day}`,
      serviceId: sql`s.id`,
      descriptionRu: sql`'Абонентская плата: ' || t.name_ru`,
      descriptionEn: sql`'Subscription fee: ' || t.name_en`,
      idempotencyKey: sql`'charge:' || s.id || ':' || ${day}`,
      createdAt: sql`${occurredAt}`,
    },
    sql`FROM ${accountServices} s
    JOIN ${tariffs} t ON t.id = s.tariff_id
    JOIN ${accounts} a ON a.account_no = s.account_no
    WHERE ${scope}
      AND a.region = ${region} AND a.status = 'active' AND s.status = 'active'
      AND ${taken(sql`s.account_no`)}
      AND ${dayKop} > 0`,
  );
}

/** The day's charge of the options switched on for active services that `scope` (a condition on `o`) picks, prorated the same way; key `charge:opt:<option>:<day>`. */
function chargeOptions(
  db: RegionDb,
  region: string,
  day: string,
  occurredAt: number,
  scope: SQL,
  taken: AccountScope = settledHere,
): Promise<number> {
  const optionKop = dayShare(sql`so.price_kop`, day);
  return appendSelected(
    db,
    {
      id: sql`'chg-opt-' || o.id || '-' || ${day}`,
      accountNo: sql`o.account_no`,
      kind: sql`'charge'`,
      amountKop: sql`-(${optionKop})`,
      occurredAt: sql`${occurredAt}`,
      localDay: sql`${day}`,
      serviceId: sql`o.service_id`,
      descriptionRu: sql`'Дополнительная услуга: ' || so.name_ru`,
      descriptionEn: sql`'Add-on: ' || so.name_en`,
      idempotencyKey: sql`'charge:opt:' || o.id || ':' || ${day}`,
      createdAt: sql`${occurredAt}`,
    },
    sql`FROM ${accountOptions} o
    JOIN ${serviceOptions} so ON so.id = o.option_id
    JOIN ${accountServices} s ON s.id = o.service_id
    JOIN ${accounts} a ON a.account_no = o.account_no
    WHERE ${scope}
      AND o.status = 'active' AND s.status = 'active' AND a.status = 'active' AND a.region = ${region}
      AND ${taken(sql`o.account_no`)}
      AND ${optionKop} > 0`,
  );
}

/**
 * One account's charge for a region-local day, exactly as the region's midnight charge makes it (the same entries
 * and keys, so a day charged either way is charged once): for a day the region's charge passed the account by
 * while a shard move had it frozen or arriving.
 */
export async function chargeAccountDay(
  db: RegionDb,
  region: string,
  accountNo: string,
  day: string,
  now: Date,
  taken: AccountScope = settledHere,
): Promise<number> {
  const at = now.getTime();
  // Never a day of a month already closed for the account (its charges are in the month's roll-up): a catch-up that
  // closed a month and died before saving how far it got goes over its days again.
  const open = dayIsOpen(day, accountNo);
  return (
    (await chargeServices(db, region, day, at, sql`s.account_no = ${accountNo} AND ${open}`, taken)) +
    (await chargeOptions(db, region, day, at, sql`o.account_no = ${accountNo} AND ${open}`, taken))
  );
}

/** Regions whose local time is in the midnight hour at `at`: their new day is charged now. */
export function regionsAtMidnight(at: Date): { code: string; day: string }[] {
  return regionsAtHour(at, 0).map((r) => ({ code: r.code, day: localDay(r.tz, at) }));
}

export type { NewEntry } from "./ledger.service";
export { appendEntry, balanceOf } from "./ledger.service";
