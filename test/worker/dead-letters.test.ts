import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { localEmail } from "../../worker/adapters/email";
import { DEAD_LETTER_RETENTION_MS, messageRowsOf, PROVIDER_MESSAGE_RETENTION_MS } from "../../worker/adapters/provider-messages";
import { webPush } from "../../worker/adapters/push";
import { smscSms } from "../../worker/adapters/sms/smsc";
import { deadLetters } from "../../worker/db/schema/global";
import { replayDeadLetter } from "../../worker/features/notifications/dead-letters.service";
import { consumeNotifications, type Delivery } from "../../worker/features/notifications/notifications.consumer";
import type { NotificationMessage } from "../../worker/features/notifications/notifications.messages";
import { expireNotifications } from "../../worker/features/notifications/notifications.retention";
import worker from "../../worker/index";
import { createDataAccess } from "../../worker/platform/db";
import { fakeSmsc, fakeSmscConfig } from "./fakes/smsc";
import { call, globalRows, json, storeOfKey } from "./helpers";

const DAY = 24 * 60 * 60 * 1000;
const db = () => createDataAccess(env).global;

/** Runs the 15-minute housekeeping tick as the scheduler fires it. */
async function housekeeping(at: number) {
  const ctx = createExecutionContext();
  await worker.scheduled(createScheduledController({ cron: "*/15 * * * *", scheduledTime: at }), env, ctx);
  await waitOnExecutionContext(ctx);
}

let n = 0;
/** An SMS of an outage for a subscriber, as the consumer puts it on the queue. */
function smsMessage(): Extract<NotificationMessage, { channel: "sms" }> {
  const eventId = `dlq-test:${++n}:${crypto.randomUUID()}`;
  return {
    channel: "sms",
    to: `+7901${String(2_000_000 + n).padStart(7, "0")}`,
    text: "Авария в сети. Восстановим до 18:00",
    dedupeKey: `${eventId}:demo-anna:sms`,
    eventId,
    subscriberId: "demo-anna",
  };
}

async function deadLetter(body: unknown, failedAt: Date) {
  const id = `dlq-${crypto.randomUUID()}`;
  await db()
    .insert(deadLetters)
    .values({ id, queue: "kabinet-dlq", body: JSON.stringify(body), attempts: 6, failedAt });
  return id;
}

const replay = (id: string, lang = "ru") =>
  call(null, `/ops/v1/dead-letters/${encodeURIComponent(id)}/replay`, {
    method: "POST",
    headers: { authorization: `Bearer ${env.OPERATOR_TOKEN}`, "accept-language": lang },
  });

/** The consumer with SMSC (a fake gateway that counts what it is asked to send) and a recording queue. */
function smscDelivery() {
  const fake = fakeSmsc({ login: "kabinet", password: "right", senders: ["Kabinet"] });
  const data = createDataAccess(env);
  const dl: Delivery = {
    sms: smscSms(messageRowsOf(data), fakeSmscConfig(fake)),
    email: localEmail(data.global),
    push: webPush({ publicKey: env.VAPID_PUBLIC_KEY, privateJwk: env.VAPID_PRIVATE_JWK, subject: env.VAPID_SUBJECT }, async () => {
      return new Response(null, { status: 201 });
    }),
    queue: { send: async () => {}, sendBatch: async () => {} },
    siteUrl: () => "https://msk.kabinet.example",
    now: () => new Date(),
  };
  const consume = async (bodies: NotificationMessage[]) => {
    const batch = {
      queue: "kabinet-notifications",
      messages: bodies.map((body, i) => ({ id: `dlq-m${i}`, body, attempts: 1, timestamp: new Date(), ack() {}, retry() {} })),
    } as unknown as MessageBatch<unknown>;
    await consumeNotifications(batch, env, dl);
  };
  return { fake, consume };
}

