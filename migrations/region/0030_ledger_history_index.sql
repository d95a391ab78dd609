CREATE INDEX `ledger_account_history_idx` ON `ledger_entries` (`account_no`,`occurred_at`,`id`,`local_day`,`amount_kop`);--> statement-breakpoint
DROP INDEX `ledger_account_time_idx`;
