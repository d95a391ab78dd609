import { eq } from "drizzle-orm";
import { loginKeys } from "../db/schema/identity";
import type { IdentityDb } from "./db.types";
import { keyHash, storeDatabases, storeForKey } from "./message-stores";

/**
 * The identity stores: D1 databases `IDENTITY_0`, `IDENTITY_1`, … (bound from 0 without a gap, at most 32) that keep
 * what a login names (db/schema/identity.ts `login_keys`), found before anyone knows whose it is. They are hash
 * partitions as the message stores are: a key's hash (`keyHash`, the same function) chooses its store, so every Worker
 * reads and writes a key in one place. The count is fixed for a deployment: a key hashes to another store once it
 * changes (docs/operations.md).
 *
 * They take from the global database what every subscriber has and no foreign key needs there (issue 20): its fixed
 * part did not fit one database at the target, and a login storm's reads were several times its one thread
 * (docs/capacity.md).
 */
export const MAX_IDENTITY_STORES = 32;

export interface IdentityStores {
  /** Every store, by index. */
  readonly all: readonly IdentityDb[];
  /** The store a key belongs in. */
  forKey(key: string): IdentityDb;
  /** A key's row in its store; undefined when it is not there, or no store is bound (no key anywhere). */
  keyOf(key: string): Promise<typeof loginKeys.$inferSelect | undefined>;
}

/** The bound identity stores' D1 databases, in order; none when `IDENTITY_0` is not bound. */
export const identityStoreDatabases = (env: object): D1Database[] => storeDatabases(env, "IDENTITY", MAX_IDENTITY_STORES);

/**
 * The key of an account at an identity provider (`login_keys`). Provider ids have no colon, so the key names one
 * provider and subject whatever the subject holds.
 */
export const identityKey = (provider: string, subject: string) => `idp:${provider}:${subject}`;

/** What a password login names: a phone (E.164), an e-mail or a login, each as `normalize…` spells it. */
export type SignInKind = "phone" | "email" | "login";

/** The key of a phone, e-mail or login (`login_keys`): its kind, a colon, its normalised value. */
export const signInKey = (kind: SignInKind, value: string) => `${kind}:${value}`;

/** The key of an account number (`login_keys`): its owner, whom a login by the number names. */
export const accountKey = (accountNo: string) => `account:${accountNo}`;

/** The index of the store a key belongs in, of `count`. */
export const identityStoreIndex = (key: string, count: number) => keyHash(key) % count;

export function identityStores(dbs: readonly IdentityDb[]): IdentityStores {
  return {
    all: dbs,
    forKey: (key) => storeForKey(dbs, key, "IDENTITY_0").db,
    keyOf: async (key) =>
      dbs.length === 0 ? undefined : storeForKey(dbs, key, "IDENTITY_0").db.select().from(loginKeys).where(eq(loginKeys.key, key)).get(),
  };
}

/**
 * Items grouped by the identity store their keys (`keyOf`) hash to, each group with its store: what a page of keys reads
 * or writes as one statement a store, side by side. None when no store is bound.
 */
export function byIdentityStore<T>(
  stores: readonly IdentityDb[],
  items: Iterable<T>,
  keyOf: (item: T) => string,
): { db: IdentityDb; items: T[] }[] {
  if (stores.length === 0) return [];
  const groups = new Map<number, T[]>();
  for (const item of items) {
    const i = identityStoreIndex(keyOf(item), stores.length);
    const list = groups.get(i);
    if (list) list.push(item);
    else groups.set(i, [item]);
  }
  return [...groups].map(([i, list]) => ({ db: stores[i] as IdentityDb, items: list }));
}
