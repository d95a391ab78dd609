import { sql } from "drizzle-orm";
import { SIGN_IN_BACKFILL } from "../../data/limits.data";
import { subscribers } from "../../db/schema/global";
import { loginKeys } from "../../db/schema/identity";
import { signIns } from "../../db/schema/region";
import { type DataAccess, d1Of, type ShardBinding } from "../../platform/db";
import { accountKey, identityStoreIndex, type SignInKind, signInKey } from "../../platform/identity-stores";
import { linksOf } from "../../platform/links";
import { log } from "../../platform/log";
import { endPage, holdsPass, isPassMessageOf, type Pass, type PassMessage, passCursor, startPass } from "../../platform/passes";
import { insertRowsSql } from "../../platform/shard-map";
import { globalRecord, PASSWORD_AT_HOME } from "./sign-ins.service";

/**
 * The backfill of the sign-in rows and keys (sign-ins.service.ts) for the subscribers an older deployment registered:
 * without it, each one's first login after the upgrade reads the global row, and a storm right after the upgrade would
 * read it as often as before. A chain of messages on the billing queue (one at a time, under a lease, as the
 * organisations' sweep), each a page of the global `subscribers` in rowid order from a cursor (`drain_cursors`, plan
 * `sign_ins`, or `sign_ins.passwords` under `GLOBAL_PASSWORDS = "drop"`): the page's rows written to their home shards (one statement a shard) and their keys to the identity
 * stores (one statement a store), each where none from a read as new is there — a row or key written since by a
 * registration, a change or a login is newer than this page's read and stays; an older one (an older release's change
 * in the global row alone: a rollback past this one) is brought up to date, its password too. Run again from the
 * start (its cursor deleted), it refreshes every subscriber. The cursor moves on after the writes: a message that
 * fails is retried from the same page. The hourly cron starts a chain while the cursor is behind the table's end; a
 * subscriber registered after the upgrade has their row from the registration, so once the chain has reached the end
 * it is not started again until a new row appears past it. Its page and lease: `SIGN_IN_BACKFILL` (data/limits.data.ts).
 */
const LEASE = "sign_ins.backfill";
/**
 * Its cursor: one for each `GLOBAL_PASSWORDS` (plans `sign_ins` and `sign_ins.passwords`), so that the first change to
 * "drop" starts a pass over every subscriber. Under "drop" each page's global records that their home rows now hold are
 * replaced by the mark that they are there (`markPage`); under "keep" a mark is replaced by the home row's record again
 * (`restorePage`: a rollback). A cursor that has reached the end stays there: to go over them again (back to "keep"
 * for a rollback, or to "drop" after a time under "keep"), delete that mode's row of `drain_cursors`
 * (docs/operations.md).
 */
const cursorOf = (data: DataAccess) => (data.globalPasswords === "drop" ? "sign_ins.passwords" : "sign_ins");
const NAMED: readonly SignInKind[] = ["phone", "email", "login"];

/** The billing queue's message of the backfill's chain. */
export type SignInBackfillMessage = PassMessage<"sign_ins.backfill">;

export const isSignInBackfillMessage = isPassMessageOf("sign_ins.backfill");

