CREATE TABLE `cron_progress` (
	`job` text NOT NULL,
	`region` text NOT NULL,
	`done_day` text NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`job`, `region`)
);
