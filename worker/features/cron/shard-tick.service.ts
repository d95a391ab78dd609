import type { Acquirer } from "../../adapters/payments";
import { type DataAccess, isShardBinding, SHARDS, type ShardBinding, type Sweep } from "../../platform/db";
import { reconcileHolders, sweepHomeLinks } from "../../platform/holders";
import { errorText, log } from "../../platform/log";
import { sendInBatches } from "../../platform/queue";
import { archiveMoney } from "../billing/archive.service";
import { expireShardCredentialMarks, expireShardSessions } from "../housekeeping/housekeeping.service";
import type { NotificationMessage } from "../notifications/notifications.messages";
import { autopayTick } from "../payments/autopay.service";
import { expirePromised } from "../payments/promised.service";
import { reconcilePending } from "../payments/reconcile.service";
import { retryEffects } from "../services/applications.service";
import { resendBlockNotices } from "../services/blocks.service";
import { withdrawOrphanedTariffApplications } from "../services/tariff-change.service";
import { autoCloseTickets } from "../support/tickets.service";
import { expireReports, expireUsage, foldUsage } from "../usage/usage.service";
import { queueDueRegions } from "./daily.service";

/** Which cron expression a shard's share belongs to: the hourly billing tick or the 15-minute housekeeping. */
export type Tick = "hourly" | "quarter";

/**
 * One shard's share of a cron tick, on the `billing` queue. A tick visits no shard itself: with ~5,000 shards at
 * the operator's size (docs/capacity.md), one pass over all of them in the scheduled invocation would need
 * thousands of D1 queries against its 1,000. The tick sends one message per shard (50 `sendBatch` calls then), and
 * each message has its own invocation: a page of each job on its shard, within {@link SHARD_TICK_CALLS}.
 */
export interface ShardTickMessage {
  kind: "cron.shard";
  tick: Tick;
  shard: string;
  /** The tick's scheduled time (ms): what is due is reckoned from it (from now when the message comes later). */
  at: number;
  /** A message cut short by its pages: how many came before it for this tick, and where autopay goes on (or that it is done). */
  round?: number;
  autopayAfter?: string;
  /** Where the applications' effects go on: after this application (those before were tried this tick), or that they are done. */
  effectsAfter?: string;
  effectsDone?: boolean;
  /** Where asking the acquirer about payments goes on (after this payment), or that it is done for this tick. */
  reconcileAfter?: string;
  reconcileDone?: boolean;
  autopayDone?: boolean;
}

/**
 * Rows of each job one message takes on its shard, sized so the message's D1 queries, queue sends and acquirer
 * calls stay under {@link SHARD_TICK_CALLS} at their most (D1 queries as D1 counts them, a batch's statements each):
 * an application's effects ≤ 8 calls each, a promised payment's repayment 4, a payment asked of the acquirer ≤ 8; the 15-minute jobs are bounded by their own pages
 * (reports 100, usage months 10 × 90, usage folds 10 × 90 accounts, tickets 100, block notices owed 10 at about 20
 * calls each, a home shard's technicians' tariff applications 20 at 2 reads each and some 12 calls a withdrawal, removed cards', passkeys' and identity providers' links' marks 1,000 a table at up to 4 calls a table (1 of them global), unsettled holder rows 50 in 5, a read a holders' home shard and 3 a holder at most (2 of them global), home links 50 in 3 and their accounts' places twice (platform/places.ts: an identity store each, and the directory for a copy marked or missing), a read an accounts' shard (most are this one) and 3 a subscriber whose link is deleted, money archived 25 accounts: 2 queries and a batch, an R2 object an account and year). Autopay reads up to 200 of its rows and counts its calls as it
 * goes: most are not due (none for a monthly one, its balance for a threshold one), a due one costs up to
 * AUTOPAY_CALLS_MAX (autopay.service.ts); it stops when {@link SHARD_TICK_AUTOPAY_CALLS} might be passed.
 */
export const SHARD_TICK_PAGE = { effects: 20, promised: 40, reconcile: 25, autopay: 200 } as const;
export const SHARD_TICK_AUTOPAY_CALLS = 360;
export const SHARD_TICK_CALLS = 2 + 1 + 20 * 8 + 1 + 40 * 4 + 1 + 25 * 8 + 1 + SHARD_TICK_AUTOPAY_CALLS;

/**
 * Messages one shard's tick may chain for the jobs that pick what is still due (effects, promised payments): more
 * wait for the next tick. Autopay goes on past them alone, from its last account, until every one was seen — its
 * cursor only moves on, so the chain ends (at {@link SHARD_TICK_AUTOPAY_ROUNDS} at the most, an error logged): a
 * shard's autopays after the first rounds' were otherwise never visited, tick after tick.
 */