describe("dead letters", () => {
  it("are kept a shorter time than SMS and email are deduplicated", () => {
    expect(DEAD_LETTER_RETENTION_MS).toBe(21 * DAY);
    expect(DEAD_LETTER_RETENTION_MS).toBeLessThan(PROVIDER_MESSAGE_RETENTION_MS);
  });

  it("older than 21 days are deleted by the housekeeping tick, in bounded pages; younger ones stay", async () => {
    const now = Date.now();
    const old = [
      await deadLetter(smsMessage(), new Date(now - 40 * DAY)),
      await deadLetter(smsMessage(), new Date(now - 22 * DAY)),
      await deadLetter({ not: "a notification" }, new Date(now - 21 * DAY - 60_000)),
    ];
    const young = [await deadLetter(smsMessage(), new Date(now - 21 * DAY + 3_600_000)), await deadLetter(smsMessage(), new Date(now))];
    const left = async () => (await globalRows<{ id: string }>("SELECT id FROM dead_letters")).map((r) => r.id);

    // A run takes at most `pages` statements of `page` rows: the backlog goes over several runs.
    const first = await expireNotifications(createDataAccess(env), new Date(now), { page: 2, pages: 1 });
    expect(first.deadLetters).toBe(2);
    expect((await left()).filter((id) => old.includes(id))).toHaveLength(1);

    await housekeeping(now);
    expect((await left()).filter((id) => old.includes(id))).toEqual([]);
    expect((await left()).filter((id) => young.includes(id)).sort()).toEqual([...young].sort());
  });

  it("replayed just inside 21 days: the SMS already sent is not sent again", async () => {
    const { fake, consume } = smscDelivery();
    const sms = smsMessage();
    await consume([sms]);
    expect(fake.sendRequests()).toHaveLength(1);
    // It was sent 20 days and 23 hours ago; then its message failed for good (say, on recording the delivery).
    const sentAt = Date.now() - DEAD_LETTER_RETENTION_MS + 3_600_000;
    await storeOfKey(sms.dedupeKey)
      .prepare("UPDATE provider_messages SET created_at = ?, updated_at = ? WHERE dedupe_key = ?")
      .bind(sentAt, sentAt, sms.dedupeKey)
      .run();
    const id = await deadLetter(sms, new Date(sentAt + 60_000));
    // The housekeeping runs meanwhile: the provider's record (30 days) and the dead letter (21 days) both stay.
    await housekeeping(Date.now());

    const queued: NotificationMessage[] = [];
    const recorder = { send: async (b: NotificationMessage) => void queued.push(b), sendBatch: async () => {} };
    expect(await replayDeadLetter(db(), recorder, id)).toMatchObject({ id, channel: "sms", eventId: sms.eventId });
    expect(queued).toEqual([sms]);
    await consume(queued);
    expect(fake.sendRequests()).toHaveLength(1);
    // Replayed once: it leaves the dead letters, and a second replay finds nothing.
    expect(await globalRows("SELECT id FROM dead_letters WHERE id = ?", id)).toEqual([]);
    expect((await replay(id)).status).toBe(404);
  });

  it("refuses to replay one that failed more than 21 days ago (409, in Russian and English), and sends nothing", async () => {
    const sms = smsMessage();
    const id = await deadLetter(sms, new Date(Date.now() - 25 * DAY));
    const res = await replay(id);
    expect(res.status).toBe(409);
    expect(res.headers.get("content-type")).toMatch(/^application\/problem\+json/);
    const problem = await json<{ type: string; title: string; detail: string }>(res);
    expect(problem.type).toBe("urn:kabinet:problem:dead-letter-expired");
    expect(problem.title).toBe("Сообщение не доставлено 25 дн. назад: повторять его поздно");
    expect(problem.detail).toMatch(/второй раз отправить SMS/);
    const en = await json<{ title: string }>(await replay(id, "en"));
    expect(en.title).toBe("The message failed 25 days ago: too late to replay it");
    // Still there for the housekeeping to delete; nothing was queued (the consumer would have sent it to the outbox).
    expect(await globalRows("SELECT id FROM dead_letters WHERE id = ?", id)).toEqual([{ id }]);
    await new Promise((r) => setTimeout(r, 500));
    expect(await globalRows("SELECT id FROM outbox WHERE dedupe_key = ?", sms.dedupeKey)).toEqual([]);
  });

  it("replays a notification through the operators' API onto the queue, and refuses what is not one or not there", async () => {
    const sms = smsMessage();
    const id = await deadLetter(sms, new Date(Date.now() - DAY));
    const res = await replay(id);
    expect(res.status).toBe(202);
    expect(await json(res)).toEqual({ id, channel: "sms", eventId: sms.eventId });
    // The real queue and consumer (the local SMS adapter: the dev outbox).
    await expect
      .poll(async () => globalRows("SELECT body FROM outbox WHERE dedupe_key = ?", sms.dedupeKey), { timeout: 10_000 })
      .toEqual([{ body: sms.text }]);

    const other = await deadLetter({ kind: "usage_report", id: "r1" }, new Date());
    const refused = await replay(other);
    expect(refused.status).toBe(409);
    expect(await json(refused)).toMatchObject({
      type: "urn:kabinet:problem:dead-letter-not-notification",
      title: expect.stringMatching(/^Это не уведомление/),
    });
    expect(await globalRows("SELECT id FROM dead_letters WHERE id = ?", other)).toEqual([{ id: other }]);

    for (const bad of ["nope", "x".repeat(65), "' OR 1=1 --"]) {
      const r = await replay(bad);
      expect(r.status, bad).toBeGreaterThanOrEqual(400);
      expect(r.status, bad).toBeLessThan(500);
      expect(r.headers.get("content-type")).toMatch(/^application\/problem\+json/);
    }
    expect(
      (await call(null, `/ops/v1/dead-letters/${id}/replay`, { method: "POST", headers: { authorization: "Bearer wrong" } })).status,
    ).toBe(401);
  });
});
