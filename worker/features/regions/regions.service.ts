import { BRANCHES, REGION_PLACES, REGIONS } from "../../data/regions.data";
import type { TariffKind, tariffs } from "../../db/schema/region";
import type { DataAccess } from "../../platform/db";
import { AppError } from "../../platform/errors";
import { siteUrl } from "../../platform/host";
import { isolateCache } from "../../platform/isolate-cache";
import { type DetectedBy, detectRegion, type GeoHint, localDay, type Region } from "../../platform/region";
import { selectContacts, selectOffices, selectServiceOptions, selectTariffs } from "./regions.queries";
import type { ContactDto, OfficeDto, RegionContextDto, RegionSummaryDto, ServiceOptionDto, TariffDto } from "./regions.routes";

const branchByCode = new Map(BRANCHES.map((b) => [b.code, b]));

/** The catalogue changes with a release or a seed, not per request: five minutes per isolate is fresh enough. */
const CATALOGUE_TTL_MS = 5 * 60 * 1000;
const tariffsCache = isolateCache<TariffDto[]>(CATALOGUE_TTL_MS);
const optionsCache = isolateCache<ServiceOptionDto[]>(CATALOGUE_TTL_MS);
const officesCache = isolateCache<OfficeDto[]>(CATALOGUE_TTL_MS);
const contactsCache = isolateCache<ContactDto[]>(CATALOGUE_TTL_MS);

export function summarize(region: Region, requestUrl: URL, baseDomain: string): RegionSummaryDto {
  const branch = branchByCode.get(region.branch);
  return {
    code: region.code,
    name: { ru: region.nameRu, en: region.nameEn },
    branch: { code: region.branch, name: { ru: branch?.nameRu ?? region.branch, en: branch?.nameEn ?? region.branch } },
    tz: region.tz,
    url: siteUrl(requestUrl, baseDomain, region.code),
    places: (REGION_PLACES[region.code] ?? []).map(([ru, en]) => ({ ru, en })),
  };
}

/** Every region, in the catalogue's order (by branch, then as listed). */
export function listRegions(requestUrl: URL, baseDomain: string): RegionSummaryDto[] {
  return REGIONS.map((r) => summarize(r, requestUrl, baseDomain));
}

/** The context of this host: its region, or on the apex the region to suggest. */
export function regionContext(
  region: Region | null,
  geo: GeoHint | undefined,
  requestUrl: URL,
  baseDomain: string,
  now = new Date(),
): RegionContextDto {
  let suggested: Region;
  let detectedBy: DetectedBy | "subdomain";
  if (region) {
    suggested = region;
    detectedBy = "subdomain";
  } else {
    const found = detectRegion(geo);
    suggested = found.region;
    detectedBy = found.by;
  }
  return {
    baseDomain,
    apexUrl: siteUrl(requestUrl, baseDomain, null),
    region: region ? summarize(region, requestUrl, baseDomain) : null,
    suggested: summarize(suggested, requestUrl, baseDomain),
    detectedBy,
    localDay: localDay(suggested.tz, now),
  };
}

/** Region-scoped data is only served on a regional subdomain. */
export function requireRegion(region: Region | null): Region {
  if (!region) throw new AppError(404, "region_required");
  return region;
}

/** The region's active tariffs (of one kind), from its shard; cached per isolate. */
export function regionTariffs(data: DataAccess, region: Region, kind?: TariffKind): Promise<TariffDto[]> {
  return tariffsCache(`${region.code}:${kind ?? ""}`, () => loadTariffs(data, region, kind));
}

async function loadTariffs(data: DataAccess, region: Region, kind?: TariffKind): Promise<TariffDto[]> {
  const rows = await selectTariffs(data.shardForRegion(region.code), region.code, kind);
  return rows.map(tariffView);
}

/** A tariff row as the API shows it (the `Tariff` schema): the region's list, a service's offer, the advisor and coverage. */
export function tariffView(t: typeof tariffs.$inferSelect): TariffDto {
  return {
    id: t.id,
    kind: t.kind,
    name: { ru: t.nameRu, en: t.nameEn },
    description: { ru: t.descriptionRu, en: t.descriptionEn },
    priceKop: t.priceKop,
    speedMbps: t.speedMbps,
    tvChannels: t.tvChannels,
    minutes: t.minutes,
    dataGb: t.dataGb,
  };
}

/** The region's service options; cached per isolate. */
export function regionServiceOptions(data: DataAccess, region: Region): Promise<ServiceOptionDto[]> {
  return optionsCache(region.code, async () => {
    const rows = await selectServiceOptions(data.shardForRegion(region.code), region.code);
    return rows.map((r) => ({ id: r.id, appliesTo: r.appliesTo, name: { ru: r.nameRu, en: r.nameEn }, priceKop: r.priceKop }));
  });
}

/** The region's offices; cached per isolate. */
export function regionOffices(data: DataAccess, region: Region): Promise<OfficeDto[]> {
  return officesCache(region.code, () => loadOffices(data, region));
}

async function loadOffices(data: DataAccess, region: Region): Promise<OfficeDto[]> {
  const rows = await selectOffices(data.global, region.code);
  return rows.map((r) => ({
    id: r.id,
    kind: r.kind,
    city: { ru: r.cityRu, en: r.cityEn },
    address: { ru: r.addressRu, en: r.addressEn },
    hours: JSON.parse(r.hours) as (string | null)[],
    lat: r.lat,
    lon: r.lon,
  }));
}

const CONTACT_ORDER = ["regional", "connection", "support", "b2b_hotline", "b2b_smb", "b2b_enterprise"] as const;

/** The region's phone numbers in a fixed order; cached per isolate. */
export function regionContacts(data: DataAccess, region: Region): Promise<ContactDto[]> {
  return contactsCache(region.code, async () => {
    const rows = await selectContacts(data.global, region.code);
    return CONTACT_ORDER.flatMap((kind) => {
      const row = rows.find((r) => r.kind === kind);
      return row ? [{ kind, phone: row.phone }] : [];
    });
  });
}
