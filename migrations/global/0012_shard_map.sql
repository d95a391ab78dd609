CREATE TABLE `shard_moves` (
	`id` text PRIMARY KEY NOT NULL,
	`account_no` text NOT NULL,
	`from_shard` text NOT NULL,
	`to_shard` text NOT NULL,
	`step` text NOT NULL,
	`verified` text,
	`started_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`switched_at` integer,
	FOREIGN KEY (`account_no`) REFERENCES `account_directory`(`account_no`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `shard_moves_one_open_uq` ON `shard_moves` (`account_no`) WHERE step != 'done';--> statement-breakpoint
CREATE INDEX `shard_moves_account_idx` ON `shard_moves` (`account_no`,`started_at`);--> statement-breakpoint
CREATE TABLE `shards` (
	`binding` text PRIMARY KEY NOT NULL,
	`branch` text NOT NULL,
	`open` integer DEFAULT true NOT NULL,
	`accounts` integer DEFAULT 0 NOT NULL,
	`max_accounts` integer DEFAULT 1000000 NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`branch`) REFERENCES `branches`(`code`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `shards_branch_idx` ON `shards` (`branch`,`open`);