import { and, eq, gt, gte, inArray, ne, sql } from "drizzle-orm";
import type { Acquirer, AcquirerStatus } from "../../adapters/payments";
import { cards, subscribers } from "../../db/schema/global";
import { accounts, autopay, payments } from "../../db/schema/region";
import { settledHere } from "../../platform/arriving";
import { findCredential } from "../../platform/credentials";
import { type DataAccess, queriesUsed, type RegionDb, type Sweep, sweptPage } from "../../platform/db";
import { AppError } from "../../platform/errors";
import { formatAccountNoPlain } from "../../platform/format";
import { newId } from "../../platform/ids";
import { log } from "../../platform/log";
import { localDay, localShort, regionTz, tzOffsetMs } from "../../platform/region";
import type { SessionInfo } from "../../platform/session";
import { requireAccount } from "../accounts/accounts.service";
import { balanceOf } from "../billing/ledger.service";
import { applyAcquirerPayment, type Notify, payerContact, savedCard } from "./payments.service";

/** How long before a charge the subscriber is told (monthly: a day; threshold: an hour), and the retry plan. */
export const AUTOPAY = { monthlyLeadMs: 24 * 3600_000, thresholdLeadMs: 3600_000, retryMs: 6 * 3600_000, maxAttempts: 3 };

export interface AutopayInput {
  cardId: string;
  mode: "threshold" | "monthly";
  thresholdKop?: number | null;
  dayOfMonth?: number | null;
  amountKop: number;
  monthlyLimitKop: number;
}

function validate(i: AutopayInput) {
  const errors: { field: string; message: string }[] = [];
  if (!Number.isSafeInteger(i.amountKop) || i.amountKop < 10_000 || i.amountKop > 1_500_000)
    errors.push({ field: "amountKop", message: "field.amountRange" });
  if (!Number.isSafeInteger(i.monthlyLimitKop) || i.monthlyLimitKop < i.amountKop || i.monthlyLimitKop > 5_000_000)
    errors.push({ field: "monthlyLimitKop", message: "field.monthlyLimit" });
  if (i.mode === "threshold" && (!Number.isSafeInteger(i.thresholdKop) || (i.thresholdKop ?? -1) < 0 || (i.thresholdKop ?? 0) > 1_000_000))
    errors.push({ field: "thresholdKop", message: "field.amountRange" });
  if (i.mode === "monthly" && (!Number.isSafeInteger(i.dayOfMonth) || (i.dayOfMonth ?? 0) < 1 || (i.dayOfMonth ?? 0) > 28))
    errors.push({ field: "dayOfMonth", message: "field.dayOfMonth" });
  if (errors.length) throw new AppError(400, "validation", {}, errors);
}

export async function getAutopay(data: DataAccess, subscriberId: string, accountNo: string) {
  const link = await requireAccount(data, subscriberId, accountNo);
  const row = await data.shard(link.shard).select().from(autopay).where(eq(autopay.accountNo, link.accountNo)).get();
  if (row?.status !== "active") return null;
  return {
    cardId: row.cardId,
    mode: row.mode,
    thresholdKop: row.thresholdKop,
    dayOfMonth: row.dayOfMonth,
    amountKop: row.amountKop,
    monthlyLimitKop: row.monthlyLimitKop,
    nextChargeAfter: row.chargeAfter?.toISOString() ?? null,
    lastResult: row.lastResult,
  };
}

