import {
  createExecutionContext,
  createMessageBatch,
  createScheduledController,
  getQueueResult,
  waitOnExecutionContext,
} from "cloudflare:test";
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { deadLetters, outbox, globalSessions as sessions } from "../../worker/db/schema/global";
import { sessions as shardSessions } from "../../worker/db/schema/region";
import { runShardTick } from "../../worker/features/cron/shard-tick.service";
import { cleanExpired, expireShardSessions } from "../../worker/features/housekeeping/housekeeping.service";
import worker from "../../worker/index";
import { createDataAccess } from "../../worker/platform/db";

const db = () => createDataAccess(env).global;

describe("notifications queue", () => {
  it("delivers an SMS to the outbox once, even when the message is delivered twice", async () => {
    const body = { channel: "sms", to: "+79000000001", text: "Код: 123456", dedupeKey: "test-sms-1" };
    for (const id of ["m1", "m1-again"]) {
      const batch = createMessageBatch("kabinet-notifications", [{ id, timestamp: new Date(), attempts: 1, body }]);
      const ctx = createExecutionContext();
      await worker.queue(batch, env, ctx);
      const result = await getQueueResult(batch, ctx);
      expect(result.explicitAcks).toEqual([id]);
    }
    const rows = await db().select().from(outbox).where(eq(outbox.dedupeKey, "test-sms-1")).all();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ channel: "sms", recipient: "+79000000001", body: "Код: 123456" });
  });

  it("acks a malformed message and keeps it as a dead letter, without holding up the good ones", async () => {
    const batch = createMessageBatch("kabinet-notifications", [
      { id: "bad-1", timestamp: new Date(), attempts: 1, body: { channel: "pigeon" } },
      {
        id: "good-1",
        timestamp: new Date(),
        attempts: 1,
        body: { channel: "email", to: "a@example.com", subject: "Счёт", text: "Готов", dedupeKey: "test-email-1" },
      },
    ]);
    const ctx = createExecutionContext();
    await worker.queue(batch, env, ctx);
    const result = await getQueueResult(batch, ctx);
    expect(result.explicitAcks.sort()).toEqual(["bad-1", "good-1"]);
    expect(result.retryMessages).toEqual([]);
    const dead = await db().select().from(deadLetters).where(eq(deadLetters.id, "bad-1")).get();
    expect(dead?.queue).toBe("kabinet-notifications");
    expect(await db().select().from(outbox).where(eq(outbox.dedupeKey, "test-email-1")).get()).toBeDefined();
  });

  it("stores what reaches the dead-letter queue", async () => {
    const batch = createMessageBatch("kabinet-dlq", [{ id: "dlq-1", timestamp: new Date(), attempts: 6, body: { any: "thing" } }]);
    const ctx = createExecutionContext();
    await worker.queue(batch, env, ctx);
    expect((await getQueueResult(batch, ctx)).explicitAcks).toEqual(["dlq-1"]);
    expect((await db().select().from(deadLetters).where(eq(deadLetters.id, "dlq-1")).get())?.attempts).toBe(6);
  });
});

