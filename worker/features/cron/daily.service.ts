import { and, eq, lt, sql } from "drizzle-orm";
import { REGIONS } from "../../data/regions.data";
import { cronProgress, cronStepShards } from "../../db/schema/region";
import { type DataAccess, inList, isShardBinding, queriesUsed, type RegionDb, SHARDS, type ShardBinding } from "../../platform/db";
import { beat, release, startChain, takeLease } from "../../platform/lease";
import { errorText, log } from "../../platform/log";
import type { Notify as NotifyOf } from "../../platform/notify";
import { sendInBatches } from "../../platform/queue";
import { addDays, localDay, localInstant, regionByCode } from "../../platform/region";
import { branchShards, type StepCursor } from "../../platform/shard-map";
import { chargeDayPart } from "../billing/billing.service";
import { firstLedgerDay, monthDays } from "../billing/ledger.service";
import { CLOSE_PAGE, CLOSE_PAGES_PER_MESSAGE, closeMonthPart, lastClosableMonth, nextMonth } from "../billing/period-close.service";
import { bonusTick, EARN_HOUR } from "../bonus/bonus.service";
import { ALERT_HOUR, balanceAlerts } from "../notifications/alerts.service";
import type { NotificationMessage } from "../notifications/notifications.messages";
import { applyShardBlocks } from "../services/blocks.service";
import { applyTariffChangesPage } from "../services/tariff-change.service";
import {
  CHARGE_CALLS_PER_MESSAGE,
  FIRST_DAY_SHARDS_PER_MESSAGE,
  MIDNIGHT_BLOCKS_PAGE,
  MIDNIGHT_CHANGES_PAGE,
  SHARD_START_CALLS,
} from "./daily.limits";

type Notify = NotifyOf<NotificationMessage>;

/** A region's daily work, one message per region on the `billing` queue (each has a whole invocation's budget). */
export interface RegionDayMessage {
  kind: "cron.region";
  region: string;
  /** The tick's scheduled time (ms): what is due is reckoned from it. */
  at: number;
  /** A day left part-charged by the message before: go on after this service rowid (of this shard; the home one if none). */
  resume?: { day: string; afterRowid: number; shard?: string };
  /** A month left part-closed by the message before: go on after this account (of this shard; the home one if none). */
  closeResume?: { month: string; afterAccount: string; shard?: string };
  /**
   * A region's first close looking for its first ledger day, shards at a time: the shards up to `throughShard` (in
   * the branch's order) are read, and `earliest` is the earliest day on them (null: none yet).
   */
  firstScan?: { throughShard: string; earliest: string | null };
  /**
   * From a deployment whose points and alerts went in one chain a region: accepted and ignored (the message then does
   * what a plain one does: the day's steps start again in chains per shard, each of their steps once by its key).
   */
  stepResume?: { job: "bonus" | "alerts"; day: string; shard: string; afterRowid: number };
  /**
   * The region's chain (its lease, platform/lease.ts `region:<code>`): the hourly tick and a day's last step chain
   * start one only when none runs; each message of it reports, hands the run on, and the last gives it back. A
   * message without one (from before leases) works as it did.
   */
  run?: string;
}

/** A region's chain is taken over when none of its messages reported for this long (one was dead-lettered). */
export const REGION_LEASE_STALE_MS = 15 * 60_000;
const regionLease = (region: string) => `region:${region}`;

/**
 * A shard's chain of a region's paged daily job (points or alerts) for a day: its accounts after `afterRowid` on
 * `shard`, a message at a time, side by side with the chains of the branch's other shards.
 */
export interface StepShardMessage {
  kind: "cron.step";
  region: string;
  job: StepJob;
  day: string;
  /** The region message's tick time (ms): the alerts reckon today from it. */
  at: number;
  shard: string;
  afterRowid: number;
  /** The chain's generation (its row's `seq`): a message goes on only while its row still has it. */
  seq: number;
  /**
   * How many times this finished chain's message has come back to tell the region, which a chain of the region's
   * held then (`tellRegion`): it tries again a few minutes later, at most STEP_TELLS times.
   */
  tells?: number;
}

/** Times a finished chain comes back to tell its region, STEP_TELL_DELAY_S apart, while the region's chain runs. */
const STEP_TELLS = 20;
const STEP_TELL_DELAY_S = 180;

export type DailyJob = "midnight" | "bonus" | "alerts";
type Job = DailyJob | "close";

/** The local hour from which each job's day is due. */
const JOB_HOUR: Record<DailyJob, number> = { midnight: 0, bonus: EARN_HOUR, alerts: ALERT_HOUR };

/**
 * Days one message catches up per job: a region that fell further behind is
 * caught up by the next ticks (the tick queues it again while it is behind),
 * so one invocation stays within its D1 queries and CPU.
 */
