import { and, eq, isNull, lt, sql } from "drizzle-orm";
import { getTableConfig } from "drizzle-orm/sqlite-core";
import { cards, passkeys } from "../db/schema/global";
import { homeCards, homePasskeys } from "../db/schema/region";
import { type DataAccess, d1Of, inList, type RegionDb } from "./db";
import { log } from "./log";

/**
 * A subscriber's saved cards and passkeys (issue 20): kept in their home shard, beside the global tables an older
 * deployment kept them in, which are read too until housekeeping has drained them
 * (features/notifications/notifications.drain.ts). A row in the home shard wins over the global one of the same id;
 * one removed there (`removed_at`) is a mark, read as gone, kept a day so that the drain, which may have read the
 * global row before the removal, cannot copy it back (its copy writes nothing over a row of the same id).
 */
export const CREDENTIALS = {
  cards: { home: homeCards, global: cards },
  passkeys: { home: homePasskeys, global: passkeys },
} as const;
export type CredentialKind = keyof typeof CREDENTIALS;
export type Credential<K extends CredentialKind> = (typeof CREDENTIALS)[K]["global"]["$inferSelect"];
type HomeCredential<K extends CredentialKind> = (typeof CREDENTIALS)[K]["home"]["$inferSelect"];

/** How long a removal's mark stays in the home shard: far past a housekeeping run's life, between its read and its copy. */
export const CREDENTIAL_MARK_MS = 24 * 60 * 60 * 1000;

/** Whose rows: the subscriber and their home shard (the session's, or `subscribers.home_shard`). */
export interface CredentialOwner {
  id: string;
  homeShard: string;
}

// The two tables of a kind share the columns these helpers use (id, subscriber_id, removed_at); drizzle builds the
// same SQL for either, so one of them types the queries.
const homeOf = (kind: CredentialKind) => CREDENTIALS[kind].home as typeof homeCards;
const globalOf = (kind: CredentialKind) => CREDENTIALS[kind].global as typeof cards;

/** The owner's home shard, or null when this Worker is not bound to it (a configuration error, logged). */
export function credentialsShard(data: DataAccess, owner: CredentialOwner): RegionDb | null {
  if (data.hasShard(owner.homeShard)) return data.shard(owner.homeShard);
  log("error", "credentials.home_shard_unbound", { shard: owner.homeShard });
  return null;
}

/** Where the owner's new card or passkey goes: their home shard, or the global table (`CREDENTIALS_STORE`, or unbound). */
export function credentialsHome(data: DataAccess, owner: CredentialOwner): RegionDb | null {
  return data.credentialsStore === "global" ? null : credentialsShard(data, owner);
}

/**
 * The owner's rows of a kind in their home shard, marks included (for `mergeCredentials`). Read after the global
 * table's rows (as `findCredential` reads them), so that a drain or a removal between the two is seen in one place.
 */
export function homeCredentials<K extends CredentialKind>(data: DataAccess, kind: K, owner: CredentialOwner): Promise<HomeCredential<K>[]> {
  const home = credentialsShard(data, owner);
  if (!home) return Promise.resolve([]);
  const t = homeOf(kind);
  return home.select().from(t).where(eq(t.subscriberId, owner.id)).all() as Promise<HomeCredential<K>[]>;
}

/** The owner's rows: the home shard's but those removed, then the global table's that the home shard does not name. */
export function mergeCredentials<K extends CredentialKind>(
  home: readonly HomeCredential<K>[],
  legacy: readonly Credential<K>[],
): Credential<K>[] {
  const named = new Set(home.map((r) => r.id));
  const kept = home.filter((r) => r.removedAt === null).map(({ removedAt: _, ...r }) => r as unknown as Credential<K>);
  return [...kept, ...legacy.filter((r) => !named.has(r.id))];
}

/**
 * One of the owner's rows by id, or undefined (another subscriber's is the same as none; a removed one too). `legacy`:
 * the owner's global rows when the caller has read them already (with the session, or in its own batch).
 */
