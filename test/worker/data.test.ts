import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { DEMO_SUBSCRIBERS } from "../../worker/data/demo.data";
import { REGIONS } from "../../worker/data/regions.data";
import { accountDirectory, subscribers } from "../../worker/db/schema/global";
import { accounts } from "../../worker/db/schema/region";
import { createDataAccess, SHARDS, shardOfRegion } from "../../worker/platform/db";
import { parseAccountNo } from "../../worker/platform/ids";
import { verifyPassword } from "../../worker/platform/password";

describe("shard routing", () => {
  it("maps every region to one of eight shards, each migrated", async () => {
    expect(SHARDS).toHaveLength(8);
    for (const r of REGIONS) expect(SHARDS).toContain(shardOfRegion(r.code));
    for (const s of SHARDS) {
      const { results } = await env[s].prepare("SELECT name FROM sqlite_master WHERE type='table' AND name='accounts'").all();
      expect(results, s).toHaveLength(1);
    }
  });

  it("finds an account's shard through the directory, wherever the account lives", async () => {
    const data = createDataAccess(env);
    const dir = await data.global.select().from(accountDirectory).all();
    expect(new Set(dir.map((d) => d.shard)).size).toBeGreaterThanOrEqual(3);
    for (const entry of dir) {
      const found = await data.shardForAccount(entry.accountNo);
      expect(found?.region).toBe(entry.region);
      const row = await found?.db.select().from(accounts).all();
      expect(row?.some((a) => a.accountNo === entry.accountNo)).toBe(true);
    }
    expect(await data.shardForAccount("000000000000")).toBeNull();
  });
});

describe("demo data", () => {
  it("has valid account numbers in at least three branches, and the documented login works", async () => {
    const data = createDataAccess(env);
    const dir = await data.global.select().from(accountDirectory).all();
    expect(dir.every((d) => parseAccountNo(d.accountNo) === d.accountNo)).toBe(true);
    const anna = await data.global.select().from(subscribers).where(eq(subscribers.phone, "+79000000001")).get();
    expect(anna?.passwordHash).toBeTruthy();
    expect(await verifyPassword("Kabinet2026", anna?.passwordHash ?? "")).toBe(true);
    expect(DEMO_SUBSCRIBERS.length).toBeGreaterThanOrEqual(3);
  });
});
