import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { messageRowsOf } from "../../worker/adapters/provider-messages";
import { SmsUnavailable } from "../../worker/adapters/sms";
import { applySmscReport, smscSms } from "../../worker/adapters/sms/smsc";
import { cleanExpired } from "../../worker/features/housekeeping/housekeeping.service";
import { app } from "../../worker/index";
import { createDataAccess } from "../../worker/platform/db";
import { keyHash, messageStoreDatabases } from "../../worker/platform/message-stores";
import { fakeSmsc, fakeSmscConfig } from "./fakes/smsc";
import { storeOfKey } from "./helpers";

const SECRET = "test-sms-callback-secret";
const STORES = messageStoreDatabases(env);

/** The Worker with the callback secret set, and `vars` (say, the upgrade's legacy reads). */
function worker(vars: Record<string, string> = {}) {
  return async (req: Request): Promise<Response> => {
    const ctx = createExecutionContext();
    const res = await app.fetch(req, { ...env, SMS_CALLBACK_SECRET: SECRET, ...vars }, ctx);
    await waitOnExecutionContext(ctx);
    return res;
  };
}

function gateway(vars: Record<string, string> = {}) {
  return fakeSmsc({
    login: "kabinet",
    password: "right",
    senders: ["Kabinet"],
    callbackUrl: `http://kabinet.localhost/webhooks/sms/smsc?key=${SECRET}`,
    post: worker(vars),
  });
}

const rowsWith = (vars: Record<string, string> = {}) => messageRowsOf(createDataAccess({ ...env, ...vars } as Env));
const adapter = (fake: ReturnType<typeof fakeSmsc>, vars: Record<string, string> = {}, over: { password?: string } = {}) =>
  smscSms(rowsWith(vars), fakeSmscConfig(fake, over));

let n = 0;
const key = (label: string) => `test:${label}:${Date.now()}:${++n}`;
let phoneNo = 0;
const phone = () => `+7902${String(10_000_000 + ++phoneNo).slice(1)}`;
const digits = (p: string) => p.replace(/\D/g, "");

/** A new key whose message belongs in store `index`. */
function keyIn(index: number, label: string): string {
  for (;;) {
    const k = key(label);
    if (keyHash(k) % STORES.length === index) return k;
  }
}

async function rowsOf(db: D1Database, dedupeKey: string) {
  const { results } = await db
    .prepare("SELECT id, recipient, status, provider_status FROM provider_messages WHERE dedupe_key = ?")
    .bind(dedupeKey)
    .all<{ id: number; recipient: string; status: string; provider_status: string | null }>();
  return results;
}

const countIn = async (db: D1Database) => (await db.prepare("SELECT count(*) AS n FROM provider_messages").first<{ n: number }>())?.n ?? 0;

afterEach(() => {
  vi.restoreAllMocks();
});

