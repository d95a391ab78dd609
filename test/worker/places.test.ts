import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { DEMO_SUBSCRIBERS } from "../../worker/data/demo.data";
import { backfillPlaces } from "../../worker/features/accounts/places.backfill";
import { abandonMove, moveAccount } from "../../worker/features/shards/move.service";
import { createDataAccess, type ShardBinding } from "../../worker/platform/db";
import { identityStoreDatabases } from "../../worker/platform/identity-stores";
import { makeAccountNo } from "../../worker/platform/ids";
import { markMoving, placeOf, placesOf, settlePlace } from "../../worker/platform/places";
import { api, beforeEachRun, forgetLinksOf, json, linkAccount, login } from "./helpers";
import { copyOfPlace, directoryShardOf, placedAccount, placesStoresDown, storeOfAccount } from "./places.helpers";

/**
 * Where an account is, read from the identity stores (issue 20, platform/places.ts): a copy of the global directory,
 * trusted unless a shard move has marked it; the directory answers for an account with no copy, or a marked one, and
 * under ACCOUNT_PLACES = "global". A move marks the copy before its switch and settles it after; a crash in between
 * leaves readers on the directory, never on the shard the account left.
 */

const storeOf = storeOfAccount;
const copyOf = copyOfPlace;
const directoryShard = directoryShardOf;
/** Queries a DataAccess has made of the global database so far. */
const globalQueries = (data: ReturnType<typeof createDataAccess>) => data.stats.byDb.get("DB")?.statements ?? 0;
/** A Moscow account made now through the shard map, with its row and a payment of 123.45 ₽. */
const newAccount = () => placedAccount("7", 12345);
/** The copies alone (the directory's rows kept: test/worker/places-drop.test.ts deletes them). */
const KEEP = { ...env, DIRECTORY_ROWS: "keep" } as typeof env;
/** For a mark: no other move has ended. */
const NONE_ENDED = async () => false;
/**
 * The global database as a move sees it when `before` runs just ahead of its switch's batch (the one that switches the
 * directory row): a crash there, or an abandon that gets in first.
 */
function beforeSwitch(before: () => Promise<void>): D1Database {
  // Each statement answers its SQL under this symbol, through the counting proxies platform/db.ts puts around it.
  const SQL = Symbol("sql");
  const tagged = (stmt: D1PreparedStatement, query: string): D1PreparedStatement =>
    new Proxy(stmt, {
      get(target, prop) {
        if (prop === SQL) return query;
        if (prop === "bind") return (...args: unknown[]) => tagged(target.bind(...args), query);
        const v = Reflect.get(target, prop, target);
        return typeof v === "function" ? v.bind(target) : v;
      },
    });
  return new Proxy(env.DB, {
    get(target, prop) {
      if (prop === "prepare") return (query: string) => tagged(target.prepare(query), query);
      if (prop === "batch")
        return async (stmts: D1PreparedStatement[]) => {
          if (stmts.some((st) => /UPDATE account_directory SET shard/.test(String((st as unknown as Record<symbol, unknown>)[SQL] ?? ""))))
            await before();
          return target.batch(stmts);
        };
      const v = Reflect.get(target, prop, target);
      return typeof v === "function" ? v.bind(target) : v;
    },
  });
}
const other = (shard: ShardBinding): ShardBinding => (shard === "DB_MOSCOW" ? "DB_MOSCOW_2" : "DB_MOSCOW");

