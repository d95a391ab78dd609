import { and, eq, isNull, lt, lte, ne, or, sql } from "drizzle-orm";
import { externalIdentities, subscribers } from "../../db/schema/global";
import { loginKeys } from "../../db/schema/identity";
import { homeIdentities } from "../../db/schema/region";
import { CREDENTIAL_MARK_MS, type CredentialOwner, credentialsShard } from "../../platform/credentials";
import { type DataAccess, d1Of, type RegionDb } from "../../platform/db";
import { identityKey, identityStoreIndex } from "../../platform/identity-stores";
import { log } from "../../platform/log";

/**
 * A subscriber's accounts at identity providers (issue 20), in their home shard (`identities`), each with a key in an
 * identity store (`login_keys`: `idp:<provider>:<subject>` → the subscriber and their home shard), beside the global
 * table an older deployment kept them in (`external_identities`), which is read too until housekeeping has drained it
 * (features/notifications/notifications.drain.ts).
 *
 * - **The home shard's row is the truth; the key is an index.** A login finds the key, then the row, and a key whose
 *   row is not there (a link or an unlink that stopped half-way) logs nobody in. So a link writes the key first and
 *   the row second, and an unlink removes them in the reverse order.
 * - **A removal leaves a mark** (`removed_at`) in the home shard, kept a day, before it deletes the global row: the
 *   drain, which may have read that row before, cannot copy it back; and a global row whose delete failed stays hidden.
 * - **One subject, one subscriber.** A link claims the key; a key held by someone else is theirs while their row says
 *   so, or for a minute while their link is being written (`KEY_CLAIM_MS`), and free after.
 */

export type Identity = typeof externalIdentities.$inferSelect;
type HomeIdentity = typeof homeIdentities.$inferSelect;

/** How long a key is held for a link still being written (its row not yet in the home shard): a request's time, and more. */
export const KEY_CLAIM_MS = 60 * 1000;
/** How long a removal's mark stays: as long as a card's (a housekeeping run's life, and more). */
export const IDENTITY_MARK_MS = CREDENTIAL_MARK_MS;

const sameRow = (provider: string, subject: string, subscriberId: string) =>
  and(eq(homeIdentities.subscriberId, subscriberId), eq(homeIdentities.provider, provider), eq(homeIdentities.subject, subject));

/**
 * Whether an older deployment's global row stands beside the subscriber's home rows (`home`: theirs, of any provider) as
 * a link of its own: not when the home shard holds it (the same provider and subject, live: the drain's copy), nor when
 * it was removed (a mark of it no older than the row: an unlink whose global delete failed or is yet to come), nor when
 * it was replaced (a live row of the same provider and another subject: linked again since). A mark older than the row
 * hides nothing: the row was linked again after that removal (by a deployment that writes the global table).
 */
function standsAlone(
  home: readonly Pick<HomeIdentity, "provider" | "subject" | "removedAt">[],
  row: Pick<Identity, "provider" | "subject" | "createdAt">,
) {
  return !home.some(
    (h) =>
      h.provider === row.provider &&
      (h.removedAt === null || (h.subject === row.subject && h.removedAt.getTime() >= row.createdAt.getTime())),
  );
}

/** The owner's links: the home shard's but those removed, then the global table's that stand alone (`standsAlone`). */
export function mergeIdentities(home: readonly HomeIdentity[], legacy: readonly Identity[]): Identity[] {
  const kept = home.filter((r) => r.removedAt === null).map(({ removedAt: _, ...r }) => r);
  return [...kept, ...legacy.filter((r) => standsAlone(home, r))];
}

/**
 * The owner's links (`legacy`: their global rows when the caller has read them already, with the session). The global
 * table is read before the home shard, so that a drain (copy home, then delete there) between the two is seen in one
 * place or the other.
 */
export async function identitiesOf(data: DataAccess, owner: CredentialOwner, legacy?: readonly Identity[]): Promise<Identity[]> {
  const there = legacy ?? (await data.global.select().from(externalIdentities).where(eq(externalIdentities.subscriberId, owner.id)).all());
  const home = credentialsShard(data, owner);
  const here = home ? await home.select().from(homeIdentities).where(eq(homeIdentities.subscriberId, owner.id)).all() : [];
  return mergeIdentities(here, there);
}

/** The key's subscriber, when their home shard holds the link (not removed). */
async function viaKey(data: DataAccess, provider: string, subject: string): Promise<CredentialOwner | null> {
  // No identity store bound (a deployment that keeps the links global): no key anywhere, and `keyOf` says so.
  const key = await data.identities.keyOf(identityKey(provider, subject));
  if (!key || !data.hasShard(key.homeShard)) return null;
  const row = await data
    .shard(key.homeShard)
    .select({ removedAt: homeIdentities.removedAt })
    .from(homeIdentities)
    .where(sameRow(provider, subject, key.subscriberId))
    .get();
  return row && row.removedAt === null ? { id: key.subscriberId, homeShard: key.homeShard } : null;
}

