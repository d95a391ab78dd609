import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { confirmLink, setLowBalance, unlinkAccount } from "../../worker/features/accounts/accounts.service";
import { backfillHolders, startHoldersBackfill } from "../../worker/features/accounts/holders.backfill";
import { completeRegistration } from "../../worker/features/auth/flows.service";
import { cleanExpired, GLOBAL_LINKS_GRACE_MS } from "../../worker/features/housekeeping/housekeeping.service";
import { consumeNotifications, type Delivery } from "../../worker/features/notifications/notifications.consumer";
import type { NotificationMessage } from "../../worker/features/notifications/notifications.messages";
import { createDataAccess, d1Of, type ShardBinding, shardDatabase } from "../../worker/platform/db";
import { dropHolders, HOLDER_SETTLE_MS, holdersWithin, reconcileHolders, sweepHomeLinks } from "../../worker/platform/holders";
import { makeAccountNo } from "../../worker/platform/ids";
import {
  api,
  beforeEachRun,
  codeSentTo,
  forgetLinksOf,
  json,
  login,
  makeContract,
  notificationBatch,
  post,
  registerBy,
  subscriberAt,
} from "./helpers";

/**
 * The release without global links (`GLOBAL_LINKS = "drop"`, the default; issue 20): a link is the account's holder row
 * and the subscriber's home link alone. No change of a link writes `account_links`; housekeeping settles a change that
 * stopped half-way by the home link its settle wrote and finishes a removal; the sweep deletes a home link with no
 * holder row; the backfills, which copy from the global table, never start; a bank credit's accounts past the shards
 * its invocation reads are told through `holders` messages.
 */

const PETR_KZN = makeAccountNo("40300000005");
const keeping = () => createDataAccess({ ...env, GLOBAL_LINKS: "keep" } as typeof env);

const globalLinks = () => env.DB.prepare("SELECT count(*) AS n FROM account_links").first<number>("n");
const homeOf = async (id: string) => (await subscriberAt(id)).homeShard as ShardBinding;
const shardDb = (shard: string) => shardDatabase(env, shard as ShardBinding) as D1Database;
const homeLink = async (id: string, accountNo: string) =>
  shardDb(await homeOf(id))
    .prepare(
      "SELECT role, low_balance_kop AS lowBalanceKop, created_at AS createdAt FROM subscriber_links WHERE subscriber_id = ? AND account_no = ?",
    )
    .bind(id, accountNo)
    .first<{ role: string; lowBalanceKop: number | null; createdAt: number }>();
const holderRow = (shard: string, id: string, accountNo: string) =>
  shardDb(shard)
    .prepare("SELECT role, state, low_balance_kop AS lowBalanceKop FROM account_holders WHERE subscriber_id = ? AND account_no = ?")
    .bind(id, accountNo)
    .first<{ role: string; state: string | null; lowBalanceKop: number | null }>();
const accountNos = async (cookie: string) =>
  (await json<{ items: { accountNo: string }[] }>(await api(cookie, "/accounts"))).items.map((a) => a.accountNo);

let address = 0;
const ip = () => ({ "cf-connecting-ip": `198.51.100.${200 + ++address}` });

/** Asks for a relative's link code as a subscriber does (202 expected) and reads it where the contract's phone gets it. */
async function askLinkCode(cookie: string, accountNo: string, phone: string) {
  const asked = Date.now();
  expect((await post("/api/v1/accounts/link/start", { accountNo, channel: "sms" }, { ...ip(), cookie })).status).toBe(202);
  return codeSentTo(phone, asked);
}