describe("where an account is", () => {
  it("a new account's place is copied to the store its number hashes to, and read there without the global database", async () => {
    const a = await newAccount();
    expect(await copyOf(a.accountNo)).toMatchObject({ region: "msk", shard: a.shard, moving: null });
    const data = createDataAccess(env);
    const found = await data.shardForAccount(a.accountNo);
    expect(found).toMatchObject({ binding: a.shard, region: "msk" });
    expect(globalQueries(data)).toBe(0);
    // Many at once: one query a store, whatever their number (one bound parameter), and one global query for the 300
    // unknown numbers (no copy: the directory is asked, and has none), left out.
    const unknown = Array.from({ length: 300 }, (_, i) => makeAccountNo(`799${String(i).padStart(8, "0")}`));
    const counted = createDataAccess(env);
    const many = await placesOf(counted, [a.accountNo, ...unknown, a.accountNo]);
    expect([...many.keys()]).toEqual([a.accountNo]);
    const stores = identityStoreDatabases(env).length;
    for (let i = 0; i < stores; i++) expect(counted.stats.byDb.get(`IDENTITY_${i}`)?.statements).toBe(1);
    expect(globalQueries(counted)).toBe(1);
  });

  it("a store that fails leaves its accounts to the directory: the reader still finds them", async () => {
    const a = await newAccount();
    const down = placesStoresDown();
    const data = createDataAccess({ ...env, ...down } as typeof env);
    expect((await data.shardForAccount(a.accountNo))?.binding).toBe(a.shard);
    expect(globalQueries(data)).toBe(1);
  });

  it("a move's mark is taken over only from a move that has ended; one under way refuses the other (409)", async () => {
    const a = await newAccount();
    const data = createDataAccess(env);
    const place = { accountNo: a.accountNo, region: "msk", shard: a.shard };
    await markMoving(data, place, "move-open", new Date(), NONE_ENDED);
    await expect(markMoving(data, place, "move-next", new Date(), NONE_ENDED)).rejects.toMatchObject({ status: 409 });
    expect((await copyOf(a.accountNo))?.moving).toBe("move-open");
    // The same move marks again (a repeat); once the first has ended, another takes its mark over.
    await markMoving(data, place, "move-open", new Date(), NONE_ENDED);
    await markMoving(data, place, "move-next", new Date(), async (id) => id === "move-open");
    expect((await copyOf(a.accountNo))?.moving).toBe("move-next");
  });

  it("the directory answers for an account with no copy (an older release's), and the backfill copies it", async () => {
    const a = await newAccount();
    await storeOf(a.accountNo).prepare("DELETE FROM account_places WHERE account_no = ?").bind(a.accountNo).run();
    const data = createDataAccess(env);
    expect(await placeOf(data, a.accountNo)).toEqual({ accountNo: a.accountNo, region: "msk", shard: a.shard });
    expect(globalQueries(data)).toBe(1);
    // The backfill's pages go over the whole directory (the demo's accounts too) until it hands nothing on.
    for (let i = 0; i < 50; i++) if (!(await backfillPlaces(createDataAccess(KEEP), new Date(), {}, null, 500)).read) break;
    expect(await copyOf(a.accountNo)).toMatchObject({ shard: a.shard, moving: null });
    const again = createDataAccess(env);
    expect(await placeOf(again, a.accountNo)).toMatchObject({ shard: a.shard });
    expect(globalQueries(again)).toBe(0);
  });

  it('a copy a move has marked is not trusted, and ACCOUNT_PLACES = "global" reads the directory alone', async () => {
    const a = await newAccount();
    const data = createDataAccess(env);
    // A stale copy (it names the other shard) behind a move's mark: the directory is read.
    await markMoving(data, { accountNo: a.accountNo, region: "msk", shard: other(a.shard) }, "move-x", new Date(), NONE_ENDED);
    expect((await placeOf(data, a.accountNo))?.shard).toBe(a.shard);
    // A settle by another move changes nothing; this move's settles it.
    await settlePlace(data, a.accountNo, "move-y", other(a.shard));
    expect((await copyOf(a.accountNo))?.moving).toBe("move-x");
    await settlePlace(data, a.accountNo, "move-x", a.shard);
    expect(await copyOf(a.accountNo)).toMatchObject({ shard: a.shard, moving: null });
    // A stale copy unmarked (an older release's move): trusted when the copies are read, never under "global".
    await storeOf(a.accountNo).prepare("UPDATE account_places SET shard = ? WHERE account_no = ?").bind(other(a.shard), a.accountNo).run();
    expect((await placeOf(createDataAccess(env), a.accountNo))?.shard).toBe(other(a.shard));
    const global = createDataAccess({ ...env, ACCOUNT_PLACES: "global" } as typeof env);
    expect((await placeOf(global, a.accountNo))?.shard).toBe(a.shard);
    // The backfill under the default replaces a copy older than its read, and leaves a newer one.
    await storeOf(a.accountNo).prepare("UPDATE account_places SET as_of = 1 WHERE account_no = ?").bind(a.accountNo).run();
    for (let i = 0; i < 50; i++) if (!(await backfillPlaces(createDataAccess(KEEP), new Date(), {}, null, 500)).read) break;
    expect((await copyOf(a.accountNo))?.shard).toBe(a.shard);
  });

  it("the backfill never undoes a move's mark or a settle newer than its read", async () => {
    const a = await newAccount();
    const data = createDataAccess(env);
    const readAt = new Date(Date.now() - 60_000);
    // Marked (naming the other shard, and older than the read): left as it is.
    await markMoving(data, { accountNo: a.accountNo, region: "msk", shard: other(a.shard) }, "move-z", new Date(), NONE_ENDED);
    await storeOf(a.accountNo).prepare("UPDATE account_places SET as_of = 1 WHERE account_no = ?").bind(a.accountNo).run();
    await env.DB.prepare("DELETE FROM drain_cursors WHERE plan LIKE 'account_places%'").run();
    for (let i = 0; i < 50; i++) if (!(await backfillPlaces(createDataAccess(KEEP), readAt, {}, null, 500)).read) break;
    expect(await copyOf(a.accountNo)).toMatchObject({ moving: "move-z", shard: other(a.shard) });
    // Settled to the other shard after the backfill's read (as a move that switched meanwhile would): left too.
    await settlePlace(data, a.accountNo, "move-z", other(a.shard));
    await env.DB.prepare("DELETE FROM drain_cursors WHERE plan LIKE 'account_places%'").run();
    for (let i = 0; i < 50; i++) if (!(await backfillPlaces(createDataAccess(KEEP), readAt, {}, null, 500)).read) break;
    expect((await copyOf(a.accountNo))?.shard).toBe(other(a.shard));
  });
});