export const MAX_CATCHUP_DAYS = 7;

/**
 * Batches of CHARGE_BATCH services one message charges (two D1 statements
 * each): 200 × 2,000 = 400,000 services in about 400 queries. A larger
 * region's day goes on in a message of its own, from where this one stopped.
 */
export const CHARGE_BATCHES_PER_MESSAGE = 200;

/**
 * What one message of a shard's chain takes of a day's points and alerts, from where the message before stopped:
 * bonus members while a member's most possible calls (7: its charges, autopay, three earnings, the expiry) fit 450;
 * accounts' alerts a page of 90 at a time while a page's most possible calls (5 queries, its events in batches of
 * 100: two a link at most) fit 500.
 * A region of millions of accounts is many messages, each inside an invocation's 1,000 calls, in one chain per shard
 * of its branch side by side; before, one message earned and alerted the whole region, then one chain did.
 */
export const STEP_LIMITS = { bonus: 20_000, bonusCalls: 450, alerts: 20_000, alertCalls: 500 };
/** A shard's chain that handed on within this long is at work: a message the tick sends meanwhile leaves it. */
export const STEP_LEASE_MS = 10 * 60_000;
/** D1 round trips after which a message hands the day's next step to a message of its own (the charge may have spent 400). */
const STEP_HAND_ON_AFTER = 450;

/**
 * Where a message cut short goes on among a branch's shards: at the shard it names, after its cursor (the home one,
 * first, when it names none: a message from before the shards were named). A shard that is no longer among them
 * (unbound, or not the branch's) starts the pass again from the home shard's first row, the cursor dropped: its rowid
 * or account is that shard's, and applied to the home shard it would skip the rows before it there. Each charge and
 * each account's close is once by its key, so a pass started again does nothing twice.
 */
function resumeAt<C extends { shard?: string }>(shards: readonly ShardBinding[], cursor: C | undefined): { from: number; cursor?: C } {
  if (!cursor?.shard) return { from: 0, cursor };
  const i = shards.indexOf(cursor.shard as ShardBinding);
  return i >= 0 ? { from: i, cursor } : { from: 0 };
}

function localHour(tz: string, at: Date): number {
  return Number(new Intl.DateTimeFormat("en-GB", { timeZone: tz, hour: "2-digit", hourCycle: "h23" }).format(at));
}

/** The latest region-local day whose `hour` has come by `at`. */
export function dueDay(tz: string, at: Date, hour: number): string {
  const today = localDay(tz, at);
  return localHour(tz, at) >= hour ? today : addDays(today, -1);
}

/**
 * The days a job still has to do in a region, oldest first and at most
 * MAX_CATCHUP_DAYS: from the day after the last one done up to the day due.
 * A job that has never run starts at the day due. Balance alerts are about
 * the balance now, so only the latest day is sent, and only once its hour has come.
 */
export function daysToDo(job: DailyJob, tz: string, at: Date, doneDay: string | undefined): string[] {
  if (job === "alerts") {
    const today = localDay(tz, at);
    return localHour(tz, at) >= ALERT_HOUR && (doneDay === undefined || doneDay < today) ? [today] : [];
  }
  const due = dueDay(tz, at, JOB_HOUR[job]);
  const days: string[] = [];
  for (let d = doneDay === undefined ? due : addDays(doneDay, 1); d <= due && days.length < MAX_CATCHUP_DAYS; d = addDays(d, 1))
    days.push(d);
  return days;
}

type StepJob = "bonus" | "alerts";
type StepRow = typeof cronStepShards.$inferSelect;

/**
 * The region's progress: the last day each job finished, and its paged jobs' chains per shard (written by each of
 * their messages as it hands on), in one round trip.
 */
async function progressOf(data: DataAccess, region: string): Promise<{ done: Map<Job, string>; steps: StepRow[] }> {
  const db = data.shardForRegion(region);
  const [rows, steps] = await db.batch([
    db.select({ job: cronProgress.job, doneDay: cronProgress.doneDay }).from(cronProgress).where(eq(cronProgress.region, region)),
    db.select().from(cronStepShards).where(eq(cronStepShards.region, region)),
  ]);
  return { done: new Map(rows.map((r) => [r.job, r.doneDay])), steps };
}

/** Rows of `cron_step_shards` one statement writes (8 columns: 96 bound parameters of D1's 100; the update binds none). */
export const STEP_ROWS_PER_STATEMENT = 12;

/**
 * The statement that starts chains for `rows` (at most STEP_ROWS_PER_STATEMENT): a row per shard, or a row of an
 * earlier day made this day's, from its first account, in a new generation; a row already of this day (or a later
 * one) is left as it is, so two messages that start the same day start each chain once. The rows started are returned.
 */
