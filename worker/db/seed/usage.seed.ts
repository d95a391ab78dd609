import { REGIONS } from "../../data/regions.data";
import {
  aggregate,
  type DailyAggregate,
  decodeMonth,
  encodeMonth,
  mergeRecords,
  monthKey,
  type StoredRecord,
} from "../../features/usage/usage.store";
import { tzOffsetMs } from "../../platform/region";
import type { TariffKind, UsageCategory } from "../schema/region";

/** One generated usage record (times in ms). */
export interface UsageRow {
  id: string;
  account_no: string;
  service_id: string;
  category: UsageCategory;
  direction: "in" | "out" | null;
  peer: string | null;
  started_at: number;
  local_day: string;
  duration_sec: number | null;
  volume_kb: number | null;
  cost_kop: number;
  title_ru: string | null;
  title_en: string | null;
}

/** Deterministic PRNG (mulberry32) seeded by a string: the same demo data on every machine. */
function prng(seed: string) {
  let a = 0;
  for (const ch of seed) a = (Math.imul(a, 31) + ch.charCodeAt(0)) | 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const AREA: Record<string, string> = { msk: "495", spb: "812", nsk: "383", kzn: "843", ekb: "343", vl: "423", mo: "498", krasnodar: "861" };
const FILMS = [
  ["Фильм «Брат»", "Film: Brother"],
  ["Фильм «Москва слезам не верит»", "Film: Moscow Does Not Believe in Tears"],
  ["Фильм «Ирония судьбы»", "Film: The Irony of Fate"],
  ["Сериал «Территория», сезон", "Series: Territory, season"],
] as const;

/**
 * Realistic usage of one service over region-local days [from, to]: calls by
 * direction and destination with per-minute prices where a tariff charges
 * them, SMS, internet sessions, film rentals on TV. `perDay` scales the volume
 * (1 is a typical subscriber; the heavy-user tests ask for thousands a day).
 */
export function usageFor(
  accountNo: string,
  region: string,
  service: { id: string; kind: TariffKind; code: string },
  from: string,
  to: string,
  perDay = 1,
): UsageRow[] {
  const rnd = prng(`${service.id}:${from}:${to}:${perDay}`);
  const tz = REGIONS.find((r) => r.code === region)?.tz ?? "Europe/Moscow";
  const offset = tzOffsetMs(tz, new Date(`${from}T12:00:00Z`));
  const area = AREA[region] ?? "800";
  const rows: UsageRow[] = [];
  const int = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));
  const digits = (n: number) => Array.from({ length: n }, () => int(0, 9)).join("");
  const perMinute = service.code === "phone-time";
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= Date.parse(`${to}T00:00:00Z`); t += 86_400_000) {
    const day = new Date(t).toISOString().slice(0, 10);
    const events: Omit<UsageRow, "id" | "account_no" | "service_id" | "local_day" | "started_at">[] = [];
    const calls = service.kind === "mobile" ? int(3, 10) : service.kind === "landline" ? int(0, 4) : 0;
    for (let i = 0; i < calls * perDay; i++) {
      const r = rnd();
      const category: UsageCategory =
        r < 0.38 ? "call_in" : r < 0.58 ? "call_local" : r < 0.68 ? "call_long_distance" : r < 0.98 ? "call_mobile" : "call_international";
      const sec = Math.max(4, Math.round(-Math.log(1 - rnd()) * 150));
      const minutes = Math.ceil(sec / 60);
      const price =
        category === "call_in"
          ? 0
          : category === "call_international"
            ? 2500
            : category === "call_long_distance"
              ? 350
              : category === "call_mobile"
                ? service.kind === "landline"
                  ? 190
                  : 0
                : perMinute
                  ? 50
                  : 0;
      const peer =
        category === "call_local"
          ? `+7${area}${digits(7)}`
          : category === "call_long_distance"
            ? `+7${["812", "383", "843", "343", "423", "861"][int(0, 5)]}${digits(7)}`
            : category === "call_international"
              ? `+${["375", "374", "49", "90"][int(0, 3)]}${digits(9)}`
              : `+79${digits(9)}`;
      events.push({
        category,
        direction: category === "call_in" ? "in" : "out",
        peer,
        duration_sec: sec,
        volume_kb: null,
        cost_kop: price * minutes,
        title_ru: null,
        title_en: null,
      });
    }
    if (service.kind === "mobile") {
      for (let i = 0; i < int(0, 4) * perDay; i++) {
        const out = rnd() < 0.5;
        events.push({
          category: "sms",
          direction: out ? "out" : "in",
          peer: rnd() < 0.2 ? (["900", "Bank", "Gosuslugi"][int(0, 2)] as string) : `+79${digits(9)}`,
          duration_sec: null,
          volume_kb: null,
          cost_kop: out && rnd() < 0.3 ? 250 : 0,
          title_ru: null,
          title_en: null,
        });
      }
    }
    if (service.kind === "mobile" || service.kind === "internet" || service.kind === "bundle") {
      const sessions = service.kind === "mobile" ? int(2, 6) : int(1, 3);
      for (let i = 0; i < sessions * perDay; i++) {
        const kb = service.kind === "mobile" ? int(200, 300_000) : int(50_000, 8_000_000);
        events.push({
          category: "internet",
          direction: null,
          peer: null,
          duration_sec: int(60, 6 * 3600),
          volume_kb: kb,
          cost_kop: 0,
          title_ru: null,
          title_en: null,
        });
      }
    }
    if ((service.kind === "tv" || service.kind === "bundle") && rnd() < 0.07 * perDay) {
      const [ru, en] = FILMS[int(0, FILMS.length - 1)] ?? FILMS[0];
      events.push({
        category: "option",
        direction: null,
        peer: null,
        duration_sec: null,
        volume_kb: null,
        cost_kop: 14900,
        title_ru: ru,
        title_en: en,
      });
    }
    // Spread the day's events over local waking hours, in time order.
    const seconds = events.map(() => int(7 * 3600, 23 * 3600 + 3599)).sort((a, b) => a - b);
    events.forEach((e, i) => {
      rows.push({
        ...e,
        id: `u-${service.id}-${day}-${i}`,
        account_no: accountNo,
        service_id: service.id,
        local_day: day,
        started_at: t + (seconds[i] ?? 0) * 1000 - offset,
      });
    });
  }
  return rows;
}

