ALTER TABLE `cron_progress` ADD `step_day` text;--> statement-breakpoint
ALTER TABLE `cron_progress` ADD `step_shard` text;--> statement-breakpoint
ALTER TABLE `cron_progress` ADD `step_after` integer;--> statement-breakpoint
ALTER TABLE `cron_progress` ADD `step_at` integer;