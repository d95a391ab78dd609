import { and, eq, lte, sql } from "drizzle-orm";
import { accountOptions, accountServices, accounts, promisedPayments, serviceOptions, tariffs } from "../../db/schema/region";
import { settledHere } from "../../platform/arriving";
import type { DataAccess, RegionDb, Sweep } from "../../platform/db";
import { rawBatch, sweptPage } from "../../platform/db";
import { AppError, uniqueViolation } from "../../platform/errors";
import { localDay, regionTz } from "../../platform/region";
import { requireAccount } from "../accounts/accounts.service";
import { balanceOf, entryIf, insertEntry, lastPaymentAt } from "../billing/ledger.service";

/**
 * Promised payment (обещанный платёж) rules: the account is at least 60 days
 * old, active, has had a payment in the last 180 days, has no promised payment
 * open, has paid services, and its balance is below a month of their fees; up
 * to that month's fees (at least 100 ₽, at most 1 500 ₽), free, for 5 days.
 * Each rule that fails names itself, and only itself, as a reason.
 */
export const PROMISED = { minAgeDays: 60, historyDays: 180, days: 5, minKop: 10_000, maxKop: 150_000 };
const DAY = 24 * 60 * 60 * 1000;

export type PromisedRefusal = "too_new" | "no_payments" | "already_open" | "no_charges" | "balance_ok" | "not_active";

/**
 * A month of the account's fees as they stand now: its active services'
 * tariffs and their active options, what the daily charge takes over a month
 * (and the «в месяц» the account page shows). Not the ledger's last 30 days:
 * they are nothing after a pause of the charges, and a 0 ₽ balance would
 * "cover" them.
 */
async function monthlyFees(db: RegionDb, accountNo: string): Promise<number> {
  const [services, options] = await db.batch([
    db
      .select({ s: sql<number>`coalesce(sum(${tariffs.priceKop}), 0)` })
      .from(accountServices)
      .innerJoin(tariffs, eq(tariffs.id, accountServices.tariffId))
      .where(and(eq(accountServices.accountNo, accountNo), eq(accountServices.status, "active"))),
    db
      .select({ s: sql<number>`coalesce(sum(${serviceOptions.priceKop}), 0)` })
      .from(accountOptions)
      .innerJoin(serviceOptions, eq(serviceOptions.id, accountOptions.optionId))
      .innerJoin(accountServices, eq(accountServices.id, accountOptions.serviceId))
      .where(and(eq(accountOptions.accountNo, accountNo), eq(accountOptions.status, "active"), eq(accountServices.status, "active"))),
  ]);
  return Number(services[0]?.s ?? 0) + Number(options[0]?.s ?? 0);
}

/** What the account may take now, and why not if it may not. */
export async function promisedOffer(db: RegionDb, accountNo: string, now = new Date()) {
  const [account, open, lastPayment, balanceKop, monthKop] = await Promise.all([
    db.select().from(accounts).where(eq(accounts.accountNo, accountNo)).get(),
    db
      .select()
      .from(promisedPayments)
      .where(and(eq(promisedPayments.accountNo, accountNo), eq(promisedPayments.status, "active")))
      .get(),
    lastPaymentAt(db, accountNo),
    balanceOf(db, accountNo),
    monthlyFees(db, accountNo),
  ]);
  const refusals: PromisedRefusal[] = [];
  if (account?.status !== "active") refusals.push("not_active");
  if (account && now.getTime() - account.createdAt.getTime() < PROMISED.minAgeDays * DAY) refusals.push("too_new");
  if (!lastPayment || now.getTime() - lastPayment.getTime() > PROMISED.historyDays * DAY) refusals.push("no_payments");
  if (open) refusals.push("already_open");
  if (monthKop === 0) {
    // Nothing is charged: no balance is short of it (a closed or blocked account already has its reason).
    if (account?.status === "active") refusals.push("no_charges");
  } else if (balanceKop >= monthKop) refusals.push("balance_ok");
  const maxKop = Math.min(PROMISED.maxKop, Math.max(PROMISED.minKop, Math.ceil(monthKop / 5000) * 5000));
  return {
    eligible: refusals.length === 0,
    refusals,
    minKop: PROMISED.minKop,
    maxKop,
    days: PROMISED.days,
    open: open ? { id: open.id, amountKop: open.amountKop, dueAt: open.dueAt.toISOString() } : null,
  };
}

/**
 * Takes a promised payment: the credit and its record in one batch. At most
 * one is open per account, even under concurrent requests (a partial unique
 * index refuses the second); the same idempotency key returns the same one.
 */
