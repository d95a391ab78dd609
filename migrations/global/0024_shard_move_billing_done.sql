ALTER TABLE `shard_moves` ADD `charged_to` text;--> statement-breakpoint
ALTER TABLE `shard_moves` ADD `closed_to` text;