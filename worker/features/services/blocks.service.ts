import { sql } from "drizzle-orm";
import { BLOCKABLE_KINDS, blockRulesFor } from "../../data/services.data";
import { type AccountScope, settledHere } from "../../platform/arriving";
import type { DataAccess, RegionDb, ShardBinding } from "../../platform/db";
import { AppError, type FieldError } from "../../platform/errors";
import { newId } from "../../platform/ids";
import { errorText, log } from "../../platform/log";
import { addDays, daysBetween, localDay } from "../../platform/region";
import { branchShards } from "../../platform/shard-map";
import { requireAccount } from "../accounts/accounts.service";
import { entryIf } from "../billing/ledger.service";
import { selectApplication } from "./applications.queries";
import { type Applicant, applicationWritten, createApplication, type Notify, transition } from "./applications.service";
import * as bq from "./blocks.queries";
import * as q from "./services.queries";
import { chargesBetween, holderService } from "./services.service";

/** Voluntary blocks (добровольная блокировка): the calendar's terms, ordering, ending early, and the midnight start and end. */

const dayMs = (day: string) => Date.parse(`${day}T00:00:00Z`);
const isDay = (s: string) => /^\d{4}-\d{2}-\d{2}$/.test(s) && !Number.isNaN(dayMs(s)) && new Date(dayMs(s)).toISOString().startsWith(s);

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
  // A block cancelled before it began took no day: it neither overlaps nor counts against the year's allowance.
  const existing = (await bq.selectServiceBlocks(db, svc.service.id)).filter((b) => b.id !== exceptId && b.status !== "cancelled");
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
  // The days taken in each year the block touches, as read: its claim holds only while they are still so.
  const usedByYear = new Map([...mine.keys()].map((y) => [y, used.get(y) ?? 0]));
  return { rules, days, savedKop, feeKop, savingKop: savedKop - feeKop, usedThisYear, usedByYear, errors };
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
  const { usedByYear: _, ...terms } = await blockTerms(db, row, link.region, from, to, localDay(tz, now));
  return { serviceId, from, to, ...terms, errors: terms.errors.map((e) => e.message), earliest: addDays(localDay(tz, now), 1) };
}

/**
 * How many times a block's claim is tried against other blocks of its service claimed (or cancelled) at the same
 * moment: each lost try is another's won, so a subscriber's few taps at once all get their answer.
 */
const CLAIM_ATTEMPTS = 8;

/** Orders a voluntary block: an application the calendar carries out (start and end by the cron, in the region's time). */
export async function createBlock(
  data: DataAccess,
  notify: Notify,
  { subscriberId, homeShard }: Applicant,
  accountNo: string,
  serviceId: string,
  from: string,
  to: string,
  now = new Date(),
) {
  const { link, db, row, tz } = await holderService(data, subscriberId, accountNo, serviceId);
  // The block is claimed first, in one statement that refuses it when another of the service's blocks (scheduled or
  // under way) overlaps its days, or when the days its terms were worked out from have changed since (another block
  // claimed meanwhile): the same request sent many times at once makes one block and one application, and blocks of
  // different days sent at once stay within the year's allowance, each with the fee of the free days left to it.
  // A claim that lost such a race works its terms out again.
  const applicationId = newId(now.getTime());
  let terms: Awaited<ReturnType<typeof blockTerms>> | undefined;
  let block: Parameters<typeof bq.claimBlock>[1] & { status: "scheduled" } = {
    id: newId(now.getTime()),
    accountNo: link.accountNo,
    serviceId,
    region: link.region,
    fromDay: from,
    toDay: to,
    status: "scheduled",
    feeKop: 0,
    applicationId,
    createdAt: now,
  };
  for (let attempt = 0; ; attempt++) {
    terms = await blockTerms(db, row, link.region, from, to, localDay(tz, now));
    if (terms.errors.length) throw new AppError(400, "validation", {}, terms.errors);
    block = { ...block, feeKop: terms.feeKop };
    if (await bq.claimBlock(db, block, terms.usedByYear)) break;
    if (attempt === CLAIM_ATTEMPTS - 1) throw new AppError(409, "block_busy");
  }
  let app: Awaited<ReturnType<typeof createApplication>>;
  try {
    app = await createApplication(
      data,
      notify,
      {
        id: applicationId,
        region: link.region,
        subscriberId,
        homeShard,
        kind: "block",
        accountNo: link.accountNo,
        serviceId,
        address: row.account.address,
        details: { fromDay: from, toDay: to, feeKop: terms.feeKop, savingKop: terms.savingKop, service: row.tariff.nameRu },
      },
      now,
    );
  } catch (e) {
    // No application (the day's limit, say): the claim is given back, the days are free again. One whose write's
    // outcome is unknown (the connection lost after it) keeps its block: the application may be there, and listed.
    if ((await applicationWritten(data.shardForRegion(link.region), applicationId)) === false) await bq.dropClaimedBlock(db, block.id);
    throw e;
  }
  return { ...block, number: app.number, savingKop: terms.savingKop, createdAt: now.toISOString() };
}