// A row or key is written unless one from a global read as new or newer is there (sign-ins.service.ts keepSignIn): the
// page's read brings an older row up to date, and the password too unless it was written here after the read (after a
// rollback past the release that brought the rows, the global row has what the older release wrote; a change made
// while the page was read has written the home row first) or the global row has none to give (its mark, read as null:
// no release removes a password, so a null never replaces a record).
const SIGN_INS_UPSERT = `${insertRowsSql(signIns)} WHERE true ON CONFLICT(subscriber_id) DO UPDATE SET display_name = excluded.display_name, phone = excluded.phone, email = excluded.email, login = excluded.login, password_hash = CASE WHEN sign_ins.password_at < excluded.updated_at AND excluded.password_hash IS NOT NULL THEN excluded.password_hash ELSE sign_ins.password_hash END, password_at = max(sign_ins.password_at, excluded.updated_at), updated_at = excluded.updated_at WHERE sign_ins.updated_at < excluded.updated_at`;
// The page's home rows that hold a record (`markPage`), or the records of the subscribers whose global row has the mark
// (`restorePage`), as [id, record] pairs.
const HELD_SQL = `SELECT subscriber_id AS id, password_hash AS hash FROM sign_ins WHERE subscriber_id IN (SELECT value FROM json_each(?)) AND password_hash IS NOT NULL AND password_hash <> '${PASSWORD_AT_HOME}'`;
// A global column replaced where it still holds what the page read (a change since wrote its own): [id, as read] pairs.
const SWAP_SQL = `UPDATE subscribers SET password_hash = ?1 WHERE id IN (SELECT json_extract(value, '$[0]') FROM json_each(?2)) AND password_hash = (SELECT json_extract(value, '$[1]') FROM json_each(?2) WHERE json_extract(value, '$[0]') = subscribers.id)`;
// Under "keep": each mark replaced by its home row's record: [id, record] pairs, where the column still has the mark.
const RESTORE_SQL = `UPDATE subscribers SET password_hash = (SELECT json_extract(value, '$[1]') FROM json_each(?1) WHERE json_extract(value, '$[0]') = subscribers.id) WHERE id IN (SELECT json_extract(value, '$[0]') FROM json_each(?1)) AND password_hash = ?2`;
const KEYS_UPSERT = `${insertRowsSql(loginKeys)} WHERE true ON CONFLICT(key) DO UPDATE SET subscriber_id = excluded.subscriber_id, home_shard = excluded.home_shard, created_at = excluded.created_at WHERE login_keys.created_at < excluded.created_at`;

/** The pass under the deployment's `GLOBAL_PASSWORDS` (platform/passes.ts). */
const passOf = (data: DataAccess): Pass<SignInBackfillMessage> => ({
  lease: LEASE,
  plan: cursorOf(data),
  table: subscribers,
  staleMs: SIGN_IN_BACKFILL.staleMs,
  message: (run) => ({ kind: "sign_ins.backfill", run }),
});

/** Cron (hourly): the backfill's chain, when subscribers past its cursor are left and no run holds the lease. Whether it started. */
export async function startSignInBackfill(data: DataAccess, queue: Queue<unknown>, now = new Date()): Promise<boolean> {
  if (data.identities.all.length === 0) return false;
  return startPass(data, queue, passOf(data), now);
}

/**
 * One page of the backfill from its cursor; with `m.run` (a message of the chain), the next message after a full page,
 * and the lease given back at the end. Without it, one page. How many subscribers it read, and whether it handed on.
 */
export async function backfillSignIns(
  data: DataAccess,
  now = new Date(),
  m: { run?: string } = {},
  queue: Queue<unknown> | null = null,
  page: number = SIGN_IN_BACKFILL.page,
): Promise<{ read: number; written: number; marked: number; restored: number; handedOn: boolean }> {
  const done = { read: 0, written: 0, marked: 0, restored: 0, handedOn: false };
  const pass = passOf(data);
  if (!(await holdsPass(data, pass, m.run, now))) return done;
  const after = await passCursor(data, pass.plan);
  const readAt = new Date();
  const rows = await data.global
    .select({ rowid: sql<number>`rowid`, s: subscribers })
    .from(subscribers)
    .where(sql`rowid > ${after}`)
    .orderBy(sql`rowid`)
    .limit(page)
    .all();
  done.read = rows.length;
  // The accounts the page's subscribers own: their numbers' keys too (a login by number, sign-ins.service.ts). From
  // their home shards (platform/links.ts), a read a shard.
  const owned = await linksOf(
    data,
    rows.map((r) => ({ id: r.s.id, homeShard: r.s.homeShard })),
    { role: "owner" },
  );
  const ownedBy = new Map<string, string[]>();
  for (const o of owned) ownedBy.set(o.subscriberId, [...(ownedBy.get(o.subscriberId) ?? []), o.accountNo]);
  const byShard = new Map<ShardBinding, Record<string, unknown>[]>();
  const byStore = new Map<number, Record<string, unknown>[]>();
  const stores = data.identities.all.length;
  for (const { s } of rows) {
    // A subscriber whose home shard is not bound here is passed over (logged): their login reads the global row.
    if (!data.hasShard(s.homeShard)) {
      log("error", "sign_in.backfill_shard_unbound", { shard: s.homeShard });
      continue;
    }
    const home = byShard.get(s.homeShard) ?? [];
    home.push({
      subscriber_id: s.id,
      display_name: s.displayName,
      phone: s.phone,
      email: s.email,
      login: s.login,
      password_hash: globalRecord(s.passwordHash),
      // As of the read: a change written after it is newer (sign-ins.service.ts keepSignIn, writePassword).
      password_at: readAt.getTime(),
      updated_at: readAt.getTime(),
    });
    byShard.set(s.homeShard, home);
    const keys = [
      ...NAMED.flatMap((kind) => (s[kind] ? [signInKey(kind, s[kind] as string)] : [])),
      ...(ownedBy.get(s.id) ?? []).map(accountKey),
    ];
    for (const key of stores === 0 ? [] : keys) {
      const i = identityStoreIndex(key, stores);
      const inStore = byStore.get(i) ?? [];
      inStore.push({ key, subscriber_id: s.id, home_shard: s.homeShard, created_at: readAt.getTime() });
      byStore.set(i, inStore);
    }
  }
  // The rows first, then their keys: a key is trusted only when its row agrees, so a key without its row is harmless.
  const written = await Promise.all(
    [...byShard].map(([shard, list]) =>
      d1Of(data.shard(shard))
        .prepare(SIGN_INS_UPSERT)
        .bind(JSON.stringify(list))
        .run()
        .then((r) => r.meta.changes ?? 0),
    ),
  );
  done.written = written.reduce((n, c) => n + c, 0);
  await Promise.all(
    [...byStore].map(([i, list]) =>
      d1Of(data.identities.all[i] as (typeof data.identities.all)[number])
        .prepare(KEYS_UPSERT)
        .bind(JSON.stringify(list))
        .run(),
    ),
  );
  // The global column after the home rows: marked where the home row holds a record, or a mark given its record back.
  const atHome = rows.flatMap(({ s }) => (data.hasShard(s.homeShard) ? [s] : []));
  if (data.globalPasswords === "drop") done.marked = await markPage(data, atHome);
  else done.restored = await restorePage(data, atHome);
  done.handedOn = await endPage(data, pass, { lastRowid: rows.at(-1)?.rowid, more: rows.length === page, run: m.run, queue }, now);
  return done;
}

