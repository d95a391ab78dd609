import { sql } from "drizzle-orm";
import { CONTRACT_CONTACTS_BACKFILL } from "../../data/limits.data";
import { accountDirectory } from "../../db/schema/global";
import { type DataAccess, d1Of, isShardBinding } from "../../platform/db";
import { byIdentityStore, signInKey } from "../../platform/identity-stores";
import { log } from "../../platform/log";
import { endPage, holdsPass, isPassMessageOf, type Pass, type PassMessage, passCursor, startPass } from "../../platform/passes";

/**
 * The backfill of the contracts' contacts (platform/contract-contacts.ts) for the accounts an older release made: their
 * directory row's phone and e-mail copied into the account's row in its shard (where it has none) and indexed by
 * contact in the identity stores; then, under `CONTRACT_CONTACTS = "home"`, emptied in the directory where the account's
 * row holds them (read back after the copy), or, under "global" (before a rollback), written back into the directory
 * from the account's row where it was emptied. A chain of messages on the billing queue, one at a time under a lease,
 * each a page of the directory in rowid order from a cursor of its own for each mode (`drain_cursors`, plans
 * `contract_contacts` and `contract_contacts.home`), started by the hourly cron while rows past the cursor are left.
 * Contacts on a contract are written once (when the account is made), so a copy never replaces one, and the
 * directory's are emptied only where they are the account's row's. Its page and lease: `CONTRACT_CONTACTS_BACKFILL`.
 */
const LEASE = "contract_contacts.backfill";
const cursorOf = (data: DataAccess) => (data.contractContacts === "home" ? "contract_contacts.home" : "contract_contacts");

/** The billing queue's message of the backfill's chain. */
export type ContractContactsBackfillMessage = PassMessage<"contract_contacts.backfill">;

export const isContractContactsBackfillMessage = isPassMessageOf("contract_contacts.backfill");

// Each account's row takes the directory's contacts where it has none ([account, phone, email] triples), and answers
// with what it holds then, in one batch a shard; an account frozen for a shard move is left (its rows take no write:
// migrations/region/0014) and named, and the pass stops before it, to come back to it. A row the directory has nothing
// to give (it lacks a contact the directory lacks too) is not written: every pass would write it again.
const NOT_FROZEN = "NOT EXISTS (SELECT 1 FROM account_freezes f WHERE f.account_no = accounts.account_no)";
const FILL_SQL = `UPDATE accounts SET contact_phone = coalesce(contact_phone, (SELECT json_extract(value, '$[1]') FROM json_each(?1) WHERE json_extract(value, '$[0]') = accounts.account_no)), contact_email = coalesce(contact_email, (SELECT json_extract(value, '$[2]') FROM json_each(?1) WHERE json_extract(value, '$[0]') = accounts.account_no)) WHERE account_no IN (SELECT json_extract(value, '$[0]') FROM json_each(?1)) AND (contact_phone IS NULL OR contact_email IS NULL) AND EXISTS (SELECT 1 FROM json_each(?1) WHERE json_extract(value, '$[0]') = accounts.account_no AND ((accounts.contact_phone IS NULL AND json_extract(value, '$[1]') IS NOT NULL) OR (accounts.contact_email IS NULL AND json_extract(value, '$[2]') IS NOT NULL))) AND ${NOT_FROZEN}`;
// What each account's row holds then, and whether it is frozen (one statement: a page's batch is two a shard).
const HELD_SQL = `SELECT account_no AS accountNo, contact_phone AS phone, contact_email AS email, NOT ${NOT_FROZEN} AS frozen FROM accounts WHERE account_no IN (SELECT json_extract(value, '$[0]') FROM json_each(?1))`;
const INDEX_SQL = `INSERT OR IGNORE INTO contract_contacts (contact, account_no, created_at) SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), ?2 FROM json_each(?1)`;
// Under "home": the directory's contacts emptied where they are still what the page read ([account, phone, email]).
const EMPTY_SQL = `UPDATE account_directory SET contact_phone = NULL, contact_email = NULL WHERE account_no IN (SELECT json_extract(value, '$[0]') FROM json_each(?1)) AND EXISTS (SELECT 1 FROM json_each(?1) WHERE json_extract(value, '$[0]') = account_directory.account_no AND json_extract(value, '$[1]') IS account_directory.contact_phone AND json_extract(value, '$[2]') IS account_directory.contact_email)`;
// Under "global": an emptied directory row given its account row's contacts back ([account, phone, email]).
const RESTORE_SQL = `UPDATE account_directory SET contact_phone = (SELECT json_extract(value, '$[1]') FROM json_each(?1) WHERE json_extract(value, '$[0]') = account_directory.account_no), contact_email = (SELECT json_extract(value, '$[2]') FROM json_each(?1) WHERE json_extract(value, '$[0]') = account_directory.account_no) WHERE account_no IN (SELECT json_extract(value, '$[0]') FROM json_each(?1)) AND contact_phone IS NULL AND contact_email IS NULL`;

/** The pass under the deployment's `CONTRACT_CONTACTS` (platform/passes.ts). */
const passOf = (data: DataAccess): Pass<ContractContactsBackfillMessage> => ({
  lease: LEASE,
  plan: cursorOf(data),
  table: accountDirectory,
  staleMs: CONTRACT_CONTACTS_BACKFILL.staleMs,
  message: (run) => ({ kind: "contract_contacts.backfill", run }),
});

