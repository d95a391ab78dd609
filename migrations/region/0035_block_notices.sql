ALTER TABLE `voluntary_blocks` ADD `notice` text;--> statement-breakpoint
ALTER TABLE `voluntary_blocks` ADD `notice_at` integer;--> statement-breakpoint
CREATE INDEX `voluntary_blocks_notice_idx` ON `voluntary_blocks` (`notice_at`) WHERE notice IS NOT NULL;