export function stepRowsUpsert(db: RegionDb, rows: (typeof cronStepShards.$inferInsert)[]) {
  return db
    .insert(cronStepShards)
    .values(rows)
    .onConflictDoUpdate({
      target: [cronStepShards.job, cronStepShards.region, cronStepShards.shard],
      set: {
        day: sql`excluded.day`,
        afterRowid: sql`excluded.after_rowid`,
        done: sql`excluded.done`,
        updatedAt: sql`excluded.updated_at`,
        seq: sql`${cronStepShards.seq} + 1`,
      },
      setWhere: sql`${cronStepShards.day} < excluded.day`,
    })
    .returning({ shard: cronStepShards.shard, seq: cronStepShards.seq });
}

/**
 * Starts a day of a paged job on shards of a region's branch that have no chain of that day yet: their rows (the day,
 * from the first account, not through) in one batch, then one message each for the rows this call started, each the
 * start of that shard's chain.
 */
async function startStepChains(
  data: DataAccess,
  queue: Queue,
  region: string,
  job: StepJob,
  day: string,
  at: number,
  shards: readonly ShardBinding[],
  now: Date,
) {
  const db = data.shardForRegion(region);
  const rows = shards.map((shard) => ({ job, region, shard, day, afterRowid: 0, done: false, updatedAt: now, seq: 0 }));
  const statements = [];
  for (let i = 0; i < rows.length; i += STEP_ROWS_PER_STATEMENT)
    statements.push(stepRowsUpsert(db, rows.slice(i, i + STEP_ROWS_PER_STATEMENT)));
  const [first, ...more] = statements;
  if (!first) return;
  const started = (await db.batch([first, ...more])).flat();
  try {
    await sendInBatches(
      queue,
      started.map(({ shard, seq }) => ({
        body: { kind: "cron.step", region, job, day, at, shard, afterRowid: 0, seq } satisfies StepShardMessage,
      })),
    );
  } catch (e) {
    // The rows say the chains are at work: the tick's message after STEP_LEASE_MS starts those that never moved, so
    // the region's message (its charge done) is not failed and charged again for want of a queue.
    log("error", "cron.step_start_unsent", { region, job, day, error: errorText(e) });
  }
}

/** Records that a job finished `day` in a region; never moves back (an overlapping run may have got further). */
async function markDone(data: DataAccess, job: Job, region: string, day: string, now: Date) {
  await data
    .shardForRegion(region)
    .insert(cronProgress)
    .values({ job, region, doneDay: day, updatedAt: now })
    .onConflictDoUpdate({
      target: [cronProgress.job, cronProgress.region],
      set: { doneDay: day, updatedAt: now },
      setWhere: lt(cronProgress.doneDay, day),
    });
}

/**
 * Cron (hourly): the regions that have daily work due (a day not charged yet,
 * bonus points not earned, today's alerts not sent), read from each shard's
 * `cron_progress` (one query a shard), queued as one message per region on
 * the `billing` queue. A region whose ticks were missed is simply behind and
 * is queued again until it has caught up.
 */
export async function queueDueRegions(data: DataAccess, queue: Queue, at: Date, shards: readonly ShardBinding[] = SHARDS): Promise<number> {
  const messages: { body: RegionDayMessage }[] = [];
  for (const binding of shards) {
    const rows = await data
      .shard(binding)
      .select({ job: cronProgress.job, region: cronProgress.region, doneDay: cronProgress.doneDay })
      .from(cronProgress)
      .all();
    const done = new Map(rows.map((r) => [`${r.job}|${r.region}`, r.doneDay]));
    for (const r of REGIONS) {
      if (data.shardForRegion(r.code) !== data.shard(binding)) continue;
      const jobs = ["midnight", "bonus", "alerts"] as const;
      const closable = lastClosableMonth(jobs.map((job) => done.get(`${job}|${r.code}`)));
      const closedTo = done.get(`close|${r.code}`);
      const behind =
        jobs.some((job) => daysToDo(job, r.tz, at, done.get(`${job}|${r.code}`)).length > 0) ||
        (closable !== null && (closedTo === undefined || closedTo.slice(0, 7) < closable));
      if (!behind) continue;
      // One chain a region: while the last tick's (or a day's steps') still runs, none is started.
      const run = await takeLease(data.global, regionLease(r.code), at, REGION_LEASE_STALE_MS);
      if (run === null) log("info", "cron.region_running", { region: r.code });
      else messages.push({ body: { kind: "cron.region", region: r.code, at: at.getTime(), run } });
    }
  }
  try {
    await sendInBatches(queue, messages);
  } catch (e) {
    // Not sent: the leases go back, so the tick's retry queues them (not 15 minutes later).
    await Promise.allSettled(messages.map((m) => release(data.global, regionLease(m.body.region), m.body.run ?? "")));
    throw e;
  }
  return messages.length;
}