/** Cron (hourly): the backfill's chain, when directory rows past its cursor are left and no run holds the lease. */
export async function startContractContactsBackfill(data: DataAccess, queue: Queue<unknown>, now = new Date()): Promise<boolean> {
  if (data.identities.all.length === 0) return false;
  return startPass(data, queue, passOf(data), now);
}

type Held = { accountNo: string; phone: string | null; email: string | null };

/**
 * One page of the backfill from its cursor; with `m.run` (a message of the chain), the next message after a full page
 * and the lease given back at the end. What it did: rows read, account rows given contacts, contacts indexed, directory rows emptied or restored.
 */
export async function backfillContractContacts(
  data: DataAccess,
  now = new Date(),
  m: { run?: string } = {},
  queue: Queue<unknown> | null = null,
  page: number = CONTRACT_CONTACTS_BACKFILL.page,
): Promise<{ read: number; filled: number; indexed: number; emptied: number; restored: number; handedOn: boolean }> {
  const done = { read: 0, filled: 0, indexed: 0, emptied: 0, restored: 0, handedOn: false };
  const pass = passOf(data);
  if (!(await holdsPass(data, pass, m.run, now))) return done;
  const after = await passCursor(data, pass.plan);
  const rows = await data.global
    .select({ rowid: sql<number>`rowid`, d: accountDirectory })
    .from(accountDirectory)
    .where(sql`rowid > ${after}`)
    .orderBy(sql`rowid`)
    .limit(page)
    .all();
  done.read = rows.length;
  const byShard = new Map<string, (typeof accountDirectory.$inferSelect)[]>();
  for (const { d } of rows) {
    // An account whose shard is not bound here is passed over (logged): its contacts stay in the directory.
    if (!isShardBinding(d.shard) || !data.hasShard(d.shard)) {
      log("error", "contract_contacts.backfill_shard_unbound", { shard: d.shard });
      continue;
    }
    byShard.set(d.shard, [...(byShard.get(d.shard) ?? []), d]);
  }
  // Each shard's account rows take the directory's contacts where they have none, and say what they hold then.
  const frozen = new Set<string>();
  const held = (
    await Promise.all(
      [...byShard].map(async ([shard, list]) => {
        const triples = JSON.stringify(list.map((d) => [d.accountNo, d.contactPhone, d.contactEmail]));
        const db = d1Of(data.shard(shard as Parameters<DataAccess["shard"]>[0]));
        const [fill, read] = await db.batch([db.prepare(FILL_SQL).bind(triples), db.prepare(HELD_SQL).bind(triples)]);
        done.filled += fill?.meta.changes ?? 0;
        const rows = (read?.results ?? []) as (Held & { frozen: number })[];
        for (const r of rows) if (r.frozen) frozen.add(r.accountNo);
        return rows.filter((r) => !r.frozen).map(({ frozen: _, ...h }) => h);
      }),
    )
  ).flat();
  // Their index, each contact in its store (a row there already is kept).
  const pairs = held.flatMap((h) =>
    [...(h.phone ? [signInKey("phone", h.phone)] : []), ...(h.email ? [signInKey("email", h.email)] : [])].map(
      (key) => [key, h.accountNo] as const,
    ),
  );
  done.indexed = pairs.length;
  await Promise.all(
    byIdentityStore(data.identities.all, pairs, ([key]) => key).map(({ db, items }) =>
      d1Of(db).prepare(INDEX_SQL).bind(JSON.stringify(items), now.getTime()).run(),
    ),
  );
  // Then the directory: emptied where the account's row holds what it has, or given the row's contacts back.
  const dirOf = new Map(rows.map(({ d }) => [d.accountNo, d]));
  if (data.contractContacts === "home") {
    const emptied = held.flatMap((h) => {
      const d = dirOf.get(h.accountNo);
      if (!d || (d.contactPhone === null && d.contactEmail === null)) return [];
      const holds = (d.contactPhone === null || d.contactPhone === h.phone) && (d.contactEmail === null || d.contactEmail === h.email);
      return holds ? [[d.accountNo, d.contactPhone, d.contactEmail]] : [];
    });
    if (emptied.length > 0)
      done.emptied = (await d1Of(data.global).prepare(EMPTY_SQL).bind(JSON.stringify(emptied)).run()).meta.changes ?? 0;
  } else {
    const restored = held.flatMap((h) => {
      const d = dirOf.get(h.accountNo);
      const empty = d && d.contactPhone === null && d.contactEmail === null;
      return empty && (h.phone !== null || h.email !== null) ? [[h.accountNo, h.phone, h.email]] : [];
    });
    if (restored.length > 0)
      done.restored = (await d1Of(data.global).prepare(RESTORE_SQL).bind(JSON.stringify(restored)).run()).meta.changes ?? 0;
  }
  // The cursor stops before an account frozen for a move (its contacts stay where they are until the move ends): the
  // chain ends there, logged, and the next hourly cron comes back to it. A move stuck frozen holds the pass up.
  const firstFrozen = rows.findIndex((r) => frozen.has(r.d.accountNo));
  if (firstFrozen >= 0) log("warn", "contract_contacts.backfill_frozen", { accounts: frozen.size });
  const last = firstFrozen >= 0 ? (firstFrozen > 0 ? rows[firstFrozen - 1] : undefined) : rows.at(-1);
  const more = rows.length === page && firstFrozen < 0;
  done.handedOn = await endPage(data, pass, { lastRowid: last?.rowid, more, run: m.run, queue }, now);
  return done;
}
