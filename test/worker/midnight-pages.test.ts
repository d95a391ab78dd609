/**
 * A shard's day begins with its tariff changes and blocks due, a page at a time: a day with more than a page (the
 * first of September, when summer blocks end) goes on in a message of its own from the shard's start, and every
 * block still spares its day's charge, its fee charged once.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { MIDNIGHT_BLOCKS_PAGE } from "../../worker/features/cron/daily.limits";
import { type RegionDayMessage, runRegionDay } from "../../worker/features/cron/daily.service";
import { createDataAccess } from "../../worker/platform/db";
import { addDays, localDay } from "../../worker/platform/region";
import { scheduleBlocks } from "./helpers";

const ANNA_MSK = "201000000012";
const quiet = async () => undefined;

describe("a shard's day with more blocks due than a page", () => {
  it("starts them a page a message, from the shard's start again, and charges none of their services that day", {
    timeout: 120_000,
  }, async () => {
    const db = env.DB_MOSCOW;
    const today = localDay("Europe/Moscow");
    const tomorrow = addDays(today, 1);
    const n = MIDNIGHT_BLOCKS_PAGE + 2;
    await scheduleBlocks("pages", ANNA_MSK, tomorrow, n, 500);
    // The region's messages as the billing queue would bring them, a day ahead.
    const at = new Date(`${tomorrow}T12:00:00+03:00`);
    const sent: RegionDayMessage[] = [];
    const queue = {
      send: async (b: unknown) => void ((b as { kind?: string }).kind === "cron.region" && sent.push(b as RegionDayMessage)),
      sendBatch: async () => undefined,
    } as unknown as Queue;
    const started: number[] = [];
    let message: RegionDayMessage = { kind: "cron.region", region: "msk", at: at.getTime() };
    for (let i = 0; ; i++) {
      expect(i, "the day ends").toBeLessThan(60);
      const before = sent.length;
      const out = await runRegionDay(createDataAccess(env), quiet, queue, message, at);
      started.push(out.blocksStarted);
      const next = sent.slice(before).at(-1);
      if (!out.continued || !next) break;
      message = next;
    }
    // A page, then the rest: the message after the first page went on from the home shard's start of that day.
    expect(started.filter((s) => s > 0)).toEqual([MIDNIGHT_BLOCKS_PAGE, 2]);
    expect(sent).toContainEqual(expect.objectContaining({ resume: { day: tomorrow, afterRowid: 0, shard: "DB_MOSCOW" } }));
    const blocks = await db
      .prepare("SELECT count(*) AS n FROM voluntary_blocks WHERE id LIKE 'pages-%' AND status = 'active'")
      .first<{ n: number }>();
    expect(blocks?.n).toBe(n);
    const fees = await db
      .prepare("SELECT count(*) AS n, sum(amount_kop) AS s FROM ledger_entries WHERE idempotency_key LIKE 'block:pages-%:fee'")
      .first<{ n: number; s: number }>();
    expect(fees).toEqual({ n, s: -500 * n });
    // Not one of the blocked services charged that day.
    const charged = await db
      .prepare(
        "SELECT count(*) AS n FROM ledger_entries WHERE service_id LIKE 'pages-%' AND local_day = ? AND kind = 'charge' AND idempotency_key LIKE 'charge:%'",
      )
      .bind(tomorrow)
      .first<{ n: number }>();
    expect(charged?.n).toBe(0);
  });

  it("still starts every block before the charge when another message of the day took the page first", { timeout: 120_000 }, async () => {
    const db = env.DB_MOSCOW;
    const day = addDays(localDay("Europe/Moscow"), 2);
    const n = MIDNIGHT_BLOCKS_PAGE + 3;
    await scheduleBlocks("twice", ANNA_MSK, day, n, 500);
    const at = new Date(`${day}T12:00:00+03:00`);
    const pending: RegionDayMessage[] = [];
    const queue = {
      send: async (b: unknown) => void ((b as { kind?: string }).kind === "cron.region" && pending.push(b as RegionDayMessage)),
      sendBatch: async () => undefined,
    } as unknown as Queue;
    const first: RegionDayMessage = { kind: "cron.region", region: "msk", at: at.getTime() };
    // Message B reads the shard's page of blocks due, then waits until message A (the same, delivered twice) has done
    // its whole work: every block of B's page is then A's, and B starts none of them.
    let release = () => {};
    const aDone = new Promise<void>((r) => {
      release = r;
    });
    // The blocks-due read is a batch of two selects of `voluntary_blocks` by `from_day`: its preparing arms the wait.
    let armed = false;
    const held = new Proxy(env.DB_MOSCOW, {
      get(target, prop) {
        if (prop === "prepare")
          return (q: string) => {
            if (/^select/i.test(q) && /"voluntary_blocks"/.test(q) && /"from_day"/.test(q)) armed = true;
            return target.prepare(q);
          };
        if (prop === "batch")
          return async (stmts: D1PreparedStatement[]) => {
            const out = await target.batch(stmts);
            if (armed) {
              armed = false;
              await aDone;
            }
            return out;
          };
        const v = Reflect.get(target, prop, target);
        return typeof v === "function" ? v.bind(target) : v;
      },
    });
    const slowEnv = new Proxy(env, { get: (t, p) => (p === "DB_MOSCOW" ? held : Reflect.get(t, p)) }) as Env;
    const b = runRegionDay(createDataAccess(slowEnv), quiet, queue, first, at);
    await runRegionDay(createDataAccess(env), quiet, queue, first, at);
    release();
    await b;
    // Then whatever they handed on, as the queue brings it.
    for (let i = 0; pending.length > 0; i++) {
      expect(i, "the day ends").toBeLessThan(60);
      await runRegionDay(createDataAccess(env), quiet, queue, pending.shift() as RegionDayMessage, at);
    }
    const active = await db
      .prepare("SELECT count(*) AS n FROM voluntary_blocks WHERE id LIKE 'twice-%' AND status = 'active'")
      .first<{ n: number }>();
    expect(active?.n).toBe(n);
    const fees = await db
      .prepare("SELECT count(*) AS n FROM ledger_entries WHERE idempotency_key LIKE 'block:twice-%:fee'")
      .first<{ n: number }>();
    expect(fees?.n).toBe(n);
    const charged = await db
      .prepare(
        "SELECT count(*) AS n FROM ledger_entries WHERE service_id LIKE 'twice-%' AND local_day = ? AND kind = 'charge' AND idempotency_key LIKE 'charge:%'",
      )
      .bind(day)
      .first<{ n: number }>();
    expect(charged?.n).toBe(0);
  });
});