/**
 * A region's daily work (`dayWork`) within its chain: a message of a run reports first and stops when the run was
 * taken over; every region message it sends carries the run; when it sent none (the region is done, or waits for
 * its steps' chains), it gives the lease back.
 */
export async function runRegionDay(
  data: DataAccess,
  notify: Notify,
  queue: Queue,
  message: Pick<RegionDayMessage, "region" | "at" | "resume" | "closeResume" | "firstScan" | "run">,
  now = new Date(),
  chargeBatches = CHARGE_BATCHES_PER_MESSAGE,
  closePages = CLOSE_PAGES_PER_MESSAGE,
  chargeCalls = CHARGE_CALLS_PER_MESSAGE,
): Promise<DayOutcome> {
  const run = message.run;
  if (run === undefined) return dayWork(data, notify, queue, message, now, chargeBatches, closePages, chargeCalls);
  const lease = regionLease(message.region);
  if (!(await beat(data.global, lease, run, now))) {
    log("info", "cron.region_superseded", { region: message.region });
    return { ...emptyOutcome(), superseded: true };
  }
  let handedOn = false;
  const carry = (body: unknown) => {
    if ((body as { kind?: unknown } | null)?.kind !== "cron.region") return body;
    handedOn = true;
    return { ...(body as RegionDayMessage), run };
  };
  const chained = {
    send: (body: unknown, o?: QueueSendOptions) => queue.send(carry(body), o),
    sendBatch: (ms: Iterable<MessageSendRequest>, o?: QueueSendBatchOptions) =>
      queue.sendBatch(
        [...ms].map((m) => ({ ...m, body: carry(m.body) })),
        o,
      ),
  } as Queue;
  const out = await dayWork(data, notify, chained, message, now, chargeBatches, closePages, chargeCalls);
  if (!handedOn) await release(data.global, lease, run);
  return out;
}

function emptyOutcome() {
  return {
    charged: [] as string[],
    entries: 0,
    tariffChanges: 0,
    blocksStarted: 0,
    blocksEnded: 0,
    bonusDays: 0,
    closed: [] as string[],
    continued: false,
    superseded: false,
  };
}
type DayOutcome = ReturnType<typeof emptyOutcome>;

/**
 * A region's daily work due at `at`, each job a day at a time from where it
 * got to: the new day's tariff changes and blocks, then its charge (keyed
 * `charge:<service>:<day>`); the points for the day before (keyed by account
 * and day); today's balance alerts (event ids name the day). Every step is
 * idempotent and progress is recorded after each day, so a retried or
 * duplicated message, or two at once, does each day once.
 */