export async function listBlocks(data: DataAccess, subscriberId: string, accountNo: string) {
  const link = await requireAccount(data, subscriberId, accountNo);
  return (await bq.selectAccountBlocks(data.shard(link.shard), link.accountNo)).map((b) => ({
    ...b,
    createdAt: b.createdAt.toISOString(),
  }));
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
  const link = await requireAccount(data, subscriberId, accountNo, "owner");
  const db = data.shard(link.shard);
  let block = await bq.selectBlock(db, blockId);
  if (!block || block.accountNo !== link.accountNo) throw new AppError(404, "not_found");
  if (block.status === "scheduled") {
    const closed = await bq.closeScheduledBlock(db, block.id, "cancelled");
    // Not closed here: another request cancelled it, or midnight started it, in between; answered as it is now. One
    // that started meanwhile is not ended on a cancel the subscriber asked of a block not yet begun: a 409 says so, and
    // ending it early is theirs to ask.
    if ((closed.meta.changes ?? 0) === 0) {
      block = (await bq.selectBlock(db, block.id)) ?? block;
      if (block.status === "active") throw new AppError(409, "block_started");
    } else block = { ...block, status: "cancelled" };
  }
  if (block.status === "cancelled") {
    // A block's application lives with its region's applications, on the region's home shard (createApplication),
    // wherever the account is. Cancelled again: the application's step is taken now if the first cancel's was lost
    // (its run died after the block's); a step already taken is a repeat (a second tap): 409, the block is cancelled.
    try {
      await transition(
        data,
        notify,
        block.applicationId,
        "cancelled",
        "subscriber",
        { subscriberId, db: data.shardForRegion(block.region) },
        now,
      );
    } catch (e) {
      if (e instanceof AppError && e.status === 409) throw closedBlock("cancelled");
      throw e;
    }
    return { status: "cancelled" as const };
  }
  if (block.status === "active" && (await finishBlock(data, notify, db, block, now, "early", subscriberId)))
    return { status: "ended" as const };
  throw closedBlock("ended");
}

/** A block that is over (ended, or cancelled before it started) cannot be ended or cancelled again: a 409 that says which. */
function closedBlock(state: "cancelled" | "ended") {
  return new AppError(409, "block_closed", {
    state_ru: state === "cancelled" ? "отменена" : "завершена",
    state_en: state === "cancelled" ? "cancelled" : "over",
  });
}

/** Ends an active block; `holderId` is the subscriber who ends it early (else found through the directory). */
async function finishBlock(
  data: DataAccess,
  notify: Notify,
  db: RegionDb,
  block: bq.Block,
  now: Date,
  why: "calendar" | "early",
  holderId?: string,
) {
  if (!(await bq.finishActiveBlock(db, block, now))) return false;
  await tellBlockOrOwe(data, notify, db, block, "end", now, why === "early" ? "ended early by the subscriber" : null, holderId);
  return true;
}

/**
 * Moves the block's application on (in work at the start, done at the end) and tells the holder, then clears the
 * notice the start's or end's transaction left owed. Safe to repeat: the application's step from its own state, the
 * notice once by its event id.
 */
async function tellBlock(
  data: DataAccess,
  notify: Notify,
  db: RegionDb,
  block: bq.Block,
  phase: "start" | "end",
  now: Date,
  comment: string | null = null,
  holderId?: string,
) {
  // The application is on the region's home shard (createApplication), not necessarily the account's. At the end it
  // goes through in work first: a start whose step was never taken (its run died) must not leave it received. A step
  // already taken is a 409 (or a 404 for an application gone): done; anything else leaves the notice owed.
  const home = data.shardForRegion(block.region);
  const step = (to: "in_work" | "done", note: string | null) =>
    transition(data, notify, block.applicationId, to, "system", { comment: note, db: home }, now).catch((e: unknown) => {
      if (!(e instanceof AppError && (e.status === 409 || e.status === 404))) throw e;
    });
  await step("in_work", phase === "start" ? comment : null);
  if (phase === "end") await step("done", comment);
  await notify({
    channel: "event",
    eventId: `block:${block.id}:${phase}`,
    kind: "block",
    subscriberId: holderId ?? (await holderOf(home, block.applicationId)),
    accountNo: block.accountNo,
    params: { phase, day: block.toDay },
  });
  await bq.clearBlockNotice(db, block.id, phase);
}