/** A holder row as a change that stopped `ago` ms ago left it, and (with `home`) the home link its settle wrote. */
async function leftHalfWay(
  shard: string,
  id: string,
  accountNo: string,
  state: "adding" | "removing",
  opts: { home?: number; at?: number; role?: string } = {},
) {
  const at = opts.at ?? Date.now() - HOLDER_SETTLE_MS - 1_000;
  await shardDb(shard)
    .prepare(
      "INSERT INTO account_holders (account_no, subscriber_id, role, home_shard, created_at, state, changed_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(accountNo, id, opts.role ?? "viewer", await homeOf(id), at, state, at)
    .run();
  if (opts.home !== undefined)
    await shardDb(await homeOf(id))
      .prepare("INSERT INTO subscriber_links (subscriber_id, account_no, role, created_at) VALUES (?, ?, ?, ?)")
      .bind(id, accountNo, opts.role ?? "viewer", opts.home)
      .run();
}

describe("the links without the global table (GLOBAL_LINKS = drop)", () => {
  it("a registration, a relative's link, its alert and its removal write no global link, and each still works", async () => {
    const before = await globalLinks();
    // A registration: its owner's holder row settled, their home link, their pages.
    const accountNo = makeAccountNo("50488800061");
    const phone = "+79990008061";
    const shard = await makeContract(accountNo, "msk", { phone });
    const made = await registerBy("phone", phone, "links.dropped", "no global links here", ip);
    expect(made.status).toBe(201);
    const id = (await env.DB.prepare("SELECT id FROM subscribers WHERE login = 'links.dropped'").first<string>("id")) as string;
    expect(await holderRow(shard, id, accountNo)).toEqual({ role: "owner", state: null, lowBalanceKop: null });
    expect(await homeLink(id, accountNo)).toMatchObject({ role: "owner" });
    expect(await accountNos(await login("links.dropped", "no global links here"))).toEqual([accountNo]);
    // Olga links Petr's Kazan account, sets an alert on it, and removes it.
    const olga = await login("olga");
    const linkCode = await askLinkCode(olga, PETR_KZN, "+79000000002");
    expect(
      (await post("/api/v1/accounts/link/confirm", { accountNo: PETR_KZN, code: linkCode, role: "payer" }, { ...ip(), cookie: olga }))
        .status,
    ).toBe(204);
    const kzn = (await env.DB.prepare("SELECT shard FROM account_directory WHERE account_no = ?")
      .bind(PETR_KZN)
      .first<string>("shard")) as string;
    expect(await holderRow(kzn, "demo-olga", PETR_KZN)).toMatchObject({ role: "payer", state: null });
    const alert = await api(olga, `/accounts/${PETR_KZN}/low-balance`, { method: "PUT", body: JSON.stringify({ thresholdKop: 31_000 }) });
    expect(alert.status).toBeLessThan(300);
    expect(await holderRow(kzn, "demo-olga", PETR_KZN)).toMatchObject({ lowBalanceKop: 31_000 });
    expect(await homeLink("demo-olga", PETR_KZN)).toMatchObject({ lowBalanceKop: 31_000 });
    expect((await api(olga, `/accounts/${PETR_KZN}/insight`)).status).toBe(200);
    expect((await api(olga, `/accounts/${PETR_KZN}/link`, { method: "DELETE" })).status).toBe(204);
    expect(await holderRow(kzn, "demo-olga", PETR_KZN)).toBeNull();
    expect(await homeLink("demo-olga", PETR_KZN)).toBeNull();
    expect((await api(olga, `/accounts/${PETR_KZN}`)).status).toBe(404);
    // Not one global link was written or deleted.
    expect(await globalLinks()).toBe(before);
  });

  it("housekeeping settles a row whose change was made (its home link, a registration's subscriber, a global link written with or after it), deletes the rest, finishes a removal", async () => {
    const accountNo = makeAccountNo("50488800062");
    const owned = makeAccountNo("50488800069");
    const unowned = makeAccountNo("50488800070");
    const shard = (await makeContract(accountNo, "msk", { phone: "+79990008062" })) as ShardBinding;
    await makeContract(owned, "msk", { phone: "+79990008069" });
    await makeContract(unowned, "msk", { phone: "+79990008070" });
    const long = Date.now() - HOLDER_SETTLE_MS - 1_000;
    // Olga's add died after its home link, before the row was settled: settled.
    await leftHalfWay(shard, "demo-olga", accountNo, "adding", { home: long, at: long, role: "payer" });
    // Maria's died before its home link, after the global link a Worker that kept them wrote (the flip under way):
    // settled by it, her home link written.
    await leftHalfWay(shard, "demo-maria", accountNo, "adding", { at: long });
    await env.DB.prepare("INSERT INTO account_links (subscriber_id, account_no, role, created_at) VALUES ('demo-maria', ?, 'viewer', ?)")
      .bind(accountNo, long)
      .run();
    // Petr's home link is an older one's (another date), and no global link: his row is deleted, the link left to the sweep.
    await leftHalfWay(shard, "demo-petr", accountNo, "adding", { home: long - 5_000, at: long });
    // Anna's removal died before her home link went: finished, her copy of her links forgotten.
    await leftHalfWay(shard, "demo-anna", accountNo, "removing", { home: long, at: long });
    // A registration whose settle failed: its owner row dated as the subscriber's row was written — settled; an owner
    // row of someone registered at another time — deleted.
    const since = (await env.DB.prepare("SELECT created_at AS c FROM subscribers WHERE id = 'demo-maria'").first<number>("c")) as number;
    await leftHalfWay(shard, "demo-maria", owned, "adding", { at: since, role: "owner" });
    await shardDb(shard).prepare("UPDATE account_holders SET changed_at = ? WHERE account_no = ?").bind(long, owned).run();
    await leftHalfWay(shard, "demo-petr", unowned, "adding", { at: long, role: "owner" });
    // Olga's relink of a link removed while its global delete failed: the global link is older than her row (not the
    // change's): deleted.
    await leftHalfWay(shard, "demo-olga", unowned, "adding", { at: long });
    await env.DB.prepare("INSERT INTO account_links (subscriber_id, account_no, role, created_at) VALUES ('demo-olga', ?, 'payer', ?)")
      .bind(unowned, long - 86_400_000)
      .run();
    await forgetLinksOf("demo-anna");
    const anna = await login("anna");
    expect(await accountNos(anna)).toContain(accountNo);
    // Not yet: a change may take its time.
    expect(await reconcileHolders(createDataAccess(env), shard, new Date(Date.now() - HOLDER_SETTLE_MS))).toEqual({
      settled: 0,
      deleted: 0,
    });
    expect(await reconcileHolders(createDataAccess(env), shard, new Date())).toEqual({ settled: 3, deleted: 4 });
    expect(await holderRow(shard, "demo-olga", unowned)).toBeNull();
    expect(await homeLink("demo-olga", unowned)).toBeNull();
    expect(await holderRow(shard, "demo-olga", accountNo)).toMatchObject({ role: "payer", state: null });
    expect(await homeLink("demo-olga", accountNo)).toMatchObject({ role: "payer" });
    expect(await accountNos(await login("olga"))).toContain(accountNo);
    expect(await holderRow(shard, "demo-maria", accountNo)).toMatchObject({ role: "viewer", state: null });
    expect(await homeLink("demo-maria", accountNo)).toMatchObject({ role: "viewer", createdAt: long });
    expect(await holderRow(shard, "demo-maria", owned)).toMatchObject({ role: "owner", state: null });
    expect(await homeLink("demo-maria", owned)).toMatchObject({ role: "owner", createdAt: since });
    expect(await accountNos(await login("maria"))).toEqual(expect.arrayContaining([accountNo, owned]));
    expect(await holderRow(shard, "demo-petr", accountNo)).toBeNull();
    expect(await homeLink("demo-petr", accountNo)).toMatchObject({ createdAt: long - 5_000 });
    expect(await holderRow(shard, "demo-petr", unowned)).toBeNull();
    expect(await homeLink("demo-petr", unowned)).toBeNull();
    expect(await holderRow(shard, "demo-anna", accountNo)).toBeNull();
    expect(await homeLink("demo-anna", accountNo)).toBeNull();
    expect((await api(anna, `/accounts/${accountNo}`)).status).toBe(404);
    // A second run finds nothing left.
    expect(await reconcileHolders(createDataAccess(env), shard, new Date())).toEqual({ settled: 0, deleted: 0 });
  });

  it("a row whose home shard is not bound here is decided without a home link (deleted, logged), not left to hold up the page", async () => {
    const accountNo = makeAccountNo("50488800063");
    const shard = (await makeContract(accountNo, "msk", { phone: "+79990008063" })) as ShardBinding;
    const long = Date.now() - HOLDER_SETTLE_MS - 1_000;
    await shardDb(shard)
      .prepare(
        "INSERT INTO account_holders (account_no, subscriber_id, role, home_shard, created_at, state, changed_at) VALUES (?, 'demo-olga', 'viewer', 'DB_NOWHERE', ?, 'adding', ?)",
      )
      .bind(accountNo, long, long)
      .run();
    expect(await reconcileHolders(createDataAccess(env), shard, new Date())).toEqual({ settled: 0, deleted: 1 });
    expect(await holderRow(shard, "demo-olga", accountNo)).toBeNull();
  });

  it("an owner whose registration's settle failed, linking their contract as a relative, stays its owner", async () => {
    const accountNo = makeAccountNo("50488800076");
    const shard = (await makeContract(accountNo, "msk", { phone: "+79990008076" })) as ShardBinding;
    const at = Date.now() - 60_000;
    await leftHalfWay(shard, "demo-maria", accountNo, "adding", { at, role: "owner" });
    const maria = await login("maria");
    const code = await askLinkCode(maria, accountNo, "+79990008076");
    expect((await post("/api/v1/accounts/link/confirm", { accountNo, code, role: "payer" }, { ...ip(), cookie: maria })).status).toBe(204);
    expect(await holderRow(shard, "demo-maria", accountNo)).toMatchObject({ role: "owner", state: null });
    expect(await homeLink("demo-maria", accountNo)).toMatchObject({ role: "owner" });
    expect((await api(maria, `/accounts/${accountNo}/link`, { method: "DELETE" })).status).toBe(409);
  });

  it("an add's undo takes only the row that add wrote, not one another add of the link took over since", async () => {
    const accountNo = makeAccountNo("50488800077");
    const shard = (await makeContract(accountNo, "msk", { phone: "+79990008077" })) as ShardBinding;
    const mine = new Date(Date.now() - 5_000);
    const theirs = Date.now();
    await leftHalfWay(shard, "demo-olga", accountNo, "adding", { at: theirs });
    const row = { accountNo, shard };
    expect(await dropHolders(createDataAccess(env), [row], "demo-olga", "adding", mine)).toBe(0);
    expect(await holderRow(shard, "demo-olga", accountNo)).toMatchObject({ state: "adding" });
    expect(await dropHolders(createDataAccess(env), [row], "demo-olga", "adding", new Date(theirs))).toBe(1);
    expect(await holderRow(shard, "demo-olga", accountNo)).toBeNull();
  });

  it("a relative's link whose settle fails is undone and its code given back: the retry with the same code makes it", async () => {
    const relative = makeAccountNo("50488800073");
    await makeContract(relative, "msk", { phone: "+79990008073" });
    const olga = await login("olga");
    const code = await askLinkCode(olga, relative, "+79990008073");
    const home = await homeOf("demo-olga");
    const down = new Proxy(env, {
      get(t, p) {
        const v = Reflect.get(t, p, t);
        if (p !== home) return v;
        return beforeEachRun(v as D1Database, /INSERT INTO subscriber_links/, async () => {
          throw new Error("home shard down");
        });
      },
    });
    await expect(confirmLink(createDataAccess(down as typeof env), "demo-olga", relative, code, "payer", "198.51.100.250")).rejects.toThrow(
      /home shard down/,
    );
    const kzn = (await env.DB.prepare("SELECT shard FROM account_directory WHERE account_no = ?")
      .bind(relative)
      .first<string>("shard")) as string;
    expect(await holderRow(kzn, "demo-olga", relative)).toBeNull();
    expect(await homeLink("demo-olga", relative)).toBeNull();
    expect((await api(olga, `/accounts/${relative}`)).status).toBe(404);
    const again = await post("/api/v1/accounts/link/confirm", { accountNo: relative, code, role: "payer" }, { ...ip(), cookie: olga });
    expect(again.status).toBe(204);
    expect(await holderRow(kzn, "demo-olga", relative)).toMatchObject({ state: null, role: "payer" });
    expect((await api(olga, `/accounts/${relative}/link`, { method: "DELETE" })).status).toBe(204);
  });

  it("an unlink of a home link left without its holder row (a change that raced another) ends access at once", async () => {
    const accountNo = makeAccountNo("50488800080");
    await makeContract(accountNo, "msk", { phone: "+79990008080" });
    await shardDb(await homeOf("demo-olga"))
      .prepare("INSERT INTO subscriber_links (subscriber_id, account_no, role, created_at) VALUES ('demo-olga', ?, 'viewer', ?)")
      .bind(accountNo, Date.now() - 3_600_000)
      .run();
    await forgetLinksOf("demo-olga");
    const olga = await login("olga");
    expect((await api(olga, `/accounts/${accountNo}`)).status).toBe(200);
    expect((await api(olga, `/accounts/${accountNo}/link`, { method: "DELETE" })).status).toBe(204);
    expect(await homeLink("demo-olga", accountNo)).toBeNull();
    expect((await api(olga, `/accounts/${accountNo}`)).status).toBe(404);
  });

  it("the sweep deletes a home link with no holder row (a global link notwithstanding) and keeps one whose row is there in any state", async () => {
    const home = await homeOf("demo-olga");
    const orphan = makeAccountNo("50488800064");
    const adding = makeAccountNo("50488800065");
    const unknown = makeAccountNo("50488800066");
    await makeContract(orphan, "msk", { phone: "+79990008064" });
    const addingShard = await makeContract(adding, "msk", { phone: "+79990008065" });
    const at = Date.now() - 3_600_000;
    // No holder row, but a global link an older release left: deleted.
    await shardDb(home)
      .prepare("INSERT INTO subscriber_links (subscriber_id, account_no, role, created_at) VALUES ('demo-olga', ?, 'viewer', ?)")
      .bind(orphan, at)
      .run();
    await env.DB.prepare("INSERT INTO account_links (subscriber_id, account_no, role, created_at) VALUES ('demo-olga', ?, 'viewer', ?)")
      .bind(orphan, at)
      .run();
    // A change under way (its row `adding`, just written): kept.
    await leftHalfWay(addingShard, "demo-olga", adding, "adding", { home: Date.now(), at: Date.now() });
    // An account the directory does not know: deleted.
    await shardDb(home)
      .prepare("INSERT INTO subscriber_links (subscriber_id, account_no, role, created_at) VALUES ('demo-olga', ?, 'viewer', ?)")
      .bind(unknown, at)
      .run();
    const mine = (
      await shardDb(home).prepare("SELECT account_no AS a FROM subscriber_links WHERE subscriber_id = 'demo-olga'").all<{ a: string }>()
    ).results
      .map((r) => r.a)
      .filter((a) => ![orphan, unknown].includes(a));
    await shardDb(home).prepare("DELETE FROM sweep_cursors").run();
    const total = (await shardDb(home).prepare("SELECT count(*) AS n FROM subscriber_links").first<number>("n")) as number;
    expect(await sweepHomeLinks(createDataAccess(env), home, total + 1)).toBe(2);
    expect(await homeLink("demo-olga", orphan)).toBeNull();
    expect(await homeLink("demo-olga", unknown)).toBeNull();
    // Everything else of hers (the demo's links, the one under way) is there still.
    const left = (
      await shardDb(home).prepare("SELECT account_no AS a FROM subscriber_links WHERE subscriber_id = 'demo-olga'").all<{ a: string }>()
    ).results.map((r) => r.a);
    expect(left.sort()).toEqual(mine.sort());
    expect(left).toContain(adding);
    // Nothing else in the shard was taken.
    expect(await shardDb(home).prepare("SELECT count(*) AS n FROM subscriber_links").first<number>("n")).toBe(total - 2);
    await shardDb(addingShard).prepare("DELETE FROM account_holders WHERE account_no = ?").bind(adding).run();
    await shardDb(home).prepare("DELETE FROM subscriber_links WHERE account_no = ?").bind(adding).run();
  });

  it("while the global links are kept, the sweep spares a home link whose holder row is there though its global link is not", async () => {
    const home = await homeOf("demo-maria");
    const held = makeAccountNo("50488800067");
    const gone = makeAccountNo("50488800068");
    const heldShard = await makeContract(held, "msk", { phone: "+79990008067" });
    await makeContract(gone, "msk", { phone: "+79990008068" });
    const at = Date.now() - 3_600_000;
    // A link made under "drop" by a newer Worker beside this one (a flip under way): its row and home link, no global link.
    await shardDb(heldShard)
      .prepare(
        "INSERT INTO account_holders (account_no, subscriber_id, role, home_shard, created_at) VALUES (?, 'demo-maria', 'viewer', ?, ?)",
      )
      .bind(held, home, at)
      .run();
    for (const a of [held, gone])
      await shardDb(home)
        .prepare("INSERT INTO subscriber_links (subscriber_id, account_no, role, created_at) VALUES ('demo-maria', ?, 'viewer', ?)")
        .bind(a, at)
        .run();
    await shardDb(home).prepare("DELETE FROM sweep_cursors").run();
    const total = (await shardDb(home).prepare("SELECT count(*) AS n FROM subscriber_links").first<number>("n")) as number;
    expect(await sweepHomeLinks(keeping(), home, total + 1)).toBe(1);
    expect(await homeLink("demo-maria", held)).not.toBeNull();
    expect(await homeLink("demo-maria", gone)).toBeNull();
    expect(await accountNos(await login("maria"))).toContain(held);
    await shardDb(heldShard).prepare("DELETE FROM account_holders WHERE account_no = ?").bind(held).run();
    await shardDb(home).prepare("DELETE FROM subscriber_links WHERE account_no = ?").bind(held).run();
  });

  it("the holders' backfill, which copies the global table, never starts, and a page queued before does nothing", async () => {
    await env.DB.prepare("DELETE FROM drain_cursors WHERE plan = 'account_holders'").run();
    expect(await startHoldersBackfill(createDataAccess(env), env.BILLING)).toBe(false);
    expect(await backfillHolders(createDataAccess(env), new Date(), { run: "queued-before" }, null, 10)).toEqual({
      read: 0,
      copied: 0,
      settled: 0,
      gone: 0,
      handedOn: false,
    });
    expect(await env.DB.prepare("SELECT count(*) AS n FROM drain_cursors WHERE plan = 'account_holders'").first("n")).toBe(0);
  });
});

describe("while the global links are kept (GLOBAL_LINKS = keep, production's until its flip)", () => {
  const globalLink = (id: string, accountNo: string) =>
    env.DB.prepare("SELECT role, low_balance_kop AS lowBalanceKop FROM account_links WHERE subscriber_id = ? AND account_no = ?")
      .bind(id, accountNo)
      .first<{ role: string; lowBalanceKop: number | null }>();

  it("a registration, a relative's link, its alert and its removal write the global link beside the rows", async () => {
    const relative = makeAccountNo("50488800074");
    await makeContract(relative, "msk", { phone: "+79990008074" });
    const accountNo = makeAccountNo("50488800072");
    const phone = "+79990008072";
    const shard = await makeContract(accountNo, "msk", { phone });
    const since = Date.now();
    expect((await post("/api/v1/auth/register/start", { by: "phone", phone }, ip())).status).toBe(202);
    const code = await codeSentTo(phone, since);
    const made = await completeRegistration(
      keeping(),
      { by: "phone", phone, code, login: "links.kept", password: "global links kept" },
      { address: "198.51.100.251", userAgent: null },
    );
    expect(await globalLink(made.subscriber.id, accountNo)).toMatchObject({ role: "owner" });
    expect(await holderRow(shard, made.subscriber.id, accountNo)).toMatchObject({ role: "owner", state: null });
    expect(await homeLink(made.subscriber.id, accountNo)).toMatchObject({ role: "owner" });
    const olga = await login("olga");
    const linkCode = await askLinkCode(olga, relative, "+79990008074");
    await confirmLink(keeping(), "demo-olga", relative, linkCode, "viewer", "198.51.100.252");
    expect(await globalLink("demo-olga", relative)).toEqual({ role: "viewer", lowBalanceKop: null });
    expect(await homeLink("demo-olga", relative)).toMatchObject({ role: "viewer" });
    await setLowBalance(keeping(), "demo-olga", relative, 12_300);
    expect(await globalLink("demo-olga", relative)).toEqual({ role: "viewer", lowBalanceKop: 12_300 });
    expect(await homeLink("demo-olga", relative)).toMatchObject({ lowBalanceKop: 12_300 });
    await unlinkAccount(keeping(), "demo-olga", relative);
    expect(await globalLink("demo-olga", relative)).toBeNull();
    expect(await homeLink("demo-olga", relative)).toBeNull();
  });

  it("housekeeping settles a row whose home link a Worker without them wrote (the flip under way), though it has no global link", async () => {
    const accountNo = makeAccountNo("50488800078");
    const shard = (await makeContract(accountNo, "msk", { phone: "+79990008078" })) as ShardBinding;
    const long = Date.now() - HOLDER_SETTLE_MS - 1_000;
    await leftHalfWay(shard, "demo-olga", accountNo, "adding", { home: long, at: long, role: "payer" });
    await leftHalfWay(shard, "demo-maria", accountNo, "adding", { at: long });
    expect(await reconcileHolders(keeping(), shard, new Date())).toEqual({ settled: 1, deleted: 1 });
    expect(await holderRow(shard, "demo-olga", accountNo)).toMatchObject({ role: "payer", state: null });
    expect(await holderRow(shard, "demo-maria", accountNo)).toBeNull();
  });

  it("without them an unlink still deletes the global link an older release made, which would outlive it beside a Worker that keeps them", async () => {
    const relative = makeAccountNo("50488800075");
    await makeContract(relative, "msk", { phone: "+79990008075" });
    const olga = await login("olga");
    const linkCode = await askLinkCode(olga, relative, "+79990008075");
    await confirmLink(keeping(), "demo-olga", relative, linkCode, "payer", "198.51.100.253");
    expect(await globalLink("demo-olga", relative)).toMatchObject({ role: "payer" });
    await unlinkAccount(createDataAccess(env), "demo-olga", relative);
    expect(await globalLink("demo-olga", relative)).toBeNull();
    expect(await homeLink("demo-olga", relative)).toBeNull();
  });
});

describe("a notice for accounts on more shards than an invocation reads", () => {
  /** Consumes one batch, as the queue would, and returns what it queued. */
  async function consumeOnce(bodies: NotificationMessage[]) {
    const queued: NotificationMessage[] = [];
    const acked: boolean[] = [];
    const dl = {
      queue: {
        send: async (body: NotificationMessage) => void queued.push(body),
        sendBatch: async (ms: { body: NotificationMessage }[]) => void queued.push(...ms.map((m) => m.body)),
      },
      now: () => new Date(),
    } as unknown as Delivery;
    await consumeNotifications(notificationBatch(bodies, acked, "holders-m"), env, dl);
    return { queued, acked };
  }

  it("reads the holders on the first shards and names the accounts on the others, whose `holders` message tells each holder once", async () => {
    const data = createDataAccess(env);
    // Anna's and Petr's accounts, on their shards (at least two of them).
    const rows = (
      await env.DB.prepare(
        "SELECT d.account_no AS accountNo, d.shard FROM account_directory d WHERE d.account_no IN (SELECT account_no FROM account_links WHERE subscriber_id IN ('demo-anna', 'demo-petr')) ORDER BY d.shard, d.account_no",
      ).all<{ accountNo: string; shard: string }>()
    ).results;
    const shards = [...new Set(rows.map((r) => r.shard))];
    expect(shards.length).toBeGreaterThan(1);
    const nos = rows.map((r) => r.accountNo);
    const all = await holdersWithin(data, nos, Number.POSITIVE_INFINITY);
    expect(all.beyond).toEqual([]);
    const one = await holdersWithin(data, nos, 1);
    const first = new Set(one.holders.map((h) => h.accountNo));
    // Each account is either read or named, never both, never neither.
    expect(one.beyond.every((b) => !first.has(b.accountNo))).toBe(true);
    expect(new Set([...one.beyond.map((b) => b.accountNo), ...first]).size).toBe(new Set(all.holders.map((h) => h.accountNo)).size);
    expect(new Set(one.beyond.map((b) => b.shard)).size).toBe(shards.length - 1);
    // The `holders` message of one named shard: an event for each of its accounts' holders, with the producer's id.
    const shard = one.beyond[0]?.shard as ShardBinding;
    const named = one.beyond.filter((b) => b.shard === shard);
    const events = named.map((b) => ({
      eventId: `bank:test-line:${b.accountNo}`,
      kind: "payment_credited" as const,
      accountNo: b.accountNo,
      params: { amountKop: 150_00, method: "bank" },
    }));
    const { queued, acked } = await consumeOnce([{ channel: "holders", shard, events }]);
    expect(acked).toEqual([true]);
    const expected = all.holders
      .filter((h) => named.some((b) => b.accountNo === h.accountNo))
      .map((h) => `${h.subscriberId} bank:test-line:${h.accountNo}`)
      .sort();
    expect(expected.length).toBeGreaterThan(0);
    expect(queued.map((m) => (m.channel === "event" ? `${m.subscriberId} ${m.eventId}` : m.channel)).sort()).toEqual(expected);
    // A message that names a shard its account is no longer on (a move since): handed on for the shard it is on now.
    const elsewhere = shards.find((s) => s !== shard) as ShardBinding;
    const movedOn = await consumeOnce([{ channel: "holders", shard: elsewhere, events: [events[0] as (typeof events)[number]] }]);
    expect(movedOn.acked).toEqual([true]);
    expect(movedOn.queued).toEqual([{ channel: "holders", shard, events: [events[0]] }]);
    // An account with no holder on the shard the directory names (a contract nobody registered): nobody, nothing handed on.
    const nobody = makeAccountNo("50488800079");
    const nobodyShard = (await makeContract(nobody, "msk", { phone: "+79990008079" })) as ShardBinding;
    const none = await consumeOnce([
      { channel: "holders", shard: nobodyShard, events: [{ ...(events[0] as (typeof events)[number]), accountNo: nobody }] },
    ]);
    expect(none.acked).toEqual([true]);
    expect(none.queued).toEqual([]);
    // A shard this deployment does not bind is retried (then kept with the dead letters), not dropped.
    const lost = await consumeOnce([{ channel: "holders", shard: "DB_NOWHERE", events }]);
    expect(lost.acked).toEqual([false]);
    expect(lost.queued).toEqual([]);
    // A malformed one (too many accounts for a message) is refused as such.
    const many = Array.from({ length: 51 }, (_, i) => ({ ...events[0], eventId: `bank:x:${i}` })) as typeof events;
    const refused = await consumeOnce([{ channel: "holders", shard, events: many }]);
    expect(refused.queued).toEqual([]);
  });

  it("tells every holder of an account held by more than a message's room, by id, going on in a message of its own after the last told", async () => {
    const crowded = makeAccountNo("50488800081");
    const shard = (await makeContract(crowded, "msk", { phone: "+79990008081" })) as ShardBinding;
    const db = d1Of(createDataAccess(env).shard(shard));
    // 503 settled holders: an owner (whose id sorts last) and 502 viewers.
    const ids = ["zz-owner", ...Array.from({ length: 502 }, (_, i) => `crowd-${String(i).padStart(3, "0")}`)];
    for (let i = 0; i < ids.length; i += 50)
      await db.batch(
        ids
          .slice(i, i + 50)
          .map((id) =>
            db
              .prepare("INSERT INTO account_holders (account_no, subscriber_id, role, home_shard, created_at) VALUES (?, ?, ?, ?, ?)")
              .bind(crowded, id, id === "zz-owner" ? "owner" : "viewer", shard, Date.now()),
          ),
      );
    // An ordinary account of the same shard after it in the message: the room is spent on the crowded one first.
    const ordinary = makeAccountNo("50488800083");
    await makeContract(ordinary, "msk", { phone: "+79990008083" });
    await db
      .prepare(
        "INSERT INTO account_holders (account_no, subscriber_id, role, home_shard, created_at) VALUES (?, 'plain-owner', 'owner', ?, ?)",
      )
      .bind(ordinary, shard, Date.now())
      .run();
    const event = {
      eventId: "bank:crowd-line:1",
      kind: "payment_credited" as const,
      accountNo: crowded,
      params: { amountKop: 1_00, method: "bank" },
    };
    const plain = { ...event, eventId: "bank:crowd-line:2", accountNo: ordinary };
    const first = await consumeOnce([{ channel: "holders", shard, events: [event, plain] }]);
    expect(first.acked).toEqual([true]);
    const told = (q: NotificationMessage[]) => q.flatMap((m) => (m.channel === "event" ? [m.subscriberId] : []));
    // By id: crowd-000 … crowd-499 first; crowd-500, crowd-501 and the owner (zz-owner) are left.
    expect(told(first.queued)).toEqual(ids.slice(1, 501));
    const next = first.queued.filter((m) => m.channel === "holders");
    // The crowded account goes on after the last holder told; the ordinary one, told nobody yet, goes whole.
    expect(next).toEqual([{ channel: "holders", shard, events: [{ ...event, after: "crowd-499" }, plain] }]);
    // One already told leaves before the next message (a count of those told would now skip crowd-500), and the owner
    // hands the contract to one not yet told (their place in the order does not change with it): nobody is skipped.
    await db.prepare("DELETE FROM account_holders WHERE account_no = ? AND subscriber_id = 'crowd-000'").bind(crowded).run();
    await db.batch([
      db.prepare("UPDATE account_holders SET role = 'viewer' WHERE account_no = ? AND subscriber_id = 'zz-owner'").bind(crowded),
      db.prepare("UPDATE account_holders SET role = 'owner' WHERE account_no = ? AND subscriber_id = 'crowd-501'").bind(crowded),
    ]);
    const second = await consumeOnce(next);
    expect(second.acked).toEqual([true]);
    expect(second.queued.filter((m) => m.channel === "holders")).toEqual([]);
    expect(told(second.queued)).toEqual(["crowd-500", "crowd-501", "zz-owner", "plain-owner"]);
    expect(new Set([...told(first.queued), ...told(second.queued)])).toEqual(new Set([...ids, "plain-owner"]));
    // A redelivery of the second tells the same ones (their dedupe keys make one notice each), nobody else.
    expect(told((await consumeOnce(next)).queued)).toEqual(told(second.queued));
  });
});

describe("the global table left behind", () => {
  it("is emptied by housekeeping a page a tick without global links, of links a day old, and left alone while they are kept", async () => {
    const fresh = makeAccountNo("50488800071");
    await makeContract(fresh, "msk", { phone: "+79990008071" });
    await env.DB.prepare("INSERT INTO account_links (subscriber_id, account_no, role, created_at) VALUES ('demo-olga', ?, 'viewer', ?)")
      .bind(fresh, Date.now() - 60_000)
      .run();
    const n = (await globalLinks()) as number;
    expect(n).toBeGreaterThan(4);
    expect((await cleanExpired(keeping(), new Date(), 3)).globalLinksDeleted).toBe(0);
    expect(await globalLinks()).toBe(n);
    expect((await cleanExpired(createDataAccess(env), new Date(), 3)).globalLinksDeleted).toBe(3);
    expect(await globalLinks()).toBe(n - 3);
    const young = (await env.DB.prepare("SELECT count(*) AS n FROM account_links WHERE created_at >= ?")
      .bind(Date.now() - GLOBAL_LINKS_GRACE_MS + 60_000)
      .first<number>("n")) as number;
    let ticks = 0;
    while (((await globalLinks()) as number) > young && ticks++ < 100) await cleanExpired(createDataAccess(env));
    // The links under a day old (the one a minute old among them) are left for their day: a change a Worker that kept
    // them left half-way is settled by its link meanwhile.
    expect(await globalLinks()).toBe(young);
    expect(await env.DB.prepare("SELECT count(*) AS n FROM account_links WHERE account_no = ?").bind(fresh).first("n")).toBe(1);
    expect((await cleanExpired(createDataAccess(env), new Date(Date.now() + GLOBAL_LINKS_GRACE_MS))).globalLinksDeleted).toBe(young);
    expect(await globalLinks()).toBe(0);
    // The demo's subscribers still see every account of theirs: the table was read by nothing.
    await forgetLinksOf("demo-anna");
    expect((await accountNos(await login("anna"))).length).toBeGreaterThan(1);
  });
});
