import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { EmailRejected, EmailUnavailable } from "../../worker/adapters/email";
import { CLOUDFLARE_EMAIL_DEFAULTS, type CloudflareEmailConfig, cloudflareEmail } from "../../worker/adapters/email/cloudflare";
import { encodeWords } from "../../worker/adapters/email/mime";
import { emailFor } from "../../worker/adapters/email/select";
import { messageRowsOf } from "../../worker/adapters/provider-messages";
import { consumeNotifications, deliveryFor } from "../../worker/features/notifications/notifications.consumer";
import { createDataAccess } from "../../worker/platform/db";
import { messageStores } from "../../worker/platform/message-stores";
import { decodeWords, fakeEmailService } from "./fakes/email-service";
import { storeOfKey } from "./helpers";

const FROM = "Личный кабинет <noreply@mail.kabinet.example>";
const rows = () => messageRowsOf(createDataAccess(env));

function service() {
  return fakeEmailService({ domains: ["mail.kabinet.example"] });
}
function adapter(fake: ReturnType<typeof fakeEmailService>, over: Partial<CloudflareEmailConfig> = {}) {
  return cloudflareEmail(rows(), {
    ...CLOUDFLARE_EMAIL_DEFAULTS,
    from: FROM,
    transport: fake.transport,
    timeoutMs: 200,
    backoffMs: 1,
    ...over,
  });
}
let n = 0;
const key = (label: string) => `test-email:${label}:${Date.now()}:${++n}`;

describe("MIME", () => {
  it("encodes a Cyrillic Subject as RFC 2047 words of at most 75 characters that decode back to it", () => {
    const subject = "Детализация по счёту 2010-0000-0001 за ноябрь готова — скачайте до 10 декабря";
    const header = encodeWords(subject);
    const words = header.split("\r\n ");
    expect(words.length).toBeGreaterThan(1);
    for (const w of words) {
      expect(w).toMatch(/^=\?UTF-8\?B\?[A-Za-z0-9+/=]+\?=$/);
      expect(w.length).toBeLessThanOrEqual(75);
    }
    expect(decodeWords(header)).toBe(subject);
    // A plain ASCII subject stays as it is.
    expect(encodeWords("Your code")).toBe("Your code");
  });
});