/**
 * Whose account at a provider this is, or null: by its key and the row in the home shard it names; else an older
 * deployment's global row, unless its subscriber's home shard says it was removed or replaced since (`standsAlone`);
 * else the key again, which the drain writes before it deletes the global row (a drain between the first two reads).
 */
export async function findLinked(data: DataAccess, provider: string, subject: string): Promise<CredentialOwner | null> {
  const first = await viaKey(data, provider, subject);
  if (first) return first;
  const legacy = await data.global
    .select({ id: externalIdentities.subscriberId, homeShard: subscribers.homeShard, createdAt: externalIdentities.createdAt })
    .from(externalIdentities)
    .innerJoin(subscribers, eq(subscribers.id, externalIdentities.subscriberId))
    .where(and(eq(externalIdentities.provider, provider), eq(externalIdentities.subject, subject)))
    .get();
  if (legacy) {
    const home = credentialsShard(data, legacy);
    const mine = home
      ? await home
          .select({ provider: homeIdentities.provider, subject: homeIdentities.subject, removedAt: homeIdentities.removedAt })
          .from(homeIdentities)
          .where(and(eq(homeIdentities.subscriberId, legacy.id), eq(homeIdentities.provider, provider)))
          .all()
      : [];
    const copied = mine.some((h) => h.subject === subject && h.removedAt === null);
    return copied || standsAlone(mine, { provider, subject, createdAt: legacy.createdAt })
      ? { id: legacy.id, homeShard: legacy.homeShard }
      : null;
  }
  return viaKey(data, provider, subject);
}

/**
 * Links the owner's account at a provider: "taken" when it is someone else's (or their link of it is being written).
 * Linking another subject of a provider replaces the owner's old one (as the global table's unique pair did).
 */
export async function linkIdentity(
  data: DataAccess,
  owner: CredentialOwner,
  link: { provider: string; subject: string; displayName: string | null },
  now = new Date(),
): Promise<"linked" | "taken"> {
  const { provider, subject } = link;
  const holder = await findLinked(data, provider, subject);
  if (holder) return holder.id === owner.id ? "linked" : "taken";
  const home = credentialsShard(data, owner);
  // Where the link goes: the home shard with a key, or the global table (`IDENTITIES_STORE = "global"`, or unbound).
  const keyed = data.identitiesStore === "home" && home !== null;
  // 1. The key: ours, or free (no row of its subscriber says otherwise: `findLinked` above), past a link being written.
  if (keyed && !(await claimKey(data, owner, provider, subject, now))) return "taken";
  // 2. In the home shard: the owner's other subject of this provider, live there or in the global table, becomes a mark
  // (a drain that read it can copy nothing over it, and a global row whose delete fails stays hidden); then the link.
  const legacy = await data.global
    .select()
    .from(externalIdentities)
    .where(and(eq(externalIdentities.subscriberId, owner.id), eq(externalIdentities.provider, provider)))
    .all();
  const others = legacy.filter((r) => r.subject !== subject);
  let replaced: string[] = others.map((r) => r.subject);
  if (home) {
    const [marked] = await home.batch([
      home
        .update(homeIdentities)
        .set({ removedAt: now })
        .where(
          and(
            eq(homeIdentities.subscriberId, owner.id),
            eq(homeIdentities.provider, provider),
            isNull(homeIdentities.removedAt),
            ne(homeIdentities.subject, subject),
          ),
        )
        .returning({ subject: homeIdentities.subject }),
      ...others.map((r) => markStatement(home, r, now)),
      // Under the global table, a mark of this subject from an earlier unlink goes: the global row written below is the link.
      ...(keyed ? [] : [home.delete(homeIdentities).where(sameRow(provider, subject, owner.id))]),
      ...(keyed
        ? [
            home
              .insert(homeIdentities)
              .values({ provider, subject, subscriberId: owner.id, displayName: link.displayName, createdAt: now, removedAt: null })
              .onConflictDoUpdate({
                target: [homeIdentities.subscriberId, homeIdentities.provider, homeIdentities.subject],
                set: { displayName: link.displayName, createdAt: now, removedAt: null },
              }),
          ]
        : []),
    ]);
    replaced = [...replaced, ...marked.map((r) => r.subject)];
  }
  // 3. The old subjects' keys (those made before this link), then the global rows read above (not one written since).
  await dropKeys(data, owner, provider, replaced, now);
  if (keyed) {
    await deleteGlobalRows(data, legacy);
    // This link's own key again: an unlink at once with it, which read the row before this link made it live, may have
    // dropped the key between step 1 and step 2.
    if (!(await claimKey(data, owner, provider, subject, now, false)))
      log("warn", "identities.key_unclaimed", {
        provider,
        store: identityStoreIndex(identityKey(provider, subject), data.identities.all.length),
      });
    return "linked";
  }
  // The global table, as an older deployment wrote it. Someone else's row of this subject that `findLinked` found removed
  // or replaced (its delete failed) goes first: it would refuse the new one.
  await data.global.batch([
    data.global
      .delete(externalIdentities)
      .where(
        and(
          eq(externalIdentities.provider, provider),
          eq(externalIdentities.subject, subject),
          ne(externalIdentities.subscriberId, owner.id),
        ),
      ),
    data.global
      .insert(externalIdentities)
      .values({ provider, subject, subscriberId: owner.id, displayName: link.displayName, createdAt: now })
      .onConflictDoUpdate({
        target: [externalIdentities.subscriberId, externalIdentities.provider],
        set: { subject, displayName: link.displayName, createdAt: now },
      }),
  ]);
  return "linked";
}

