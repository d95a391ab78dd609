import { env } from "cloudflare:workers";
import { sql } from "drizzle-orm";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { accounts } from "../../worker/db/schema/region";
import {
  appendEntry,
  balanceOf,
  debitWholeBalance,
  entryIf,
  type NewEntry,
  selectBalances,
  selectHistory,
  selectSpending,
} from "../../worker/features/billing/ledger.service";
import { createDataAccess, rawBatch } from "../../worker/platform/db";
import { makeAccountNo } from "../../worker/platform/ids";

const db = () => createDataAccess(env).shardForRegion("msk");
const d1 = () => (db() as unknown as { $client: D1Database }).$client;

let made = 0;
/** A fresh account of its own on the Moscow shard, with no entries. */
async function freshAccount(status: "active" | "closed" = "active") {
  made++;
  const accountNo = makeAccountNo(`2019${String(Date.now() % 1_000_000).padStart(6, "0")}${made % 10}`);
  await db().insert(accounts).values({ accountNo, region: "msk", holderName: "Тест", address: "Москва", status, createdAt: new Date() });
  return accountNo;
}

/** What the ledger holds for an account, read straight from the table (not through the module). */
async function stored(accountNo: string) {
  const { results } = await d1()
    .prepare("SELECT amount_kop, kind, idempotency_key FROM ledger_entries WHERE account_no = ?")
    .bind(accountNo)
    .all<{ amount_kop: number; kind: string; idempotency_key: string }>();
  return results;
}

const entry = (accountNo: string, amountKop: number, idempotencyKey: string): NewEntry => ({
  accountNo,
  kind: amountKop >= 0 ? "payment" : "charge",
  amountKop,
  occurredAt: new Date(),
  localDay: "2026-12-01",
  descriptionRu: "Тест",
  descriptionEn: "Test",
  idempotencyKey,
});
const isActive = (accountNo: string) =>
  sql`EXISTS (SELECT 1 FROM ${accounts} WHERE ${accounts.accountNo} = ${accountNo} AND ${accounts.status} = 'active')`;

describe("the ledger module", () => {
  it("writes a conditional entry exactly once under 20 parallel calls", async () => {
    const accountNo = await freshAccount();
    await Promise.all(
      Array.from({ length: 20 }, () => rawBatch(db(), [entryIf(entry(accountNo, 25_000, `once:${accountNo}`), isActive(accountNo))])),
    );
    const rows = await stored(accountNo);
    expect(rows).toEqual([{ amount_kop: 25_000, kind: "payment", idempotency_key: `once:${accountNo}` }]);
    expect(await balanceOf(db(), accountNo)).toBe(25_000);
  });

  it("writes nothing when the guard does not hold", async () => {
    const accountNo = await freshAccount("closed");
    await rawBatch(db(), [entryIf(entry(accountNo, 25_000, `closed:${accountNo}`), isActive(accountNo))]);
    expect(await stored(accountNo)).toEqual([]);
    expect(await balanceOf(db(), accountNo)).toBe(0);
  });

  it("refuses a conditional entry in fractions of a kopeck", async () => {
    const accountNo = await freshAccount();
    expect(() => entryIf(entry(accountNo, 10.5, `frac:${accountNo}`), isActive(accountNo))).toThrow(RangeError);
  });

  it("debits a positive balance whole, once, under 20 parallel calls, and nothing from an empty one", async () => {
    const accountNo = await freshAccount();
    await appendEntry(db(), entry(accountNo, 70_000, `in:${accountNo}`));
    await appendEntry(db(), entry(accountNo, -12_345, `out:${accountNo}`));
    const refund = {
      accountNo,
      kind: "adjustment" as const,
      occurredAt: new Date(),
      localDay: "2026-12-01",
      descriptionRu: "Возврат остатка",
      descriptionEn: "Balance refunded",
      idempotencyKey: `refund:${accountNo}`,
    };
    await Promise.all(Array.from({ length: 20 }, () => rawBatch(db(), [debitWholeBalance(refund)])));
    const refunds = (await stored(accountNo)).filter((r) => r.idempotency_key === `refund:${accountNo}`);
    expect(refunds.map((r) => r.amount_kop)).toEqual([-57_655]);
    expect(await balanceOf(db(), accountNo)).toBe(0);

    const empty = await freshAccount();
    await rawBatch(db(), [debitWholeBalance({ ...refund, accountNo: empty, idempotencyKey: `refund:${empty}` })]);
    expect(await stored(empty)).toEqual([]);
  });

  it("reports a balance equal to the sum of the stored entries, however it is asked (property)", async () => {
    const accountNo = await freshAccount();
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ key: fc.integer({ min: 0, max: 9 }), amount: fc.integer({ min: -300_000, max: 300_000 }) }), {
          maxLength: 12,
        }),
        async (ops) => {
          run++;
          for (const op of ops) await appendEntry(db(), entry(accountNo, op.amount, `sum:${run}:${op.key}`));
          const rows = await stored(accountNo);
          const sum = rows.reduce((t, r) => t + r.amount_kop, 0);
          expect(await balanceOf(db(), accountNo)).toBe(sum);
          const [many] = await db().batch([selectBalances(db(), [accountNo])]);
          // Balances are read per account (closing balance + open entries): one with no entries yet has 0, not no row.
          expect(many).toEqual([{ accountNo, balanceKop: sum }]);
          const [, [total]] = await selectSpending(db(), accountNo, "2026-01-01");
          expect(total?.s ?? 0).toBe(sum);
          const page = await selectHistory(db(), accountNo, { limit: 5 });
          expect(page.balanceAfterFirst).toBe(sum);
        },
      ),
      { numRuns: 15 },
    );
  });
});