/** Turns autopay on or changes it (needs a fresh SMS code, checked by the caller): the card must be the subscriber's. */
export async function setAutopay(data: DataAccess, session: SessionInfo, accountNo: string, input: AutopayInput, now = new Date()) {
  const link = await requireAccount(data, session.subscriberId, accountNo, "payer");
  validate(input);
  const card = await savedCard(data, { id: session.subscriberId, homeShard: session.homeShard }, input.cardId);
  if (!card) throw new AppError(400, "validation", {}, [{ field: "cardId", message: "field.unknownCard" }]);
  // The link names the account's shard (read with the session): no directory lookup.
  const shard = { db: data.shard(link.shard), region: link.region };
  // A monthly payment day already come this month (region time) is not charged for: set up on the 20th for the
  // 5th, the first charge is next month's, not a surprise today. The cron's catch-up skips a month so marked.
  const account = await shard.db.select({ region: accounts.region }).from(accounts).where(eq(accounts.accountNo, link.accountNo)).get();
  const today = localDay(regionTz(account?.region ?? ""), now);
  const month = today.slice(0, 7);
  const passed = input.mode === "monthly" && Number(today.slice(8, 10)) >= (input.dayOfMonth ?? 1);
  const row = {
    subscriberId: session.subscriberId,
    cardId: card.id,
    mode: input.mode,
    thresholdKop: input.mode === "threshold" ? (input.thresholdKop ?? 0) : null,
    dayOfMonth: input.mode === "monthly" ? (input.dayOfMonth ?? 1) : null,
    amountKop: input.amountKop,
    monthlyLimitKop: input.monthlyLimitKop,
    status: "active" as const,
    cycle: null,
    noticeAt: null,
    chargeAfter: null,
    attempts: 0,
    updatedAt: now,
  };
  await shard.db
    .insert(autopay)
    .values({ accountNo: link.accountNo, ...row, lastResult: passed ? `skip:${month}` : null })
    .onConflictDoUpdate({
      target: autopay.accountNo,
      // A month already done (or failed) stays so; a passed day marks this month skipped.
      set: passed
        ? {
            ...row,
            lastResult: sql`CASE WHEN ${autopay.lastResult} LIKE ${`%:${month}`} THEN ${autopay.lastResult} ELSE ${`skip:${month}`} END`,
          }
        : row,
    });
}

/** Stops autopay at once, including a charge that was announced (no code needed to stop paying). */
export async function stopAutopay(data: DataAccess, subscriberId: string, accountNo: string, now = new Date()) {
  const link = await requireAccount(data, subscriberId, accountNo, "payer");
  // The link names the account's shard (read with the session): no directory lookup.
  const shard = { db: data.shard(link.shard), region: link.region };
  await shard.db
    .update(autopay)
    .set({ status: "stopped", cycle: null, noticeAt: null, chargeAfter: null, attempts: 0, updatedAt: now })
    .where(eq(autopay.accountNo, link.accountNo));
}

/** An autopay event for the subscriber who set it up: their channels and language decide the rest. */
function tell(
  notify: Notify,
  subscriberId: string,
  accountNo: string,
  kind: "autopay_notice" | "autopay_failed",
  eventId: string,
  params: Record<string, string | number>,
) {
  return notify({ channel: "event", eventId, kind, subscriberId, accountNo, params });
}

/**
 * Calls one autopay may make at its most in a tick (D1 round trips, the acquirer, notices): an attempt left pending
 * asked about and settled, or a charge (its card: the subscriber's home shard and the card there, the month's spend, the claim, the payment written and read, the
 * payer's contacts, the acquirer, the payment's transition and credit, the result, the notice). A sweep with a
 * `budget` stops before an autopay that might not fit in what is left of it, and goes on after the last one worked.
 * Measured by test/worker/payments.test.ts («retries a declined saved card»): 16 and 17 for a declined charge, its card
 * read in the home shard, the last one with its notice.
 */
export const AUTOPAY_CALLS_MAX = 30;

/** How long an attempt may stay claimed (its charge under way) before a tick takes it for stranded: far past an invocation's life. */
export const AUTOPAY_STRANDED_MS = 3600_000;

/**
 * Cron (hourly): for every active autopay, announce a due charge (the
 * mandatory notice), then charge it once its notice period has passed;
 * failures are retried every 6 hours, three times in all, then the
 * subscriber is told and the cycle ends. Idempotent: the charge of a cycle and
 * attempt has one payment (its idempotency key), and each notice one dedupe key.
 */
