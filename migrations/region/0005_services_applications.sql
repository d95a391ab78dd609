CREATE TABLE `account_options` (
	`id` text PRIMARY KEY NOT NULL,
	`account_no` text NOT NULL,
	`service_id` text NOT NULL,
	`option_id` text NOT NULL,
	`status` text NOT NULL,
	`started_at` integer NOT NULL,
	`ended_at` integer
);
--> statement-breakpoint
CREATE INDEX `account_options_account_idx` ON `account_options` (`account_no`);--> statement-breakpoint
CREATE UNIQUE INDEX `account_options_one_active_uq` ON `account_options` (`service_id`,`option_id`) WHERE status = 'active';--> statement-breakpoint
CREATE TABLE `application_events` (
	`id` text PRIMARY KEY NOT NULL,
	`application_id` text NOT NULL,
	`from_status` text,
	`to_status` text NOT NULL,
	`actor` text NOT NULL,
	`comment` text,
	`at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `application_events_app_idx` ON `application_events` (`application_id`,`at`);--> statement-breakpoint
CREATE TABLE `applications` (
	`id` text PRIMARY KEY NOT NULL,
	`number` text NOT NULL,
	`region` text NOT NULL,
	`subscriber_id` text NOT NULL,
	`account_no` text,
	`service_id` text,
	`kind` text NOT NULL,
	`status` text NOT NULL,
	`address` text,
	`contact_phone` text,
	`preferred_day` text,
	`preferred_slot` text,
	`technician` text,
	`details` text NOT NULL,
	`effects_at` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `applications_number_uq` ON `applications` (`number`);--> statement-breakpoint
CREATE INDEX `applications_region_status_idx` ON `applications` (`region`,`status`,`created_at`);--> statement-breakpoint
CREATE INDEX `applications_subscriber_idx` ON `applications` (`subscriber_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `coverage` (
	`id` text PRIMARY KEY NOT NULL,
	`region` text NOT NULL,
	`street_key` text NOT NULL,
	`street` text NOT NULL,
	`house_from` integer NOT NULL,
	`house_to` integer NOT NULL,
	`technology` text NOT NULL,
	`max_mbps` integer NOT NULL,
	`tv` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `coverage_street_idx` ON `coverage` (`region`,`street_key`);--> statement-breakpoint
CREATE TABLE `tariff_changes` (
	`id` text PRIMARY KEY NOT NULL,
	`account_no` text NOT NULL,
	`service_id` text NOT NULL,
	`from_tariff_id` text NOT NULL,
	`to_tariff_id` text NOT NULL,
	`effective_day` text NOT NULL,
	`status` text NOT NULL,
	`application_id` text,
	`new_service_id` text,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `tariff_changes_day_idx` ON `tariff_changes` (`status`,`effective_day`);--> statement-breakpoint
CREATE UNIQUE INDEX `tariff_changes_one_pending_uq` ON `tariff_changes` (`service_id`) WHERE status IN ('scheduled', 'waiting');--> statement-breakpoint
CREATE TABLE `voluntary_blocks` (
	`id` text PRIMARY KEY NOT NULL,
	`account_no` text NOT NULL,
	`service_id` text NOT NULL,
	`region` text NOT NULL,
	`from_day` text NOT NULL,
	`to_day` text NOT NULL,
	`status` text NOT NULL,
	`fee_kop` integer NOT NULL,
	`application_id` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `voluntary_blocks_start_idx` ON `voluntary_blocks` (`region`,`status`,`from_day`);--> statement-breakpoint
CREATE INDEX `voluntary_blocks_service_idx` ON `voluntary_blocks` (`service_id`,`status`);