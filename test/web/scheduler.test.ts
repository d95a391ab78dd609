import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { cronMatches, readCrons, startScheduler } from "../../scripts/scheduler.mts";

const TOML = readFileSync(join(process.cwd(), "wrangler.toml"), "utf8");

describe("npm start's local cron", () => {
  afterEach(() => vi.useRealTimers());

  it("reads the schedule from wrangler.toml's [triggers]", () => {
    expect(readCrons(TOML)).toEqual(["*/15 * * * *", "0 * * * *"]);
    expect(readCrons('[vars]\ncrons = ["1 * * * *"]\n')).toEqual([]);
  });

  it("matches cron expressions in UTC, like Cloudflare", () => {
    expect(cronMatches("0 * * * *", new Date("2026-12-02T17:00:00Z"))).toBe(true);
    expect(cronMatches("0 * * * *", new Date("2026-12-02T17:15:00Z"))).toBe(false);
    expect(cronMatches("*/15 * * * *", new Date("2026-12-02T17:45:00Z"))).toBe(true);
    expect(cronMatches("*/15 * * * *", new Date("2026-12-02T17:50:00Z"))).toBe(false);
    expect(cronMatches("30 2 1 * *", new Date("2026-12-01T02:30:00Z"))).toBe(true);
    expect(cronMatches("0 9 * * 1-5", new Date("2026-12-06T09:00:00Z"))).toBe(false); // a Sunday
    expect(() => cronMatches("61 * * * *", new Date())).toThrow();
  });

  it("fires each cron on its schedule, once a tick, and every one once at start", async () => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date("2026-12-02T16:59:30Z"));
    const fired: string[] = [];
    const scheduler = startScheduler(readCrons(TOML), async (cron, minute) => {
      fired.push(`${minute.toISOString().slice(11, 16)} ${cron}`);
    });
    expect(fired).toEqual(["16:59 */15 * * * *", "16:59 0 * * * *"]);
    fired.length = 0;
    await vi.advanceTimersByTimeAsync(61 * 60_000);
    scheduler.stop();
    expect(fired).toEqual([
      "17:00 */15 * * * *",
      "17:00 0 * * * *",
      "17:15 */15 * * * *",
      "17:30 */15 * * * *",
      "17:45 */15 * * * *",
      "18:00 */15 * * * *",
      "18:00 0 * * * *",
    ]);
    await vi.advanceTimersByTimeAsync(60 * 60_000);
    expect(fired).toHaveLength(7);
  });
});
