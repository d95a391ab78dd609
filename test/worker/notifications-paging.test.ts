import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { inbox } from "../../worker/db/schema/region";
import { selectInbox } from "../../worker/features/notifications/notifications.service";
import { createDataAccess, type ShardBinding } from "../../worker/platform/db";
import { newId } from "../../worker/platform/ids";
import { api, globalRows, homeShardOf, json, login } from "./helpers";

type Page = { items: { id: string; title: string; createdAt: string }[]; nextBefore: string | null; unread: number };

/** The subscriber's home shard, where their inbox is. */
async function homeOf(subscriberId: string) {
  const [row] = await globalRows<{ shard: ShardBinding }>("SELECT home_shard AS shard FROM subscribers WHERE id = ?", subscriberId);
  return createDataAccess(env).shard(row?.shard as ShardBinding);
}
const rowsOf = async <T>(subscriberId: string, sql: string, ...args: unknown[]) =>
  (
    await (
      await homeShardOf(subscriberId)
    )
      .prepare(sql)
      .bind(...args)
      .all<T>()
  ).results;

/** `count` messages for the subscriber over the last weeks, newest `from` ago; every fourth shares its neighbour's millisecond. */
async function fill(subscriberId: string, count: number, from = 60_000) {
  const now = Date.now();
  const rows = Array.from({ length: count }, (_, i) => {
    const at = new Date(now - from - Math.floor(i / 4) * 4 * 3_600_000 - (i % 4 === 3 ? 0 : (i % 4) * 60_000));
    return {
      id: newId(at.getTime()),
      subscriberId,
      eventId: `paging:${crypto.randomUUID()}`,
      kind: "payment_credited" as const,
      accountNo: null,
      title: `Сообщение ${i + 1}`,
      body: "Зачислено",
      url: "/",
      params: null,
      createdAt: at,
      readAt: null,
    };
  });
  const db = await homeOf(subscriberId);
  for (let i = 0; i < rows.length; i += 9) await db.insert(inbox).values(rows.slice(i, i + 9));
  return rows;
}

/** Every page of the inbox from the top, following `nextBefore`; `between` runs after the first page. */
async function allPages(cookie: string, between?: () => Promise<unknown>) {
  const pages: Page[] = [];
  let before: string | null = null;
  do {
    const res = await api(cookie, `/notifications${before ? `?before=${encodeURIComponent(before)}` : ""}`);
    expect(res.status).toBe(200);
    const page = await json<Page>(res);
    pages.push(page);
    before = page.nextBefore;
    if (pages.length === 1) await between?.();
  } while (before && pages.length < 10);
  return pages;
}

describe("the inbox, page by page", () => {
  it("shows 120 messages in pages of 50, newest first, without duplicates or gaps, even when one arrives between pages", {
    timeout: 30_000,
  }, async () => {
    const mine = await rowsOf<{ id: string }>("demo-olga", "SELECT id FROM inbox WHERE subscriber_id = 'demo-olga'");
    expect(mine).toEqual([]);
    const rows = await fill("demo-olga", 120);
    const olga = await login("olga");
    let late: { id: string } | undefined;
    const pages = await allPages(olga, async () => {
      [late] = await fill("demo-olga", 1, 1_000);
    });
    expect(pages.map((p) => p.items.length)).toEqual([50, 50, 20]);
    expect(pages.map((p) => p.nextBefore === null)).toEqual([false, false, true]);
    const seen = pages.flatMap((p) => p.items.map((i) => i.id));
    // Exactly the 120 that were there when the first page was read, in (created_at, id) order, newest first.
    const expected = [...rows].sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (b.id < a.id ? -1 : 1)).map((r) => r.id);
    expect(seen).toEqual(expected);
    expect(new Set(seen).size).toBe(120);
    expect(seen).not.toContain(late?.id);
    // The new one is at the top the next time the inbox is opened; the unread count is of all 121.
    const top = await json<Page>(await api(olga, "/notifications"));
    expect(top.items[0]?.id).toBe(late?.id);
    expect(top.unread).toBe(121);
  });

  it("reads a page as one range of the subscriber's index: no scan, no sort", async () => {
    const { sql, params } = selectInbox(await homeOf("demo-olga"), "demo-olga", 51, { at: Date.now(), id: newId() }).toSQL();
    const plan = (await rowsOf<{ detail: string }>("demo-olga", `EXPLAIN QUERY PLAN ${sql}`, ...params)).map((r) => r.detail);
    expect(plan).toEqual([
      expect.stringMatching(
        /^SEARCH inbox USING INDEX inbox_subscriber_idx \(subscriber_id=\? AND created_at>\? AND \(created_at,id\)<\(\?,\?\)\)$/,
      ),
    ]);
    expect(plan.join("\n")).not.toMatch(/SCAN|TEMP B-TREE/);
  });

  it("shows another subscriber's cursor nothing of theirs, and refuses a hostile cursor with a 400 in Russian", async () => {
    await fill("demo-maria", 60);
    const maria = await login("maria");
    const first = await json<Page>(await api(maria, "/notifications"));
    expect(first.nextBefore).not.toBeNull();
    const mariaIds = new Set(
      (await rowsOf<{ id: string }>("demo-maria", "SELECT id FROM inbox WHERE subscriber_id = 'demo-maria'")).map((r) => r.id),
    );

    const anna = await login("anna");
    const annaIds = new Set(
      (await rowsOf<{ id: string }>("demo-anna", "SELECT id FROM inbox WHERE subscriber_id = 'demo-anna'")).map((r) => r.id),
    );
    const borrowed = await json<Page>(await api(anna, `/notifications?before=${encodeURIComponent(first.nextBefore ?? "")}`));
    expect(borrowed.items.some((i) => mariaIds.has(i.id))).toBe(false);
    expect(borrowed.items.every((i) => annaIds.has(i.id))).toBe(true);

    const hostile = [
      "",
      "abc",
      "' OR 1=1 --",
      btoa(JSON.stringify(["x", "y"])),
      btoa(JSON.stringify([1e300, "y"])),
      btoa(JSON.stringify([-1, "y"])),
      btoa(JSON.stringify([1, ""])),
      btoa(JSON.stringify([1, "y".repeat(65)])),
      btoa("{}"),
      "%E0%A4%A",
      "A".repeat(5_000),
    ];
    for (const before of hostile) {
      const res = await api(maria, `/notifications?before=${before.startsWith("%") ? before : encodeURIComponent(before)}`);
      expect(res.status, before).toBe(400);
      expect(res.headers.get("content-type")).toMatch(/^application\/problem\+json/);
      const problem = await json<{ title: string; errors?: { field: string }[] }>(res);
      expect(problem.title).toMatch(/[а-я]/);
    }
    const named = await json<{ errors: { field: string; message: string }[] }>(await api(maria, "/notifications?before=abc"));
    expect(named.errors).toEqual([{ field: "before", message: "Неверная позиция списка" }]);
  });
});
