import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { DEMO_UNREGISTERED } from "../../worker/data/demo.data";
import { backfillContractContacts } from "../../worker/features/accounts/contract-contacts.backfill";
import { contractsByContact } from "../../worker/platform/contract-contacts";
import { createDataAccess, shardDatabase } from "../../worker/platform/db";
import { identityStoreDatabases, identityStoreIndex, signInKey } from "../../worker/platform/identity-stores";
import { makeAccountNo } from "../../worker/platform/ids";
import { registerAccount } from "../../worker/platform/shard-map";
import { codeSentTo, holdersOfAccount, json, makeContract, post, registerBy } from "./helpers";

/**
 * The contacts on a contract off the global directory (issue 20, platform/contract-contacts.ts): the account's row in
 * its shard keeps them, the identity stores index them by contact, and a registration by phone or e-mail finds its
 * contracts there; an index row the account's row does not confirm names nothing. The backfill moves an older
 * release's contacts out of the directory, and back under CONTRACT_CONTACTS = "global".
 */

const storeOf = (key: string) => {
  const stores = identityStoreDatabases(env);
  return stores[identityStoreIndex(key, stores.length)] as D1Database;
};
const indexed = async (contact: string) =>
  (
    await storeOf(contact)
      .prepare("SELECT account_no AS n FROM contract_contacts WHERE contact = ? ORDER BY account_no")
      .bind(contact)
      .all<{ n: string }>()
  ).results.map((r) => r.n);
const directoryContacts = (accountNo: string) =>
  env.DB.prepare("SELECT contact_phone AS phone, contact_email AS email FROM account_directory WHERE account_no = ?")
    .bind(accountNo)
    .first<{ phone: string | null; email: string | null }>();

let address = 0;
const ip = () => ({ "cf-connecting-ip": `198.51.100.${++address}` });

/** Registers by phone with the code the contract's phone gets: the response. */
const registerByPhone = (phone: string, login: string) => registerBy("phone", phone, login, "contracts live in their shards", ip);