export async function autopayTick(data: DataAccess, acquirerAsked: Acquirer, notifyAsked: Notify, now = new Date(), sweep: Sweep = {}) {
  const done = { notices: 0, charged: 0, failed: 0, unstranded: 0 };
  // What this tick has asked so far: its D1 queries (a batch's statements each), the acquirer's calls and the notices sent.
  let asked = 0;
  const calls = () => queriesUsed(data.stats) + asked;
  const start = calls();
  const notify: Notify = (m) => {
    asked++;
    return notifyAsked(m);
  };
  const acquirer = new Proxy(acquirerAsked, {
    get(target, prop) {
      const v = Reflect.get(target, prop, target);
      if (typeof v !== "function") return v;
      return (...args: unknown[]) => {
        asked++;
        return v.apply(target, args);
      };
    },
  });
  for (const binding of sweep.shards ?? data.shards) {
    const db = data.shard(binding);
    // An active autopay stays active: a sweep in pages goes on after the last account of the page before.
    const rows = await db
      .select({ a: autopay, region: accounts.region })
      .from(autopay)
      .innerJoin(accounts, eq(accounts.accountNo, autopay.accountNo))
      .where(
        and(eq(autopay.status, "active"), settledHere(accounts.accountNo), sweep.after ? gt(autopay.accountNo, sweep.after) : undefined),
      )
      .orderBy(autopay.accountNo)
      .limit(sweep.limit ?? -1)
      .all();
    sweptPage(sweep, rows.length, rows.at(-1)?.a.accountNo);
    let worked: string | undefined;
    for (const row of rows) {
      // Out of calls: the next message goes on after the last autopay worked (at least one is, so the sweep moves).
      if (sweep.budget !== undefined && worked !== undefined && calls() - start + AUTOPAY_CALLS_MAX > sweep.budget) {
        sweep.more = true;
        sweep.next = worked;
        break;
      }
      worked = row.a.accountNo;
      let { a } = row;
      // This account's attempt, once claimed (chargeAfter null): put back if the charge does not get through.
      let claimed = 0;
      try {
        const tz = regionTz(row.region);
        const today = localDay(tz, now);
        // The card is read only for an autopay that is noticed or charged, not for each one every hour: in its
        // subscriber's home shard (named by their row, read beside the global table's card an older deployment kept).
        const card = async () => {
          const [[owner], [legacy]] = await data.global.batch([
            data.global.select({ homeShard: subscribers.homeShard }).from(subscribers).where(eq(subscribers.id, a.subscriberId)),
            data.global
              .select()
              .from(cards)
              .where(and(eq(cards.id, a.cardId), eq(cards.subscriberId, a.subscriberId))),
          ]);
          // A home shard this Worker is not bound to (a configuration error) is not «no card»: the autopay is tried again.
          if (owner && !data.hasShard(owner.homeShard)) {
            log("error", "credentials.home_shard_unbound", { shard: owner.homeShard });
            throw new Error(`home shard ${owner.homeShard} is not bound`);
          }
          return (
            owner && findCredential(data, "cards", { id: a.subscriberId, homeShard: owner.homeShard }, a.cardId, legacy ? [legacy] : [])
          );
        };
        const accountText = formatAccountNoPlain(a.accountNo);
        // An attempt claimed and never settled nor put back (its invocation ended mid-charge, or D1 refused its last
        // writes). When the acquirer has its payment (its id was kept) or the payment has settled, it becomes an
        // attempt left pending, which the earlier attempt's check below asks about — never charged again, nor given up
        // for a limit or a card changed since. Otherwise it is tried again with its own number, hence its own payment
        // and Idempotence-Key: a second call of the same charge, never a second charge.
        if (a.cycle && !a.chargeAfter && a.attempts > 0 && a.updatedAt.getTime() <= now.getTime() - AUTOPAY_STRANDED_MS) {
          const own = await db
            .select()
            .from(payments)
            .where(
              and(eq(payments.payerId, a.subscriberId), eq(payments.idempotencyKey, `autopay:${a.accountNo}:${a.cycle}:${a.attempts}`)),
            )
            .get();
          const known = own !== undefined && (own.acquirerPaymentId !== null || (own.status !== "created" && own.status !== "pending"));
          const back = await db
            .update(autopay)
            .set({
              attempts: known ? a.attempts : a.attempts - 1,
              chargeAfter: now,
              lastResult: known ? "pending" : "retrying",
              updatedAt: now,
            })
            .where(
              and(
                eq(autopay.accountNo, a.accountNo),
                eq(autopay.attempts, a.attempts),
                sql`${autopay.chargeAfter} IS NULL`,
                eq(autopay.updatedAt, a.updatedAt),
              ),
            )
            .returning();
          if (!back[0]) continue;
          log("warn", "autopay.unstranded", { shard: binding, attempt: a.attempts });
          done.unstranded++;
          a = back[0];
        }
        if (!a.cycle) {
          let cycle: string | null = null;
          let lead = 0;
          if (a.mode === "monthly") {
            const tomorrow = localDay(tz, new Date(now.getTime() + 24 * 3600_000));
            const dueTomorrow = Number(tomorrow.slice(8, 10)) === a.dayOfMonth;
            // A payment day that came with no tick the day before (the Worker did not run, a cron invocation was
            // missed) is caught up now, announced with the same notice: once per month, as every result names its month.
            const missed = !dueTomorrow && Number(today.slice(8, 10)) >= (a.dayOfMonth ?? 1);
            const month = dueTomorrow ? tomorrow.slice(0, 7) : today.slice(0, 7);
            if ((dueTomorrow || missed) && !(a.lastResult ?? "").endsWith(`:${month}`)) {
              cycle = month;
              lead = AUTOPAY.monthlyLeadMs;
            }
          } else if ((await balanceOf(db, a.accountNo)) < (a.thresholdKop ?? 0) && !(a.lastResult ?? "").endsWith(`:t:${today}`)) {
            cycle = `t:${today}`;
            lead = AUTOPAY.thresholdLeadMs;
          }
          if (!cycle) continue;
          const chargeAfter = new Date(now.getTime() + lead);
          // The card before the claim: a card that cannot be read now (its home shard unbound) leaves the autopay
          // unclaimed, to be noticed by a later tick, not claimed with its notice lost.
          const last4 = (await card())?.last4 ?? "";
          const noticed = await db
            .update(autopay)
            .set({ cycle, noticeAt: now, chargeAfter, attempts: 0, updatedAt: now })
            .where(and(eq(autopay.accountNo, a.accountNo), sql`${autopay.cycle} IS NULL`, eq(autopay.status, "active")))
            .returning({ accountNo: autopay.accountNo });
          if (noticed.length === 0) continue;
          await tell(notify, a.subscriberId, a.accountNo, "autopay_notice", `autopay-notice:${a.accountNo}:${cycle}`, {
            amountKop: a.amountKop,
            last4,
            day: localShort(tz, chargeAfter),
          });
          done.notices++;
          continue;
        }
        if (!a.chargeAfter || a.chargeAfter.getTime() > now.getTime()) continue;
        // An earlier attempt the acquirer left pending is asked about first: a new attempt (a new payment, a new
        // Idempotence-Key) while it may still go through would charge the card twice.
        if (a.attempts > 0) {
          const earlier = await db
            .select()
            .from(payments)
            .where(
              and(eq(payments.payerId, a.subscriberId), eq(payments.idempotencyKey, `autopay:${a.accountNo}:${a.cycle}:${a.attempts}`)),
            )
            .get();
          // Settled meanwhile by a notification (or the payments sweep), or still to be asked about.
          let status: AcquirerStatus | null = earlier?.status === "succeeded" || earlier?.status === "refunded" ? "succeeded" : null;
          if (earlier?.status === "failed" && a.lastResult === "pending") status = "canceled";
          if (earlier && (earlier.status === "created" || earlier.status === "pending")) {
            const seen = earlier.acquirerPaymentId ? await acquirer.getPayment(earlier.acquirerPaymentId) : null;
            if (seen) await applyAcquirerPayment(data, notify, seen, "autopay", undefined, now);
            status = seen?.status ?? "pending";
          }
          if (status) {
            const outcome = await settleAttempt(db, notify, a, a.attempts, status, now);
            if (outcome === "charged") done.charged++;
            if (outcome === "failed") done.failed++;
            continue;
          }
        }
        // The month's limit (region time) is never exceeded: charges not settled yet count too.
        const monthUtc = Date.parse(`${today.slice(0, 7)}-01T00:00:00Z`);
        const monthStart = new Date(monthUtc - tzOffsetMs(tz, new Date(monthUtc)));
        const spent = await db
          .select({ s: sql<number>`coalesce(sum(${payments.amountKop}), 0)` })
          .from(payments)
          .where(
            and(
              eq(payments.accountNo, a.accountNo),
              eq(payments.purpose, "autopay"),
              inArray(payments.status, ["created", "pending", "succeeded"]),
              gte(payments.createdAt, monthStart),
              // This attempt's own payment, when it is tried again with its key, is not counted against itself.
              ne(payments.idempotencyKey, `autopay:${a.accountNo}:${a.cycle}:${a.attempts + 1}`),
            ),
          )
          .get();
        const cardRow = await card();
        if (Number(spent?.s ?? 0) + a.amountKop > a.monthlyLimitKop || !cardRow) {
          await db
            .update(autopay)
            .set({
              cycle: null,
              noticeAt: null,
              chargeAfter: null,
              lastResult: `${cardRow ? "limit" : "no_card"}:${a.cycle}`,
              updatedAt: now,
            })
            .where(eq(autopay.accountNo, a.accountNo));
          await tell(notify, a.subscriberId, a.accountNo, "autopay_failed", `autopay-skip:${a.accountNo}:${a.cycle}`, {
            amountKop: a.amountKop,
            attemptsLeft: 0,
            reason: cardRow ? "limit" : "no_card",
          });
          continue;
        }
        const attempt = a.attempts + 1;
        // Claim this attempt: of two cron runs at once, only one charges the card.
        const claimedAttempt = await db
          .update(autopay)
          .set({ attempts: attempt, chargeAfter: null, updatedAt: now })
          .where(and(eq(autopay.accountNo, a.accountNo), eq(autopay.attempts, a.attempts), eq(autopay.chargeAfter, a.chargeAfter)))
          .returning({ accountNo: autopay.accountNo });
        if (claimedAttempt.length === 0) continue;
        claimed = attempt;
        const key = `autopay:${a.accountNo}:${a.cycle}:${attempt}`;
        const id = newId(now.getTime());
        await db
          .insert(payments)
          .values({
            id,
            accountNo: a.accountNo,
            payerId: a.subscriberId,
            idempotencyKey: key,
            requestHash: key,
            purpose: "autopay",
            amountKop: a.amountKop,
            status: "created",
            cardId: cardRow.id,
            cardLast4: cardRow.last4,
            cardBrand: cardRow.brand,
            createdAt: now,
            updatedAt: now,
          })
          .onConflictDoNothing();
        const payment = await db
          .select()
          .from(payments)
          .where(and(eq(payments.payerId, a.subscriberId), eq(payments.idempotencyKey, key)))
          .get();
        if (!payment) continue;
        // The attempt's payment is already settled (a stranded attempt tried again, the acquirer's notice came first):
        // its outcome is taken, the card is not charged again.
        if (payment.status === "succeeded" || payment.status === "refunded" || payment.status === "failed") {
          const outcome = await settleAttempt(db, notify, a, attempt, payment.status === "failed" ? "canceled" : "succeeded", now);
          if (outcome === "charged") done.charged++;
          if (outcome === "failed") done.failed++;
          continue;
        }
        const result = await acquirer.chargeSavedCard({
          token: cardRow.token,
          amountKop: a.amountKop,
          description: `Автоплатёж, лицевой счёт ${accountText}`,
          metadata: { paymentId: payment.id, accountNo: a.accountNo },
          idempotenceKey: payment.id,
          customer: await payerContact(data.global, a.subscriberId),
        });
        await applyAcquirerPayment(data, notify, result, "autopay", undefined, now);
        const outcome = await settleAttempt(db, notify, a, attempt, result.status, now);
        if (outcome === "charged") done.charged++;
        if (outcome === "failed") done.failed++;
      } catch (e) {
        // An acquirer outage (or any failure) stops neither the tick nor this account's autopay: the attempt is
        // tried again later with the same number, hence the same payment and Idempotence-Key (no second charge).
        log("warn", "autopay.charge_unavailable", {
          shard: binding,
          error: e instanceof AppError ? e.slug : e instanceof Error ? e.name : "unknown",
        });
        if (claimed)
          await db
            .update(autopay)
            .set({ attempts: a.attempts, chargeAfter: new Date(now.getTime() + AUTOPAY.retryMs), lastResult: "retrying", updatedAt: now })
            .where(and(eq(autopay.accountNo, a.accountNo), eq(autopay.attempts, claimed), sql`${autopay.chargeAfter} IS NULL`));
      }
    }
  }
  return done;
}

