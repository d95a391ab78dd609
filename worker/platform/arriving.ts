import { type SQL, type SQLWrapper, sql } from "drizzle-orm";
import { accountFreezes, arrivingAccounts } from "../db/schema/region";

/** Lists the account as arriving on this shard (the target), for the batch of the move's first copied page. */
export function arrivingStatement(accountNo: string, moveId: string, now: Date): [string, ...unknown[]] {
  return [
    `INSERT INTO arriving_accounts (account_no, move_id, since) VALUES (?, ?, ?)
     ON CONFLICT (account_no) DO UPDATE SET move_id = excluded.move_id, since = excluded.since`,
    accountNo,
    moveId,
    now.getTime(),
  ];
}

/** The account is this shard's own from now on (the directory points here): its jobs take it. */
export function arrivedStatement(accountNo: string, moveId: string): [string, ...unknown[]] {
  return ["DELETE FROM arriving_accounts WHERE account_no = ? AND move_id = ?", accountNo, moveId];
}

/**
 * SQL condition: the account (a column or an expression naming it) is this shard's own and settled here — neither
 * one a shard move is still copying here (`arriving_accounts`, the target) nor one frozen for a move off this shard
 * or moved off it (`account_freezes`, the source). Every job that goes over a shard's accounts — the midnight
 * charge, the month close, bonus points, blocks, tariff changes, autopay, promised payments, retention — adds it:
 * until the directory switches the account is its source's, and a row a job wrote on the copy would fail the move's
 * verification; on the source the freeze triggers refuse every write to it, and one refused row would fail the
 * job's whole statement (the region's charge of 2,000 services, its close of 200 accounts) for as long as the move
 * takes. What the region's jobs did while the account was skipped is done for it once it is settled on a shard
 * (`catchUpAccount` in billing/catch-up.service.ts, called by the move). Two primary-key probes per row.
 */
export function settledHere(accountNo: SQLWrapper): SQL {
  // The caller's column must come qualified (drizzle renders a table's column as "table"."column"), or it would
  // name the subqueries' own account_no.
  return sql`(NOT EXISTS (SELECT 1 FROM ${arrivingAccounts} WHERE ${arrivingAccounts.accountNo} = ${accountNo})
    AND ${writableHere(accountNo)})`;
}

/**
 * SQL condition for a shard move's own catch-up of one account (`catchUpAccount`): the account is not frozen on this
 * shard, so its rows may be written, though it may still be arriving — kept from the shard's jobs until the catch-up
 * is done, in as many calls as its query budget takes.
 */
export function writableHere(accountNo: SQLWrapper): SQL {
  return sql`NOT EXISTS (SELECT 1 FROM ${accountFreezes} WHERE ${accountFreezes.accountNo} = ${accountNo})`;
}

/** Which accounts a statement takes: the settled ones (the jobs), or also an arriving one (a move's catch-up). */
export type AccountScope = (accountNo: SQLWrapper) => SQL;
