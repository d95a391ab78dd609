import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { requireAccount, unlinkAccount } from "../../worker/features/accounts/accounts.service";
import { backfillLinks, startLinksBackfill } from "../../worker/features/accounts/links.backfill";
import { moveAccount } from "../../worker/features/shards/move.service";
import { createDataAccess, type ShardBinding, shardDatabase } from "../../worker/platform/db";
import { HOLDER_SETTLE_MS, reconcileHolders, sweepHomeLinks } from "../../worker/platform/holders";
import { makeAccountNo } from "../../worker/platform/ids";
import { linksOf } from "../../worker/platform/links";
import { findSession, openSession } from "../../worker/platform/session";
import { api, beforeEachRun, codeSentTo, forgetLinksOf, json, login, makeContract, post, registerBy, subscriberAt } from "./helpers";

/**
 * The links by subscriber, in their home shards (issue 20, platform/links.ts): every change of a link writes the
 * subscriber's row there when the account's holder row is settled and deletes it before that row goes; their sessions'
 * copy, their pages and access to an account read them there (with the directory's shards); housekeeping writes or
 * deletes them with a holder row a change left half-way; the backfill copies an older release's.
 */

const PETR_KZN = makeAccountNo("40300000005");

/** Data access as the release that still writes the global links runs (`GLOBAL_LINKS = "keep"`, production's until its flip). */
const keeping = () => createDataAccess({ ...env, GLOBAL_LINKS: "keep" } as typeof env);
/** As production runs while its backfill copies the links (`LINKS_STORE = "global"`, which keeps the global links). */
const rollout = () => createDataAccess({ ...env, LINKS_STORE: "global" } as typeof env);

type Home = { accountNo: string; role: string; lowBalanceKop: number | null; createdAt: number };

const homeOf = async (id: string) => (await subscriberAt(id)).homeShard as ShardBinding;
const homeLinks = async (id: string) =>
  (
    await (shardDatabase(env, await homeOf(id)) as D1Database)
      .prepare(
        "SELECT account_no AS accountNo, role, low_balance_kop AS lowBalanceKop, created_at AS createdAt FROM subscriber_links WHERE subscriber_id = ? ORDER BY account_no",
      )
      .bind(id)
      .all<Home>()
  ).results;
/** The account numbers in the subscriber's sessions' copy of their links, or null when there is none. */
const copiedLinks = async (id: string) => {
  const row = await (shardDatabase(env, await homeOf(id)) as D1Database)
    .prepare("SELECT links FROM session_links WHERE subscriber_id = ?")
    .bind(id)
    .first<{ links: string | null }>();
  return row?.links ? (JSON.parse(row.links) as { accountNo: string }[]).map((l) => l.accountNo) : null;
};
const shardOf = async (accountNo: string) =>
  (await env.DB.prepare("SELECT shard FROM account_directory WHERE account_no = ?").bind(accountNo).first<string>("shard")) as ShardBinding;
const accountNos = async (cookie: string) =>
  (await json<{ items: { accountNo: string }[] }>(await api(cookie, "/accounts"))).items.map((a) => a.accountNo);

let address = 0;
const ip = () => ({ "cf-connecting-ip": `198.51.100.${++address}` });

/** Olga links Petr's Kazan account through the cabinet, as a relative does. */
async function olgaLinks(olga: string, role: "payer" | "viewer") {
  const since = Date.now();
  expect((await post("/api/v1/accounts/link/start", { accountNo: PETR_KZN, channel: "sms" }, { ...ip(), cookie: olga })).status).toBe(202);
  const code = await codeSentTo("+79000000002", since);
  return post("/api/v1/accounts/link/confirm", { accountNo: PETR_KZN, code, role }, { ...ip(), cookie: olga });
}

