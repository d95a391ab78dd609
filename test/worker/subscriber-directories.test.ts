/**
 * Issue 20: the directories of a subscriber's applications, chats and requests live in their home shard, not in the
 * global database, where they grew with the years and the subscribers together; the entries an older deployment
 * wrote there are read beside them and drained into the home shards, each shown once, none lost.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { drainLegacyNotifications } from "../../worker/features/notifications/notifications.drain";
import { createApplication } from "../../worker/features/services/applications.service";
import { createTicket } from "../../worker/features/support/tickets.service";
import { createDataAccess, type ShardBinding } from "../../worker/platform/db";
import { makeAccountNo } from "../../worker/platform/ids";
import { api, homeShardOf, json, login, stepUp } from "./helpers";

const ANNA_MSK = makeAccountNo("20100000001");
const ANNA_NSK = makeAccountNo("60700000003");

type Entry = { id: string; subscriber_id: string; region: string; shard: string; created_at: number };
type SupportEntry = Entry & { kind: string };

/** Moves a directory entry from Anna's home shard to the global table, as an older deployment had written it. */
async function makeLegacy(table: "application_directory" | "support_directory", id: string) {
  const home = await homeShardOf("demo-anna");
  const row = await home.prepare(`SELECT * FROM ${table} WHERE id = ?`).bind(id).first<SupportEntry>();
  if (!row) throw new Error(`no ${table} entry ${id} in the home shard`);
  const cols = Object.keys(row);
  await env.DB.prepare(`INSERT INTO ${table} (${cols.join(", ")}) VALUES (${cols.map(() => "?").join(", ")})`)
    .bind(...cols.map((c) => row[c as keyof SupportEntry]))
    .run();
  await home.prepare(`DELETE FROM ${table} WHERE id = ?`).bind(id).run();
  return row;
}

/** A subscriber as a session names them: id and home shard. */
const applicantOf = async (id: string) => {
  const row = await env.DB.prepare("SELECT home_shard FROM subscribers WHERE id = ?").bind(id).first<{ home_shard: ShardBinding }>();
  return { subscriberId: id, homeShard: row?.home_shard ?? ("DB_MOSCOW" as ShardBinding) };
};

const globalCount = async (table: string, id: string) =>
  (await env.DB.prepare(`SELECT count(*) n FROM ${table} WHERE id = ?`).bind(id).first<number>("n")) ?? 0;
const homeCount = async (table: string, id: string) =>
  (await (await homeShardOf("demo-anna")).prepare(`SELECT count(*) n FROM ${table} WHERE id = ?`).bind(id).first<number>("n")) ?? 0;

