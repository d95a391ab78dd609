import type { DataAccess, RegionDb } from "../../platform/db";
import { log } from "../../platform/log";

/**
 * Where an organisation's documents and audit are (issue 20): its home shard (`organisations.home_shard`), and the
 * global tables of the same names, where an older deployment wrote them. The regional tables keep the global ones'
 * names and columns (db/schema/region.ts, "An organisation's documents"), so one query reads either; the global
 * database is handed to them as a regional handle for that (`legacyOf`), for reading what it kept and finishing what
 * it started, never for new documents of an organisation with a home.
 */
export interface DocStore {
  db: RegionDb;
  /** The home shard's binding, or null for the global tables. */
  shard: string | null;
}

/** The global database's tables of an organisation's documents, read as the home shard's (same names, same columns). */
function legacyOf(data: DataAccess): RegionDb {
  return data.global as unknown as RegionDb;
}

/**
 * Where the organisation's new documents go: its home shard, or the global tables for an organisation with none (an
 * older deployment's, registered with no account) or a home this Worker is not bound to (a configuration error,
 * logged: home shards are never removed).
 */
export function docHome(data: DataAccess, org: { id: string; homeShard: string | null }): DocStore {
  if (org.homeShard && data.hasShard(org.homeShard)) return { db: data.shard(org.homeShard), shard: org.homeShard };
  if (org.homeShard) log("error", "org.home_shard_unbound", { orgId: org.id, shard: org.homeShard });
  return { db: legacyOf(data), shard: null };
}

/** Every place the organisation's documents may be: its home first, then the global tables (an older deployment's). */
export function docStores(data: DataAccess, org: { id: string; homeShard: string | null }): DocStore[] {
  const home = docHome(data, org);
  return home.shard === null ? [home] : [home, { db: legacyOf(data), shard: null }];
}
