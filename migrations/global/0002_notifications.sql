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
CREATE TABLE `inbox` (
	`id` text PRIMARY KEY NOT NULL,
	`subscriber_id` text NOT NULL,
	`event_id` text NOT NULL,
	`kind` text NOT NULL,
	`account_no` text,
	`title` text NOT NULL,
	`body` text NOT NULL,
	`url` text NOT NULL,
	`created_at` integer NOT NULL,
	`read_at` integer,
	FOREIGN KEY (`subscriber_id`) REFERENCES `subscribers`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `inbox_event_uq` ON `inbox` (`subscriber_id`,`event_id`);--> statement-breakpoint
CREATE INDEX `inbox_subscriber_idx` ON `inbox` (`subscriber_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `notification_prefs` (
	`subscriber_id` text NOT NULL,
	`account_no` text NOT NULL,
	`kind` text NOT NULL,
	`channels` text NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`subscriber_id`, `account_no`, `kind`),
	FOREIGN KEY (`subscriber_id`) REFERENCES `subscribers`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `notification_settings` (
	`subscriber_id` text PRIMARY KEY NOT NULL,
	`quiet_from` integer,
	`quiet_to` integer,
	`marketing` integer DEFAULT false NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`subscriber_id`) REFERENCES `subscribers`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `outages` (
	`id` text PRIMARY KEY NOT NULL,
	`region` text NOT NULL,
	`street` text,
	`houses` text,
	`title` text NOT NULL,
	`expected_end` integer NOT NULL,
	`declared_at` integer NOT NULL,
	`resolved_at` integer,
	FOREIGN KEY (`region`) REFERENCES `regions`(`code`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `outages_region_idx` ON `outages` (`region`,`resolved_at`);--> statement-breakpoint
CREATE TABLE `push_subscriptions` (
	`id` text PRIMARY KEY NOT NULL,
	`subscriber_id` text NOT NULL,
	`origin` text NOT NULL,
	`endpoint` text NOT NULL,
	`p256dh` text NOT NULL,
	`auth` text NOT NULL,
	`lang` text DEFAULT 'ru' NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`subscriber_id`) REFERENCES `subscribers`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `push_subscriptions_endpoint_uq` ON `push_subscriptions` (`endpoint`);--> statement-breakpoint
CREATE INDEX `push_subscriptions_subscriber_idx` ON `push_subscriptions` (`subscriber_id`);--> statement-breakpoint
ALTER TABLE `outbox` ADD `html` text;