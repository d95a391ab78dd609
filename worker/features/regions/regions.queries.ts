import { and, asc, eq } from "drizzle-orm";
import { offices, regionContacts } from "../../db/schema/global";
import { serviceOptions, type TariffKind, tariffs } from "../../db/schema/region";
import type { GlobalDb, RegionDb } from "../../platform/db";

export function selectTariffs(db: RegionDb, region: string, kind?: TariffKind) {
  const where = kind
    ? and(eq(tariffs.region, region), eq(tariffs.active, true), eq(tariffs.kind, kind))
    : and(eq(tariffs.region, region), eq(tariffs.active, true));
  return db.select().from(tariffs).where(where).orderBy(asc(tariffs.kind), asc(tariffs.sort), asc(tariffs.priceKop)).all();
}

export function selectServiceOptions(db: RegionDb, region: string) {
  return db.select().from(serviceOptions).where(eq(serviceOptions.region, region)).orderBy(asc(serviceOptions.sort)).all();
}

export function selectOffices(db: GlobalDb, region: string) {
  return db.select().from(offices).where(eq(offices.region, region)).orderBy(asc(offices.kind), asc(offices.id)).all();
}

export function selectContacts(db: GlobalDb, region: string) {
  return db.select().from(regionContacts).where(eq(regionContacts.region, region)).all();
}
