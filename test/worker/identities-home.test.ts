/**
 * Issue 20: a subscriber's links to identity providers live in their home shard, each with a key in the identity store
 * its provider and subject hash to (`IDENTITY_<n>`), not in the global database (55 bytes an account of its fixed
 * part). A login finds the key, then the row; the rows an older deployment kept in the global table are read beside
 * them, logged in with and drained, without a link lost, doubled, brought back after its removal, or another
 * subscriber's.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import {
  expireIdentityMarks,
  findLinked,
  IDENTITY_MARK_MS,
  identitiesOf,
  KEY_CLAIM_MS,
  linkIdentity,
  unlinkProvider,
} from "../../worker/features/auth/identities.service";
import { DRAIN_CALLS, DRAIN_TABLES } from "../../worker/features/notifications/drain.limits";
import { drainLegacyNotifications } from "../../worker/features/notifications/notifications.drain";
import { createDataAccess, type ShardBinding, shardDatabase } from "../../worker/platform/db";
import { identityKey, identityStoreDatabases, identityStoreIndex, identityStores } from "../../worker/platform/identity-stores";
import { api, call, homeSubscriber, json, oidcRoundTrip, sessionCookie } from "./helpers";

const subscriber = (home: ShardBinding) => homeSubscriber("idp", home);
type Subscriber = Awaited<ReturnType<typeof subscriber>>;

const stores = () => identityStoreDatabases(env);
const storeOf = (provider: string, subject: string) => {
  const all = stores();
  return all[identityStoreIndex(identityKey(provider, subject), all.length)] as D1Database;
};
const keyOf = (provider: string, subject: string) =>
  storeOf(provider, subject)
    .prepare("SELECT subscriber_id AS s, home_shard AS h FROM login_keys WHERE key = ?")
    .bind(identityKey(provider, subject))
    .first<{ s: string; h: string }>();
const rows = async (db: D1Database, sql: string, ...args: unknown[]) =>
  (
    await db
      .prepare(sql)
      .bind(...args)
      .all<Record<string, unknown>>()
  ).results;
/** A link as an older deployment made it, in the global table. */
const legacyLink = (s: Subscriber, provider: string, subject: string, at = Date.now()) =>
  env.DB.prepare("INSERT INTO external_identities (provider, subject, subscriber_id, display_name, created_at) VALUES (?, ?, ?, ?, ?)")
    .bind(provider, subject, s.id, `name of ${s.id}`, at)
    .run();
const whose = async (provider: string, subject: string) => (await findLinked(createDataAccess(env), provider, subject))?.id ?? null;
const providers = async (s: Subscriber) =>
  (await json<{ items: { provider: string }[] }>(await api(s.cookie, "/me/identities"))).items.map((i) => i.provider).sort();
const link = (s: Subscriber, provider: string, subject: string, now = new Date()) =>
  linkIdentity(createDataAccess(env), s, { provider, subject, displayName: s.id }, now);

/** Drains until a run moves no link. */
async function drainAll(afterRead?: () => Promise<void>) {
  await env.DB.prepare("DELETE FROM drain_cursors").run();
  for (let i = 0; i < 50; i++) {
    const r = await drainLegacyNotifications(createDataAccess(env), new Date(), { afterRead });
    if (r.identities === 0) return r;
  }
  throw new Error("the drain did not finish");
}

/** Subjects whose keys hash to different identity stores (so a case sees both). */
function subjectsOnBothStores(provider: string, prefix: string): [string, string] {
  const n = stores().length;
  expect(n).toBeGreaterThanOrEqual(2);
  const first = `${prefix}-0`;
  const i0 = identityStoreIndex(identityKey(provider, first), n);
  for (let k = 1; k < 100; k++) {
    const other = `${prefix}-${k}`;
    if (identityStoreIndex(identityKey(provider, other), n) !== i0) return [first, other];
  }
  throw new Error("no subject on another store");
}

