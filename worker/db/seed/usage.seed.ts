import { REGIONS } from "../../data/regions.data";
import { tzOffsetMs } from "../../platform/region";
import type { TariffKind, UsageCategory } from "../schema/region";

/** One usage record as the table holds it (times in ms). */
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

const COLUMNS: (keyof UsageRow)[] = [
  "id",
  "account_no",
  "service_id",
  "category",
  "direction",
  "peer",
  "started_at",
  "local_day",
  "duration_sec",
  "volume_kb",
  "cost_kop",
  "title_ru",
  "title_en",
];

const sqlLit = (v: string | number | null) => (v === null ? "NULL" : typeof v === "number" ? String(v) : `'${v.replace(/'/g, "''")}'`);

/** Multi-row INSERTs of usage records, `perStatement` rows each (D1 caps a statement at 100 KB). */
export function usageInserts(rows: UsageRow[], perStatement = 200): string[] {
  const out: string[] = [];
  for (let i = 0; i < rows.length; i += perStatement) {
    const values = rows.slice(i, i + perStatement).map((r) => `(${COLUMNS.map((c) => sqlLit(r[c])).join(",")})`);
    out.push(`INSERT OR IGNORE INTO usage_records (${COLUMNS.join(",")}) VALUES ${values.join(",")};`);
  }
  return out;
}
