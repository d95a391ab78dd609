CREATE INDEX `tariff_changes_account_idx` ON `tariff_changes` (`account_no`);--> statement-breakpoint
CREATE INDEX `voluntary_blocks_account_idx` ON `voluntary_blocks` (`account_no`);