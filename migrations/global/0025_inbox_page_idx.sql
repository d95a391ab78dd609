DROP INDEX `inbox_subscriber_idx`;--> statement-breakpoint
CREATE INDEX `inbox_subscriber_idx` ON `inbox` (`subscriber_id`,`created_at`,`id`);