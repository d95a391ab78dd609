CREATE TABLE `account_services` (
	`id` text PRIMARY KEY NOT NULL,
	`account_no` text NOT NULL,
	`tariff_id` text NOT NULL,
	`status` text NOT NULL,
	`started_at` integer NOT NULL,
	FOREIGN KEY (`account_no`) REFERENCES `accounts`(`account_no`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`tariff_id`) REFERENCES `tariffs`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `account_services_account_idx` ON `account_services` (`account_no`);--> statement-breakpoint
CREATE TABLE `accounts` (
	`account_no` text PRIMARY KEY NOT NULL,
	`region` text NOT NULL,
	`holder_name` text NOT NULL,
	`address` text NOT NULL,
	`status` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `accounts_region_idx` ON `accounts` (`region`);--> statement-breakpoint
CREATE TABLE `ledger_entries` (
	`id` text PRIMARY KEY NOT NULL,
	`account_no` text NOT NULL,
	`kind` text NOT NULL,
	`amount_kop` integer NOT NULL,
	`occurred_at` integer NOT NULL,
	`local_day` text NOT NULL,
	`service_id` text,
	`description_ru` text NOT NULL,
	`description_en` text NOT NULL,
	`idempotency_key` text NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`account_no`) REFERENCES `accounts`(`account_no`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `ledger_idempotency_uq` ON `ledger_entries` (`idempotency_key`);--> statement-breakpoint
CREATE INDEX `ledger_account_time_idx` ON `ledger_entries` (`account_no`,`occurred_at`,`id`);--> statement-breakpoint
CREATE INDEX `ledger_service_idx` ON `ledger_entries` (`service_id`);--> statement-breakpoint
CREATE TABLE `service_options` (
	`id` text PRIMARY KEY NOT NULL,
	`region` text NOT NULL,
	`applies_to` text NOT NULL,
	`name_ru` text NOT NULL,
	`name_en` text NOT NULL,
	`price_kop` integer NOT NULL,
	`sort` integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE INDEX `service_options_region_idx` ON `service_options` (`region`);--> statement-breakpoint
CREATE TABLE `tariffs` (
	`id` text PRIMARY KEY NOT NULL,
	`region` text NOT NULL,
	`kind` text NOT NULL,
	`name_ru` text NOT NULL,
	`name_en` text NOT NULL,
	`description_ru` text NOT NULL,
	`description_en` text NOT NULL,
	`price_kop` integer NOT NULL,
	`speed_mbps` integer,
	`tv_channels` integer,
	`minutes` integer,
	`data_gb` integer,
	`sort` integer DEFAULT 0 NOT NULL,
	`active` integer DEFAULT true NOT NULL
);
--> statement-breakpoint
CREATE INDEX `tariffs_region_idx` ON `tariffs` (`region`,`kind`,`sort`);