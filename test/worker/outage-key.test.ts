import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call, json, shardRows } from "./helpers";

const ops = (body: unknown, headers: Record<string, string> = {}) =>
  call(null, "/ops/v1/outages", {
    method: "POST",
    headers: { authorization: `Bearer ${env.OPERATOR_TOKEN}`, "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });

const rows = <T>(sql: string, ...args: unknown[]) =>
  env.DB.prepare(sql)
    .bind(...args)
    .all<T>()
    .then((r) => r.results);

/** Per subscriber: the inbox messages titled `title` and the SMS texts of declared outages sent since `since`. */
async function told(title: string, since: number) {
  const inbox = await shardRows<{ subscriber_id: string; n: number }>(
    "SELECT subscriber_id, count(*) AS n FROM inbox WHERE title = ? GROUP BY subscriber_id",
    title,
  );
  const sms = await rows<{ dedupe_key: string }>(
    "SELECT dedupe_key FROM outbox WHERE channel = 'sms' AND dedupe_key LIKE 'outage:%:declared:%' AND created_at >= ?",
    since,
  );
  return { inbox, sms: sms.map((s) => s.dedupe_key) };
}

const settle = () => new Promise((r) => setTimeout(r, 2_000));

describe("an outage's idempotency key", () => {
  it("declares one outage for ten identical posts at once, and tells each subscriber in the area once", {
    timeout: 40_000,
  }, async () => {
    const since = Date.now();
    const title = "Нет связи в Казани (двойной клик)";
    const body = { region: "kzn", title, expectedEnd: new Date(Date.now() + 4 * 3600_000).toISOString(), key: "kzn-double-click" };
    const answers = await Promise.all(Array.from({ length: 10 }, () => ops(body)));
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses).toEqual([200, 200, 200, 200, 200, 200, 200, 200, 200, 201]);
    const outages = await Promise.all(answers.map((a) => json<{ id: string; title: string }>(a)));
    expect(new Set(outages.map((o) => o.id)).size).toBe(1);
    expect(await rows("SELECT id FROM outages WHERE title = ?", title)).toHaveLength(1);

    // The subscribers with an account in Kazan (Пётр among them) each get one inbox message and one SMS.
    await expect.poll(async () => (await told(title, since)).inbox.length, { timeout: 20_000 }).toBeGreaterThan(0);
    await settle();
    const first = await told(title, since);
    const holders = await rows<{ subscriber_id: string }>(
      "SELECT DISTINCT l.subscriber_id FROM account_links l JOIN account_directory d ON d.account_no = l.account_no WHERE d.region = 'kzn'",
    );
    expect(first.inbox.map((r) => r.subscriber_id)).toContain("demo-petr");
    expect(first.inbox.length).toBeLessThanOrEqual(holders.length);
    expect(first.inbox.every((r) => r.n === 1)).toBe(true);
    expect(first.sms.length).toBeGreaterThan(0);
    expect(new Set(first.sms).size).toBe(first.sms.length);
    expect(first.sms.every((k) => k.startsWith(`outage:${outages[0]?.id}:declared:`))).toBe(true);

    // Replayed after it was delivered: the same answer, nobody told again.
    const replay = await ops(body);
    expect(replay.status).toBe(200);
    expect(await json(replay)).toEqual(outages[0]);
    expect(outages.every((o) => JSON.stringify(o) === JSON.stringify(outages[0]))).toBe(true);
    await settle();
    expect(await told(title, since)).toEqual(first);
  });

  it("refuses the same key with another body (409), and a missing or hostile key (400), in Russian", async () => {
    const expectedEnd = new Date(Date.now() + 3600_000).toISOString();
    const body = { region: "kzn", street: "ул. Пушкина", houses: ["5"], title: "Работы на сети", expectedEnd, key: "kzn-works-1" };
    expect((await ops(body)).status).toBe(201);
    for (const other of [
      { title: "Другие работы" },
      { houses: ["5", "7"] },
      { expectedEnd: new Date(Date.now() + 7200_000).toISOString() },
    ]) {
      const res = await ops({ ...body, ...other });
      expect(res.status).toBe(409);
      expect(res.headers.get("content-type")).toMatch(/^application\/problem\+json/);
      expect(await json(res)).toMatchObject({ status: 409, title: "Ключ уже использован для другого запроса" });
    }
    expect(await rows("SELECT id FROM outages WHERE key = ?", "kzn-works-1")).toHaveLength(1);

    const { key: _, ...keyless } = body;
    for (const key of [undefined, "", "x".repeat(101), "ab\u0000cd", "line\nbreak", "\u202etxt", 42]) {
      const res = await ops({ ...keyless, title: "Без ключа", ...(key === undefined ? {} : { key }) });
      expect(res.status, JSON.stringify(key)).toBe(400);
      expect(res.headers.get("content-type")).toMatch(/^application\/problem\+json/);
      const problem = await json<{ title: string; errors: { field: string }[] }>(res);
      expect(problem.errors.map((e) => e.field)).toContain("key");
      expect(problem.title).toMatch(/[а-я]/);
    }
    expect(await rows("SELECT id FROM outages WHERE title = ?", "Без ключа")).toHaveLength(0);
  });
});
