import type { MessagesDb } from "./db.types";

/**
 * The message stores: D1 databases `MESSAGES_0`, `MESSAGES_1`, … (bound from 0 without a gap, at most 32) that keep
 * the rows of SMS and emails handed to providers (db/schema/messages.ts). They are hash partitions: a message's
 * `dedupeKey` chooses its store, so every copy of a queue message claims in the same one, and its SMSC id carries the
 * store's index in its low five bits, so a delivery report (an id and a phone, nothing else) finds it. The count is
 * fixed for a deployment: a key hashes to another store once it changes (docs/operations.md).
 *
 * They were one table of the global database: at 63 M accounts a month of them is 21 GB, a city-wide outage's SMS
 * wrote it 3,333 times a second, and housekeeping could delete 960,000 a day of the 4.8 M a day sent. Spread over the
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

/** The bound message stores' D1 databases, in order; none when `MESSAGES_0` is not bound. */
export function messageStoreDatabases(env: object): D1Database[] {
  const bound: D1Database[] = [];
  for (let i = 0; i < MAX_MESSAGE_STORES; i++) {
    const db = (env as Record<string, unknown>)[`MESSAGES_${i}`];
    if (!db || typeof (db as D1Database).prepare !== "function") break;
    bound.push(db as D1Database);
  }
  return bound;
}

/** FNV-1a over the key's UTF-8: the same store for the same key in every Worker, whatever the runtime. */
export function keyHash(key: string): number {
  let h = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(key)) {
    h ^= byte;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

export function messageStores(dbs: readonly MessagesDb[]): MessageStores {
  return {
    all: dbs,
    forKey(dedupeKey) {
      if (dbs.length === 0) throw new RangeError("no message store is bound (MESSAGES_0)");
      const index = keyHash(dedupeKey) % dbs.length;
      return { index, db: dbs[index] as MessagesDb };
    },
    forId(id) {
      return Number.isSafeInteger(id) && id > 0 ? dbs[id % 2 ** INDEX_BITS] : undefined;
    },
  };
}

/**
 * A new SMSC id in store `index`: random above the index bits, 2^5 … 2^31−1 (SMSC's ids are 32-bit, «от 1 до
 * 2147483647»). An id is free again once its row expires; a taken one is refused by the store's primary key, and the
 * claim draws again (`claimMessage`). At the target size a store of 16 holds about 9 M live rows of its 67 M ids.
 */
export function newMessageId(index: number): number {
  const [r = 0] = crypto.getRandomValues(new Uint32Array(1));
  const high = (r % (2 ** (31 - INDEX_BITS) - 1)) + 1;
  return high * 2 ** INDEX_BITS + index;
}