describe("Message stores", () => {
  it("runs with two stores here, so every test of a provider message crosses them", () => {
    expect(STORES.length).toBe(2);
  });

  it("keeps each message in the store its key names, under an SMSC id that names that store; the global table gets none", async () => {
    const fake = gateway();
    const sms = adapter(fake);
    const sent: { k: string; to: string }[] = [];
    for (let i = 0; i < 24; i++) {
      const k = key("spread");
      const to = phone();
      expect(await sms.send(to, "Тест", k)).toBe(true);
      sent.push({ k, to });
    }
    const used = new Set<number>();
    for (const { k, to } of sent) {
      const index = keyHash(k) % STORES.length;
      used.add(index);
      const [row, ...more] = await rowsOf(STORES[index] as D1Database, k);
      expect(more).toHaveLength(0);
      expect(row?.recipient).toBe(to);
      expect(await rowsOf(STORES[1 - index] as D1Database, k)).toHaveLength(0);
      // The id SMSC got: the store in its low five bits, within SMSC's 1…2^31−1.
      const id = row?.id ?? 0;
      expect(id % 32).toBe(index);
      expect(id).toBeGreaterThanOrEqual(32);
      expect(id).toBeLessThanOrEqual(2 ** 31 - 1);
      expect(fake.messages().find((m) => m.phone === digits(to))?.id).toBe(id);
    }
    expect([...used].sort()).toEqual([0, 1]);
    expect(await countIn(env.DB)).toBe(0);
  });

  it("sends one SMS when twenty copies of a queue message arrive at once", async () => {
    const fake = gateway();
    const k = key("twenty");
    const to = phone();
    const results = await Promise.allSettled(Array.from({ length: 20 }, () => adapter(fake).send(to, "Тест", k)));
    expect(results.filter((r) => r.status === "fulfilled" && r.value === true)).toHaveLength(1);
    // The others found it sent, or being sent (the queue tries those again later, and then they find it sent).
    for (const r of results)
      if (r.status === "rejected") expect(r.reason).toBeInstanceOf(SmsUnavailable);
      else expect(typeof r.value).toBe("boolean");
    expect(fake.messages()).toHaveLength(1);
    expect(await rowsOf(storeOfKey(k), k)).toHaveLength(1);
  });

  it("draws another id when its random one is another message's, and never takes that message's row", async () => {
    const fake = gateway();
    const first = keyIn(0, "taken");
    const second = keyIn(0, "drawn");
    // The same random number for the first message and the second's first draw, then another.
    const draws = [7, 7, 8];
    vi.spyOn(crypto, "getRandomValues").mockImplementation(<T extends ArrayBufferView | null>(array: T): T => {
      (array as unknown as Uint32Array)[0] = draws.shift() ?? 9;
      return array;
    });
    const a = phone();
    const b = phone();
    expect(await adapter(fake).send(a, "Первое", first)).toBe(true);
    expect(await adapter(fake).send(b, "Второе", second)).toBe(true);
    const [rowA] = await rowsOf(STORES[0] as D1Database, first);
    const [rowB] = await rowsOf(STORES[0] as D1Database, second);
    expect(rowA).toMatchObject({ id: 8 * 32, recipient: a, status: "accepted" });
    expect(rowB).toMatchObject({ id: 9 * 32, recipient: b, status: "accepted" });
    expect(
      fake
        .messages()
        .map((m) => [m.phone, m.mes])
        .sort(),
    ).toEqual([
      [digits(a), "Первое"],
      [digits(b), "Второе"],
    ]);
  });

  it("leaves a message to the queue's next try when every id it draws is taken: nothing sent, nothing overwritten", async () => {
    const fake = gateway();
    const first = keyIn(1, "full");
    const second = keyIn(1, "unlucky");
    vi.spyOn(crypto, "getRandomValues").mockImplementation(<T extends ArrayBufferView | null>(array: T): T => {
      (array as unknown as Uint32Array)[0] = 41;
      return array;
    });
    const a = phone();
    expect(await adapter(fake).send(a, "Первое", first)).toBe(true);
    await expect(adapter(fake).send(phone(), "Второе", second)).rejects.toBeInstanceOf(SmsUnavailable);
    expect(fake.messages()).toHaveLength(1);
    expect(await rowsOf(STORES[1] as D1Database, first)).toMatchObject([{ id: 42 * 32 + 1, recipient: a, status: "accepted" }]);
    expect(await rowsOf(STORES[1] as D1Database, second)).toHaveLength(0);
  });

  it("applies a delivery report in the store its id names; an id of no store, or another number's, changes nothing", async () => {
    const fake = gateway();
    const k0 = keyIn(0, "report");
    const k1 = keyIn(1, "report");
    const to0 = phone();
    const to1 = phone();
    await adapter(fake).send(to0, "Тест", k0);
    await adapter(fake).send(to1, "Тест", k1);
    const id0 = (await rowsOf(STORES[0] as D1Database, k0))[0]?.id ?? 0;
    const id1 = (await rowsOf(STORES[1] as D1Database, k1))[0]?.id ?? 0;

    expect((await fake.report(id1, digits(to1), 1)).status).toBe(200);
    expect((await rowsOf(STORES[1] as D1Database, k1))[0]).toMatchObject({ status: "delivered", provider_status: "1" });
    // Store 0's message is another number's: the report for it with to1's phone is ignored.
    expect((await fake.report(id0, digits(to1), 20)).status).toBe(200);
    // An id whose low bits name a store this deployment does not have (5), and hostile ids.
    for (const id of [id0 - (id0 % 32) + 5, 0, -32, 2 ** 53]) expect((await fake.report(id, digits(to0), 20)).status).toBe(200);
    expect((await rowsOf(STORES[0] as D1Database, k0))[0]).toMatchObject({ status: "accepted" });
    // What the report handler made of each: only the real one was applied.
    const report = (id: number, to: string) => applySmscReport(rowsWith(), { id: String(id), phone: digits(to), status: "1" });
    expect(await report(id1, to1)).toBe("unchanged");
    expect(await report(id0, to1)).toBe("unknown");
    for (const id of [id0 - (id0 % 32) + 5, 0, 5, -32, 2 ** 31 + 32, 2 ** 53]) expect(await report(id, to0), String(id)).toBe("unknown");
    expect(await report(id0, to0)).toBe("updated");
  });

  it("keeps a claim given back after a «not now» until it expires, so the next try asks the gateway before sending", async () => {
    const fake = gateway();
    const k = keyIn(0, "released");
    const to = phone();
    await expect(adapter(fake, {}, { password: "wrong" }).send(to, "Тест", k)).rejects.toBeInstanceOf(SmsUnavailable);
    const [held] = await rowsOf(STORES[0] as D1Database, k);
    expect(held?.status).toBe("sending");
    // Housekeeping runs meanwhile: the row is not a month old, and stays (given back to 1970, it was deleted here).
    await cleanExpired(createDataAccess(env), new Date());
    expect(await rowsOf(STORES[0] as D1Database, k)).toHaveLength(1);
    // The next try takes it over as a claim tried before: it asks status.php first, then sends once, under the same id.
    expect(await adapter(fake).send(to, "Тест", k)).toBe(true);
    expect(fake.messages()).toHaveLength(1);
    expect(fake.scripts()).toEqual(["send.php", "status.php", "send.php"]);
    expect((await rowsOf(STORES[0] as D1Database, k))[0]).toMatchObject({ id: held?.id, status: "accepted" });
  });

  it("while the upgrade reads the global table: a claim an older deployment left half done is taken over there, asked about, and sent once", async () => {
    const legacy = { PROVIDER_MESSAGES_LEGACY: "read" };
    const fake = gateway(legacy);
    const k = key("legacy-stale");
    const to = phone();
    const claimedAt = Date.now() - 10 * 60_000;
    await env.DB.prepare(
      "INSERT INTO provider_messages (id, dedupe_key, channel, provider, recipient, status, attempts, created_at, updated_at) VALUES (35, ?, 'sms', 'smsc', ?, 'sending', 1, ?, ?)",
    )
      .bind(k, to, claimedAt, claimedAt)
      .run();
    expect(await adapter(fake, legacy).send(to, "Тест", k)).toBe(true);
    expect(fake.messages()).toMatchObject([{ id: 35, phone: digits(to) }]);
    expect((await rowsOf(env.DB, k))[0]).toMatchObject({ id: 35, status: "accepted" });
    expect(await rowsOf(storeOfKey(k), k)).toHaveLength(0);
    expect(await adapter(fake, legacy).send(to, "Тест", k)).toBe(false);
    expect(fake.messages()).toHaveLength(1);
  });

  it("while the upgrade reads the global table: a message an older deployment sent is not sent again, and its late report lands", async () => {
    const legacy = { PROVIDER_MESSAGES_LEGACY: "read" };
    const fake = gateway(legacy);
    const k = key("legacy");
    const to = phone();
    const sentAt = Date.now() - 3_600_000;
    // The older deployment's row: its own numbering from 1, in the global database.
    await env.DB.prepare(
      "INSERT INTO provider_messages (id, dedupe_key, channel, provider, recipient, status, attempts, created_at, updated_at) VALUES (33, ?, 'sms', 'smsc', ?, 'accepted', 1, ?, ?)",
    )
      .bind(k, to, sentAt, sentAt)
      .run();
    expect(await adapter(fake, legacy).send(to, "Тест", k)).toBe(false);
    expect(fake.messages()).toHaveLength(0);
    expect(await rowsOf(storeOfKey(k), k)).toHaveLength(0);

    // A message of the stores with id 33 (store 1: 1 × 32 + 1; another number's) does not take the old message's report.
    const other = keyIn(1, "legacy-neighbour");
    vi.spyOn(crypto, "getRandomValues").mockImplementationOnce(<T extends ArrayBufferView | null>(array: T): T => {
      (array as unknown as Uint32Array)[0] = 0;
      return array;
    });
    await adapter(fake, legacy).send(phone(), "Тест", other);
    expect((await rowsOf(STORES[1] as D1Database, other))[0]?.id).toBe(33);
    expect((await fake.report(33, digits(to), 1)).status).toBe(200);
    expect((await rowsOf(env.DB, k))[0]).toMatchObject({ status: "delivered", provider_status: "1" });
    expect((await rowsOf(STORES[1] as D1Database, other))[0]).toMatchObject({ status: "accepted" });

    // Without the legacy reads the global row is not looked at: the message would be a new one.
    const later = gateway();
    expect(await adapter(later).send(to, "Тест", k)).toBe(true);
    expect(later.messages()).toHaveLength(1);
  });

  it("forgets messages in every store a month after their last report, and not before", async () => {
    const fake = gateway();
    const keys = [keyIn(0, "old"), keyIn(1, "old")];
    for (const k of keys) await adapter(fake).send(phone(), "Тест", k);
    const day = 24 * 60 * 60 * 1000;
    await cleanExpired(createDataAccess(env), new Date(Date.now() + 29 * day));
    for (const [i, k] of keys.entries()) expect(await rowsOf(STORES[i] as D1Database, k)).toHaveLength(1);
    const removed = await cleanExpired(createDataAccess(env), new Date(Date.now() + 31 * day));
    expect(removed.providerMessages).toBeGreaterThanOrEqual(2);
    for (const [i, k] of keys.entries()) expect(await rowsOf(STORES[i] as D1Database, k)).toHaveLength(0);
  });
});