async function dayWork(
  data: DataAccess,
  notify: Notify,
  queue: Queue,
  message: Pick<RegionDayMessage, "region" | "at" | "resume" | "closeResume" | "firstScan">,
  now: Date,
  chargeBatches: number,
  closePages: number,
  chargeCalls: number,
): Promise<DayOutcome> {
  const spentBefore = queriesUsed(data.stats);
  const callsLeft = () => chargeCalls - (queriesUsed(data.stats) - spentBefore);
  const regionCode = message.region;
  const at = new Date(message.at);
  const region = regionByCode(regionCode);
  if (!region) throw new RangeError(`unknown region ${regionCode}`);
  const tz = region.tz;
  const db = data.shardForRegion(region.code);
  const [{ done: progress, steps: chains }, accountShards] = await Promise.all([
    progressOf(data, region.code),
    branchShards(data, region.code),
  ]);
  const out = emptyOutcome();
  for (const day of daysToDo("midnight", tz, at, progress.get("midnight"))) {
    // The day's work happens "at" its local midnight (or now, if that is still ahead of the clock).
    const t = new Date(Math.min(localInstant(tz, day, 0).getTime(), now.getTime()));
    // The region's accounts may be on several shards of its branch: each is charged in turn, the home one first.
    const { from, cursor: resume } = resumeAt(accountShards, message.resume?.day === day ? message.resume : undefined);
    let n = 0;
    // The rest of the day (and what follows it) in a message of its own, from this row of this shard.
    const handOn = async (shard: ShardBinding, afterRowid: number) => {
      await queue.send({
        kind: "cron.region",
        region: region.code,
        at: message.at,
        resume: { day, afterRowid, shard },
      } satisfies RegionDayMessage);
      out.continued = true;
      return out;
    };
    for (let i = from; i < accountShards.length; i++) {
      const shard = accountShards[i] as ShardBinding;
      const afterRowid = resume && i === from ? resume.afterRowid : 0;
      if (afterRowid === 0) {
        // Too little left to start a shard: the rest of the day in a message of its own, from this shard.
        // (The first shard of a later day too: the day before may have spent the message.)
        if ((i > from || out.charged.length > 0) && callsLeft() < SHARD_START_CALLS) return handOn(shard, 0);
        // The shard's day begins with its tariff changes and blocks (a block starting today spares today's charge);
        // a message resumed at its start does them again, each once.
        const changes = await applyTariffChangesPage(i === 0 ? db : data.shard(shard), region.code, day, t, MIDNIGHT_CHANGES_PAGE);
        const blocks = await applyShardBlocks(data, data.shard(shard), notify, region.code, day, t, MIDNIGHT_BLOCKS_PAGE);
        out.tariffChanges += changes.applied;
        out.blocksStarted += blocks.started;
        out.blocksEnded += blocks.ended;
        // A full page: more may be due, before the charge. The rest in a message of its own, from this shard's start
        // again. (Each row a page picks leaves the due set in its own transaction, by this message or another at the
        // same time, so the pages end; a page another message worked first still hands on, never charges past it.)
        if (changes.full || blocks.full) return handOn(shard, 0);
      }
      // Two calls a batch, and the options' one: the batches the message's calls still allow.
      const batches = Math.max(0, Math.min(chargeBatches, Math.floor((callsLeft() - 4) / 2)));
      const part = await chargeDayPart(data.shard(shard), region.code, day, t, afterRowid, batches);
      out.entries += part.charged;
      n += part.charged;
      // The day is not done yet.
      if (part.next !== null) return handOn(shard, part.next);
    }
    out.charged.push(day);
    await markDone(data, "midnight", region.code, day, now);
    log("info", "billing.charged", { region: region.code, day, entries: n });
  }
  // The day's points and alerts go in chains, one per shard of the branch, side by side; the chain that finds every
  // row through sends the region's next message, which marks the day done once every shard of the branch has its row
  // of the day through, and goes on (the next day, the alerts, the close).
  // `ready`: every shard's chain of the day is through (then the day is done here); `busy`: chains are at work, or
  // were started now; a chain that has not handed on for STEP_LEASE_MS (its message lost) is started again from
  // where it got to.
  const stepOf = async (job: StepJob, day: string): Promise<"ready" | "busy"> => {
    // The rows of the day of the branch's shards (a shard no longer bound is not waited for).
    const rows = chains.filter((c) => c.job === job && c.day === day && accountShards.includes(c.shard as ShardBinding));
    // Shards of the branch with no chain of the day: all of them at first, or one added since (its accounts too).
    const missing = accountShards.filter((shard) => !rows.some((c) => c.shard === shard));
    if (missing.length > 0) {
      // A message that has spent much of its calls already (a charge) leaves the start to a message of its own.
      if (queriesUsed(data.stats) > STEP_HAND_ON_AFTER) {
        await queue.send({ kind: "cron.region", region: region.code, at: message.at } satisfies RegionDayMessage);
      } else await startStepChains(data, queue, region.code, job, day, message.at, missing, now);
      out.continued = true;
      return "busy";
    }
    if (rows.every((c) => c.done)) return "ready";
    // Chains that have not handed on for STEP_LEASE_MS (their message lost, or retried for that long) are taken over
    // in a new generation: the rows this message moved on, so two messages never take the same chain over twice.
    const db = data.shardForRegion(region.code);
    const taken = await db
      .update(cronStepShards)
      .set({ updatedAt: now, seq: sql`${cronStepShards.seq} + 1` })
      .where(
        and(
          eq(cronStepShards.job, job),
          eq(cronStepShards.region, region.code),
          eq(cronStepShards.day, day),
          eq(cronStepShards.done, false),
          lt(cronStepShards.updatedAt, new Date(now.getTime() - STEP_LEASE_MS)),
          inList(cronStepShards.shard, accountShards),
        ),
      )
      .returning({ shard: cronStepShards.shard, afterRowid: cronStepShards.afterRowid, seq: cronStepShards.seq });
    if (taken.length > 0) {
      await sendInBatches(
        queue,
        taken.map((c) => ({
          body: { kind: "cron.step", region: region.code, job, day, at: message.at, ...c } satisfies StepShardMessage,
        })),
      );
      log("warn", "cron.step_taken_over", { region: region.code, job, day, shards: taken.length });
      out.continued = true;
    }
    return "busy";
  };
  for (const day of daysToDo("bonus", tz, at, progress.get("bonus"))) {
    if ((await stepOf("bonus", day)) === "busy") return out;
    out.bonusDays++;
    await markDone(data, "bonus", region.code, day, now);
  }
  // Alerts read the balance: only once the region is charged up to today.
  const chargedTo = out.charged.at(-1) ?? progress.get("midnight") ?? "";
  if (chargedTo >= localDay(tz, at)) {
    for (const day of daysToDo("alerts", tz, at, progress.get("alerts"))) {
      if ((await stepOf("alerts", day)) === "busy") return out;
      await markDone(data, "alerts", region.code, day, now);
    }
  }
  const closing = await closeMonths(data, queue, message, (await progressOf(data, region.code)).done, now, closePages);
  out.closed = closing.closed;
  out.continued = closing.continued;
  return out;
}

