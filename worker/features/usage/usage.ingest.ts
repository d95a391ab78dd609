import { z } from "zod";
import { USAGE_CATEGORIES } from "../../db/schema/region";
import type { DataAccess, RegionDb } from "../../platform/db";
import { errorText, log } from "../../platform/log";
import { CALLS_PER_INVOCATION, failedFirst, HAND_ON_CALLS, handOn, splitByBudget } from "../../platform/queue";
import { localDay, regionTz } from "../../platform/region";
import { firstDailyMonth } from "./usage.limits";
import * as q from "./usage.queries";
import { readMonth } from "./usage.records";
import { aggregate, encodeMonth, type MonthObject, mergeRecords, monthKey, type StoredRecord } from "./usage.store";

/** The `usage` queue of each environment (kabinet-usage, kabinet-staging-usage, …). */
export const USAGE_QUEUE = "kabinet-usage";
/** Attempts at one month object's conditional write before the message is retried (another batch kept winning). */
const MERGE_ATTEMPTS = 12;

/** One record as the billing side sends it (docs/usage-ingest.md). */
export const UsageBatchRecord = z.object({
  /** The billing side's own record id, if it has one; otherwise the record's place in the batch names it. */
  id: z.string().min(1).max(64).optional(),
  at: z.iso.datetime({ offset: true }),
  category: z.enum(USAGE_CATEGORIES),
  direction: z.enum(["in", "out"]).nullable().optional(),
  peer: z.string().max(32).nullable().optional(),
  quantity: z.number().int().min(0).max(1e10),
  unit: z.enum(["sec", "kb", "item"]),
  /** An internet session's length, besides its volume. */
  durationSec: z.number().int().min(0).max(1e7).optional(),
  costKop: z.number().int().min(0).max(1e9),
  title: z.object({ ru: z.string().min(1).max(200), en: z.string().min(1).max(200) }).optional(),
});
export type UsageBatchRecord = z.infer<typeof UsageBatchRecord>;

const head = {
  kind: z.literal("usage_batch"),
  batchId: z.string().regex(/^[0-9A-Za-z._:-]{1,80}$/),
  accountNo: z.string().regex(/^\d{12}$/),
  serviceId: z.string().min(1).max(64),
  /** The number (or line) the records are of, for the log and the operator. */
  number: z.string().max(20).optional(),
};

/**
 * A message on the `usage` queue: a batch inline (≤ 128 KB, the queue's limit) or,
 * for larger ones, the R2 key of an NDJSON object of records uploaded first.
 */
export const UsageBatch = z.union([
  z.object({ ...head, records: z.array(UsageBatchRecord).min(1).max(2000) }).strict(),
  z.object({ ...head, ndjsonKey: z.string().regex(/^usage-inbox\/[0-9A-Za-z._/-]{1,200}$/) }).strict(),
]);
export type UsageBatch = z.infer<typeof UsageBatch>;

export interface IngestDeps {
  data: DataAccess;
  files: R2Bucket;
}

/** A batch that can never be stored (unknown account or service, a broken record): acked and logged, never retried. */
export class RejectedBatch extends Error {}

/** The records of a batch, inline or from its NDJSON object. */
async function recordsOf(files: R2Bucket, b: UsageBatch): Promise<UsageBatchRecord[]> {
  if ("records" in b) return b.records;
  const obj = await files.get(b.ndjsonKey);
  if (!obj) throw new RejectedBatch(`no object ${b.ndjsonKey}`);
  const out: UsageBatchRecord[] = [];
  for (const line of (await obj.text()).split("\n")) {
    if (line.trim() === "") continue;
    const r = UsageBatchRecord.safeParse(JSON.parse(line));
    if (!r.success) throw new RejectedBatch(`record ${out.length + 1}: ${r.error.issues[0]?.message ?? "invalid"}`);
    out.push(r.data);
  }
  if (out.length === 0) throw new RejectedBatch("empty batch");
  // Its calls were counted for NDJSON_MONTHS before it was read (ingestCalls): more would pass an invocation's.
  const months = monthsOf(out).size;
  if (months > NDJSON_MONTHS) throw new RejectedBatch(`an NDJSON batch may span ${NDJSON_MONTHS} months, this one ${months}`);
  return out;
}

/** Months an NDJSON batch may span (in any region's calendar): what its calls are counted for before it is read. */
export const NDJSON_MONTHS = 3;

