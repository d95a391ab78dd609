import { describe, expect, it } from "vitest";
import { isolateCache } from "./isolate-cache";

describe("isolateCache", () => {
  it("loads the keys it does not keep together, keeps what the load answered for them, and forgets a key on demand", async () => {
    const cache = isolateCache<number>(1_000);
    const loads: string[][] = [];
    const load = async (missing: string[]) => {
      loads.push(missing);
      return new Map(missing.filter((k) => k !== "none").map((k) => [k, k.length]));
    };
    expect([...(await cache.many(["msk", "spb", "msk"], load, 0))]).toEqual([
      ["msk", 3],
      ["spb", 3],
    ]);
    // Kept: only the new key is loaded; one the load left out is not kept (asked again next time).
    expect([...(await cache.many(["msk", "kazan", "none"], load, 500))]).toEqual([
      ["msk", 3],
      ["kazan", 5],
    ]);
    expect(await cache.many(["none"], load, 600)).toEqual(new Map());
    expect(loads).toEqual([["msk", "spb"], ["kazan", "none"], ["none"]]);
    // Nothing to load: no call at all.
    await cache.many(["msk", "spb"], load, 900);
    expect(loads).toHaveLength(3);
    // Past its time, or forgotten, a key is loaded again.
    cache.forget("spb");
    await cache.many(["msk", "spb"], load, 1_000);
    expect(loads.at(-1)).toEqual(["msk", "spb"]);
    // The single-key read shares the same entries.
    expect(await cache("spb", async () => 99, 1_100)).toBe(3);
  });

  it("keeps nothing a load read while a key was forgotten (a change made meanwhile)", async () => {
    const cache = isolateCache<string>(1_000);
    let release = () => {};
    const slow = (value: string) => () =>
      new Promise<string>((resolve) => {
        release = () => resolve(value);
      });
    const pending = cache("msk", slow("before the change"), 0);
    cache.forget("msk");
    release();
    // The caller gets what it read, but the next reader loads again.
    expect(await pending).toBe("before the change");
    expect(await cache("msk", async () => "after", 10)).toBe("after");
    const many = cache.many(["spb"], () => new Promise((resolve) => (release = () => resolve(new Map([["spb", "old"]])))), 20);
    cache.forget("spb");
    release();
    expect(await many).toEqual(new Map([["spb", "old"]]));
    expect(await cache.many(["spb"], async () => new Map([["spb", "new"]]), 30)).toEqual(new Map([["spb", "new"]]));
  });

  it("reads a value a request finds stale once, though requests at the same time find it so too", async () => {
    const cache = isolateCache<string>(30_000);
    await cache.many(["msk"], async () => new Map([["msk", "old"]]), 0);
    let loads = 0;
    const waiting: (() => void)[] = [];
    const release = () => {
      for (const resolve of waiting.splice(0)) resolve();
    };
    const load = async () => {
      loads++;
      await new Promise<void>((resolve) => waiting.push(resolve));
      return new Map([["msk", "new"]]);
    };
    // Stale once its last check is 2 s old: the first request reads it again; the ones at the same moment take the
    // kept value (its check has just begun) instead of each reading it too.
    const stale = (_key: string, value: string, checkedAt: number) => value === "old" && 5_000 - checkedAt >= 2_000;
    const first = cache.many(["msk"], load, 5_000, stale);
    const pending = Array.from({ length: 5 }, () => cache.many(["msk"], load, 5_000, stale));
    release();
    const others = await Promise.all(pending);
    expect((await first).get("msk")).toBe("new");
    expect(others.map((m) => m.get("msk"))).toEqual(["old", "old", "old", "old", "old"]);
    expect(loads).toBe(1);
    expect(cache.peek("msk", 6_000)).toBe("new");
    expect(cache.peek("msk", 40_000)).toBeUndefined();
  });

  it("reloads an expired value once, though requests at the same time find it expired too", async () => {
    const cache = isolateCache<string>(30_000);
    await cache.many(["msk"], async () => new Map([["msk", "old"]]), 0);
    let loads = 0;
    const waiting: (() => void)[] = [];
    const load = async () => {
      loads++;
      await new Promise<void>((resolve) => waiting.push(resolve));
      return new Map([["msk", "new"]]);
    };
    // Past its 30 s: the first request loads it; the others, at the same moment, take the value being refreshed.
    const first = cache.many(["msk"], load, 31_000);
    const pending = Array.from({ length: 5 }, () => cache.many(["msk"], load, 31_500));
    for (const resolve of waiting.splice(0)) resolve();
    expect((await first).get("msk")).toBe("new");
    expect((await Promise.all(pending)).map((m) => m.get("msk"))).toEqual(["old", "old", "old", "old", "old"]);
    expect(loads).toBe(1);
    // A refresh that never came back (a failed load) is tried again 2 s after it began.
    await cache.many(["spb"], async () => new Map([["spb", "old"]]), 0);
    await expect(cache.many(["spb"], () => Promise.reject(new Error("D1 down")), 31_000)).rejects.toThrow("D1 down");
    expect((await cache.many(["spb"], async () => new Map([["spb", "x"]]), 32_000)).get("spb")).toBe("old");
    expect((await cache.many(["spb"], async () => new Map([["spb", "new"]]), 33_100)).get("spb")).toBe("new");
  });
});