/** How often a charge the acquirer left pending is asked about again (each hourly tick). */
const PENDING_RECHECK_MS = 3600_000;

/**
 * Moves the cycle on after attempt `attempt` got `status` from the acquirer:
 * done; pending (asked about again at the next tick, no new attempt); or
 * declined (retried in 6 hours, or the cycle ends and the subscriber is told).
 */
async function settleAttempt(
  db: RegionDb,
  notify: Notify,
  a: typeof autopay.$inferSelect,
  attempt: number,
  status: AcquirerStatus,
  now: Date,
): Promise<"charged" | "pending" | "retrying" | "failed"> {
  if (status === "succeeded" || status === "refunded") {
    await db
      .update(autopay)
      .set({ cycle: null, noticeAt: null, chargeAfter: null, attempts: 0, lastResult: `done:${a.cycle}`, updatedAt: now })
      .where(eq(autopay.accountNo, a.accountNo));
    // The credit itself is told by the payment (payment_credited).
    return "charged";
  }
  if (status === "pending" || status === "waiting_for_3ds") {
    await db
      .update(autopay)
      .set({ attempts: attempt, chargeAfter: new Date(now.getTime() + PENDING_RECHECK_MS), lastResult: "pending", updatedAt: now })
      .where(eq(autopay.accountNo, a.accountNo));
    return "pending";
  }
  if (attempt < AUTOPAY.maxAttempts) {
    await db
      .update(autopay)
      .set({ attempts: attempt, chargeAfter: new Date(now.getTime() + AUTOPAY.retryMs), lastResult: "retrying", updatedAt: now })
      .where(eq(autopay.accountNo, a.accountNo));
    return "retrying";
  }
  await db
    .update(autopay)
    .set({ cycle: null, noticeAt: null, chargeAfter: null, attempts: attempt, lastResult: `failed:${a.cycle}`, updatedAt: now })
    .where(eq(autopay.accountNo, a.accountNo));
  await tell(notify, a.subscriberId, a.accountNo, "autopay_failed", `autopay-failed:${a.accountNo}:${a.cycle}`, {
    amountKop: a.amountKop,
    attemptsLeft: 0,
    reason: "declined",
  });
  return "failed";
}