describe("the contacts on a contract", () => {
  it("a new account keeps them in its row and the index, not in the directory; a registration by its phone finds it", async () => {
    const data = createDataAccess(env);
    const accountNo = makeAccountNo("50488800001");
    const phone = "+79990008001";
    const email = "contract.one@example.com";
    const shard = await registerAccount(data, { accountNo, region: "msk", contactPhone: phone, contactEmail: email, now: new Date() });
    // The caller makes the account's row with them (an application's new connection does).
    await (shardDatabase(env, shard) as D1Database)
      .prepare(
        "INSERT INTO accounts (account_no, region, holder_name, address, status, created_at, contact_phone, contact_email) VALUES (?, 'msk', 'Новый', 'ул. Новая, 1', 'active', ?, ?, ?)",
      )
      .bind(accountNo, Date.now(), phone, email)
      .run();
    expect(await directoryContacts(accountNo)).toEqual({ phone: null, email: null });
    expect(await indexed(signInKey("phone", phone))).toEqual([accountNo]);
    expect(await indexed(signInKey("email", email))).toEqual([accountNo]);
    const made = await registerByPhone(phone, "contract.one");
    expect(made.status).toBe(201);
    expect(await holdersOfAccount(accountNo)).toEqual([{ login: "contract.one", role: "owner", state: null }]);
  });

  it("an index row the account's row does not confirm names no contract: a planted phone gets nobody's account", async () => {
    // The demo's unregistered contract (Sergey's), indexed by a stranger's phone as well: its row names Sergey's phone.
    const accountNo = makeAccountNo(DEMO_UNREGISTERED.body11);
    const stranger = "+79990008666";
    await storeOf(signInKey("phone", stranger))
      .prepare("INSERT INTO contract_contacts (contact, account_no, created_at) VALUES (?, ?, ?)")
      .bind(signInKey("phone", stranger), accountNo, Date.now())
      .run();
    expect(await contractsByContact(createDataAccess(env), "phone", stranger)).toEqual([]);
    const res = await registerByPhone(stranger, "stranger.one");
    expect(res.status).toBe(404);
    expect((await json<{ type: string }>(res)).type).toMatch(/no-contract/);
    expect(await holdersOfAccount(accountNo)).toEqual([]);
    // The contract's own phone still finds it.
    expect((await contractsByContact(createDataAccess(env), "phone", DEMO_UNREGISTERED.phone)).map((d) => d.accountNo)).toEqual([
      accountNo,
    ]);
  });

  it("the backfill moves an older release's contacts out of the directory, and back under CONTRACT_CONTACTS = global", async () => {
    // As an older release made it: the contacts in the directory row alone.
    const accountNo = makeAccountNo("50488800002");
    const phone = "+79990008002";
    const email = "contract.older@example.com";
    const shard = await makeContract(accountNo, "spb", {});
    await env.DB.prepare("UPDATE account_directory SET contact_phone = ?, contact_email = ? WHERE account_no = ?")
      .bind(phone, email, accountNo)
      .run();
    // And one whose account row holds another phone than its directory row: the row is the truth, the directory's kept.
    const other = makeAccountNo("50488800003");
    await makeContract(other, "spb", { phone: "+79990008004" });
    await env.DB.prepare("UPDATE account_directory SET contact_phone = '+79990008003' WHERE account_no = ?").bind(other).run();
    // Before: a lookup by its phone finds it only where the directory is read (under "global").
    expect(await contractsByContact(createDataAccess(env), "phone", phone)).toEqual([]);
    const global = createDataAccess({ ...env, CONTRACT_CONTACTS: "global" } as Env);
    expect((await contractsByContact(global, "phone", phone)).map((d) => d.accountNo)).toEqual([accountNo]);

    const home = createDataAccess(env);
    await env.DB.prepare("DELETE FROM drain_cursors WHERE plan IN ('contract_contacts', 'contract_contacts.home')").run();
    let emptied = 0;
    for (let i = 0; ; i++) {
      const done = await backfillContractContacts(home, new Date(), {}, null, 50);
      emptied += done.emptied;
      if (done.read < 50) break;
      expect(i).toBeLessThan(100);
    }
    expect(emptied).toBeGreaterThan(0);
    // A pass from the start again writes no account's row: those it filled hold their contacts now, and one that lacks a
    // contact the directory lacks too (the other's e-mail) has nothing to take, so it is not written on every pass.
    await env.DB.prepare("DELETE FROM drain_cursors WHERE plan = 'contract_contacts.home'").run();
    let filled = 0;
    for (let i = 0; ; i++) {
      const done = await backfillContractContacts(home, new Date(), {}, null, 50);
      filled += done.filled;
      if (done.read < 50) break;
      expect(i).toBeLessThan(100);
    }
    expect(filled).toBe(0);
    const row = await (shardDatabase(env, shard) as D1Database)
      .prepare("SELECT contact_phone AS phone, contact_email AS email FROM accounts WHERE account_no = ?")
      .bind(accountNo)
      .first();
    expect(row).toEqual({ phone, email });
    expect(await directoryContacts(accountNo)).toEqual({ phone: null, email: null });
    expect(await indexed(signInKey("phone", phone))).toEqual([accountNo]);
    expect((await contractsByContact(home, "phone", phone)).map((d) => d.accountNo)).toEqual([accountNo]);
    // The other keeps its directory phone (not its row's), and only its row's phone finds it.
    expect((await directoryContacts(other))?.phone).toBe("+79990008003");
    expect(await contractsByContact(home, "phone", "+79990008003")).toEqual([]);
    expect((await contractsByContact(home, "phone", "+79990008004")).map((d) => d.accountNo)).toEqual([other]);
    // The demo's contracts (their contacts in the accounts' rows alone, as the seed makes them) are still found.
    expect((await contractsByContact(home, "phone", DEMO_UNREGISTERED.phone)).map((d) => d.accountNo)).toEqual([
      makeAccountNo(DEMO_UNREGISTERED.body11),
    ]);

    // A rollback ahead: under "global" its own pass writes the account rows' contacts back into the directory.
    let restored = 0;
    for (let i = 0; ; i++) {
      const done = await backfillContractContacts(global, new Date(), {}, null, 50);
      restored += done.restored;
      if (done.read < 50) break;
      expect(i).toBeLessThan(100);
    }
    expect(restored).toBeGreaterThan(0);
    expect(await directoryContacts(accountNo)).toEqual({ phone, email });
    expect(await directoryContacts(makeAccountNo(DEMO_UNREGISTERED.body11))).toEqual({
      phone: DEMO_UNREGISTERED.phone,
      email: DEMO_UNREGISTERED.email,
    });
    // What an older release reads (the directory's own columns) finds the contract again.
    const viaDirectory = await env.DB.prepare("SELECT account_no AS n FROM account_directory WHERE contact_phone = ?")
      .bind(phone)
      .all<{ n: string }>();
    expect(viaDirectory.results.map((r) => r.n)).toEqual([accountNo]);
  });

  it('under CONTRACT_CONTACTS = "global" a new account keeps its contacts in the directory as well', async () => {
    const global = createDataAccess({ ...env, CONTRACT_CONTACTS: "global" } as Env);
    const accountNo = makeAccountNo("50488800005");
    await registerAccount(global, { accountNo, region: "msk", contactPhone: "+79990008005", contactEmail: null, now: new Date() });
    expect(await directoryContacts(accountNo)).toEqual({ phone: "+79990008005", email: null });
    expect(await indexed(signInKey("phone", "+79990008005"))).toEqual([accountNo]);
  });

  it("a contact corrected in the account's row wins over the directory's older one, even where the directory is read", async () => {
    const accountNo = makeAccountNo("50488800006");
    const shard = await makeContract(accountNo, "msk", { phone: "+79990008006" });
    // As after a correction under "global" that left the directory's old phone (and its own index) behind.
    await env.DB.prepare("UPDATE account_directory SET contact_phone = '+79990008007' WHERE account_no = ?").bind(accountNo).run();
    const global = createDataAccess({ ...env, CONTRACT_CONTACTS: "global" } as Env);
    expect(await contractsByContact(global, "phone", "+79990008007")).toEqual([]);
    expect((await contractsByContact(global, "phone", "+79990008006")).map((d) => d.accountNo)).toEqual([accountNo]);
    // A registration by the account's number sends its code to the row's phone, not the directory's.
    const since = Date.now();
    expect((await post("/api/v1/auth/register/start", { by: "account", accountNo, channel: "sms" }, ip())).status).toBe(202);
    await codeSentTo("+79990008006", since);
    const stale = await env.DB.prepare("SELECT count(*) AS n FROM outbox WHERE recipient = '+79990008007' AND created_at >= ?")
      .bind(since)
      .first<number>("n");
    expect(stale).toBe(0);
    expect(shard).toBeTruthy();
  });

  it("an account frozen for a shard move stops the pass before it; once the move is over the pass goes on", async () => {
    const accountNo = makeAccountNo("50488800008");
    const shard = await makeContract(accountNo, "nsk", {});
    await env.DB.prepare("UPDATE account_directory SET contact_phone = '+79990008008' WHERE account_no = ?").bind(accountNo).run();
    const db = shardDatabase(env, shard) as D1Database;
    await db
      .prepare("INSERT INTO account_freezes (account_no, move_id, state, updated_at) VALUES (?, 'mv-contacts', 'frozen', ?)")
      .bind(accountNo, Date.now())
      .run();
    const data = createDataAccess(env);
    await env.DB.prepare("DELETE FROM drain_cursors WHERE plan IN ('contract_contacts', 'contract_contacts.home')").run();
    // Pages up to it: it is the directory's last row, so every pass ends before it, and its contacts stay.
    for (let i = 0; i < 100 && (await backfillContractContacts(data, new Date(), {}, null, 50)).read === 50; i++);
    const before = await backfillContractContacts(data, new Date(), {}, null, 50);
    expect(before.read).toBeGreaterThan(0);
    expect(await directoryContacts(accountNo)).toEqual({ phone: "+79990008008", email: null });
    const cursor = await env.DB.prepare("SELECT after FROM drain_cursors WHERE plan = 'contract_contacts.home'").first<number>("after");
    const rowid = await env.DB.prepare("SELECT rowid AS r FROM account_directory WHERE account_no = ?").bind(accountNo).first<number>("r");
    expect(cursor).toBeLessThan(rowid as number);
    // The move over (undone here): the next pass copies, indexes and empties it.
    await db.prepare("DELETE FROM account_freezes WHERE account_no = ?").bind(accountNo).run();
    await backfillContractContacts(data, new Date(), {}, null, 50);
    expect(await directoryContacts(accountNo)).toEqual({ phone: null, email: null });
    expect((await contractsByContact(data, "phone", "+79990008008")).map((d) => d.accountNo)).toEqual([accountNo]);
  });
});
