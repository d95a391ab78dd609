/**
 * A region's daily chain under its lease (platform/lease.ts): the hourly tick starts one only when none runs, a
 * message of a run that was taken over does nothing, every message the chain sends carries its run, and the chain's
 * last message gives the lease back, so the next tick starts the next one at once.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { MIDNIGHT_BLOCKS_PAGE } from "../../worker/features/cron/daily.limits";
import { isRegionDayMessage, queueDueRegions, type RegionDayMessage, runRegionDay } from "../../worker/features/cron/daily.service";
import { createDataAccess } from "../../worker/platform/db";
import { localDay } from "../../worker/platform/region";
import { scheduleBlocks } from "./helpers";

function fakeQueue() {
  const sent: unknown[] = [];
  const queue = {
    send: async (body: unknown) => void sent.push(body),
    sendBatch: async (ms: { body: unknown }[]) => void sent.push(...ms.map((m) => m.body)),
  } as unknown as Queue;
  const regions = () => sent.filter((b): b is RegionDayMessage => (b as { kind?: string }).kind === "cron.region");
  return { sent, queue, regions };
}

const quiet = async () => undefined;

describe("a region's daily chain", () => {
  it("is one at a time: the next tick starts none while it runs, a taken-over message does nothing, its end gives the lease back", {
    timeout: 120_000,
  }, async () => {
    // A day ahead: every region has a day to charge; Moscow's home shard with more blocks to start that day than a
    // page, so its chain hands on at least once.
    // (At noon Moscow time: a region's day steps wait for the morning, so a tick before it starts no chain for them.)
    const day = localDay("Europe/Moscow", new Date(Date.now() + 86_400_000));
    const at = new Date(`${day}T12:00:00+03:00`);
    await scheduleBlocks("lease", "201000000012", day, MIDNIGHT_BLOCKS_PAGE + 1, 0);
    const first = fakeQueue();
    await queueDueRegions(createDataAccess(env), first.queue, at);
    const msk = first.regions().find((m) => m.region === "msk");
    expect(msk?.run).toEqual(expect.any(String));
    expect(isRegionDayMessage(msk)).toBe(true);
    // The next hour, and twice at once: the chain has not reported yet, but is not quiet for long.
    const busy = fakeQueue();
    const later = new Date(at.getTime() + 5 * 60_000);
    await Promise.all([
      queueDueRegions(createDataAccess(env), busy.queue, later),
      queueDueRegions(createDataAccess(env), busy.queue, later),
    ]);
    expect(busy.regions().filter((m) => m.region === "msk")).toEqual([]);
    // Quiet for 16 minutes (its message dead-lettered): the next tick takes it over.
    const over = fakeQueue();
    const quietFor = new Date(at.getTime() + 16 * 60_000);
    await queueDueRegions(createDataAccess(env), over.queue, quietFor);
    const taken = over.regions().find((m) => m.region === "msk") as RegionDayMessage;
    expect(taken.run).toEqual(expect.any(String));
    expect(taken.run).not.toBe(msk?.run);
    // The old run's message does nothing and sends nothing.
    const stale = fakeQueue();
    const none = await runRegionDay(createDataAccess(env), quiet, stale.queue, msk as RegionDayMessage, quietFor);
    expect(none).toMatchObject({ superseded: true, charged: [], entries: 0 });
    expect(stale.sent).toEqual([]);
    // The new run to its end: every region message it sends carries its run, and while it goes on no tick starts
    // another.
    const chain = fakeQueue();
    let message: RegionDayMessage = taken;
    let handedOn = 0;
    for (let i = 0; ; i++) {
      expect(i, "the chain ends").toBeLessThan(100);
      const before = chain.regions().length;
      const out = await runRegionDay(createDataAccess(env), quiet, chain.queue, message, quietFor);
      expect(out.superseded).toBe(false);
      const next = chain.regions().slice(before).at(-1);
      if (!next) break;
      handedOn++;
      expect(next.run).toBe(taken.run);
      const tick = fakeQueue();
      await queueDueRegions(createDataAccess(env), tick.queue, new Date(quietFor.getTime() + 60_000));
      expect(tick.regions().filter((m) => m.region === "msk")).toEqual([]);
      message = next;
    }
    expect(handedOn).toBeGreaterThanOrEqual(1);
    // Its last message gave the lease back: the next tick starts a chain for the region at once (its day's steps are
    // still to do: their chains were queued, not run, here).
    const next = fakeQueue();
    await queueDueRegions(createDataAccess(env), next.queue, quietFor);
    const again = next.regions().find((m) => m.region === "msk");
    expect(again?.run).toEqual(expect.any(String));
    expect(again?.run).not.toBe(taken.run);
    // Hostile runs are not region messages.
    for (const run of ["", "../x", "x".repeat(61)]) expect(isRegionDayMessage({ ...taken, run })).toBe(false);
  });
});
