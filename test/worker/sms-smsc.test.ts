import { createExecutionContext, createMessageBatch, getQueueResult, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { messageRowsOf } from "../../worker/adapters/provider-messages";
import { SmsRejected, SmsUnavailable } from "../../worker/adapters/sms";
import { isValidSenderName, smsLength } from "../../worker/adapters/sms/segments";
import { smsFor } from "../../worker/adapters/sms/select";
import { type SmscConfig, smscSms } from "../../worker/adapters/sms/smsc";
import { cleanExpired } from "../../worker/features/housekeeping/housekeeping.service";
import { consumeNotifications, deliveryFor } from "../../worker/features/notifications/notifications.consumer";
import { app } from "../../worker/index";
import { createDataAccess } from "../../worker/platform/db";
import { fakeSmsc, fakeSmscConfig } from "./fakes/smsc";
import { storeOfId, storeOfKey } from "./helpers";

const SECRET = "test-sms-callback-secret";
const rows = () => messageRowsOf(createDataAccess(env));

/** The Worker with the callback secret set (as `wrangler secret put SMS_CALLBACK_SECRET` would). */
async function worker(req: Request): Promise<Response> {
  const ctx = createExecutionContext();
  const res = await app.fetch(req, { ...env, SMS_CALLBACK_SECRET: SECRET }, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

function gateway(over: Partial<Parameters<typeof fakeSmsc>[0]> = {}) {
  return fakeSmsc({
    login: "kabinet",
    password: "right",
    senders: ["Kabinet"],
    callbackUrl: `http://kabinet.localhost/webhooks/sms/smsc?key=${SECRET}`,
    post: worker,
    ...over,
  });
}

function adapter(fake: ReturnType<typeof fakeSmsc>, over: Partial<SmscConfig> = {}, now?: () => Date) {
  return smscSms(rows(), fakeSmscConfig(fake, over), now);
}

let n = 0;
const key = (label: string) => `test:${label}:${Date.now()}:${++n}`;
let phoneNo = 0;
const phone = () => `+7901${String(10_000_000 + ++phoneNo).slice(1)}`;
const digits = (p: string) => p.replace(/\D/g, "");

async function stored(dedupeKey: string) {
  return storeOfKey(dedupeKey)
    .prepare("SELECT id, status, provider_status, segments FROM provider_messages WHERE dedupe_key = ?")
    .bind(dedupeKey)
    .first<{ id: number; status: string; provider_status: string | null; segments: number }>();
}

describe("SMS length", () => {
  it("counts Cyrillic parts as the networks do: 70 in one SMS, 67 in each part of a longer one", () => {
    expect(smsLength("Ж".repeat(70))).toEqual({ encoding: "ucs2", units: 70, segments: 1 });
    expect(smsLength("Ж".repeat(71)).segments).toBe(2);
    expect(smsLength("Ж".repeat(134)).segments).toBe(2);
    expect(smsLength("Ж".repeat(135)).segments).toBe(3);
    // One Cyrillic letter makes the whole text UCS-2.
    expect(smsLength(`${"a".repeat(69)}Ж`)).toEqual({ encoding: "ucs2", units: 70, segments: 1 });
  });

  it("counts Latin texts in GSM-7: 160, then 153 a part; the extension characters take two", () => {
    expect(smsLength("a".repeat(160))).toEqual({ encoding: "gsm7", units: 160, segments: 1 });
    expect(smsLength("a".repeat(161)).segments).toBe(2);
    expect(smsLength("a".repeat(306)).segments).toBe(2);
    expect(smsLength("a".repeat(307)).segments).toBe(3);
    expect(smsLength("€".repeat(80))).toEqual({ encoding: "gsm7", units: 160, segments: 1 });
    // An escape pair is not split: 152 + "€" does not fit in the first part's 153.
    expect(smsLength(`${"a".repeat(152)}€${"a".repeat(10)}`).segments).toBe(2);
    expect(smsLength(`${"a".repeat(152)}€${"a".repeat(152)}`).segments).toBe(3);
  });

  it("takes a registered-style sender name only: Latin, at most 11 characters, not all digits", () => {
    expect(isValidSenderName("Kabinet")).toBe(true);
    expect(isValidSenderName("Kabinet-Tel")).toBe(true);
    expect(isValidSenderName("Kabinet-Tele")).toBe(false);
    expect(isValidSenderName("Кабинет")).toBe(false);
    expect(isValidSenderName("79001234567")).toBe(false);
    expect(isValidSenderName("")).toBe(false);
  });
});

describe("SMSC.ru adapter", () => {
  it("sends once, with the registered sender name, UTF-8 and the message's own id; a repeat of the key sends nothing", async () => {
    const fake = gateway();
    const sms = adapter(fake);
    const to = phone();
    const k = key("once");
    const text = "Код для входа: 123456. Никому не сообщайте его.";
    expect(await sms.send(to, text, k)).toBe(true);
    expect(await sms.send(to, text, k)).toBe(false);
    const [m, ...more] = fake.messages();
    expect(more).toHaveLength(0);
    expect(m).toMatchObject({ phone: digits(to), mes: text, sender: "Kabinet", cnt: 1 });
    const row = await stored(k);
    expect(row).toMatchObject({ status: "accepted", segments: 1 });
    expect(m?.id).toBe(row?.id);
    const [req] = fake.sendRequests();
    expect(req?.params.get("charset")).toBe("utf-8");
    expect(req?.params.get("fmt")).toBe("3");
  });

  it("stores the parts SMSC counted for a long Cyrillic text", async () => {
    const fake = gateway();
    const k = key("long");
    expect(await adapter(fake).send(phone(), "Ж".repeat(100), k)).toBe(true);
    expect(fake.messages()[0]?.cnt).toBe(2);
    expect((await stored(k))?.segments).toBe(2);
  });

  it("refuses a text longer than the configured parts before it reaches the gateway", async () => {
    const fake = gateway();
    await expect(adapter(fake, { maxSegments: 2 }).send(phone(), "Ж".repeat(135), key("too-long"))).rejects.toBeInstanceOf(SmsRejected);
    expect(fake.sendRequests()).toHaveLength(0);
  });

  it("with wrong credentials sends nothing and keeps the message for the queue's next try, which sends it once", async () => {
    const fake = gateway();
    const to = phone();
    const k = key("creds");
    const err = await adapter(fake, { password: "wrong" })
      .send(to, "Баланс пополнен", k)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SmsUnavailable);
    expect((err as SmsUnavailable).detail).toBe("credentials");
    expect(fake.messages()).toHaveLength(0);
    // The operator fixes the secret; the queue retries the same message.
    expect(await adapter(fake).send(to, "Баланс пополнен", k)).toBe(true);
    expect(fake.messages()).toHaveLength(1);
  });

  it("accepts an API key instead of login and password", async () => {
    const fake = gateway({ apiKey: "key-1" });
    expect(await adapter(fake, { login: undefined, password: undefined, apiKey: "key-1" }).send(phone(), "Тест", key("apikey"))).toBe(true);
    expect(fake.sendRequests()[0]?.params.get("apikey")).toBe("key-1");
    expect(fake.sendRequests()[0]?.params.has("psw")).toBe(false);
  });

  it("refuses for good what the gateway refuses for good (a number it cannot serve, an unregistered sender name), and does not ask again", async () => {
    const to = phone();
    const fake = gateway({ unreachable: [digits(to)] });
    const k = key("unreachable");
    await expect(adapter(fake).send(to, "Тест", k)).rejects.toThrow(/undeliverable \(8\)/);
    await expect(adapter(fake).send(to, "Тест", k)).rejects.toBeInstanceOf(SmsRejected);
    expect(fake.sendRequests()).toHaveLength(1);
    expect((await stored(k))?.status).toBe("rejected");

    const other = gateway({ senders: ["Registered"] });
    await expect(adapter(other).send(phone(), "Тест", key("sender"))).rejects.toThrow(/forbidden_text_or_sender \(6\)/);
    expect(other.messages()).toHaveLength(0);
  });

  it("refuses to start with a sender name no network carries, or without credentials", () => {
    const fake = gateway();
    expect(() => adapter(fake, { sender: "Кабинет" })).toThrow(/SMS_SENDER/);
    expect(() => adapter(fake, { sender: "KabinetTelecom" })).toThrow(/SMS_SENDER/);
    expect(() => adapter(fake, { password: undefined })).toThrow(/SMSC_API_KEY/);
    expect(() => smsFor({ SMS_PROVIDER: "smsx" }, createDataAccess(env).global, rows())).toThrow(
      expect.objectContaining({ status: 503, slug: "not_configured" }),
    );
  });

  it("retries after a 5xx and sends once", async () => {
    const fake = gateway();
    fake.fail("503");
    const k = key("503");
    expect(await adapter(fake).send(phone(), "Авария устранена", k)).toBe(true);
    expect(fake.sendRequests()).toHaveLength(2);
    expect(fake.messages()).toHaveLength(1);
    expect((await stored(k))?.status).toBe("accepted");
  });

  it("does not send twice when the gateway took the message but its answer was lost (a 502, a timeout)", async () => {
    for (const fault of ["accept-then-502", "accept-then-hang"] as const) {
      const fake = gateway();
      fake.fail(fault);
      const k = key(fault);
      expect(await adapter(fake).send(phone(), "Платёж зачислен", k)).toBe(true);
      expect(fake.messages()).toHaveLength(1);
      expect(fake.sendRequests()).toHaveLength(1);
      expect((await stored(k))?.status).toBe("accepted");
    }
  });

  it("gives up after the last try on a gateway that never answers, and the queue's next try sends once", async () => {
    const fake = gateway();
    fake.fail("hang", "hang", "hang");
    const to = phone();
    const k = key("down");
    await expect(adapter(fake).send(to, "Тест", k)).rejects.toBeInstanceOf(SmsUnavailable);
    expect(fake.messages()).toHaveLength(0);
    // A minute later (the claim has gone stale), the queue delivers the message again.
    const later = adapter(fake, {}, () => new Date(Date.now() + 61_000));
    expect(await later.send(to, "Тест", k)).toBe(true);
    expect(fake.messages()).toHaveLength(1);
  });

  it("leaves a 429 to the queue: no immediate retry, and the next try sends once", async () => {
    const fake = gateway();
    fake.fail("429");
    const to = phone();
    const k = key("429");
    await expect(adapter(fake).send(to, "Тест", k)).rejects.toThrow(/rate_limited/);
    expect(fake.sendRequests()).toHaveLength(1);
    expect(await adapter(fake).send(to, "Тест", k)).toBe(true);
    expect(fake.messages()).toHaveLength(1);
  });

  it("sends once when two copies of a queue message arrive together", async () => {
    const fake = gateway();
    const sms = adapter(fake);
    const to = phone();
    const k = key("twins");
    const results = await Promise.allSettled([sms.send(to, "Тест", k), sms.send(to, "Тест", k)]);
    expect(results.filter((r) => r.status === "fulfilled" && r.value === true)).toHaveLength(1);
    expect(fake.messages()).toHaveLength(1);
  });
});

describe("SMS through the notifications queue", () => {
  async function consume(fake: ReturnType<typeof fakeSmsc>, body: Record<string, unknown>) {
    const dl = { ...deliveryFor(env), sms: adapter(fake) };
    const batch = createMessageBatch("kabinet-notifications", [{ id: `q-${++n}`, timestamp: new Date(), attempts: 1, body }]);
    const ctx = createExecutionContext();
    await consumeNotifications(batch, env, dl);
    return getQueueResult(batch, ctx);
  }

  it("records an SMS the gateway refuses for good as failed, and does not retry it", async () => {
    const to = phone();
    const fake = gateway({ unreachable: [digits(to)] });
    const k = key("consumer-refused");
    const result = await consume(fake, {
      channel: "sms",
      to,
      text: "Авария устранена",
      dedupeKey: k,
      eventId: `ev-${k}`,
      subscriberId: "s-1",
    });
    expect(result.explicitAcks).toHaveLength(1);
    expect(result.retryMessages).toHaveLength(0);
    const row = await env.DB.prepare("SELECT status, detail FROM deliveries WHERE dedupe_key = ?").bind(k).first();
    expect(row).toEqual({ status: "failed", detail: "rejected: undeliverable (8)" });
  });

  it("retries an SMS the gateway cannot take now (wrong credentials), so none is lost", async () => {
    const fake = gateway({ password: "rotated" });
    const result = await consume(fake, { channel: "sms", to: phone(), text: "Тест", dedupeKey: key("consumer-creds") });
    expect(result.explicitAcks).toHaveLength(0);
    expect(result.retryMessages).toHaveLength(1);
    expect(fake.messages()).toHaveLength(0);
  });
});

describe("SMSC delivery reports", () => {
  it("updates the message's status once: a repeat and a late report change nothing", async () => {
    const fake = gateway();
    const to = phone();
    const k = key("report");
    await adapter(fake).send(to, "Тест", k);
    const id = (await stored(k))?.id ?? 0;

    const res = await fake.report(id, digits(to), 1);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("OK");
    const first = await storeOfId(id)
      .prepare("SELECT status, provider_status, updated_at FROM provider_messages WHERE id = ?")
      .bind(id)
      .first<{ status: string; provider_status: string; updated_at: number }>();
    expect(first).toMatchObject({ status: "delivered", provider_status: "1" });

    expect((await fake.report(id, digits(to), 1)).status).toBe(200);
    // "Handed to the operator" arriving after "delivered" does not move it back.
    expect((await fake.report(id, digits(to), 0)).status).toBe(200);
    const after = await storeOfId(id)
      .prepare("SELECT status, provider_status, updated_at FROM provider_messages WHERE id = ?")
      .bind(id)
      .first();
    expect(after).toEqual(first);
  });

  it("records a failed delivery with the operator's error", async () => {
    const fake = gateway();
    const to = phone();
    const k = key("failed");
    await adapter(fake).send(to, "Тест", k);
    const id = (await stored(k))?.id ?? 0;
    expect((await fake.report(id, digits(to), 20, 255)).status).toBe(200);
    expect(await stored(k)).toMatchObject({ status: "failed", provider_status: "20 err 255" });
  });

  it("refuses a forged report (no key, a wrong key) with a problem, and ignores one for another number", async () => {
    const fake = gateway();
    const to = phone();
    const k = key("forged");
    await adapter(fake).send(to, "Тест", k);
    const id = (await stored(k))?.id ?? 0;
    const body = new URLSearchParams({ id: String(id), phone: digits(to), status: "20", err: "0" });
    for (const url of ["http://kabinet.localhost/webhooks/sms/smsc", "http://kabinet.localhost/webhooks/sms/smsc?key=guess"]) {
      const res = await worker(
        new Request(url, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body }),
      );
      expect(res.status).toBe(401);
      expect(res.headers.get("content-type")).toMatch(/^application\/problem\+json/);
      expect(((await res.json()) as { title: string }).title).toBe("Подпись не подошла");
    }
    expect((await fake.report(id, "79990000000", 20)).status).toBe(200);
    expect((await stored(k))?.status).toBe("accepted");
  });

  it("is closed when no secret is configured", async () => {
    const res = await app.fetch(
      new Request("http://kabinet.localhost/webhooks/sms/smsc?key=", { method: "POST", body: "id=1&phone=7&status=1" }),
      { ...env, SMS_CALLBACK_SECRET: "" },
      createExecutionContext(),
    );
    expect(res.status).toBe(401);
  });

  it("is forgotten by the housekeeping cron a month after its last report, not before", async () => {
    const fake = gateway();
    const k = key("retention");
    await adapter(fake).send(phone(), "Тест", k);
    const day = 24 * 60 * 60 * 1000;
    await cleanExpired(createDataAccess(env), new Date(Date.now() + 29 * day));
    expect(await stored(k)).not.toBeNull();
    const removed = await cleanExpired(createDataAccess(env), new Date(Date.now() + 31 * day));
    expect(removed.providerMessages).toBeGreaterThanOrEqual(1);
    expect(await stored(k)).toBeNull();
  });
});
