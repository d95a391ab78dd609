import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { DEMO_UNREGISTERED } from "../../worker/data/demo.data";
import { confirmLink } from "../../worker/features/accounts/accounts.service";
import { backfillPlaces } from "../../worker/features/accounts/places.backfill";
import { moveAccount } from "../../worker/features/shards/move.service";
import { createDataAccess, d1Of, type ShardBinding } from "../../worker/platform/db";
import { makeAccountNo } from "../../worker/platform/ids";
import { placeOf, placesOf } from "../../worker/platform/places";
import { api, call, codeSentTo, forgetLinksOf, holdersOfAccount, json, linkAccount, login, post, REQUISITES } from "./helpers";
import { copyOfPlace, directoryShardOf, placedAccount, placesStoresDown, storeOfAccount } from "./places.helpers";

/**
 * The global directory's rows nothing needs go (issue 20, features/accounts/places.backfill.ts under DIRECTORY_ROWS =
 * "drop"): once an account's copy in the identity stores holds its place, its directory row is deleted when no foreign
 * key names it, and every reader finds the account by its copy — a visit, access by number, a move (which makes the
 * row again), an organisation's registration (too). Rows that something needs stay.
 */

const DAY = 24 * 60 * 60_000;
const OLD = () => new Date(Date.now() - 3 * DAY);
const storeOf = storeOfAccount;
const inDirectory = directoryShardOf;
const copyOf = async (accountNo: string) => {
  const c = await copyOfPlace(accountNo);
  return c ? { shard: c.shard, moving: c.moving } : null;
};

/**
 * Runs the places' pass to its end (every page), under the environment given, as of `at` (two days on, unless told:
 * every row this file made is a day old by then, but the young one): what it deleted. Its cursor starts again each
 * time (as if its plan's row were deleted), so that each call looks at every row.
 */
async function pass(over: Partial<typeof env> = {}, at = new Date(Date.now() + 2 * DAY)) {
  await env.DB.prepare("DELETE FROM drain_cursors WHERE plan LIKE 'account_places%'").run();
  let dropped = 0;
  for (let i = 0; i < 200; i++) {
    const page = await backfillPlaces(createDataAccess({ ...env, ...over } as typeof env), at, {}, null, 200);
    dropped += page.dropped;
    if (page.read === 0) break;
  }
  return dropped;
}

/** A Moscow account made `at` through the shard map, with its row and a payment of 543.21 ₽. */
const account = (at: Date) => placedAccount("6", 54321, at);

/** A valid 10-digit ИНН from 9 digits (the ФНС check digit appended). */
function inn10(body9: string) {
  const w = [2, 4, 10, 3, 5, 9, 4, 6, 8];
  return body9 + String((w.reduce((s, x, i) => s + Number(body9[i]) * x, 0) % 11) % 10);
}

