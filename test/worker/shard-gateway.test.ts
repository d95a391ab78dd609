import { env } from "cloudflare:workers";
import { eq, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { accounts } from "../../worker/db/schema/region";
import { createDataAccess, d1Of, rawBatch, shardBindings, shardDatabase } from "../../worker/platform/db";
import { isAccountMoving } from "../../worker/platform/errors";

/**
 * The shard gateway (worker/gateway.ts): the tests' DB_MOSCOW_2 is not a binding of the main Worker but of an
 * auxiliary Worker, reached over its service binding's RPC (vitest.worker.config.ts), as production reaches the shards
 * past the main Worker's ~5,000 bindings. Every suite that uses DB_MOSCOW_2 (the moves, the daily steps, the home
 * shards) goes through it; these tests hold it to D1's own behaviour, statement by statement, on a shard the Worker is
 * bound to (DB_MOSCOW) and on the gateway's.
 */

const direct = () => env.DB_MOSCOW;
const remote = () => shardDatabase(env, "DB_MOSCOW_2") as D1Database;

const TABLE = "CREATE TABLE IF NOT EXISTS gw_probe (id INTEGER PRIMARY KEY, name TEXT UNIQUE, n REAL, b BLOB)";

async function probe(db: D1Database) {
  await db.prepare(TABLE).run();
  await db.prepare("DELETE FROM gw_probe").run();
  const insert = await db
    .prepare("INSERT INTO gw_probe (id, name, n, b) VALUES (?, ?, ?, ?), (?, ?, ?, ?)")
    .bind(1, "анна", 1.5, new Uint8Array([1, 2, 255]).buffer, 2, null, -3, null)
    .run();
  const all = await db.prepare("SELECT id, name, n, b FROM gw_probe ORDER BY id").all();
  return {
    changes: insert.meta.changes,
    lastRowId: insert.meta.last_row_id,
    success: insert.success,
    rows: all.results.map((r) => ({ ...r, b: r.b ? [...new Uint8Array(r.b as ArrayBuffer)] : r.b })),
    first: await db.prepare("SELECT name FROM gw_probe WHERE id = ?").bind(1).first(),
    firstColumn: await db.prepare("SELECT name FROM gw_probe WHERE id = ?").bind(1).first("name"),
    firstNone: await db.prepare("SELECT name FROM gw_probe WHERE id = ?").bind(99).first(),
    raw: await db.prepare("SELECT id, n FROM gw_probe ORDER BY id").raw(),
    rawNamed: await db.prepare("SELECT id, n FROM gw_probe ORDER BY id").raw({ columnNames: true }),
    batch: (await db.batch([db.prepare("SELECT count(*) AS c FROM gw_probe"), db.prepare("SELECT 1 AS one")])).map((r) => r.results),
  };
}

describe("a shard reached through a gateway", () => {
  it("is not a binding of the main Worker, but is one of its shards, held by the gateway", async () => {
    expect((env as unknown as Record<string, unknown>).DB_MOSCOW_2).toBeUndefined();
    expect(shardBindings(env)).toContain("DB_MOSCOW_2");
    expect(await env.SHARD_GATEWAY_0.shards()).toEqual(["DB_MOSCOW_2"]);
    expect(createDataAccess(env).hasShard("DB_MOSCOW_2")).toBe(true);
    // Without the gateway's map it is no shard of this Worker.
    expect(shardDatabase({ ...env, SHARD_GATEWAYS: "{}" } as Env, "DB_MOSCOW_2")).toBeUndefined();
  });

  it("answers every D1 method as a shard the Worker is bound to does", async () => {
    const here = await probe(direct());
    const there = await probe(remote());
    expect(there).toEqual(here);
    expect(there.rows[0]).toEqual({ id: 1, name: "анна", n: 1.5, b: [1, 2, 255] });
    expect(there.rawNamed[0]).toEqual(["id", "n"]);
  });

  it("runs a batch as one transaction: a statement refused leaves none of it written, with D1's message", async () => {
    const db = remote();
    await probe(db);
    const failed = await db
      .batch([
        db.prepare("INSERT INTO gw_probe (id, name) VALUES (3, 'пётр')"),
        db.prepare("INSERT INTO gw_probe (id, name) VALUES (4, 'анна')"), // the name is taken
      ])
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(failed).toBeInstanceOf(Error);
    expect((failed as Error).message).toMatch(/UNIQUE constraint failed: gw_probe\.name/);
    expect(await db.prepare("SELECT count(*) AS c FROM gw_probe").first("c")).toBe(2);
  });

  it("goes through drizzle and the request's counted handle, and a moving account's trigger is recognised", async () => {
    const data = createDataAccess(env);
    const shard = data.shard("DB_MOSCOW_2");
    const [row] = await shard.select({ n: sql<number>`count(*)` }).from(accounts).all();
    expect(row?.n).toBeGreaterThanOrEqual(0);
    expect(data.stats.byDb.get("DB_MOSCOW_2")?.roundTrips).toBe(1);
    // A raw batch through the counted proxies (as a shard move writes its pages).
    const [, count] = await rawBatch(shard, [
      ["DELETE FROM account_freezes WHERE account_no = ?", "none"],
      ["SELECT count(*) AS c FROM accounts"],
    ]);
    expect(count?.results).toEqual([{ c: row?.n }]);
    expect(data.stats.byDb.get("DB_MOSCOW_2")?.roundTrips).toBe(2);
    // The shard-move freeze's trigger refuses a write with `account_moving`, through the gateway as on a binding.
    await rawBatch(shard, [
      ["INSERT INTO accounts (account_no, region, holder_name, address, status, created_at) VALUES ('gw-1', 'msk', 'x', 'a', 'active', 1)"],
      ["INSERT INTO account_freezes (account_no, move_id, state, updated_at) VALUES ('gw-1', 'm-1', 'frozen', 1)"],
    ]);
    const refused = await shard
      .update(accounts)
      .set({ holderName: "y" })
      .where(eq(accounts.accountNo, "gw-1"))
      .run()
      .then(
        () => "written",
        (e: unknown) => e,
      );
    expect(isAccountMoving(refused)).toBe(true);
    expect(await d1Of(shard).prepare("SELECT holder_name FROM accounts WHERE account_no = 'gw-1'").first("holder_name")).toBe("x");
  });

  it("takes in a batch only statements prepared on its own shard", async () => {
    const db = remote();
    await expect(db.batch([direct().prepare("SELECT 1")])).rejects.toThrow(/prepared on that shard/);
    // Nor one prepared on another shard of a gateway: it would run on this one.
    const other = shardDatabase({ ...env, SHARD_GATEWAYS: JSON.stringify({ SHARD_GATEWAY_0: ["DB_MOSCOW_9"] }) } as Env, "DB_MOSCOW_9");
    await expect(db.batch([db.prepare("SELECT 1"), (other as D1Database).prepare("DELETE FROM accounts")])).rejects.toThrow(
      /prepared on that shard/,
    );
  });

  it("answers only for the shards it holds: never the global database or another binding it has, nor a name that is not a shard", async () => {
    const session = await env.SHARD_GATEWAY_0.session();
    const call = { method: "all" as const, statement: { sql: "SELECT count(*) AS c FROM sqlite_master", params: [] } };
    // The tests' gateway is also bound to a global database and a message store (vitest.worker.config.ts): its
    // name guard, not their absence, refuses them.
    for (const binding of ["DB", "MESSAGES_0", "DB_MOSCOW", "SHARD_GATEWAYS", "DB_MOSCOW_2; DROP TABLE accounts"]) {
      const answer = await session.run(binding, call);
      expect(answer, binding).toEqual({ error: expect.stringMatching(/^shard gateway: no D1 binding/) });
    }
    expect(await env.SHARD_GATEWAY_0.check(["DB", "MESSAGES_0", "DB_MOSCOW_2"])).toEqual({
      DB: false,
      MESSAGES_0: false,
      DB_MOSCOW_2: true,
    });
  });

  it("opens one session a request with each gateway, however many statements and shards of it the request touches", async () => {
    // The Worker's binding to the gateway, counting the service-binding calls (each is a Worker invocation of the
    // request's 32 at most); the sessions' own calls run in the invocation that opened them.
    let calls = 0;
    const gateway = env.SHARD_GATEWAY_0;
    const counted = {
      session: () => {
        calls++;
        return gateway.session();
      },
      shards: () => gateway.shards(),
      check: (b: string[]) => gateway.check(b),
    };
    const counting = { ...env, SHARD_GATEWAY_0: counted } as unknown as Env;
    const data = createDataAccess(counting);
    const shard = data.shard("DB_MOSCOW_2");
    for (let i = 0; i < 40; i++) await d1Of(shard).prepare("SELECT ? AS i").bind(i).first("i");
    await Promise.all(Array.from({ length: 20 }, () => shard.select({ n: sql<number>`count(*)` }).from(accounts).all()));
    await rawBatch(shard, [["SELECT 1"], ["SELECT 2"]]);
    expect(data.stats.byDb.get("DB_MOSCOW_2")?.roundTrips).toBe(61);
    expect(calls).toBe(1);
    // Another shard of the same gateway in the same request: the same session (its refusal is D1's kind of error,
    // which keeps the session).
    const mapped = { ...counting, SHARD_GATEWAYS: JSON.stringify({ SHARD_GATEWAY_0: ["DB_MOSCOW_2", "DB_MOSCOW_9"] }) } as unknown as Env;
    const both = createDataAccess(mapped);
    await d1Of(both.shard("DB_MOSCOW_2")).prepare("SELECT 1").run();
    await expect(
      d1Of(both.shard("DB_MOSCOW_9" as never))
        .prepare("SELECT 1")
        .run(),
    ).rejects.toThrow(/no D1 binding DB_MOSCOW_9/);
    await d1Of(both.shard("DB_MOSCOW_2")).prepare("SELECT 2").run();
    expect(calls).toBe(2);
    // Another request opens its own.
    await createDataAccess(counting).shard("DB_MOSCOW_2").select({ n: sql<number>`count(*)` }).from(accounts).all();
    expect(calls).toBe(3);
  });

  it("opens the session again when it is lost mid-request (a call that throws), and at most a few times", async () => {
    let calls = 0;
    let broken = 1;
    const gateway = env.SHARD_GATEWAY_0;
    const flaky = {
      session: async () => {
        calls++;
        const real = await gateway.session();
        if (broken-- <= 0) return real;
        // A session whose invocation ended: every call on it throws (not D1's answer).
        const lost = () => Promise.reject(new Error("Network connection lost."));
        return { run: lost, batch: lost, exec: lost };
      },
      shards: () => gateway.shards(),
      check: (b: string[]) => gateway.check(b),
    };
    const data = createDataAccess({ ...env, SHARD_GATEWAY_0: flaky } as unknown as Env);
    const db = d1Of(data.shard("DB_MOSCOW_2"));
    await expect(db.prepare("SELECT 1 AS one").first("one")).rejects.toThrow(/connection lost/);
    // The next statement of the same request opens another session, and it answers.
    expect(await db.prepare("SELECT 1 AS one").first("one")).toBe(1);
    expect(await db.prepare("SELECT 2 AS two").first("two")).toBe(2);
    expect(calls).toBe(2);
    // A gateway that loses every session: the request stops opening them after 8 (each is one of its 32 invocations).
    broken = 1_000;
    const doomed = d1Of(createDataAccess({ ...env, SHARD_GATEWAY_0: flaky } as unknown as Env).shard("DB_MOSCOW_2"));
    calls = 0;
    for (let i = 0; i < 12; i++) await expect(doomed.prepare("SELECT 1").run()).rejects.toThrow();
    expect(calls).toBe(8);
  });
});