export const SHARD_TICK_ROUNDS = 25;
export const SHARD_TICK_AUTOPAY_ROUNDS = 2_000;

/** Sends one message per shard for a tick: the home shards (the branches' catalogue and cron progress) and every added one. */
export async function queueShardTicks(data: DataAccess, queue: Queue, tick: Tick, at: Date): Promise<number> {
  const messages = data.shards.map((shard) => ({ body: { kind: "cron.shard", tick, shard, at: at.getTime() } satisfies ShardTickMessage }));
  await sendInBatches(queue, messages);
  return messages.length;
}

export function isShardTickMessage(body: unknown): body is ShardTickMessage {
  const m = body as Partial<ShardTickMessage> | null;
  return (
    m?.kind === "cron.shard" &&
    (m.tick === "hourly" || m.tick === "quarter") &&
    typeof m.shard === "string" &&
    isShardBinding(m.shard) &&
    Number.isFinite(m.at) &&
    (m.round === undefined || Number.isSafeInteger(m.round)) &&
    (m.autopayAfter === undefined || typeof m.autopayAfter === "string") &&
    (m.effectsAfter === undefined || typeof m.effectsAfter === "string") &&
    (m.effectsDone === undefined || typeof m.effectsDone === "boolean") &&
    (m.reconcileAfter === undefined || typeof m.reconcileAfter === "string") &&
    (m.reconcileDone === undefined || typeof m.reconcileDone === "boolean") &&
    (m.autopayDone === undefined || typeof m.autopayDone === "boolean")
  );
}

export interface ShardTickDeps {
  data: DataAccess;
  queue: Queue;
  files: R2Bucket;
  acquirer: Acquirer;
  notify: (m: NotificationMessage) => Promise<void>;
}

/**
 * A shard's share of a tick. Hourly: the regions of a home shard that are behind (their own messages), applications'
 * effects, promised payments past their term, payments whose result never came, autopay. Every 15 minutes: expired
 * reports and usage months, usage days folded into months, resolved requests nobody answered, sessions past their absolute expiry
 * and removed cards', passkeys' and links to identity providers' marks past their day, holder rows a change left unsettled,
 * block notices a run died before giving, technicians' tariff-change applications left without their change (home shards),
 * a page of accounts whose money older than 36 months goes to R2 (billing/archive.service.ts). Each job takes a page; when a page was full, the next
 * message goes on (autopay, effects and the payments asked about from their last row, promised payments pick what
 * is still due), up to {@link SHARD_TICK_ROUNDS} (autopay alone past them).
 * Each step is idempotent, so a redelivered message does nothing twice.
 */
