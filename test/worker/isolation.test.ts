import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { createDataAccess, shardBindings, shardDatabase } from "../../worker/platform/db";
import { listShards, registerShard } from "../../worker/platform/shard-map";
import { call, json, SAME_ORIGIN } from "./helpers";
import { droppedMessages, startFile } from "./isolation";
import { changeThrottles, storedThrottles } from "./throttles";

/**
 * The Worker test files share a workerd (`isolate: false`): what one file leaves behind must not reach the next.
 * Each test here leaves something behind, then starts a file as test/worker/setup.ts does, and checks that the
 * new file sees the migrated, seeded state a new workerd gave it.
 */

const databases = () => [["DB", env.DB] as const, ...shardBindings(env).map((b) => [b, shardDatabase(env, b) as D1Database] as const)];

/** Every database's schema (tables, indexes, triggers, as SQL) and every table's row count. */
async function snapshot() {
  const out: Record<string, { schema: unknown[]; rows: Record<string, unknown> }> = {};
  for (const [name, db] of databases()) {
    const { results: schema } = await db
      .prepare("SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE '_cf_%' ORDER BY type, name")
      .all<{ type: string; name: string; sql: string | null }>();
    const tables = schema.filter((s) => s.type === "table").map((s) => s.name);
    const counts = await db.prepare(`SELECT ${tables.map((t) => `(SELECT count(*) FROM "${t}") AS "${t}"`).join(", ")}`).first();
    out[name] = { schema, rows: counts ?? {} };
  }
  return out;
}

async function bucketKeys() {
  const keys: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await env.FILES.list({ cursor });
    keys.push(...page.objects.map((o) => o.key));
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  return keys.sort();
}

const sms = (to: string, text: string) => ({ channel: "sms", to, text, dedupeKey: `isolation:${to}:${text}` });
const outboxTo = (to: string) => env.DB.prepare("SELECT body FROM outbox WHERE recipient = ?").bind(to).all<{ body: string }>();

