import { and, eq, gt, sql } from "drizzle-orm";
import { accountServices, accounts, type LedgerKind, ledgerEntries, tariffs } from "../../db/schema/region";
import type { RegionDb } from "../../platform/db";
import { newId } from "../../platform/ids";
import { daysInMonth } from "../../platform/money";
import { localDay, regionsAtHour } from "../../platform/region";

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
  const days = daysInMonth(day);
  const d = Number(day.slice(8, 10));
  // D1 binds every JavaScript number as REAL: the division must see integers, or a day's charge has fractions of a kopeck.
  const dayInt = sql`CAST(${d} AS INTEGER)`;
  const daysInt = sql`CAST(${days} AS INTEGER)`;
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
          gt(sql`${accountServices}.rowid`, lastRowid),
        ),
      )
      .orderBy(sql`${accountServices}.rowid`)
      .limit(CHARGE_BATCH)
      .all();
    if (batch.length === 0) break;
    const from = batch[0]?.rowid ?? 0;
    const to = batch[batch.length - 1]?.rowid ?? 0;
    const result = await db.run(sql`
      INSERT OR IGNORE INTO ${ledgerEntries}
        (id, account_no, kind, amount_kop, occurred_at, local_day, service_id, description_ru, description_en, idempotency_key, created_at)
      SELECT 'chg-' || s.id || '-' || ${day}, s.account_no, 'charge',
             -((t.price_kop * ${dayInt}) / ${daysInt} - (t.price_kop * (${dayInt} - 1)) / ${daysInt}),
             ${occurredAt}, ${day}, s.id,
             'Абонентская плата: ' || t.name_ru, 'Subscription fee: ' || t.name_en,
             'charge:' || s.id || ':' || ${day}, ${occurredAt}
      FROM ${accountServices} s
      JOIN ${tariffs} t ON t.id = s.tariff_id
      JOIN ${accounts} a ON a.account_no = s.account_no
      WHERE s.rowid BETWEEN ${from} AND ${to}
        AND a.region = ${region} AND a.status = 'active' AND s.status = 'active'
        AND (t.price_kop * ${dayInt}) / ${daysInt} - (t.price_kop * (${dayInt} - 1)) / ${daysInt} > 0`);
    charged += result.meta.changes ?? 0;
    lastRowid = to;
    if (batch.length < CHARGE_BATCH) break;
  }
  // Options switched on for active services, prorated the same way; key `charge:opt:<option>:<day>`.
  const options = await db.run(sql`
    INSERT OR IGNORE INTO ledger_entries
      (id, account_no, kind, amount_kop, occurred_at, local_day, service_id, description_ru, description_en, idempotency_key, created_at)
    SELECT 'chg-opt-' || o.id || '-' || ${day}, o.account_no, 'charge',
           -((so.price_kop * ${dayInt}) / ${daysInt} - (so.price_kop * (${dayInt} - 1)) / ${daysInt}),
           ${occurredAt}, ${day}, o.service_id,
           'Дополнительная услуга: ' || so.name_ru, 'Add-on: ' || so.name_en,
           'charge:opt:' || o.id || ':' || ${day}, ${occurredAt}
    FROM account_options o
    JOIN service_options so ON so.id = o.option_id
    JOIN ${accountServices} s ON s.id = o.service_id
    JOIN ${accounts} a ON a.account_no = o.account_no
    WHERE o.status = 'active' AND s.status = 'active' AND a.status = 'active' AND a.region = ${region}
      AND (so.price_kop * ${dayInt}) / ${daysInt} - (so.price_kop * (${dayInt} - 1)) / ${daysInt} > 0`);
  charged += options.meta.changes ?? 0;
  return { charged, next: null };
}

/** Regions whose local time is in the midnight hour at `at`: their new day is charged now. */
export function regionsAtMidnight(at: Date): { code: string; day: string }[] {
  return regionsAtHour(at, 0).map((r) => ({ code: r.code, day: localDay(r.tz, at) }));
}

export interface NewEntry {
  accountNo: string;
  kind: LedgerKind;
  amountKop: number;
  occurredAt: Date;
  localDay: string;
  serviceId?: string | null;
  descriptionRu: string;
  descriptionEn: string;
  idempotencyKey: string;
}

/**
 * Appends one ledger entry; a repeated idempotency key changes nothing and
 * returns false. Amounts are whole kopecks, credits positive, debits negative.
 */
export async function appendEntry(db: RegionDb, e: NewEntry): Promise<boolean> {
  if (!Number.isSafeInteger(e.amountKop)) throw new RangeError("amountKop must be a whole number of kopecks");
  const inserted = await db
    .insert(ledgerEntries)
    .values({
      id: newId(e.occurredAt.getTime()),
      accountNo: e.accountNo,
      kind: e.kind,
      amountKop: e.amountKop,
      occurredAt: e.occurredAt,
      localDay: e.localDay,
      serviceId: e.serviceId ?? null,
      descriptionRu: e.descriptionRu,
      descriptionEn: e.descriptionEn,
      idempotencyKey: e.idempotencyKey,
      createdAt: new Date(),
    })
    .onConflictDoNothing({ target: ledgerEntries.idempotencyKey })
    .returning({ id: ledgerEntries.id });
  return inserted.length > 0;
}

/** An account's balance: the sum of its ledger. */
export async function balanceOf(db: RegionDb, accountNo: string): Promise<number> {
  const row = await db
    .select({ s: sql<number>`coalesce(sum(${ledgerEntries.amountKop}), 0)` })
    .from(ledgerEntries)
    .where(eq(ledgerEntries.accountNo, accountNo))
    .get();
  return Number(row?.s ?? 0);
}
