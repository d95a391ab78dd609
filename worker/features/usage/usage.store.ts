import type { UsageCategory } from "../../db/schema/region";
import { gunzipText, gzipText } from "../../platform/gzip";

/**
 * Raw usage detail (детализация) at mobile scale: one gzip-compressed NDJSON
 * object per account and region-local month in R2. The first line says which
 * batches the object holds (what makes ingest idempotent); every other line is
 * one record, in (localDay, startedAt, id) order — the screen's order. Pure:
 * runs in the Worker and in Node (the seed, the benchmark).
 */
export const MONTH_OBJECT_VERSION = 1;

/** A usage record as the screen, the reports and the aggregates read it. */
export interface StoredRecord {
  id: string;
  serviceId: string;
  category: UsageCategory;
  direction: "in" | "out" | null;
  /** The other party as the billing side sent it (already masked where the law wants it). */
  peer: string | null;
  /** UTC ms. */
  startedAt: number;
  /** The region-local day of `startedAt`. */
  localDay: string;
  durationSec: number | null;
  volumeKb: number | null;
  costKop: number;
  titleRu: string | null;
  titleEn: string | null;
}

export interface MonthObject {
  batches: string[];
  records: StoredRecord[];
}

/** R2 key of an account's month (YYYY-MM, region-local). Account first, so one account's months list under one prefix. */
export const monthKey = (accountNo: string, month: string) => `usage/${accountNo}/${month}.ndjson.gz`;
export const accountPrefix = (accountNo: string) => `usage/${accountNo}/`;

/** The (localDay, startedAt, id) order of the screen and the reports. */
export function compareRecords(a: Pick<StoredRecord, "localDay" | "startedAt" | "id">, b: typeof a): number {
  if (a.localDay !== b.localDay) return a.localDay < b.localDay ? -1 : 1;
  if (a.startedAt !== b.startedAt) return a.startedAt - b.startedAt;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** The object's bytes: NDJSON (header line, then records), gzip via CompressionStream. */
export function encodeMonth(m: MonthObject): Promise<Uint8Array> {
  const lines = [JSON.stringify({ v: MONTH_OBJECT_VERSION, batches: m.batches }), ...m.records.map((r) => JSON.stringify(r))];
  return gzipText(`${lines.join("\n")}\n`);
}

/** Reads an object written by `encodeMonth` (a stream from R2, or bytes). */
export async function decodeMonth(body: ReadableStream | Uint8Array | ArrayBuffer): Promise<MonthObject> {
  const text = await gunzipText(body);
  const lines = text.split("\n").filter((l) => l.length > 0);
  const head = JSON.parse(lines[0] ?? "{}") as { v?: number; batches?: string[] };
  if (head.v !== MONTH_OBJECT_VERSION || !Array.isArray(head.batches)) throw new Error("usage month object: unknown format");
  return { batches: head.batches, records: lines.slice(1).map((l) => JSON.parse(l) as StoredRecord) };
}

/** Merges new records into a month: a record id already there is kept as it was; the result is in screen order. */
export function mergeRecords(old: StoredRecord[], added: StoredRecord[]): StoredRecord[] {
  const seen = new Set(old.map((r) => r.id));
  const fresh: StoredRecord[] = [];
  for (const r of added) {
    if (seen.has(r.id)) continue;
    seen.add(r.id);
    fresh.push(r);
  }
  return fresh.length === 0 ? old : [...old, ...fresh].sort(compareRecords);
}

/** One row of the per-day, per-category aggregates D1 keeps (table usage_daily). */
export interface DailyAggregate {
  accountNo: string;
  localDay: string;
  serviceId: string;
  category: UsageCategory;
  /** "in", "out", or "none" (internet, options). */
  direction: "in" | "out" | "none";
  count: number;
  durationSec: number;
  /** Each call rounded up to a whole minute, summed: what packages and per-minute tariffs count. */
  minutes: number;
  volumeKb: number;
  costKop: number;
}

/** The aggregates of a set of records (a whole month object: they replace that month's rows). */
export function aggregate(accountNo: string, records: readonly StoredRecord[]): DailyAggregate[] {
  const byKey = new Map<string, DailyAggregate>();
  for (const r of records) {
    const direction = r.direction ?? "none";
    const key = `${r.localDay}|${r.serviceId}|${r.category}|${direction}`;
    let a = byKey.get(key);
    if (!a) {
      a = {
        accountNo,
        localDay: r.localDay,
        serviceId: r.serviceId,
        category: r.category,
        direction,
        count: 0,
        durationSec: 0,
        minutes: 0,
        volumeKb: 0,
        costKop: 0,
      };
      byKey.set(key, a);
    }
    a.count++;
    a.durationSec += r.durationSec ?? 0;
    a.minutes += Math.ceil((r.durationSec ?? 0) / 60);
    a.volumeKb += r.volumeKb ?? 0;
    a.costKop += r.costKop;
  }
  return [...byKey.values()];
}