/** The stored shape (features/usage/usage.store.ts) of generated rows: what the ingest writes to R2. */
export function toStoredRecords(rows: readonly UsageRow[]): StoredRecord[] {
  return rows.map((r) => ({
    id: r.id,
    serviceId: r.service_id,
    category: r.category,
    direction: r.direction,
    peer: r.peer,
    startedAt: r.started_at,
    localDay: r.local_day,
    durationSec: r.duration_sec,
    volumeKb: r.volume_kb,
    costKop: r.cost_kop,
    titleRu: r.title_ru,
    titleEn: r.title_en,
  }));
}

/** One account-month of demo usage: merged into its R2 object as the batch `batchId`, then its totals written. */
export interface SeedUsageMonth {
  accountNo: string;
  month: string;
  batchId: string;
  records: StoredRecord[];
}

/** Generated rows of one account, by region-local month, as seed batches. */
export function seedUsageMonths(accountNo: string, rows: readonly UsageRow[], batchTag: string): SeedUsageMonth[] {
  const byMonth = new Map<string, StoredRecord[]>();
  for (const r of toStoredRecords(rows)) {
    const m = r.localDay.slice(0, 7);
    byMonth.set(m, [...(byMonth.get(m) ?? []), r]);
  }
  return [...byMonth].map(([month, records]) => ({ accountNo, month, batchId: `seed:${batchTag}:${accountNo}:${month}`, records }));
}

const sqlLit = (v: string | number | null) => (v === null ? "NULL" : typeof v === "number" ? String(v) : `'${v.replace(/'/g, "''")}'`);

/** SQL that replaces one account-month's daily totals with these (what the ingest's replaceDayTotals writes for every day of the month, as plain SQL). */
export function usageTotalsSql(accountNo: string, month: string, rows: readonly DailyAggregate[]): string[] {
  const cols = [
    "account_no",
    "local_day",
    "service_id",
    "category",
    "direction",
    "count",
    "duration_sec",
    "minutes",
    "volume_kb",
    "cost_kop",
  ];
  const out = [`DELETE FROM usage_daily_totals WHERE account_no = ${sqlLit(accountNo)} AND local_day LIKE '${month}-%';`];
  for (let i = 0; i < rows.length; i += 200) {
    const values = rows
      .slice(i, i + 200)
      .map((a) =>
        [a.accountNo, a.localDay, a.serviceId, a.category, a.direction, a.count, a.durationSec, a.minutes, a.volumeKb, a.costKop]
          .map(sqlLit)
          .join(","),
      );
    out.push(`INSERT INTO usage_daily_totals (${cols.join(",")}) VALUES ${values.map((v) => `(${v})`).join(",")};`);
  }
  return out;
}

/** The part of an R2 bucket the seed needs (the Worker's binding in tests, the platform proxy's locally). */
export interface SeedBucket {
  get(key: string): Promise<{ arrayBuffer(): Promise<ArrayBuffer> } | null>;
  put(key: string, value: Uint8Array): Promise<unknown>;
}

/**
 * Writes demo usage the way the ingest stores it: each month merged into its
 * R2 object (a batch it holds already changes nothing; records it has keep
 * their id), then that month's daily totals recomputed from the whole object.
 * Returns the SQL of the totals, for the shard's runner.
 */
export async function seedUsageMonth(files: SeedBucket, m: SeedUsageMonth): Promise<string[]> {
  const key = monthKey(m.accountNo, m.month);
  const found = await files.get(key);
  const old = found ? await decodeMonth(await found.arrayBuffer()) : { batches: [], records: [] };
  const obj = old.batches.includes(m.batchId)
    ? old
    : { batches: [...old.batches, m.batchId], records: mergeRecords(old.records, m.records) };
  if (obj !== old) await files.put(key, await encodeMonth(obj));
  return usageTotalsSql(m.accountNo, m.month, aggregate(m.accountNo, obj.records));
}

/** Generated rows as the billing side sends them on the `usage` queue (docs/usage-ingest.md): the records of a batch. */
export function toBatchRecords(rows: readonly UsageRow[]) {
  return rows.map((r) => ({
    id: r.id,
    at: new Date(r.started_at).toISOString(),
    category: r.category,
    direction: r.direction,
    peer: r.peer,
    ...(r.volume_kb !== null
      ? { quantity: r.volume_kb, unit: "kb" as const, ...(r.duration_sec !== null ? { durationSec: r.duration_sec } : {}) }
      : r.duration_sec !== null
        ? { quantity: r.duration_sec, unit: "sec" as const }
        : { quantity: 1, unit: "item" as const }),
    costKop: r.cost_kop,
    ...(r.title_ru !== null ? { title: { ru: r.title_ru, en: r.title_en ?? r.title_ru } } : {}),
  }));
}