/**
 * The period close (закрытие периода) of a region's ended months, oldest
 * first, once every daily job has done the month's last day: each month a
 * page of accounts at a time (billing/period-close.service.ts), recorded as
 * done (`close`, the month's last day) when every account is closed. A region
 * that never closed starts at the month of its first ledger entry, read
 * `scanShards` shards a message (the rest in messages of their own, with the
 * earliest day so far). Up to `maxPages` pages per message; the rest of a month
 * goes on in a message of its own.
 */
export async function closeMonths(
  data: DataAccess,
  queue: Queue,
  message: Pick<RegionDayMessage, "region" | "at" | "closeResume" | "firstScan">,
  progress: Map<Job, string>,
  now: Date,
  maxPages = CLOSE_PAGES_PER_MESSAGE,
  pageSize = CLOSE_PAGE,
  scanShards = FIRST_DAY_SHARDS_PER_MESSAGE,
): Promise<{ closed: string[]; continued: boolean }> {
  const out = { closed: [] as string[], continued: false };
  // The region's accounts may be on several shards of its branch: each month is closed on each, the home one first.
  const accountShards = await branchShards(data, message.region);
  const closable = lastClosableMonth([progress.get("midnight"), progress.get("bonus"), progress.get("alerts")]);
  if (closable === null) return out;
  const closedTo = progress.get("close");
  let month: string;
  if (closedTo !== undefined) month = nextMonth(closedTo.slice(0, 7));
  // The first close under way (its first month found, then cut short): it goes on, not back to the scan.
  else if (message.closeResume) month = message.closeResume.month;
  else {
    // Where the scan got to: after its shard (from the start if that shard is no longer the branch's).
    const scan = message.firstScan;
    const from = scan ? accountShards.indexOf(scan.throughShard as ShardBinding) + 1 : 0;
    const part = accountShards.slice(from, from + scanShards);
    const firsts = (await Promise.all(part.map((b) => firstLedgerDay(data.shard(b), message.region)))).filter(
      (d): d is string => d !== null,
    );
    const first = [...firsts, ...(scan?.earliest ? [scan.earliest] : [])].sort()[0] ?? null;
    const through = part.at(-1);
    if (through !== undefined && from + part.length < accountShards.length) {
      await queue.send({
        kind: "cron.region",
        region: message.region,
        at: message.at,
        firstScan: { throughShard: through, earliest: first },
      } satisfies RegionDayMessage);
      out.continued = true;
      return out;
    }
    month = first === null ? nextMonth(closable) : first.slice(0, 7);
  }
  if (month > closable) {
    // Nothing to close (a region without entries): record it, so the tick does not queue it again.
    if (closedTo === undefined) await markDone(data, "close", message.region, monthDays(closable).last, now);
    return out;
  }
  let pagesLeft = maxPages;
  for (; month <= closable; month = nextMonth(month)) {
    const { from, cursor: resume } = resumeAt(accountShards, message.closeResume?.month === month ? message.closeResume : undefined);
    let accounts = 0;
    for (let i = from; i < accountShards.length; i++) {
      const shard = accountShards[i] as ShardBinding;
      const after = resume && i === from ? resume.afterAccount : "";
      const part = await closeMonthPart(data.shard(shard), message.region, month, after, pagesLeft, now, pageSize);
      pagesLeft -= part.pages;
      accounts += part.accounts;
      if (part.next !== null) {
        await queue.send({
          kind: "cron.region",
          region: message.region,
          at: message.at,
          closeResume: { month, afterAccount: part.next, shard },
        } satisfies RegionDayMessage);
        out.continued = true;
        return out;
      }
    }
    await markDone(data, "close", message.region, monthDays(month).last, now);
    out.closed.push(month);
    log("info", "billing.closed", { region: message.region, month, accounts });
    if (pagesLeft <= 0 && month < closable) {
      await queue.send({ kind: "cron.region", region: message.region, at: message.at } satisfies RegionDayMessage);
      out.continued = true;
      return out;
    }
  }
  return out;
}

