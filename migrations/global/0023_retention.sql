ALTER TABLE `dead_letters` ADD `event_id` text GENERATED ALWAYS AS (CASE WHEN json_valid(body) THEN json_extract(body, '$.eventId') END) VIRTUAL;--> statement-breakpoint
CREATE INDEX `dead_letters_event_idx` ON `dead_letters` (`event_id`);--> statement-breakpoint
CREATE INDEX `deliveries_updated_idx` ON `deliveries` (`updated_at`);--> statement-breakpoint
CREATE INDEX `inbox_created_idx` ON `inbox` (`created_at`);