CREATE TABLE `bonus_ledger` (
	`id` text PRIMARY KEY NOT NULL,
	`account_no` text NOT NULL,
	`kind` text NOT NULL,
	`points` integer NOT NULL,
	`source_key` text NOT NULL,
	`expires_at` integer,
	`description_ru` text NOT NULL,
	`description_en` text NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`account_no`) REFERENCES `accounts`(`account_no`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `bonus_ledger_source_uq` ON `bonus_ledger` (`source_key`);--> statement-breakpoint
CREATE INDEX `bonus_ledger_account_idx` ON `bonus_ledger` (`account_no`,`created_at`);--> statement-breakpoint
CREATE TABLE `bonus_members` (
	`account_no` text PRIMARY KEY NOT NULL,
	`status` text NOT NULL,
	`joined_at` integer NOT NULL,
	`left_at` integer,
	`joined_by` text NOT NULL,
	`rules_version` text NOT NULL,
	FOREIGN KEY (`account_no`) REFERENCES `accounts`(`account_no`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `bonus_redemptions` (
	`id` text PRIMARY KEY NOT NULL,
	`account_no` text NOT NULL,
	`reward_id` text NOT NULL,
	`points` integer NOT NULL,
	`code` text,
	`credited_kop` integer,
	`idempotency_key` text NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`account_no`) REFERENCES `accounts`(`account_no`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `bonus_redemptions_key_uq` ON `bonus_redemptions` (`account_no`,`idempotency_key`);--> statement-breakpoint
-- Points are append-only like money: a correction is a new entry.
CREATE TRIGGER bonus_ledger_no_update BEFORE UPDATE ON bonus_ledger
BEGIN
  SELECT RAISE(ABORT, 'bonus_ledger is append-only');
END;
--> statement-breakpoint
CREATE TRIGGER bonus_ledger_no_delete BEFORE DELETE ON bonus_ledger
BEGIN
  SELECT RAISE(ABORT, 'bonus_ledger is append-only');
END;