type Subscriber = typeof subscribers.$inferSelect;

/** The page's home rows that hold a record, by subscriber: one statement a home shard. */
async function recordsAtHome(data: DataAccess, page: readonly Subscriber[]): Promise<Map<string, string>> {
  const byShard = new Map<ShardBinding, string[]>();
  for (const s of page) byShard.set(s.homeShard as ShardBinding, [...(byShard.get(s.homeShard as ShardBinding) ?? []), s.id]);
  const held = await Promise.all(
    [...byShard].map(([shard, ids]) =>
      d1Of(data.shard(shard))
        .prepare(HELD_SQL)
        .bind(JSON.stringify(ids))
        .all<{ id: string; hash: string }>()
        .then((r) => r.results),
    ),
  );
  return new Map(held.flat().map((r) => [r.id, r.hash]));
}

/**
 * Under "drop": the page's global records replaced by the mark where the home row now holds the same record (read back
 * after the page's writes) and the column still has what the page read. A home row without it (not bound, a write that
 * failed, a row the page's write left because a newer read wrote it — after a rollback or a restore its record may be
 * older than the global one) leaves the global record where it is: bytes, never a password lost. How many were marked.
 */
async function markPage(data: DataAccess, page: readonly Subscriber[]): Promise<number> {
  const withRecord = page.filter((s) => s.passwordHash !== null && s.passwordHash !== PASSWORD_AT_HOME);
  if (withRecord.length === 0) return 0;
  const home = await recordsAtHome(data, withRecord);
  const pairs = withRecord.filter((s) => home.get(s.id) === s.passwordHash).map((s) => [s.id, s.passwordHash]);
  if (pairs.length === 0) return 0;
  const r = await d1Of(data.global).prepare(SWAP_SQL).bind(PASSWORD_AT_HOME, JSON.stringify(pairs)).run();
  return r.meta.changes ?? 0;
}

/** Under "keep" (a rollback ahead): the page's marks given their home rows' records back. How many were restored. */
async function restorePage(data: DataAccess, page: readonly Subscriber[]): Promise<number> {
  const marked = page.filter((s) => s.passwordHash === PASSWORD_AT_HOME);
  if (marked.length === 0) return 0;
  const home = await recordsAtHome(data, marked);
  if (home.size === 0) return 0;
  const r = await d1Of(data.global)
    .prepare(RESTORE_SQL)
    .bind(JSON.stringify([...home]), PASSWORD_AT_HOME)
    .run();
  return r.meta.changes ?? 0;
}