/**
 * Claims the key of a subject for the owner: absent, theirs already, or (`takeOver`) held past `KEY_CLAIM_MS` by someone
 * whose row no longer says so (the caller has found no live link of it); false when another subscriber holds it. A claim
 * again at the end of a change (its key dropped by a change at once with it) takes nothing over.
 */
async function claimKey(data: DataAccess, owner: CredentialOwner, provider: string, subject: string, now: Date, takeOver = true) {
  const key = identityKey(provider, subject);
  const claimed = await data.identities
    .forKey(key)
    .insert(loginKeys)
    .values({ key, subscriberId: owner.id, homeShard: owner.homeShard, createdAt: now })
    .onConflictDoUpdate({
      target: loginKeys.key,
      set: { subscriberId: owner.id, homeShard: owner.homeShard, createdAt: now },
      setWhere: takeOver
        ? or(eq(loginKeys.subscriberId, owner.id), lt(loginKeys.createdAt, new Date(now.getTime() - KEY_CLAIM_MS)))
        : eq(loginKeys.subscriberId, owner.id),
    })
    .returning({ key: loginKeys.key });
  return claimed.length > 0;
}

/**
 * A global row as a mark in the home shard: removed at `now`, or at its own making if that is later (a clock a little
 * behind another Worker's), so that the mark hides the row it was made from (`standsAlone`).
 */
function markStatement(home: RegionDb, r: Identity, now: Date) {
  const at = new Date(Math.max(now.getTime(), r.createdAt.getTime()));
  return home
    .insert(homeIdentities)
    .values({ ...r, removedAt: at })
    .onConflictDoUpdate({
      target: [homeIdentities.subscriberId, homeIdentities.provider, homeIdentities.subject],
      set: { removedAt: sql`max(${at.getTime()}, excluded.created_at, coalesce(${homeIdentities.removedAt}, 0))` },
    });
}

/** Deletes these global rows, each only as it was read (a row written over it since, or again, stays). */
async function deleteGlobalRows(data: DataAccess, rows: readonly Identity[]) {
  if (rows.length === 0) return;
  await d1Of(data.global)
    .prepare(
      "DELETE FROM external_identities WHERE rowid IN (SELECT t.rowid FROM external_identities t JOIN json_each(?) j ON t.subscriber_id = json_extract(j.value, '$[0]') AND t.provider = json_extract(j.value, '$[1]') AND t.subject = json_extract(j.value, '$[2]') AND t.created_at = json_extract(j.value, '$[3]'))",
    )
    .bind(JSON.stringify(rows.map((r) => [r.subscriberId, r.provider, r.subject, r.createdAt.getTime()])))
    .run();
}

/**
 * Deletes the owner's keys of these subjects made up to `before` (a key another subscriber holds now is theirs, and one
 * the owner claimed again since, by a link at once with this change, is that link's).
 */
async function dropKeys(data: DataAccess, owner: CredentialOwner, provider: string, subjects: readonly string[], before: Date) {
  const keys = [...new Set(subjects)].map((s) => identityKey(provider, s));
  if (keys.length === 0 || data.identities.all.length === 0) return;
  await Promise.all(
    keys.map((key) =>
      data.identities
        .forKey(key)
        .delete(loginKeys)
        .where(and(eq(loginKeys.key, key), eq(loginKeys.subscriberId, owner.id), lte(loginKeys.createdAt, before))),
    ),
  );
}

