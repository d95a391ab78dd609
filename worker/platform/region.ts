import { DEFAULT_REGION, REGIONS, type RegionRow } from "../data/regions.data";

const byCode = new Map(REGIONS.map((r) => [r.code, r]));
const byIso = new Map(REGIONS.filter((r) => r.iso).map((r) => [r.iso as string, r]));

export type Region = RegionRow;

export function regionByCode(code: string): Region | undefined {
  return byCode.get(code);
}

export function defaultRegion(): Region {
  return byCode.get(DEFAULT_REGION) as Region;
}

/** Great-circle distance in km. */
function distanceKm(aLat: number, aLon: number, bLat: number, bLon: number): number {
  const rad = Math.PI / 180;
  const dLat = (bLat - aLat) * rad;
  const dLon = (bLon - aLon) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(aLat * rad) * Math.cos(bLat * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * 6371 * Math.asin(Math.sqrt(h));
}

export interface GeoHint {
  country?: string | null;
  regionCode?: string | null;
  latitude?: string | number | null;
  longitude?: string | number | null;
}

export type DetectedBy = "subdivision" | "coordinates" | "default";

/**
 * The visitor's nearest region from Cloudflare's geolocation (`request.cf`):
 * the ISO subdivision when it is Russian, else the nearest administrative
 * centre to the coordinates in Russia, else Moscow.
 */
export function detectRegion(geo: GeoHint | undefined): { region: Region; by: DetectedBy } {
  if (geo?.country === "RU" && geo.regionCode) {
    const hit = byIso.get(`RU-${geo.regionCode.toUpperCase()}`);
    if (hit) return { region: hit, by: "subdivision" };
  }
  const lat = Number(geo?.latitude);
  const lon = Number(geo?.longitude);
  if (geo?.country === "RU" && Number.isFinite(lat) && Number.isFinite(lon) && geo?.latitude != null) {
    let best = defaultRegion();
    let bestKm = Number.POSITIVE_INFINITY;
    for (const r of REGIONS) {
      const km = distanceKm(lat, lon, r.lat, r.lon);
      if (km < bestKm) {
        best = r;
        bestKm = km;
      }
    }
    return { region: best, by: "coordinates" };
  }
  return { region: defaultRegion(), by: "default" };
}

/** One formatter per time zone and isolate: making an `Intl.DateTimeFormat` costs far more than using one. */
const dayFormats = new Map<string, Intl.DateTimeFormat>();

/** The region's local calendar day (YYYY-MM-DD) at an instant. */
export function localDay(tz: string, at: Date = new Date()): string {
  let format = dayFormats.get(tz);
  if (!format) {
    format = new Intl.DateTimeFormat("en-CA", { timeZone: tz, year: "numeric", month: "2-digit", day: "2-digit" });
    dayFormats.set(tz, format);
  }
  return format.format(at);
}

/** "26.11 14:30": a moment in a region's time zone, short enough for a text message. */
export function localShort(tz: string, at: Date): string {
  const p = Object.fromEntries(
    new Intl.DateTimeFormat("ru-RU", {
      timeZone: tz,
      day: "2-digit",
      month: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
    })
      .formatToParts(at)
      .map((x) => [x.type, x.value]),
  );
  return `${p.day}.${p.month} ${p.hour}:${p.minute}`;
}

/** The regions whose local time at `at` is in the given hour (cron work done at a local hour). */
export function regionsAtHour(at: Date, hour: number): Region[] {
  return REGIONS.filter(
    (r) => Number(new Intl.DateTimeFormat("en-GB", { timeZone: r.tz, hour: "2-digit", hourCycle: "h23" }).format(at)) === hour,
  );
}

/**
 * The offset of a time zone from UTC at an instant, in ms. Russian zones have
 * kept one offset all year since 2014, so a report takes it once per period
 * (`localClock` checks both ends and falls back to Intl when they differ).
 */
export function tzOffsetMs(tz: string, at: Date): number {
  const p = Object.fromEntries(
    new Intl.DateTimeFormat("en-GB", {
      timeZone: tz,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
      hourCycle: "h23",
    })
      .formatToParts(at)
      .map((x) => [x.type, Number(x.value)]),
  ) as Record<string, number>;
  const asUtc = Date.UTC(p.year ?? 1970, (p.month ?? 1) - 1, p.day ?? 1, p.hour ?? 0, p.minute ?? 0, p.second ?? 0);
  return asUtc - Math.floor(at.getTime() / 1000) * 1000;
}

/** A region's time zone; Moscow's for a code we do not know. */
export function regionTz(code: string): string {
  return regionByCode(code)?.tz ?? "Europe/Moscow";
}

const DAY_MS = 86_400_000;

/** The instant a region-local day reaches `hour` (Russian zones keep one offset all year). */
export function localInstant(tz: string, day: string, hour: number): Date {
  const naive = Date.parse(`${day}T${String(hour).padStart(2, "0")}:00:00Z`);
  return new Date(naive - tzOffsetMs(tz, new Date(naive)));
}

/** The first day (YYYY-MM-01) of the month `n` months after the month of `day` (YYYY-MM-DD or YYYY-MM; before, when negative). */
export function monthStart(day: string, n: number): string {
  const [y, m] = day.split("-").map(Number) as [number, number];
  return new Date(Date.UTC(y, m - 1 + n, 1)).toISOString().slice(0, 10);
}

/** A calendar day (YYYY-MM-DD) `n` days after `day` (before, when negative). */
export function addDays(day: string, n: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + n * DAY_MS).toISOString().slice(0, 10);
}

/** How many days [from, to] holds, both ends counted. */
export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS) + 1;
}
