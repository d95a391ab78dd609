ALTER TABLE `session_links` ADD `pending_until` integer;--> statement-breakpoint
ALTER TABLE `session_links` ADD `pending_changes` integer DEFAULT 0 NOT NULL;