/**
 * Unlinks the owner's account at a provider; false when they have none there. The home shard gets the mark first (the
 * global row copied there as one when it is still in the global table), then the key goes, then the global row.
 */
export async function unlinkProvider(data: DataAccess, owner: CredentialOwner, provider: string, now = new Date()): Promise<boolean> {
  const legacy = await data.global
    .select()
    .from(externalIdentities)
    .where(and(eq(externalIdentities.subscriberId, owner.id), eq(externalIdentities.provider, provider)))
    .all();
  const home = credentialsShard(data, owner);
  let subjects = legacy.map((r) => r.subject);
  if (home) {
    // The live row marked, and the global row copied as a mark: one batch.
    const [live] = await home.batch([
      home
        .update(homeIdentities)
        .set({ removedAt: now })
        .where(and(eq(homeIdentities.subscriberId, owner.id), eq(homeIdentities.provider, provider), isNull(homeIdentities.removedAt)))
        .returning({ subject: homeIdentities.subject }),
      ...legacy.map((r) => markStatement(home, r, now)),
    ]);
    subjects = [...subjects, ...live.map((r) => r.subject)];
  }
  if (subjects.length === 0) return false;
  await dropKeys(data, owner, provider, subjects, now);
  // A link of the provider at once with this unlink, made live after the batch above, may have lost its key to the drop:
  // it gets it back (its own last step claims it too).
  if (home && data.identitiesStore === "home") {
    const relinked = await home
      .select({ subject: homeIdentities.subject })
      .from(homeIdentities)
      .where(and(eq(homeIdentities.subscriberId, owner.id), eq(homeIdentities.provider, provider), isNull(homeIdentities.removedAt)))
      .all();
    for (const r of relinked) await claimKey(data, owner, provider, r.subject, now, false);
  }
  await deleteGlobalRows(data, legacy);
  return true;
}

/**
 * Deletes a page of a home shard's marks of removed links older than `IDENTITY_MARK_MS`; returns how many. The global
 * rows they hide go first (an unlink whose delete there failed), and the marks of those stay a day more (a drain may have
 * read the row before): a mark is never purged while the row it hides could show again.
 */
export async function expireIdentityMarks(data: DataAccess, db: RegionDb, now = new Date(), pageSize = 1_000): Promise<number> {
  const before = new Date(now.getTime() - IDENTITY_MARK_MS);
  const marks = await db
    .select({
      subscriberId: homeIdentities.subscriberId,
      provider: homeIdentities.provider,
      subject: homeIdentities.subject,
      removedAt: homeIdentities.removedAt,
    })
    .from(homeIdentities)
    .where(lt(homeIdentities.removedAt, before))
    .orderBy(homeIdentities.removedAt)
    .limit(pageSize)
    .all();
  if (marks.length === 0) return 0;
  const json = JSON.stringify(marks.map((m) => [m.subscriberId, m.provider, m.subject, m.removedAt?.getTime() ?? 0]));
  // The rows the marks hide, made before their removal (not one linked again with the same subject since).
  const hidden = await d1Of(data.global)
    .prepare(
      `DELETE FROM external_identities WHERE rowid IN (SELECT t.rowid FROM external_identities t JOIN json_each(?) j ON t.subscriber_id = json_extract(j.value, '$[0]') AND t.provider = json_extract(j.value, '$[1]') AND t.subject = json_extract(j.value, '$[2]') AND t.created_at <= json_extract(j.value, '$[3]')) RETURNING subscriber_id || ' ' || provider || ' ' || subject AS id`,
    )
    .bind(json)
    .all<{ id: string }>();
  const renewed = new Set(hidden.results.map((r) => r.id));
  const idOf = (m: (typeof marks)[number]) => `${m.subscriberId} ${m.provider} ${m.subject}`;
  const [keep, drop] = [marks.filter((m) => renewed.has(idOf(m))), marks.filter((m) => !renewed.has(idOf(m)))];
  let n = 0;
  // A mark whose row was still there keeps a day more: a drain that read the row before this delete may still copy it.
  for (const list of [keep, drop]) {
    if (list.length === 0) continue;
    const where = sql`${homeIdentities.removedAt} IS NOT NULL AND ${homeIdentities.removedAt} < ${before.getTime()} AND (${homeIdentities.subscriberId}, ${homeIdentities.provider}, ${homeIdentities.subject}) IN (SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), json_extract(value, '$[2]') FROM json_each(${JSON.stringify(list.map((m) => [m.subscriberId, m.provider, m.subject]))}))`;
    if (list === keep) await db.update(homeIdentities).set({ removedAt: now }).where(where);
    else n += (await db.delete(homeIdentities).where(where).returning({ p: homeIdentities.provider })).length;
  }
  return n;
}