describe("the links by subscriber, in their home shards", () => {
  it("every demo subscriber's links are in their home shard as in the global table", async () => {
    for (const id of ["demo-anna", "demo-petr", "demo-olga", "demo-maria"]) {
      const global = await env.DB.prepare("SELECT account_no AS a, role FROM account_links WHERE subscriber_id = ? ORDER BY account_no")
        .bind(id)
        .all<{ a: string; role: string }>();
      expect((await homeLinks(id)).map((l) => ({ a: l.accountNo, role: l.role }))).toEqual(global.results);
    }
  });

  it("a registration writes its owner's link in their home shard", async () => {
    const accountNo = makeAccountNo("50488800041");
    const phone = "+79990008041";
    await makeContract(accountNo, "ekb", { phone });
    const made = await registerBy("phone", phone, "links.home", "links in their home", ip);
    expect(made.status).toBe(201);
    const id = (await env.DB.prepare("SELECT id FROM subscribers WHERE login = 'links.home'").first<string>("id")) as string;
    expect(await homeLinks(id)).toEqual([expect.objectContaining({ accountNo, role: "owner", lowBalanceKop: null })]);
  });

  it("a relative's link, its alert and its removal are written in their home shard, and their pages read them there", async () => {
    const olga = await login("olga");
    expect((await olgaLinks(olga, "payer")).status).toBe(204);
    expect((await homeLinks("demo-olga")).find((l) => l.accountNo === PETR_KZN)).toMatchObject({ role: "payer", lowBalanceKop: null });
    const alert = await api(olga, `/accounts/${PETR_KZN}/low-balance`, { method: "PUT", body: JSON.stringify({ thresholdKop: 25_000 }) });
    expect(alert.status).toBeLessThan(300);
    expect((await homeLinks("demo-olga")).find((l) => l.accountNo === PETR_KZN)?.lowBalanceKop).toBe(25_000);
    // The global link gone by hand (as it will be once its table is dropped): her pages still show the account, read
    // from her home shard, with its alert.
    await env.DB.prepare("DELETE FROM account_links WHERE subscriber_id = 'demo-olga' AND account_no = ?").bind(PETR_KZN).run();
    await forgetLinksOf("demo-olga");
    expect(await accountNos(olga)).toContain(PETR_KZN);
    const insight = await api(olga, `/accounts/${PETR_KZN}/insight`);
    expect(insight.status).toBe(200);
    expect((await json<{ lowBalanceKop: number | null }>(insight)).lowBalanceKop).toBe(25_000);
    // Her removal deletes it there: the account is a 404 at once, and stays one.
    expect((await api(olga, `/accounts/${PETR_KZN}/link`, { method: "DELETE" })).status).toBe(204);
    expect((await homeLinks("demo-olga")).map((l) => l.accountNo)).not.toContain(PETR_KZN);
    expect((await api(olga, `/accounts/${PETR_KZN}`)).status).toBe(404);
    expect(await accountNos(await login("olga"))).not.toContain(PETR_KZN);
  });

  it("ten confirmations of one link's code at once make one link in the home shard", async () => {
    const maria = await login("maria");
    const since = Date.now();
    expect((await post("/api/v1/accounts/link/start", { accountNo: PETR_KZN, channel: "sms" }, { ...ip(), cookie: maria })).status).toBe(
      202,
    );
    const code = await codeSentTo("+79000000002", since);
    const tries = await Promise.all(
      Array.from({ length: 10 }, () =>
        post("/api/v1/accounts/link/confirm", { accountNo: PETR_KZN, code, role: "viewer" }, { ...ip(), cookie: maria }),
      ),
    );
    const statuses = tries.map((r) => r.status);
    expect(statuses.filter((s) => s === 204)).toHaveLength(1);
    expect(statuses.every((s) => s === 204 || (s >= 400 && s < 500))).toBe(true);
    expect((await homeLinks("demo-maria")).filter((l) => l.accountNo === PETR_KZN)).toEqual([expect.objectContaining({ role: "viewer" })]);
    expect((await api(maria, `/accounts/${PETR_KZN}/link`, { method: "DELETE" })).status).toBe(204);
  });

  it("access is the home shard's: a link only in the global table (an older release's) is a 404 until the backfill copies it; under 'global' it is read", async () => {
    const accountNo = makeAccountNo("50488800042");
    await makeContract(accountNo, "msk", { phone: "+79990008042" });
    await env.DB.prepare("INSERT INTO account_links (subscriber_id, account_no, role, created_at) VALUES ('demo-maria', ?, 'viewer', ?)")
      .bind(accountNo, Date.now())
      .run();
    await forgetLinksOf("demo-maria");
    const maria = await login("maria");
    expect((await api(maria, `/accounts/${accountNo}`)).status).toBe(404);
    // Under LINKS_STORE = "global" (the release that brings the home rows), the global link is what is read.
    const global = createDataAccess({ ...env, LINKS_STORE: "global" } as typeof env);
    const { token } = await openSession(global, await subscriberAt("demo-maria"), "password", null);
    await forgetLinksOf("demo-maria");
    expect((await findSession(global, token))?.links.map((l) => l.accountNo)).toContain(accountNo);
    expect((await requireAccount(global, "demo-maria", accountNo)).role).toBe("viewer");
    await expect(requireAccount(createDataAccess(env), "demo-maria", accountNo)).rejects.toMatchObject({ status: 404 });
    // The backfill copies it from its cursor: then it is hers by default too.
    const after = (await env.DB.prepare("SELECT max(rowid) AS r FROM account_links").first<number>("r")) as number;
    await env.DB.prepare("INSERT OR REPLACE INTO drain_cursors (plan, after, updated_at) VALUES ('subscriber_links', ?, ?)")
      .bind(after - 1, Date.now())
      .run();
    expect(await backfillLinks(rollout(), new Date(), {}, null, 10)).toMatchObject({ read: 1, copied: 1, gone: 0 });
    await forgetLinksOf("demo-maria");
    expect((await api(maria, `/accounts/${accountNo}`)).status).toBe(200);
    expect(await linksOf(createDataAccess(env), [await subscriberAt("demo-maria")], { accountNos: [accountNo] })).toEqual([
      expect.objectContaining({ accountNo, role: "viewer", region: "msk", shard: await shardOf(accountNo) }),
    ]);
    // Its removal under "global" (with no holder row yet: the holders' backfill has not reached it) takes both rows.
    await unlinkAccount(global, "demo-maria", accountNo);
    expect(await env.DB.prepare("SELECT count(*) AS n FROM account_links WHERE account_no = ?").bind(accountNo).first("n")).toBe(0);
    expect((await homeLinks("demo-maria")).map((l) => l.accountNo)).not.toContain(accountNo);
  });

  it("a change that stopped half-way: while the global links are kept, housekeeping writes or deletes the home link with the holder row by the global link", async () => {
    const data = keeping();
    const shard = await shardOf(PETR_KZN);
    const db = shardDatabase(env, shard) as D1Database;
    const long = Date.now() - HOLDER_SETTLE_MS - 1_000;
    // Olga's add died after its global link, before its settle (no home link); Maria's removal died after its global
    // delete, before the home link's.
    await db
      .prepare(
        "INSERT INTO account_holders (account_no, subscriber_id, role, home_shard, created_at, state, changed_at) VALUES (?, 'demo-olga', 'viewer', ?, ?, 'adding', ?)",
      )
      .bind(PETR_KZN, await homeOf("demo-olga"), long, long)
      .run();
    await env.DB.prepare("INSERT INTO account_links (subscriber_id, account_no, role, created_at) VALUES ('demo-olga', ?, 'payer', ?)")
      .bind(PETR_KZN, long)
      .run();
    await db
      .prepare(
        "INSERT INTO account_holders (account_no, subscriber_id, role, home_shard, created_at, state, changed_at) VALUES (?, 'demo-maria', 'viewer', ?, ?, 'removing', ?)",
      )
      .bind(PETR_KZN, await homeOf("demo-maria"), long, long)
      .run();
    await (shardDatabase(env, await homeOf("demo-maria")) as D1Database)
      .prepare("INSERT INTO subscriber_links (subscriber_id, account_no, role, created_at) VALUES ('demo-maria', ?, 'viewer', ?)")
      .bind(PETR_KZN, long)
      .run();
    // Maria's session kept a copy of her links meanwhile (Petr's account in it, as her home shard had it).
    await forgetLinksOf("demo-maria");
    const maria = await login("maria");
    expect(await accountNos(maria)).toContain(PETR_KZN);
    expect(await copiedLinks("demo-maria")).toContain(PETR_KZN);
    expect(await reconcileHolders(data, shard, new Date())).toEqual({ settled: 1, deleted: 1 });
    expect((await homeLinks("demo-olga")).find((l) => l.accountNo === PETR_KZN)).toMatchObject({ role: "payer" });
    expect((await homeLinks("demo-maria")).map((l) => l.accountNo)).not.toContain(PETR_KZN);
    // Her copy is forgotten with it: the account is a 404 at once, not for the copy's 30 days.
    expect(await copiedLinks("demo-maria")).toBeNull();
    expect((await api(maria, `/accounts/${PETR_KZN}`)).status).toBe(404);
    const olga = await login("olga");
    expect((await api(olga, `/accounts/${PETR_KZN}`)).status).toBe(200);
    expect((await api(olga, `/accounts/${PETR_KZN}/link`, { method: "DELETE" })).status).toBe(204);
  });

  it("housekeeping deletes a home link whose holder row is gone (a change that raced another), and forgets the copy that had it", async () => {
    const accountNo = makeAccountNo("50488800044");
    await makeContract(accountNo, "msk", { phone: "+79990008044" });
    const home = shardDatabase(env, await homeOf("demo-olga")) as D1Database;
    // Olga's home row of a link that no longer exists anywhere else; and a live link of hers beside it.
    await home
      .prepare("INSERT INTO subscriber_links (subscriber_id, account_no, role, created_at) VALUES ('demo-olga', ?, 'payer', ?)")
      .bind(accountNo, Date.now() - 3_600_000)
      .run();
    await forgetLinksOf("demo-olga");
    const olga = await login("olga");
    expect(await accountNos(olga)).toContain(accountNo);
    expect(await copiedLinks("demo-olga")).toContain(accountNo);
    const before = (await homeLinks("demo-olga")).length;
    const shard = await homeOf("demo-olga");
    const home2 = shardDatabase(env, shard) as D1Database;
    const total = (await home2.prepare("SELECT count(*) AS n FROM subscriber_links").first<number>("n")) as number;
    // Three links a run, on from where the last run got to: the whole table is gone over in its runs, and the orphan
    // found on the way, once.
    const data = createDataAccess(env);
    let deleted = 0;
    const cursors: string[] = [];
    for (let run = 0; run < Math.ceil(total / 3) + 1; run++) {
      deleted += await sweepHomeLinks(data, shard, 3);
      const c = await home2
        .prepare("SELECT after_subscriber AS s, after_account AS a FROM sweep_cursors WHERE sweep = 'home_links'")
        .first<{ s: string; a: string }>();
      cursors.push(`${c?.s} ${c?.a}`);
    }
    expect(deleted).toBe(1);
    expect(new Set(cursors).size).toBeGreaterThan(Math.ceil(total / 3) - 1);
    expect((await homeLinks("demo-olga")).map((l) => l.accountNo)).not.toContain(accountNo);
    expect((await homeLinks("demo-olga")).length).toBe(before - 1);
    expect(await home2.prepare("SELECT count(*) AS n FROM subscriber_links").first<number>("n")).toBe(total - 1);
    // Her copy, which had it, is forgotten with it: the account is a 404 at once.
    expect(await copiedLinks("demo-olga")).toBeNull();
    expect((await api(olga, `/accounts/${accountNo}`)).status).toBe(404);
  });

  it("housekeeping's delete of a row left half-way spares a home link made again since (dated anew)", async () => {
    const accountNo = makeAccountNo("50488800046");
    const shard = (await makeContract(accountNo, "msk", { phone: "+79990008046" })) as ShardBinding;
    const long = Date.now() - HOLDER_SETTLE_MS - 1_000;
    // A removal of Maria's link died after its global delete (her row `removing`, dated as the old link); her home row is
    // a new link's, made after it (its own date), whose global link the test leaves out: the row is housekeeping's.
    await (shardDatabase(env, shard) as D1Database)
      .prepare(
        "INSERT INTO account_holders (account_no, subscriber_id, role, home_shard, created_at, state, changed_at) VALUES (?, 'demo-maria', 'viewer', ?, ?, 'removing', ?)",
      )
      .bind(accountNo, await homeOf("demo-maria"), long, long)
      .run();
    await (shardDatabase(env, await homeOf("demo-maria")) as D1Database)
      .prepare("INSERT INTO subscriber_links (subscriber_id, account_no, role, created_at) VALUES ('demo-maria', ?, 'payer', ?)")
      .bind(accountNo, Date.now())
      .run();
    expect(await reconcileHolders(createDataAccess(env), shard, new Date())).toMatchObject({ deleted: 1 });
    expect((await homeLinks("demo-maria")).find((l) => l.accountNo === accountNo)).toMatchObject({ role: "payer" });
    // Dated as the row, it goes.
    await (shardDatabase(env, shard) as D1Database)
      .prepare(
        "INSERT INTO account_holders (account_no, subscriber_id, role, home_shard, created_at, state, changed_at) VALUES (?, 'demo-maria', 'viewer', ?, ?, 'removing', ?)",
      )
      .bind(accountNo, await homeOf("demo-maria"), long, long)
      .run();
    await (shardDatabase(env, await homeOf("demo-maria")) as D1Database)
      .prepare("UPDATE subscriber_links SET created_at = ? WHERE subscriber_id = 'demo-maria' AND account_no = ?")
      .bind(long, accountNo)
      .run();
    expect(await reconcileHolders(createDataAccess(env), shard, new Date())).toMatchObject({ deleted: 1 });
    expect((await homeLinks("demo-maria")).map((l) => l.accountNo)).not.toContain(accountNo);
  });

  it("while the global links are kept, an unlink of a link an older release made (no holder row yet) deletes its home row too: access ends at once", async () => {
    const accountNo = makeAccountNo("50488800045");
    await makeContract(accountNo, "msk", { phone: "+79990008045" });
    await env.DB.prepare("INSERT INTO account_links (subscriber_id, account_no, role, created_at) VALUES ('demo-maria', ?, 'viewer', ?)")
      .bind(accountNo, Date.now())
      .run();
    await (shardDatabase(env, await homeOf("demo-maria")) as D1Database)
      .prepare("INSERT INTO subscriber_links (subscriber_id, account_no, role, created_at) VALUES ('demo-maria', ?, 'viewer', ?)")
      .bind(accountNo, Date.now())
      .run();
    await forgetLinksOf("demo-maria");
    const maria = await login("maria");
    expect((await api(maria, `/accounts/${accountNo}`)).status).toBe(200);
    // (Without them every link has its row: one found without is a relink in another tab that took it over, not this.)
    await unlinkAccount(keeping(), "demo-maria", accountNo);
    await forgetLinksOf("demo-maria"); // as the route does around it
    expect((await homeLinks("demo-maria")).map((l) => l.accountNo)).not.toContain(accountNo);
    expect((await api(maria, `/accounts/${accountNo}`)).status).toBe(404);
  });

  it("an account moved to another shard is read there through the directory: the home link names no shard", async () => {
    const anna = await login("anna");
    const mine = await accountNos(anna);
    let moved: string | null = null;
    for (const a of mine) if ((await shardOf(a)) === "DB_MOSCOW") moved = a;
    if (!moved) throw new Error("Anna has no account on DB_MOSCOW");
    const before = await homeLinks("demo-anna");
    const holder = (await json<{ holderName: string }>(await api(anna, `/accounts/${moved}`))).holderName;
    const view = await moveAccount(createDataAccess(env), moved, "DB_MOSCOW_2", { graceMs: 0 });
    expect(view.step).toBe("done");
    expect(await homeLinks("demo-anna")).toEqual(before);
    const after = await api(anna, `/accounts/${moved}`);
    expect(after.status).toBe(200);
    expect((await json<{ accountNo: string; holderName: string }>(after)).holderName).toBe(holder);
    const links = await linksOf(createDataAccess(env), [await subscriberAt("demo-anna")], { accountNos: [moved] });
    expect(links).toEqual([expect.objectContaining({ shard: "DB_MOSCOW_2" })]);
  });
});

