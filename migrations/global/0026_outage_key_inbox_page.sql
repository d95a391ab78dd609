DROP INDEX `inbox_subscriber_idx`;--> statement-breakpoint
CREATE INDEX `inbox_subscriber_idx` ON `inbox` (`subscriber_id`,`created_at`,`id`);--> statement-breakpoint
ALTER TABLE `outages` ADD `key` text;--> statement-breakpoint
CREATE UNIQUE INDEX `outages_key_uq` ON `outages` (`key`);