describe("links to identity providers in the home shard, keyed in the identity stores", () => {
  it("a link writes its row home and its key in the one store the subject hashes to; a login by the provider reads no global row of it", async () => {
    const anna = await subscriber("DB_VOLGA");
    const olga = await subscriber("DB_FAREAST");
    const [a, b] = subjectsOnBothStores("gosuslugi", `s-${anna.id}`);
    expect(await link(anna, "gosuslugi", a)).toBe("linked");
    expect(await link(olga, "gosuslugi", b)).toBe("linked");
    for (const [s, subject] of [
      [anna, a],
      [olga, b],
    ] as const) {
      expect(await rows(s.home, "SELECT subject, removed_at FROM identities WHERE subscriber_id = ?", s.id)).toEqual([
        { subject, removed_at: null },
      ]);
      expect(await keyOf("gosuslugi", subject)).toEqual({ s: s.id, h: s.homeShard });
      // Only in its own store.
      const elsewhere = stores().filter((db) => db !== storeOf("gosuslugi", subject));
      for (const db of elsewhere)
        expect(await rows(db, "SELECT 1 FROM login_keys WHERE key = ?", identityKey("gosuslugi", subject))).toEqual([]);
    }
    expect(await rows(env.DB, "SELECT 1 FROM external_identities")).toEqual([]);
    expect(await whose("gosuslugi", a)).toBe(anna.id);
    expect(await whose("gosuslugi", b)).toBe(olga.id);
    expect(await whose("vkid", a)).toBeNull();
    expect(await providers(anna)).toEqual(["gosuslugi"]);

    // Through the browser's round trip (the mock's person is `johndoe`): linked from the profile, then logged in with.
    const link2 = await oidcRoundTrip("vkid", "link", anna.cookie);
    expect(link2.headers.get("location")).toContain("linked=1");
    expect(await keyOf("vkid", "johndoe")).toEqual({ s: anna.id, h: "DB_VOLGA" });
    const login = await oidcRoundTrip("vkid", "login");
    const me = await call("msk", "/api/v1/me", { headers: { cookie: sessionCookie(login) } });
    expect((await json<{ profile: { id: string } }>(me)).profile.id).toBe(anna.id);
    expect(await providers(anna)).toEqual(["gosuslugi", "vkid"]);
  });

  it("one subject, one subscriber: parallel links of it by two people link one; a key whose row never came is free after a minute, not before", async () => {
    const anna = await subscriber("DB_VOLGA");
    const olga = await subscriber("DB_SOUTH");
    const subject = `race-${anna.id}`;
    const outcomes = await Promise.all(Array.from({ length: 8 }, (_, i) => link(i % 2 ? olga : anna, "tid", subject)));
    const winner = (await whose("tid", subject)) as string;
    expect([anna.id, olga.id]).toContain(winner);
    const won = outcomes.filter((_, i) => (i % 2 ? olga : anna).id === winner);
    const lost = outcomes.filter((_, i) => (i % 2 ? olga : anna).id !== winner);
    expect(won.every((o) => o === "linked")).toBe(true);
    expect(lost.every((o) => o === "taken")).toBe(true);
    const loser = winner === anna.id ? olga : anna;
    expect(await rows(loser.home, "SELECT 1 FROM identities WHERE subscriber_id = ?", loser.id)).toEqual([]);

    // A key whose link stopped before its row was written (no row): it logs nobody in, holds the subject a minute, then
    // gives way.
    const half = `half-${anna.id}`;
    const now = Date.now();
    await storeOf("tid", half)
      .prepare("INSERT INTO login_keys (key, subscriber_id, home_shard, created_at) VALUES (?, ?, ?, ?)")
      .bind(identityKey("tid", half), anna.id, anna.homeShard, now)
      .run();
    expect(await whose("tid", half)).toBeNull();
    expect(await link(olga, "tid", half, new Date(now + 1_000))).toBe("taken");
    expect(await link(olga, "tid", half, new Date(now + KEY_CLAIM_MS + 1_000))).toBe("linked");
    expect(await whose("tid", half)).toBe(olga.id);
  });

  it("an unlink leaves a mark, drops the key and logs nobody in; the last way in is kept; linking another subject replaces the old one", async () => {
    const anna = await subscriber("DB_VOLGA");
    expect(await link(anna, "gosuslugi", `one-${anna.id}`)).toBe("linked");
    // Her only way in (no password, no passkey): refused.
    const last = await api(anna.cookie, "/me/identities/gosuslugi", { method: "DELETE" });
    expect(last.status).toBe(409);
    expect(await link(anna, "vkid", `v-${anna.id}`)).toBe("linked");
    // Another subject of the same provider: replaces the first (its key dropped, its row a mark).
    expect(await link(anna, "gosuslugi", `two-${anna.id}`)).toBe("linked");
    expect(await whose("gosuslugi", `one-${anna.id}`)).toBeNull();
    expect(await keyOf("gosuslugi", `one-${anna.id}`)).toBeNull();
    expect(await whose("gosuslugi", `two-${anna.id}`)).toBe(anna.id);
    expect(await providers(anna)).toEqual(["gosuslugi", "vkid"]);

    expect((await api(anna.cookie, "/me/identities/gosuslugi", { method: "DELETE" })).status).toBe(204);
    expect(await whose("gosuslugi", `two-${anna.id}`)).toBeNull();
    expect(await keyOf("gosuslugi", `two-${anna.id}`)).toBeNull();
    expect((await api(anna.cookie, "/me/identities/gosuslugi", { method: "DELETE" })).status).toBe(404);
    expect(await providers(anna)).toEqual(["vkid"]);
    expect(
      await rows(anna.home, "SELECT subject FROM identities WHERE subscriber_id = ? AND removed_at IS NOT NULL ORDER BY subject", anna.id),
    ).toEqual([{ subject: `one-${anna.id}` }, { subject: `two-${anna.id}` }]);
    // Someone else's DELETE of her provider is a 404 of theirs.
    const olga = await subscriber("DB_VOLGA");
    expect((await api(olga.cookie, "/me/identities/vkid", { method: "DELETE" })).status).toBe(404);
    expect(await providers(anna)).toEqual(["vkid"]);
    // Linked again later: live again.
    expect(await link(anna, "gosuslugi", `two-${anna.id}`)).toBe("linked");
    expect(await whose("gosuslugi", `two-${anna.id}`)).toBe(anna.id);
  });

  it("an older deployment's link logs in, is listed once, and is removed for good even when its global delete is lost", async () => {
    const anna = await subscriber("DB_URAL");
    await legacyLink(anna, "gosuslugi", `old-${anna.id}`, Date.now() - 1_000);
    expect(await whose("gosuslugi", `old-${anna.id}`)).toBe(anna.id);
    expect(await providers(anna)).toEqual(["gosuslugi"]);
    // Linking it again (the same subject) is a no-op; another subscriber cannot take it.
    const olga = await subscriber("DB_URAL");
    expect(await link(olga, "gosuslugi", `old-${anna.id}`)).toBe("taken");
    expect(await link(anna, "gosuslugi", `old-${anna.id}`)).toBe("linked");
    expect(await rows(anna.home, "SELECT 1 FROM identities WHERE subscriber_id = ?", anna.id)).toEqual([]);

    // An unlink whose global delete is lost (the global row put back): the mark hides it.
    const data = createDataAccess(env);
    const removedAt = new Date();
    expect(await unlinkProvider(data, anna, "gosuslugi", removedAt)).toBe(true);
    expect(await rows(env.DB, "SELECT 1 FROM external_identities WHERE subscriber_id = ?", anna.id)).toEqual([]);
    await legacyLink(anna, "gosuslugi", `old-${anna.id}`, Date.now() - 2_000);
    expect(await whose("gosuslugi", `old-${anna.id}`)).toBeNull();
    expect(await providers(anna)).toEqual([]);
    // The purge, a day on, deletes the row the mark hides and keeps the mark a day more; then the mark goes.
    expect(await expireIdentityMarks(data, data.shard("DB_URAL"), new Date(removedAt.getTime() + IDENTITY_MARK_MS - 1_000))).toBe(0);
    expect(await rows(env.DB, "SELECT 1 FROM external_identities WHERE subscriber_id = ?", anna.id)).toHaveLength(1);
    const dayOn = new Date(removedAt.getTime() + IDENTITY_MARK_MS + 1_000);
    expect(await expireIdentityMarks(data, data.shard("DB_URAL"), dayOn)).toBe(0);
    expect(await rows(env.DB, "SELECT 1 FROM external_identities WHERE subscriber_id = ?", anna.id)).toEqual([]);
    expect(await rows(anna.home, "SELECT 1 FROM identities WHERE subscriber_id = ?", anna.id)).toHaveLength(1);
    expect(await expireIdentityMarks(data, data.shard("DB_URAL"), new Date(dayOn.getTime() + IDENTITY_MARK_MS + 1_000))).toBe(1);
    expect(await rows(anna.home, "SELECT 1 FROM identities WHERE subscriber_id = ?", anna.id)).toEqual([]);
    expect(await whose("gosuslugi", `old-${anna.id}`)).toBeNull();
  });

  it("the drain moves older links home with their keys; one unlinked between its read and its copy stays unlinked; a stale key is taken over, a live one's holds the row back", async () => {
    const anna = await subscriber("DB_VOLGA");
    const petr = await subscriber("DB_SIBERIA");
    const olga = await subscriber("DB_SOUTH");
    const boris = await subscriber("DB_SOUTH");
    await legacyLink(anna, "gosuslugi", `g-${anna.id}`);
    await legacyLink(anna, "vkid", `v-${anna.id}`);
    await legacyLink(petr, "tid", `t-${petr.id}`);
    await legacyLink(olga, "tid", `t-${olga.id}`);
    // Olga's subject has a key of Petr's with no link of his behind it (his link stopped before its row, long ago): the
    // drain takes it over for her.
    await storeOf("tid", `t-${olga.id}`)
      .prepare("INSERT INTO login_keys (key, subscriber_id, home_shard, created_at) VALUES (?, ?, ?, ?)")
      .bind(identityKey("tid", `t-${olga.id}`), petr.id, petr.homeShard, Date.now() - 10 * KEY_CLAIM_MS)
      .run();
    // Boris's subject is linked, live, to Petr in the home shard (an older deployment let Boris link it as well): the key
    // stays Petr's, and Boris's row stays in the global table, counted as held back.
    expect(await link(petr, "vkid", `b-${boris.id}`, new Date(Date.now() - 10 * KEY_CLAIM_MS))).toBe("linked");
    await legacyLink(boris, "vkid", `b-${boris.id}`);
    // Anna unlinks VK ID while the drain holds its page (read before, copied after).
    let unlinked = false;
    const r = await drainAll(async () => {
      if (unlinked) return;
      unlinked = true;
      expect(await unlinkProvider(createDataAccess(env), anna, "vkid")).toBe(true);
    });
    expect(r.heldBack).toBe(1);
    expect(await rows(env.DB, "SELECT subscriber_id AS s FROM external_identities")).toEqual([{ s: boris.id }]);
    expect(
      await rows(
        anna.home,
        "SELECT provider, removed_at IS NULL AS live FROM identities WHERE subscriber_id = ? ORDER BY provider",
        anna.id,
      ),
    ).toEqual([
      { provider: "gosuslugi", live: 1 },
      { provider: "vkid", live: 0 },
    ]);
    expect(await keyOf("gosuslugi", `g-${anna.id}`)).toEqual({ s: anna.id, h: "DB_VOLGA" });
    expect(await keyOf("vkid", `v-${anna.id}`)).toBeNull();
    expect(await keyOf("tid", `t-${petr.id}`)).toEqual({ s: petr.id, h: "DB_SIBERIA" });
    expect(await keyOf("tid", `t-${olga.id}`)).toEqual({ s: olga.id, h: "DB_SOUTH" });
    expect(await keyOf("vkid", `b-${boris.id}`)).toEqual({ s: petr.id, h: "DB_SIBERIA" });
    expect(await whose("gosuslugi", `g-${anna.id}`)).toBe(anna.id);
    expect(await whose("vkid", `v-${anna.id}`)).toBeNull();
    expect(await whose("tid", `t-${petr.id}`)).toBe(petr.id);
    expect(await whose("tid", `t-${olga.id}`)).toBe(olga.id);
    expect(await whose("vkid", `b-${boris.id}`)).toBe(petr.id);
    expect(await providers(anna)).toEqual(["gosuslugi"]);
    expect(await providers(petr)).toEqual(["tid", "vkid"]);
    expect(await providers(olga)).toEqual(["tid"]);
    // A second drain moves nothing twice.
    await drainAll();
    expect(await rows(anna.home, "SELECT 1 FROM identities WHERE subscriber_id = ?", anna.id)).toHaveLength(2);
    expect((await identitiesOf(createDataAccess(env), olga)).map((i) => i.subject)).toEqual([`t-${olga.id}`]);
  });

  it("a link of another subject replaces the older deployment's: the old one logs nobody in, even when its global delete is lost, and the drain takes it away", async () => {
    const anna = await subscriber("DB_VOLGA");
    const at = Date.now() - 60_000;
    await legacyLink(anna, "gosuslugi", `old-${anna.id}`, at);
    expect(await link(anna, "gosuslugi", `new-${anna.id}`)).toBe("linked");
    expect(await rows(env.DB, "SELECT 1 FROM external_identities WHERE subscriber_id = ?", anna.id)).toEqual([]);
    // The global delete lost: the row is back as it was.
    await legacyLink(anna, "gosuslugi", `old-${anna.id}`, at);
    expect(await whose("gosuslugi", `old-${anna.id}`)).toBeNull();
    expect(await whose("gosuslugi", `new-${anna.id}`)).toBe(anna.id);
    expect(await providers(anna)).toEqual(["gosuslugi"]);
    expect((await identitiesOf(createDataAccess(env), anna)).map((i) => i.subject)).toEqual([`new-${anna.id}`]);
    await drainAll();
    expect(await rows(env.DB, "SELECT 1 FROM external_identities WHERE subscriber_id = ?", anna.id)).toEqual([]);
    expect(await whose("gosuslugi", `old-${anna.id}`)).toBeNull();
    expect(await whose("gosuslugi", `new-${anna.id}`)).toBe(anna.id);
  });

  it("while the deployment keeps links global, an unlink and a link again of the same account log in at once, and the old removal's purge keeps it", async () => {
    const keeping = createDataAccess({ ...env, IDENTITIES_STORE: "global" } as typeof env);
    const anna = await subscriber("DB_VOLGA");
    const olga = await subscriber("DB_VOLGA");
    const subject = `again-${anna.id}`;
    const t0 = Date.now() - 5_000;
    expect(await linkIdentity(keeping, anna, { provider: "vkid", subject, displayName: null }, new Date(t0))).toBe("linked");
    expect(await linkIdentity(keeping, olga, { provider: "tid", subject: `o-${olga.id}`, displayName: null })).toBe("linked");
    expect(await unlinkProvider(keeping, anna, "vkid", new Date(t0 + 1_000))).toBe(true);
    expect((await findLinked(keeping, "vkid", subject))?.id).toBeUndefined();
    expect(await linkIdentity(keeping, anna, { provider: "vkid", subject, displayName: null }, new Date(t0 + 2_000))).toBe("linked");
    expect((await findLinked(keeping, "vkid", subject))?.id).toBe(anna.id);
    expect((await identitiesOf(keeping, anna)).map((i) => i.subject)).toEqual([subject]);
    // A day on, the purge of the old mark leaves the link made after it.
    expect(await expireIdentityMarks(keeping, keeping.shard("DB_VOLGA"), new Date(t0 + 2 * IDENTITY_MARK_MS))).toBeGreaterThanOrEqual(1);
    expect(await rows(anna.home, "SELECT 1 FROM identities WHERE subscriber_id = ?", anna.id)).toEqual([]);
    expect((await findLinked(keeping, "vkid", subject))?.id).toBe(anna.id);
    // And a link the home shard would refuse is "taken", not an error: Olga's subject is hers.
    expect(await linkIdentity(keeping, anna, { provider: "tid", subject: `o-${olga.id}`, displayName: null })).toBe("taken");
    // Switched to the home shards, the drain moves it there with its key.
    await drainAll();
    expect(await keyOf("vkid", subject)).toEqual({ s: anna.id, h: "DB_VOLGA" });
    expect(await whose("vkid", subject)).toBe(anna.id);
  });

  it("stay in the global table while the deployment keeps them there (IDENTITIES_STORE), and are not drained", async () => {
    const keeping = createDataAccess({ ...env, IDENTITIES_STORE: "global" } as typeof env);
    const anna = await subscriber("DB_VOLGA");
    expect(await linkIdentity(keeping, anna, { provider: "vkid", subject: `k-${anna.id}`, displayName: null })).toBe("linked");
    expect(await rows(env.DB, "SELECT subject FROM external_identities WHERE subscriber_id = ?", anna.id)).toEqual([
      { subject: `k-${anna.id}` },
    ]);
    expect(await keyOf("vkid", `k-${anna.id}`)).toBeNull();
    expect((await findLinked(keeping, "vkid", `k-${anna.id}`))?.id).toBe(anna.id);
    const r = await drainLegacyNotifications(keeping, new Date());
    expect(r.identities).toBe(0);
    expect(await rows(env.DB, "SELECT 1 FROM external_identities WHERE subscriber_id = ?", anna.id)).toHaveLength(1);
  });

  it("a link under the global table replaces the home shard's live one of the provider: the old subject logs nobody in; an unlink in the same millisecond as the link hides it", async () => {
    const keeping = createDataAccess({ ...env, IDENTITIES_STORE: "global" } as typeof env);
    const anna = await subscriber("DB_VOLGA");
    expect(await link(anna, "vkid", `home-${anna.id}`)).toBe("linked");
    expect(await linkIdentity(keeping, anna, { provider: "vkid", subject: `glob-${anna.id}`, displayName: null })).toBe("linked");
    expect(await whose("vkid", `home-${anna.id}`)).toBeNull();
    expect(await keyOf("vkid", `home-${anna.id}`)).toBeNull();
    expect(await whose("vkid", `glob-${anna.id}`)).toBe(anna.id);
    expect((await identitiesOf(keeping, anna)).map((i) => i.subject)).toEqual([`glob-${anna.id}`]);
    // Linked and unlinked within one millisecond: removed.
    const t = new Date();
    expect(await linkIdentity(keeping, anna, { provider: "tid", subject: `tie-${anna.id}`, displayName: null }, t)).toBe("linked");
    expect(await unlinkProvider(keeping, anna, "tid", t)).toBe(true);
    expect(await whose("tid", `tie-${anna.id}`)).toBeNull();
  });

  it("the drain takes over stale keys within a small budget, a run's calls bounded", async () => {
    const petr = await subscriber("DB_SIBERIA");
    const owners = await Promise.all([subscriber("DB_SOUTH"), subscriber("DB_URAL"), subscriber("DB_CENTER")]);
    for (const o of owners) {
      await legacyLink(o, "gosuslugi", `stale-${o.id}`);
      await storeOf("gosuslugi", `stale-${o.id}`)
        .prepare("INSERT INTO login_keys (key, subscriber_id, home_shard, created_at) VALUES (?, ?, ?, ?)")
        .bind(identityKey("gosuslugi", `stale-${o.id}`), petr.id, petr.homeShard, Date.now() - 10 * KEY_CLAIM_MS)
        .run();
    }
    await env.DB.prepare("DELETE FROM drain_cursors").run();
    const budget = 6;
    for (let i = 0; i < 40; i++) {
      const r = await drainLegacyNotifications(createDataAccess(env), new Date(), { calls: budget });
      expect(r.calls).toBeLessThanOrEqual(DRAIN_TABLES * budget + 2);
      if ((await rows(env.DB, "SELECT 1 FROM external_identities WHERE subject LIKE 'stale-%'")).length === 0) break;
    }
    for (const o of owners) {
      expect(await keyOf("gosuslugi", `stale-${o.id}`)).toEqual({ s: o.id, h: o.homeShard });
      expect(await whose("gosuslugi", `stale-${o.id}`)).toBe(o.id);
    }
  });

  it("with production's eight identity stores, a run of the drain moves a whole page of links at once", async () => {
    const owners = await Promise.all(
      Array.from({ length: 30 }, (_, i) => subscriber((["DB_VOLGA", "DB_SOUTH", "DB_URAL"] as const)[i % 3] ?? "DB_VOLGA")),
    );
    for (const o of owners) await legacyLink(o, "vkid", `page-${o.id}`);
    await env.DB.prepare("DELETE FROM drain_cursors").run();
    // Eight stores over the two bound ones: a key's store of eight is its store of two modulo 2, as 8 is a multiple of 2.
    const data = createDataAccess(env);
    const two = data.identities.all;
    const eight = { ...data, identities: identityStores(Array.from({ length: 8 }, (_, i) => two[i % 2] as (typeof two)[number])) };
    expect(eight.shards.length + 8 + 2).toBeLessThanOrEqual(DRAIN_CALLS - 2);
    const r = await drainLegacyNotifications(eight, new Date());
    expect(r.identities).toBeGreaterThanOrEqual(30);
    expect(r.calls).toBeLessThanOrEqual(DRAIN_TABLES * DRAIN_CALLS + 2);
    for (const o of owners) expect(await whose("vkid", `page-${o.id}`)).toBe(o.id);
  });

  it("the demo's petr logs in with Госуслуги from his home shard's row and key", async () => {
    const petr = await env.DB.prepare("SELECT id, home_shard AS h FROM subscribers WHERE login = 'petr'").first<{
      id: string;
      h: string;
    }>();
    expect(await rows(env.DB, "SELECT 1 FROM external_identities WHERE subscriber_id = ?", petr?.id)).toEqual([]);
    const id = await rows(
      shardDatabase(env, petr?.h as ShardBinding) as D1Database,
      "SELECT provider, subject FROM identities WHERE subscriber_id = ?",
      petr?.id,
    );
    expect(id.map((r) => r.provider).sort()).toEqual(["gosuslugi", "tid", "vkid"]);
    const gosuslugi = id.find((r) => r.provider === "gosuslugi")?.subject as string;
    expect(await whose("gosuslugi", gosuslugi)).toBe(petr?.id);
  });
});
