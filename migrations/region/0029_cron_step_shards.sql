CREATE TABLE `cron_step_shards` (
	`job` text NOT NULL,
	`region` text NOT NULL,
	`shard` text NOT NULL,
	`day` text NOT NULL,
	`after_rowid` integer NOT NULL,
	`done` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`seq` integer NOT NULL,
	PRIMARY KEY(`job`, `region`, `shard`)
);
