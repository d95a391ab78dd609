import { type SQL, type SQLWrapper, sql } from "drizzle-orm";
import { arrivingAccounts } from "../db/schema/region";

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
 * SQL condition: the account (a column or an expression naming it) is this shard's own, not one a shard move is
 * still copying here (`arriving_accounts`). Every job that goes over a shard's accounts — the midnight charge, the
 * month close, bonus points, blocks, tariff changes, autopay, promised payments, retention — adds it: until the
 * directory switches, the account is its source shard's, and a row a job wrote on the copy would fail the move's
 * verification. One primary-key probe per row.
 */
export function settledHere(accountNo: SQLWrapper): SQL {
  // The caller's column must come qualified (drizzle renders a table's column as "table"."column"), or it would
  // name the subquery's own account_no.
  return sql`NOT EXISTS (SELECT 1 FROM ${arrivingAccounts} WHERE ${arrivingAccounts.accountNo} = ${accountNo})`;
}
