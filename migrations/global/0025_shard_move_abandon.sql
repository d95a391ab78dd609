DROP INDEX `shard_moves_one_open_uq`;--> statement-breakpoint
CREATE UNIQUE INDEX `shard_moves_one_open_uq` ON `shard_moves` (`account_no`) WHERE step NOT IN ('done', 'abandoned');