/**
 * `tellBlock` from the run that started or ended the block: a failure (a notice not sent, the account frozen by a move
 * meanwhile) leaves the notice owed for the shard's tick, and the run goes on with its other blocks.
 */
async function tellBlockOrOwe(...args: Parameters<typeof tellBlock>) {
  try {
    await tellBlock(...args);
  } catch (e) {
    log("warn", "block.notice_owed", { blockId: args[3].id, phase: args[4], error: errorText(e) });
  }
}

/** How long a notice owed waits for the run that owes it before the shard's tick gives it. */
export const BLOCK_NOTICE_GRACE_MS = 5 * 60_000;
/** Notices a shard's tick gives at most (up to about 20 D1 queries each, a block's end with its applications' steps). */
export const BLOCK_NOTICES_PAGE = 10;

/**
 * The shard's 15-minute tick: notices (and application steps) owed by a block's start or end whose run died before
 * giving them, given now, oldest first. Returns how many.
 */
export async function resendBlockNotices(data: DataAccess, notify: Notify, shard: ShardBinding, now = new Date()) {
  const db = data.shard(shard);
  const owed = await bq.selectOwedNotices(db, new Date(now.getTime() - BLOCK_NOTICE_GRACE_MS), BLOCK_NOTICES_PAGE);
  let given = 0;
  for (const block of owed) {
    if (!block.notice) continue;
    try {
      await tellBlock(data, notify, db, block, block.notice, now);
      given++;
    } catch (e) {
      // Left owed for the next tick; the others are given.
      log("error", "block.notice_failed", { blockId: block.id, phase: block.notice, error: errorText(e) });
    }
  }
  return given;
}

/** Who made the block's application: on the region's home shard, beside it. */
async function holderOf(home: RegionDb, applicationId: string) {
  return (await selectApplication(home, applicationId))?.subscriberId ?? "";
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
    const n = await applyShardBlocks(data, data.shard(shard), notify, region, day, now);
    started += n.started;
    ended += n.ended;
  }
  return { started, ended };
}

/** `applyBlocks` on one shard of the region's branch: what the region's midnight does before it charges that shard. */
export async function applyShardBlocks(data: DataAccess, db: RegionDb, notify: Notify, region: string, day: string, now: Date, limit = -1) {
  const [starting, ending] = await bq.selectBlocksDue(db, region, day, limit);
  const done = await applyDue(data, db, notify, starting, ending, day, now);
  // A full page: more may be due (the caller goes on in a message of its own).
  return { ...done, full: limit > 0 && (starting.length >= limit || ending.length >= limit) };
}

/**
 * One account's blocks due at `day`, started or ended as the region's midnight does (`applyBlocks`): what a shard
 * move's catch-up does for the days the region's run passed the account by (it was frozen, or arriving), before it
 * charges the day, so a block that began meanwhile keeps its days from being charged. `taken`: the move's scope.
 */
export async function applyAccountBlocks(
  data: DataAccess,
  db: RegionDb,
  notify: Notify,
  accountNo: string,
  day: string,
  now: Date,
  taken: AccountScope = settledHere,
) {
  const [starting, ending] = await bq.selectAccountBlocksDue(db, accountNo, day, taken);
  return applyDue(data, db, notify, starting, ending, day, now);
}

async function applyDue(data: DataAccess, db: RegionDb, notify: Notify, starting: bq.Block[], ending: bq.Block[], day: string, now: Date) {
  let started = 0;
  let ended = 0;
  for (const b of starting) {
    if (b.toDay < day) {
      // Missed entirely (the cron did not run for its days): nothing to block any more.
      await bq.closeScheduledBlock(db, b.id, "ended");
      continue;
    }
    const fee = entryIf(
      {
        accountNo: b.accountNo,
        kind: "charge",
        amountKop: -b.feeKop,
        occurredAt: now,
        localDay: day,
        serviceId: b.serviceId,
        descriptionRu: "Плата за добровольную блокировку",
        descriptionEn: "Voluntary block fee",
        idempotencyKey: `block:${b.id}:fee`,
      },
      // In the start's transaction, once (its key); a block without a fee writes nothing.
      sql`${b.feeKop} > 0 AND ${bq.blockIsActive(b.id)}`,
    );
    if (!(await bq.startBlock(db, b, fee, now))) continue;
    started++;
    await tellBlockOrOwe(data, notify, db, b, "start", now);
  }
  for (const b of ending) if (await finishBlock(data, notify, db, b, now, "calendar")) ended++;
  return { started, ended };
}
