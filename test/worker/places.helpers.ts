import { env } from "cloudflare:workers";
import { createDataAccess, d1Of, type ShardBinding } from "../../worker/platform/db";
import { accountKey, identityStoreDatabases, identityStoreIndex } from "../../worker/platform/identity-stores";
import { makeAccountNo } from "../../worker/platform/ids";
import { registerAccount } from "../../worker/platform/shard-map";
import { beforeEachRun } from "./helpers";

/** The identity store an account's copy of its place is in (platform/places.ts). */
export const storeOfAccount = (accountNo: string) => {
  const stores = identityStoreDatabases(env);
  return stores[identityStoreIndex(accountKey(accountNo), stores.length)] as D1Database;
};

/** An account's copy of its place, as its store keeps it; null when there is none. */
export const copyOfPlace = (accountNo: string) =>
  storeOfAccount(accountNo)
    .prepare("SELECT region, shard, moving, as_of AS asOf FROM account_places WHERE account_no = ?")
    .bind(accountNo)
    .first<{ region: string; shard: string; moving: string | null; asOf: number }>();

/** The shard an account's global directory row names; null when it has none (deleted, or never there). */
export const directoryShardOf = async (accountNo: string) =>
  (await env.DB.prepare("SELECT shard FROM account_directory WHERE account_no = ?").bind(accountNo).first<{ shard: string }>())?.shard ??
  null;

let made = 0;
/**
 * A Moscow account made `at` through the shard map (its directory row and its copy), with its row and a payment of
 * `kop` on the shard placement chose. `first`: the number's first digit, a file's own.
 */
export async function placedAccount(first: string, kop: number, at = new Date()): Promise<{ accountNo: string; shard: ShardBinding }> {
  const accountNo = makeAccountNo(`${first}${String(Date.now() % 1e6).padStart(6, "0")}${String(++made).padStart(4, "0")}`);
  const data = createDataAccess(env);
  const shard = await registerAccount(data, { accountNo, region: "msk", contactPhone: null, contactEmail: null, now: at });
  const db = d1Of(data.shard(shard));
  await db.batch([
    db
      .prepare(
        "INSERT INTO accounts (account_no, region, holder_name, address, status, created_at) VALUES (?, 'msk', 'Место', 'ул. Местная, 1', 'active', ?)",
      )
      .bind(accountNo, at.getTime()),
    db
      .prepare(
        `INSERT INTO ledger_entries (id, account_no, kind, amount_kop, occurred_at, local_day, service_id, description_ru, description_en, idempotency_key, created_at)
         VALUES (?, ?, 'payment', ?, ?, '2026-11-01', NULL, 'т', 't', ?, ?)`,
      )
      .bind(`${accountNo}-l1`, accountNo, kop, at.getTime(), `places:${accountNo}`, at.getTime()),
  ]);
  return { accountNo, shard };
}

/** The identity stores' bindings as they are when none answers a read or write of `account_places` (an outage). */
export const placesStoresDown = () =>
  Object.fromEntries(
    identityStoreDatabases(env).map((db, i) => [
      `IDENTITY_${i}`,
      beforeEachRun(db, /account_places/, async () => {
        throw new Error("identity store unavailable");
      }),
    ]),
  );