export async function runShardTick(
  deps: ShardTickDeps,
  m: ShardTickMessage,
): Promise<{ continued: boolean; [job: string]: number | boolean }> {
  const { data, queue } = deps;
  const shard = m.shard as ShardBinding;
  if (!data.shards.includes(shard)) {
    // A shard removed from this Worker since the tick: nothing to do there.
    log("warn", "cron.shard_unknown", { shard });
    return { continued: false };
  }
  // What is due is reckoned from the tick's time, or from now for a message that comes late (a backlog, retries): an
  // autopay noticed 50 minutes late would otherwise be charged 10 minutes after its notice instead of the hour promised.
  const at = new Date(Math.max(m.at, Date.now()));
  const shards = [shard];
  const out: Record<string, number> = {};
  let next: ShardTickMessage | null = null;
  if (m.tick === "quarter") {
    out.reportsExpired = await expireReports(data, deps.files, shards, at);
    out.usageMonthsExpired = await expireUsage(data, deps.files, shards, at);
    out.usageAccountsFolded = await foldUsage(data, shards, at);
    out.ticketsClosed = await autoCloseTickets(data, shards, at);
    out.sessionsExpired = await expireShardSessions(data, shard, at);
    // The one step here that also writes the global database: a failure there is logged and left for the next tick,
    // not a reason to skip the shard's own jobs below.
    out.credentialMarksExpired = await expireShardCredentialMarks(data, shard, at).catch((e: unknown) => {
      log("error", "housekeeping.credential_marks_failed", { shard, error: errorText(e) });
      return 0;
    });
    // Holder rows a change of a link left unsettled (platform/holders.ts), settled or deleted by the global link while
    // they are kept (which this reads), else by the home link: a failure is logged and left for the next tick.
    out.holdersReconciled = await reconcileHolders(data, shard, at)
      .then((r) => r.settled + r.deleted)
      .catch((e: unknown) => {
        log("error", "holders.reconcile_failed", { shard, error: errorText(e) });
        return 0;
      });
    // Its subscribers' home links whose holder row (and global link, while kept) is gone (platform/holders.ts
    // `sweepHomeLinks`): a page a run.
    out.homeLinksSwept = await sweepHomeLinks(data, shard).catch((e: unknown) => {
      log("error", "links.sweep_failed", { shard, error: errorText(e) });
      return 0;
    });
    out.blockNotices = await resendBlockNotices(data, deps.notify, shard, at);
    if ((SHARDS as readonly ShardBinding[]).includes(shard))
      out.tariffOrphansWithdrawn = await withdrawOrphanedTariffApplications(data, deps.notify, shard, at);
    // Last, and on its own: a page that fails (R2 down, a read too big) is logged and tried again next tick, without
    // retrying the message (the jobs above would run again for nothing) or sending it to the dead letters.
    try {
      out.moneyArchived = (await archiveMoney(data, deps.files, shard, at)).archived;
    } catch (e) {
      log("error", "billing.archive_failed", { shard, error: errorText(e) });
    }
  } else {
    const round = m.round ?? 0;
    const first = round === 0;
    // Past the rounds of the jobs that pick what is still due, a message goes on with autopay alone.
    const autopayOnly = round >= SHARD_TICK_ROUNDS;
    // The daily work is reckoned once per tick, by its first message (a region's day is one message of its own).
    if (first && (SHARDS as readonly ShardBinding[]).includes(shard)) out.regionsQueued = await queueDueRegions(data, queue, at, shards);
    const effects: Sweep = { shards, limit: SHARD_TICK_PAGE.effects, ...(m.effectsAfter ? { after: m.effectsAfter } : {}) };
    const promised: Sweep = { shards, limit: SHARD_TICK_PAGE.promised };
    const autopay: Sweep = {
      shards,
      limit: SHARD_TICK_PAGE.autopay,
      budget: SHARD_TICK_AUTOPAY_CALLS,
      ...(m.autopayAfter ? { after: m.autopayAfter } : {}),
    };
    if (!autopayOnly) {
      if (!m.effectsDone) out.effects = await retryEffects(data, at, effects);
      out.promised = await expirePromised(data, at, promised);
    }
    const reconcile: Sweep = { shards, limit: SHARD_TICK_PAGE.reconcile, ...(m.reconcileAfter ? { after: m.reconcileAfter } : {}) };
    if (!autopayOnly && !m.reconcileDone) {
      const reconciled = await reconcilePending(data, deps.acquirer, deps.notify, at, reconcile);
      out.paymentsAsked = reconciled.asked;
      out.paymentsSettled = reconciled.settled;
    }
    if (!m.autopayDone) Object.assign(out, await autopayTick(data, deps.acquirer, deps.notify, at, autopay));
    const autopayOn = autopay.more && autopay.next !== undefined;
    if (((effects.more || promised.more || reconcile.more) && round + 1 < SHARD_TICK_ROUNDS) || autopayOn) {
      next = { kind: "cron.shard", tick: "hourly", shard, at: m.at, round: round + 1 };
      // Autopay goes on after its last account (its autopays stay active, so a page is not picked again by itself).
      if (autopayOn && autopay.next) next.autopayAfter = autopay.next;
      else next.autopayDone = true;
      // Done with them, the chain kept alive by another job would start them again from the first.
      if (effects.more && effects.next) next.effectsAfter = effects.next;
      else next.effectsDone = true;
      // The payments asked about stay pending as often as not: asking goes on after the last one, once a tick.
      if (reconcile.more && reconcile.next) next.reconcileAfter = reconcile.next;
      else next.reconcileDone = true;
    }
    if (next && (next.round ?? 0) >= SHARD_TICK_AUTOPAY_ROUNDS) {
      log("error", "cron.autopay_unfinished", { shard, rounds: next.round, after: next.autopayAfter });
      next = null;
    }
  }
  const continued = next !== null;
  if (next) await queue.send(next);
  log("info", "cron.shard", { tick: m.tick, shard, round: m.round ?? 0, ...out, continued, d1RoundTrips: data.stats.roundTrips });
  return { continued, ...out };
}

/** The `billing` queue's shard messages: acked when the shard's share is done, retried (with backoff) if it failed. */
export async function consumeShardTick(message: Message<unknown>, deps: ShardTickDeps, retryDelay: number) {
  const body = message.body as ShardTickMessage;
  try {
    await runShardTick(deps, body);
    message.ack();
  } catch (e) {
    log("error", "cron.shard_failed", { shard: body.shard, tick: body.tick, attempts: message.attempts, error: errorText(e) });
    message.retry({ delaySeconds: retryDelay });
  }
}