describe("housekeeping cron", () => {
  it("removes expired sessions an older deployment left in the global table and keeps live ones; running it again changes nothing", async () => {
    const now = Date.UTC(2026, 10, 25, 12, 0, 0);
    const base = { subscriberId: "demo-anna", createdAt: new Date(now - 1e8), lastSeenAt: new Date(now - 1e6) };
    await db()
      .insert(sessions)
      .values([
        { idHash: "expired", ...base, expiresAt: new Date(now - 1000) },
        { idHash: "live", ...base, expiresAt: new Date(now + 3_600_000) },
      ]);
    for (let i = 0; i < 2; i++) {
      const ctx = createExecutionContext();
      await worker.scheduled(createScheduledController({ cron: "*/15 * * * *", scheduledTime: now }), env, ctx);
      await waitOnExecutionContext(ctx);
    }
    const left = (await db().select({ id: sessions.idHash }).from(sessions).all()).map((r) => r.id);
    expect(left).toContain("live");
    expect(left).not.toContain("expired");
  });

  it("works off a backlog a page at a time, oldest first: each tick deletes at most its page of each table", async () => {
    const now = Date.UTC(2026, 10, 25, 12, 0, 0);
    const base = { subscriberId: "demo-anna", createdAt: new Date(now - 1e8), lastSeenAt: new Date(now - 1e6) };
    await db()
      .insert(sessions)
      .values([
        ...[1, 2, 3, 4, 5].map((i) => ({ idHash: `backlog-${i}`, ...base, expiresAt: new Date(now - i * 60_000) })),
        { idHash: "backlog-live", ...base, expiresAt: new Date(now + 3_600_000) },
      ]);
    const left = async () =>
      (await db().select({ id: sessions.idHash }).from(sessions).all())
        .map((r) => r.id)
        .filter((id) => id.startsWith("backlog-"))
        .sort();
    expect((await cleanExpired(createDataAccess(env), new Date(now), 3)).sessions).toBe(3);
    expect(await left()).toEqual(["backlog-1", "backlog-2", "backlog-live"]);
    expect((await cleanExpired(createDataAccess(env), new Date(now), 3)).sessions).toBe(2);
    expect(await left()).toEqual(["backlog-live"]);
  });

  it("deletes call-back requests 90 days after their window ended, answered or not, and keeps the rest", async () => {
    const now = Date.UTC(2026, 10, 25, 12, 0, 0);
    const DAY = 86_400_000;
    const callback = (id: string, endedDaysAgo: number, status: "open" | "done") =>
      env.DB.prepare(
        "INSERT INTO support_callbacks (id, region, person, subscriber_id, name, phone, topic, slot_start, slot_end, status, operator_name, created_at, done_at) VALUES (?, 'msk', ?, NULL, 'Гость', '+79990000000', 'other', ?, ?, ?, NULL, ?, ?)",
      )
        .bind(
          id,
          `phone:${id}`,
          now - endedDaysAgo * DAY - 3_600_000,
          now - endedDaysAgo * DAY,
          status,
          now - endedDaysAgo * DAY - 2 * DAY,
          status === "done" ? now - endedDaysAgo * DAY : null,
        )
        .run();
    await callback("cb-old-done", 91, "done");
    await callback("cb-old-open", 120, "open");
    await callback("cb-recent-done", 89, "done");
    await callback("cb-today", 0, "open");
    const result = await cleanExpired(createDataAccess(env), new Date(now));
    expect(result.callbacks).toBe(2);
    const { results } = await env.DB.prepare("SELECT id FROM support_callbacks WHERE id LIKE 'cb-%' ORDER BY id").all<{ id: string }>();
    expect(results.map((r) => r.id)).toEqual(["cb-recent-done", "cb-today"]);
  });

  it("removes a home shard's expired sessions with the shard's quarter tick, a page at a time, oldest first", async () => {
    // A shard's tick reckons from now at the earliest (a late message): the sessions are dated from now.
    const now = Date.now();
    const data = createDataAccess(env);
    const shard = data.shard("DB_MOSCOW");
    const base = { subscriberId: "demo-anna", createdAt: new Date(now - 1e8), lastSeenAt: new Date(now - 1e6), stampKey: "k" };
    await shard
      .insert(shardSessions)
      .values([
        ...[1, 2, 3, 4, 5].map((i) => ({ idHash: `home-expired-${i}`, ...base, expiresAt: new Date(now - i * 60_000) })),
        { idHash: "home-live", ...base, expiresAt: new Date(now + 3_600_000) },
      ]);
    const left = async () =>
      (await shard.select({ id: shardSessions.idHash }).from(shardSessions).all())
        .map((r) => r.id)
        .filter((id) => id.startsWith("home-"))
        .sort();
    expect(await expireShardSessions(data, "DB_MOSCOW", new Date(now), 3)).toBe(3);
    expect(await left()).toEqual(["home-expired-1", "home-expired-2", "home-live"]);
    // The shard's quarter tick takes the rest; the other shards' ticks touch none of Moscow's.
    const deps = { data: createDataAccess(env), queue: env.BILLING, files: env.FILES } as unknown as Parameters<typeof runShardTick>[0];
    expect(await runShardTick(deps, { kind: "cron.shard", tick: "quarter", shard: "DB_SIBERIA", at: now })).toMatchObject({
      sessionsExpired: 0,
    });
    expect(await left()).toEqual(["home-expired-1", "home-expired-2", "home-live"]);
    expect(await runShardTick(deps, { kind: "cron.shard", tick: "quarter", shard: "DB_MOSCOW", at: now })).toMatchObject({
      sessionsExpired: 2,
    });
    expect(await left()).toEqual(["home-live"]);
  });
});
