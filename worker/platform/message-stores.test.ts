import { afterEach, describe, expect, it, vi } from "vitest";
import type { MessagesDb } from "./db.types";
import { isMessageId, keyHash, MAX_MESSAGE_STORES, messageStoreDatabases, messageStores, newMessageId } from "./message-stores";

afterEach(() => {
  vi.restoreAllMocks();
});

/** The random number `newMessageId` draws next. */
function drawing(r: number) {
  vi.spyOn(crypto, "getRandomValues").mockImplementation(<T extends ArrayBufferView | null>(array: T): T => {
    (array as unknown as Uint32Array)[0] = r;
    return array;
  });
}

const stores = (n: number) => messageStores(Array.from({ length: n }, (_, i) => ({ store: i }) as unknown as MessagesDb));
const indexOf = (db: MessagesDb | undefined) => (db as unknown as { store: number } | undefined)?.store;

describe("message stores", () => {
  it("makes ids within SMSC's 1…2^31−1 whatever it draws, with the store in the low five bits", () => {
    for (const [r, index, id] of [
      [0, 0, 32],
      [0, 31, 63],
      [0xffffffff, 31, 64 * 32 + 31],
      [2 ** 26 - 2, 31, 2 ** 31 - 1],
      [2 ** 26 - 1, 5, 32 + 5],
      [41, 1, 42 * 32 + 1],
    ] as const) {
      drawing(r);
      expect(newMessageId(index)).toBe(id);
      expect(isMessageId(id)).toBe(true);
    }
  });

  it("refuses to number a message for a store that cannot be in an id", () => {
    for (const index of [-1, 32, 1.5, Number.NaN]) expect(() => newMessageId(index)).toThrow(RangeError);
    expect(MAX_MESSAGE_STORES).toBe(32);
  });

  it("finds a store only for an id a store can have made, and of a store this deployment has", () => {
    const two = stores(2);
    expect(indexOf(two.forId(32))).toBe(0);
    expect(indexOf(two.forId(2 ** 31 - 31))).toBe(1);
    for (const id of [0, 1, 31, -32, 2 ** 31, 2 ** 40, 2 ** 53, 33.5, Number.NaN, Number.POSITIVE_INFINITY, 34])
      expect(two.forId(id), String(id)).toBeUndefined();
  });

  it("sends a key to the same store every time, and spreads keys over all of them", () => {
    const four = stores(4);
    const seen = new Set<number>();
    for (let i = 0; i < 200; i++) {
      const key = `outage:${i}:declared:sub-${i}:sms`;
      const { index, db } = four.forKey(key);
      expect(four.forKey(key).index).toBe(index);
      expect(index).toBe(keyHash(key) % 4);
      expect(indexOf(db)).toBe(index);
      seen.add(index);
    }
    expect([...seen].sort()).toEqual([0, 1, 2, 3]);
    // Pinned: a release that hashed otherwise would look for a claimed message in another store and send it again.
    expect(["", "a", "code:01J", "outage:17:declared:sub-17:sms"].map(keyHash)).toEqual([2872998923, 444641715, 2328182147, 4051958811]);
  });

  it("answers 503 (not configured), not a crash, when no store is bound", () => {
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    expect(() => stores(0).forKey("code:1")).toThrow(expect.objectContaining({ status: 503, slug: "not_configured" }));
    expect(JSON.stringify(errors.mock.calls)).toContain("MESSAGES_0");
  });

  it("takes the bound stores from MESSAGES_0 up to the first gap", () => {
    const d1 = { prepare: () => null } as unknown as D1Database;
    expect(messageStoreDatabases({ MESSAGES_0: d1, MESSAGES_1: d1, MESSAGES_3: d1, DB: d1 })).toHaveLength(2);
    expect(messageStoreDatabases({ MESSAGES_1: d1 })).toHaveLength(0);
  });
});