/** The months a batch's records may fall in: a record's month is its region's (UTC+2 to UTC+12), both ends counted. */
function monthsOf(records: readonly { at: string }[]): Set<string> {
  const H = 3_600_000;
  const monthOf = (t: number) => new Date(t).toISOString().slice(0, 7);
  return new Set(records.flatMap((r) => [monthOf(Date.parse(r.at) + 2 * H), monthOf(Date.parse(r.at) + 12 * H)]));
}

/** The stored shape of a batch's records, each named by the batch and its place (a redelivery names them the same). */
export function toStored(batchId: string, serviceId: string, tz: string, records: readonly UsageBatchRecord[]): StoredRecord[] {
  const day = new Intl.DateTimeFormat("en-CA", { timeZone: tz, year: "numeric", month: "2-digit", day: "2-digit" });
  return records.map((r, i) => {
    const startedAt = Date.parse(r.at);
    return {
      id: r.id ? `${batchId}:${r.id}` : `${batchId}:${i}`,
      serviceId,
      category: r.category,
      direction: r.direction ?? null,
      peer: r.peer ?? null,
      startedAt,
      localDay: day.format(startedAt),
      durationSec: r.unit === "sec" ? r.quantity : (r.durationSec ?? null),
      volumeKb: r.unit === "kb" ? r.quantity : null,
      costKop: r.costKop,
      titleRu: r.title?.ru ?? null,
      titleEn: r.title?.en ?? null,
    };
  });
}

/**
 * Adds a batch's records to one month object: read, merge, write only if
 * nobody wrote it in between (its etag must match, or, for a new month, no
 * object may exist: etagDoesNotMatch "*"), else read again — concurrent batches of one account-month are
 * serialised by R2 itself and none is lost. A batch the object already holds
 * changes nothing. Returns the object as stored.
 */
export async function mergeIntoMonth(
  files: R2Bucket,
  accountNo: string,
  month: string,
  batchId: string,
  records: StoredRecord[],
): Promise<MonthObject & { etag: string; written: boolean }> {
  const key = monthKey(accountNo, month);
  for (let attempt = 1; attempt <= MERGE_ATTEMPTS; attempt++) {
    const current = await readMonth(files, accountNo, month);
    if (current?.batches.includes(batchId)) return { ...current, written: false };
    const next: MonthObject = {
      batches: [...(current?.batches ?? []), batchId],
      records: mergeRecords(current?.records ?? [], records),
    };
    const put = await files.put(key, await encodeMonth(next), {
      onlyIf: current ? { etagMatches: current.etag } : { etagDoesNotMatch: "*" },
      httpMetadata: { contentType: "application/x-ndjson", contentEncoding: "gzip" },
      customMetadata: { records: String(next.records.length) },
    });
    if (put) return { ...next, etag: put.etag, written: true };
    // Another batch of this account-month won the write: a short, jittered pause, then merge into its result.
    await new Promise((r) => setTimeout(r, Math.random() * 5 * attempt));
  }
  throw new Error(`usage month ${key}: gave up after ${MERGE_ATTEMPTS} conflicting writes`);
}

/**
 * Writes the daily totals of the days a batch touched, from the month object,
 * then checks the object is still the one they came from; if another batch
 * landed meanwhile, again from the newer one. A stale write can only be of
 * these days by this writer, and this writer checks after writing, so the
 * totals end equal to the object whatever the interleaving.
 */
async function syncTotals(
  db: RegionDb,
  files: R2Bucket,
  accountNo: string,
  month: string,
  days: string[],
  from: MonthObject & { etag: string },
  /** The oldest month kept per day (usage.limits.ts `firstDailyMonth`): an older one gets month rows, from the whole object. */
  firstDaily: string,
) {
  const touched = new Set(days);
  const byMonth = month < firstDaily;
  let current = from;
  for (let i = 0; i < MERGE_ATTEMPTS; i++) {
    // A month row is the aggregate of the month's records as if each were on a day named by the month.
    if (byMonth)
      await q.replaceMonthTotals(
        db,
        accountNo,
        month,
        aggregate(
          accountNo,
          current.records.map((r) => ({ ...r, localDay: month })),
        ),
      );
    else
      await q.replaceDayTotals(
        db,
        accountNo,
        days,
        aggregate(
          accountNo,
          current.records.filter((r) => touched.has(r.localDay)),
        ),
      );
    const head = await files.head(monthKey(accountNo, month));
    if (!head || head.etag === current.etag) return;
    const again = await readMonth(files, accountNo, month);
    if (!again) return;
    current = again;
  }
}