export async function findCredential<K extends CredentialKind>(
  data: DataAccess,
  kind: K,
  owner: CredentialOwner,
  id: string,
  legacy?: readonly Credential<K>[],
): Promise<Credential<K> | undefined> {
  const home = credentialsShard(data, owner);
  const h = homeOf(kind);
  const g = globalOf(kind);
  // The global table first, then the home shard: a drain (copy home, then delete here) or a removal (mark home, then
  // delete here) between the two reads is seen in one place or the other, never in neither.
  const there = legacy
    ? legacy.find((r) => r.id === id && r.subscriberId === owner.id)
    : await data.global
        .select()
        .from(g)
        .where(and(eq(g.id, id), eq(g.subscriberId, owner.id)))
        .get();
  const here = await home
    ?.select()
    .from(h)
    .where(and(eq(h.id, id), eq(h.subscriberId, owner.id)))
    .get();
  if (here) {
    if (here.removedAt !== null) return undefined;
    const { removedAt: _, ...row } = here;
    return row as Credential<K>;
  }
  return there as Credential<K> | undefined;
}

/**
 * Removes one of the owner's rows; false when they have none of that id. The home shard gets the mark first (the global
 * row copied there when it is still in the global table), then the global row is deleted: a drain that read it before
 * can copy nothing back over the mark, and one that comes after finds nothing to copy.
 */
export async function removeCredential(data: DataAccess, kind: CredentialKind, owner: CredentialOwner, id: string, now = new Date()) {
  const h = homeOf(kind);
  const g = globalOf(kind);
  const home = credentialsShard(data, owner);
  const legacy = await data.global
    .select()
    .from(g)
    .where(and(eq(g.id, id), eq(g.subscriberId, owner.id)))
    .get();
  if (home) {
    const marked = await (legacy
      ? home
          .insert(h)
          .values({ ...legacy, removedAt: now })
          .onConflictDoUpdate({
            target: h.id,
            set: { removedAt: sql`coalesce(${h.removedAt}, ${now.getTime()})` },
            where: eq(h.subscriberId, owner.id),
          })
          .returning({ id: h.id })
      : home
          .update(h)
          .set({ removedAt: now })
          .where(and(eq(h.id, id), eq(h.subscriberId, owner.id), isNull(h.removedAt)))
          .returning({ id: h.id }));
    if (!legacy) return marked.length > 0;
  }
  if (!legacy) return false;
  await data.global.delete(g).where(and(eq(g.id, id), eq(g.subscriberId, owner.id)));
  return true;
}

/**
 * Deletes a page of a home shard's marks of removed cards and passkeys older than `CREDENTIAL_MARK_MS`; returns how
 * many. The global rows they hide go first (a removal whose delete there failed after its mark was written), and the
 * marks of those stay a day more (a drain may have read the row before): a mark is never purged while the row it
 * hides could show again.
 */
export async function expireCredentialMarks(data: DataAccess, db: RegionDb, now = new Date(), pageSize = 1_000): Promise<number> {
  const before = new Date(now.getTime() - CREDENTIAL_MARK_MS);
  let n = 0;
  for (const kind of Object.keys(CREDENTIALS) as CredentialKind[]) {
    const h = homeOf(kind);
    const g = globalOf(kind);
    const marks = await db
      .select({ id: h.id, subscriberId: h.subscriberId, removedAt: h.removedAt })
      .from(h)
      .where(lt(h.removedAt, before))
      .orderBy(h.removedAt)
      .limit(pageSize)
      .all();
    if (marks.length === 0) continue;
    const json = JSON.stringify(marks.map((m) => [m.id, m.subscriberId, m.removedAt?.getTime() ?? 0]));
    // The rows the marks hide, made before their removal (not one registered again with the same id since).
    const name = getTableConfig(g).name;
    const hidden = await d1Of(data.global)
      .prepare(
        `DELETE FROM ${name} WHERE rowid IN (SELECT t.rowid FROM ${name} t JOIN json_each(?) j ON t.id = json_extract(j.value, '$[0]') AND t.subscriber_id = json_extract(j.value, '$[1]') AND t.created_at <= json_extract(j.value, '$[2]')) RETURNING id`,
      )
      .bind(json)
      .all<{ id: string }>();
    // A mark whose row was still there keeps a day more: a drain that read the row before this delete may still copy it.
    const renewed = new Set(hidden.results.map((r) => r.id));
    if (renewed.size > 0)
      await db
        .update(h)
        .set({ removedAt: now })
        .where(and(inList(h.id, [...renewed]), lt(h.removedAt, before)));
    n += (
      await db
        .delete(h)
        .where(
          and(
            inList(
              h.id,
              marks.map((m) => m.id).filter((id) => !renewed.has(id)),
            ),
            // Still the mark read above: not one written again since (a removal of a card saved again).
            lt(h.removedAt, before),
          ),
        )
        .returning({ id: h.id })
    ).length;
  }
  return n;
}