describe("a shard move and the copies", () => {
  it("marks the copy before its switch, settles it to the target after; a crash in between leaves readers on the directory", async () => {
    const a = await newAccount();
    const to = other(a.shard);
    // The settle after the switch fails once (the store is down for it): the move stops after the switch.
    let failed = 0;
    const stores = identityStoreDatabases(env);
    const failing = Object.fromEntries(
      stores.map((db, i) => [
        `IDENTITY_${i}`,
        beforeEachRun(db, /update "account_places"/i, async () => {
          if (failed++ === 0) throw new Error("identity store unavailable");
        }),
      ]),
    );
    const data = createDataAccess({ ...env, ...failing } as typeof env);
    await expect(moveAccount(data, a.accountNo, to, { graceMs: 0 })).rejects.toThrow(/account_places/);
    expect(await directoryShard(a.accountNo)).toBe(to);
    const copy = await copyOf(a.accountNo);
    expect(copy?.moving).not.toBeNull();
    expect(copy?.shard).toBe(a.shard);
    // Every reader meanwhile finds the account where the directory says: on the target, never the source it left.
    const reader = createDataAccess(env);
    expect((await reader.shardForAccount(a.accountNo))?.binding).toBe(to);
    // Resumed: the copy names the target and is trusted again; the source is cleaned.
    const done = await moveAccount(createDataAccess(env), a.accountNo, to, { graceMs: 0 });
    expect(done.step).toBe("done");
    expect(await copyOf(a.accountNo)).toMatchObject({ shard: to, moving: null });
    const after = createDataAccess(env);
    expect((await after.shardForAccount(a.accountNo))?.binding).toBe(to);
    expect(globalQueries(after)).toBe(0);
  });

  it("marks the copy before the switch: a crash between them leaves readers on the source, then the move completes", async () => {
    const a = await newAccount();
    const to = other(a.shard);
    const crashing = beforeSwitch(async () => {
      throw new Error("died before the switch");
    });
    await expect(moveAccount(createDataAccess({ ...env, DB: crashing } as typeof env), a.accountNo, to, { graceMs: 0 })).rejects.toThrow(
      "died before the switch",
    );
    const move = await env.DB.prepare("SELECT id, step FROM shard_moves WHERE account_no = ? ORDER BY started_at DESC")
      .bind(a.accountNo)
      .first<{ id: string; step: string }>();
    expect(move?.step).toBe("verified");
    expect(await copyOf(a.accountNo)).toMatchObject({ shard: a.shard, moving: move?.id });
    expect((await createDataAccess(env).shardForAccount(a.accountNo))?.binding).toBe(a.shard);
    expect((await moveAccount(createDataAccess(env), a.accountNo, to, { graceMs: 0 })).step).toBe("done");
    expect(await copyOf(a.accountNo)).toMatchObject({ shard: to, moving: null });
  });

  it("a call whose switch an abandon got in before takes its mark back: the copy names the source, trusted", async () => {
    const a = await newAccount();
    const to = other(a.shard);
    const abandoning = beforeSwitch(async () => {
      await env.DB.prepare("UPDATE shard_moves SET step = 'abandoning' WHERE account_no = ? AND step = 'verified'").bind(a.accountNo).run();
    });
    await expect(
      moveAccount(createDataAccess({ ...env, DB: abandoning } as typeof env), a.accountNo, to, { graceMs: 0 }),
    ).rejects.toMatchObject({
      status: 409,
    });
    expect(await copyOf(a.accountNo)).toMatchObject({ shard: a.shard, moving: null });
    expect((await abandonMove(createDataAccess(env), a.accountNo)).step).toBe("abandoned");
    expect(await directoryShard(a.accountNo)).toBe(a.shard);
    expect((await createDataAccess(env).shardForAccount(a.accountNo))?.binding).toBe(a.shard);
  });

  it("an abandon after the mark leaves the copy on the source, trusted", async () => {
    const a = await newAccount();
    const to = other(a.shard);
    // A move that marked the copy and died before its switch (its global write never made).
    await expect(moveAccount(createDataAccess(env), a.accountNo, to, { crashAfter: "verified" })).rejects.toThrow("injected crash");
    const move = await env.DB.prepare("SELECT id FROM shard_moves WHERE account_no = ? AND step = 'verified'")
      .bind(a.accountNo)
      .first<{ id: string }>();
    if (!move) throw new Error("no move");
    await markMoving(createDataAccess(env), { accountNo: a.accountNo, region: "msk", shard: a.shard }, move.id, new Date(), NONE_ENDED);
    expect((await copyOf(a.accountNo))?.moving).toBe(move.id);
    expect((await createDataAccess(env).shardForAccount(a.accountNo))?.binding).toBe(a.shard);
    const abandoned = await abandonMove(createDataAccess(env), a.accountNo);
    expect(abandoned.step).toBe("abandoned");
    expect(await copyOf(a.accountNo)).toMatchObject({ shard: a.shard, moving: null });
    expect(await directoryShard(a.accountNo)).toBe(a.shard);
  });

  it("a holder's visit after a move reads the account on the target, its place from the copy", async () => {
    const a = await newAccount();
    const anna = DEMO_SUBSCRIBERS.find((s) => s.login === "anna");
    if (!anna) throw new Error("no anna");
    await linkAccount(anna.id, a.accountNo, "viewer");
    await forgetLinksOf(anna.id);
    const cookie = await login("anna");
    const seen = async () =>
      (await json<{ items: { accountNo: string; balanceKop: number }[] }>(await api(cookie, "/accounts"))).items.filter(
        (x) => x.accountNo === a.accountNo,
      );
    expect((await seen()).map((x) => x.balanceKop)).toEqual([12345]);
    expect((await moveAccount(createDataAccess(env), a.accountNo, other(a.shard), { graceMs: 0 })).step).toBe("done");
    expect((await seen()).map((x) => x.balanceKop)).toEqual([12345]);
  });
});