describe("Cloudflare Email Service adapter", () => {
  it("sends a text and HTML message in UTF-8 with a Message-ID, From with an encoded name, and no List-Unsubscribe for a code", async () => {
    const fake = service();
    const k = key("code");
    const html = "<p>Код для входа: <b>123456</b></p>";
    expect(await adapter(fake).send("anna.ivanova@example.com", "Код для входа", "Код для входа: 123456", k, html)).toBe(true);
    const [m] = fake.received();
    expect(m?.from).toBe("noreply@mail.kabinet.example");
    expect(m?.to).toBe("anna.ivanova@example.com");
    expect(m?.subject).toBe("Код для входа");
    expect(decodeWords(m?.headers.get("from") ?? "")).toBe("Личный кабинет <noreply@mail.kabinet.example>");
    expect(m?.headers.get("message-id")).toMatch(/^<[0-9a-f]{40}@mail\.kabinet\.example>$/);
    expect(m?.headers.get("mime-version")).toBe("1.0");
    expect(m?.headers.get("date")).toMatch(/^\w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} \+0000$/);
    expect(m?.headers.has("list-unsubscribe")).toBe(false);
    expect(m?.parts).toEqual([
      { type: "text/plain", body: "Код для входа: 123456" },
      { type: "text/html", body: html },
    ]);
    expect(m?.raw).toMatch(/Content-Type: text\/plain; charset=UTF-8\r\nContent-Transfer-Encoding: base64/);
  });

  it("adds List-Unsubscribe to a notification", async () => {
    const fake = service();
    await adapter(fake).send("anna.ivanova@example.com", "Авария", "Авария устранена", key("notice"), undefined, {
      listUnsubscribe: "https://kabinet.example/settings/notifications",
    });
    expect(fake.received()[0]?.headers.get("list-unsubscribe")).toBe("<https://kabinet.example/settings/notifications>");
    expect(fake.received()[0]?.parts).toEqual([{ type: "text/plain", body: "Авария устранена" }]);
  });

  it("sends once per dedupeKey, and the Message-ID belongs to the key", async () => {
    const fake = service();
    const k = key("once");
    expect(await adapter(fake).send("petr@example.com", "Чек", "Чек", k)).toBe(true);
    expect(await adapter(fake).send("petr@example.com", "Чек", "Чек", k)).toBe(false);
    expect(fake.received()).toHaveLength(1);
    await adapter(fake).send("petr@example.com", "Чек", "Чек", key("other"));
    const [a, b] = fake.received().map((m) => m.headers.get("message-id"));
    expect(a).not.toBe(b);
    const row = await storeOfKey(k).prepare("SELECT status, provider_id FROM provider_messages WHERE dedupe_key = ?").bind(k).first();
    expect(row).toEqual({ status: "accepted", provider_id: a });
  });

  it("with a sender domain not onboarded (the wrong credentials of a binding) sends nothing and leaves the message to the queue", async () => {
    const fake = fakeEmailService({ domains: ["other.example"] });
    const k = key("domain");
    const err = await adapter(fake)
      .send("petr@example.com", "Тест", "Тест", k)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EmailUnavailable);
    expect(fake.calls()).toBe(1);
    // The operator onboards the domain; the queue's next try sends it once.
    const fixed = service();
    expect(await adapter(fixed).send("petr@example.com", "Тест", "Тест", k)).toBe(true);
    expect(fixed.received()).toHaveLength(1);
  });

  it("retries after an internal error or no answer, and sends once", async () => {
    for (const fault of ["internal", "hang"] as const) {
      const fake = service();
      fake.fail(fault);
      expect(await adapter(fake).send("olga@example.com", "Тест", "Тест", key(fault))).toBe(true);
      expect(fake.calls()).toBe(2);
      expect(fake.received()).toHaveLength(1);
    }
  });

  it("sends once when the database fails to record a message the service took (no resend)", async () => {
    const fake = service();
    let sent = false;
    const transport: CloudflareEmailConfig["transport"] = async (...args) => {
      const r = await fake.transport(...args);
      sent = true;
      return r;
    };
    // After the send, the first write fails as D1 does when it is briefly unavailable.
    let failed = false;
    const flaky = {
      stores: messageStores(
        rows().stores.all.map(
          (store) =>
            new Proxy(store, {
              get(target, prop, receiver) {
                if (prop === "update" && sent && !failed) {
                  failed = true;
                  return () => {
                    throw new Error("D1_ERROR: internal error; reference = x");
                  };
                }
                return Reflect.get(target, prop, receiver);
              },
            }),
        ),
      ),
    };
    const warnings = vi.spyOn(console, "warn").mockImplementation(() => {});
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    try {
      const cfg = { ...CLOUDFLARE_EMAIL_DEFAULTS, from: FROM, transport, timeoutMs: 200, backoffMs: 1 };
      expect(await cloudflareEmail(flaky, cfg).send("anna@example.com", "Чек", "Чек", key("settle"))).toBe(true);
    } finally {
      warnings.mockRestore();
      errors.mockRestore();
    }
    expect(failed).toBe(true);
    expect(fake.received()).toHaveLength(1);
  });

  it("keeps the recipient's address and phone out of the log when the service's error text quotes them", async () => {
    const transport: CloudflareEmailConfig["transport"] = () =>
      Promise.reject(new Error("destination address anna.ivanova@example.com (+7 900 000-00-01) is not verified"));
    const warnings = vi.spyOn(console, "warn").mockImplementation(() => {});
    try {
      const cfg = { ...CLOUDFLARE_EMAIL_DEFAULTS, from: FROM, transport, timeoutMs: 200, backoffMs: 1 };
      await expect(cloudflareEmail(rows(), cfg).send("anna.ivanova@example.com", "Чек", "Чек", key("pii"))).rejects.toBeInstanceOf(
        EmailUnavailable,
      );
      const logged = JSON.stringify(warnings.mock.calls);
      expect(logged).toContain("email.provider_error");
      expect(logged).not.toContain("anna.ivanova@example.com");
      expect(logged).not.toMatch(/900\D*000\D*00\D*01/);
    } finally {
      warnings.mockRestore();
    }
  });

  it("leaves a rate limit to the queue: no immediate retry", async () => {
    const fake = service();
    fake.fail("rate-limit");
    const k = key("rate");
    await expect(adapter(fake).send("olga@example.com", "Тест", "Тест", k)).rejects.toBeInstanceOf(EmailUnavailable);
    expect(fake.calls()).toBe(1);
    expect(await adapter(fake).send("olga@example.com", "Тест", "Тест", k)).toBe(true);
    expect(fake.received()).toHaveLength(1);
  });

  it("refuses a malformed address for good, and a configuration without a sender or binding at start", async () => {
    const fake = service();
    await expect(adapter(fake).send("not an address", "Тест", "Тест", key("bad"))).rejects.toBeInstanceOf(EmailRejected);
    expect(fake.calls()).toBe(0);
    expect(() => adapter(fake, { from: "Кабинет" })).toThrow(/EMAIL_FROM/);
    expect(() => emailFor({ EMAIL_PROVIDER: "cloudflare", EMAIL_FROM: FROM }, createDataAccess(env).global, rows())).toThrow(
      expect.objectContaining({ status: 503, slug: "not_configured" }),
    );
    expect(() => emailFor({ EMAIL_PROVIDER: "postmark" }, createDataAccess(env).global, rows())).toThrow(
      expect.objectContaining({ status: 503, slug: "not_configured" }),
    );
  });

  it("marks a notification email with List-Unsubscribe when it comes through the queue, and a code email without", async () => {
    const fake = service();
    const dl = { ...deliveryFor(env), email: adapter(fake) };
    const bodies = [
      {
        channel: "email",
        to: "anna.ivanova@example.com",
        subject: "Авария",
        text: "Авария устранена",
        dedupeKey: key("q1"),
        eventId: "ev-1",
      },
      { channel: "email", to: "anna.ivanova@example.com", subject: "Код", text: "Код: 123456", dedupeKey: key("q2") },
    ];
    const batch = createMessageBatch(
      "kabinet-notifications",
      bodies.map((body, i) => ({ id: `e${n}-${i}`, timestamp: new Date(), attempts: 1, body })),
    );
    const ctx = createExecutionContext();
    await consumeNotifications(batch, env, dl);
    expect((await getQueueResult(batch, ctx)).explicitAcks).toHaveLength(2);
    const bySubject = new Map(fake.received().map((m) => [m.subject, m.headers.get("list-unsubscribe")]));
    expect(bySubject.get("Авария")).toMatch(/^<http.*\/settings\/notifications>$/);
    expect(bySubject.get("Код")).toBeUndefined();
  });
});