describe("the directory's rows nothing needs", () => {
  it("go once their copies hold them, and the account is still found by a visit, by number and by a move", async () => {
    const a = await account(OLD());
    const anna = "demo-anna";
    await linkAccount(anna, a.accountNo, "viewer");
    // Anna's link is her home shard's and the account's holder row; no global link names it.
    await env.DB.prepare("DELETE FROM account_links WHERE account_no = ?").bind(a.accountNo).run();
    await forgetLinksOf(anna);
    // Kept while a rollback may come (DIRECTORY_ROWS = "keep"), and under ACCOUNT_PLACES = "global".
    expect(await pass({ DIRECTORY_ROWS: "keep" } as Partial<typeof env>)).toBe(0);
    expect(await inDirectory(a.accountNo)).toBe(a.shard);
    const dropped = await pass();
    expect(dropped).toBeGreaterThan(0);
    expect(await inDirectory(a.accountNo)).toBeNull();
    expect(await copyOf(a.accountNo)).toEqual({ shard: a.shard, moving: null });
    // Found by its copy: access by number, and under ACCOUNT_PLACES = "global" too (a deployment that went back).
    expect((await createDataAccess(env).shardForAccount(a.accountNo))?.binding).toBe(a.shard);
    expect((await placeOf(createDataAccess({ ...env, ACCOUNT_PLACES: "global" } as typeof env), a.accountNo))?.shard).toBe(a.shard);
    // Anna's visit lists it with its balance, under either setting.
    const cookie = await login("anna");
    const balance = async () =>
      (await json<{ items: { accountNo: string; balanceKop: number }[] }>(await api(cookie, "/accounts"))).items
        .filter((x) => x.accountNo === a.accountNo)
        .map((x) => x.balanceKop);
    expect(await balance()).toEqual([54321]);
    // A move makes its row again from the copy (the move's row names it), and it moves.
    const to: ShardBinding = a.shard === "DB_MOSCOW" ? "DB_MOSCOW_2" : "DB_MOSCOW";
    expect((await moveAccount(createDataAccess(env), a.accountNo, to, { graceMs: 0 })).step).toBe("done");
    expect(await inDirectory(a.accountNo)).toBe(to);
    expect(await copyOf(a.accountNo)).toEqual({ shard: to, moving: null });
    await forgetLinksOf(anna);
    expect(await balance()).toEqual([54321]);
    // A moved account's row stays: the move's row names it.
    await pass();
    expect(await inDirectory(a.accountNo)).toBe(to);
  });

  it("a registration by the number of a contract whose row went, and a relative's link of an account whose row went", async () => {
    // The seed's global links, an older release's, emptied as housekeeping does (GLOBAL_LINKS = "drop"), then the pass.
    await env.DB.prepare("DELETE FROM account_links").run();
    await pass();
    const sergey = makeAccountNo(DEMO_UNREGISTERED.body11);
    const petr = makeAccountNo("40300000005");
    expect(await inDirectory(sergey)).toBeNull();
    expect(await inDirectory(petr)).toBeNull();
    // Registration by account number: the code goes to the contract's phone (its account's row), found by its place.
    const ip = { "cf-connecting-ip": "100.64.9.1" };
    let since = Date.now();
    expect((await post("/api/v1/auth/register/start", { by: "account", accountNo: sergey, channel: "sms" }, ip)).status).toBe(202);
    let code = await codeSentTo(DEMO_UNREGISTERED.phone, since);
    const made = await post(
      "/api/v1/auth/register/complete",
      { by: "account", accountNo: sergey, channel: "sms", code, login: "sergey.places", password: "ural mountains in july" },
      ip,
    );
    expect(made.status).toBe(201);
    expect(await holdersOfAccount(sergey)).toEqual([{ login: "sergey.places", role: "owner", state: null }]);
    // Olga links Petr's account (a code to its contract's phone) and sees it with its balance.
    const cookie = await login("olga");
    since = Date.now();
    expect((await post("/api/v1/accounts/link/start", { accountNo: petr, channel: "sms" }, { ...ip, cookie })).status).toBe(202);
    code = await codeSentTo("+79000000002", since);
    expect((await post("/api/v1/accounts/link/confirm", { accountNo: petr, code, role: "viewer" }, { ...ip, cookie })).status).toBe(204);
    const list = await json<{ items: { accountNo: string; role: string; balanceKop: number }[] }>(await api(cookie, "/accounts"));
    expect(list.items.find((x) => x.accountNo === petr)?.role).toBe("viewer");
    // Neither brought its directory row back: nothing names it.
    expect(await inDirectory(sergey)).toBeNull();
    expect(await inDirectory(petr)).toBeNull();
  });

  it("an organisation registered with an account whose row went makes the row again", async () => {
    const a = await account(OLD());
    await pass();
    expect(await inDirectory(a.accountNo)).toBeNull();
    const res = await call(null, "/ops/v1/business/organisations", {
      method: "POST",
      headers: { authorization: `Bearer ${env.OPERATOR_TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify({ ...REQUISITES, inn: inn10("770988123"), contactPhone: "+79000000098", accountNos: [a.accountNo] }),
    });
    expect(res.status).toBe(201);
    expect(await inDirectory(a.accountNo)).toBe(a.shard);
    const { id } = await json<{ id: string }>(res);
    const home = await env.DB.prepare("SELECT home_shard AS h FROM organisations WHERE id = ?").bind(id).first<{ h: string }>();
    expect(home?.h).toBe(a.shard);
    // An organisation's account keeps its row.
    await pass();
    expect(await inDirectory(a.accountNo)).toBe(a.shard);
  });

  it("a store that does not answer: an account whose row went is a 503 to retry, never an account that does not exist", async () => {
    const a = await account(OLD());
    await pass();
    expect(await inDirectory(a.accountNo)).toBeNull();
    const down = placesStoresDown();
    const data = createDataAccess({ ...env, ...down } as typeof env);
    await expect(data.shardForAccount(a.accountNo)).rejects.toMatchObject({ status: 503, slug: "places_unavailable" });
    await expect(placesOf(data, [a.accountNo])).rejects.toMatchObject({ status: 503 });
    // An organisation's account (its row kept) is still found; so is one that does not exist, in neither place — no:
    // its store did not answer either, and its absence says nothing.
    const org = await env.DB.prepare("SELECT account_no AS a FROM org_accounts LIMIT 1").first<{ a: string }>();
    expect((await data.shardForAccount(org?.a ?? ""))?.binding).toBeTruthy();
    await expect(data.shardForAccount(makeAccountNo("69999999999"))).rejects.toMatchObject({ status: 503 });
    // A relative's link confirmed meanwhile: a 503 to retry, and the code is not spent — the retry links.
    const b = await account(OLD());
    await d1Of(createDataAccess(env).shard(b.shard))
      .prepare("UPDATE accounts SET contact_phone = '+79990007777' WHERE account_no = ?")
      .bind(b.accountNo)
      .run();
    await pass();
    const olga = await login("olga");
    const ip = { "cf-connecting-ip": "100.64.9.2" };
    const since = Date.now();
    expect((await post("/api/v1/accounts/link/start", { accountNo: b.accountNo, channel: "sms" }, { ...ip, cookie: olga })).status).toBe(
      202,
    );
    const code = await codeSentTo("+79990007777", since);
    await expect(confirmLink(data, "demo-olga", b.accountNo, code, "viewer", "100.64.9.2")).rejects.toMatchObject({ status: 503 });
    expect(
      (await post("/api/v1/accounts/link/confirm", { accountNo: b.accountNo, code, role: "viewer" }, { ...ip, cookie: olga })).status,
    ).toBe(204);
    // Where no row was ever deleted (DIRECTORY_ROWS = "keep"), a number neither place has does not exist: no 503.
    const kept = createDataAccess({ ...env, ...down, DIRECTORY_ROWS: "keep" } as typeof env);
    expect(await kept.shardForAccount(makeAccountNo("69999999999"))).toBeNull();
  });

  it("a store restored without some copies: the operator writes them again from the shards' own rows", async () => {
    const a = await account(OLD());
    const moved = await account(OLD());
    await pass();
    const to: ShardBinding = moved.shard === "DB_MOSCOW" ? "DB_MOSCOW_2" : "DB_MOSCOW";
    expect((await moveAccount(createDataAccess(env), moved.accountNo, to, { graceMs: 60_000 })).step).toBe("switched");
    // The restore: copies lost (a deleted row's, and the moved one's, whose source still holds its rows).
    for (const no of [a.accountNo, moved.accountNo])
      await storeOf(no).prepare("DELETE FROM account_places WHERE account_no = ?").bind(no).run();
    expect(await createDataAccess(env).shardForAccount(a.accountNo)).toBeNull();
    // While the copies are written again (PLACES_REBUILDING = "1"), an account neither place has is a 503, not absent.
    await expect(createDataAccess({ ...env, PLACES_REBUILDING: "1" } as typeof env).shardForAccount(a.accountNo)).rejects.toMatchObject({
      status: 503,
      slug: "places_unavailable",
    });
    const ops = (binding: string, query = "") =>
      call(null, `/ops/v1/shards/${binding}/places-rebuild${query}`, {
        method: "POST",
        headers: { authorization: `Bearer ${env.OPERATOR_TOKEN}` },
      });
    expect((await call(null, "/ops/v1/shards/DB_MOSCOW/places-rebuild", { method: "POST" })).status).toBe(401);
    expect((await ops("DB_NOWHERE")).status).toBe(404);
    for (const binding of ["DB_MOSCOW", "DB_MOSCOW_2"])
      for (let i = 0; i < 100; i++) {
        const res = await ops(binding, i === 0 ? "?restart=true" : "");
        expect(res.status).toBe(200);
        if ((await json<{ done: boolean }>(res)).done) break;
      }
    // Done: a call without `restart` reads nothing more; with it, the shard's accounts again (their copies kept).
    expect(await json<{ read: number; done: boolean }>(await ops("DB_MOSCOW"))).toMatchObject({ read: 0, done: true });
    expect((await json<{ read: number }>(await ops("DB_MOSCOW", "?restart=true"))).read).toBeGreaterThan(0);
    expect((await ops("DB_MOSCOW", "?restart=maybe")).status).toBe(400);
    expect(await copyOf(a.accountNo)).toEqual({ shard: a.shard, moving: null });
    expect((await createDataAccess(env).shardForAccount(a.accountNo))?.binding).toBe(a.shard);
    // The moved account is the directory's to say (its source's rows linger): no copy naming the source was written.
    expect(await copyOf(moved.accountNo)).toBeNull();
    expect((await createDataAccess(env).shardForAccount(moved.accountNo))?.binding).toBe(to);
  });

  it("a row kept for a passing reason goes in the next round, a week on, though new accounts keep coming", async () => {
    const a = await account(OLD());
    // An account made after it, not a day old even ten days on: every round stops before it.
    const later = await account(new Date(Date.now() + 10 * DAY - 60 * 60_000));
    await env.DB.prepare("INSERT INTO account_links (subscriber_id, account_no, role, created_at) VALUES ('demo-petr', ?, 'viewer', ?)")
      .bind(a.accountNo, Date.now())
      .run();
    await pass();
    expect(await inDirectory(a.accountNo)).toBe(a.shard);
    // Housekeeping empties the global link; the pass is at the directory's end: nothing until its round is a week old.
    await env.DB.prepare("DELETE FROM account_links WHERE account_no = ?").bind(a.accountNo).run();
    const at = (days: number) => new Date(Date.now() + days * DAY);
    const run = async (when: Date) => {
      let restarted = false;
      for (let i = 0; i < 100; i++) {
        const page = await backfillPlaces(createDataAccess(env), when, {}, null, 200);
        restarted ||= page.restarted;
        if (page.read === 0 && !page.restarted) break;
      }
      return restarted;
    };
    expect(await run(at(3))).toBe(false);
    expect(await inDirectory(a.accountNo)).toBe(a.shard);
    expect(await run(at(10))).toBe(true);
    expect(await run(at(10))).toBe(false);
    expect(await inDirectory(a.accountNo)).toBeNull();
    expect((await createDataAccess(env).shardForAccount(a.accountNo))?.binding).toBe(a.shard);
    // The later account's row goes too (as it would once a day old), so that no later test's pass stops before it.
    await env.DB.prepare("DELETE FROM account_directory WHERE account_no = ?").bind(later.accountNo).run();
  });

  it("rows something needs stay: a global link's, one with contacts, one whose copy is marked or elsewhere, a young one", async () => {
    const linked = await account(OLD());
    await env.DB.prepare("INSERT INTO account_links (subscriber_id, account_no, role, created_at) VALUES ('demo-petr', ?, 'viewer', ?)")
      .bind(linked.accountNo, Date.now())
      .run();
    const contacts = await account(OLD());
    await env.DB.prepare("UPDATE account_directory SET contact_phone = '+79000000555' WHERE account_no = ?").bind(contacts.accountNo).run();
    const marked = await account(OLD());
    await storeOf(marked.accountNo)
      .prepare("UPDATE account_places SET moving = 'move-q' WHERE account_no = ?")
      .bind(marked.accountNo)
      .run();
    // A copy naming another region (written within the margin of a read: the directory's row is not taken for it).
    const elsewhere = await account(OLD());
    await storeOf(elsewhere.accountNo)
      .prepare("UPDATE account_places SET region = 'spb', as_of = ? WHERE account_no = ?")
      .bind(Date.now() + 2 * DAY, elsewhere.accountNo)
      .run();
    // An older deployment's invoice line names one (a foreign key, indexed by global migration 0042).
    const invoiced = await account(OLD());
    await env.DB.batch([
      env.DB.prepare(
        "INSERT INTO invoices (id, number, org_id, issued_by, total_kop, vat_kop, status, created_at) VALUES ('inv-drop', 'СЧ-2026-990001', 'org-demo-veter', 'demo-anna', 100, 0, 'issued', ?)",
      ).bind(Date.now()),
      env.DB.prepare("INSERT INTO invoice_lines (invoice_id, account_no, amount_kop) VALUES ('inv-drop', ?, 100)").bind(invoiced.accountNo),
    ]);
    // A control: nothing needs its row, which goes (the pass reached these rows).
    const control = await account(OLD());
    // Not a day old when the pass runs (two days on).
    const young = await account(new Date(Date.now() + 2 * DAY - 60 * 60_000));
    const afterYoung = await account(OLD());
    await pass();
    expect(await inDirectory(control.accountNo)).toBeNull();
    for (const a of [linked, contacts, marked, elsewhere, invoiced, young])
      expect(await inDirectory(a.accountNo), a.accountNo).toBe(a.shard);
    // The pass stops before the young row (rows come in rowid order): the one after it waits until the young one is a day old.
    expect(await inDirectory(afterYoung.accountNo)).toBe(afterYoung.shard);
    expect((await createDataAccess(env).shardForAccount(afterYoung.accountNo))?.binding).toBe(afterYoung.shard);
    // A day later the young row is a day old: the pass goes past it, and the row after it goes; the young one too.
    await pass({}, new Date(Date.now() + 3 * DAY));
    expect(await inDirectory(afterYoung.accountNo)).toBeNull();
    expect(await inDirectory(young.accountNo)).toBeNull();
    for (const a of [linked, contacts, marked, invoiced]) expect(await inDirectory(a.accountNo), a.accountNo).toBe(a.shard);
  });
});
