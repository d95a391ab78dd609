import { TECH_MAX_MBPS, type Technology } from "../../data/services.data";
import { houseNumber, normalizeStreet } from "../../platform/address";
import type { DataAccess } from "../../platform/db";
import { AppError, type FieldError } from "../../platform/errors";
import { tariffView } from "../regions/regions.service";
import * as q from "./services.queries";

/** The address availability check: which technologies reach this house, how fast, and the region's tariffs that fit. */
export async function coverageAt(data: DataAccess, region: string, street: string, house: string) {
  const db = data.shardForRegion(region);
  const key = normalizeStreet(street);
  const n = houseNumber(house);
  const errors: FieldError[] = [];
  if (!key) errors.push({ field: "street", message: "field.coverage.street" });
  if (n === null) errors.push({ field: "house", message: "field.coverage.house" });
  if (errors.length) throw new AppError(400, "validation", {}, errors);
  const rows = (await q.selectCoverage(db, region, key)).filter((r) => (n ?? 0) >= r.houseFrom && (n ?? 0) <= r.houseTo);
  const technologies = rows
    .map((r) => ({
      technology: r.technology as Technology,
      maxMbps: Math.min(r.maxMbps, TECH_MAX_MBPS[r.technology as Technology]),
      tv: r.tv,
    }))
    .sort((a, b) => b.maxMbps - a.maxMbps);
  const maxMbps = technologies[0]?.maxMbps ?? 0;
  const tv = technologies.some((t) => t.tv);
  const all = await q.selectRegionTariffs(db, region);
  const fits = all.filter((t) =>
    t.kind === "mobile"
      ? true
      : t.kind === "internet" || t.kind === "bundle"
        ? maxMbps > 0 && (t.speedMbps ?? 0) <= maxMbps
        : t.kind === "tv"
          ? tv
          : maxMbps > 0,
  );
  return {
    region,
    street: rows[0]?.street ?? street,
    house,
    available: technologies.length > 0,
    maxMbps,
    technologies,
    tariffs: fits.map(tariffView),
  };
}

export async function streetSuggestions(data: DataAccess, region: string, typed: string) {
  const key = normalizeStreet(typed);
  if (key.length < 2) return [];
  return (await q.selectStreets(data.shardForRegion(region), region, key)).map((r) => r.street);
}
