CREATE TABLE `deliveries` (
	`dedupe_key` text PRIMARY KEY NOT NULL,
	`event_id` text NOT NULL,
	`subscriber_id` text,
	`channel` text NOT NULL,
	`status` text NOT NULL,
	`attempts` integer NOT NULL,
	`detail` text,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `deliveries_event_idx` ON `deliveries` (`event_id`);--> statement-breakpoint
CREATE INDEX `deliveries_subscriber_idx` ON `deliveries` (`subscriber_id`,`updated_at`);--> statement-breakpoint
CREATE INDEX `deliveries_updated_idx` ON `deliveries` (`updated_at`);--> statement-breakpoint
CREATE TABLE `inbox` (
	`id` text PRIMARY KEY NOT NULL,
	`subscriber_id` text NOT NULL,
	`event_id` text NOT NULL,
	`kind` text NOT NULL,
	`account_no` text,
	`title` text NOT NULL,
	`body` text NOT NULL,
	`url` text NOT NULL,
	`params` text,
	`created_at` integer NOT NULL,
	`read_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `inbox_event_uq` ON `inbox` (`subscriber_id`,`event_id`);--> statement-breakpoint
CREATE INDEX `inbox_subscriber_idx` ON `inbox` (`subscriber_id`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `inbox_created_idx` ON `inbox` (`created_at`);