/** Whether a queue message is a region's daily work. */
export function isRegionDayMessage(body: unknown): body is RegionDayMessage {
  const m = body as Partial<RegionDayMessage> | null;
  const resume = m?.resume;
  return (
    m?.kind === "cron.region" &&
    typeof m.region === "string" &&
    regionByCode(m.region) !== undefined &&
    Number.isFinite(m.at) &&
    (resume === undefined ||
      (typeof resume === "object" &&
        /^\d{4}-\d\d-\d\d$/.test(String(resume?.day)) &&
        Number.isSafeInteger(resume?.afterRowid) &&
        (resume?.shard === undefined || isShardBinding(String(resume.shard))))) &&
    (m.closeResume === undefined ||
      (typeof m.closeResume === "object" &&
        /^\d{4}-\d\d$/.test(String(m.closeResume?.month)) &&
        typeof m.closeResume?.afterAccount === "string" &&
        (m.closeResume?.shard === undefined || isShardBinding(String(m.closeResume.shard))))) &&
    (m.firstScan === undefined ||
      (typeof m.firstScan === "object" &&
        isShardBinding(String(m.firstScan?.throughShard)) &&
        (m.firstScan?.earliest === null || /^\d{4}-\d\d-\d\d$/.test(String(m.firstScan?.earliest))))) &&
    (m.stepResume === undefined ||
      (typeof m.stepResume === "object" &&
        (m.stepResume?.job === "bonus" || m.stepResume?.job === "alerts") &&
        /^\d{4}-\d\d-\d\d$/.test(String(m.stepResume?.day)) &&
        Number.isSafeInteger(m.stepResume?.afterRowid) &&
        isShardBinding(String(m.stepResume?.shard)))) &&
    (m.run === undefined || (typeof m.run === "string" && /^[\w-]{1,60}$/.test(m.run)))
  );
}

/**
 * A message of a shard's chain: that shard's accounts of the region after the cursor, within the step's limits. It
 * goes on only while its row is of its day, not through, and of its generation (`seq`); a redelivered, late or
 * superseded copy does nothing. When the shard has more, the row takes the cursor and the next generation in one
 * statement that checks this one, and the next message goes on from there. When it is through, the row says so; the
 * message that finds every row of the day through sends the region's message, which marks the day done once every
 * shard of the branch has its row through (a shard added meanwhile gets its chain first). A retry of that message
 * (its row through in the generation after its own) counts again and sends again.
 */
export async function runStepShard(
  data: DataAccess,
  notify: Notify,
  queue: Queue,
  m: Omit<StepShardMessage, "kind">,
  now = new Date(),
  stepLimits = STEP_LIMITS,
  /** The queue's delivery count of this message: above 1, a retry of one that failed (or whose ack was lost). */
  attempts = 1,
): Promise<{ worked: boolean; earned: number; alerts: number; next: StepCursor | null; through: boolean }> {
  const out = { worked: false, earned: 0, alerts: 0, next: null as StepCursor | null, through: false };
  const region = regionByCode(m.region);
  if (!region) throw new RangeError(`unknown region ${m.region}`);
  const db = data.shardForRegion(region.code);
  const mine = and(
    eq(cronStepShards.job, m.job),
    eq(cronStepShards.region, region.code),
    eq(cronStepShards.shard, m.shard),
    eq(cronStepShards.day, m.day),
  );
  const openOfDay = and(
    eq(cronStepShards.job, m.job),
    eq(cronStepShards.region, region.code),
    eq(cronStepShards.day, m.day),
    eq(cronStepShards.done, false),
  );
  const tellRegion = async () => {
    // Rows of shards that are no longer the branch's (or not bound) are not waited for, as the region's message
    // does not wait for them either.
    const [rows, branch] = await Promise.all([
      db.select({ shard: cronStepShards.shard }).from(cronStepShards).where(openOfDay),
      branchShards(data, region.code),
    ]);
    if (rows.some((r) => branch.includes(r.shard as ShardBinding))) return;
    out.through = true;
    // The region's next message starts a chain of its own. While one runs (it may have read the steps before this
    // one was through), this message comes back a few minutes later to tell it again.
    const run = await startChain(data.global, regionLease(region.code), now, REGION_LEASE_STALE_MS, (r) =>
      queue.send({ kind: "cron.region", region: region.code, at: m.at, run: r } satisfies RegionDayMessage),
    );
    if (run === null) {
      const tells = (m.tells ?? 0) + 1;
      log("info", "cron.region_running", { region: region.code, tells });
      if (tells <= STEP_TELLS)
        await queue.send({ kind: "cron.step", ...m, tells } satisfies StepShardMessage, { delaySeconds: STEP_TELL_DELAY_S });
    }
  };
  const current = await db.select().from(cronStepShards).where(mine).get();
  if (!current) return out;
  // This message finished the shard and then failed before telling the region: its retry tells it (the region's
  // message is idempotent).
  if (current.done && current.seq === m.seq + 1) {
    await tellRegion();
    return out;
  }
  // This message moved the row on and then failed to hand on (the send threw; or its ack was lost after the send):
  // its retry hands on again, at once, rather than leaving the chain to the tick's takeover an hour later. The next
  // message has not finished its page (the row would be a generation further), so a second copy of it is at most a
  // duplicate of the same generation: the first to move the row on keeps the chain, the other stops (`seq`), and a
  // page worked twice earns and tells nothing twice (its keys). Only a retry does this: the copy it sends is a first
  // delivery, so a copy that finds itself a generation behind does not send another (no second chain trailing).
  // A takeover (`stepOf`) also moves the generation on, but not the cursor: a row whose cursor is still this
  // message's was not moved on by it, and the takeover's own message goes on from there.
  if (attempts > 1 && !current.done && current.seq === m.seq + 1 && current.afterRowid !== m.afterRowid) {
    await queue.send({ ...m, kind: "cron.step", afterRowid: current.afterRowid, seq: current.seq } satisfies StepShardMessage);
    return out;
  }
  if (current.done || current.seq !== m.seq) return out;
  out.worked = true;
  const from = { shard: m.shard, afterRowid: m.afterRowid };
  if (m.job === "bonus") {
    const earned = await bonusTick(data, localInstant(region.tz, m.day, EARN_HOUR), [region], {
      from,
      only: m.shard,
      limit: stepLimits.bonus,
      calls: stepLimits.bonusCalls,
    });
    out.earned = earned.earned;
    out.next = earned.next;
  } else {
    const sent = await balanceAlerts(data, notify, new Date(m.at), [region], {
      from,
      only: m.shard,
      limit: stepLimits.alerts,
      calls: stepLimits.alertCalls,
    });
    out.alerts = sent.lowBalance + sent.runsOut + sent.charges;
    out.next = sent.next;
  }
  // The row moves on only from this generation: a copy that took over meanwhile keeps the chain, this one stops.
  const moved = await db
    .update(cronStepShards)
    .set({
      ...(out.next ? { afterRowid: out.next.afterRowid } : { done: true }),
      updatedAt: now,
      seq: sql`${cronStepShards.seq} + 1`,
    })
    .where(and(mine, eq(cronStepShards.seq, m.seq), eq(cronStepShards.done, false)))
    .returning({ seq: cronStepShards.seq });
  const seq = moved[0]?.seq;
  if (seq === undefined) return out;
  if (out.next) {
    await queue.send({ ...m, kind: "cron.step", afterRowid: out.next.afterRowid, seq } satisfies StepShardMessage);
    return out;
  }
  await tellRegion();
  return out;
}

