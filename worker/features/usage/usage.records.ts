import { isolateState } from "../../platform/isolate-state";
import type { UsageCursor, UsageFilter } from "./usage.queries";
import { compareRecords, decodeMonth, type MonthObject, monthKey, type StoredRecord } from "./usage.store";

/** Decoded month objects this isolate read last, by key; at most CACHE_RECORDS records in all (Workers' 128 MB). */
const cache = new Map<string, MonthObject & { etag: string }>();
const CACHE_RECORDS = 20_000;
let cachedRecords = 0;

/** Empties this isolate's cache of month objects (the benchmark's cold reads). */
export function forgetMonths() {
  cache.clear();
  cachedRecords = 0;
}
isolateState("usage/usage.records", forgetMonths);

function forget(key: string) {
  const old = cache.get(key);
  if (!old) return;
  cache.delete(key);
  cachedRecords -= old.records.length;
}

function remember(key: string, m: MonthObject & { etag: string }) {
  forget(key);
  if (m.records.length > CACHE_RECORDS) return;
  cache.set(key, m);
  cachedRecords += m.records.length;
  for (const [k, v] of cache) {
    if (cachedRecords <= CACHE_RECORDS) break;
    cache.delete(k);
    cachedRecords -= v.records.length;
  }
}

/**
 * An account's month object, with the etag a conditional write must match;
 * null when the month has nothing yet. A month this isolate decoded before is
 * revalidated, not downloaded again (R2 returns no body when the etag still
 * matches): paging through a month decompresses it once. Callers never mutate
 * what they get.
 */
export async function readMonth(files: R2Bucket, accountNo: string, month: string): Promise<(MonthObject & { etag: string }) | null> {
  const key = monthKey(accountNo, month);
  const cached = cache.get(key);
  const obj = await files.get(key, cached ? { onlyIf: { etagDoesNotMatch: cached.etag } } : undefined);
  if (!obj) {
    forget(key);
    return null;
  }
  // Unchanged (R2 sent no body: the etag still matches).
  if (cached && obj.etag === cached.etag) {
    remember(key, cached);
    return cached;
  }
  const m = { ...(await decodeMonth(await (obj as R2ObjectBody).arrayBuffer())), etag: obj.etag };
  remember(key, m);
  return m;
}

/** The months (YYYY-MM) from `fromDay`'s to `toDay`'s. */
export function monthsBetween(fromDay: string, toDay: string): string[] {
  const out: string[] = [];
  let [y, m] = fromDay.slice(0, 7).split("-").map(Number) as [number, number];
  const last = toDay.slice(0, 7);
  for (;;) {
    const month = `${y}-${String(m).padStart(2, "0")}`;
    if (month > last) return out;
    out.push(month);
    m++;
    if (m > 12) {
      m = 1;
      y++;
    }
  }
}

function matches(f: UsageFilter, after: UsageCursor | null) {
  const categories = new Set<string>(f.categories);
  const cursor = after ? { localDay: after.day, startedAt: after.at, id: after.id } : null;
  return (r: StoredRecord) =>
    r.localDay >= f.fromDay &&
    r.localDay <= f.toDay &&
    (!f.serviceId || r.serviceId === f.serviceId) &&
    categories.has(r.category) &&
    (!cursor || compareRecords(r, cursor) > 0);
}

/**
 * The filter's records after `after` in (localDay, startedAt, id) order, a
 * month object at a time (each is already in that order): what the reports
 * stream. Only the months of the period (from the cursor's on) are read.
 */
export async function* recordsOf(files: R2Bucket, f: UsageFilter, after: UsageCursor | null = null): AsyncGenerator<StoredRecord[]> {
  const test = matches(f, after);
  const from = after && after.day > f.fromDay ? after.day : f.fromDay;
  for (const month of monthsBetween(from, f.toDay)) {
    const obj = await readMonth(files, f.accountNo, month);
    if (!obj) continue;
    const rows = obj.records.filter(test);
    if (rows.length) yield rows;
  }
}

/** At most `limit` records of the filter after `after` (the screen's page; one more tells whether there is a next). */
export async function selectRecords(files: R2Bucket, f: UsageFilter, after: UsageCursor | null, limit: number): Promise<StoredRecord[]> {
  const out: StoredRecord[] = [];
  for await (const rows of recordsOf(files, f, after)) {
    out.push(...rows.slice(0, limit - out.length));
    if (out.length >= limit) break;
  }
  return out;
}