/**
 * Stores one batch: its records into their account-month objects in R2 (a
 * batch may span a month's end), and the months' daily totals into the
 * account's shard. Idempotent by batch id; batches may come in any order.
 */
export async function ingestBatch(deps: IngestDeps, b: UsageBatch): Promise<{ records: number; months: number; duplicate: boolean }> {
  const found = await deps.data.shardForAccount(b.accountNo);
  if (!found) throw new RejectedBatch(`unknown account ${b.accountNo}`);
  const [, services] = await q.selectAccountWithServices(found.db, b.accountNo);
  if (!services.some((s) => s.id === b.serviceId)) throw new RejectedBatch(`service ${b.serviceId} is not of account ${b.accountNo}`);
  const stored = toStored(b.batchId, b.serviceId, regionTz(found.region), await recordsOf(deps.files, b));
  const byMonth = new Map<string, StoredRecord[]>();
  for (const r of stored) {
    const m = r.localDay.slice(0, 7);
    const list = byMonth.get(m) ?? [];
    list.push(r);
    byMonth.set(m, list);
  }
  let written = 0;
  const firstDaily = firstDailyMonth(localDay(regionTz(found.region), new Date()));
  for (const [month, records] of byMonth) {
    const obj = await mergeIntoMonth(deps.files, b.accountNo, month, b.batchId, records);
    if (obj.written) written++;
    // Also on a duplicate: a crash between the object and its totals is mended by the redelivery.
    await syncTotals(found.db, deps.files, b.accountNo, month, [...new Set(records.map((r) => r.localDay))], obj, firstDaily);
  }
  if ("ndjsonKey" in b) await deps.files.delete(b.ndjsonKey);
  return { records: stored.length, months: byMonth.size, duplicate: written === 0 };
}

/**
 * Calls one batch message makes when nothing conflicts: the account's place (its copy in an identity store, and the
 * directory for one marked or missing: platform/places.ts), the account with its services, the NDJSON
 * object (read, then delete), and for each account-month its object (read, write), its totals (a batch of two
 * statements, each counted by D1: the touched days' rows deleted, the new ones inserted as one JSON value) and a head
 * to check. A record's month is its region's (UTC+2 to UTC+12 in Russia): both ends are counted, so a record near a
 * month's end counts both months. A batch in an NDJSON object is counted as NDJSON_MONTHS, and refused when read if
 * it spans more.
 */
export function ingestCalls(body: UsageBatch): number {
  const months = "records" in body ? monthsOf(body.records).size : NDJSON_MONTHS;
  return 3 + ("ndjsonKey" in body ? 2 : 0) + months * 5;
}

/** Kept back from an invocation's budget: handing the rest of a batch on, and the reads and writes again of conflicting merges. */
const USAGE_RESERVE = HAND_ON_CALLS + 150;

/**
 * The `usage` queue: each batch acked when stored (or already stored), retried on a failure, a bad one acked with a
 * log line. A full batch of 100 can ask more than an invocation may make (1,000 D1 queries and R2 operations): past
 * the budget, the rest is sent again as new messages for a later invocation and acked here (retried if that fails).
 */
export async function consumeUsage(batch: MessageBatch<unknown>, deps: IngestDeps & { queue: Queue }): Promise<void> {
  const items = failedFirst(batch.messages).map((message) => ({ message, parsed: UsageBatch.safeParse(message.body) }));
  const { work, handOn: later } = splitByBudget(
    items,
    (i) => (i.parsed.success ? ingestCalls(i.parsed.data) : 0),
    CALLS_PER_INVOCATION - USAGE_RESERVE,
  );
  await handOn(
    deps.queue,
    later.map((i) => i.message),
  );
  for (const { message, parsed } of work) {
    if (!parsed.success) {
      log("warn", "usage.malformed", { messageId: message.id, issue: parsed.error.issues[0]?.message ?? "" });
      message.ack();
      continue;
    }
    const b = parsed.data;
    try {
      const done = await ingestBatch(deps, b);
      log("info", "usage.ingested", { batchId: b.batchId, ...done });
      message.ack();
    } catch (err) {
      if (err instanceof RejectedBatch) {
        log("warn", "usage.rejected", { batchId: b.batchId, reason: err.message.slice(0, 200) });
        message.ack();
      } else {
        log("warn", "usage.error", { batchId: b.batchId, attempts: message.attempts, error: errorText(err) });
        message.retry({ delaySeconds: Math.min(300, 5 * message.attempts * message.attempts) });
      }
    }
  }
}