export async function takePromised(
  data: DataAccess,
  subscriberId: string,
  accountNoInput: string,
  amountKop: number,
  key: string,
  now = new Date(),
) {
  const link = await requireAccount(data, subscriberId, accountNoInput, "payer");
  // The link names the account's shard (read with the session): no directory lookup.
  const shard = { db: data.shard(link.shard), region: link.region };
  const offer = await promisedOffer(shard.db, link.accountNo, now);
  const id = `pp-${await keyId(link.accountNo, key)}`;
  // The key's promised payment, for the request made with it; another amount under the same key is another request.
  const answer = (row: typeof promisedPayments.$inferSelect) => {
    if (row.amountKop !== amountKop) throw new AppError(409, "idempotency_mismatch");
    return row;
  };
  const existing = await shard.db.select().from(promisedPayments).where(eq(promisedPayments.id, id)).get();
  if (existing) return answer(existing);
  if (!offer.eligible)
    throw new AppError(
      409,
      "promised_refused",
      {},
      offer.refusals.map((r) => ({ field: "account", message: `promised.${r}` })),
    );
  if (!Number.isSafeInteger(amountKop) || amountKop < offer.minKop || amountKop > offer.maxKop)
    throw new AppError(400, "validation", {}, [{ field: "amountKop", message: "field.amountRange" }]);
  const tz = regionTz(shard.region);
  const dueAt = new Date(now.getTime() + PROMISED.days * DAY);
  try {
    await shard.db.batch([
      shard.db.insert(promisedPayments).values({ id, accountNo: link.accountNo, amountKop, status: "active", takenAt: now, dueAt }),
      insertEntry(shard.db, {
        accountNo: link.accountNo,
        kind: "promised_payment",
        amountKop,
        occurredAt: now,
        localDay: localDay(tz, now),
        descriptionRu: "Обещанный платёж",
        descriptionEn: "Promised payment",
        idempotencyKey: `promised:${id}`,
      }),
    ]);
  } catch (e) {
    if (!uniqueViolation(e)) throw e;
    // The same request (its key) sent again at the same moment made it: that one is the answer, as a retry gets.
    const same = await shard.db.select().from(promisedPayments).where(eq(promisedPayments.id, id)).get();
    if (same) return answer(same);
    // The partial unique index: another request opened one first.
    throw new AppError(409, "promised_refused", {}, [{ field: "account", message: "promised.already_open" }]);
  }
  return (await shard.db.select().from(promisedPayments).where(eq(promisedPayments.id, id)).get()) as typeof promisedPayments.$inferSelect;
}

async function keyId(accountNo: string, key: string) {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(`${accountNo}|${key}`));
  return [...new Uint8Array(digest)]
    .slice(0, 12)
    .map((b) => b.toString(16).padStart(2, "0"))
    .join("");
}

/**
 * Repays the account's open promised payment (if any) with an equal debit,
 * exactly once: `by` is the payment that settles it, or "expiry".
 */
export async function settlePromised(db: RegionDb, accountNo: string, by: string, now = new Date()): Promise<boolean> {
  const open = await db
    .select()
    .from(promisedPayments)
    .where(and(eq(promisedPayments.accountNo, accountNo), eq(promisedPayments.status, "active")))
    .get();
  if (!open) return false;
  const account = await db.select({ region: accounts.region }).from(accounts).where(eq(accounts.accountNo, accountNo)).get();
  const tz = regionTz(account?.region ?? "msk");
  const t = now.getTime();
  await rawBatch(db, [
    ["UPDATE promised_payments SET status = 'settled', settled_at = ?, settled_by = ? WHERE id = ? AND status = 'active'", t, by, open.id],
    entryIf(
      {
        accountNo,
        kind: "promised_payment",
        amountKop: -open.amountKop,
        occurredAt: now,
        localDay: localDay(tz, now),
        descriptionRu: "Погашение обещанного платежа",
        descriptionEn: "Promised payment repaid",
        idempotencyKey: `promised-settle:${open.id}`,
      },
      sql`EXISTS (SELECT 1 FROM ${promisedPayments} WHERE ${promisedPayments.id} = ${open.id} AND ${promisedPayments.status} = 'settled')`,
    ),
  ]);
  return true;
}

/** Cron: promised payments past their term are repaid from the balance. */
export async function expirePromised(data: DataAccess, now = new Date(), sweep: Sweep = {}): Promise<number> {
  let n = 0;
  for (const binding of sweep.shards ?? data.shards) {
    const db = data.shard(binding);
    const due = await db
      .select({ accountNo: promisedPayments.accountNo })
      .from(promisedPayments)
      .where(and(eq(promisedPayments.status, "active"), lte(promisedPayments.dueAt, now), settledHere(promisedPayments.accountNo)))
      .limit(sweep.limit ?? -1)
      .all();
    sweptPage(sweep, due.length);
    for (const d of due) if (await settlePromised(db, d.accountNo, "expiry", now)) n++;
  }
  return n;
}
