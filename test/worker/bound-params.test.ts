import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { forgetOutages } from "../../worker/features/notifications/notifications.service";
import { shardBindings, shardDatabase } from "../../worker/platform/db";
import { makeAccountNo } from "../../worker/platform/ids";
import { api, forgetLinksOf, holdersFromLinks, json, login } from "./helpers";

/**
 * D1 refuses a statement with more than 100 bound parameters (the counted binding in platform/db.ts refuses it
 * locally too). Each request here once reached a statement that bound one parameter per item of a list a subscriber
 * controls or that grows with their data, and answered 500.
 */
describe("requests whose lists pass D1's 100 bound parameters", () => {
  it("marks a hundred messages read at once (the most the route takes)", async () => {
    const anna = await login("anna");
    const ids = Array.from({ length: 100 }, (_, i) => `not-a-message-${i}`);
    const res = await api(anna, "/notifications/read", { method: "POST", body: JSON.stringify({ ids }) });
    expect(res.status).toBe(200);
    expect(await json<{ marked: number }>(res)).toMatchObject({ marked: 0 });
  });

  it("filters a history by a kind named 150 times, once", async () => {
    const anna = await login("anna");
    const { items } = await json<{ items: { accountNo: string }[] }>(await api(anna, "/accounts"));
    const no = items[0]?.accountNo ?? "";
    const once = await api(anna, `/accounts/${no}/history?type=payment`);
    const many = await api(anna, `/accounts/${no}/history?type=${Array(150).fill("payment").join(",")}`);
    expect(many.status).toBe(200);
    expect(await json(many)).toEqual(await json(once));
  });

  it("shows an outage to a contact with 120 accounts in the region it hits", async () => {
    const olga = await login("olga");
    const me = await json<{ profile: { id: string } }>(await api(olga, "/me"));
    const shard = shardDatabase(env, "DB_MOSCOW") as D1Database;
    const now = Date.now();
    const nos = Array.from({ length: 120 }, (_, i) => makeAccountNo(`99${String(i).padStart(9, "0")}`));
    await shard.batch(
      nos.map((no, i) =>
        shard
          .prepare(
            "INSERT INTO accounts (account_no, region, holder_name, address, status, created_at) VALUES (?, 'msk', 'ООО Тест', ?, 'active', ?)",
          )
          .bind(no, `Москва, ул. Тестовая, д. ${i + 1}`, now),
      ),
    );
    await env.DB.batch(
      nos.flatMap((no) => [
        env.DB.prepare("INSERT INTO account_directory (account_no, region, shard, created_at) VALUES (?, 'msk', 'DB_MOSCOW', ?)").bind(
          no,
          now,
        ),
        env.DB.prepare("INSERT INTO account_links (subscriber_id, account_no, role, created_at) VALUES (?, ?, 'owner', ?)").bind(
          me.profile.id,
          no,
          now,
        ),
      ]),
    );
    await holdersFromLinks();
    await env.DB.prepare(
      "INSERT INTO outages (id, region, title, expected_end, declared_at) VALUES ('outage-many-accounts', 'msk', 'Нет интернета', ?, ?)",
    )
      .bind(now + 3_600_000, now)
      .run();
    // Written past the routes, which would have forgotten olga's copy of her links and this isolate's copy of the
    // region's outages.
    await forgetLinksOf("demo-olga");
    forgetOutages("msk");
    const res = await api(olga, "/outages");
    expect(res.status).toBe(200);
    const { items } = await json<{ items: { title: string }[] }>(res);
    expect(items.map((o) => o.title)).toContain("Нет интернета");
  });

  it("opens a chat whose 150 messages carry the same file", async () => {
    const anna = await login("anna");
    const { chat } = await json<{ chat: { id: string } }>(
      await api(anna, "/support/chats", { method: "POST", body: JSON.stringify({ topic: "internet" }) }),
    );
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]);
    const uploaded = await api(anna, `/support/chats/${chat.id}/attachments`, {
      method: "POST",
      body: png,
      headers: { "content-type": "image/png", "x-file-name": "screen.png" },
    });
    expect(uploaded.status).toBe(201);
    const file = await json<{ id: string }>(uploaded);
    // The chat's shard: the one whose support_chats has it.
    let db: D1Database | undefined;
    for (const binding of shardBindings(env)) {
      const d1 = shardDatabase(env, binding) as D1Database;
      if (await d1.prepare("SELECT 1 FROM support_chats WHERE id = ?").bind(chat.id).first()) db = d1;
    }
    if (!db) throw new Error("no shard holds the chat");
    const d1 = db;
    const now = Date.now();
    await d1.batch(
      Array.from({ length: 150 }, (_, i) =>
        d1
          .prepare(
            "INSERT INTO support_messages (id, chat_id, seq, author, text, attachment_id, created_at) VALUES (?, ?, ?, 'customer', '', ?, ?)",
          )
          .bind(`same-file-${i}`, chat.id, 1_000 + i, file.id, now + i),
      ),
    );
    const res = await api(anna, `/support/chats/${chat.id}`);
    expect(res.status).toBe(200);
    const body = await json<{ messages: { attachment: { id: string } | null }[] }>(res);
    expect(body.messages.filter((m) => m.attachment?.id === file.id).length).toBeGreaterThanOrEqual(100);
  });
});
