ALTER TABLE `shard_moves` ADD `cursor_table` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `shard_moves` ADD `cursor_key` text;--> statement-breakpoint
ALTER TABLE `shard_moves` ADD `cursor_rows` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `shard_moves` ADD `cursor_figures` text;