/** Whether a queue message is a shard's chain of a region's paged daily job. */
export function isStepShardMessage(body: unknown): body is StepShardMessage {
  const m = body as Partial<StepShardMessage> | null;
  return (
    m?.kind === "cron.step" &&
    typeof m.region === "string" &&
    regionByCode(m.region) !== undefined &&
    (m.job === "bonus" || m.job === "alerts") &&
    /^\d{4}-\d\d-\d\d$/.test(String(m.day)) &&
    Number.isFinite(m.at) &&
    typeof m.shard === "string" &&
    isShardBinding(m.shard) &&
    Number.isSafeInteger(m.afterRowid) &&
    Number.isSafeInteger(m.seq) &&
    (m.tells === undefined || (Number.isSafeInteger(m.tells) && m.tells >= 0))
  );
}

/** The `billing` queue's chain messages: acked when the page is done, retried (with backoff) if it failed. */
export async function consumeStepShard(message: Message<unknown>, data: DataAccess, notify: Notify, queue: Queue, retryDelay: number) {
  const body = message.body as StepShardMessage;
  try {
    const out = await runStepShard(data, notify, queue, body, new Date(), STEP_LIMITS, message.attempts);
    log("info", "cron.step", {
      region: body.region,
      job: body.job,
      day: body.day,
      shard: body.shard,
      ...out,
      next: out.next?.afterRowid ?? null,
    });
    message.ack();
  } catch (e) {
    log("error", "cron.step_failed", {
      region: body.region,
      job: body.job,
      shard: body.shard,
      attempts: message.attempts,
      error: errorText(e),
    });
    message.retry({ delaySeconds: retryDelay });
  }
}

/** The `billing` queue's daily-work messages: each acked when its region's work is done, retried (with backoff) if it failed. */
export async function consumeRegionDay(message: Message<unknown>, data: DataAccess, notify: Notify, queue: Queue, retryDelay: number) {
  const body = message.body as RegionDayMessage;
  try {
    const out = await runRegionDay(data, notify, queue, body);
    log("info", "cron.region", { region: body.region, ...out, charged: out.charged.length, closed: out.closed.length });
    message.ack();
  } catch (e) {
    log("error", "cron.region_failed", { region: body.region, attempts: message.attempts, error: errorText(e) });
    message.retry({ delaySeconds: retryDelay });
  }
}