describe("a file that shares its workerd with the files before it", () => {
  it("starts from the migrated, seeded databases and an empty bucket, whatever the file before left", async () => {
    const seeded = await snapshot();
    const seededKeys = await bucketKeys();
    expect(Object.keys(seeded)).toContain("DB_MOSCOW_2");
    // What files leave: a shard move's freeze trigger, an index, a table, rows changed and added, a dropped table,
    // files in R2, DB_MOSCOW_2 opened for new accounts.
    await env.DB_MOSCOW.batch([
      env.DB_MOSCOW.prepare("CREATE TRIGGER left_freeze BEFORE UPDATE ON accounts BEGIN SELECT RAISE(ABORT, 'account frozen'); END"),
      env.DB_MOSCOW.prepare("CREATE INDEX left_index ON tariffs (price_kop)"),
      env.DB_MOSCOW.prepare("UPDATE tariffs SET price_kop = price_kop + 1"),
    ]);
    await env.DB.batch([env.DB.prepare("CREATE TABLE left_table (x)"), env.DB.prepare("INSERT INTO left_table VALUES (1)")]);
    await env.FILES.put("left/behind.txt", "from the file before");
    await registerShard(createDataAccess(env), "DB_MOSCOW_2", { branch: "moscow", open: true });
    await (shardDatabase(env, "DB_MOSCOW_2") as D1Database).prepare("DROP TABLE account_freezes").run();

    await startFile();

    expect(await snapshot()).toEqual(seeded);
    expect(await bucketKeys()).toEqual(seededKeys);
    const moscow2 = (await listShards(createDataAccess(env))).find((s) => s.binding === "DB_MOSCOW_2");
    expect(moscow2).toMatchObject({ branch: "moscow", open: false });
    // The freeze is gone: an account's row can be written again.
    await env.DB_MOSCOW.prepare("UPDATE accounts SET region = region").run();
  });

  it("sees the catalogue of its own data, not the one the isolate cached in the file before", async () => {
    const prices = async () =>
      (await json<{ items: { id: string; priceKop: number }[] }>(await call("msk", "/api/v1/region/tariffs"))).items.map((t) => t.priceKop);
    const seeded = await prices();
    // The file before changed Moscow's prices and read them (the isolate keeps the catalogue for minutes).
    await env.DB_MOSCOW.prepare("UPDATE tariffs SET price_kop = price_kop * 2 WHERE region = 'msk'").run();
    expect(await prices()).toEqual(seeded); // cached
    await env.DB_MOSCOW.prepare("UPDATE tariffs SET price_kop = price_kop * 5 WHERE region = 'msk'").run();
    const changedAndCached = await prices();
    expect(changedAndCached).toEqual(seeded);

    await startFile();
    await env.DB_MOSCOW.prepare("UPDATE tariffs SET price_kop = price_kop * 3 WHERE region = 'msk'").run();
    // A new isolate would read the database now: three times the seeded prices.
    expect(await prices()).toEqual(seeded.map((p) => p * 3));
  });

  it("finds no throttle the file before tripped, and logs in", async () => {
    const login = (password: string) =>
      call("msk", "/api/v1/auth/login", {
        method: "POST",
        headers: { ...SAME_ORIGIN, "cf-connecting-ip": "203.0.113.77" },
        body: JSON.stringify({ identifier: "olga", password }),
      });
    // The file before: wrong passwords for olga, then her key locked for 15 minutes; the refusal the Worker saw is
    // remembered by the isolate (throttle.ts) as well as stored by her object.
    for (let i = 0; i < 3; i++) expect((await login(`wrong-${i}`)).status).toBe(401);
    await changeThrottles(["identifier"], (row) => ({ ...row, failures: 10, lockedUntil: Date.now() + 15 * 60_000 }));
    expect((await login("Kabinet2026")).status).toBe(429);
    expect((await storedThrottles()).some((o) => o.row?.lockedUntil)).toBe(true);

    await startFile();

    // (workerd still lists the objects it had, with nothing stored.)
    expect((await storedThrottles()).filter((o) => o.row || o.entries.length > 0)).toEqual([]);
    expect((await login("Kabinet2026")).status).toBe(200);
  });

  it("undoes the fake clock and the stubbed fetch the file before left on", async () => {
    const realFetch = globalThis.fetch;
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(new Date("2020-01-01T00:00:00Z"));
    vi.stubGlobal("fetch", () => Promise.resolve(new Response("stubbed")));

    await startFile();

    expect(Date.now()).toBeGreaterThan(Date.parse("2025-01-01T00:00:00Z"));
    expect(globalThis.fetch).toBe(realFetch);
  });

  it("never gets a queue message the file before sent (delayed, so delivered after the new file's seed)", async () => {
    // Miniflare's queue broker is not reset with the storage: a message sent with a delay by the file before is
    // delivered later, when the next file runs.
    await env.NOTIFICATIONS.send(sms("+79990000771", "left by the file before"), { delaySeconds: 2 });

    await startFile();
    // The new file's own message is delivered as ever.
    await env.NOTIFICATIONS.send(sms("+79990000772", "sent by this file"));

    await vi.waitFor(async () => expect((await outboxTo("+79990000772")).results).toHaveLength(1), { timeout: 15_000, interval: 100 });
    // The earlier message's delay is over and the broker has delivered it (dropped, or written: either ends the wait).
    await vi.waitFor(async () => expect(droppedMessages().length + (await outboxTo("+79990000771")).results.length).toBeGreaterThan(0), {
      timeout: 15_000,
      interval: 100,
    });
    expect((await outboxTo("+79990000771")).results).toEqual([]);
    // Dropped, with whatever else the files before left on their way (a cron tick's region messages, say): this file's
    // own message was not among them.
    expect(droppedMessages()).toContainEqual({ queue: "kabinet-notifications", body: sms("+79990000771", "left by the file before") });
    expect(droppedMessages()).not.toContainEqual({ queue: "kabinet-notifications", body: sms("+79990000772", "sent by this file") });
  });
});