describe("the backfill of an older release's links to the home shards", () => {
  it("while the readers read the global links (LINKS_STORE = global), goes over them a page at a time and copies every link; after, it never starts", async () => {
    const home = shardDatabase(env, await homeOf("demo-petr")) as D1Database;
    await home.prepare("DELETE FROM subscriber_links WHERE subscriber_id = 'demo-petr'").run();
    await env.DB.prepare("DELETE FROM drain_cursors WHERE plan = 'subscriber_links'").run();
    // Without them (the default): nothing to copy, and a page queued before does nothing.
    expect(await startLinksBackfill(createDataAccess(env), env.BILLING)).toBe(false);
    expect(await backfillLinks(createDataAccess(env), new Date(), {}, null, 10)).toEqual({ read: 0, copied: 0, gone: 0, handedOn: false });
    expect(await home.prepare("SELECT count(*) AS n FROM subscriber_links WHERE subscriber_id = 'demo-petr'").first("n")).toBe(0);
    const last = await env.DB.prepare("SELECT max(rowid) AS r FROM account_links").first<number>("r");
    const cursor = () => env.DB.prepare("SELECT after FROM drain_cursors WHERE plan = 'subscriber_links'").first<number>("after");
    for (let page = 0; page < 100 && (await cursor()) !== last; page++) await backfillLinks(rollout(), new Date(), {}, null, 10);
    expect(await cursor()).toBe(last);
    const global = await env.DB.prepare(
      "SELECT account_no AS a, role FROM account_links WHERE subscriber_id = 'demo-petr' ORDER BY account_no",
    ).all<{
      a: string;
      role: string;
    }>();
    expect((await homeLinks("demo-petr")).map((l) => ({ a: l.accountNo, role: l.role }))).toEqual(global.results);
  }, 90_000);

  it("deletes its copy of a link removed while its page was on its way, and takes an alert set meanwhile", async () => {
    const accountNo = makeAccountNo("50488800043");
    await makeContract(accountNo, "msk", { phone: "+79990008043" });
    const after = (await env.DB.prepare("SELECT max(rowid) AS r FROM account_links").first<number>("r")) as number;
    await env.DB.prepare("INSERT OR REPLACE INTO drain_cursors (plan, after, updated_at) VALUES ('subscriber_links', ?, ?)")
      .bind(after, Date.now())
      .run();
    const made = Date.now() - 60_000;
    for (const who of ["demo-olga", "demo-maria"])
      await env.DB.prepare("INSERT INTO account_links (subscriber_id, account_no, role, created_at) VALUES (?, ?, 'viewer', ?)")
        .bind(who, accountNo, made)
        .run();
    const olgaHome = await homeOf("demo-olga");
    // Olga's sessions keep a copy of her links meanwhile.
    await forgetLinksOf("demo-olga");
    expect((await api(await login("olga"), "/accounts")).status).toBe(200);
    expect(await copiedLinks("demo-olga")).not.toBeNull();
    // Between the page's read and its copies: Olga's link removed; Maria's alert set (her link had no home row yet).
    const raced = new Proxy(env, {
      get(t, p) {
        if (p === "LINKS_STORE") return "global";
        const v = Reflect.get(t, p, t);
        if (p !== olgaHome) return v;
        return beforeEachRun(v as D1Database, /INSERT INTO subscriber_links/, async () => {
          await env.DB.prepare("DELETE FROM account_links WHERE subscriber_id = 'demo-olga' AND account_no = ?").bind(accountNo).run();
          await env.DB.prepare("UPDATE account_links SET low_balance_kop = 9900 WHERE subscriber_id = 'demo-maria' AND account_no = ?")
            .bind(accountNo)
            .run();
        });
      },
    });
    const page = await backfillLinks(createDataAccess(raced as typeof env), new Date(), {}, null, 10);
    expect(page).toMatchObject({ read: 2, gone: 1 });
    expect((await homeLinks("demo-olga")).map((l) => l.accountNo)).not.toContain(accountNo);
    // Her copy is forgotten: one kept between the page's copy and its delete would have held the removed link.
    expect(await copiedLinks("demo-olga")).toBeNull();
    expect((await homeLinks("demo-maria")).find((l) => l.accountNo === accountNo)).toMatchObject({ role: "viewer", lowBalanceKop: 9900 });
  });
});