describe("the directories of applications, chats and requests", () => {
  it("are written in the subscriber's home shard, whichever region's shard keeps the application or request", async () => {
    const anna = await stepUp(await login("anna"), "+79000000001");
    const app = await json<{ id: string; region: string }>(
      await api(anna, "/applications", {
        method: "POST",
        body: JSON.stringify({ kind: "disconnection", accountNo: ANNA_NSK, serviceId: `${ANNA_NSK}-1` }),
      }),
    );
    expect(app.region).toBe("nsk");
    const ticket = await json<{ id: string }>(
      await api(anna, "/support/tickets", {
        method: "POST",
        body: JSON.stringify({ category: "internet", accountNo: ANNA_NSK, subject: "Скорость", text: "Медленный интернет вечером" }),
      }),
    );
    // Anna's home shard is Moscow's; the application and the request are kept in Siberia's, her entries at home.
    const home = await homeShardOf("demo-anna");
    const entry = await home.prepare("SELECT * FROM application_directory WHERE id = ?").bind(app.id).first<Entry>();
    expect(entry).toMatchObject({ subscriber_id: "demo-anna", region: "nsk", shard: "DB_SIBERIA" });
    expect(await home.prepare("SELECT kind, shard FROM support_directory WHERE id = ?").bind(ticket.id).first()).toEqual({
      kind: "ticket",
      shard: "DB_SIBERIA",
    });
    expect(await globalCount("application_directory", app.id)).toBe(0);
    expect(await globalCount("support_directory", ticket.id)).toBe(0);
    // Listed and opened by their author only.
    const mine = await json<{ items: { id: string }[] }>(await api(anna, "/applications"));
    expect(mine.items.map((a) => a.id)).toContain(app.id);
    expect((await api(anna, `/applications/${app.id}`)).status).toBe(200);
    const petr = await login("petr");
    const foreign = await api(petr, `/applications/${app.id}`);
    expect(foreign.status).toBe(404);
    expect((await json<{ items: { id: string }[] }>(await api(petr, "/applications"))).items.map((a) => a.id)).not.toContain(app.id);
    expect((await api(petr, `/support/tickets/${ticket.id}`)).status).toBe(404);
    // A second open request for the same service is refused, and leaves no entry behind (written first, taken back).
    const entries = async () =>
      (await home.prepare("SELECT count(*) n FROM application_directory WHERE subscriber_id = 'demo-anna'").first<number>("n")) ?? 0;
    const before = await entries();
    const again = await api(anna, "/applications", {
      method: "POST",
      body: JSON.stringify({ kind: "disconnection", accountNo: ANNA_NSK, serviceId: `${ANNA_NSK}-1` }),
    });
    expect(again.status).toBe(409);
    expect(await entries()).toBe(before);
  });

  it("enter an application in the directory before writing it: a directory that fails leaves no application nobody can list", async () => {
    const anna = await applicantOf("demo-anna");
    const refusing = new Proxy(env.DB_MOSCOW, {
      get(target, prop) {
        if (prop === "prepare")
          return (query: string) => {
            if (/insert into "application_directory"/i.test(query)) throw new Error("D1_ERROR: Network connection lost.");
            return target.prepare(query);
          };
        const v = Reflect.get(target, prop, target);
        return typeof v === "function" ? v.bind(target) : v;
      },
    });
    const service = `${ANNA_NSK}-1`;
    const open = async () =>
      (await env.DB_SIBERIA.prepare("SELECT count(*) n FROM applications WHERE service_id = ? AND status = 'received'")
        .bind(service)
        .first<number>("n")) ?? 0;
    const before = await open();
    const made = await createApplication(createDataAccess({ ...env, DB_MOSCOW: refusing } as unknown as Env), async () => {}, {
      ...anna,
      region: "nsk",
      kind: "callout",
      accountNo: ANNA_NSK,
      serviceId: service,
      details: { problem: "Нет интернета" },
    }).catch((e: unknown) => e);
    expect(String(made)).toContain("Network connection lost");
    expect(await open()).toBe(before);
  });

  it("stay in the global tables while the deployment says so (DIRECTORY_STORE = global), read and not drained; then move", async () => {
    const anna = await applicantOf("demo-anna");
    const keeping = createDataAccess({ ...env, DIRECTORY_STORE: "global" } as Env);
    const ticket = await createTicket(
      keeping,
      anna,
      { siteRegion: "msk", category: "other", subject: "Откат", text: "Запись в глобальную таблицу" },
      "ru",
    );
    expect(await globalCount("support_directory", ticket.id)).toBe(1);
    expect(await homeCount("support_directory", ticket.id)).toBe(0);
    // Listed by a release that reads both places.
    const cookie = await login("anna");
    const listed = await json<{ items: { id: string }[] }>(await api(cookie, "/support/tickets"));
    expect(listed.items.map((t) => t.id)).toContain(ticket.id);
    // Its housekeeping leaves them where they are (an older release, after a rollback, reads only there)…
    for (let i = 0; i < 5; i++) await drainLegacyNotifications(keeping, new Date());
    expect(await globalCount("support_directory", ticket.id)).toBe(1);
    // …and the next release's moves them.
    let drained = false;
    for (let i = 0; i < 30 && !drained; i++) drained = (await drainLegacyNotifications(createDataAccess(env), new Date())).drained;
    expect({ global: await globalCount("support_directory", ticket.id), home: await homeCount("support_directory", ticket.id) }).toEqual({
      global: 0,
      home: 1,
    });
  });

  it("read an older deployment's global entries beside the home shard's, once each, and drain them without losing one", async () => {
    const anna = await login("anna");
    const app = await json<{ id: string }>(
      await api(anna, "/applications", {
        method: "POST",
        body: JSON.stringify({ kind: "disconnection", accountNo: ANNA_MSK, serviceId: `${ANNA_MSK}-2` }),
      }),
    );
    const ticket = await json<{ id: string }>(
      await api(anna, "/support/tickets", {
        method: "POST",
        body: JSON.stringify({ category: "other", subject: "Договор", text: "Пришлите копию договора" }),
      }),
    );
    const chat = await json<{ chat: { id: string } }>(
      await api(anna, "/support/chats", { method: "POST", body: JSON.stringify({ topic: "other", text: "Здравствуйте" }) }),
    );
    await makeLegacy("application_directory", app.id);
    await makeLegacy("support_directory", ticket.id);
    // The chat's entry in both places: copied by a drain whose delete was lost.
    const chatEntry = await makeLegacy("support_directory", chat.chat.id);
    const home = await homeShardOf("demo-anna");
    await home
      .prepare("INSERT INTO support_directory (id, kind, subscriber_id, region, shard, created_at) VALUES (?, ?, ?, ?, ?, ?)")
      .bind(chatEntry.id, chatEntry.kind, chatEntry.subscriber_id, chatEntry.region, chatEntry.shard, chatEntry.created_at)
      .run();

    const lists = async () => ({
      apps: (await json<{ items: { id: string }[] }>(await api(anna, "/applications"))).items.filter((a) => a.id === app.id).length,
      tickets: (await json<{ items: { id: string }[] }>(await api(anna, "/support/tickets"))).items.filter((t) => t.id === ticket.id)
        .length,
      chats: (await json<{ items: { id: string }[] }>(await api(anna, "/support/chats"))).items.filter((c) => c.id === chat.chat.id).length,
      app: (await api(anna, `/applications/${app.id}`)).status,
      ticket: (await api(anna, `/support/tickets/${ticket.id}`)).status,
    });
    // Before the drain: from the global table (and the chat from both), each once.
    expect(await lists()).toEqual({ apps: 1, tickets: 1, chats: 1, app: 200, ticket: 200 });
    // Another subscriber is not let in by the global entry.
    expect((await api(await login("petr"), `/applications/${app.id}`)).status).toBe(404);

    let drained = false;
    for (let i = 0; i < 30 && !drained; i++) drained = (await drainLegacyNotifications(createDataAccess(env), new Date())).drained;
    expect(drained).toBe(true);
    for (const [table, id] of [
      ["application_directory", app.id],
      ["support_directory", ticket.id],
      ["support_directory", chat.chat.id],
    ] as const) {
      expect({ table, id, global: await globalCount(table, id), home: await homeCount(table, id) }).toEqual({
        table,
        id,
        global: 0,
        home: 1,
      });
    }
    expect(await env.DB.prepare("SELECT count(*) n FROM application_directory").first("n")).toBe(0);
    expect(await env.DB.prepare("SELECT count(*) n FROM support_directory").first("n")).toBe(0);
    // After it: the same lists, from the home shard alone.
    expect(await lists()).toEqual({ apps: 1, tickets: 1, chats: 1, app: 200, ticket: 200 });
  });
});
