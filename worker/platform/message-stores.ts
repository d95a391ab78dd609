import type { MessagesDb } from "./db.types";
import { AppError } from "./errors";
import { log } from "./log";

/**
 * The message stores: D1 databases `MESSAGES_0`, `MESSAGES_1`, … (bound from 0 without a gap, at most 32) that keep
 * the rows of SMS and emails handed to providers (db/schema/messages.ts). They are hash partitions: a message's
 * `dedupeKey` chooses its store, so every copy of a queue message claims in the same one, and its SMSC id carries the
 * store's index in its low five bits, so a delivery report (an id and a phone, nothing else) finds it. The count is
 * fixed for a deployment: a key hashes to another store once it changes (docs/operations.md).
 *
 * They were one table of the global database: at 63 M accounts a month of them is 23 GB, a city-wide outage's SMS
 * wrote it 3,333 times a second, and housekeeping could delete 960,000 a day of the 3.3 M a day sent. Spread over the
 * stores, each has its share of all three (docs/capacity.md).
 */
export const MAX_MESSAGE_STORES = 32;

/** The low bits of an SMSC id that name its store. */
const INDEX_BITS = 5;

export interface MessageStores {
  /** Every store, by index. */
  readonly all: readonly MessagesDb[];
  /** The store a dedupe key belongs in, and its index. */
  forKey(dedupeKey: string): { index: number; db: MessagesDb };
  /** The store an id was made in, or undefined when no store of this deployment has its index. */
  forId(id: number): MessagesDb | undefined;
}

/**
 * The D1 databases bound as `<prefix>_0`, `<prefix>_1`, … up to the first gap (at most `max`), in order: the message
 * stores' and the identity stores' (platform/identity-stores.ts) bindings.
 */
export function storeDatabases(env: object, prefix: string, max: number): D1Database[] {
  const bound: D1Database[] = [];
  for (let i = 0; i < max; i++) {
    const db = (env as Record<string, unknown>)[`${prefix}_${i}`];
    if (!db || typeof (db as D1Database).prepare !== "function") break;
    bound.push(db as D1Database);
  }
  return bound;
}

/** The bound message stores' D1 databases, in order; none when `MESSAGES_0` is not bound. */
export const messageStoreDatabases = (env: object): D1Database[] => storeDatabases(env, "MESSAGES", MAX_MESSAGE_STORES);

/** Whether a number is an id a store makes: an integer from 2^5 (the first above the index bits) to 2^31−1. */
export function isMessageId(id: number): boolean {
  return Number.isSafeInteger(id) && id >= 2 ** INDEX_BITS && id <= 2 ** 31 - 1;
}

/**
 * FNV-1a over the key's UTF-8, then MurmurHash3's finaliser: the same store for the same key in every Worker,
 * whatever the runtime. The finaliser mixes every bit into the low ones the store is taken from: FNV-1a's lowest bit
 * is only the parity of the bytes' lowest bits, so keys that repeat a part (`outage:17:…:sub-17:sms`) would all
 * land in half the stores. Never change it: a key would then belong in another store than the one it was claimed in.
 */
export function keyHash(key: string): number {
  let h = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(key)) {
    h ^= byte;
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * The store a key hashes to, and its index: of the message stores, or the identity stores (platform/identity-stores.ts).
 * None bound (`first`, the binding that is missing) is a configuration error: logged, and a 503 to the request.
 */
export function storeForKey<T>(dbs: readonly T[], key: string, first: string): { index: number; db: T } {
  if (dbs.length === 0) {
    log("error", "config.missing_binding", { binding: first });
    throw new AppError(503, "not_configured", {}, [], { "retry-after": "300" });
  }
  const index = keyHash(key) % dbs.length;
  return { index, db: dbs[index] as T };
}

export function messageStores(dbs: readonly MessagesDb[]): MessageStores {
  return {
    all: dbs,
    forKey: (dedupeKey) => storeForKey(dbs, dedupeKey, "MESSAGES_0"),
    forId(id) {
      return isMessageId(id) ? dbs[id % 2 ** INDEX_BITS] : undefined;
    },
  };
}

/**
 * A new SMSC id in store `index`: random above the index bits, 2^5 … 2^31−1 (SMSC's ids are 32-bit, «от 1 до
 * 2147483647»). An id is free again once its row expires; a taken one is refused by the store's primary key, and the
 * claim draws again (`claimMessage`). At the target size each of 16 stores holds about 6.2 M live rows of its 67 M
 * ids: a draw is taken one time in eleven.
 */
export function newMessageId(index: number): number {
  if (!Number.isInteger(index) || index < 0 || index >= MAX_MESSAGE_STORES) throw new RangeError(`no message store ${index}`);
  const [r = 0] = crypto.getRandomValues(new Uint32Array(1));
  const high = (r % (2 ** (31 - INDEX_BITS) - 1)) + 1;
  return high * 2 ** INDEX_BITS + index;
}
