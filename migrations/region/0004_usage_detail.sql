CREATE TABLE `usage_records` (
	`id` text PRIMARY KEY NOT NULL,
	`account_no` text NOT NULL,
	`service_id` text NOT NULL,
	`category` text NOT NULL,
	`direction` text,
	`peer` text,
	`started_at` integer NOT NULL,
	`local_day` text NOT NULL,
	`duration_sec` integer,
	`volume_kb` integer,
	`cost_kop` integer NOT NULL,
	`title_ru` text,
	`title_en` text,
	FOREIGN KEY (`account_no`) REFERENCES `accounts`(`account_no`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `usage_account_day_idx` ON `usage_records` (`account_no`,`local_day`,`started_at`,`id`);--> statement-breakpoint
CREATE INDEX `usage_service_day_idx` ON `usage_records` (`service_id`,`local_day`);--> statement-breakpoint
CREATE TABLE `usage_reports` (
	`id` text PRIMARY KEY NOT NULL,
	`account_no` text NOT NULL,
	`subscriber_id` text NOT NULL,
	`service_id` text,
	`from_day` text NOT NULL,
	`to_day` text NOT NULL,
	`categories` text NOT NULL,
	`format` text NOT NULL,
	`delivery` text NOT NULL,
	`email` text,
	`lang` text NOT NULL,
	`status` text NOT NULL,
	`progress` integer DEFAULT 0 NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`row_count` integer,
	`total_cost_kop` integer,
	`size_bytes` integer,
	`file_key` text,
	`error` text,
	`created_at` integer NOT NULL,
	`ready_at` integer,
	`expires_at` integer,
	FOREIGN KEY (`account_no`) REFERENCES `accounts`(`account_no`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `usage_reports_account_idx` ON `usage_reports` (`account_no`,`subscriber_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `usage_reports_expiry_idx` ON `usage_reports` (`status`,`expires_at`);